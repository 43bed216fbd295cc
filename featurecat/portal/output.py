"""The output folder of a build: refused where building could destroy something, and
replaced in one step by a staging folder beside it once MkDocs has built there.

Staging folders are locked while their build runs, so that the next build can tell the
folders that killed builds left behind from those still running, and remove them.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from featurecat.catalog import Catalog
from featurecat.errors import UsageError
from featurecat.tree import repo_top, shown

#: Written into every built site; only folders holding it are ever replaced by a build.
MARKER = ".featurecat-site"


def check_out(catalog: Catalog, out: Path) -> Path:
    """``out`` resolved, or a usage error when building there could destroy something."""
    target = out.resolve()
    inside_forbidden = [catalog.root.resolve()]
    if catalog.project.site is not None:
        inside_forbidden.append((catalog.root / catalog.project.site).resolve())
    precious = [*inside_forbidden, Path.cwd().resolve(), Path.home().resolve()]
    precious.append(repo_top(catalog.root))  # outside git, the catalog itself again
    for folder in precious:
        if folder.is_relative_to(target):
            where = shown(folder, whole_outside=True)
            raise UsageError(f"--out {out} would replace {where}; choose a new folder")
    for folder in inside_forbidden:
        if target.is_relative_to(folder):
            where = shown(folder, whole_outside=True)
            raise UsageError(
                f"--out {out} is inside {where}; build the portal outside the catalog "
                "and its site sources (the default is ./_site)"
            )
    if target.exists() and (not target.is_dir() or _foreign(target)):
        raise UsageError(
            f"--out {out} already exists and is not a portal built by featurecat; "
            "choose another folder or remove it"
        )
    return target


def _foreign(folder: Path) -> bool:
    return any(folder.iterdir()) and not (folder / MARKER).is_file()


@contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target`` that replaces it if the block succeeds.

    The folder is locked while the build runs, so the next build can tell the folders of
    builds that were killed (and left them behind) from those still running, and remove them.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    # Not tempfile.mkdtemp: its 0700 would stop a web server running as another user.
    temporary = target.parent / f".{target.name}.building-{secrets.token_hex(6)}"
    temporary.mkdir()
    lock = _lock(temporary)
    try:
        yield temporary
        if target.is_dir():
            temporary.chmod(stat.S_IMODE(target.stat().st_mode))
        _swap(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        if lock is not None:
            os.close(lock)


def _remove_stale(target: Path) -> None:
    """Remove the staging folders of builds into ``target`` that are no longer running."""
    for folder in target.parent.glob(f".{target.name}.building-*"):
        lock = _lock(folder)
        if lock is not None:  # no running build holds it
            try:
                shutil.rmtree(folder, ignore_errors=True)
            finally:
                os.close(lock)


def _lock(folder: Path) -> int | None:
    """An open descriptor holding ``folder``'s exclusive lock; None if it cannot be had."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no locks, so stale folders are left alone
        return None
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _swap(new: Path, target: Path) -> None:
    """Put ``new`` in place of ``target``: one atomic exchange where the OS offers it."""
    if target.exists() and _exchange(new, target):
        return  # ``new`` now holds the previous site; the caller removes it
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
        new.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(target)


def _exchange(a: Path, b: Path) -> bool:
    """Linux's renameat2(RENAME_EXCHANGE): swap two folders atomically. False if unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc: Any = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)
