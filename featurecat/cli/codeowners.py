"""``featurecat codeowners``: CODEOWNERS rules from the catalog's owners."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from featurecat.cli.common import catalog_options, load
from featurecat.printable import printable


@click.command()
@catalog_options
@click.option(
    "--consumers",
    is_flag=True,
    help="A feature's file also needs review from the owners of the models that use it.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the file is out of date.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The CODEOWNERS file. Default: .github/CODEOWNERS at the repository's top.",
)
def codeowners(
    catalog_path: str | None, ref: str | None, consumers: bool, check: bool, out: Path | None
) -> None:
    """Write CODEOWNERS rules so each definition is reviewed by the team that owns it.

    Owners are the teams' `github` handles. The rules go between two marker lines; the
    rest of the file is kept. Use --check in CI to fail when the committed file is stale.
    """
    from featurecat.codeowners import merge, render, rules
    from featurecat.tree import catalog_dir, repo_top
    from featurecat.writes import replace_atomically

    catalog = load(catalog_path, ref)
    top = repo_top(catalog.root)
    target = out or top / ".github" / "CODEOWNERS"
    found, warnings = rules(catalog, catalog_dir(catalog.root, top), consumers)
    for warning in warnings:
        click.echo(f"warning: {printable(warning)}", err=True)
    existing = target.read_text(encoding="utf-8") if target.is_file() else None
    text = merge(existing, render(found))
    if text == existing:
        click.echo(f"{target} is up to date ({len(found)} rules)")
        return
    if check:
        command = "featurecat codeowners" + (" --consumers" if consumers else "")
        click.echo(f"{target} is out of date; run '{command}' and commit the result:", err=True)
        diff = difflib.unified_diff(
            (existing or "").splitlines(keepends=True),
            text.splitlines(keepends=True),
            str(target),
            f"{target} (expected)",
        )
        click.echo("".join(diff), err=True, nl=False)
        sys.exit(1)
    replace_atomically(target, text.encode())
    click.echo(f"wrote {target} ({len(found)} rules)")
