"""``featurecat log``: how an object (or the whole catalog) changed, from git."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from featurecat.changes import summarize
from featurecat.cli.common import catalog_options, format_option
from featurecat.names import OBJECT_KINDS
from featurecat.printable import plural, printable

if TYPE_CHECKING:
    from featurecat.changes import Change, ObjectKey

_KINDS = [k.value for k in OBJECT_KINDS]


@click.command()
@catalog_options
@click.argument("name", required=False)
@click.option("--kind", type=click.Choice(_KINDS), help="Only objects of this kind.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Show at most this many changes. Default: all of NAME's, or the latest 20.",
)
@format_option("text", "json")
def log(
    catalog_path: str | None,
    ref: str | None,
    name: str | None,
    kind: str | None,
    limit: int | None,
    fmt: str,
) -> None:
    """The git history of NAME: one entry per commit that changed it, newest first.

    Each entry has the commit, date, author, message and the fields that changed (with
    their values when short). Without NAME, the latest changes across the catalog. With
    --ref, the history up to that ref. Moves are followed; a rename starts a new history.
    """
    from featurecat.errors import UnknownNameError, UsageError
    from featurecat.history import read_history
    from featurecat.names import Kind
    from featurecat.tree import displayer, find_catalog, in_git

    root = find_catalog(catalog_path)
    if not in_git(root):
        raise UsageError(
            f"{root} is not in a git repository; 'featurecat log' reads the catalog's history"
        )
    history = read_history(root, ref or "HEAD")
    wanted = Kind(kind) if kind else None
    if name is None:
        entries = history.recent(wanted, limit or 20)
        if fmt == "json":
            click.echo(_render_json(entries))
        else:
            text = _render_text(entries, displayer(root), named=False)
            click.echo(text or "no committed changes yet")
        return
    keys = [k for k in history.changes if k[1] == name and wanted in (None, k[0])]
    if not keys:
        known = {n for k, n in history.changes if wanted in (None, k)}
        raise UnknownNameError(name, known, kind=kind or "object")
    entries = sorted(
        ((key, change) for key in keys for change in history.of(*key)),
        key=lambda item: item[1].date,
        reverse=True,
    )[:limit]
    if fmt == "json":
        click.echo(_render_json(entries))
        return
    for kind_, name_ in keys:
        changes = history.of(kind_, name_)
        path = printable(displayer(root)(changes[0].path))
        click.echo(f"{kind_.value} {printable(name_)} ({path}): {plural(len(changes), 'change')}")
    click.echo(_render_text(entries, displayer(root), named=len(keys) == 1))


def _render_text(
    entries: Sequence[tuple[ObjectKey, Change]], shown: Callable[[str], str], named: bool
) -> str:
    """``abc12345  2025-03-01  Ann Author  modified: dtype int64 -> float64`` and the message.

    ``named`` is true when every entry is about one object, so lines need not repeat it.
    """
    lines = []
    for (kind, name), change in entries:
        who = f"{kind.value} {name}: " if not named else ""
        what = printable(who + summarize(change, shown))
        author = printable(change.author)
        lines.append(f"{change.short}  {change.date:%Y-%m-%d}  {author}  {what}")
        lines.append(f"    {printable(change.message)}")
    return "\n".join(lines)


def _render_json(entries: Sequence[tuple[ObjectKey, Change]]) -> str:
    return json.dumps([_entry_json(key, change) for key, change in entries], indent=2)


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
