"""A source's data files: found, kept inside the repository, and fingerprinted.

The catalog's checks refuse paths that climb out of the repository as written. Here, at read
time, every file a path or glob names is resolved (symbolic links included) and must still be
inside the repository (or the catalog folder, when it is not in a git repository).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from featurecat.catalog import Catalog
from featurecat.datacheck import data_files, no_data
from featurecat.errors import DataError
from featurecat.names import Kind
from featurecat.tree import repo_top

#: Files up to this size are fingerprinted by content; larger ones by size and mtime.
HASH_LIMIT = 1 << 30


def source_files(catalog: Catalog, name: str) -> list[Path]:
    """The data files of source ``name``, in sorted order; a clear error when there are none."""
    source = catalog.sources[name]
    origin = catalog.origin(Kind.SOURCE, name)
    path = catalog.data_path(source)
    files = data_files(path)
    if not files:
        message = no_data(name, source, shown(path), path)
        raise DataError(str(origin.diagnostic(("path",), "data-missing", message)))
    boundary = repo_top(catalog.root)
    for file in files:
        if not file.resolve().is_relative_to(boundary):
            raise DataError(
                str(
                    origin.diagnostic(
                        ("path",),
                        "path-escapes-repo",
                        f"data file {shown(file)} of source '{name}' leads outside the "
                        "repository through a symbolic link; keep data inside the repository",
                    )
                )
            )
    return files


def shown(path: Path) -> str:
    """A path as users see it in messages: relative to the current folder, like catalog files."""
    try:
        return Path(os.path.relpath(path, Path.cwd())).as_posix()
    except ValueError:  # another drive on Windows
        return str(path)


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
