"""Writing files so that an error or a crash never leaves one half-written, and writing
several files as one change: all of them, or none.

Each file is first written in full to a temporary file next to its target, so a crash leaves
at worst a stray ``.*.tmp`` file, never a half-written one. :meth:`Staged.apply` then renames
them into place (a rename is atomic on one file system), keeping the files they replace until
:meth:`Staged.finish`; :meth:`Staged.undo` puts everything back as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from featurecat.errors import UsageError


def replace_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` (and its missing folders) through a temporary file and a
    rename."""
    staged = Staged()
    staged.write(target, data)
    staged.apply()
    staged.finish()


class Staged:
    """Files written aside, then swapped in together."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []  # (temporary file, target)
        self._applied: list[tuple[Path, Path | None]] = []  # (target, backup of the old file)
        self._new_dirs: list[Path] = []

    @property
    def targets(self) -> list[Path]:
        """The files this change writes."""
        return [target for _, target in self._pending]

    def write(self, target: Path, data: bytes) -> None:
        self.produce(target, lambda temp: temp.write_bytes(data))

    def produce(self, target: Path, writer: Callable[[Path], object]) -> None:
        """Have ``writer`` write the new content of ``target`` into the path it is given."""
        if target.is_dir():
            # Swapping a folder aside would hide it as a backup, then fail to remove it.
            self.discard()
            raise UsageError(f"{target} is a folder, not a file; nothing was written")
        self._make_parents(target.parent)
        temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            writer(temp)
        except BaseException:
            temp.unlink(missing_ok=True)
            self.discard()
            raise
        self._pending.append((temp, target))

    def apply(self) -> None:
        """Move every written file into place; on any failure, restore what was there."""
        try:
            for temp, target in self._pending:
                backup = None
                if target.exists():
                    backup = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.bak")
                    target.replace(backup)
                self._applied.append((target, backup))
                temp.replace(target)
        except BaseException:
            self.undo()
            raise
        self._pending.clear()

    def finish(self) -> None:
        """Forget the replaced files: the change is final."""
        for _, backup in self._applied:
            if backup is not None:
                backup.unlink(missing_ok=True)
        self._applied.clear()

    def undo(self) -> None:
        """Put back every file as it was before :meth:`apply`, and drop what is pending."""
        for target, backup in reversed(self._applied):
            if backup is not None:
                backup.replace(target)
            else:
                target.unlink(missing_ok=True)
        self._applied.clear()
        self.discard()

    def discard(self) -> None:
        for temp, _ in self._pending:
            temp.unlink(missing_ok=True)
        self._pending.clear()
        for folder in reversed(self._new_dirs):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        self._new_dirs.clear()

    def _make_parents(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for created in reversed(missing):
            created.mkdir()
            self._new_dirs.append(created)
