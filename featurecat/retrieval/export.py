"""``export_features``: training sets bigger than memory, written to parquet or streamed.

The same point-in-time join as :func:`featurecat.load_features`, for entity rows that need not
fit in memory (:mod:`.rows`) and results that never do: DuckDB writes the joined rows straight
to parquet, or hands them over as arrow record batches, within a memory limit, spilling to disk
(:mod:`.budget`). Spark sessions write part files from their executors instead.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.errors import DataError, UnknownNameError, UsageError
from featurecat.retrieval import manifest as manifests
from featurecat.retrieval.api import CatalogLike, open_catalog
from featurecat.retrieval.budget import resolve
from featurecat.retrieval.engine import get_engine
from featurecat.retrieval.request import Plan, plan, require_text
from featurecat.retrieval.rows import ROW_COLUMN, EntityRows
from featurecat.retrieval.rows import entity_rows as entity_rows_of
from featurecat.retrieval.target import Output, Target, target

if TYPE_CHECKING:
    import pyarrow as pa

    from featurecat.catalog import Catalog
    from featurecat.retrieval.budget import Budget
    from featurecat.retrieval.duckdb_export import Joined

OUTPUTS = ("parquet", "batches")
Progress = Callable[[float, "int | None"], None]
"""Called with the fraction done and the number of entity rows (``None`` for a stream)."""


@dataclass(frozen=True)
class Exported:
    """A finished parquet export: where it is, its manifest, and how many rows it has (paths,
    or URIs for an output on object storage)."""

    path: Path | str
    manifest: Path | str
    rows: int


def export_features(
    features: str | Iterable[str] | None,
    entity_rows: Any,
    path: str | os.PathLike[str] | None = None,
    catalog: CatalogLike = None,
    *,
    output: str = "parquet",
    timestamp_column: str = "event_timestamp",
    engine: str | Any = "duckdb",
    model: str | None = None,
    memory_limit: str | int | None = None,
    spill_dir: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    ordered: bool = False,
    batch_size: int = 65_536,
    progress: Progress | None = None,
) -> Any:
    """Join feature values onto ``entity_rows``, point-in-time, without holding the result
    in memory; the values are exactly those :func:`featurecat.load_features` gives.

    ``entity_rows`` is a parquet path (a file, a folder of files or a glob; files are read in
    name order), a Delta table's folder, a pyarrow ``Table``, ``Dataset`` or
    ``RecordBatchReader``, a DuckDB relation or a pandas DataFrame. ``features`` may be
    ``None`` with ``model=``: the model's declared features. Paths (entity rows and output)
    may be URIs (``s3://...``) under a storage location featurecat.yaml declares; any other
    URI is refused.

    ``output="parquet"`` writes to ``path``: one file when it ends in ``.parquet`` (sorted
    in entity order with ``ordered=True``), else a folder of part files written in parallel.
    An existing output is refused unless ``overwrite=True``; the manifest goes beside it
    (``train.manifest.json``); a failed export leaves nothing under ``path``. An output at
    a URI is staged locally, then uploaded: a file in one upload, a folder part by part with
    the manifest last (a folder is complete when its manifest is there). Returns an
    :class:`Exported`. ``output="batches"`` returns a ``pyarrow.RecordBatchReader`` of
    ``batch_size`` rows (the manifest is in its schema metadata under ``featurecat``); it
    starts with the entity rows of the smallest keys, joined on their own, so the first batch
    comes before the whole join is sorted.

    Every row has the entity columns, one column per feature, and ``entity_row``: the
    position of its entity row (from 0), by which the entity order is restored.

    DuckDB keeps to ``memory_limit`` (``'4GiB'``; else ``FEATURECAT_MEMORY_LIMIT``,
    ``loader.memory_limit`` in featurecat.yaml, or half the machine's memory), spilling to
    ``spill_dir`` (else ``FEATURECAT_SPILL_DIR``, ``loader.spill_dir``, or a temporary folder
    beside the output). ``progress`` is called with the fraction done, from another thread.
    """
    require_text(timestamp_column, "timestamp_column", "a column name (a string)")
    require_text(model, "model", "a model name (a string)", optional=True)
    if output not in OUTPUTS:
        raise UsageError(f"output='{output}' is not one of {', '.join(OUTPUTS)}")
    cat = open_catalog(catalog)
    if model is not None and model not in cat.models:
        raise UnknownNameError(model, cat.models, kind="model")
    if features is None:
        if model is None:
            raise UsageError("pass the features to export, or model= to export its features")
        features = list(cat.models[model].features)
    elif model is not None:
        from featurecat.retrieval import tracking
        from featurecat.retrieval.request import feature_names

        tracking.warn_undeclared(cat, model, feature_names(features))
    if output == "batches" and path is not None:
        raise UsageError("output='batches' streams the rows: pass no path")
    if output == "parquet" and path is None:
        raise UsageError("output='parquet' needs path= (a .parquet file or a folder)")
    budget = resolve(cat, memory_limit, spill_dir)
    out = target(path, cat, overwrite, budget.spill_dir) if output == "parquet" else None
    runner = get_engine(engine)
    if runner.name == "spark":
        if out is None:
            raise UsageError("output='batches' needs engine='duckdb'; Spark writes parquet")
        if not isinstance(out, Target):
            raise UsageError(
                f"output {out.where}: Spark writes its part files to a folder it can rename in "
                "(a local or shared disk); export to a URI with engine='duckdb'"
            )
        from featurecat.retrieval.spark_engine import SparkEngine
        from featurecat.retrieval.spark_export import export as spark_export

        assert isinstance(runner, SparkEngine)
        return spark_export(cat, runner, features, entity_rows, out, timestamp_column, model)
    rows, request = _planned(cat, features, entity_rows, timestamp_column)
    if out is None:
        return _stream(cat, request, rows, budget, model, batch_size)
    return _write(cat, request, rows, budget, out, model, ordered, progress)


def load_rows(
    cat: Catalog,
    features: str | Iterable[str],
    entity_df: Any,
    timestamp_column: str,
    output: str | None,
    budget: Budget,
) -> tuple[Any, dict[str, Any]]:
    """``load_features`` for entity rows that are not a pandas frame: the streamed join,
    gathered and put back in entity order, and its manifest."""
    from featurecat.retrieval.outputs import LOCAL_OUTPUTS, convert, require_output

    output = output or "pandas"
    require_output(output, "duckdb", LOCAL_OUTPUTS)
    rows, request = _planned(cat, features, entity_df, timestamp_column)
    reader = _stream(cat, request, rows, budget, None, 65_536)
    record = json.loads(reader.schema.metadata[b"featurecat"])
    table = reader.read_all().sort_by(ROW_COLUMN).drop_columns([ROW_COLUMN])
    table = table.replace_schema_metadata(None)
    record["entity_rows"]["count"] = table.num_rows
    del record["output"]
    names = [features] if isinstance(features, str) else list(features)
    return convert(table, {n: cat.feature(n).dtype for n in names}, output), record


def _planned(
    cat: Catalog, features: str | Iterable[str], value: Any, timestamp_column: str
) -> tuple[EntityRows, Plan]:
    """The entity rows and the request for them, refused when the rows have a column the
    result adds."""
    rows = entity_rows_of(value, cat)
    if ROW_COLUMN in rows.columns:
        raise DataError(
            f"the entity rows already have a column named '{ROW_COLUMN}', which the result "
            "adds (each row's position); rename or drop it first"
        )
    return rows, plan(cat, features, rows.columns, timestamp_column)


def _write(
    cat: Catalog,
    request: Plan,
    rows: EntityRows,
    budget: Budget,
    out: Output,
    model: str | None,
    ordered: bool,
    progress: Progress | None,
) -> Exported:
    from featurecat.retrieval import duckdb_export

    if ordered and not out.single_file:
        raise UsageError("ordered=True needs a single-file output (a path ending in .parquet)")
    temporary = out.staging()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            gathering = pool.submit(manifests.provenance, cat, request)
            with duckdb_export.joined(request, rows, budget, out.near) as job:
                total, start, end = _summary(job, rows, request.timestamp_column)
                with _watching(job, progress, total):
                    count = duckdb_export.copy(job, temporary, out.single_file, ordered, rows.what)
            found = gathering.result()
        record = manifests.record(
            cat,
            request,
            found,
            engine="duckdb",
            rows=count,
            window=(start, end),
            model=model,
        )
        record["output"] = {"path": str(out.where), "row_column": ROW_COLUMN}
        out.publish(temporary, record)
    finally:
        out.discard(temporary)  # after publishing: what is left of the staging, if anything
    return Exported(out.where, out.manifest, count)


def _stream(
    cat: Catalog,
    request: Plan,
    rows: EntityRows,
    budget: Budget,
    model: str | None,
    batch_size: int,
) -> pa.RecordBatchReader:
    import tempfile

    import pyarrow as pa

    from featurecat.retrieval import duckdb_export

    found = manifests.provenance(cat, request)

    def batches() -> Iterator[Any]:
        near = Path(tempfile.gettempdir())
        with duckdb_export.joined(request, rows, budget, near) as job:
            total, start, end = _summary(job, rows, request.timestamp_column)
            record = manifests.record(
                cat, request, found, engine="duckdb", rows=total, window=(start, end), model=model
            )
            record["output"] = {"path": None, "row_column": ROW_COLUMN}
            parts = duckdb_export.stream(job, batch_size, rows.what)
            schema = next(parts)
            yield schema.with_metadata({b"featurecat": json.dumps(record).encode()})
            yield from parts

    produced = batches()
    schema = next(produced)
    return pa.RecordBatchReader.from_batches(schema, produced)


def _summary(
    job: Joined, rows: EntityRows, column: str
) -> tuple[int | None, datetime | None, datetime | None]:
    """How many entity rows there are and their earliest and latest times (unknown for a
    one-off stream, which cannot be read twice)."""
    if not rows.rescannable:
        return None, None, None
    from featurecat.data.duck import quote

    entity, params = rows.register(job.con)
    stamp = f"CAST({quote(column)} AS TIMESTAMPTZ)"
    query = f"SELECT count(*), min({stamp}), max({stamp}) FROM {entity}"  # noqa: S608
    total, start, end = job.con.execute(query, params).fetchall()[0]
    return total, start, end


class _watching:
    """Calls ``progress`` with DuckDB's fraction done, every 0.2 s, while the block runs."""

    def __init__(self, job: Joined, progress: Progress | None, total: int | None) -> None:
        self.job, self.progress, self.total = job, progress, total
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> None:
        if self.progress is None:
            return
        self.job.con.execute("SET enable_progress_bar = true")
        self.job.con.execute("SET enable_progress_bar_print = false")
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        assert self.progress is not None
        while not self.done.wait(0.2):
            percent = self.job.con.query_progress()
            if percent >= 0:
                self.progress(min(percent, 100.0) / 100, self.total)

    def __exit__(self, kind: object, *exc: object) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
            if kind is None:
                assert self.progress is not None
                self.progress(1.0, self.total)
