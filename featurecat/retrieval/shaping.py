"""Data shaping for the writes: new rows checked against the declared dtypes and join keys,
and turned into arrow tables that fit the existing data (which :mod:`featurecat.data` reads
and writes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from featurecat.data.types import arrow_type, pandas_kind
from featurecat.dtypes import DTYPES, Dtype, dtype_spec, inferred
from featurecat.errors import DataError, UsageError
from featurecat.retrieval.frames import utc_timestamps

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


def infer_dtype(column: pd.Series, name: str) -> Dtype:
    """The dtype to declare for a pandas column of values."""
    dtype = inferred(pandas_kind(column), str(column.dtype))
    if dtype is None:
        raise DataError(
            f"cannot tell the dtype of column '{name}' ({column.dtype}); pass dtype= "
            f"(one of {', '.join(DTYPES)})"
        )
    return dtype


def source_table(
    data: pd.DataFrame,
    keys: Iterable[str],
    timestamp_column: str,
    values: Iterable[tuple[str, str, Dtype]],
    ts_name: str | None = None,
) -> pa.Table:
    """Rows to write: join keys, UTC timestamps, and each ``(data column, column, dtype)``."""
    import pyarrow as pa

    values = list(values)
    needed = [*keys, timestamp_column, *(v[0] for v in values)]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise DataError(
            f"the data has no column {', '.join(repr(c) for c in missing)}; it needs the join "
            f"keys, '{timestamp_column}' and the feature values. Its columns are: "
            f"{', '.join(map(str, data.columns))}"
        )
    columns: dict[str, pa.Array] = {}
    for key in keys:
        if data[key].isna().any():
            raise DataError(f"join key '{key}' has missing values; every row needs its keys")
        columns[key] = pa.array(data[key], from_pandas=True)
    stamps = data[timestamp_column]
    kind = pandas_kind(stamps)
    if kind != "timestamp":
        # The kind, not pandas' dtype name, which differs between pandas versions (str, object).
        raise DataError(
            f"column '{timestamp_column}' holds {kind} values, not timestamps; convert "
            f"it with pd.to_datetime(..., utc=True)"
        )
    if stamps.isna().any():
        raise DataError(f"column '{timestamp_column}' has missing timestamps; every row needs one")
    columns[ts_name or timestamp_column] = utc_timestamps(stamps)
    for data_column, column, dtype in values:
        columns[column] = _typed(data[data_column], data_column, dtype)
    return pa.table(columns)


def _typed(values: pd.Series, name: str, dtype: Dtype) -> pa.Array:
    import pyarrow as pa

    kind = pandas_kind(values)
    if values.notna().any() and kind not in dtype_spec(dtype).fits:
        raise DataError(f"column '{name}' holds {kind} values, which do not fit dtype {dtype}")
    if dtype == "timestamp":
        return utc_timestamps(values)
    try:
        return pa.array(values, from_pandas=True).cast(arrow_type(dtype))
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise DataError(f"column '{name}' does not fit dtype {dtype}: {exc}") from None


def fit_to_schema(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """New rows in the existing file's column order and types; unused columns stay null."""
    import pyarrow as pa

    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        try:
            columns.append(table.column(field.name).cast(field.type))
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise DataError(
                f"column '{field.name}' does not fit the data file's type {field.type}: {exc}"
            ) from None
    return pa.Table.from_arrays(columns, schema=schema)


def carry_forward(existing: pa.Table, fresh: pa.Table, keys: list[str], ts: str) -> pa.Table:
    """``fresh`` plus every column it lacks, filled with the latest value at or before each
    row's timestamp for the same keys (the last row in file order among ties), else null."""
    from featurecat.data.duck import connect, to_arrow
    from featurecat.data.duck import quote as q

    carried = [c for c in existing.column_names if c not in fresh.column_names]
    if not carried:
        return fresh
    on = " AND ".join(f"n.{q(k)} = o.{q(k)}" for k in keys)
    # Identifiers are quoted; no value enters the SQL text.
    sql = f"""
        WITH last AS (
            SELECT * EXCLUDE (__pos) FROM (SELECT *, row_number() OVER () AS __pos FROM old)
            QUALIFY row_number() OVER (PARTITION BY {", ".join(map(q, keys))}, {q(ts)}
                                       ORDER BY __pos DESC) = 1)
        SELECT {", ".join(f"o.{q(c)}" for c in carried)}
        FROM (SELECT *, row_number() OVER () AS __row FROM new) n
        ASOF LEFT JOIN last o ON {on} AND n.{q(ts)} >= o.{q(ts)}
        ORDER BY n.__row"""  # noqa: S608
    with connect() as con:
        con.register("old", existing)
        con.register("new", fresh.select([*keys, ts]))
        filled = to_arrow(con.sql(sql))
    for column in carried:
        fresh = fresh.append_column(column, filled.column(column))
    return fresh


def require_frame(data: Any, what: str) -> None:
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise UsageError(f"{what} must be a pandas DataFrame, not {type(data).__name__}")
