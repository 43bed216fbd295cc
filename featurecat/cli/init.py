"""``featurecat init DIR``."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The catalog's name. Default: the folder's name.")
def init(directory: Path, name: str | None) -> None:
    """Create a small, valid catalog in DIRECTORY to start from."""
    from featurecat.scaffold import create_catalog

    written = create_catalog(directory, name)
    for path in written:
        click.echo(f"  created {path}")
    where = "this folder" if directory.absolute() == Path.cwd() else str(directory)
    click.echo(
        f"\nA new catalog is in {where}. Next:\n"
        f"  featurecat validate --catalog {directory}\n"
        f"  featurecat list --catalog {directory}"
    )
