"""A source's data files: found from its path, kept inside the repository, fingerprinted.

:func:`source_files` is the one way to a source's files: the loader, ``--check-data``, the
portal's profiles and the writers all come through it, so none reads a file that leads
outside the repository.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.errors import DataError, Diagnostic
from featurecat.names import Kind
from featurecat.tree import repo_top, shown

if TYPE_CHECKING:
    from featurecat.catalog import Catalog
    from featurecat.schema import Source

#: Files up to this size are fingerprinted by content; larger ones by size and mtime.
HASH_LIMIT = 1 << 30


class SourceFilesError(DataError):
    """A source whose data files cannot be read: none match its path, or one leads outside
    the repository. ``diagnostic`` pins it to the source's ``path`` key; ``note`` says it in
    a few words for a page, without the file name users would need on a command line."""

    def __init__(self, diagnostic: Diagnostic, note: str) -> None:
        super().__init__(diagnostics=[diagnostic])
        self.diagnostic = diagnostic
        self.note = note


def source_files(catalog: Catalog, name: str) -> list[Path]:
    """The data files of source ``name``, in sorted order, every one inside the repository.

    Each file its path or glob names is resolved, symbolic links included, and must stay
    inside the repository (or the catalog folder, outside git); the catalog's checks can only
    see the path as written. Raises :class:`SourceFilesError` when there is no file or one
    leads outside, before any file is opened.
    """
    source = catalog.sources[name]
    origin = catalog.origin(Kind.SOURCE, name)
    path = catalog.data_path(source)
    files = data_files(path)
    if not files:
        message = no_data(name, source, shown(path), path)
        raise SourceFilesError(
            origin.diagnostic(("path",), "data-missing", message), f"no data at {source.path}"
        )
    boundary = repo_top(catalog.root)
    for file in files:
        if not file.resolve().is_relative_to(boundary):
            within = Path(os.path.relpath(file, catalog.root / catalog.project.data_root))
            message = (
                f"data file {shown(file)} of source '{name}' leads outside the repository "
                "through a symbolic link; keep data inside the repository"
            )
            raise SourceFilesError(
                origin.diagnostic(("path",), "path-escapes-repo", message),
                f"data file {within.as_posix()} leads outside the repository through a "
                "symbolic link, so it is not read",
            )
    return files


def data_files(path: Path) -> list[Path]:
    """The files a source path names as written: the file itself, or the sorted matches of a
    glob. Read them through :func:`source_files`, which keeps them inside the repository."""
    if any(ch in path.name for ch in "*?["):
        return sorted(p for p in path.parent.glob(path.name) if p.is_file())
    return [path] if path.is_file() else []


def no_data(name: str, source: Source, shown: str, path: Path) -> str:
    """Why source ``name`` has no data file at ``path`` (``shown`` to the user), and the fix."""
    if path.is_dir():  # as Spark and other engines write a table: a folder of part files
        return (
            f"{shown} is a folder, not a data file, for source '{name}'; to read the "
            f"{source.format} files in it, set path to a glob such as "
            f"{str(source.path).rstrip('/')}/*.{source.format}"
        )
    return f"no data file at {shown} for source '{name}'; write the data there or fix path"


def fingerprint(files: list[Path], root: Path) -> dict[str, Any]:
    """What a source's data was: each file's size and content hash, and one combined hash.

    Content hashes (not modification times) make a fresh clone of unchanged data look
    unchanged. Files larger than :data:`HASH_LIMIT` fall back to size and mtime.
    """
    entries = []
    for file in files:
        stat = file.stat()
        digest = _digest(str(file), stat.st_size, stat.st_mtime_ns, stat.st_ino)
        entries.append({"path": relative_path(file, root), "size": stat.st_size, "hash": digest})
    combined = hashlib.sha256(
        "\n".join(f"{e['path']} {e['size']} {e['hash']}" for e in entries).encode()
    )
    return {"fingerprint": f"sha256:{combined.hexdigest()}", "files": entries}


@lru_cache(maxsize=256)
def _digest(path: str, size: int, mtime_ns: int, inode: int) -> str:
    # Keyed by size, mtime and inode, so a rewritten file is hashed again.
    if size > HASH_LIMIT:
        return f"stat:{size}:{mtime_ns}"
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def relative_path(file: Path, root: Path) -> str:
    """``file`` relative to ``root``, POSIX style, as manifests record it; as given if outside."""
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return os.fspath(file)
