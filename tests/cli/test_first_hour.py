"""A newcomer's first hour, done literally: the README's commands and Python example on a
catalog from ``featurecat init``, ``--catalog`` where a user puts it, counts said right."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pandas as pd
import pytest

import featurecat
from featurecat.cli import main
from featurecat.cli.common import takes_catalog
from featurecat.printable import plural
from tests.conftest import EXAMPLE_CATALOG, REPO_ROOT
from tests.support import cli, commit_all, git, init_repo

README = (REPO_ROOT / "README.md").read_text()
PACKAGE = REPO_ROOT / "featurecat"


def leaf_commands(group: click.Group = main, prefix: tuple[str, ...] = ()) -> Iterator[tuple]:  # type: ignore[type-arg]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_catalog_goes_before_the_command_too() -> None:
    after = cli("validate", "--catalog", EXAMPLE_CATALOG)
    before = cli("--catalog", EXAMPLE_CATALOG, "validate")
    assert before.exit_code == after.exit_code == 0
    assert before.output == after.output
    listed = cli("--catalog", EXAMPLE_CATALOG, "list", "--kind", "team")
    assert listed.exit_code == 0 and "growth" in listed.output
    same = cli("--catalog", EXAMPLE_CATALOG, "show", "user_age", "--catalog", f"{EXAMPLE_CATALOG}/")
    assert same.exit_code == 0 and same.output.startswith("feature user_age")


def test_every_command_that_reads_a_catalog_takes_it_before_its_name() -> None:
    readers = [path for path, command in leaf_commands() if takes_catalog(command)]
    assert len(readers) >= 10
    for path in readers:
        result = cli("--catalog", EXAMPLE_CATALOG, *path, "--help")
        assert result.exit_code == 0, (path, result.output)


def test_two_different_catalogs_are_a_usage_error(tmp_path: Path) -> None:
    result = cli("--catalog", EXAMPLE_CATALOG, "validate", "--catalog", tmp_path)
    assert result.exit_code == 2
    assert (
        f"Error: --catalog is given twice, as {EXAMPLE_CATALOG} before the command and as "
        f"{tmp_path} after it; give it once"
    ) in result.output


def test_a_command_that_reads_no_catalog_says_so(tmp_path: Path) -> None:
    result = cli("--catalog", EXAMPLE_CATALOG, "init", tmp_path / "new")
    assert result.exit_code == 2
    assert "Error: 'featurecat init' reads no catalog, so it takes no --catalog" in result.output
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("command", ["show", "log"])
def test_an_unknown_name_is_a_usage_error(command: str, tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    cli("init", repo / "catalog")
    commit_all(repo, "start")
    result = cli(command, "nosuch", cwd=repo)
    assert result.exit_code == 2, result.output
    assert "unknown object 'nosuch'" in result.output


def readme_python_api() -> str:
    """The Python block of the README's "Python API" section, as printed."""
    section = README.split("\n## Python API\n", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found
    return found.group(1)


def test_a_new_catalog_runs_the_readme_python_example_as_printed(tmp_path: Path) -> None:
    """``featurecat init catalog``, three commits, then the README's block, line for line."""
    repo = init_repo(tmp_path / "repo")
    assert cli("init", "catalog", cwd=repo).exit_code == 0
    for n in range(4):
        commit_all(repo, f"commit {n}")
    code = readme_python_api()
    assert 'owner="growth"' in code and 'entity="user"' in code
    stamps = pd.to_datetime(["2025-02-15"] * 3, utc=True)
    namespace = {
        "labels": pd.DataFrame({"user_id": [1, 2, 3], "event_timestamp": stamps}),
        "data": pd.DataFrame(
            {"user_id": [1, 2, 3], "event_timestamp": stamps, "user_tenure_days": [30, 5, 400]}
        ),
        "new_data": pd.DataFrame(
            {
                "user_id": [1],
                "event_timestamp": pd.to_datetime(["2025-03-15"], utc=True),
                "user_tenure_days": [58],
            }
        ),
    }
    previous = Path.cwd()
    os.chdir(repo)
    try:
        exec(compile(code, "README.md", "exec"), namespace)  # our own README
        later = featurecat.load_features(
            "user_tenure_days",
            pd.DataFrame(
                {"user_id": [1], "event_timestamp": pd.to_datetime(["2025-04-01"], utc=True)}
            ),
            catalog="catalog",
        )
    finally:
        os.chdir(previous)
    assert list(namespace["df"]["user_age"]) == [34, 28, 45]  # type: ignore[index]
    assert later["user_tenure_days"].tolist() == [58]


def test_register_names_an_unknown_entity_and_team_at_once(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    cli("init", root)
    data = pd.DataFrame(
        {"user_id": [1], "event_timestamp": pd.to_datetime(["2025-01-01"], utc=True), "x": [1]}
    )
    with pytest.raises(featurecat.UnknownNameError) as caught:
        featurecat.register_feature(
            "x", data, catalog=root, owner="data_team", entity="customer", description="X."
        )
    assert str(caught.value) == (
        "unknown entity 'customer' (did you mean 'user'?); unknown team 'data_team'; declare "
        "them in the catalog first, or pass names that it defines"
    )
    assert caught.value.names == ["customer", "data_team"]


def test_init_keeps_the_built_site_and_work_files_out_of_git(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    assert cli("init", "catalog", cwd=repo).exit_code == 0
    made = ["_site/index.html", ".featurecat/portal/mkdocs.yml", ".featurecat/lock"]
    for relpath in made:
        (repo / "catalog" / relpath).parent.mkdir(parents=True, exist_ok=True)
        (repo / "catalog" / relpath).write_text("x")
    status = git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()
    paths = {line[3:].removeprefix("catalog/") for line in status}
    assert {".gitignore", ".featurecat/schemas/feature.schema.json"} <= paths
    assert paths.isdisjoint(made)


def test_counts_of_one_are_singular(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    cli("init", root)
    validated = cli("validate", "--catalog", root)
    assert "2 features, 1 source, 1 entity, 1 team, 1 model" in validated.output
    (root / "teams/growth.yaml").write_text("name: growth\nslack: x\n")
    listed = cli("list", "--catalog", root)
    assert "the catalog has 1 error; run 'featurecat validate' for details" in listed.output
    assert (plural(1, "row"), plural(2, "entity", "entities")) == ("1 row", "2 entities")
    assert plural(12_000, "feature") == "12,000 features"


def test_no_message_counts_with_an_s_in_brackets() -> None:
    """ "1 error(s)" reads as a bug: counts go through printable.plural."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and re.search(r"(?<!http)\(s\)", text):
                found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert found == []
