"""The previous version of a source's data, and what a change touched since a git ref.

:func:`previous` is the one place that says what "the previous version" of a source is:

* without a ref, the data as it is now (what ``update_feature`` is about to replace);
* with a git ref, the data files as they were committed there (read from git objects, with
  the source as the catalog declared it then), for the pull-request report.

Table formats with snapshots of their own (Delta, Iceberg) fit here as one more branch: the
snapshot before the current one. Either way the result is a :class:`SourceData`, read
through its format's reader like any other.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from featurecat.catalog import Catalog
from featurecat.data import SourceData, locate
from featurecat.data.files import data_files
from featurecat.diff import compare
from featurecat.names import Kind
from featurecat.tree import git_blob_id


@contextmanager
def previous(catalog: Catalog, name: str, base: str | None = None) -> Iterator[SourceData | None]:
    """Source ``name``'s previous data for the ``with`` block, or ``None`` when there was
    none (a new source, or no data committed at ``base``)."""
    if base is None:
        yield locate(catalog, name)
        return
    from featurecat import gitio
    from featurecat.load import load_catalog

    old = load_catalog(catalog.root, base).catalog
    source = old.sources.get(name) if old is not None else None
    # Data outside the repository (object storage, tables) has no version in git.
    if old is None or source is None or source.local_path is None:
        yield None
        return
    pattern = posixpath.join(old.project.data_root, source.local_path)
    files = gitio.data_at(catalog.root, base, pattern)
    if not files:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="featurecat-previous-") as folder:
        written = []
        for relpath, content in files.items():
            path = Path(folder, relpath)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            written.append(path)
        yield SourceData(name, source, tuple(sorted(written)))


def changed_since(catalog: Catalog, base: str) -> frozenset[str]:
    """The features and sources a change since git ref ``base`` touched: definitions added
    or modified (a source's or entity's change reaches its features), and sources whose data
    files differ from the ones committed at ``base`` (with their features)."""
    from featurecat.load import load_catalog

    old = load_catalog(catalog.root, base).catalog
    touched: set[str] = set()
    if old is None:
        return frozenset([*catalog.features, *catalog.sources])
    for change in compare(old, catalog).changes:
        if change.action == "removed":
            continue
        if change.kind is Kind.FEATURE or change.kind is Kind.SOURCE:
            touched.add(change.name)
        elif change.kind is Kind.ENTITY:
            touched |= {s.name for s in catalog.sources.values() if s.entity == change.name}
    for name in catalog.sources:
        if name not in touched and data_changed(catalog, name, base):
            touched.add(name)
    for name in list(touched):
        if name in catalog.sources:
            touched |= {f.name for f in catalog.features_of(name)}
    return frozenset(touched)


def data_changed(catalog: Catalog, name: str, base: str) -> bool:
    """Whether source ``name``'s data files differ from the ones committed at ``base`` (by
    git blob id, at the path the source names now)."""
    from featurecat import gitio

    source = catalog.sources[name]
    if source.local_path is None:  # data outside the repository: git holds no version of it
        return False
    pattern = posixpath.join(catalog.project.data_root, source.local_path)
    then = {p: git_blob_id(c) for p, c in gitio.data_at(catalog.root, base, pattern).items()}
    now = {
        Path(os.path.relpath(f, catalog.root)).as_posix(): git_blob_id(f.read_bytes())
        for f in data_files(catalog.data_path(source))
    }
    return then != now
