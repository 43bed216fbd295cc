"""``featurecat validate``."""

from __future__ import annotations

import sys

import click

from featurecat.cli.common import catalog_options, format_option, wants_color
from featurecat.errors import Diagnostic, UsageError
from featurecat.names import Kind


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
    from featurecat.catalog import Catalog
    from featurecat.report.diagnostics import FORMATS, Outcome, render_text

    if check_data and ref is not None:
        raise UsageError(
            f"--check-data reads the data files in the working tree, not as they were at "
            f"{ref}; check out {ref} first, or drop --ref or --check-data"
        )
    result = Catalog.read(catalog_path, ref)
    diagnostics = list(result.diagnostics)
    catalog = result.catalog
    if check_data and catalog is not None:  # the valid part of the catalog, even with errors
        from featurecat.datacheck import check_data as run_data_checks

        diagnostics.extend(run_data_checks(catalog))
        diagnostics.sort(key=lambda d: (d.path, d.line, d.column))
    if changed_since is not None:
        from featurecat.load import changed_since as changed_files

        changed = changed_files(catalog_path, changed_since, result)
        diagnostics.sort(key=lambda d: d.path not in changed)
    if strict:
        diagnostics = [
            Diagnostic(d.path, d.line, d.column, d.code, "error", d.message) for d in diagnostics
        ]
    summary = ""
    if catalog is not None:
        summary = ", ".join(
            f"{len(objs)} {kind.value if len(objs) == 1 else kind.plural}"
            for kind in (Kind.FEATURE, Kind.SOURCE, Kind.ENTITY, Kind.TEAM, Kind.MODEL)
            for objs in [catalog.objects(kind)]
        )
    outcome = Outcome(diagnostics, result.files, catalog.project.name if catalog else None, summary)
    if fmt == "text":
        click.echo(render_text(outcome, click.style if wants_color() else None))
    else:
        output = FORMATS[fmt](outcome)
        if output:
            click.echo(output)
    sys.exit(1 if outcome.errors else 0)
