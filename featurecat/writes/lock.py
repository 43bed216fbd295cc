"""The write lock: one writer at a time per repository, across processes and threads.

An advisory ``flock`` on a file in featurecat's state folder. The kernel drops it when the
process holding it ends, however it ends, so a killed writer never leaves the catalog locked.
Readers never take it: every file a writer changes is swapped in by one rename, so a reader
finds the old file or the new one without waiting.

The state folder is inside the git directory (``.git/featurecat``), where nothing shows up as
a change and nothing can be committed by accident; a catalog outside git keeps it in
``<catalog>/.featurecat``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from featurecat.errors import UsageError
from featurecat.tree import repo_top

LOCK_TIMEOUT_SECONDS = 600.0
"""How long a writer waits for another one before it gives up with an error (not a hang)."""


def state_folder(root: Path) -> tuple[Path, Path]:
    """``(top, folder)``: the top of the repository holding catalog ``root`` (or ``root``
    outside git), and the folder for the lock and the journal, created when missing."""
    top = repo_top(root)
    dot_git = top / ".git"
    if dot_git.is_dir():
        folder = dot_git / "featurecat"
    elif dot_git.is_file():  # a linked worktree or a submodule: ".git" names the git directory
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        folder = top / text.removeprefix("gitdir:").strip() / "featurecat"
    else:
        folder = top / ".featurecat"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create {folder} for featurecat's write lock: {exc.strerror}; "
            "writes need a folder they can write to"
        ) from None
    return top, folder


@contextmanager
def locked(folder: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the write lock in ``folder``; wait for another writer to finish first."""
    path = folder / "lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + (LOCK_TIMEOUT_SECONDS if timeout is None else timeout)
        pause = 0.001
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = path.read_text(errors="replace").strip() or "unknown"
                raise UsageError(
                    f"another featurecat write (process {holder}) has held the write lock "
                    f"{path} for too long; let it finish or stop it, then try again"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        # Who holds it, for the message above; the lock itself is the flock, not this text.
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


if sys.platform == "win32":  # pragma: no cover - CI runs Linux
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
