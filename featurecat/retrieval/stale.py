"""Which features of a training manifest have changed since, for ``featurecat models status``.

A version bump, a changed definition, changed data or a removed feature each mean the model
should be retrained. Field changes are told as the diff report tells them
(:func:`featurecat.changes.describe_change`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from featurecat.catalog import Catalog
from featurecat.changes import FieldChange, describe_change
from featurecat.data import locate
from featurecat.errors import DataError
from featurecat.retrieval.manifest import definition

StaleKind = Literal["removed", "version", "definition", "data"]


@dataclass(frozen=True)
class StaleFeature:
    """One reason to retrain: what changed for ``feature`` since the manifest was written."""

    feature: str
    kind: StaleKind
    detail: str

    def describe(self, model: str) -> str:
        """The line users read, such as ``user_age v1 -> v2: retrain churn_model``."""
        if self.kind == "removed":
            return f"{self.feature} was removed from the catalog: retrain {model} without it"
        return f"{self.feature} {self.detail}: retrain {model}"


def stale_features(manifest: Mapping[str, Any], catalog: Catalog) -> list[StaleFeature]:
    """What changed, feature by feature, between a manifest and the catalog and data today."""
    found: list[StaleFeature] = []
    data_changed = _changed_sources(manifest, catalog)
    for name, entry in sorted(manifest["features"].items()):
        feature = catalog.features.get(name)
        if feature is None:
            found.append(StaleFeature(name, "removed", "removed"))
            continue
        if feature.version != entry.get("version"):
            detail = f"v{entry.get('version')} -> v{feature.version}"
            found.append(StaleFeature(name, "version", detail))
            continue
        old = entry.get("fields") or {}
        new = definition(catalog, feature)
        fields = [FieldChange(k, old.get(k), v) for k, v in new.items() if old.get(k) != v]
        if fields:
            what = ", ".join(describe_change(f.field, f.old, f.new) for f in fields)
            found.append(StaleFeature(name, "definition", f"v{feature.version} changed ({what})"))
        elif entry.get("source") in data_changed:
            detail = data_changed[entry["source"]]
            found.append(StaleFeature(name, "data", f"data changed ({detail})"))
    return found


def undeclared_use(manifest: Mapping[str, Any], catalog: Catalog) -> list[str]:
    """What to tell about the manifest's features that its model does not declare: one
    sentence each, naming the line of the model's YAML to add it at."""
    from featurecat.retrieval.tracking import declare_advice, undeclared

    model = manifest.get("model")
    if not isinstance(model, str) or model not in catalog.models:
        return []
    used = [name for name in manifest["features"] if name in catalog.features]
    return [declare_advice(catalog, model, name) for name in undeclared(catalog, model, used)]


def _changed_sources(manifest: Mapping[str, Any], catalog: Catalog) -> dict[str, str]:
    from featurecat.tree import repo_top

    top = repo_top(catalog.root)
    changed = {}
    for name, entry in manifest["sources"].items():
        if name not in catalog.sources:
            continue  # its features are reported as changed definitions
        try:
            now = locate(catalog, name).snapshot(top)["fingerprint"]
        except DataError:
            changed[name] = f"source {name} has no data now"
            continue
        except OSError as exc:  # unreadable now (permissions, a file gone mid-read)
            changed[name] = f"source {name} cannot be read now: {exc.strerror or exc}"
            continue
        if now != entry.get("fingerprint"):
            changed[name] = f"source {name}"
    return changed
