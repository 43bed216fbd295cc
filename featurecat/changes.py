"""A field's value before and after a change, how to say it in one line, and the history of
each definition as commits changed it.

Shared by the diff between two catalogs (:mod:`featurecat.diff`), the history read from git
(:mod:`featurecat.history`) and the pages and commands that show it. It runs no git and
needs no schema, so showing history never pays for either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from featurecat.names import Kind
from featurecat.printable import printable

#: Longer values (descriptions, mostly) are named, not shown, in one-line summaries.
SHORT = 40


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after (``None`` when unset)."""

    field: str
    old: Any
    new: Any


def describe_value(value: Any) -> str:
    """A field value as reports show it, on one line."""
    if value is None:
        return "(unset)"
    if isinstance(value, list):
        return printable("[" + ", ".join(map(str, value)) + "]")
    return printable(str(value))


def describe_change(name: str, old: Any, new: Any) -> str:
    """``dtype int64 -> float64``; only ``description changed`` when a value is long."""
    before, after = describe_value(old), describe_value(new)
    if max(len(before), len(after)) > SHORT:
        return f"{name} changed"
    return f"{name} {before} -> {after}"


Action = Literal["added", "modified", "removed", "moved"]
ObjectKey = tuple[Kind, str]


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
    values: tuple[FieldChange, ...] = ()  # those fields' values before and after, as written

    @property
    def short(self) -> str:
        return self.commit[:8]


def summarize(change: Change, shown: Callable[[str], str] | None = None) -> str:
    """What ``change`` did, in one line: ``modified: dtype int64 -> float64``.

    With ``shown`` (how to show a catalog-relative path), ``featurecat log``'s wording: a
    move names where the file went, and a modification that changed no value says so
    (``modified: formatting only``). Without it, the portal's, beside the commit: the action,
    and the values that changed (``moved: dtype int64 -> float64``).
    """
    described = ", ".join(describe_change(v.field, v.old, v.new) for v in change.values)
    if shown is None:
        if described:
            return f"{change.action}: {described}"
        return f"{change.action}: {', '.join(change.fields)}" if change.fields else change.action
    if change.action == "moved" and not change.values:
        return f"moved to {shown(change.path)}"
    if change.action in ("modified", "moved"):
        where = f" (moved to {shown(change.path)})" if change.action == "moved" else ""
        return f"modified: {described or 'formatting only'}{where}"
    return change.action


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
