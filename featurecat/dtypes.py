"""Dtypes: the one table of what a feature's values can be, in every library's terms.

Each row of :data:`DTYPE_SPECS` says how a dtype is held by arrow, pandas, DuckDB and Spark,
which stored data it can be read from, which pandas values it can be written from, and when
it is inferred from a pandas column. Every other module reads this table, so a new dtype is a
new name in :data:`Dtype` and a new row here; ``tests/test_dtypes.py`` fails while the two
disagree or a row lacks anything.

========== ============================ ============ =========== ===========
dtype      pandas                       arrow        DuckDB      Spark
========== ============================ ============ =========== ===========
int32      ``Int32`` (nullable)         int32        INTEGER     int
int64      ``Int64`` (nullable)         int64        BIGINT      bigint
float32    ``float32`` (null is NaN)    float32      FLOAT       float
float64    ``float64`` (null is NaN)    float64      DOUBLE      double
bool       ``boolean`` (nullable)       bool         BOOLEAN     boolean
string     ``string`` (nullable)        string       VARCHAR     string
timestamp  ``datetime64[us, UTC]``      timestamp    TIMESTAMPTZ timestamp
========== ============================ ============ =========== ===========

The arrow and pandas columns are constructors, called with the ``pyarrow`` or ``pandas``
module by :mod:`featurecat.data.types`: this module is core and imports neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

Dtype = Literal["int32", "int64", "float32", "float64", "bool", "string", "timestamp"]
DTYPES: tuple[Dtype, ...] = get_args(Dtype)

#: What a column holds, coarsely: enough to tell which dtypes can read it and whether two join
#: keys can be matched ("null": a column with no values at all).
ValueKind = Literal["integer", "float", "bool", "string", "timestamp", "date", "null", "other"]

TIMESTAMP_UNIT = "us"
"""Timestamps are compared and returned at microsecond precision, in UTC."""

_NUMBERS: frozenset[ValueKind] = frozenset({"integer", "float"})


@dataclass(frozen=True)
class DtypeSpec:
    """One dtype, in every library's terms."""

    name: Dtype
    kind: ValueKind
    """The kind of values it holds."""
    arrow: Callable[[Any], Any]
    """The arrow type, given the ``pyarrow`` module."""
    pandas: Callable[[Any], Any]
    """The dtype of its pandas column, given the ``pandas`` module."""
    nullable: bool
    """Whether pandas keeps a missing value as ``<NA>`` (else NaN or NaT) when converting."""
    duckdb: str
    spark: str
    reads: frozenset[ValueKind]
    """The kinds of stored data it can be read from without loss."""
    fits: frozenset[ValueKind]
    """The kinds of pandas values it can be written from (pandas turns integers with missing
    values into floats, so integers fit floats)."""
    int_bits: int | None = None
    """Stored integers must fit a signed integer this wide (``None``: any integer)."""
    narrow_from: frozenset[str] = frozenset()
    """The pandas column dtypes inferred as this dtype rather than its kind's default (the
    dtype of the kind with no ``narrow_from``)."""

    def reads_integer(self, bits: int, signed: bool) -> bool:
        """Whether stored integers of this width can be read without loss."""
        if self.int_bits is None:
            return True
        return bits <= self.int_bits if signed else bits < self.int_bits


DTYPE_SPECS: dict[Dtype, DtypeSpec] = {
    spec.name: spec
    for spec in (
        DtypeSpec(
            "int32",
            "integer",
            arrow=lambda pa: pa.int32(),
            pandas=lambda pd: pd.Int32Dtype(),
            nullable=True,
            duckdb="INTEGER",
            spark="int",
            reads=frozenset({"integer"}),
            fits=_NUMBERS,
            int_bits=32,
            narrow_from=frozenset(
                {"int8", "int16", "int32", "uint8", "uint16", "Int8", "Int16", "Int32"}
                | {"UInt8", "UInt16"}
            ),
        ),
        DtypeSpec(
            "int64",
            "integer",
            arrow=lambda pa: pa.int64(),
            pandas=lambda pd: pd.Int64Dtype(),
            nullable=True,
            duckdb="BIGINT",
            spark="bigint",
            reads=frozenset({"integer"}),
            fits=_NUMBERS,
            int_bits=64,
        ),
        DtypeSpec(
            "float32",
            "float",
            arrow=lambda pa: pa.float32(),
            pandas=lambda pd: "float32",
            nullable=False,
            duckdb="FLOAT",
            spark="float",
            reads=_NUMBERS,
            fits=_NUMBERS,
            narrow_from=frozenset({"float32"}),
        ),
        DtypeSpec(
            "float64",
            "float",
            arrow=lambda pa: pa.float64(),
            pandas=lambda pd: "float64",
            nullable=False,
            duckdb="DOUBLE",
            spark="double",
            reads=_NUMBERS,
            fits=_NUMBERS,
        ),
        DtypeSpec(
            "bool",
            "bool",
            arrow=lambda pa: pa.bool_(),
            pandas=lambda pd: pd.BooleanDtype(),
            nullable=True,
            duckdb="BOOLEAN",
            spark="boolean",
            reads=frozenset({"bool"}),
            fits=frozenset({"bool"}),
        ),
        DtypeSpec(
            "string",
            "string",
            arrow=lambda pa: pa.string(),
            pandas=lambda pd: pd.StringDtype(),
            nullable=True,
            duckdb="VARCHAR",
            spark="string",
            reads=frozenset({"string"}),
            fits=frozenset({"string"}),
        ),
        DtypeSpec(
            "timestamp",
            "timestamp",
            arrow=lambda pa: pa.timestamp(TIMESTAMP_UNIT, tz="UTC"),
            pandas=lambda pd: pd.DatetimeTZDtype(unit=TIMESTAMP_UNIT, tz="UTC"),
            nullable=False,
            duckdb="TIMESTAMPTZ",
            spark="timestamp",
            reads=frozenset({"timestamp", "date"}),
            fits=frozenset({"timestamp"}),
        ),
    )
}


def dtype_spec(dtype: str) -> DtypeSpec:
    """The row of ``dtype``; an unknown dtype is an error, never a silent default."""
    spec = DTYPE_SPECS.get(cast(Dtype, dtype))
    if spec is None:
        raise ValueError(f"unknown dtype {dtype!r}; the dtypes are {', '.join(DTYPES)}")
    return spec


def default_for(kind: ValueKind) -> DtypeSpec | None:
    """The dtype that holds values of ``kind`` unless a narrower one is asked for."""
    return next((s for s in DTYPE_SPECS.values() if s.kind == kind and not s.narrow_from), None)


def inferred(kind: ValueKind, column_dtype: str) -> Dtype | None:
    """The dtype to declare for a pandas column of ``kind`` values with dtype ``column_dtype``
    (as ``str(column.dtype)`` spells it), or ``None`` when no dtype holds such values."""
    narrow = next(
        (s for s in DTYPE_SPECS.values() if s.kind == kind and column_dtype in s.narrow_from),
        None,
    )
    chosen = narrow or default_for(kind)
    return None if chosen is None else chosen.name


def comparable(a: ValueKind, b: ValueKind) -> bool:
    """Whether join keys of these kinds can be matched: numbers with numbers, else same kind."""
    return (a in _NUMBERS and b in _NUMBERS) or (a == b and a != "other")
