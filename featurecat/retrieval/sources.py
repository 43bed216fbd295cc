"""A source's data files, fingerprinted for manifests.

Finding the files and keeping them inside the repository is
:func:`featurecat.datacheck.source_files`, shared with ``--check-data`` and the portal.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from featurecat.datacheck import shown as shown
from featurecat.datacheck import source_files as source_files

#: Files up to this size are fingerprinted by content; larger ones by size and mtime.
HASH_LIMIT = 1 << 30


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
