"""Discovery in the terminal: ``featurecat list``, ``show`` and ``search``.

They read the catalog's :class:`~featurecat.entries.Entries`, which an unchanged working
tree answers from the discovery cache (:mod:`featurecat.cache`) without parsing it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import click

from featurecat.cli.common import catalog_options, fail, format_option, load, table
from featurecat.errors import UnknownNameError, UsageError, did_you_mean
from featurecat.names import DTYPES, OBJECT_KINDS, STATUSES, Kind
from featurecat.printable import printable

if TYPE_CHECKING:
    from featurecat.entries import Entries, Entry

_KINDS = [k.value for k in OBJECT_KINDS]
Shown = Callable[[str], str]


def open_entries(catalog_path: str | None, ref: str | None) -> tuple[Entries, Shown]:
    """The catalog's entries and how to show a catalog-relative path; errors as ``load``."""
    from featurecat.cache import cached_entries
    from featurecat.entries import Entries
    from featurecat.errors import CatalogError
    from featurecat.tree import displayer

    if ref is None:
        try:
            entries, root = cached_entries(catalog_path)
        except UsageError:
            raise  # no catalog to read: exit code 2
        except CatalogError as exc:
            fail(exc)
        return entries, displayer(root)
    catalog = load(catalog_path, ref)
    return Entries.of(catalog), displayer(catalog.root)


@click.command("list")
@catalog_options
@click.option(
    "--kind", type=click.Choice(_KINDS), default="feature", show_default=True, help="What to list."
)
@click.option("--owner", help="Only objects owned by this team.")
@click.option("--entity", help="Only features (or sources) of this entity.")
@click.option("--tag", help="Only features with this tag.")
@click.option("--status", type=click.Choice(STATUSES), help="Only features with this status.")
@click.option("--dtype", type=click.Choice(DTYPES), help="Only features of this dtype.")
@format_option("text", "json")
def list_objects(
    catalog_path: str | None,
    ref: str | None,
    kind: str,
    owner: str | None,
    entity: str | None,
    tag: str | None,
    status: str | None,
    dtype: str | None,
    fmt: str,
) -> None:
    """List features (or other objects), filtered by owner, entity, tag, status or dtype.

    --owner also filters sources and models, --entity also sources; the other filters
    apply to features only.
    """
    from featurecat.query import filter_entries

    target = Kind(kind)
    filters = {"owner": owner, "entity": entity, "tag": tag, "status": status, "dtype": dtype}
    given = [f"--{name}" for name, value in filters.items() if value is not None]
    allowed = _FILTERS_OF.get(target, ())
    refused = [option for option in given if option not in allowed]
    if refused:
        what = f"only {', '.join(allowed)}" if allowed else "no filters"
        raise UsageError(f"--kind {kind} takes {what}; drop {', '.join(refused)}")
    entries, _ = open_entries(catalog_path, ref)
    objects = filter_entries(
        entries, target, owner=owner, entity=entity, tag=tag, status=status, dtype=dtype
    )
    if not objects and fmt != "json":
        hints = _unknown_filter_values(entries, owner=owner, entity=entity, tag=tag)
        click.echo(f"no {target.plural} match{''.join(hints)}", err=True)
        return
    if fmt == "json":
        click.echo(json.dumps([dict(o.fields) for o in objects], indent=2))
    elif target is Kind.FEATURE:
        rows = [
            [
                f.name,
                str(f.dtype),
                str(f.get("owner")),
                str(f.entity),
                str(f.status),
                f"v{f.version}",
                ", ".join(f.tags),
            ]
            for f in objects
        ]
        click.echo(table(rows, ["name", "dtype", "owner", "entity", "status", "version", "tags"]))
    else:
        rows = [[o.name, o.get("owner") or "", _one_line(o.description)] for o in objects]
        click.echo(table(rows, ["name", "owner", "description"]))


#: The filters of ``featurecat list`` that make sense for each kind.
_FILTERS_OF = {
    Kind.FEATURE: ("--owner", "--entity", "--tag", "--status", "--dtype"),
    Kind.SOURCE: ("--owner", "--entity"),
    Kind.MODEL: ("--owner",),
}


def _unknown_filter_values(
    entries: Entries,
    *,
    owner: str | Iterable[str] | None,
    entity: str | Iterable[str] | None,
    tag: str | Iterable[str] | None,
) -> list[str]:
    """``"; no team is called 'x' (did you mean 'y'?)"`` for each filter value nothing has
    (one value from ``list``'s options, any number from a search's filters)."""
    tags = {t for f in entries.of_kind(Kind.FEATURE).column("tags") or () for t in f or ()}
    return [
        f"; no {what} {printable(repr(value))}{did_you_mean(value, known)}"
        for what, values, known in (
            ("team is called", owner, entries.of_kind(Kind.TEAM)),
            ("entity is called", entity, entries.of_kind(Kind.ENTITY)),
            ("feature is tagged", tag, tags),
        )
        for value in ([values] if isinstance(values, str) else values or ())
        if value not in known
    ]


@click.command()
@catalog_options
@click.argument("name")
@click.option("--kind", type=click.Choice(_KINDS), help="When several kinds share the name.")
@format_option("text", "json")
def show(catalog_path: str | None, ref: str | None, name: str, kind: str | None, fmt: str) -> None:
    """Everything about one object: its fields, its file, and who uses it."""
    entries, shown = open_entries(catalog_path, ref)
    found = entries.find(name, Kind(kind) if kind else None)
    if not found:
        kinds = [Kind(kind)] if kind else OBJECT_KINDS
        every = {n for k in kinds for n in entries.of_kind(k)}
        raise UnknownNameError(name, every, kind=kind or "object")
    if fmt == "json":
        click.echo(
            json.dumps(
                [{"kind": e.kind.value, **e.fields, "related": related(entries, e)} for e in found],
                indent=2,
            )
        )
        return
    click.echo("\n\n".join(_describe(entries, e, shown) for e in found))


def _describe(entries: Entries, entry: Entry, shown: Shown) -> str:
    lines = [
        click.style(f"{entry.kind.value} {entry.name}", bold=True),
        f"  file: {printable(shown(entry.path))}",
    ]
    for field, value in entry.fields.items():
        if field == "name" or value in (None, [], ""):
            continue
        lines.append(f"  {field}: {printable(_text(value))}")
    if entry.kind is Kind.FEATURE:
        entity = entries.of_kind(Kind.ENTITY)[str(entry.entity)]
        keys = ", ".join(entity.get("join_keys") or ())
        lines.append(f"  entity: {entity.name} (join keys: {keys})")
        lines.append(f"  load: featurecat.load_features([{entry.name!r}], entity_df=df)")
    for label, names in related(entries, entry).items():
        lines.append(f"  {label}: {', '.join(names) if names else '-'}")
    return "\n".join(lines)


def _text(value: object) -> str:
    """A field's value on one line: lists joined, mappings (a contract, locations) as
    ``name (key value, ...)`` with unset keys left out, never a Python repr."""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        parts = []
        for key, inner in value.items():
            if isinstance(inner, dict):
                shown = ", ".join(f"{k} {_text(v)}" for k, v in inner.items() if v is not None)
                parts.append(f"{key} ({shown})" if shown else str(key))
            elif inner is not None:
                parts.append(f"{key} {_text(inner)}")
        return "; ".join(parts)
    return str(value)


def related(entries: Entries, entry: Entry) -> dict[str, list[str]]:
    """What an object is connected to, by label: who uses a feature, what a team owns..."""
    name = entry.name
    if entry.kind is Kind.FEATURE:
        return {"used by": [f"{m.name} ({m.get('owner')})" for m in entries.models_using(name)]}
    if entry.kind is Kind.SOURCE:
        return {"features": [f.name for f in entries.features_of(name)]}
    if entry.kind is Kind.ENTITY:
        sources = [s.name for s in entries.of_kind(Kind.SOURCE).where("entity", name)]
        return {
            "sources": sources,
            "features": [f.name for s in sources for f in entries.features_of(s)],
        }
    if entry.kind is Kind.MODEL:
        features = entries.of_kind(Kind.FEATURE)
        owners = {features[f].get("owner") for f in entry.features if f in features}
        return {"feature owners": sorted(owners)}
    return {
        kind.plural: [o.name for o in entries.owned_by(name, kind)]
        for kind in (Kind.FEATURE, Kind.SOURCE, Kind.MODEL)
    }


@click.command()
@catalog_options
@click.argument("text", nargs=-1, required=True)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="How many results at most (0: all of them).",
)
@format_option("text", "json")
def search(
    catalog_path: str | None, ref: str | None, text: tuple[str, ...], limit: int, fmt: str
) -> None:
    """Find objects by name, tags, owner, entity, dtype, status and description.

    Exact name matches come first, then the best matches, features before other kinds.
    Narrow with filters: kind:feature, owner:growth, tag:pii, dtype:int64,
    status:production, entity:user (e.g. `featurecat search age owner:growth`).
    """
    from featurecat.query import Query
    from featurecat.query import search as run_search

    query_text = " ".join(text)
    if not query_text.strip():
        raise UsageError("search needs some text")
    query = Query.parse(query_text)
    entries, _ = open_entries(catalog_path, ref)
    hits = run_search(entries, query, limit)
    if fmt == "json":
        found = [
            {
                "kind": h.kind.value,
                "name": h.name,
                "score": h.score,
                "exact": h.exact,
                "owner": h.owner,
                "status": h.status,
                "description": h.description,
            }
            for h in hits
        ]
        click.echo(json.dumps(found, indent=2))
        return
    if not hits:
        hints = _unknown_filter_values(
            entries, **{f: sorted(query.filters.get(f, ())) for f in ("owner", "entity", "tag")}
        )
        click.echo(f"nothing matches '{printable(query_text)}'{''.join(hints)}", err=True)
        return
    rows = [
        [h.name, h.kind.value, h.owner or "", h.status or "", _one_line(h.description)]
        for h in hits
    ]
    click.echo(table(rows, ["name", "kind", "owner", "status", "description"]))


def _one_line(description: str, width: int = 70) -> str:
    text = " ".join(description.split())
    return text if len(text) <= width else text[: width - 3] + "..."
