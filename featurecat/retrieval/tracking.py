"""What a load tells beyond its values: features a model uses without declaring them, and the
MLflow run it belongs to.

``diff`` and ``models status`` learn who uses a feature from the models' YAML, so a model
trained on a feature it does not list is invisible to the feature's owners:
:func:`warn_undeclared` says which line to add it at. When MLflow is imported and a run is
active, :func:`log_to_mlflow` logs the load's manifest as an artifact and each feature's
version as a run parameter, so a model in the MLflow registry leads back to the catalog.
It is on by default; ``load_features(..., mlflow=False)`` or ``FEATURECAT_MLFLOW=0`` turn
it off.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from featurecat.catalog import Catalog
from featurecat.names import Kind

#: ``FEATURECAT_MLFLOW=0`` (or ``false``, ``no``, ``off``) turns MLflow logging off.
ENV = "FEATURECAT_MLFLOW"
ARTIFACT_DIR = "featurecat"
PARAM_PREFIX = "featurecat.feature."
_OFF = {"0", "false", "no", "off"}


class UndeclaredFeatureWarning(UserWarning):
    """A model was trained on a feature that its YAML does not list."""


def undeclared(catalog: Catalog, model: str, features: Iterable[str]) -> list[str]:
    """The ``features`` that model ``model`` does not list, in the order given."""
    declared = set(catalog.models[model].features)
    return [f for f in dict.fromkeys(features) if f not in declared]


def where_to_declare(catalog: Catalog, model: str) -> str:
    """``catalog/models/churn_model.yaml:4``: the model's ``features:`` line."""
    origin = catalog.origin(Kind.MODEL, model)
    return f"{origin.path}:{origin.line('features')}"


def declare_advice(catalog: Catalog, model: str, feature: str) -> str:
    """The sentence users read about one undeclared feature."""
    return (
        f"model '{model}' uses feature '{feature}' without declaring it; add it to "
        f"features: at {where_to_declare(catalog, model)}, so that its owners see your model "
        "before a breaking change"
    )


def warn_undeclared(catalog: Catalog, model: str, features: Iterable[str]) -> None:
    for feature in undeclared(catalog, model, features):
        warnings.warn(declare_advice(catalog, model, feature), UndeclaredFeatureWarning, 3)


def wants_mlflow(enabled: bool | None) -> bool:
    """Whether to log to MLflow: the argument when given, else the environment; and only
    when MLflow is already imported (no run can be active otherwise) with an active run."""
    if enabled is None:
        enabled = os.environ.get(ENV, "1").strip().lower() not in _OFF
    mlflow = sys.modules.get("mlflow")
    if not enabled or mlflow is None:
        return False
    try:
        return mlflow.active_run() is not None
    except Exception:  # a broken tracking setup must not break a load
        return False


def log_to_mlflow(record: Mapping[str, Any]) -> None:
    """Log the manifest and the features' versions to the active MLflow run.

    A load that cannot be logged (a parameter already logged with another value, a store
    that refuses) still returns its values, with a warning saying what was not logged.
    """
    import mlflow

    run = mlflow.active_run()
    if run is None:
        return
    features: Mapping[str, Any] = record.get("features", {})
    catalog: Mapping[str, Any] = record.get("catalog", {})
    params = {
        f"{PARAM_PREFIX}{name}": f"v{entry.get('version')}" for name, entry in features.items()
    }
    params["featurecat.catalog"] = str(catalog.get("name"))
    if catalog.get("commit"):
        params["featurecat.commit"] = str(catalog["commit"])
    name = f"{ARTIFACT_DIR}/manifest-{record.get('model') or 'load'}-{_count(run.info.run_id)}.json"
    try:
        mlflow.log_params(params)
        mlflow.log_dict(dict(record), name)
    except Exception as exc:
        warnings.warn(
            f"could not log the features to MLflow run {run.info.run_id}: {exc}; pass "
            f"mlflow=False (or set {ENV}=0) to stop trying",
            RuntimeWarning,
            3,
        )


_LOADS: dict[str, int] = {}


def _count(run_id: str) -> int:
    """1, 2, ... for successive loads in one run, so their manifests do not overwrite."""
    _LOADS[run_id] = _LOADS.get(run_id, 0) + 1
    return _LOADS[run_id]
