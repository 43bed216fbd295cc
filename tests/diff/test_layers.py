"""Detection and policy are core: pure functions of catalogs, with no I/O to mock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CORE = ["diff", "compat", "codeowners"]
IO_OR_APPS = {
    "os",
    "subprocess",
    "pathlib",
    "git",
    "click",
    "pandas",
    "duckdb",
    "featurecat.gitio",
    "featurecat.tree",
    "featurecat.load",
    "featurecat.history",
    "featurecat.cli",
}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", CORE)
def test_core_modules_do_no_io(module: str) -> None:
    used = imports(REPO_ROOT / "featurecat" / f"{module}.py")
    banned = {m for m in used for io in IO_OR_APPS if m == io or m.startswith(io + ".")}
    assert not banned, banned
