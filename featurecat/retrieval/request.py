"""A retrieval request, checked and planned before any engine runs.

:func:`plan` turns feature names and the entity frame's columns into a :class:`Plan`: one
:class:`SourceRead` per source (its files, join keys, timestamp column and the feature columns
it provides, with dtype and ttl). Everything a user can get wrong is caught here, with a message
that says what to do, so engines never fail on bad input with their own tracebacks.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.catalog import Catalog
from featurecat.data import SourceData, locate
from featurecat.data.types import arrow_kind
from featurecat.datacheck import check_schema
from featurecat.dtypes import Dtype, ValueKind, comparable
from featurecat.errors import DataError, UnknownFeatureError, UsageError, did_you_mean
from featurecat.schema import Feature, Source

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class FeatureColumn:
    """One requested feature: the source column it reads, its dtype and its ttl."""

    name: str
    column: str
    dtype: Dtype
    ttl: timedelta | None


@dataclass(frozen=True)
class SourceRead:
    """One source to join, and the requested features it provides."""

    data: SourceData
    schema: pa.Schema
    join_keys: tuple[str, ...]
    features: tuple[FeatureColumn, ...]

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def source(self) -> Source:
        return self.data.source

    @property
    def files(self) -> tuple[Path, ...]:
        return self.data.files

    @property
    def timestamp(self) -> str:
        return self.source.timestamp

    @property
    def format(self) -> str:
        return self.source.format


@dataclass(frozen=True)
class Plan:
    """What to join: sources in order of first request, features in the order requested."""

    features: tuple[FeatureColumn, ...]
    sources: tuple[SourceRead, ...]
    timestamp_column: str

    @property
    def join_keys(self) -> tuple[str, ...]:
        """Every join key any source needs, in order of first use."""
        return tuple(dict.fromkeys(k for s in self.sources for k in s.join_keys))

    @property
    def dtypes(self) -> dict[str, Dtype]:
        return {f.name: f.dtype for f in self.features}


def require_text(value: object, argument: str, meaning: str, optional: bool = False) -> None:
    """Refuse an argument that should be a string: other types are never coerced silently."""
    if isinstance(value, str) or (optional and value is None):
        return
    raise UsageError(f"{argument} must be {meaning}, not {type(value).__name__}")


def feature_names(features: str | Iterable[str]) -> list[str]:
    """The requested names as a list; one name may be passed as a plain string."""
    if isinstance(features, str):
        names = [features]
    elif isinstance(features, Iterable) and not isinstance(features, bytes | Mapping):
        names = list(features)
    else:
        raise UsageError(
            "features must be a feature name or a list of them, such as ['user_age'], "
            f"not {type(features).__name__}"
        )
    if not names:
        raise UsageError("no features requested; pass at least one feature name")
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            raise UsageError(f"feature names must be strings, not {type(name).__name__}")
        if name in seen:
            raise UsageError(f"feature '{name}' is requested twice; list each feature once")
        seen.add(name)
    return names


def plan(
    catalog: Catalog,
    features: str | Iterable[str],
    columns: Mapping[str, ValueKind],
    timestamp_column: str,
    snapshots: Mapping[str, Mapping[str, Any]] | None = None,
) -> Plan:
    """Check a request against the catalog, its data and the entity frame's ``columns``;
    with ``snapshots`` (a manifest's sources), each source is read as it was then."""
    names = feature_names(features)
    unknown = [name for name in names if name not in catalog.features]
    if unknown:
        raise UnknownFeatureError(unknown[0], catalog.features, also=unknown[1:])
    resolved = [catalog.features[name] for name in names]
    _warn_deprecated(resolved)
    _check_timestamp(columns, timestamp_column)
    clashes = [f.name for f in resolved if f.name in columns]
    if clashes:
        raise DataError(
            f"entity_df already has a column named {_names(clashes)}; the result adds one "
            "column per feature, named after it, so rename or drop that column first"
        )
    by_source: dict[str, list[Feature]] = {}
    for feature in resolved:
        by_source.setdefault(feature.source, []).append(feature)
    _check_join_keys(catalog, by_source, columns)
    at = snapshots or {}
    reads = tuple(
        source_read(catalog, name, group, columns, at.get(name))
        for name, group in by_source.items()
    )
    return Plan(
        features=tuple(_column(f) for f in resolved),
        sources=reads,
        timestamp_column=timestamp_column,
    )


def _column(feature: Feature) -> FeatureColumn:
    return FeatureColumn(feature.name, feature.column_name, feature.dtype, feature.max_age)


def _warn_deprecated(features: Sequence[Feature]) -> None:
    for feature in features:
        if feature.status == "deprecated":
            instead = f"; use '{feature.replaced_by}'" if feature.replaced_by else ""
            warnings.warn(
                f"feature '{feature.name}' is deprecated{instead}", FutureWarning, stacklevel=4
            )


def _check_timestamp(columns: Mapping[str, ValueKind], name: str) -> None:
    if name not in columns:
        raise DataError(
            f"entity_df has no timestamp column '{name}'{did_you_mean(name, columns)}; its "
            f"columns are: {_listing(columns)}. Add the time of each row, or pass "
            "timestamp_column='...'"
        )
    if columns[name] == "null":
        raise DataError(
            f"timestamp column '{name}' is missing in every row of entity_df, so no feature "
            "value can be found; fill in the time of each row (a row without one gets null "
            "feature values)"
        )
    if columns[name] != "timestamp":
        raise DataError(
            f"entity_df column '{name}' holds {columns[name]} values, not timestamps; convert "
            f"it first, for example with pd.to_datetime(entity_df['{name}'], utc=True)"
        )


def _check_join_keys(
    catalog: Catalog, by_source: Mapping[str, list[Feature]], columns: Mapping[str, ValueKind]
) -> None:
    missing: dict[str, list[str]] = {}
    for name, group in by_source.items():
        entity = catalog.entity_of(catalog.sources[name])
        for key in entity.join_keys:
            if key not in columns:
                users = missing.setdefault(f"'{key}' (join key of entity '{entity.name}'", [])
                users.extend(f.name for f in group)
    if missing:
        needs = "; ".join(f"{key}, needed by {', '.join(users)})" for key, users in missing.items())
        raise DataError(
            f"entity_df is missing {'a join key' if len(missing) == 1 else 'join keys'}: "
            f"{needs}. Its columns are: {_listing(columns)}"
        )


def source_read(
    catalog: Catalog,
    name: str,
    features: Sequence[Feature],
    columns: Mapping[str, ValueKind] | None = None,
    at: Mapping[str, Any] | None = None,
) -> SourceRead:
    """How to read ``features`` from source ``name`` (as it was at the manifest record
    ``at``, when given): its data exists and fits the catalog, and its join keys can be
    matched with the entity frame's ``columns`` (when given)."""
    data = locate(catalog, name, at)
    schema = data.schema()
    problems = list(check_schema(catalog, name, schema, features))
    if problems:
        raise DataError(diagnostics=problems)
    keys = tuple(catalog.entity_of(data.source).join_keys)
    if columns is not None:
        _check_key_kinds(name, keys, schema, columns)
    return SourceRead(
        data=data,
        schema=schema,
        join_keys=keys,
        features=tuple(_column(f) for f in features),
    )


def _check_key_kinds(
    name: str, keys: Iterable[str], schema: pa.Schema, columns: Mapping[str, ValueKind]
) -> None:
    for key in keys:
        if columns[key] == "null":
            raise missing_key(key)
        theirs = arrow_kind(schema.field(key).type)
        if not comparable(columns[key], theirs):
            raise DataError(
                f"join key '{key}' holds {columns[key]} values in entity_df but {theirs} values "
                f"in source '{name}'; convert the entity_df column to match"
            )


def missing_key(key: str) -> DataError:
    """The error for an entity frame whose join key column holds no value at all."""
    return DataError(
        f"join key '{key}' is missing in every row of entity_df, so no feature value can be "
        "found; fill in the keys (a row with a missing key gets null feature values)"
    )


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _listing(columns: Iterable[str]) -> str:
    listed = list(columns)
    return ", ".join(listed) if listed else "(none)"
