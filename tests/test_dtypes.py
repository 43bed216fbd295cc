"""The dtype table: every dtype the schema allows has a complete row, and arrow, pandas and
DuckDB agree with it. A dtype added to the ``Dtype`` names but not to the table, or with a
column missing or wrong, fails here; every engine then loads it in
``tests/retrieval/test_conformance.py``."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, get_args

import pandas as pd
import pyarrow as pa
import pytest

from featurecat import names
from featurecat.data.duck import connect, to_arrow
from featurecat.data.types import (
    arrow_kind,
    arrow_type,
    compatible,
    pandas_dtype,
    pandas_kind,
    to_pandas,
)
from featurecat.dtypes import DTYPE_SPECS, DTYPES, Dtype, ValueKind, default_for, dtype_spec
from featurecat.retrieval.shaping import infer_dtype
from featurecat.schema import Feature

#: One value of each dtype, as pandas holds it.
SAMPLES: dict[str, Any] = {
    "int32": -7,
    "int64": 9_007_199_254_740_993,
    "float32": 1.5,
    "float64": 1e300,
    "bool": True,
    "string": "a",
    "timestamp": pd.Timestamp("2025-01-31 12:00:00.000001", tz="UTC"),
}


def test_the_names_and_the_table_agree() -> None:
    assert tuple(DTYPE_SPECS) == get_args(Dtype) == DTYPES == names.DTYPES
    assert [spec.name for spec in DTYPE_SPECS.values()] == list(DTYPES)
    assert set(SAMPLES) == set(DTYPES), "a sample value for every dtype"
    schema = Feature.model_json_schema()
    assert tuple(schema["properties"]["dtype"]["enum"]) == DTYPES


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_row_is_complete(dtype: Dtype) -> None:
    spec = dtype_spec(dtype)
    for column in fields(spec):
        value = getattr(spec, column.name)
        if column.name not in ("int_bits", "narrow_from"):  # optional refinements
            assert value not in (None, "", frozenset()), f"{dtype} has no {column.name}"
    kinds = set(get_args(ValueKind))
    assert spec.kind in kinds and spec.reads <= kinds and spec.fits <= kinds
    assert spec.kind in spec.reads and spec.kind in spec.fits


@pytest.mark.parametrize("dtype", DTYPES)
def test_arrow_pandas_and_duckdb_agree_with_the_row(dtype: Dtype) -> None:
    spec = dtype_spec(dtype)
    arrow = arrow_type(dtype)
    assert isinstance(arrow, pa.DataType) and arrow_kind(arrow) == spec.kind
    assert compatible(dtype, arrow), "a dtype reads its own arrow type"
    with connect() as con:
        duck = to_arrow(con.sql(f"SELECT CAST(NULL AS {spec.duckdb}) AS v"))
    assert duck.schema.field("v").type == arrow
    column = pd.Series([SAMPLES[dtype], None], dtype=pandas_dtype(dtype))
    assert pandas_kind(column) == spec.kind
    back = to_pandas(pa.table({"v": pa.array(column, type=arrow)}), {"v": dtype})["v"]
    assert back.dtype == pandas_dtype(dtype)
    assert back.iloc[0] == SAMPLES[dtype]
    assert (back.iloc[1] is pd.NA) == spec.nullable, "nullable dtypes keep <NA>"


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_column_of_a_dtype_is_inferred_as_that_dtype(dtype: Dtype) -> None:
    column = pd.Series([SAMPLES[dtype], None], dtype=pandas_dtype(dtype))
    assert infer_dtype(column, "v") == dtype


def test_each_kind_of_values_has_at_most_one_default_dtype() -> None:
    for kind in get_args(ValueKind):
        defaults = [s for s in DTYPE_SPECS.values() if s.kind == kind and not s.narrow_from]
        assert len(defaults) <= 1, kind
        assert default_for(kind) == (defaults[0] if defaults else None)
    assert {s.kind for s in DTYPE_SPECS.values()} <= {
        kind for kind in get_args(ValueKind) if default_for(kind) is not None
    }


@pytest.mark.parametrize(
    ("dtype", "stored", "readable"),
    [
        ("int32", pa.int16(), True),
        ("int32", pa.uint16(), True),
        ("int32", pa.uint32(), False),
        ("int32", pa.int64(), False),
        ("int64", pa.uint32(), True),
        ("int64", pa.uint64(), False),
        ("float32", pa.uint64(), True),
        ("float64", pa.decimal128(10, 2), True),
        ("float64", pa.string(), False),
        ("bool", pa.int8(), False),
        ("string", pa.large_string(), True),
        ("string", pa.dictionary(pa.int32(), pa.string()), True),
        ("int64", pa.dictionary(pa.int8(), pa.int32()), True),
        ("timestamp", pa.date32(), True),
        ("timestamp", pa.timestamp("ns"), True),
        ("timestamp", pa.string(), False),
        ("timestamp", pa.null(), False),
    ],
)
def test_compatible_reads_without_loss(dtype: Dtype, stored: pa.DataType, readable: bool) -> None:
    assert compatible(dtype, stored) is readable


def test_an_unknown_dtype_is_an_error_not_a_timestamp() -> None:
    # Before the table, any dtype compatible() did not know was checked as a timestamp.
    with pytest.raises(ValueError, match="unknown dtype 'decimal'; the dtypes are int32, "):
        compatible("decimal", pa.timestamp("us"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown dtype"):
        dtype_spec("date")
