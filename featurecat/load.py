"""Load a catalog: read every definition from a tree, parse it, run the checks, build the model."""

from __future__ import annotations

import gc
import os
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from featurecat.catalog import Catalog
from featurecat.checks import Index, run_checks
from featurecat.datacheck import data_files
from featurecat.errors import CatalogError, CatalogNotFound, Diagnostic, Findings, UnreadableFile
from featurecat.names import OBJECT_KINDS, PROJECT_FILE, Kind, kind_of, misplaced_reason, stem
from featurecat.origin import Origin, Parsed
from featurecat.parse import parse_file
from featurecat.printable import control_character
from featurecat.schema import Project, Source
from featurecat.schema.paths import escapes
from featurecat.tree import Tree, WorkTree, find_catalog, git_blob_id


@dataclass
class LoadResult(Findings):
    """A catalog (``None`` when ``featurecat.yaml`` itself is unusable) and every diagnostic."""

    catalog: Catalog | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    blobs: dict[str, str] = field(default_factory=dict)
    """Catalog-relative path -> git blob id of each definition file read."""

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


def load_catalog(path: str | os.PathLike[str] | None = None, ref: str | None = None) -> LoadResult:
    """Find, read, parse and check a catalog. Never raises for problems in the files."""
    return load_tree(open_tree(path, ref))


class ParseCache:
    """Parse results keyed by what they depend on: the kind, the file's stem and its blob id.

    Loading two versions of a catalog through one cache parses each distinct file content
    once: a diff costs about one validation, whatever the catalog's size. A file that only
    moved is a hit too; its origin and diagnostics are re-pinned to the new path.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[Kind, str, str], tuple[Parsed, list[Diagnostic]]] = {}

    def get(
        self, kind: Kind, relpath: str, display: str, blob: str | None
    ) -> tuple[Parsed, list[Diagnostic]] | None:
        hit = self._entries.get((kind, stem(relpath), blob)) if blob else None
        if hit is None or hit[0].origin.path == display:
            return hit
        parsed, problems = hit
        origin = Origin(display, relpath, parsed.origin.index)
        return (
            Parsed(parsed.kind, parsed.name, parsed.obj, origin),
            [replace(d, path=display) for d in problems],
        )

    def put(
        self, kind: Kind, relpath: str, blob: str, result: tuple[Parsed, list[Diagnostic]]
    ) -> None:
        self._entries[(kind, stem(relpath), blob)] = result


def load_tree(tree: Tree, cache: ParseCache | None = None, checks: bool = True) -> LoadResult:
    """Parse every definition in ``tree`` and run the cross-file checks.

    With a ``cache``, files whose blob id it already holds are neither read nor parsed.
    Without ``checks``, only each file's own problems are reported (still, only valid
    objects make it into the catalog).
    """
    with _no_cycle_collection():
        return _load_tree(tree, cache, checks)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a catalog is read.

    Parsing allocates millions of small objects that all stay alive, and each full
    collection walks them all again: at 100,000 features that was a third of validate's time.
    Nothing built here is a cycle that needs collecting early; collection resumes after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_tree(tree: Tree, cache: ParseCache | None, checks: bool) -> LoadResult:
    files = tree.files()
    if PROJECT_FILE not in files:
        where = f" at {tree.ref}; the catalog was not in this folder then" if tree.ref else ""
        raise CatalogNotFound(f"{tree.display(PROJECT_FILE)}: no {PROJECT_FILE}{where}")
    parsed, diagnostics, blobs = _parse_files(tree, files, cache)
    if isinstance(tree, WorkTree):
        diagnostics.extend(tree.problems)  # folders it could not list
    project_items = [p for p in parsed if p.kind is Kind.PROJECT]
    project = project_items[0].obj if project_items else None
    assert project is None or isinstance(project, Project)
    index = Index.build(parsed, project, tree.catalog_dir)
    if checks:
        diagnostics.extend(run_checks(index))
        if project is not None:
            diagnostics.extend(_linked_paths(tree, index, project))
    diagnostics.sort(key=lambda d: (d.path, d.line, d.column))

    catalog = _build(tree, index, project, diagnostics) if project is not None else None
    return LoadResult(catalog, diagnostics, len(files), blobs)


def _parse_files(
    tree: Tree, files: list[str], cache: ParseCache | None
) -> tuple[list[Parsed], list[Diagnostic], dict[str, str]]:
    """Every definition parsed (from the cache when it has the blob), in file order, with
    each file's problems and blob id."""
    diagnostics: list[Diagnostic] = []
    results: dict[str, tuple[Parsed, list[Diagnostic]]] = {}
    blobs: dict[str, str] = {}
    pending: list[tuple[str, Kind]] = []
    for relpath in files:
        kind = kind_of(relpath)
        if kind is None:
            diagnostics.append(_misplaced(tree, relpath))
            continue
        char = control_character(relpath)
        if char is not None:  # it would break every line that names it, CODEOWNERS too
            message = f"the file's path contains the control character {char}; rename it"
            results[relpath] = _unusable(tree, kind, relpath, "file-name", message)
            continue
        known = tree.blob_id(relpath)
        hit = cache.get(kind, relpath, tree.display(relpath), known) if cache else None
        if hit is not None and known is not None:
            results[relpath], blobs[relpath] = hit, known
        else:
            pending.append((relpath, kind))
    data = _read_each(tree, [relpath for relpath, _ in pending])
    for relpath, kind in pending:
        raw = data[relpath]
        if isinstance(raw, UnreadableFile):
            message = f"cannot read this file: {raw.reason}"
            results[relpath] = _unusable(tree, kind, relpath, "unreadable", message)
            continue
        results[relpath] = parse_file(kind, relpath, tree.display(relpath), raw)
        blobs[relpath] = tree.blob_id(relpath) or git_blob_id(raw)
        if cache is not None:
            cache.put(kind, relpath, blobs[relpath], results[relpath])
    parsed = []
    for relpath in files:
        if relpath in results:
            parsed.append(results[relpath][0])
            diagnostics.extend(results[relpath][1])
    return parsed, diagnostics, blobs


def _read_each(tree: Tree, relpaths: list[str]) -> dict[str, bytes | UnreadableFile]:
    """Every file's bytes in one go or, when some cannot be read, file by file with the
    reason for each one that cannot."""
    try:
        return dict(tree.read_many(relpaths))
    except UnreadableFile:
        pass
    found: dict[str, bytes | UnreadableFile] = {}
    for relpath in relpaths:
        try:
            found[relpath] = tree.read(relpath)
        except UnreadableFile as exc:
            found[relpath] = exc
    return found


def _unusable(
    tree: Tree, kind: Kind, relpath: str, code: str, message: str
) -> tuple[Parsed, list[Diagnostic]]:
    """What a file that cannot be read leaves: its name (so references to it don't fail
    too) and one error on its first line."""
    path = tree.display(relpath)
    problem = Diagnostic(path, 1, 0, code, "error", message)
    return Parsed(kind, stem(relpath), None, Origin(path, relpath)), [problem]


def load_pair(
    path: str | os.PathLike[str] | None, base: str, head: str | None = None
) -> tuple[LoadResult, LoadResult]:
    """The catalog at git ref ``base`` and at ``head`` (default: the working tree).

    The head is read, parsed and checked in full, since it is validated. The base is only
    read: it reuses the head's parse results for every file whose blob is unchanged, so
    only changed files are parsed twice, and its cross-file checks are skipped (its
    problems are not this change's). A base without the catalog (the change that creates
    it) is an empty catalog.
    """
    cache = ParseCache()
    head_result = load_tree(open_tree(path, head), cache)
    base_tree = open_tree(path, base)
    if PROJECT_FILE not in base_tree.files() and head_result.catalog is not None:
        empty = Catalog(
            project=head_result.catalog.project,
            teams={},
            entities={},
            sources={},
            features={},
            models={},
            origins={},
            root=base_tree.root,
            ref=base_tree.ref,
            commit=base_tree.commit,
        )
        return LoadResult(empty), head_result
    return load_tree(base_tree, cache, checks=False), head_result


def changed_since(path: str | os.PathLike[str] | None, ref: str, result: LoadResult) -> set[str]:
    """The display paths of the files in ``result`` that are new or different since ``ref``."""
    base = open_tree(path, ref)
    return {base.display(p) for p, blob in result.blobs.items() if base.blob_id(p) != blob}


def _misplaced(tree: Tree, relpath: str) -> Diagnostic:
    return Diagnostic(
        tree.display(relpath),
        1,
        0,
        "misplaced-file",
        "warning",
        misplaced_reason(relpath),
    )


def _linked_paths(tree: Tree, index: Index, project: Project) -> list[Diagnostic]:
    """Data paths that stay inside lexically but leave the repository through a symlink."""
    found = []
    for item in index.valid(Kind.SOURCE):
        assert isinstance(item.obj, Source)
        if item.obj.local_path is None:  # data outside the repository: checks.py
            continue
        relpath = posixpath.join(project.data_root, item.obj.local_path)
        if escapes(tree.catalog_dir, relpath):
            continue  # lexical escapes are reported by the checks
        leaving = next((m for m in _matches(tree, relpath) if tree.escapes_repo(m)), None)
        if leaving is None:
            continue
        what = (
            f"path '{item.obj.path}'"
            if leaving == relpath
            else f"data file {tree.display(leaving)} of source '{item.name}'"
        )
        found.append(
            item.origin.diagnostic(
                ("path",),
                "path-escapes-repo",
                f"{what} leads outside the repository through a symbolic link; "
                "keep data inside the repository",
            )
        )
    return found


def _matches(tree: Tree, relpath: str) -> list[str]:
    """The catalog-relative files a glob matches in the working tree (a plain path as is).

    At a git ref the data is not there to match, so the path is checked as written.
    """
    if not any(ch in relpath for ch in "*?[") or tree.ref is not None:
        return [relpath]
    return [f.relative_to(tree.root).as_posix() for f in data_files(tree.root / relpath)]


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
