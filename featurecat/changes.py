"""A field's value before and after a change, and how to say it in one line.

Shared by the diff between two catalogs (:mod:`featurecat.diff`) and the history of each
definition (:mod:`featurecat.history`). It depends on nothing, so reading history never
pays for the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Longer values (descriptions, mostly) are named, not shown, in one-line summaries.
SHORT = 40


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after (``None`` when unset)."""

    field: str
    old: Any
    new: Any


def describe_value(value: Any) -> str:
    """A field value as reports show it."""
    if value is None:
        return "(unset)"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def describe_change(name: str, old: Any, new: Any) -> str:
    """``dtype int64 -> float64``; only ``description changed`` when a value is long."""
    before, after = describe_value(old), describe_value(new)
    if max(len(before), len(after)) > SHORT:
        return f"{name} changed"
    return f"{name} {before} -> {after}"
