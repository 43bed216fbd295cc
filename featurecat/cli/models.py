"""``featurecat models status``: which models were trained on features that have changed since."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from featurecat.cli.common import catalog_options, format_option, load
from featurecat.errors import DataError, UsageError
from featurecat.printable import plural, printable

if TYPE_CHECKING:
    from featurecat.retrieval.stale import StaleFeature


@click.group()
def models() -> None:
    """Models and the features they were trained on."""


@models.command()
@catalog_options
@click.option(
    "--manifest",
    "manifest_paths",
    multiple=True,
    metavar="FILE",
    help="A manifest written by load_features(..., manifest=FILE); repeat for several. "
    "Default: every manifests/*.json in the catalog folder.",
)
@format_option("text", "json")
def status(
    catalog_path: str | None, ref: str | None, manifest_paths: tuple[str, ...], fmt: str
) -> None:
    """Compare training manifests with the catalog and data today.

    For each manifest, prints what changed since the model was trained, one line per feature
    ("user_age v1 -> v2: retrain churn_model"): a new version, a changed definition, changed
    data, or a removed feature. Features the model was trained on but does not declare are
    named too, with the line of its YAML to add them at. The model is the manifest's
    `model` (load_features(..., model=NAME)), else the file's name. Exits 1 when a model
    should be retrained, 2 when a manifest cannot be read, else 0 (also when there are no
    manifests yet).
    """
    from featurecat.retrieval import manifest as manifests
    from featurecat.retrieval.stale import stale_features, undeclared_use
    from featurecat.tree import shown

    catalog = load(catalog_path, ref)
    paths = [Path(p) for p in manifest_paths]
    if not paths:
        folder = catalog.root / manifests.MANIFEST_DIR
        paths = sorted(folder.glob("*.json"))
        if not paths:
            click.echo(
                f"no manifests in {shown(folder)}, so no model to check; pass --manifest FILE, "
                "or write them there with load_features(..., model='churn_model', "
                "manifest='catalog/manifests/churn_model.json')",
                err=True,
            )
            sys.exit(0)
    reports = []
    for path in paths:
        try:
            data = manifests.read(path)
        except DataError as exc:  # exit 2: the check could not run, which is not "stale"
            raise UsageError(str(exc)) from None
        model = data.get("model") or path.stem
        changes = stale_features(data, catalog)
        reports.append((model, path, data, changes, undeclared_use(data, catalog)))
    if fmt == "json":
        click.echo(json.dumps([_as_json(*report) for report in reports], indent=2))
    else:
        for model, path, data, changes, undeclared in reports:
            click.echo(printable(_headline(model, shown(path), data, len(changes))))
            for change in changes:
                click.echo(printable(change.describe(model)))
            for advice in undeclared:
                click.echo(printable(f"warning: {advice}"))
    sys.exit(1 if any(report[3] for report in reports) else 0)


def _headline(model: str, path: str, data: dict[str, object], changed: int) -> str:
    catalog = data.get("catalog")
    commit = catalog.get("commit") if isinstance(catalog, dict) else None
    dirty = isinstance(catalog, dict) and catalog.get("dirty")
    trained = f"trained {data.get('created_at')}"
    if commit:
        trained += f" at commit {str(commit)[:7]}{' with uncommitted changes' if dirty else ''}"
    if not changed:
        return f"{model}: up to date ({path}, {trained})"
    return f"{model}: {plural(changed, 'feature')} changed since training ({path}, {trained})"


def _as_json(
    model: str,
    path: Path,
    data: dict[str, object],
    changes: list[StaleFeature],
    undeclared: list[str],
) -> dict[str, object]:
    return {
        "model": model,
        "manifest": str(path),
        "trained_at": data.get("created_at"),
        "stale": bool(changes),
        "changes": [
            {
                "feature": c.feature,
                "kind": c.kind,
                "detail": c.detail,
                "message": c.describe(model),
            }
            for c in changes
        ],
        "undeclared": undeclared,
    }
