"""Discovery in the terminal: ``featurecat list``, ``show`` and ``search``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from featurecat.cli.common import catalog_options, format_option, load, table
from featurecat.errors import UnknownNameError, UsageError, did_you_mean
from featurecat.names import DTYPES, OBJECT_KINDS, STATUSES, Kind
from featurecat.printable import printable

if TYPE_CHECKING:
    from featurecat.catalog import Catalog
    from featurecat.schema import Definition

_KINDS = [k.value for k in OBJECT_KINDS]


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
    from featurecat.query import filter_features

    target = Kind(kind)
    filters = {"owner": owner, "entity": entity, "tag": tag, "status": status, "dtype": dtype}
    given = [f"--{name}" for name, value in filters.items() if value is not None]
    allowed = _FILTERS_OF.get(target, ())
    refused = [option for option in given if option not in allowed]
    if refused:
        what = f"only {', '.join(allowed)}" if allowed else "no filters"
        raise UsageError(f"--kind {kind} takes {what}; drop {', '.join(refused)}")
    catalog = load(catalog_path, ref)
    if target is Kind.FEATURE:
        features = filter_features(
            catalog, owner=owner, entity=entity, tag=tag, status=status, dtype=dtype
        )
        objects: Sequence[Definition] = features
    else:
        features = []
        objects = [
            o
            for _, o in sorted(catalog.objects(target).items())
            if owner in (None, getattr(o, "owner", None))
            and entity in (None, getattr(o, "entity", None))
        ]
    if not objects and fmt != "json":
        hints = _unknown_filter_values(catalog, owner=owner, entity=entity, tag=tag)
        click.echo(f"no {target.plural} match{''.join(hints)}", err=True)
        return
    if fmt == "json":
        click.echo(json.dumps([o.model_dump(mode="json") for o in objects], indent=2))
    elif target is Kind.FEATURE:
        rows = [
            [
                f.name,
                f.dtype,
                f.owner,
                catalog.sources[f.source].entity,
                f.status,
                f"v{f.version}",
                ", ".join(f.tags),
            ]
            for f in features
        ]
        click.echo(table(rows, ["name", "dtype", "owner", "entity", "status", "version", "tags"]))
    else:
        rows = [
            [getattr(o, "name", ""), getattr(o, "owner", "") or "", _one_line(o)] for o in objects
        ]
        click.echo(table(rows, ["name", "owner", "description"]))


#: The filters of ``featurecat list`` that make sense for each kind.
_FILTERS_OF = {
    Kind.FEATURE: ("--owner", "--entity", "--tag", "--status", "--dtype"),
    Kind.SOURCE: ("--owner", "--entity"),
    Kind.MODEL: ("--owner",),
}


def _unknown_filter_values(
    catalog: Catalog, *, owner: str | None, entity: str | None, tag: str | None
) -> list[str]:
    """``"; no team is called 'x' (did you mean 'y'?)"`` for each filter value nothing has."""
    tags = {t for f in catalog.features.values() for t in f.tags}
    return [
        f"; no {what} {value!r}{did_you_mean(value, known)}"
        for what, value, known in (
            ("team is called", owner, catalog.teams),
            ("entity is called", entity, catalog.entities),
            ("feature is tagged", tag, tags),
        )
        if value is not None and value not in known
    ]


@click.command()
@catalog_options
@click.argument("name")
@click.option("--kind", type=click.Choice(_KINDS), help="When several kinds share the name.")
@format_option("text", "json")
def show(catalog_path: str | None, ref: str | None, name: str, kind: str | None, fmt: str) -> None:
    """Everything about one object: its fields, its file, and who uses it."""
    from featurecat.query import find

    catalog = load(catalog_path, ref)
    found = find(catalog, name, Kind(kind) if kind else None)
    if not found:
        kinds = [Kind(kind)] if kind else OBJECT_KINDS
        every = {n for k in kinds for n in catalog.objects(k)}
        raise UnknownNameError(name, every, kind=kind or "object")
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "kind": k.value,
                        **o.model_dump(mode="json"),
                        "related": _related(catalog, k, name),
                    }
                    for k, o in found
                ],
                indent=2,
            )
        )
        return
    click.echo("\n\n".join(_describe(catalog, k, name, o) for k, o in found))


def _describe(catalog: Catalog, kind: Kind, name: str, obj: Definition) -> str:
    origin = catalog.origin(kind, name)
    lines = [click.style(f"{kind.value} {name}", bold=True), f"  file: {printable(origin.path)}"]
    for field, value in obj.model_dump().items():
        if field == "name" or value in (None, [], ""):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        lines.append(f"  {field}: {printable(shown)}")
    if kind is Kind.FEATURE:
        entity = catalog.entity_of(catalog.features[name])
        lines.append(f"  entity: {entity.name} (join keys: {', '.join(entity.join_keys)})")
        lines.append(f"  load: featurecat.load_features([{name!r}], entity_df=df)")
    for label, names in _related(catalog, kind, name).items():
        lines.append(f"  {label}: {', '.join(names) if names else '-'}")
    return "\n".join(lines)


def _related(catalog: Catalog, kind: Kind, name: str) -> dict[str, list[str]]:
    if kind is Kind.FEATURE:
        return {"used by": [f"{m.name} ({m.owner})" for m in catalog.models_using(name)]}
    if kind is Kind.SOURCE:
        return {"features": [f.name for f in catalog.features_of(name)]}
    if kind is Kind.ENTITY:
        sources = sorted(s.name for s in catalog.sources.values() if s.entity == name)
        return {
            "sources": sources,
            "features": [f.name for s in sources for f in catalog.features_of(s)],
        }
    if kind is Kind.MODEL:
        model = catalog.models[name]
        return {"feature owners": sorted({catalog.features[f].owner for f in model.features})}
    owned: dict[str, list[str]] = {"features": [], "sources": [], "models": []}
    for label, objects in (
        ("features", catalog.features),
        ("sources", catalog.sources),
        ("models", catalog.models),
    ):
        owned[label] = sorted(n for n, o in objects.items() if o.owner == name)
    return owned


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
    """Find objects by name, tags and description, best match first."""
    from featurecat.query import search as run_search

    catalog = load(catalog_path, ref)
    query = " ".join(text)
    if not query.strip():
        raise UsageError("search needs some text")
    hits = run_search(catalog, query, limit)
    if fmt == "json":
        click.echo(
            json.dumps(
                [{"kind": h.kind.value, "name": h.name, "score": h.score} for h in hits], indent=2
            )
        )
        return
    if not hits:
        click.echo(f"nothing matches '{printable(query)}'", err=True)
        return
    rows = [
        [h.name, h.kind.value, getattr(h.obj, "owner", "") or "", _one_line(h.obj)] for h in hits
    ]
    click.echo(table(rows, ["name", "kind", "owner", "description"]))


def _one_line(obj: Definition, width: int = 70) -> str:
    text = " ".join(str(getattr(obj, "description", "")).split())
    return text if len(text) <= width else text[: width - 3] + "..."
