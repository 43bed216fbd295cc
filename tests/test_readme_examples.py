"""The README's examples run as printed against the example catalog, and say what they print.

Each ```console block is run in a real process, in a git repository holding a copy of
``catalog/`` committed on ``main``, after the one edit the prose before the block describes;
its output must be the block's, with only commit ids set apart. The ```python blocks run in
order, in one namespace, in such a repository.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import featurecat
from tests.conftest import EXAMPLE_CATALOG, REPO_ROOT
from tests.support import commit_all, init_repo

# A recipe (`<!-- recipe: NAME -->` ... `<!-- /recipe -->`) runs in a test of its own, with the
# setup it needs (tests/retrieval/test_readme_bigdata.py, tests/storage/test_recipe.py).
README = re.sub(
    r"<!-- recipe: [\w-]+ -->.*?<!-- /recipe -->",
    "",
    (REPO_ROOT / "README.md").read_text(),
    flags=re.S,
)
CONSOLE = re.compile(r"```console\n(.*?)```", re.S)
PYTHON = re.compile(r"```python\n(.*?)```", re.S)

#: The edit the prose before a console block describes, keyed by the block's command: (what
#: the prose must name, file in the catalog, line before, line after); None: the catalog as is.
EDITS: dict[str, tuple[str, str, str, str] | None] = {
    "featurecat validate": (
        "a typo in `source:`",
        "features/user/user_age.yaml",
        "source: user_profile\n",
        "source: user_profiles\n",
    ),
    "featurecat diff --base main": (
        "`dtype` to `float64`",
        "features/user/user_age.yaml",
        "dtype: int64\n",
        "dtype: float64\n",
    ),
    "featurecat test --catalog catalog --now 2025-07-04T06:00:00Z": None,
}


def example_repo(where: Path, commits: int = 1) -> Path:
    """A git repository with a copy of the example catalog committed ``commits`` times on main."""
    repo = init_repo(where)
    shutil.copytree(EXAMPLE_CATALOG, repo / "catalog", ignore=shutil.ignore_patterns("_site"))
    for n in range(commits):
        commit_all(repo, f"commit {n}")
    return repo


def console_blocks() -> list[tuple[str, str, str]]:
    """(the prose before, the commands, the output) of each console block."""
    blocks = []
    for found in CONSOLE.finditer(README):
        prose = README[: found.start()].rsplit("\n\n", 2)[-2]
        commands = [line[2:] for line in found.group(1).splitlines() if line.startswith("$ ")]
        output = "".join(
            line + "\n" for line in found.group(1).splitlines() if not line.startswith("$ ")
        )
        assert len(commands) == 1, "one command per console block, so its output is its own"
        blocks.append((prose, commands[0], output))
    return blocks


def same_commits(text: str) -> str:
    """Commit ids differ from run to run; everything else must match."""
    return re.sub(r"\([0-9a-f]{7,40}\)", "(<commit>)", text)


def test_the_readme_has_console_examples_and_each_has_its_edit() -> None:
    commands = [command for _, command, _ in console_blocks()]
    assert len(commands) >= 2
    assert set(commands) == set(EDITS)


@pytest.mark.parametrize("block", console_blocks(), ids=lambda block: block[1])
def test_a_console_example_prints_what_the_readme_shows(
    block: tuple[str, str, str], tmp_path: Path
) -> None:
    prose, command, shown = block
    repo = example_repo(tmp_path / "repo")
    edit = EDITS[command]
    if edit is not None:
        named, relpath, before, after = edit
        assert named in " ".join(prose.split()), f"the prose before `{command}` must say {named!r}"
        path = repo / "catalog" / relpath
        assert before in path.read_text()
        path.write_text(path.read_text().replace(before, after, 1))
    argv = shlex.split(command)
    assert argv[0] == "featurecat"
    done = subprocess.run(
        [sys.executable, "-m", "featurecat", *argv[1:]],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    failed = any(line.startswith("FAILED") for line in shown.splitlines())
    assert done.returncode == (1 if failed else 0)
    assert same_commits(done.stdout) == same_commits(shown)


@pytest.mark.filterwarnings("ignore:the new data moved")  # two rows of made-up tenure
def test_the_python_examples_run_against_the_example_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tour's block, then the API block (which reads ``main~3``, so four commits), with
    the ``data`` and ``new_data`` the API block leaves to the reader."""
    blocks = PYTHON.findall(README)
    assert len(blocks) == 2
    repo = example_repo(tmp_path / "repo", commits=4)
    monkeypatch.chdir(repo)
    stamps = pd.to_datetime(["2025-02-15"] * 2, utc=True)
    namespace: dict[str, object] = {
        "data": pd.DataFrame(
            {"user_id": [1006, 1168], "event_timestamp": stamps, "user_tenure_days": [50, 60]}
        ),
        "new_data": pd.DataFrame(
            {
                "user_id": [1006],
                "event_timestamp": pd.to_datetime(["2025-03-15"], utc=True),
                "user_tenure_days": [58],
            }
        ),
    }
    tour, api = blocks
    exec(compile(tour, "README.md", "exec"), namespace)  # our own README
    labels = namespace["labels"]
    assert isinstance(labels, pd.DataFrame)
    df = namespace["df"]
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [*labels.columns, "user_age", "user_country", "user_sessions_7d"]
    pd.testing.assert_frame_equal(df[list(labels.columns)], labels)
    assert df["user_age"].notna().any() and str(df["user_age"].dtype) == "Int64"
    assert (repo / "catalog/manifests/churn_model.json").is_file()

    exec(compile(api, "README.md", "exec"), namespace)
    assert namespace["latest"] is not None
    later = featurecat.load_features(
        ["user_tenure_days"],
        entity_df=pd.DataFrame(
            {"user_id": [1006], "event_timestamp": pd.to_datetime(["2025-04-01"], utc=True)}
        ),
        catalog="catalog",
    )
    assert later["user_tenure_days"].tolist() == [58]
