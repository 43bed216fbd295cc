"""Where an object was defined: its file and the line of each of its keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from featurecat.errors import Diagnostic, Severity

if TYPE_CHECKING:
    from featurecat.names import Kind
    from featurecat.schema import Definition

Loc = tuple[str | int, ...]


@dataclass
class LineIndex:
    """Where each key (and list item) of one document sits: ``loc`` -> (line, column), 1-based."""

    start: tuple[int, int] = (1, 1)
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def locate(self, loc: Loc) -> tuple[int, int]:
        """The position of ``loc``, or of its nearest located parent, or of the document."""
        for end in range(len(loc), 0, -1):
            mark = self.marks.get(loc[:end])
            if mark is not None:
                return mark
        return self.start


@dataclass(frozen=True)
class Origin:
    """The file an object came from: ``path`` as users open it, ``relpath`` inside the catalog."""

    path: str
    relpath: str
    index: LineIndex = field(default_factory=LineIndex, compare=False)

    def line(self, *loc: str | int) -> int:
        """The line of a key (``origin.line("owner")``) or list item (``"features", 2``)."""
        return self.index.locate(loc)[0]

    def diagnostic(
        self, loc: Loc, code: str, message: str, severity: Severity = "error"
    ) -> Diagnostic:
        """A problem pinned to the key or item at ``loc`` of this file."""
        line, column = self.index.locate(loc)
        return Diagnostic(self.path, line, column, code, severity, message)


@dataclass(frozen=True)
class Parsed:
    """One definition file after parsing.

    ``name`` is what the file declares (its ``name`` value, else its stem) even when the
    object is invalid, so that references to it do not also fail. ``obj`` is ``None`` then,
    and ``fields`` holds the values that did validate, so that their own problems (such as
    an unknown owner) are reported in the same run.
    """

    kind: Kind
    name: str
    obj: Definition | None
    origin: Origin
    fields: Mapping[str, Any] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        """A field's value, from the object or (for an invalid one) from what validated."""
        return getattr(self.obj, name) if self.obj is not None else self.fields.get(name)
