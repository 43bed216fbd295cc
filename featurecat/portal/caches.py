"""What one ``docs build`` keeps for the next, in ``<catalog>/.featurecat/portal/cache/``.

* ``profiles.json``: data profiles, keyed by the source's definition, its columns and each data
  file's path, size and modification time (the key :func:`.profile.profile_catalog` uses), so an
  unchanged source is not scanned again;
* ``pages.json``: the key of each generated page rendered from one value (feature pages), so a
  page whose key is unchanged is read back from the project's ``docs/`` instead of rendered.

Both are a speed-up only: a file that is missing, unreadable or of another format is ignored
(everything is computed again), and entries that the build did not use are dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

from featurecat.portal.profile import ColumnProfile, ProfileCache, SourceProfile

_FORMAT = 1


def _read(path: Path) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict) or found.get("format") != _FORMAT:
        return {}
    entries = found.get("entries")
    return entries if isinstance(entries, dict) else {}


def _write(path: Path, entries: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    data = {"format": _FORMAT, "entries": entries}
    temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    temporary.replace(path)


class StoredProfiles(ProfileCache):
    """A :data:`.profile.ProfileCache` read from and saved to ``profiles.json``."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.used: set[str] = set()
        self.fresh = False  # a profile was computed, not read
        self._stored = _read(path)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or self._load(key) is not None

    def __getitem__(self, key: tuple[Any, ...]) -> SourceProfile:
        if not super().__contains__(key):
            found = self._load(key)
            if found is None:
                raise KeyError(key)
            dict.__setitem__(self, key, found)
        self.used.add(_text(key))
        return super().__getitem__(key)

    def __setitem__(self, key: tuple[Any, ...], value: SourceProfile) -> None:
        self.used.add(_text(key))
        self.fresh = True
        super().__setitem__(key, value)

    def _load(self, key: object) -> SourceProfile | None:
        if not isinstance(key, tuple):
            return None
        stored = self._stored.get(_text(key))
        try:
            return _profile(stored) if stored is not None else None
        except (KeyError, TypeError, ValueError):
            return None

    def save(self) -> None:
        """Keep the profiles this build used (nothing to write when they were all stored)."""
        if not self.fresh and self.used == set(self._stored):
            return
        entries = {_text(k): _plain(v) for k, v in self.items() if _text(k) in self.used}
        with contextlib.suppress(OSError):
            _write(self.path, entries)


def _text(key: object) -> str:
    return json.dumps(key, separators=(",", ":"), default=str)


def _plain(profile: SourceProfile) -> dict[str, Any]:
    columns = {
        name: {f: getattr(c, f) for f in _COLUMN_FIELDS} for name, c in profile.columns.items()
    }
    newest = profile.newest.isoformat() if profile.newest else None
    return {"source": profile.source, "rows": profile.rows, "files": profile.files,
            "newest": newest, "columns": columns}  # fmt: skip


_COLUMN_FIELDS = tuple(f.name for f in fields(ColumnProfile))


def _profile(data: dict[str, Any]) -> SourceProfile:
    columns = {
        name: ColumnProfile(
            **{
                **column,
                "bins": tuple((float(a), float(b), int(n)) for a, b, n in column["bins"]),
                "top": tuple((str(v), None if c is None else int(c)) for v, c in column["top"]),
            }
        )
        for name, column in data["columns"].items()
    }
    newest = datetime.fromisoformat(data["newest"]) if data["newest"] else None
    return SourceProfile(data["source"], int(data["rows"]), int(data["files"]), newest, columns)


class PageMemo:
    """:class:`.pages.Memo` over the project's ``docs/`` folder and ``pages.json``."""

    def __init__(self, path: Path, docs: Path) -> None:
        self.path = path
        self.docs = docs
        self._stored = _read(path)
        self._keys: dict[str, str] = {}
        self.reused: set[str] = set()  # pages read back: the same bytes as in docs/

    def get(self, path: str, key: str) -> str | None:
        stored = self._stored.get(path)
        if not isinstance(stored, list) or len(stored) != 2 or stored[0] != key:
            return None
        try:
            data = (self.docs / path).read_bytes()
        except OSError:
            return None
        if hashlib.blake2b(data, digest_size=20).hexdigest() != stored[1]:
            return None  # the file is not what that key made
        self.reused.add(path)
        return data.decode("utf-8")

    def put(self, path: str, key: str) -> None:
        self._keys[path] = key

    def key(self, path: str) -> str | None:
        stored = self._stored.get(path)
        if isinstance(stored, list) and len(stored) == 2 and isinstance(stored[0], str):
            return stored[0]
        return None

    def save(self, pages: dict[str, bytes]) -> None:
        """Record the keys of the pages now written in ``docs/`` (call after writing them)."""
        entries = {
            # A page read back was checked against its stored digest: no need to hash again.
            path: self._stored[path]
            if path in self.reused
            else [key, hashlib.blake2b(pages[path], digest_size=20).hexdigest()]
            for path, key in self._keys.items()
            if path in pages
        }
        if entries == self._stored:
            return  # a no-op build: nothing to record
        with contextlib.suppress(OSError):
            _write(self.path, entries)
