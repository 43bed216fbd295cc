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

from datetime import datetime, timedelta, timezone
from functools import reduce
from typing import Any

import pyarrow as pa
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from featurecat.errors import DataError, UsageError
from featurecat.retrieval import frames
from featurecat.retrieval.dtypes import SPARK_TYPES, ValueKind, arrow_kind
from featurecat.retrieval.request import FeatureColumn, Plan, SourceRead

OUTPUTS = ("spark", "pandas", "arrow", "polars")
_ROW, _TS = frames.ROW, frames.TS
_SIDE, _FILE, _POS, _HIT = "__fc_side", "__fc_file", "__fc_pos", "__fc_hit"
_EPOCH_NTZ = "TIMESTAMP_NTZ'1970-01-01 00:00:00'"
_MICROS_PER_DAY = 86_400_000_000


class SparkEngine:
    """Point-in-time joins on Spark DataFrames; pandas or Spark in, Spark (or pandas) out."""

    name = "spark"

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
        micros = _micros(entity_df, column)
        row = _collect(lambda: entity_df.agg(F.count(F.lit(1)), F.min(micros), F.max(micros)))[0]
        return row[0], _moment(row[1]), _moment(row[2])

    def retrieve(self, plan: Plan, entity_df: Any, output: str | None) -> Any:
        output = output or "spark"
        if output not in OUTPUTS:
            raise UsageError(
                f"output='{output}' is not one of {', '.join(OUTPUTS)} for engine 'spark'"
            )
        if isinstance(entity_df, DataFrame):
            base: DataFrame | None = entity_df.withColumn(_ROW, F.monotonically_increasing_id())
            assert base is not None
            keys = base.select(
                *plan.join_keys, _micros(base, plan.timestamp_column).alias(_TS), _ROW
            )
        else:
            base = None
            table = frames.entity_keys(entity_df, plan)
            micros = table.column(_TS).cast(pa.int64())
            keys = self.session.createDataFrame(
                table.set_column(table.schema.get_field_index(_TS), _TS, micros)
            )
        found = reduce(
            lambda joined, block: joined.join(block, _ROW, "left"),
            (_join(self.session, read, keys) for read in plan.sources),
            keys.select(_ROW),
        )
        features = found.select(_ROW, *(_typed(f) for f in plan.features))
        if base is None:
            if output != "spark":
                table = _arrow(features.orderBy(_ROW).drop(_ROW))
                return frames.attach(entity_df, frames.conform(table, plan), plan, output)  # type: ignore[arg-type]
            whole = pa.Table.from_pandas(entity_df, preserve_index=False)
            base = self.session.createDataFrame(whole.append_column(_ROW, table.column(_ROW)))
        result = base.join(features, _ROW, "left").orderBy(_ROW).drop(_ROW)
        return result if output == "spark" else _to_output(_arrow(result), plan, output)


def _join(spark: SparkSession, read: SourceRead, entity: DataFrame) -> DataFrame:
    """One source joined onto the entity rows: ``__fc_row`` and each feature's raw value."""
    source = _scan(spark, read)
    keys = list(read.join_keys)
    common = {k: _common_type(entity.schema[k].dataType, source.schema[k].dataType) for k in keys}
    values = [c for c in source.columns if c not in (*keys, _TS, _FILE, _POS)]
    hit = F.struct(F.col(_TS).alias(_TS), *values)
    left = entity.select(
        *(F.col(k).cast(common[k]).alias(k) for k in keys),
        F.col(_TS),
        F.col(_ROW),
        F.lit(1).alias(_SIDE),
        F.lit(None).cast("string").alias(_FILE),
        F.lit(None).cast("long").alias(_POS),
        F.lit(None).cast(_hit_type(source, values)).alias(_HIT),
    )
    right = source.where(reduce(lambda a, b: a & b, (F.col(k).isNotNull() for k in keys))).select(
        *(F.col(k).cast(common[k]).alias(k) for k in keys),
        F.col(_TS),
        F.lit(None).cast("long").alias(_ROW),
        F.lit(0).alias(_SIDE),
        F.col(_FILE),
        F.col(_POS),
        hit.alias(_HIT),
    )
    window = (
        Window.partitionBy(*keys)
        .orderBy(F.col(_TS).asc_nulls_first(), _SIDE, _FILE, _POS)
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    matched = (
        left.unionByName(right)
        .withColumn(_HIT, F.last(_HIT, ignorenulls=True).over(window))
        .where(F.col(_SIDE) == 1)
    )
    return matched.select(_ROW, *(_value(f) for f in read.features))


def _hit_type(source: DataFrame, values: list[str]) -> T.StructType:
    fields = [T.StructField(_TS, T.LongType())]
    fields += [T.StructField(v, source.schema[v].dataType) for v in values]
    return T.StructType(fields)


def _value(feature: FeatureColumn) -> Column:
    """The matched value, null when the matched row is older than the ttl."""
    value = F.col(_HIT).getField(_alias(feature))
    if feature.ttl is not None:
        limit = feature.ttl // timedelta(microseconds=1)
        value = F.when(F.col(_TS) - F.col(_HIT).getField(_TS) <= limit, value)
    return value.alias(feature.name)


def _typed(feature: FeatureColumn) -> Column:
    column = F.col(feature.name)
    if feature.dtype == "timestamp":
        return F.timestamp_micros(column).alias(feature.name)
    return column.cast(SPARK_TYPES[feature.dtype]).alias(feature.name)


def _alias(feature: FeatureColumn) -> str:
    return f"__fc_v_{feature.column}"


def _scan(spark: SparkSession, read: SourceRead) -> DataFrame:
    """Keys, UTC micros, the feature columns and each row's place in the files."""
    files = [str(f) for f in read.files]
    if read.format == "parquet":
        frame = spark.read.parquet(*files)
    else:
        frame = (
            spark.read.schema(_csv_schema(read))
            .option("header", True)
            .option("mode", "FAILFAST")
            .option("timeZone", "UTC")
            .csv(files)
        )
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


def _csv_schema(read: SourceRead) -> T.StructType:
    """Every CSV column with the type the checks saw, features with their declared type."""
    declared = {f.column: SPARK_TYPES[f.dtype] for f in read.features}
    declared[read.timestamp] = "timestamp"
    kinds = {"integer": "bigint", "float": "double", "bool": "boolean", "timestamp": "timestamp"}
    fields = []
    for field in read.schema:
        name = field.name
        spark_type = declared.get(name) or kinds.get(arrow_kind(field.type), "string")
        fields.append(T.StructField(name, T._parse_datatype_string(spark_type)))
    return T.StructType(fields)


def _micros(frame: DataFrame, column: str) -> Column:
    """A timestamp or date column as UTC microseconds since the epoch."""
    kind = frame.schema[column].dataType
    if isinstance(kind, T.TimestampNTZType):
        return F.expr(f"timestampdiff(MICROSECOND, {_EPOCH_NTZ}, `{column}`)")
    if isinstance(kind, T.DateType):
        return F.unix_date(F.col(column)).cast("long") * _MICROS_PER_DAY
    return F.unix_micros(F.col(column))


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
    return "date" if isinstance(spark_type, T.DateType) else "other"


def _to_output(table: pa.Table, plan: Plan, output: str) -> Any:
    from featurecat.retrieval.dtypes import arrow_type, to_pandas

    for feature in plan.features:
        index = table.schema.get_field_index(feature.name)
        table = table.set_column(
            index, feature.name, table.column(index).cast(arrow_type(feature.dtype))
        )
    if output == "pandas":
        features = to_pandas(table.select([f.name for f in plan.features]), plan.dtypes)
        others = table.drop_columns([f.name for f in plan.features]).to_pandas()
        return others.join(features)
    if output == "polars":
        import polars as pl

        return pl.from_arrow(table)
    return table


def _arrow(frame: DataFrame) -> pa.Table:
    return _collect(frame.toArrow)


def _collect(action: Any) -> Any:
    """Run a Spark action, turning its failures into one readable line."""
    try:
        result = action()
        return result.collect() if isinstance(result, DataFrame) else result
    except Exception as exc:
        if not type(exc).__module__.startswith(("pyspark", "py4j")):
            raise
        raise DataError(f"Spark could not read the data: {_message(exc)}") from None


def _message(exc: Exception) -> str:
    java = getattr(exc, "java_exception", None)
    if java is None:
        return str(exc).strip().splitlines()[0]
    top = str(java.toString()).splitlines()[0]
    root = java
    while root.getCause() is not None:
        root = root.getCause()
    cause = str(root.toString()).splitlines()[0]
    return top if cause == top else f"{top} (caused by {cause})"


def _moment(micros: int | None) -> datetime | None:
    if micros is None:
        return None
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=micros)
