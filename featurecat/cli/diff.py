"""``featurecat diff``: what a change does to the catalog, and whether it may merge."""

from __future__ import annotations

import sys

import click

from featurecat.cli.common import catalog_option, format_option
from featurecat.errors import FeaturecatError, UsageError
from featurecat.printable import plural, printable_lines


@click.command()
@catalog_option
@click.option(
    "--base", required=True, metavar="REF", help="The git ref to compare against (e.g. main)."
)
@click.option(
    "--head", default=None, metavar="REF", help="The git ref to compare. Default: the working tree."
)
@format_option("text", "markdown", "json", "github")
@click.option(
    "--check-data",
    is_flag=True,
    help="Also compare the data of every source whose files changed since BASE: drift of each "
    "feature (mean, spread, null share, categories, PSI) beside the models that use it.",
)
def diff(catalog_path: str | None, base: str, head: str | None, fmt: str, check_data: bool) -> None:
    """Compare the catalog at git ref BASE with HEAD (default: the working tree).

    Lists added, removed, renamed and modified objects with their changed fields, marks
    breaking changes, and names the models (and their owners) that use each changed
    feature, including features reached through a changed source or entity. The head is
    validated too.

    Exits 1 when a feature has a breaking change without a version bump, a removed
    feature is still used by a model, or the head does not validate; 2 on usage errors
    such as an unknown ref. `markdown` fits a pull-request comment; `github` prints
    annotations.
    """
    from featurecat.compat import assess
    from featurecat.diff import compare
    from featurecat.load import load_pair
    from featurecat.report.diff import FORMATS
    from featurecat.tree import shown

    old, new = load_pair(catalog_path, base, head)
    for side, result in ((head or "the working tree", new), (base, old)):
        if result.catalog is None:
            for diagnostic in result.errors:
                click.echo(str(diagnostic), err=True)
            raise FeaturecatError(f"the catalog at {side} has no usable featurecat.yaml")
    assert old.catalog is not None and new.catalog is not None
    if not old.catalog.origins:
        click.echo(
            f"note: there is no catalog at {shown(old.catalog.root)} in {base}, so "
            "everything counts "
            "as added; if the folder moved, compare with --catalog at its old path",
            err=True,
        )
    if old.errors:
        click.echo(
            f"note: {plural(len(old.errors), 'file')} in the catalog at {base} "
            f"{'does' if len(old.errors) == 1 else 'do'} not parse; "
            "their objects count as added",
            err=True,
        )
    unreadable = {d.path for d in new.errors}
    report = assess(compare(old.catalog, new.catalog, unreadable), new.diagnostics)
    if check_data:
        from featurecat.contracts.drift import attach
        from featurecat.measure.drift import changed_data

        if head is not None:
            raise UsageError("--check-data compares the working tree's data; drop --head")
        attach(report, changed_data(new.catalog, base))
    output = FORMATS[fmt](report)
    # Values are escaped where the report shows them; this catches anything else from a
    # catalog or a ref name that could drive the terminal (JSON escapes its own).
    click.echo(output if fmt == "json" else printable_lines(output))
    sys.exit(1 if report.failed else 0)
