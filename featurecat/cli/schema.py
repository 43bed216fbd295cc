"""``featurecat schema``: the JSON Schema of each kind, for editors and other tools."""

from __future__ import annotations

import json
from pathlib import Path

import click

from featurecat.names import Kind

_KINDS = [k.value for k in Kind]


@click.command()
@click.argument("kind", type=click.Choice(_KINDS), required=False)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one <kind>.schema.json per kind into this folder.",
)
def schema(kind: str | None, out: Path | None) -> None:
    """Print the JSON Schema of KIND (or of every kind), or write them to --out.

    Point yaml-language-server at them to get completion and checks as you type:
    `# yaml-language-server: $schema=path/to/feature.schema.json`.
    """
    from featurecat.scaffold import write_schemas
    from featurecat.schema import json_schema

    kinds = [Kind(kind)] if kind else list(Kind)
    if out is not None:
        for path in write_schemas(out, kinds):
            click.echo(f"wrote {path}")
        return
    document = json_schema(kinds[0]) if kind else {k.value: json_schema(k) for k in kinds}
    click.echo(json.dumps(document, indent=2))
