"""What changed, when and by whom: every definition's history from one ``git log`` pass.

``git log --raw`` lists, per commit, each changed file with its old and new blob ids. The
changed fields come from parsing both blobs of each modified file, read in one ``cat-file``
batch. Moves are followed, so a feature that moved folders keeps its history; a rename ends
the old name's history and starts the new one's.

No content can break the reading: ``git log`` prints only commit ids and, NUL-terminated,
the changed paths (``-z``), so any byte a path may hold stays inside its field. Authors,
dates and messages come from the commit objects themselves, read in one ``cat-file`` batch
and parsed here, so separators, control characters, broken dates or a bogus ``encoding``
header in a commit are data, never a crash.

History is what was committed: merges contribute the commits they bring in, and changes
made only while resolving a merge conflict are not listed.
"""

from __future__ import annotations

import codecs
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from featurecat.changes import Action, Change, FieldChange, History, ObjectKey
from featurecat.gitio import log_catalog, read_blobs
from featurecat.names import Kind, kind_of, stem
from featurecat.yamlio import MAX_FILE_BYTES, parse_document

#: A commit object is read up to this size: its headers and subject come first.
_COMMIT_BYTES = 64 * 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: git's whitespace (its ``isspace``): a subject line loses it at the end, not \v or \f.
_GIT_SPACE = b" \t\n\r"


@dataclass
class _Entry:
    status: str
    old_blob: str
    new_blob: str
    old_path: str
    new_path: str


@dataclass(frozen=True)
class _Header:
    """What ``git log`` shows of a commit: ``%an``, ``%ae``, ``%aI`` and ``%s``."""

    author: str
    email: str
    date: datetime
    subject: str


def read_history(root: Path, ref: str = "HEAD") -> History:
    """The history of every definition in the catalog at ``root``, up to ``ref``.

    One ``git log`` pass for the whole catalog, plus ``cat-file`` batches for the commits'
    headers and the blobs of modified files (to name the fields that changed). An empty
    history (not an error) when the catalog is not in git or has no commits yet; an unknown
    ``ref`` is a :class:`~featurecat.errors.UsageError`.
    """
    log = log_catalog(root, ref)
    if log is None:
        return History()
    git_dir = log.git_dir
    commits = list(_parse_log(log.output, log.prefix))
    objects = read_blobs(git_dir, [sha for sha, _ in commits], _COMMIT_BYTES)
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
    for sha, entries in commits:
        header = _header(objects.get(sha, b""))
        for entry in entries:
            for key, change in _changes(sha, header, entry, values):
                changes[key].append(change)
    return History(dict(changes))


def _parse_log(output: bytes, prefix: str) -> Iterator[tuple[str, list[_Entry]]]:
    """Commits and their changed files from ``git log --format=%H --raw -z``.

    The output is NUL-separated: a commit id, then for each file a ``:modes ids status``
    field followed by one path (two for a rename or copy). Paths are taken by count, never
    by their look, so a path like a commit id or a ``:`` entry is still a path.
    """
    cut = len(os.fsencode(prefix)) + 1 if prefix else 0
    tokens = output.split(b"\0")
    sha: str | None = None
    entries: list[_Entry] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        i += 1
        if token.startswith(b":"):
            meta = token[1:].decode("ascii", "replace").split()
            status = meta[4][:1] if len(meta) == 5 else "?"
            paths = [_path(p[cut:]) for p in tokens[i : i + (2 if status in "RC" else 1)]]
            i += len(paths)
            if sha is not None and paths and status != "?":
                entries.append(_Entry(status, meta[2], meta[3], paths[0], paths[-1]))
        elif token:
            if sha is not None:
                yield sha, entries
            sha, entries = token.decode("ascii", "replace"), []
    if sha is not None:
        yield sha, entries


def _path(raw: bytes) -> str:
    # A path that is not UTF-8 is shown with U+FFFD; it cannot name a valid definition.
    return raw.decode("utf-8", "replace")


def _header(raw: bytes) -> _Header:
    """The author, email, author date and subject of a raw commit object, as ``git log``
    shows them (``%an``, ``%ae``, ``%aI``, ``%s``), whatever bytes the commit holds.

    Text is decoded from the commit's ``encoding`` header (UTF-8 by default), with invalid
    bytes replaced; an author line or date that does not parse gives what could be read and
    the epoch, as git shows such a date.
    """
    head, _, message = raw.partition(b"\n\n")
    head = b"\n" + head
    encoding = _codec(_field(head, b"encoding"))
    name, email, date = _ident(_field(head, b"author"))
    text = [_decode(part, encoding) for part in (name, email, _subject(message))]
    return _Header(text[0], text[1], date, text[2])


def _field(head: bytes, key: bytes) -> bytes:
    """The value of the first header line named ``key`` (continuation lines start with a
    space, so a signature or a merged tag never matches)."""
    start = head.find(b"\n" + key + b" ")
    if start < 0:
        return b""
    start += len(key) + 2
    end = head.find(b"\n", start)
    return head[start:] if end < 0 else head[start:end]


def _codec(label: bytes) -> str:
    """The codec for a commit's ``encoding`` header; UTF-8 when it names no character set."""
    try:
        name = codecs.lookup(label.decode("ascii").strip()).name
    except (ValueError, LookupError):  # not ASCII, a NUL, or no such codec
        return "utf-8"
    # Escape codecs turn backslashes into other characters: not how any commit was written.
    return "utf-8" if "escape" in name else name


def _decode(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding, "replace")
    except (LookupError, UnicodeError):  # codecs that are not text (base64) or refuse "replace"
        return raw.decode("utf-8", "replace")


def _ident(line: bytes) -> tuple[bytes, bytes, datetime]:
    """``Name <email> 1700000000 +0100`` split as git splits it: the name ends at the first
    ``<``, the email at the next ``>``, and the date follows the last ``>``."""
    name, lt, rest = line.partition(b"<")
    if not lt:
        return line.strip(_GIT_SPACE), b"", _EPOCH
    email, gt, _ = rest.partition(b">")
    if not gt:
        return name.strip(_GIT_SPACE), email, _EPOCH
    return name.strip(_GIT_SPACE), email, _date(line[line.rindex(b">") + 1 :].split())


def _date(parts: list[bytes]) -> datetime:
    """``[b'1700000000', b'+0100']`` as an aware datetime; the epoch when it does not parse."""
    if len(parts) < 2 or not parts[0].isdigit():
        return _EPOCH
    zone = _zone(parts[1])
    try:
        return datetime.fromtimestamp(int(parts[0]), zone) if zone else _EPOCH
    except (ValueError, OverflowError, OSError):  # years past 9999
        return _EPOCH


@lru_cache(maxsize=64)
def _zone(offset: bytes) -> timezone | None:
    """``+0100`` as a time zone; ``None`` for anything else, such as offsets of a day."""
    if len(offset) != 5 or offset[:1] not in (b"+", b"-") or not offset[1:].isdigit():
        return None
    sign = -1 if offset[:1] == b"-" else 1
    try:
        return timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    except ValueError:
        return None


def _subject(message: bytes) -> bytes:
    """git's ``%s``: the first paragraph, its lines joined by spaces."""
    lines: list[bytes] = []
    pos = 0
    while pos < len(message):
        end = message.find(b"\n", pos)
        end = len(message) if end < 0 else end
        text = message[pos:end].rstrip(_GIT_SPACE)
        pos = end + 1
        if text:
            lines.append(text)
        elif lines:
            break
    return b" ".join(lines)


def _value(data: bytes) -> Any:
    """A blob's parsed YAML value (``None`` when it does not parse)."""
    if len(data) > MAX_FILE_BYTES:
        return None
    document, _ = parse_document(data, "")
    return document.value if document is not None else None


def _changes(
    sha: str, header: _Header, entry: _Entry, values: dict[str, Any]
) -> Iterator[tuple[ObjectKey, Change]]:
    def change(path: str, action: Action, fields: tuple[FieldChange, ...] = ()) -> Change:
        names = tuple(f.field for f in fields)
        return Change(
            sha,
            header.date,
            header.author,
            header.email,
            header.subject,
            action,
            path,
            names,
            fields,
        )

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
