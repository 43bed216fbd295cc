"""The one pass per source on Spark: the expectations of :mod:`.scan`, in one aggregation.

Each kind in :data:`.scan.AGGREGATES` is measured from a few named aggregates (``present``,
``nans``, ``low``, ``high``, ``bad``) and derives its count from them; here each name is
a Spark aggregate (:data:`NAMED`), and the counting is the DuckDB table's own, so both
engines judge the same numbers. Every aggregate of a source goes into one ``agg`` (one
job, one read of the data). As on DuckDB, failing rows (:func:`failing_rows`) and
uniqueness (:func:`measure_unique`, a grouping of its own) are further jobs, run only
when asked for; the rows shown are the earliest failing ones (by time, then keys), as on
DuckDB.

Data is read through the source's reader (:meth:`featurecat.data.reader.Reader.spark`),
so this covers the formats and places the Spark engine reads. Times are compared as UTC
microseconds (:mod:`featurecat.data.spark`). pyspark is imported only here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from featurecat.contracts.judge import Measured
from featurecat.contracts.kinds import AcceptedValues, Range
from featurecat.contracts.results import MAX_EXAMPLES
from featurecat.data import SourceData
from featurecat.data.spark import micros, moment, readable_errors
from featurecat.data.types import arrow_kind
from featurecat.dtypes import DTYPE_SPECS, default_for, dtype_spec
from featurecat.measure.scan import AGGREGATES, Planned, _Row, measured

_AT = "__fc_at"


@contextmanager
def session() -> Iterator[SparkSession]:
    """The active Spark session (or a new local one); left running for its other users."""
    active = SparkSession.getActiveSession()
    yield active if active is not None else SparkSession.builder.appName("featurecat").getOrCreate()


def _column(p: Planned) -> Column:
    return F.col(f"`{p.column}`")


def _floats(p: Planned) -> bool:
    return p.dtype is not None and DTYPE_SPECS[p.dtype].kind == "float"


def _missing(p: Planned) -> Column:
    column = _column(p)
    return column.isNull() | F.isnan(column) if _floats(p) else column.isNull()


def _valued(p: Planned) -> Column:
    """The column, NaN as null: DuckDB leaves NaN out of lowest and highest values too."""
    return F.when(~_missing(p), _column(p))


def _outside(p: Planned) -> Column:
    assert isinstance(p.expectation, Range)
    column, outside = _column(p), F.lit(False)
    if p.expectation.min is not None:
        outside = outside | (column < F.lit(p.expectation.min))
    if p.expectation.max is not None:
        outside = outside | (column > F.lit(p.expectation.max))
    return ~_missing(p) & outside


def _not_accepted(p: Planned) -> Column:
    assert isinstance(p.expectation, AcceptedValues)
    # A null value is neither: isin gives null, which no filter counts (as on DuckDB).
    return ~_column(p).isin(*p.expectation.values)


#: kind -> which rows fail it, for the kinds whose failures show rows.
FAILING: dict[str, Callable[[Planned], Column]] = {
    "not_null": _missing,
    "range": _outside,
    "accepted_values": _not_accepted,
}

#: aggregate name (as :data:`.scan.AGGREGATES` names them) -> its Spark aggregate.
NAMED: dict[str, Callable[[Planned], Column]] = {
    "present": lambda p: F.count(_column(p)),
    "nans": lambda p: F.count_if(F.isnan(_column(p))),
    "low": lambda p: F.min(_valued(p)),
    "high": lambda p: F.max(_valued(p)),
    "bad": lambda p: F.count_if(_not_accepted(p)),
}


def measure_scan(
    spark: SparkSession, data: SourceData, keys: Sequence[str], plans: Sequence[Planned]
) -> list[Measured]:
    """Measure ``plans`` (all of one source) in one aggregation: a :class:`Measured` each,
    in order, without failing rows. :class:`DataError` when Spark cannot read the data."""
    with readable_errors():
        frame = _read(spark, data, plans)
        aggregates: dict[tuple[str, str | None, str], str] = {}
        columns = [F.count(F.lit(1)).alias("rows"), F.max(_AT).alias("newest")]
        queries = []
        for i, plan in enumerate(plans):
            query = AGGREGATES[plan.kind](i, plan, _Row(""))
            for name in query.select:
                key = _key(name, plan)
                if key not in aggregates:
                    aggregates[key] = f"a{len(aggregates)}"
                    columns.append(NAMED[name](plan).alias(aggregates[key]))
            queries.append(query)
        row = frame.agg(*columns).collect()[0].asDict()
    rows, newest = int(row["rows"]), moment(row["newest"])
    return [
        measured(
            plan,
            query,
            {name: row[aggregates[_key(name, plan)]] for name in query.select},
            rows,
            newest,
        )
        for plan, query in zip(plans, queries, strict=True)
    ]


def _key(name: str, plan: Planned) -> tuple[str, str | None, str]:
    """Which aggregate a name is, for a plan: the same aggregate asked for twice (a column's
    ``present`` for not_null and min_rows) is computed once, as on DuckDB."""
    return (name, plan.column, str(getattr(plan.expectation, "values", "")))


def failing_rows(
    spark: SparkSession, data: SourceData, keys: Sequence[str], plans: Sequence[Planned]
) -> list[tuple[tuple[dict[str, Any], ...], int | None]]:
    """Up to five failing rows of each of ``plans`` (expectations that failed), and how
    many rows fail: one aggregation for the counts, one small job per plan for its rows."""
    with readable_errors():
        frame = _read(spark, data, plans)
        counts = frame.agg(*(F.count_if(FAILING[p.kind](p)) for p in plans)).collect()[0]
        found: list[tuple[tuple[dict[str, Any], ...], int | None]] = []
        for i, plan in enumerate(plans):
            value = [_column(plan).alias("value")] if plan.kind != "not_null" else []
            first = _first(frame.where(FAILING[plan.kind](plan)), keys, value)
            found.append((first, int(counts[i])))
    return found


def measure_unique(
    spark: SparkSession, data: SourceData, keys: Sequence[str], plans: Sequence[Planned]
) -> list[Measured]:
    """Uniqueness per join keys and timestamp of each planned feature, in one grouping:
    pairs holding more than one value of the feature (and the first five, when any)."""
    with readable_errors():
        frame = _read(spark, data, plans)
        grouped = frame.groupBy(*(F.col(f"`{k}`") for k in keys), F.col(_AT)).agg(
            F.count(F.lit(1)).alias("__n"),
            *(F.count(_column(p)).alias(f"n{i}") for i, p in enumerate(plans)),
        )
        counts = grouped.agg(
            F.sum("__n"), *(F.count_if(F.col(f"n{i}") > 1) for i in range(len(plans)))
        ).collect()[0]
        found = []
        for i in range(len(plans)):
            count = int(counts[i + 1])
            examples = (
                _first(grouped.where(F.col(f"n{i}") > 1), keys, [F.col(f"n{i}").alias("values")])
                if count
                else ()
            )
            found.append(Measured(rows=int(counts[0] or 0), count=count, examples=examples))
    return found


def _first(
    frame: DataFrame, keys: Sequence[str], value: list[Column]
) -> tuple[dict[str, Any], ...]:
    """The earliest rows of ``frame`` (by time, then keys, then value), as the judges show
    failing rows: keys, then ``at``, then the value."""
    columns = [F.col(_AT), *(F.col(f"`{k}`") for k in keys), *value]
    rows = frame.select(*columns).orderBy(*(c.asc_nulls_last() for c in columns))
    found = []
    for row in rows.limit(MAX_EXAMPLES).collect():
        values = row.asDict()
        shown = {k: values[k] for k in keys}
        shown["at"] = moment(values[_AT])
        shown.update((name, values[name]) for name in ("value", "values") if name in values)
        found.append(shown)
    return tuple(found)


def _read(spark: SparkSession, data: SourceData, plans: Sequence[Planned]) -> DataFrame:
    """The source's rows, with the event time as UTC microseconds in ``__fc_at``."""
    declared = {p.column: dtype_spec(p.dtype).spark for p in plans if p.column and p.dtype}
    declared[data.source.timestamp] = dtype_spec("timestamp").spark
    types = {}
    for field in data.schema():
        default = default_for(arrow_kind(field.type))
        types[field.name] = declared.get(field.name) or (default.spark if default else "string")
    frame: DataFrame = data.reader.spark(spark, data, types)
    return frame.withColumn(_AT, micros(frame, data.source.timestamp))
