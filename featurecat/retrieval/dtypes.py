"""Declared dtypes in each library's terms, and the broad kinds used to compare columns.

A feature's values always come back with its declared dtype, nulls kept:

========== ============================ ============ ===========
dtype      pandas                       arrow        Spark
========== ============================ ============ ===========
int32      ``Int32`` (nullable)         int32        int
int64      ``Int64`` (nullable)         int64        bigint
float32    ``float32`` (null is NaN)    float32      float
float64    ``float64`` (null is NaN)    float64      double
bool       ``boolean`` (nullable)       bool         boolean
string     ``string`` (nullable)        string       string
timestamp  ``datetime64[us, UTC]``      timestamp    timestamp
========== ============================ ============ ===========
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

# What a column holds, coarsely: enough to tell whether two join keys can be compared.
from featurecat.datacheck import ValueKind as ValueKind
from featurecat.datacheck import arrow_kind as arrow_kind
from featurecat.datacheck import comparable as comparable
from featurecat.names import Dtype

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

DUCKDB_TYPES: dict[Dtype, str] = {
    "int32": "INTEGER",
    "int64": "BIGINT",
    "float32": "FLOAT",
    "float64": "DOUBLE",
    "bool": "BOOLEAN",
    "string": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
}
SPARK_TYPES: dict[Dtype, str] = {
    "int32": "int",
    "int64": "bigint",
    "float32": "float",
    "float64": "double",
    "bool": "boolean",
    "string": "string",
    "timestamp": "timestamp",
}
TIMESTAMP_UNIT = "us"
"""Timestamps are compared and returned at microsecond precision, in UTC."""


def arrow_type(dtype: Dtype) -> pa.DataType:
    import pyarrow as pa

    types: dict[Dtype, pa.DataType] = {
        "int32": pa.int32(),
        "int64": pa.int64(),
        "float32": pa.float32(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "string": pa.string(),
        "timestamp": pa.timestamp(TIMESTAMP_UNIT, tz="UTC"),
    }
    return types[dtype]


def pandas_dtype(dtype: Dtype) -> Any:
    """The pandas dtype a feature's column gets; integers and bools stay nullable."""
    import pandas as pd

    dtypes: dict[Dtype, Any] = {
        "int32": pd.Int32Dtype(),
        "int64": pd.Int64Dtype(),
        "float32": "float32",
        "float64": "float64",
        "bool": pd.BooleanDtype(),
        "string": pd.StringDtype(),
        "timestamp": pd.DatetimeTZDtype(unit="us", tz="UTC"),
    }
    return dtypes[dtype]


def to_pandas(table: pa.Table, dtypes: Mapping[str, Dtype]) -> pd.DataFrame:
    """An arrow table of feature columns as pandas, each column with its declared dtype.

    The table is consumed: its memory is released column by column as pandas takes over,
    and columns stay separate blocks, so no second copy of the result is ever made.
    """
    frame: pd.DataFrame = table.to_pandas(
        types_mapper=_nullable_types().get, split_blocks=True, self_destruct=True
    )
    wanted = {name: pandas_dtype(dtype) for name, dtype in dtypes.items()}
    changes = {name: dtype for name, dtype in wanted.items() if frame[name].dtype != dtype}
    return frame.astype(changes) if changes else frame


def _nullable_types() -> dict[pa.DataType, Any]:
    import pandas as pd
    import pyarrow as pa

    return {
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.string(): pd.StringDtype(),
        pa.large_string(): pd.StringDtype(),
    }


def pandas_kind(column: pd.Series) -> ValueKind:
    """The kind of values a pandas column holds; object columns are judged by their values."""
    import pandas as pd
    from pandas.api import types as pdt

    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return pandas_kind(pd.Series(dtype.categories))
    if pdt.is_bool_dtype(dtype):
        return "bool"
    if pdt.is_integer_dtype(dtype):
        return "integer"
    if pdt.is_float_dtype(dtype):
        return "float"
    if pdt.is_datetime64_any_dtype(dtype):
        return "timestamp"
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if pdt.is_object_dtype(dtype):
        inferred = pdt.infer_dtype(column, skipna=True)
        by_values: dict[str, ValueKind] = {
            "string": "string",
            "empty": "string",
            "integer": "integer",
            "floating": "float",
            "mixed-integer-float": "float",
            "boolean": "bool",
        }
        return by_values.get(inferred, "other")
    return "other"
