"""The Spark engine, for entity frames and sources that outgrow one machine.

Spark has no as-of join, so each source is joined with the DataFrame API: the entity rows and
the source rows are put in one frame, partitioned by join keys and ordered by time, and every
entity row takes the last source row before it with ``last(..., ignorenulls=True)``. The
source row travels as one struct, so a null *value* in the latest row stays null instead of
letting an older value through. Within the same time, source rows sort before entity rows
(inclusive), and among tied source rows the last in file order wins, as on DuckDB.

All times are compared as UTC microseconds since the epoch, whatever the session's time zone:
aware timestamps are instants, naive ones (``TIMESTAMP_NTZ``) are taken as UTC.

pyspark is imported only here, and only when this engine is used.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import reduce
from typing import Any

import pyarrow as pa
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from featurecat.data.spark import micros as _micros
from featurecat.data.spark import moment as _moment
from featurecat.data.spark import readable_errors as _readable_errors
from featurecat.data.types import arrow_kind, arrow_type
from featurecat.dtypes import ValueKind, default_for, dtype_spec
from featurecat.retrieval import frames
from featurecat.retrieval.outputs import LOCAL_OUTPUTS, attach, convert, require_output
from featurecat.retrieval.request import FeatureColumn, Plan, SourceRead

_ROW, _TS = frames.ROW, frames.TS
_SIDE, _FILE, _POS, _HIT = "__fc_side", "__fc_file", "__fc_pos", "__fc_hit"


class SparkEngine:
    """Point-in-time joins on Spark DataFrames; pandas or Spark in, Spark (or pandas) out."""

    name = "spark"
    outputs = ("spark", *LOCAL_OUTPUTS)

    def __init__(self, session: SparkSession | None = None) -> None:
        self._session = session

    @property
    def session(self) -> SparkSession:
        if self._session is None:
            self._session = SparkSession.builder.appName("featurecat").getOrCreate()
        return self._session

    def columns(self, entity_df: Any) -> dict[str, ValueKind]:
        if isinstance(entity_df, DataFrame):
            return {f.name: _spark_kind(f.dataType) for f in entity_df.schema.fields}
        return frames.pandas_columns(entity_df)

    def summary(self, entity_df: Any, column: str) -> tuple[int, datetime | None, datetime | None]:
        if not isinstance(entity_df, DataFrame):
            return frames.summary(entity_df, column)
        with _readable_errors():
            micros = _micros(entity_df, column)
            row = entity_df.agg(F.count(F.lit(1)), F.min(micros), F.max(micros)).collect()[0]
        return row[0], _moment(row[1]), _moment(row[2])

    def retrieve(self, plan: Plan, entity_df: Any, output: str | None) -> Any:
        output = output or self.outputs[0]
        require_output(output, self.name, self.outputs)
        with _readable_errors():
            return self._retrieve(plan, entity_df, output)

    def _retrieve(self, plan: Plan, entity_df: Any, output: str) -> Any:
        if isinstance(entity_df, DataFrame):
            rows = entity_df.withColumn(_ROW, F.monotonically_increasing_id())
            rows = rows.withColumn(_TS, _micros(rows, plan.timestamp_column))
        else:
            table = frames.entity_keys(entity_df, plan)
            table = table.set_column(
                table.schema.get_field_index(_TS), _TS, table.column(_TS).cast(pa.int64())
            )
            if output == "spark":  # the whole frame goes to Spark
                whole = pa.Table.from_pandas(entity_df, preserve_index=False)
                for name in (_TS, _ROW):
                    whole = whole.append_column(name, table.column(name))
                table = whole
            rows = self.session.createDataFrame(table)
        # One source after another, each adding its features to the rows it was given: the
        # entity rows are read once, and no join relies on a regenerated row id.
        result = reduce(lambda done, read: _join(self.session, read, done), plan.sources, rows)
        if output == "spark":
            return result.orderBy(_ROW).drop(_ROW, _TS)
        if isinstance(entity_df, DataFrame):
            whole = _arrow(result).sort_by(_ROW).drop_columns([_ROW, _TS])
            return _to_output(whole, plan, output)
        # Sorting the collected rows locally spares Spark a sampling job.
        names = [f.name for f in plan.features]
        found = _arrow(result.select(_ROW, *names)).sort_by(_ROW).drop_columns([_ROW])
        return attach(entity_df, frames.conform(found, plan), plan, output)


def _join(spark: SparkSession, read: SourceRead, entity: DataFrame) -> DataFrame:
    """``entity`` with the features of one source added, point-in-time.

    Entity and source rows are stacked, partitioned by the join keys (cast to a common type,
    so an int32 key matches an int64 one) and ordered by time; each entity row takes the
    last source row at or before it.
    """
    source = _scan(spark, read)
    keys = list(read.join_keys)
    match = [f"__fc_key{i}" for i in range(len(keys))]
    common = [_common_type(entity.schema[k].dataType, source.schema[k].dataType) for k in keys]
    values = [c for c in source.columns if c not in (*keys, _TS, _FILE, _POS)]
    left = entity.select(
        "*",
        *(F.col(k).cast(t).alias(m) for k, t, m in zip(keys, common, match, strict=True)),
        F.lit(1).alias(_SIDE),
    )
    present = reduce(lambda a, b: a & b, (F.col(k).isNotNull() for k in keys))
    right = source.where(present).select(
        *(F.col(k).cast(t).alias(m) for k, t, m in zip(keys, common, match, strict=True)),
        F.col(_TS),
        F.lit(0).alias(_SIDE),
        F.col(_FILE),
        F.col(_POS),
        F.struct(F.col(_TS).alias(_TS), *values).alias(_HIT),
    )
    window = (
        Window.partitionBy(*match)
        .orderBy(F.col(_TS).asc_nulls_first(), _SIDE, _FILE, _POS)
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    matched = (
        left.unionByName(right, allowMissingColumns=True)
        .withColumn(_HIT, F.last(_HIT, ignorenulls=True).over(window))
        .where(F.col(_SIDE) == 1)
    )
    return matched.select(*entity.columns, *(_value(f) for f in read.features))


def _value(feature: FeatureColumn) -> Column:
    """The matched value with its declared type; null when older than the ttl."""
    value = F.col(_HIT).getField(_alias(feature))
    if feature.ttl is not None:
        limit = feature.ttl // timedelta(microseconds=1)
        value = F.when(F.col(_TS) - F.col(_HIT).getField(_TS) <= limit, value)
    if feature.dtype == "timestamp":
        return F.timestamp_micros(value).alias(feature.name)
    return value.cast(dtype_spec(feature.dtype).spark).alias(feature.name)


def _alias(feature: FeatureColumn) -> str:
    return f"__fc_v_{feature.column}"


def _scan(spark: SparkSession, read: SourceRead) -> DataFrame:
    """Keys, UTC micros, the feature columns and each row's place in the files."""
    frame: DataFrame = read.data.reader.spark(spark, read.data, _column_types(read))
    frame = frame.select(
        "*", F.input_file_name().alias(_FILE), F.monotonically_increasing_id().alias(_POS)
    )
    columns = {f.column: f for f in read.features}
    values = []
    for column, feature in columns.items():
        value = _micros(frame, column) if feature.dtype == "timestamp" else F.col(column)
        values.append(value.alias(_alias(feature)))
    return frame.select(
        *read.join_keys, _micros(frame, read.timestamp).alias(_TS), *values, _FILE, _POS
    ).where(F.col(_TS).isNotNull())


def _column_types(read: SourceRead) -> dict[str, str]:
    """Every column's Spark type, for formats without types (CSV): features with their
    declared dtype's, the timestamp as a timestamp, others by the kind the checks saw."""
    declared = {f.column: dtype_spec(f.dtype).spark for f in read.features}
    declared[read.timestamp] = dtype_spec("timestamp").spark
    types = {}
    for field in read.schema:
        default = default_for(arrow_kind(field.type))
        types[field.name] = declared.get(field.name) or (default.spark if default else "string")
    return types


def _common_type(a: T.DataType, b: T.DataType) -> T.DataType:
    if a == b:
        return a
    if isinstance(a, T.IntegralType) and isinstance(b, T.IntegralType):
        return T.LongType()
    if isinstance(a, T.NumericType) and isinstance(b, T.NumericType):
        return T.DoubleType()
    return T.StringType()


def _spark_kind(spark_type: T.DataType) -> ValueKind:
    if isinstance(spark_type, T.BooleanType):
        return "bool"
    if isinstance(spark_type, T.IntegralType):
        return "integer"
    if isinstance(spark_type, T.NumericType):
        return "float"
    if isinstance(spark_type, T.StringType):
        return "string"
    if isinstance(spark_type, (T.TimestampType, T.TimestampNTZType)):
        return "timestamp"
    if isinstance(spark_type, T.NullType):  # a column of only nulls
        return "null"
    return "date" if isinstance(spark_type, T.DateType) else "other"


def _to_output(table: pa.Table, plan: Plan, output: str) -> Any:
    for feature in plan.features:
        index = table.schema.get_field_index(feature.name)
        table = table.set_column(
            index, feature.name, table.column(index).cast(arrow_type(feature.dtype))
        )
    return convert(table, plan.dtypes, output)


def _arrow(frame: DataFrame) -> pa.Table:
    table: pa.Table = frame.toArrow()
    return table
