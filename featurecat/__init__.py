"""featurecat: a Git-backed, declarative feature catalog.

The public API is what SPEC.md promises, nothing more::

    cat = featurecat.Catalog.load("catalog")
    df = featurecat.load_features(["user_age"], entity_df=labels, catalog="catalog")

Everything heavy (pydantic models, pandas, DuckDB) is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from featurecat.errors import (
    CatalogError,
    CatalogNotFound,
    DataError,
    Diagnostic,
    FeaturecatError,
    UnknownFeatureError,
    UnknownNameError,
    UsageError,
)

if TYPE_CHECKING:
    from featurecat.catalog import Catalog
    from featurecat.notebook import search, show
    from featurecat.retrieval import get_feature, load_features, register_feature, update_feature
    from featurecat.retrieval.export import export_features
    from featurecat.retrieval.reproduce import reproduce

__version__ = "0.1.0"

# Loaded on first use, so that `import featurecat` (and the CLI's --help) stays light.
_LAZY = {
    "Catalog": "featurecat.catalog",
    "load_features": "featurecat.retrieval",
    "get_feature": "featurecat.retrieval",
    "register_feature": "featurecat.retrieval",
    "update_feature": "featurecat.retrieval",
    "reproduce": "featurecat.retrieval.reproduce",
    "export_features": "featurecat.retrieval.export",
    "search": "featurecat.notebook",
    "show": "featurecat.notebook",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'featurecat' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


# Every error a call can raise is here, so that it can be caught by its name.
__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogNotFound",
    "DataError",
    "Diagnostic",
    "FeaturecatError",
    "UnknownFeatureError",
    "UnknownNameError",
    "UsageError",
    "export_features",
    "get_feature",
    "load_features",
    "register_feature",
    "reproduce",
    "search",
    "show",
    "update_feature",
]
