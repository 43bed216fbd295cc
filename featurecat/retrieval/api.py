"""The loader: ``load_features`` and ``get_feature``. Writes live in :mod:`.ingest`."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from featurecat.catalog import Catalog
from featurecat.errors import UnknownNameError, UsageError
from featurecat.retrieval import manifest as manifests
from featurecat.retrieval import tracking
from featurecat.retrieval.budget import held, resolve
from featurecat.retrieval.engine import get_engine
from featurecat.retrieval.request import Plan, plan, require_text, source_read

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    import pandas as pd

CatalogLike = str | os.PathLike[str] | Catalog | None


def open_catalog(catalog: CatalogLike) -> Catalog:
    """A loaded catalog: a path (or ``None``, to look for one as the CLI does) or a Catalog."""
    if isinstance(catalog, Catalog):
        return catalog
    if catalog is not None and not isinstance(catalog, str | os.PathLike):
        raise UsageError(
            f"catalog must be the path of a catalog folder or a featurecat.Catalog, "
            f"not {type(catalog).__name__}"
        )
    return Catalog.load(catalog)


def load_features(
    features: str | Iterable[str],
    entity_df: Any,
    catalog: CatalogLike = None,
    *,
    timestamp_column: str = "event_timestamp",
    engine: str | Any = "duckdb",
    output: str | None = None,
    manifest: str | os.PathLike[str] | None = None,
    model: str | None = None,
    snapshots: Mapping[str, Mapping[str, Any]] | None = None,
    mlflow: bool | None = None,
    memory_limit: str | int | None = None,
    spill_dir: str | os.PathLike[str] | None = None,
) -> Any:
    """Join feature values onto ``entity_df``, point-in-time.

    For each row and feature, the value comes from the latest source row with the same join
    keys whose timestamp is at or before the row's ``timestamp_column``, and no older than the
    feature's ttl; otherwise it is null. A row with a missing join key or time gets nulls
    (a join key missing in every row is an error). Source rows tied on keys and timestamp
    resolve to the last one in file order. Naive timestamps are read as UTC; aware ones are
    converted.

    The result keeps every row of ``entity_df`` in order, with its index and columns, and
    adds one column per feature, named after it, with its declared dtype (nullable ``Int64``,
    ``boolean`` and ``string`` in pandas, so missing values stay missing).

    ``entity_df`` may also be anything :func:`featurecat.export_features` reads (a parquet
    path, a Delta table, arrow data, a DuckDB relation): the result is then built from the
    streamed join, in entity order, with a fresh index.

    ``engine`` is ``"duckdb"`` (the default; pandas in, ``output`` = ``"pandas"``,
    ``"arrow"`` or ``"polars"`` out) or ``"spark"`` / a ``SparkSession`` (pandas or Spark
    DataFrame in; a Spark DataFrame out unless ``output="pandas"`` or ``"arrow"``).

    What the load used is attached as ``df.attrs["featurecat"]`` (pandas; arrow keeps it in
    the schema metadata) and, with ``manifest="path.json"``, written there for
    ``featurecat models status``. ``model`` names the model being trained, for that report;
    a feature the model does not declare gets an ``UndeclaredFeatureWarning`` naming the line
    of its YAML to add it at. With an active MLflow run, the manifest is logged as an
    artifact and each feature's version as a run parameter (``mlflow=False`` or
    ``FEATURECAT_MLFLOW=0`` turn that off). ``snapshots`` (a manifest's ``sources``) reads
    each source as it was then; see :func:`featurecat.reproduce`.

    On DuckDB the join keeps to ``memory_limit`` and spills to ``spill_dir`` as
    :func:`featurecat.export_features` does (else ``FEATURECAT_MEMORY_LIMIT``,
    ``loader:`` in featurecat.yaml, or half the machine's memory); when that is too little,
    the error says which setting to raise.
    """
    require_text(timestamp_column, "timestamp_column", "a column name (a string)")
    require_text(model, "model", "a model name (a string)", optional=True)
    require_text(output, "output", "'pandas', 'arrow' or 'polars' (a string)", optional=True)
    cat = open_catalog(catalog)
    if model is not None and model not in cat.models:
        raise UnknownNameError(model, cat.models, kind="model")
    if manifest is not None:
        manifest = manifests.target(manifest)
    limits = (memory_limit, spill_dir)
    if engine == "duckdb" and snapshots is None and not _is_pandas(entity_df):
        from featurecat.retrieval.export import load_rows

        budget = resolve(cat, *limits)
        result, record = load_rows(cat, features, entity_df, timestamp_column, output, budget)
        return _recorded(cat, result, record, model, manifest, mlflow)
    runner = get_engine(engine)
    request = plan(cat, features, runner.columns(entity_df), timestamp_column, snapshots)
    if model is not None:
        tracking.warn_undeclared(cat, model, (f.name for f in request.features))
    native = output or runner.outputs[0]
    track = tracking.wants_mlflow(mlflow)
    if manifest is None and native not in ("pandas", "arrow") and not track:
        return _retrieve(cat, runner, request, entity_df, output, limits)
    # Git state and data fingerprints are gathered while the engine joins.
    with ThreadPoolExecutor(max_workers=1) as pool:
        gathering = pool.submit(manifests.provenance, cat, request)
        result = _retrieve(cat, runner, request, entity_df, output, limits)
        found = gathering.result()
    rows, start, end = runner.summary(entity_df, timestamp_column)
    record = manifests.record(
        cat, request, found, engine=runner.name, rows=rows, window=(start, end), model=model
    )
    if manifest is not None:
        manifests.write(record, manifest)
    if track:
        tracking.log_to_mlflow(record)
    return _with_manifest(result, record)


def _retrieve(
    cat: Catalog,
    runner: Any,
    request: Plan,
    entity_df: Any,
    output: str | None,
    limits: tuple[Any, Any],
) -> Any:
    """The engine's join; DuckDB's held to the memory budget (Spark keeps to its own)."""
    if runner.name != "duckdb":
        return runner.retrieve(request, entity_df, output)
    with held(resolve(cat, *limits)):
        return runner.retrieve(request, entity_df, output)


def _recorded(
    cat: Catalog,
    result: Any,
    record: dict[str, Any],
    model: str | None,
    manifest: Path | None,
    mlflow: bool | None,
) -> Any:
    """A load made by the export path, with its manifest written, logged and attached."""
    record["model"] = model
    if model is not None:
        tracking.warn_undeclared(cat, model, record["features"])
    if manifest is not None:
        manifests.write(record, manifest)
    if tracking.wants_mlflow(mlflow):
        tracking.log_to_mlflow(record)
    return _with_manifest(result, record)


def get_feature(
    name: str,
    catalog: CatalogLike = None,
    *,
    as_of: datetime | date | str | None = None,
) -> pd.DataFrame:
    """The latest value of a feature for every entity in its source, as pandas.

    Columns: the join keys, the feature (with its declared dtype) and the source's timestamp
    column (when that value was recorded, UTC), one row per entity, sorted by the keys. With
    ``as_of`` (an ISO date or time string, a datetime or a pandas Timestamp), values are
    taken at that moment (naive means UTC), and the feature's ttl applies; without it, the
    latest row wins and the ttl is not applied.
    """
    from featurecat.data.types import pandas_dtype, to_pandas
    from featurecat.retrieval.duckdb_engine import DuckDBEngine

    require_text(name, "name", "a feature name (a string)")
    moment = None if as_of is None else _moment(as_of)
    cat = open_catalog(catalog)
    feature = cat.feature(name)
    read = source_read(cat, feature.source, [feature])
    table = DuckDBEngine().latest(read, moment)
    frame = to_pandas(table, {name: feature.dtype})
    return frame.astype({read.timestamp: pandas_dtype("timestamp")})


def _moment(as_of: object) -> datetime:
    """``as_of`` as an aware datetime; naive values are UTC, as in :func:`load_features`."""
    import numpy as np
    import pandas as pd

    stamp: Any = pd.NaT
    try:
        if isinstance(as_of, str):
            # ISO strings start with the year; pandas would also read "now" or "today", in
            # local time. Numbers are refused too: pandas reads them as nanoseconds.
            if as_of[:1].isdigit():
                stamp = pd.to_datetime(as_of, format="ISO8601")
        elif isinstance(as_of, date | np.datetime64):
            stamp = pd.Timestamp(as_of)
    except (ValueError, OverflowError):
        pass
    if pd.isna(stamp):
        raise UsageError(
            f"as_of={as_of!r} is not a date or time; pass an ISO date or time string such as "
            "'2025-01-31' or '2025-01-31T12:00:00Z', a datetime or a pandas Timestamp "
            "(naive values are UTC)"
        )
    stamp = (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).floor("us")
    utc: datetime = stamp.to_pydatetime()
    return utc


def _with_manifest(result: Any, record: dict[str, Any]) -> Any:
    import json

    if _is_pandas(result):
        result.attrs["featurecat"] = record
    elif _is_arrow(result):
        metadata = {**(result.schema.metadata or {}), b"featurecat": json.dumps(record).encode()}
        result = result.replace_schema_metadata(metadata)
    return result


def _is_pandas(value: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


def _is_arrow(value: Any) -> bool:
    pyarrow = sys.modules.get("pyarrow")
    return pyarrow is not None and isinstance(value, pyarrow.Table)
