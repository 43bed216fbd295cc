"""Load a catalog: read every definition from a tree, parse it, run the checks, build the model."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from typing import Any

from featurecat.catalog import Catalog
from featurecat.checks import Index, run_checks
from featurecat.errors import CatalogError, Diagnostic, UsageError
from featurecat.names import OBJECT_KINDS, PROJECT_FILE, Kind, kind_of
from featurecat.origin import Parsed
from featurecat.parse import parse_file
from featurecat.schema import Project, Source
from featurecat.schema.paths import escapes
from featurecat.tree import Tree, WorkTree, find_catalog


@dataclass
class LoadResult:
    """A catalog (``None`` when ``featurecat.yaml`` itself is unusable) and every diagnostic."""

    catalog: Catalog | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    def raise_for_errors(self) -> Catalog:
        """The catalog, or :class:`CatalogError` with every error."""
        if self.errors or self.catalog is None:
            raise CatalogError(self.errors, self.warnings)
        return self.catalog


def open_tree(path: str | os.PathLike[str] | None, ref: str | None = None) -> Tree:
    """The working tree of the catalog at ``path``, or that catalog as of git ``ref``."""
    root = find_catalog(path)
    if ref is None:
        return WorkTree(root)
    from featurecat.gitio import GitTree

    return GitTree(root, ref)


def read_catalog(path: str | os.PathLike[str] | None = None, ref: str | None = None) -> LoadResult:
    """Find, read, parse and check a catalog. Never raises for problems in the files."""
    return read_tree(open_tree(path, ref))


def read_tree(tree: Tree) -> LoadResult:
    """Parse every definition in ``tree`` and run the cross-file checks."""
    diagnostics: list[Diagnostic] = []
    parsed: list[Parsed] = []
    files = tree.files()
    if PROJECT_FILE not in files:
        where = f" at {tree.ref}" if tree.ref else ""
        raise UsageError(f"{tree.display(PROJECT_FILE)}: no {PROJECT_FILE}{where}")
    for relpath in files:
        kind = kind_of(relpath)
        if kind is None:
            diagnostics.append(
                Diagnostic(
                    tree.display(relpath),
                    1,
                    0,
                    "misplaced-file",
                    "warning",
                    f"ignored: only features/ has sub-folders; move this file into "
                    f"{relpath.split('/', 1)[0]}/",
                )
            )
            continue
        item, problems = parse_file(kind, relpath, tree.display(relpath), tree.read(relpath))
        parsed.append(item)
        diagnostics.extend(problems)

    project_items = [p for p in parsed if p.kind is Kind.PROJECT]
    project = project_items[0].obj if project_items else None
    assert project is None or isinstance(project, Project)
    index = Index.build(parsed, project, tree.catalog_dir)
    diagnostics.extend(run_checks(index))
    if project is not None:
        diagnostics.extend(_linked_paths(tree, index, project))
    diagnostics.sort(key=lambda d: (d.path, d.line, d.column))

    catalog = _build(tree, index, project, diagnostics) if project is not None else None
    return LoadResult(catalog, diagnostics, len(files))


def _linked_paths(tree: Tree, index: Index, project: Project) -> list[Diagnostic]:
    """Data paths that stay inside lexically but leave the repository through a symlink."""
    found = []
    for item in index.valid(Kind.SOURCE):
        assert isinstance(item.obj, Source)
        relpath = posixpath.join(project.data_root, item.obj.path)
        if "*" in relpath or escapes(tree.catalog_dir, relpath):
            continue  # globs can't be resolved; lexical escapes are reported by the checks
        if tree.escapes_repo(relpath):
            found.append(
                item.origin.diagnostic(
                    ("path",),
                    "path-escapes-repo",
                    f"path '{item.obj.path}' leads outside the repository through a symbolic link; "
                    "keep data inside the repository",
                )
            )
    return found


def _build(tree: Tree, index: Index, project: Project, diagnostics: list[Diagnostic]) -> Catalog:
    objects: dict[Kind, dict[str, Any]] = {kind: {} for kind in OBJECT_KINDS}
    origins = {}
    for kind in OBJECT_KINDS:
        for item in index.valid(kind):
            objects[kind][item.name] = item.obj
            origins[(kind, item.name)] = item.origin
    for item in index.valid(Kind.PROJECT):
        origins[(Kind.PROJECT, item.name)] = item.origin
    return Catalog(
        project=project,
        teams=objects[Kind.TEAM],
        entities=objects[Kind.ENTITY],
        sources=objects[Kind.SOURCE],
        features=objects[Kind.FEATURE],
        models=objects[Kind.MODEL],
        origins=origins,
        root=tree.root,
        ref=tree.ref,
        commit=tree.commit,
        warnings=[d for d in diagnostics if not d.is_error],
    )
