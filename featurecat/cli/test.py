"""``featurecat test``: run the catalog's contracts against its data."""

from __future__ import annotations

import sys
from datetime import datetime, timezone

import click

from featurecat.cli.common import catalog_option, format_option
from featurecat.errors import UsageError


def _now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a date or time; write it like 2025-07-01 or 2025-07-01T06:00:00Z"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@catalog_option
@click.option("--owner", multiple=True, metavar="TEAM", help="Features this team owns.")
@click.option("--tag", multiple=True, metavar="TAG", help="Features with this tag.")
@click.option("--source", multiple=True, metavar="SOURCE", help="The features of this source.")
@click.option("--model", multiple=True, metavar="MODEL", help="The features this model uses.")
@click.option(
    "--kind", multiple=True, metavar="KIND", help="Only expectations of this kind (e.g. range)."
)
@click.option(
    "--skip",
    multiple=True,
    metavar="KIND",
    help="Leave out expectations of this kind (e.g. unique, which costs a query of its own, or "
    "freshness on data that is not live).",
)
@click.option(
    "--changed-since",
    metavar="REF",
    default=None,
    help="Only features and sources whose definitions or data changed since this git ref.",
)
@click.option(
    "--now",
    metavar="TIME",
    default=None,
    callback=_now,
    envvar="FEATURECAT_NOW",
    help="What 'now' is for freshness (ISO 8601, UTC unless it says otherwise). Default: now.",
)
@format_option("text", "json", "github", "junit")
@click.option(
    "--results",
    "results_path",
    metavar="PATH",
    default=None,
    help="Where to write the results for the portal. Default: "
    "<catalog>/.featurecat/results/contracts.json.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="What measures the data (DuckDB only, for now).",
)
def test(
    names: tuple[str, ...],
    catalog_path: str | None,
    owner: tuple[str, ...],
    tag: tuple[str, ...],
    source: tuple[str, ...],
    model: tuple[str, ...],
    kind: tuple[str, ...],
    skip: tuple[str, ...],
    changed_since: str | None,
    now: datetime,
    fmt: str,
    results_path: str | None,
    engine: str,
) -> None:
    """Run the catalog's contracts (the expect: of features and sources) against the data.

    NAMEs are features or sources; the options narrow the run (a model selects the features
    it uses). Every expectation of a source is measured in one DuckDB query. Each failure
    names the feature, the expectation, its file and line, what was observed and up to five
    failing rows.

    Exits 0 when every error-level expectation holds (warnings only report), 1 when one
    fails or its data cannot be read, 2 on usage errors.
    """
    from featurecat.cli.common import load
    from featurecat.contracts.render import FORMATS
    from featurecat.contracts.select import Selection
    from featurecat.measure.previous import changed_since as touched
    from featurecat.measure.run import run_contracts, write_results
    from featurecat.printable import printable_lines
    from featurecat.tree import shown

    if engine == "spark":
        raise UsageError("featurecat test measures data with DuckDB only; drop --engine spark")
    catalog = load(catalog_path, None)
    selection = Selection(
        names=names,
        owners=owner,
        tags=tag,
        sources=source,
        models=model,
        kinds=kind,
        skip=skip,
        changed=touched(catalog, changed_since) if changed_since else None,
    )
    results = run_contracts(catalog, selection, now=now)
    written = write_results(catalog, results, results_path)
    output = FORMATS[fmt](results)
    click.echo(output if fmt in ("json", "junit") else printable_lines(output))
    if fmt == "text":
        click.echo(f"results: {shown(written)}", err=True)
    sys.exit(1 if results.failed else 0)
