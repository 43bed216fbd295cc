"""``featurecat validate``."""

from __future__ import annotations

import sys

import click

from featurecat.cli.common import catalog_options, format_option, wants_color


@click.command()
@catalog_options
@format_option("text", "json", "github")
@click.option(
    "--check-data",
    is_flag=True,
    help="Also open each source's schema and check columns and dtypes (in the working tree).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--changed-since",
    metavar="REF",
    default=None,
    help="List problems in files changed since this git ref first (GitHub shows only the "
    "first 10 annotations of each kind per step).",
)
def validate(
    catalog_path: str | None,
    ref: str | None,
    fmt: str,
    check_data: bool,
    strict: bool,
    changed_since: str | None,
) -> None:
    """Validate every definition and report every problem, with its file and line.

    Exits 0 when the catalog is valid, 1 when it is not, 2 when no catalog is found.
    """
    from featurecat.report.diagnostics import FORMATS, render_text
    from featurecat.validation import validate as run_validation

    outcome = run_validation(
        catalog_path, ref, check_data=check_data, strict=strict, changed_since=changed_since
    )
    if fmt == "text":
        click.echo(render_text(outcome, click.style if wants_color() else None))
    else:
        output = FORMATS[fmt](outcome)
        if output:
            click.echo(output)
    sys.exit(1 if outcome.errors else 0)
