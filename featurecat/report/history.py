"""Presentation of git history: one line per change, as terminal text or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from featurecat.compat import describe_change
from featurecat.history import Change, ObjectKey


def render_text(entries: Sequence[tuple[ObjectKey, Change]], named: bool) -> str:
    """``abc12345  2025-03-01  Ann Author  modified: dtype int64 -> float64`` and the message.

    ``named`` is true when every entry is about one object, so lines need not repeat it.
    """
    lines = []
    for (kind, name), change in entries:
        who = f"{kind.value} {name}: " if not named else ""
        lines.append(
            f"{change.short}  {change.date:%Y-%m-%d}  {change.author}  {who}{describe(change)}"
        )
        lines.append(f"    {change.message}")
    return "\n".join(lines)


def render_json(entries: Sequence[tuple[ObjectKey, Change]]) -> str:
    return json.dumps([_entry_json(key, change) for key, change in entries], indent=2)


def describe(change: Change) -> str:
    """What the change did, in a few words."""
    if change.action == "moved" and not change.values:
        return f"moved to {change.path}"
    if change.action in ("modified", "moved"):
        fields = ", ".join(describe_change(f.field, f.old, f.new) for f in change.values)
        where = f" (moved to {change.path})" if change.action == "moved" else ""
        return f"modified: {fields or 'formatting only'}{where}"
    return change.action


def _entry_json(key: ObjectKey, change: Change) -> dict[str, Any]:
    kind, name = key
    return {
        "kind": kind.value,
        "name": name,
        "commit": change.commit,
        "short": change.short,
        "date": change.date.isoformat(),
        "author": change.author,
        "email": change.email,
        "message": change.message,
        "action": change.action,
        "path": change.path,
        "fields": list(change.fields),
        "values": [{"field": f.field, "old": f.old, "new": f.new} for f in change.values],
    }
