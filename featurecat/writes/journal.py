"""The write-ahead journal: what a change in progress touches, so a crash can be undone.

Before a change creates its first temporary file, and again before it renames the first one
into place, it saves a record of every file involved: each target, the temporary file with its
new content, and the backup that keeps the target's old content (a hard link, so making it
costs nothing and never leaves the target missing). The record is deleted when the change is
complete. A writer that finds a record left behind (it holds the write lock, so the writer who
left it is gone) settles it with :func:`settle`: the change is undone, every target back as it
was, unless it had already been committed on its git branch, in which case it is kept.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from featurecat.errors import UsageError

if TYPE_CHECKING:
    from featurecat.gitio import BranchStart

State = Literal["writing", "applying", "done"]
"""``writing``: temporary files are being written, no target has changed. ``applying``:
targets are being swapped. ``done``: every target holds its new content; backups remain."""

_ASIDE = re.compile(r"\.(?P<target>.+)\.[0-9a-f]{12}\.(tmp|bak)")


def aside(target: Path, token: str, suffix: Literal["tmp", "bak"]) -> Path:
    """A hidden file next to ``target`` (same folder, so a rename never crosses devices)."""
    return target.with_name(f".{target.name}.{token}.{suffix}")


def is_aside(path: Path, target: Path) -> bool:
    """Whether ``path`` is a temporary file or backup of ``target`` that featurecat made."""
    match = _ASIDE.fullmatch(path.name)
    return match is not None and match["target"] == target.name and path.parent == target.parent


@dataclass
class Entry:
    target: Path
    temp: Path
    backup: Path
    existed: bool | None = None
    """Whether the target existed when the change was applied (so undoing it deletes it)."""


@dataclass
class Record:
    """A change in progress: its files, the folders it made, the branch it commits on."""

    path: Path
    top: Path
    """Paths are saved relative to this folder (the repository), and must stay inside it."""
    state: State = "writing"
    entries: list[Entry] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    branch: BranchStart | None = None

    def save(self) -> None:
        from featurecat.writes.files import replace_atomically

        def rel(path: Path) -> str:
            # Resolve the folder only: the file may be a link, and a rename replaces the link.
            return os.path.relpath(path.parent.resolve() / path.name, self.top.resolve())

        body = {
            "state": self.state,
            "files": [
                {
                    "target": rel(e.target),
                    "temp": rel(e.temp),
                    "backup": rel(e.backup),
                    "existed": e.existed,
                }
                for e in self.entries
            ],
            "folders": [rel(f) for f in self.folders],
            "branch": None if self.branch is None else self.branch._asdict(),
        }
        replace_atomically(self.path, json.dumps(body, indent=1).encode())

    @classmethod
    def read(cls, path: Path, top: Path) -> Record | None:
        """The record a killed writer left at ``path``, or None when there is none."""
        try:
            body = json.loads(path.read_bytes())
            record = cls(path, top, body["state"])
            for item in body["files"]:
                target, temp, backup = (
                    record._inside(item[k]) for k in ("target", "temp", "backup")
                )
                entry = Entry(target, temp, backup, item["existed"])
                for kept in (entry.temp, entry.backup):
                    if not is_aside(kept, entry.target):
                        raise ValueError(f"{kept.name} is not a file featurecat writes")
                record.entries.append(entry)
            record.folders = [record._inside(f) for f in body["folders"]]
            if body["branch"] is not None:
                from featurecat.gitio import BranchStart

                record.branch = BranchStart(**body["branch"])
            if record.state not in ("writing", "applying", "done"):
                raise ValueError(f"unknown state {record.state!r}")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(
                f"{path}: the journal of an unfinished featurecat write cannot be read ({exc}); "
                "check the files of your last write, then delete it"
            ) from None
        return record

    def _inside(self, relpath: str) -> Path:
        path = self.top / relpath
        # The folder, not the file: a target may be a link, which the rename replaces.
        if not path.parent.resolve().is_relative_to(self.top.resolve()):
            raise ValueError(f"{relpath} is outside the repository")
        return path


def settle(record: Record) -> None:
    """Finish a change that stopped part-way: undo it, or keep it when it is complete (it was
    committed on its branch, or every target already holds its new content), then delete
    every temporary file and backup, and the record."""
    keep = record.state == "done"
    if record.state == "applying" and record.branch is not None:
        from featurecat.gitio import settle_new_branch

        keep = settle_new_branch(record.top, record.branch, [e.target for e in record.entries])
    if record.state == "applying" and not keep:
        for entry in reversed(record.entries):
            if entry.existed:
                if entry.backup.exists():  # else the target was never touched
                    os.replace(entry.backup, entry.target)  # noqa: PTH105 (one rename on every Python)
            elif entry.existed is False:
                entry.target.unlink(missing_ok=True)
    for entry in record.entries:
        entry.temp.unlink(missing_ok=True)
        entry.backup.unlink(missing_ok=True)
    if not keep:
        for folder in reversed(record.folders):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    record.path.unlink(missing_ok=True)
