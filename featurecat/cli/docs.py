"""``featurecat docs build`` and ``featurecat docs serve``: the discovery portal."""

from __future__ import annotations

from pathlib import Path

import click

from featurecat.cli.common import catalog_option, catalog_options, load
from featurecat.printable import plural, printable


@click.group()
def docs() -> None:
    """Build or serve the discovery portal: a MkDocs site with a page per feature."""


@docs.command()
@catalog_options
@click.option(
    "--out",
    default="_site",
    show_default=True,
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the static site. A previous build there is replaced in one step.",
)
@click.option("--strict", is_flag=True, help="Fail on broken internal links and other warnings.")
@click.option(
    "--offline",
    is_flag=True,
    help="A site to open from disk (file://) without a web server: links name index.html.",
)
def build(
    catalog_path: str | None, ref: str | None, out: Path, strict: bool, offline: bool
) -> None:
    """Generate the portal and build it into static HTML.

    Only the pages whose inputs changed since the last build are rendered again.
    """
    from featurecat.portal.build import build_portal
    from featurecat.tree import shown

    catalog = load(catalog_path, ref)
    click.echo(
        f"Building the portal of '{catalog.project.name}': "
        f"{plural(len(catalog.features), 'feature')}, {plural(len(catalog.sources), 'source')}, "
        f"{plural(len(catalog.models), 'model')}"
    )
    report = build_portal(catalog, out, strict=strict, offline=offline, progress=_phase)
    for note in report.project.notes:
        click.echo(f"  note: {printable(note)}")
    for warning in report.warnings:
        click.echo(f"warning: {printable(warning)}", err=True)
    total = sum(report.seconds.values())
    where = shown(report.out, whole_outside=True)
    how = (
        f"Open {where}/index.html in a browser"
        if offline
        else "Serve it with any web server, or run 'featurecat docs serve' (--offline builds a "
        "site that opens from disk)"
    )
    click.echo(f"Portal built in {where} ({total:.1f}s). {how}.")


def _phase(name: str, detail: str, seconds: float) -> None:
    click.echo(f"  {name:<8} {detail:<58} {seconds:6.2f}s")


@docs.command()
@catalog_option
@click.option(
    "--dev-addr",
    default="127.0.0.1:8000",
    show_default=True,
    metavar="HOST:PORT",
    help="Where to serve the site.",
)
@click.option(
    "--dirty",
    is_flag=True,
    hidden=True,
    help="Ignored: kept so that older scripts keep working (every rebuild is incremental).",
)
def serve(catalog_path: str | None, dev_addr: str, dirty: bool) -> None:
    """Serve the portal on localhost, rebuilding it when the catalog changes.

    One save is one rebuild, in the background: the previous site is served until the new
    one is complete, then open pages reload. Only requests addressed to this server's own
    name (localhost, 127.0.0.1, [::1] or --dev-addr's host) are answered.
    """
    from featurecat.portal.serve import serve_portal

    if dirty:
        click.echo(
            "note: --dirty is no longer needed and is ignored: only changed pages are "
            "regenerated, and the previous site is served while the next one builds",
            err=True,
        )
    serve_portal(load(catalog_path, None), dev_addr=dev_addr, echo=click.echo)
