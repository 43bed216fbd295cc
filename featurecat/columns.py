"""Values stored by column: how the discovery cache keeps one field of every entry of a kind.

A command reads few fields of many objects (``search`` scans names, tags, facets and
descriptions) or every field of one object (``show``), never everything. So each field is
stored on its own: every value encoded by itself (UTF-8 text when all of them are strings,
else compact JSON), one separator byte after each, and the offset where each value starts.
Scanning decodes a column at once (one ``split`` or one ``json.loads``); showing one object
decodes one value per field. Nothing here can run code: text and JSON are all it reads.
"""

from __future__ import annotations

import gc
import json
from array import array
from collections.abc import Sequence
from itertools import accumulate
from typing import Any, Protocol

#: Every value is a string, stored as UTF-8; lone surrogates (which YAML escapes can make)
#: pass through.
TEXT = "text"
#: Any JSON value (numbers, lists, mappings, null).
DATA = "json"
ENCODINGS = (TEXT, DATA)
_SEPARATOR = {TEXT: b"\0", DATA: b","}
#: Offsets are 4-byte unsigned integers in this machine's byte order: the cache never leaves
#: the machine whose files it describes; the code is part of the file's format name.
OFFSET_CODE = "I" if array("I").itemsize == 4 else "L"
#: Values read one by one before the whole column is decoded at once: ``show`` reads one
#: value per field, ``list`` the fields of thousands of objects.
ONE_BY_ONE = 64
_encode_json = json.JSONEncoder(separators=(",", ":")).encode


class Column(Protocol):
    """One field's values for every entry of a kind, in name order."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int, /) -> Any: ...

    def tolist(self) -> list[Any]:
        """Every value, decoded (once)."""
        ...


class Listed(list[Any]):
    """A column held in memory (from a loaded catalog)."""

    def tolist(self) -> list[Any]:
        return self


def encode(values: Sequence[Any]) -> tuple[str, bytes, bytes]:
    """A column's encoding, its values' bytes and their start offsets (one more than values:
    the last is where a value after the last would start)."""
    if all(type(v) is str for v in values):
        encoding = TEXT
        parts = [v.encode("utf-8", "surrogatepass") for v in values]
    else:
        encoding = DATA
        parts = [_encode_json(v).encode("ascii") for v in values]
    separator = _SEPARATOR[encoding]
    blob = separator.join(parts) + separator if parts else b""
    offsets = array(OFFSET_CODE, accumulate((len(p) + 1 for p in parts), initial=0))
    return encoding, blob, offsets.tobytes()


class StoredColumn:
    """A column read from the cache: decoded whole on :meth:`tolist`, else value by value.

    The caller has checked the bytes' MAC (they are what :func:`encode` wrote); the layout is
    checked here all the same, and a :class:`ValueError` says it does not fit.
    """

    def __init__(self, encoding: str, blob: bytes | memoryview, offsets: bytes | memoryview):
        if encoding not in ENCODINGS:
            raise ValueError(f"unknown column encoding {encoding!r}")
        starts = array(OFFSET_CODE)
        starts.frombytes(offsets)
        if not starts or starts[0] != 0 or starts[-1] != len(blob):
            raise ValueError("column offsets do not fit its values")
        self._encoding = encoding
        self._blob = blob
        self._starts = starts
        self._all: list[Any] | None = None
        self._reads = 0

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, index: int) -> Any:
        if self._all is not None:
            return self._all[index]
        self._reads += 1
        if self._reads > ONE_BY_ONE:
            return self.tolist()[index]
        if not 0 <= index < len(self):
            raise IndexError(index)
        raw = bytes(self._blob[self._starts[index] : self._starts[index + 1] - 1])
        if self._encoding == TEXT:
            return raw.decode("utf-8", "surrogatepass")
        return json.loads(raw)

    def tolist(self) -> list[Any]:
        if self._all is None:
            # Decoding makes a container per value (100,000 lists of tags), all kept: the
            # cyclic collector would walk them again and again for nothing.
            paused = gc.isenabled()
            gc.disable()
            try:
                self._all = self._decode()
            finally:
                if paused:
                    gc.enable()
        return self._all

    def _decode(self) -> list[Any]:
        count = len(self)
        if not count:
            return []
        body = bytes(self._blob[:-1])  # without the last separator
        if self._encoding == TEXT:
            values: list[Any] = body.decode("utf-8", "surrogatepass").split("\0")
            if len(values) != count:  # a value holds a NUL: go by offsets instead
                values = [self[i] for i in range(count)]
        else:
            values = json.loads(b"[" + body + b"]")
            if len(values) != count:
                raise ValueError("a column holds more values than its offsets")
        return values
