"""Hardened YAML: every value keeps its line, and nothing in a file can surprise us.

libyaml's C parser turns the text into events; a small builder turns the events into plain
dicts, lists and strings while recording where each key and item sits. Because we build the
values ourselves, we can refuse what ``yaml.safe_load`` lets through:

* anchors and aliases (an alias bomb expands a few lines into gigabytes),
* explicit tags such as ``!!python/object`` (nothing is ever constructed from a tag),
* duplicate keys (YAML keeps the last one silently),
* files larger than :data:`MAX_FILE_BYTES` (refused before parsing).

Scalars stay strings: YAML 1.1 would read ``NO`` as ``False`` and ``1.10`` as ``1.1``. The
pydantic schema decides what each field's type is. Only a plain ``null``, ``~`` or an empty
value becomes ``None``. The document records which values were quoted, so that the schema
can refuse ``version: '3'`` as text where a number belongs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from featurecat.errors import Diagnostic
from featurecat.origin import LineIndex, Loc

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_PLAIN = ("", None)  # libyaml reports a plain scalar's style as "", the pure-Python parser as None
_Loader: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


@dataclass
class Document:
    """A parsed YAML file: its value, the line index of its keys and items, and where
    its quoted (or block) scalars are."""

    value: Any
    index: LineIndex
    quoted: frozenset[Loc] = field(default_factory=frozenset)


class _Abort(Exception):
    """Stops building a document after a problem that makes the rest meaningless."""


def parse_document(data: bytes, path: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one YAML file. Returns the document (``None`` when unusable) and its problems."""
    if len(data) > MAX_FILE_BYTES:
        return None, [
            _diag(
                path,
                1,
                1,
                "file-too-large",
                f"file is larger than {MAX_FILE_BYTES:,} bytes, the limit for a definition; "
                "keep data out of YAML and put it under data_root",
            )
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [
            _diag(
                path,
                line,
                1,
                "yaml-encoding",
                f"file is not UTF-8 text (byte {exc.start}); save it as UTF-8",
            )
        ]
    builder = _Builder(path)
    try:
        value, found = builder.build(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        return None, [*builder.diagnostics, _syntax_diagnostic(path, exc)]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        return None, [
            *builder.diagnostics,
            _diag(
                path,
                line,
                1,
                "yaml-syntax",
                f"invalid YAML: control character #x{exc.character:04x} is not allowed; "
                "remove it or write it as an escape inside double quotes",
            ),
        ]
    except yaml.YAMLError as exc:
        return None, [
            *builder.diagnostics,
            _diag(path, 1, 1, "yaml-syntax", f"invalid YAML: {exc}"),
        ]
    except _Abort:
        return None, builder.diagnostics
    if not found:
        return None, [
            *builder.diagnostics,
            _diag(path, 1, 1, "empty-file", "file is empty; it should define one object"),
        ]
    return Document(value, builder.index, frozenset(builder.quoted)), builder.diagnostics


def dump_yaml(data: dict[str, Any]) -> str:
    """Render a definition the way people write them: block style, keys in the given order."""
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.index = LineIndex()
        self.diagnostics: list[Diagnostic] = []
        self.quoted: set[Loc] = set()

    def build(self, events: Iterator[yaml.Event]) -> tuple[Any, bool]:
        value: Any = None
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    self._fail(
                        event,
                        "multiple-documents",
                        "file holds more than one YAML document; "
                        "put one object per file and remove the '---' separator",
                    )
            elif isinstance(event, yaml.NodeEvent | yaml.CollectionStartEvent):
                self.index.start = _position(event)
                value = self._node(event, events, (), 0)
        return value, documents > 0

    def _node(self, event: yaml.Event, events: Iterator[yaml.Event], loc: Loc, depth: int) -> Any:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            self._fail(
                event,
                "yaml-alias",
                "YAML anchors and aliases (&name, *name) are not allowed; "
                "write the value out in full",
            )
        if _explicit_tag(event):
            tag = str(event.tag).replace("tag:yaml.org,2002:", "!!")  # type: ignore[attr-defined]
            self._fail(
                event,
                "yaml-tag",
                f"YAML tags such as '{tag}' are not allowed; "
                "remove the tag and write a plain value",
            )
        if depth > MAX_DEPTH:
            self._fail(event, "yaml-depth", f"values are nested more than {MAX_DEPTH} levels deep")
        if isinstance(event, yaml.ScalarEvent):
            if event.style in _PLAIN:
                return None if event.value in _NULLS else event.value
            self.quoted.add(loc)  # a key's loc is its mapping's; only values are looked up
            return event.value
        if isinstance(event, yaml.SequenceStartEvent):
            return self._sequence(events, loc, depth)
        if isinstance(event, yaml.MappingStartEvent):
            return self._mapping(events, loc, depth)
        self._fail(event, "yaml-syntax", f"unexpected {type(event).__name__}")  # pragma: no cover
        return None  # pragma: no cover

    def _sequence(self, events: Iterator[yaml.Event], loc: Loc, depth: int) -> list[Any]:
        items: list[Any] = []
        for event in events:
            if isinstance(event, yaml.SequenceEndEvent):
                break
            item_loc = (*loc, len(items))
            self.index.marks[item_loc] = _position(event)
            items.append(self._node(event, events, item_loc, depth + 1))
        return items

    def _mapping(self, events: Iterator[yaml.Event], loc: Loc, depth: int) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for event in events:
            if isinstance(event, yaml.MappingEndEvent):
                break
            if not isinstance(event, yaml.ScalarEvent):
                self._fail(event, "yaml-key", "keys must be plain words, not lists or mappings")
            key = self._node(event, events, loc, depth + 1)
            key = "" if key is None else str(key)
            key_loc = (*loc, key)
            line, column = _position(event)
            if key in mapping:
                first_line = self.index.marks[key_loc][0]
                self.diagnostics.append(
                    _diag(
                        self.path,
                        line,
                        column,
                        "duplicate-key",
                        f"duplicate key '{key}' (first set on line {first_line}); "
                        "YAML would silently keep only the last one, so remove one of them",
                    )
                )
            else:
                self.index.marks[key_loc] = (line, column)
            mapping[key] = self._node(next(events), events, key_loc, depth + 1)
        return mapping

    def _fail(self, event: yaml.Event, code: str, message: str) -> None:
        line, column = _position(event)
        self.diagnostics.append(_diag(self.path, line, column, code, message))
        raise _Abort


def _explicit_tag(event: yaml.Event) -> bool:
    tag = getattr(event, "tag", None)
    if tag is None:
        return False
    # libyaml reports the non-specific tag "!" for quoted scalars in some versions.
    return bool(tag != "!")


def _position(event: yaml.Event) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _syntax_diagnostic(path: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or "could not parse"
    context = f" {exc.context}" if exc.context else ""
    if exc.context_mark is not None and exc.context:
        context += f" started on line {exc.context_mark.line + 1}"
    return _diag(
        path,
        line,
        column,
        "yaml-syntax",
        f"invalid YAML: {problem}{context}; check the indentation and quoting",
    )


def _diag(path: str, line: int, column: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, column, code, "error", message)
