"""``export_features`` on Spark: executors join and write the part files in parallel.

Entity rows come from parquet files (read by the executors) or a pandas frame. Each row's
``entity_row`` is its position in file order (files sorted by name, as DuckDB reads them):
the offset of its file plus Parquet's ``_metadata.row_index``, so no step needs one partition.
The output is always a folder of part files, written under a temporary name and renamed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import reduce
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from featurecat.catalog import Catalog
from featurecat.data.spark import micros as _micros
from featurecat.data.spark import readable_errors as _readable_errors
from featurecat.errors import UsageError
from featurecat.retrieval import frames
from featurecat.retrieval import manifest as manifests
from featurecat.retrieval.export import Exported
from featurecat.retrieval.request import plan
from featurecat.retrieval.rows import ROW_COLUMN, entity_rows
from featurecat.retrieval.spark_engine import SparkEngine, _join
from featurecat.retrieval.target import Target, discard


def export(
    cat: Catalog,
    engine: SparkEngine,
    features: str | Iterable[str],
    value: Any,
    out: Target,
    timestamp_column: str,
    model: str | None,
) -> Exported:
    """Write the join of ``features`` onto the entity rows ``value`` to ``out``'s folder."""
    if out.single_file:
        raise UsageError(
            f"output {out.path}: Spark writes a folder of part files; pass a folder path "
            "(without .parquet)"
        )
    rows = entity_rows(value, cat)
    if not rows.files and not frames_like(value):
        raise UsageError("on Spark, entity rows are parquet files or a pandas DataFrame")
    request = plan(cat, features, rows.columns, timestamp_column)
    temporary = out.temporary("tmp")
    try:
        with _readable_errors():
            numbered, count = _numbered(engine, rows.files, value)
            columns = numbered.columns
            stamped = numbered.withColumn(frames.TS, _micros(numbered, timestamp_column))
            joined = reduce(
                lambda done, read: _join(engine.session, read, done), request.sources, stamped
            )
            names = [f.name for f in request.features]
            keep = [c for c in columns if c != ROW_COLUMN]
            # One part per executor core at least: adaptive execution would otherwise merge
            # a small result into one task, and one writer.
            parallel = engine.session.sparkContext.defaultParallelism
            chosen = joined.select(*keep, *names, ROW_COLUMN).repartition(parallel)
            _write(engine, chosen, temporary)
            summary = stamped.agg(F.min(frames.TS), F.max(frames.TS)).collect()[0]
        found = manifests.provenance(cat, request)
        window = (_moment(summary[0]), _moment(summary[1]))
        record = manifests.record(
            cat, request, found, engine="spark", rows=count, window=window, model=model
        )
        record["output"] = {"path": str(out.path), "row_column": ROW_COLUMN}
        out.publish(temporary, record)
    except BaseException:
        discard(temporary)
        raise
    return Exported(out.path, out.manifest, count)


def _write(engine: SparkEngine, frame: DataFrame, folder: Path) -> None:
    """Part files with timestamps as parquet's UTC microseconds (Spark's default, INT96,
    reads back without a time zone)."""
    conf = engine.session.conf
    setting = "spark.sql.parquet.outputTimestampType"
    before = conf.get(setting, None)
    conf.set(setting, "TIMESTAMP_MICROS")
    try:
        frame.write.parquet(str(folder))
    finally:
        if before is None:
            conf.unset(setting)
        else:
            conf.set(setting, before)


def frames_like(value: Any) -> bool:
    import pandas as pd

    return isinstance(value, pd.DataFrame)


def _numbered(engine: SparkEngine, files: list[str], value: Any) -> tuple[DataFrame, int]:
    """The entity rows with ``entity_row``, and how many there are."""
    spark = engine.session
    if not files:
        import numpy as np
        import pyarrow as pa

        table = pa.Table.from_pandas(value, preserve_index=False)
        table = table.append_column(ROW_COLUMN, pa.array(np.arange(len(value), dtype=np.int64)))
        return spark.createDataFrame(table), len(value)
    from featurecat.data.remote import hadoop_uri

    # Entity rows on object storage are read by the session's own connector (s3a://...).
    frame = spark.read.parquet(*map(hadoop_uri, files)).select(
        "*",
        F.col("_metadata.file_path").alias("__fc_file"),
        F.col("_metadata.row_index").alias("__fc_index"),
    )
    counts = {r[0]: r[1] for r in frame.groupBy("__fc_file").count().collect()}
    offsets, start = [], 0
    for name in sorted(counts, key=_local_path):
        offsets.append((name, start))
        start += counts[name]
    starts = spark.createDataFrame(offsets, "__fc_file string, __fc_offset long")
    numbered = frame.join(F.broadcast(starts), "__fc_file").withColumn(
        ROW_COLUMN, F.col("__fc_offset") + F.col("__fc_index")
    )
    return numbered.drop("__fc_file", "__fc_index", "__fc_offset"), start


def _local_path(uri: str) -> str:
    from urllib.parse import unquote, urlsplit

    return os.path.normpath(unquote(urlsplit(uri).path)) if "://" in uri else uri


def _moment(micros: int | None) -> Any:
    from featurecat.data.spark import moment

    return moment(micros)
