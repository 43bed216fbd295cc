"""What changed, when and by whom: every definition's history from one ``git log`` pass.

``git log --raw`` lists, per commit, each changed file with its old and new blob ids. The
changed fields come from parsing both blobs, read in one ``cat-file`` session. Renames and
moves are followed, so a feature that moved folders keeps its history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from featurecat.gitio import EMPTY_BLOB, catalog_dir, open_repo
from featurecat.names import Kind, kind_of, stem
from featurecat.yamlio import MAX_FILE_BYTES, parse_document

Action = Literal["added", "modified", "removed", "moved"]
ObjectKey = tuple[Kind, str]

_RECORD, _FIELD = "\x1e", "\x1f"
_FORMAT = f"{_RECORD}%H{_FIELD}%an{_FIELD}%ae{_FIELD}%aI{_FIELD}%s"


@dataclass(frozen=True)
class Change:
    """One commit's change to one definition."""

    commit: str
    date: datetime
    author: str
    email: str
    message: str
    action: Action
    path: str  # catalog-relative path after the change (before it, for a removal)
    fields: tuple[str, ...] = ()  # the top-level fields whose values changed

    @property
    def short(self) -> str:
        return self.commit[:8]


@dataclass
class History:
    """Changes per object, newest first, and the commits they came from."""

    changes: dict[ObjectKey, list[Change]] = field(default_factory=dict)

    def of(self, kind: Kind, name: str) -> list[Change]:
        return self.changes.get((kind, name), [])

    def recent(self, kind: Kind | None = None, limit: int = 20) -> list[tuple[ObjectKey, Change]]:
        """The latest changes across the catalog, newest first."""
        flat = [
            (key, change)
            for key, changes in self.changes.items()
            for change in changes
            if kind is None or key[0] is kind
        ]
        flat.sort(key=lambda item: item[1].date, reverse=True)
        return flat[:limit]


@dataclass
class _Entry:
    status: str
    old_blob: str
    new_blob: str
    old_path: str
    new_path: str


def read_history(root: Path, ref: str = "HEAD") -> History:
    """The history of every definition in the catalog at ``root``, up to ``ref``.

    An empty history (not an error) when the catalog is not in git or has no commits yet.
    """
    from featurecat.errors import UsageError

    try:
        with open_repo(root) as repo:
            if not repo.head.is_valid():
                return History()
            prefix = catalog_dir(repo, root)
            output = repo.git.log(
                ref, f"--format={_FORMAT}", "--raw", "-z", "-M", "--no-abbrev", "--", prefix or "."
            )
            commits = list(_parse_log(output, prefix))
            blobs = _read_blobs(
                repo,
                {
                    b
                    for *_, entries in commits
                    for e in entries
                    for b in (e.old_blob, e.new_blob)
                    if b != EMPTY_BLOB
                },
            )
    except UsageError:
        return History()
    changes: dict[ObjectKey, list[Change]] = defaultdict(list)
    for header, entries in commits:
        for entry in entries:
            key, change = _change(header, entry, blobs)
            if key is not None and change is not None:
                changes[key].append(change)
    return History(dict(changes))


def _parse_log(output: str, prefix: str) -> Iterator[tuple[list[str], list[_Entry]]]:
    cut = len(prefix) + 1 if prefix else 0
    for record in output.split(_RECORD)[1:]:
        header, _, raw = record.partition("\0")
        tokens = raw.lstrip("\n").split("\0")
        entries = []
        i = 0
        while i < len(tokens) and tokens[i].startswith(":"):
            meta = tokens[i][1:].split()
            status = meta[4][0]
            paths = tokens[i + 1 : i + (3 if status in "RC" else 2)]
            i += 1 + len(paths)
            old_path, new_path = (paths[0], paths[-1])
            entries.append(_Entry(status, meta[2], meta[3], old_path[cut:], new_path[cut:]))
        yield header.split(_FIELD), entries


def _read_blobs(repo: Any, shas: set[str]) -> dict[str, Any]:
    """Parsed YAML values of the given blobs (``None`` for unparsable ones)."""
    from binascii import unhexlify

    values: dict[str, Any] = {}
    for sha in shas:
        info = repo.odb.info(unhexlify(sha))
        if info.size > MAX_FILE_BYTES:
            values[sha] = None
            continue
        document, _ = parse_document(repo.odb.stream(unhexlify(sha)).read(), sha)
        values[sha] = document.value if document is not None else None
    return values


def _change(
    header: list[str], entry: _Entry, blobs: dict[str, Any]
) -> tuple[ObjectKey | None, Change | None]:
    path = entry.old_path if entry.status == "D" else entry.new_path
    kind = kind_of(path)
    if kind is None or kind is Kind.PROJECT:
        return None, None
    old = blobs.get(entry.old_blob)
    new = blobs.get(entry.new_blob)
    actions: dict[str, Action] = {"A": "added", "D": "removed", "R": "moved", "C": "added"}
    action = actions.get(entry.status, "modified")
    name = _name(new if entry.status != "D" else old, path)
    if entry.status == "R" and stem(entry.old_path) != stem(entry.new_path):
        action = "added"  # a rename: the old name's history ends, the new name's starts here
    sha, author, email, date, message = header
    change = Change(
        sha,
        datetime.fromisoformat(date),
        author,
        email,
        message,
        action,
        path,
        _changed_fields(old, new) if action in ("modified", "moved") else (),
    )
    return (kind, name), change


def _name(value: Any, path: str) -> str:
    declared = value.get("name") if isinstance(value, dict) else None
    return declared if isinstance(declared, str) and declared else stem(path)


def _changed_fields(old: Any, new: Any) -> tuple[str, ...]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ()
    keys = list(dict.fromkeys([*old, *new]))
    return tuple(k for k in keys if old.get(k) != new.get(k))
