"""The README's big-data recipe runs as written, on a copy of the example catalog."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq

from tests.conftest import REPO_ROOT


def blocks(kind: str) -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text()
    recipe = re.search(r"<!-- recipe: big-data -->(.*?)<!-- /recipe -->", readme, re.S)
    assert recipe, "the README keeps its big-data recipe"
    return re.findall(rf"```{kind}\n(.*?)```", recipe.group(1), re.S)


def test_the_readme_big_data_recipe_runs(tmp_path: Path) -> None:
    shutil.copytree(
        REPO_ROOT / "catalog", tmp_path / "catalog", ignore=shutil.ignore_patterns("site")
    )
    (python,) = blocks("python")
    code = python + "\nprint(len(train), sum(1 for _ in reader))\n"
    done = subprocess.run(
        [sys.executable, "-W", "ignore::FutureWarning", "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    labels = pq.read_table(tmp_path / "catalog/data/labels/churn_labels.parquet")
    train = ds.dataset(tmp_path / "runs/churn_train").to_table().sort_by("entity_row")
    assert train.column("user_id").equals(labels.column("user_id"))
    assert (tmp_path / "runs/churn_train.manifest.json").is_file()
    assert done.stdout.split()[0] == str(labels.num_rows)

    (command,) = blocks("bash")
    argv = command.split()
    assert argv[:2] == ["featurecat", "export"]
    cli = subprocess.run(
        [sys.executable, "-m", "featurecat", *argv[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.startswith(f"wrote {labels.num_rows} rows to ")
    assert pq.read_table(tmp_path / "runs/churn.parquet").num_rows == labels.num_rows
