"""Imports point one way: core modules never import I/O or apps; I/O never imports apps.

The check parses the source, so it also sees imports inside functions.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import featurecat
from tests.conftest import EXAMPLE_CATALOG

PACKAGE = Path(featurecat.__file__).parent

CORE = {
    "errors",
    "names",
    "dtypes",
    "origin",
    "schema",
    "catalog",
    "checks",
    "query",
    "diff",
    "compat",
    "report",
    "codeowners",
    "changes",
    "rules",
    "printable",
    "contracts",
    "entries",
    "columns",
    "similar",
}
IO = {
    "yamlio",
    "parse",
    "tree",
    "gitio",
    "history",
    "load",
    "datacheck",
    "data",
    "scaffold",
    "writes",
    "validation",
    "measure",
    "cache",
    "agreement",
}
APPS = {"cli", "portal", "retrieval", "notebook"}
HEAVY = {
    "pandas",
    "duckdb",
    "pyarrow",
    "mkdocs",
    "pyspark",
    "polars",
    "git",
    "click",
    "jinja2",
    "subprocess",
}
# Catalog.load is the public entry point; it hands over to the loader when called.
ALLOWED = {("catalog", "load"), ("catalog", "notebook")}


def layer(module: str) -> str:
    top = module.split(".")[0]
    if top in CORE:
        return "core"
    if top in IO:
        return "io"
    return "apps" if top in APPS else "other"


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "featurecat":
            found.update(f"featurecat.{alias.name}" for alias in node.names)  # a module or not
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_imports_point_one_way() -> None:
    rank = {"core": 0, "io": 1, "apps": 2}
    problems = []
    for path in PACKAGE.rglob("*.py"):
        module = path.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")
        mine = layer(module)
        if mine not in rank:
            continue
        for imported in imports(path):
            if imported.startswith("featurecat."):
                target = imported.removeprefix("featurecat.")
                theirs = layer(target)
                allowed = (module.split(".")[0], target.split(".")[0]) in ALLOWED
                if theirs in rank and rank[theirs] > rank[mine] and not allowed:
                    problems.append(f"{module} ({mine}) imports {imported} ({theirs})")
            elif mine == "core" and imported.split(".")[0] in HEAVY:
                problems.append(f"{module} (core) imports {imported}")
    assert problems == []


def test_every_module_has_a_layer() -> None:
    modules = {
        p.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for p in PACKAGE.glob("*")
        if p.suffix == ".py" or p.is_dir()
    }
    modules -= {"__init__", "__main__", "__pycache__", "templates"}
    assert modules - CORE - IO - APPS == set()


def test_git_is_run_by_gitio_alone() -> None:
    """gitio holds all git access: no other module imports GitPython or runs ``git``."""
    problems = []
    for path in PACKAGE.rglob("*.py"):
        module = path.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")
        if module == "gitio":
            continue
        if any(name.split(".")[0] == "git" for name in imports(path)):
            problems.append(f"{module} imports GitPython")
        text = path.read_text()
        if '["git",' in text or "repo.git." in text:
            problems.append(f"{module} runs git")
    assert problems == []


def test_loading_feature_values_never_imports_gitpython(tmp_path: Path) -> None:
    """load_features asks git what the catalog is at (for the manifest) without GitPython."""
    code = textwrap.dedent(f"""
        import sys
        import pandas as pd
        import featurecat
        labels = pd.DataFrame({{
            "user_id": [1, 2],
            "event_timestamp": pd.to_datetime(["2025-02-01", "2025-02-01"], utc=True),
        }})
        featurecat.load_features(
            ["user_age"], entity_df=labels, catalog={str(EXAMPLE_CATALOG)!r},
            manifest={str(tmp_path / "manifest.json")!r},
        )
        print(sorted(m for m in sys.modules if m == "git" or m.startswith("git.")))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["catalog"]["commit"]) == 40  # git was asked, without GitPython


def test_contributing_lists_every_module_in_its_layer() -> None:
    """CONTRIBUTING.md's layer table says where each module belongs, as this test does."""
    text = (PACKAGE.parent / "CONTRIBUTING.md").read_text()
    rows = {
        cells[0]: {name.strip("`/") for name in cells[1].split(", ")}
        for line in text.splitlines()
        if line.startswith("| ") and len(cells := [c.strip() for c in line.split("|")[1:-1]]) == 3
    }
    assert rows.get("core") == CORE
    assert rows.get("I/O") == IO
    assert rows.get("apps") == APPS
