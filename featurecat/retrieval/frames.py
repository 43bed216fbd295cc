"""Entity frames in, results out: the pandas and arrow plumbing every engine shares.

Engines see only what they need of ``entity_df``: its join keys, its timestamps normalised to
UTC microseconds (:data:`TS`) and its row number (:data:`ROW`). They hand back one arrow column
per feature, aligned with the entity rows (:func:`conform` gives them their declared types),
and :func:`featurecat.retrieval.outputs.attach` puts those next to the caller's frame, which
keeps its rows, order, index and columns.

Time zones: an aware timestamp is converted to UTC (the same instant, never shifted); a naive
one is taken to be UTC already, as the example catalog and most warehouses store them.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import TYPE_CHECKING, Any

from featurecat.data.types import arrow_type, pandas_kind
from featurecat.dtypes import TIMESTAMP_UNIT, ValueKind
from featurecat.errors import DataError, UsageError
from featurecat.retrieval.request import Plan

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

ROW = "__fc_row"
TS = "__fc_ts"


def pandas_columns(entity_df: Any) -> dict[str, ValueKind]:
    """The kind of values each column of a pandas ``entity_df`` holds."""
    import pandas as pd

    if not isinstance(entity_df, pd.DataFrame):
        raise UsageError(
            f"entity_df must be a pandas DataFrame, not {type(entity_df).__name__}; "
            "convert it first (polars: .to_pandas(), arrow: .to_pandas())"
        )
    if not entity_df.columns.is_unique:
        repeated = sorted({str(c) for c in entity_df.columns[entity_df.columns.duplicated()]})
        raise DataError(f"entity_df has more than one column named {', '.join(repeated)}")
    return {str(name): _kind(entity_df[name]) for name in entity_df.columns}


def _kind(column: pd.Series) -> ValueKind:
    kind = pandas_kind(column)
    # pandas_kind calls an object column of only None "string"; a message saying so would
    # mislead. Typed columns are left to entity_keys, which sees the join keys' nulls cheaply.
    if kind == "string" and column.dtype == object and len(column) and column.isna().all():
        return "null"
    return kind


def utc_timestamps(column: pd.Series) -> pa.Array:
    """A datetime column as UTC microsecond timestamps; naive values are read as UTC."""
    import pyarrow as pa

    # Truncating nanoseconds keeps every comparison with microsecond data exact.
    return pa.array(_utc(column)).cast(pa.timestamp(TIMESTAMP_UNIT, tz="UTC"), safe=False)


def _utc(column: pd.Series) -> pd.Series:
    utc: pd.Series = (
        column.dt.tz_localize("UTC") if column.dt.tz is None else column.dt.tz_convert("UTC")
    )
    return utc


def entity_keys(entity_df: pd.DataFrame, plan: Plan) -> pa.Table:
    """The join keys, UTC timestamps and row numbers of the entity rows, as arrow."""
    import numpy as np
    import pyarrow as pa

    columns: dict[str, pa.Array] = {}
    for key in plan.join_keys:
        try:
            array = pa.array(entity_df[key], from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise DataError(
                f"entity_df column '{key}' cannot be used as a join key: {exc}"
            ) from None
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if len(array) and array.null_count == len(array):
            # A typed column (Int64, float) says what the keys would be: the documented rule
            # holds (a missing key gets null values), but a whole column of them is worth a word.
            warnings.warn(
                f"join key '{key}' is missing in every row of entity_df, so every feature value "
                "is null; fill in the keys",
                stacklevel=4,
            )
        columns[key] = array
    columns[TS] = utc_timestamps(entity_df[plan.timestamp_column])
    columns[ROW] = pa.array(np.arange(len(entity_df), dtype=np.int64))
    return pa.table(columns)


def summary(entity_df: pd.DataFrame, column: str) -> tuple[int, datetime | None, datetime | None]:
    """How many entity rows there are, and their earliest and latest timestamps in UTC."""
    import pandas as pd

    stamps = _utc(entity_df[column])
    start, end = stamps.min(), stamps.max()
    return (
        len(entity_df),
        None if pd.isna(start) else start.to_pydatetime(),
        None if pd.isna(end) else end.to_pydatetime(),
    )


def conform(table: pa.Table, plan: Plan) -> pa.Table:
    """Feature columns in request order, each cast to its declared arrow type."""
    import pyarrow as pa

    return pa.table({f.name: table.column(f.name).cast(arrow_type(f.dtype)) for f in plan.features})
