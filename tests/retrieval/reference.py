"""The point-in-time join by brute force: the test oracle every engine is compared with.

It follows SPEC.md one entity row and one feature at a time, in plain Python, so that it is
easy to check by reading. It is far too slow for real data, so it lives with the tests.

The rules, as the engines implement them:

* the value comes from the latest source row with the same join keys whose timestamp is at or
  before the entity row's (inclusive);
* with a ttl, that row must not be older than the ttl (an age equal to the ttl still counts);
  otherwise the value is null, never an older row;
* among source rows with the same keys and timestamp, the last one in file order wins (files
  of a glob in sorted order, a table's files in commit order), so appended corrections
  replace what they correct;
* a null key or timestamp on either side matches nothing; naive timestamps are UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from featurecat.catalog import Catalog
from featurecat.data.files import data_files
from featurecat.data.types import pandas_dtype
from featurecat.dtypes import TIMESTAMP_UNIT
from featurecat.schema import Feature, Source


def load_features(
    catalog: Catalog,
    features: Iterable[str],
    entity_df: pd.DataFrame,
    timestamp_column: str = "event_timestamp",
) -> pd.DataFrame:
    """What ``featurecat.load_features`` must return, computed the slow, obvious way."""
    result = entity_df.copy()
    entity_rows = [{str(k): v for k, v in row.items()} for row in entity_df.to_dict("records")]
    histories: dict[str, dict[tuple[Any, ...], list[tuple[dt.datetime, Any]]]] = {}
    for name in features:
        feature = catalog.feature(name)
        source = catalog.source_of(feature)
        keys = catalog.entity_of(source).join_keys
        if source.name not in histories:
            histories[source.name] = _history(catalog, source, keys)
        history = histories[source.name]
        values: list[Any] = []
        for row in entity_rows:
            at = _utc(row[timestamp_column])
            key = tuple(row[k] for k in keys)
            if at is None or any(_missing(k) for k in key):
                values.append(None)  # a null key or time matches nothing
            else:
                values.append(_value_at(feature, history.get(key, []), at))
        result[name] = _column(values, feature)
    return result


def _value_at(feature: Feature, rows: list[tuple[dt.datetime, Any]], at: dt.datetime) -> Any:
    """The value of the latest row at or before ``at`` (rows in file order), or None."""
    best: tuple[dt.datetime, Any] | None = None
    for time, row in rows:
        if time <= at and (best is None or time >= best[0]):  # ">=": later rows win ties
            best = (time, row)
    if best is None:
        return None
    time, row = best
    if feature.max_age is not None and at - time > feature.max_age:
        return None
    return row[feature.column_name]


def _history(
    catalog: Catalog, source: Source, keys: list[str]
) -> dict[tuple[Any, ...], list[tuple[dt.datetime, Any]]]:
    """Each key's rows with a timestamp, in file order (files of a glob in sorted order)."""
    history: dict[tuple[Any, ...], list[tuple[dt.datetime, Any]]] = {}
    for table in _tables(catalog, source):
        for row in table.to_pylist():
            time = _utc(row[source.timestamp])
            key = tuple(row[k] for k in keys)
            if time is not None and not any(_missing(k) for k in key):
                history.setdefault(key, []).append((time, row))
    return history


#: How the oracle reads each file format, plainly; a format it does not know fails, never
#: read as another one.
_READ: dict[str, Callable[[Any], Any]] = {"parquet": pq.read_table, "csv": pacsv.read_csv}


def _tables(catalog: Catalog, source: Source) -> Iterator[Any]:
    """The source's data, file by file in order: a glob's files sorted, a table's files in
    commit order (oldest first), objects on S3 sorted by key."""
    if source.format == "iceberg":
        yield from _iceberg_files(catalog, source)
        return
    path = str(source.path)
    remote = "://" in path
    fs = _s3(catalog) if remote else None
    if source.format == "delta":
        from deltalake import DeltaTable

        options = _delta_options(catalog) if remote else {}
        uri = path if remote else str(catalog.data_path(source))
        table = DeltaTable(uri, storage_options=options)
        actions = sorted(
            pa.table(table.get_add_actions(flatten=True)).to_pylist(),
            key=lambda a: (a["modification_time"], a["path"]),
        )
        for action in actions:
            file = f"{uri}/{action['path']}"
            yield pq.read_table(fs.open(file[5:]) if fs else file)
        return
    if fs is not None:
        for key in sorted(fs.glob(path[5:])):
            with fs.open(key) as handle:
                yield _READ[source.format](handle)
        return
    for file in data_files(catalog.data_path(source)):
        yield _READ[source.format](file)


def _iceberg_files(catalog: Catalog, source: Source) -> Iterator[Any]:
    from pyiceberg.catalog import load_catalog

    declared = catalog.project.iceberg_catalogs[str(source.iceberg_catalog)]
    lake = next(iter(catalog.project.locations.values()))
    ice = load_catalog(
        str(source.iceberg_catalog),
        type="sql",
        uri=f"sqlite:///{catalog.root / str(declared.uri).removeprefix('sqlite:///')}",
        warehouse=str(declared.warehouse),
        **{"s3.endpoint": str(lake.endpoint), "s3.region": "us-east-1"},
    )
    table = ice.load_table(str(source.table))
    tasks = list(table.scan().plan_files())
    fs = _s3(catalog)
    for task in reversed(tasks):  # planned newest commit first
        with fs.open(task.file.file_path[5:]) as handle:
            yield pq.read_table(handle)


def _s3(catalog: Catalog) -> Any:
    import s3fs

    lake = next(iter(catalog.project.locations.values()))
    return s3fs.S3FileSystem(endpoint_url=lake.endpoint, skip_instance_cache=True)


def _delta_options(catalog: Catalog) -> dict[str, str]:
    lake = next(iter(catalog.project.locations.values()))
    return {"AWS_ENDPOINT_URL": str(lake.endpoint), "AWS_ALLOW_HTTP": "true"}


def _utc(value: Any) -> dt.datetime | None:
    if _missing(value):
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.floor(TIMESTAMP_UNIT).to_pydatetime()


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (str, bytes)) and bool(pd.isna(value)))


def _column(values: list[Any], feature: Feature) -> Any:
    if feature.dtype == "timestamp":
        values = [_utc(v) for v in values]
    return pd.array(values, dtype=pandas_dtype(feature.dtype))
