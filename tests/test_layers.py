"""Imports point one way: core modules never import I/O or apps; I/O never imports apps.

The check parses the source, so it also sees imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import featurecat

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
    "printable",
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
}
APPS = {"cli", "portal", "retrieval"}
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
ALLOWED = {("catalog", "load")}


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
