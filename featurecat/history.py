"""What changed, when and by whom: every definition's history from one ``git log`` pass.

``git log --raw`` lists, per commit, each changed file with its old and new blob ids. The
changed fields come from parsing both blobs of each modified file, read in one ``cat-file``
batch. Moves are followed, so a feature that moved folders keeps its history; a rename ends
the old name's history and starts the new one's.

History is what was committed: merges contribute the commits they bring in, and changes
made only while resolving a merge conflict are not listed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from featurecat.changes import Action, Change, FieldChange, History, ObjectKey
from featurecat.gitio import catalog_dir, open_repo, read_blobs, resolve
from featurecat.names import Kind, kind_of, stem
from featurecat.tree import repo_root
from featurecat.yamlio import MAX_FILE_BYTES, parse_document

_RECORD, _FIELD = "\x1e", "\x1f"
_FORMAT = f"{_RECORD}%H{_FIELD}%an{_FIELD}%ae{_FIELD}%aI{_FIELD}%s"


@dataclass
class _Entry:
    status: str
    old_blob: str
    new_blob: str
    old_path: str
    new_path: str


def read_history(root: Path, ref: str = "HEAD") -> History:
    """The history of every definition in the catalog at ``root``, up to ``ref``.

    One ``git log`` pass for the whole catalog, plus one ``cat-file`` batch for the blobs of
    modified files (to name the fields that changed). An empty history (not an error) when
    the catalog is not in git or has no commits yet; an unknown ``ref`` is a
    :class:`~featurecat.errors.UsageError`.
    """
    if repo_root(root) is None:
        return History()
    with open_repo(root) as repo:
        if not repo.head.is_valid():
            return History()
        commit = resolve(repo, ref).hexsha
        prefix = catalog_dir(repo, root)
        output = repo.git.log(
            commit, f"--format={_FORMAT}", "--raw", "-z", "-M", "--no-abbrev", "--", prefix or "."
        )
        git_dir = str(repo.git_dir)
    commits = list(_parse_log(output, prefix))
    wanted = {
        blob
        for _, entries in commits
        for e in entries
        if e.status in "MR"
        for blob in (e.old_blob, e.new_blob)
    }
    blobs = read_blobs(git_dir, wanted, MAX_FILE_BYTES)
    values = {sha: _value(data) for sha, data in blobs.items()}
    changes: dict[ObjectKey, list[Change]] = defaultdict(list)
    for header, entries in commits:
        for entry in entries:
            for key, change in _changes(header, entry, values):
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


def _value(data: bytes) -> Any:
    """A blob's parsed YAML value (``None`` when it does not parse)."""
    if len(data) > MAX_FILE_BYTES:
        return None
    document, _ = parse_document(data, "")
    return document.value if document is not None else None


def _changes(
    header: list[str], entry: _Entry, values: dict[str, Any]
) -> Iterator[tuple[ObjectKey, Change]]:
    sha, author, email, date, message = header
    when = datetime.fromisoformat(date)

    def change(path: str, action: Action, fields: tuple[FieldChange, ...] = ()) -> Change:
        names = tuple(f.field for f in fields)
        return Change(sha, when, author, email, message, action, path, names, fields)

    if entry.status == "R" and stem(entry.old_path) != stem(entry.new_path):
        # A rename ends the old name's history and starts the new name's.
        ends: tuple[tuple[str, Action], ...] = (
            (entry.old_path, "removed"),
            (entry.new_path, "added"),
        )
        for path, action in ends:
            kind = kind_of(path)
            if kind is not None and kind is not Kind.PROJECT:
                yield (kind, stem(path)), change(path, action)
        return
    path = entry.old_path if entry.status == "D" else entry.new_path
    kind = kind_of(path)
    if kind is None or kind is Kind.PROJECT:
        return
    actions: dict[str, Action] = {"A": "added", "C": "added", "D": "removed", "R": "moved"}
    action = actions.get(entry.status, "modified")
    fields: tuple[FieldChange, ...] = ()
    if entry.status in "MR":
        fields = _changed_fields(values.get(entry.old_blob), values.get(entry.new_blob))
    yield (kind, stem(path)), change(path, action, fields)


def _changed_fields(old: Any, new: Any) -> tuple[FieldChange, ...]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ()
    keys = list(dict.fromkeys([*old, *new]))
    return tuple(FieldChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k))
