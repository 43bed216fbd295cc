"""Files replaced in one step: a reader finds the old bytes or the new, never none, never half.

Each new content is written in full to a hidden temporary file next to its target and flushed
to disk, then renamed over the target: one atomic step on a POSIX file system, with no moment
in which the target is missing. :class:`Staged` does this for several files as one change,
journaled so that the change can be undone after a crash (:mod:`.journal`).

Renames and links call ``os.replace`` and ``os.link`` themselves: before Python 3.11,
``Path.replace`` held its own reference to them, so the one rename primitive was not the
same function on every supported Python (and tools that watch it, like the crash tests, saw
none of the renames).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from featurecat.errors import UsageError
from featurecat.writes.journal import Entry, Record, aside, is_aside, settle

if TYPE_CHECKING:
    from featurecat.gitio import BranchStart


def replace_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` (and its missing folders) through a temporary file and one
    rename over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = aside(target, uuid.uuid4().hex[:12], "tmp")
    try:
        with temp.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)  # noqa: PTH105 (one rename on every Python)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    sync_folder(target.parent)


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` survive a power cut, where the system allows it."""
    with contextlib.suppress(OSError):  # not every system can open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def sync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


class Staged:
    """Files written aside, then swapped in together; the change a write lock holder makes.

    Use it inside :func:`featurecat.writes.transaction`, which holds the lock and undoes the
    change unless :meth:`finish` was reached.
    """

    def __init__(self, journal: Path, top: Path) -> None:
        self._record = Record(journal, top)

    @property
    def targets(self) -> list[Path]:
        """The files this change writes."""
        return [entry.target for entry in self._record.entries]

    def write(self, target: Path, data: bytes) -> None:
        self.produce(target, lambda temp: temp.write_bytes(data))

    def produce(self, target: Path, writer: Callable[[Path], object]) -> None:
        """Have ``writer`` write the new content of ``target`` into the path it is given."""
        if target.is_dir():
            # Swapping a folder would fail half-way; refuse before anything is written.
            raise UsageError(f"{target} is a folder, not a file; nothing was written")
        if target in self.targets:
            raise ValueError(f"{target} is written twice in one change")
        sweep(target)
        self._make_parents(target.parent)
        token = uuid.uuid4().hex[:12]
        entry = Entry(target, aside(target, token, "tmp"), aside(target, token, "bak"))
        self._record.entries.append(entry)
        self._record.save()  # before the file exists, so a crash never orphans it
        writer(entry.temp)
        sync_file(entry.temp)

    def apply(self, branch: BranchStart | None = None) -> None:
        """Move every written file into place, in the order they were written.

        Each target that exists is first kept as a backup (a hard link: the target never goes
        missing), so the change can still be undone, and ``branch`` is recorded, so that a
        crash while committing on it can be told apart from a commit that was made.
        """
        record = self._record
        for entry in record.entries:
            entry.existed = entry.target.exists()
        record.state, record.branch = "applying", branch
        record.save()
        for entry in record.entries:
            if entry.existed:
                _keep(entry.target, entry.backup)
        for entry in record.entries:
            os.replace(entry.temp, entry.target)  # noqa: PTH105 (one rename on every Python)
        for folder in dict.fromkeys(entry.target.parent for entry in record.entries):
            sync_folder(folder)

    def finish(self) -> None:
        """The change is final: drop the backups and the journal."""
        record = self._record
        record.state = "done"
        if len(record.entries) > 1 and any(entry.existed for entry in record.entries):
            # Backups go one by one: a crash among them must keep the change, not undo part.
            record.save()
        settle(record)
        self._record = Record(record.path, record.top)

    def undo(self) -> None:
        """Put back every file as it was, and drop what is pending (nothing once finished)."""
        if self._record.entries or self._record.folders:
            settle(self._record)
            self._record = Record(self._record.path, self._record.top)

    def _make_parents(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for created in reversed(missing):
            created.mkdir()
            self._record.folders.append(created)


def _keep(target: Path, backup: Path) -> None:
    try:
        os.link(target, backup)
    except OSError:  # a file system without hard links: copy instead
        shutil.copy2(target, backup)
        sync_file(backup)


def sweep(target: Path) -> None:
    """Delete temporary files an older, killed writer left next to ``target``.

    Only the write lock's holder calls this, so no live writer owns them.
    """
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        if is_aside(stale, target):
            stale.unlink(missing_ok=True)
