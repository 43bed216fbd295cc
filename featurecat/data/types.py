"""Dtypes and kinds of values in arrow and pandas terms, read from :mod:`featurecat.dtypes`.

A feature's values always come back with its declared dtype, nulls kept: integers, bools and
strings as pandas' nullable dtypes, floats with NaN, timestamps in UTC at microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from featurecat.dtypes import DTYPE_SPECS, Dtype, ValueKind, dtype_spec

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


def arrow_type(dtype: Dtype) -> pa.DataType:
    """The arrow type a feature's values are returned with."""
    import pyarrow as pa

    made: pa.DataType = dtype_spec(dtype).arrow(pa)
    return made


def pandas_dtype(dtype: Dtype) -> Any:
    """The pandas dtype a feature's column gets; integers and bools stay nullable."""
    import pandas as pd

    return dtype_spec(dtype).pandas(pd)


def compatible(dtype: Dtype, arrow_type: pa.DataType) -> bool:
    """Whether stored values of ``arrow_type`` can be read as the declared ``dtype`` without
    loss. An unknown dtype is an error, never checked as some other one."""
    import pyarrow as pa

    spec = dtype_spec(dtype)
    kind = arrow_kind(arrow_type)
    if kind not in spec.reads:
        return False
    if kind == "integer":
        t = arrow_type.value_type if pa.types.is_dictionary(arrow_type) else arrow_type
        return spec.reads_integer(t.bit_width, pa.types.is_signed_integer(t))
    return True


def arrow_kind(t: pa.DataType) -> ValueKind:
    """The kind of values an arrow type holds, as join keys are matched by it."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    checks: list[tuple[Any, ValueKind]] = [
        (pa.types.is_integer, "integer"),
        (pa.types.is_floating, "float"),
        (pa.types.is_decimal, "float"),
        (pa.types.is_boolean, "bool"),
        (pa.types.is_string, "string"),
        (pa.types.is_large_string, "string"),
        (pa.types.is_string_view, "string"),
        (pa.types.is_timestamp, "timestamp"),
        (pa.types.is_date, "date"),
    ]
    return next((kind for check, kind in checks if check(t)), "other")


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
    """Arrow types converted straight to the nullable pandas dtype of their dtype."""
    import pandas as pd
    import pyarrow as pa

    found = {s.arrow(pa): s.pandas(pd) for s in DTYPE_SPECS.values() if s.nullable}
    # Text arrives in arrow's other layout too (large strings, from DuckDB and parquet).
    found[pa.large_string()] = dtype_spec("string").pandas(pd)
    return found
