"""Entity rows that need not fit in memory: parquet files, Delta tables, arrow data, DuckDB.

:func:`entity_rows` takes what the caller passed as ``entity_df`` and says what columns it
has (for :func:`featurecat.retrieval.request.plan`) and how DuckDB reads it, without loading it:
a path is scanned by DuckDB, arrow objects and pandas frames are registered, a DuckDB
relation is streamed from its own connection. Nothing passes through pandas.

A path may also be a URI (``s3://...``) under a storage location featurecat.yaml declares
(:mod:`.locations`): its objects are listed once, and DuckDB reads them through the
location's fsspec filesystem, as it reads sources there (:mod:`featurecat.data.remote`).
"""

# SQL text holds only fixed names; file paths are bound as parameters.
# ruff: noqa: S608

from __future__ import annotations

import glob
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from featurecat.data.types import arrow_kind
from featurecat.dtypes import ValueKind
from featurecat.errors import DataError, UsageError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from featurecat.catalog import Catalog
    from featurecat.data.objects import StoredObject
    from featurecat.data.storage import Place

NAME = "__fc_entity_rows"
#: The column holding each output row's position among the entity rows.
ROW_COLUMN = "entity_row"
_PARQUET_MAGIC = b"PAR1"


@dataclass
class EntityRows:
    """Entity rows as DuckDB reads them: ``FROM {relation}`` with ``params`` bound."""

    what: str
    """How to name the rows in messages: a path, or 'the arrow table'."""
    columns: dict[str, ValueKind]
    files: list[str] = field(default_factory=list)
    data: Any = None
    """An object DuckDB reads by name (arrow table, dataset or reader, pandas frame)."""
    rescannable: bool = True
    """False for a stream (a record batch reader), which can be read only once."""
    place: Place | None = None
    """The storage location of ``files`` when they are URIs, and the objects listed there."""
    objects: tuple[StoredObject, ...] = ()

    def register(self, con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, Any]]:
        """What to put after ``FROM`` in ``con``, and the parameters to bind."""
        if self.files:
            self._reachable(con)
            return "read_parquet($entity_files)", {"entity_files": self.files}
        con.register(NAME, self.data)
        return NAME, {}

    def numbered(self, con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, Any]]:
        """A query of the rows with :data:`ROW_COLUMN` added, and its parameters.

        Parquet files are numbered from their own row numbers plus each file's offset, so
        the scan stays parallel; other inputs by ``row_number()`` in the order they arrive.
        """
        row = f'"{ROW_COLUMN}"'
        if not self.files or {"file_row_number", "__fc_file"} & set(self.columns):
            relation, params = self.register(con)
            return f"SELECT *, row_number() OVER () - 1 AS {row} FROM {relation}", params
        self._reachable(con)
        params = {"entity_files": self.files}
        scan = "read_parquet($entity_files, filename = '__fc_file', file_row_number = true)"
        if len(self.files) == 1:
            return (
                f"SELECT * EXCLUDE (file_row_number, __fc_file), file_row_number AS {row} "
                f"FROM {scan}",
                params,
            )
        con.register(f"{NAME}_offsets", self._offsets())
        return (
            f"SELECT r.* EXCLUDE (file_row_number, __fc_file), "
            f"o.start + r.file_row_number AS {row} FROM {scan} AS r "
            f"JOIN {NAME}_offsets AS o ON r.__fc_file = o.file",
            params,
        )

    def open(self, file: str) -> IO[bytes]:
        """One of ``files``, opened for reading (through the location's filesystem)."""
        if self.place is None:
            return open(file, "rb")
        from featurecat.data.objects import pin
        from featurecat.data.storage import bare

        handle: IO[bytes] = pin(self.place.filesystem(), self.objects).open(bare(file), "rb")
        return handle

    def _reachable(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.place is not None:
            from featurecat.data.remote import register

            register(con, self.place, self.objects)

    def _offsets(self) -> pa.Table:
        """Each file's first row number among all the files, from the parquet footers."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        starts, start = [], 0
        for file in self.files:
            starts.append(start)
            with self.open(file) as handle:
                start += pq.ParquetFile(handle).metadata.num_rows
        return pa.table({"file": self.files, "start": pa.array(starts, pa.int64())})


def entity_rows(value: Any, catalog: Catalog | None = None) -> EntityRows:
    """``value`` (a path, glob, folder, Delta table, arrow object, DuckDB relation or pandas
    frame) as entity rows, refused with a message saying what is accepted. A URI is read
    only under a storage location ``catalog`` declares."""
    if isinstance(value, str | os.PathLike):
        text = os.fspath(value)
        return _from_uri(text, catalog) if "://" in text else _from_path(text)
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(value, pandas.DataFrame):
        from featurecat.retrieval.frames import pandas_columns

        return EntityRows("entity_df", pandas_columns(value), data=value)
    import pyarrow as pa
    import pyarrow.dataset as ds

    if isinstance(value, pa.Table | ds.Dataset):
        what = "the arrow table" if isinstance(value, pa.Table) else "the arrow dataset"
        return EntityRows(what, _kinds(value.schema), data=value)
    if isinstance(value, pa.RecordBatchReader):
        return EntityRows(
            "the record batch reader", _kinds(value.schema), data=value, rescannable=False
        )
    if type(value).__module__.startswith("duckdb") and hasattr(value, "to_arrow_reader"):
        # A relation belongs to its own connection: stream its rows into ours.
        reader = value.to_arrow_reader()
        return EntityRows(
            "the DuckDB relation", _kinds(reader.schema), data=reader, rescannable=False
        )
    raise UsageError(
        f"entity rows (entity_df) must be a pandas DataFrame, a parquet path (a file, folder "
        f"or glob), a Delta table's folder, a pyarrow Table, Dataset or RecordBatchReader, or "
        f"a DuckDB relation, not {type(value).__name__}"
    )


def _from_path(text: str) -> EntityRows:
    path = Path(text)
    if path.is_dir() and (path / "_delta_log").is_dir():
        return _delta(text, None)
    if path.is_dir():
        files = sorted(str(f) for f in path.rglob("*.parquet") if f.is_file())
        if not files:
            raise DataError(f"entity rows {text}: the folder holds no .parquet file")
    elif any(char in text for char in "*?["):
        files = sorted(f for f in glob.glob(text, recursive=True) if Path(f).is_file())  # noqa: PTH207
        if not files:
            raise DataError(f"entity rows {text}: no file matches this pattern")
    elif path.is_file():
        files = [text]
    else:
        raise DataError(f"entity rows {text}: no such file or folder; check the path")
    rows = EntityRows(text, {}, files=[str(Path(f).absolute()) for f in files])
    rows.columns = _kinds(_schema(rows))
    return rows


def _from_uri(uri: str, catalog: Catalog | None) -> EntityRows:
    """Entity rows at a URI: a parquet object, a glob or a folder of them, or a Delta table."""
    from featurecat.data.objects import explain, list_objects
    from featurecat.data.storage import bare
    from featurecat.retrieval.locations import declared

    if catalog is None:
        raise UsageError(f"entity rows {uri}: a URI is read only with the catalog that declares it")
    where = declared(catalog, uri, "entity rows")
    if uri.startswith("file://"):
        return _from_path(bare(uri))  # a shared disk: read as local files
    fs, scheme, path = where.filesystem(), uri.split("://", 1)[0], bare(uri).rstrip("/")
    try:
        if any(char in path for char in "*?["):
            objects = list_objects(where, uri)
            if not objects:
                raise DataError(f"entity rows {uri}: no file matches this pattern")
        elif fs.info(path).get("type") == "directory":
            if fs.exists(f"{path}/_delta_log"):
                return _delta(uri, where)
            objects = list_objects(where, f"{scheme}://{path}/**/*.parquet")
            if not objects:
                raise DataError(f"entity rows {uri}: the folder holds no .parquet file")
        else:
            objects = list_objects(where, uri)
    except DataError:
        raise
    except Exception as exc:  # any storage client's failure, in one line
        raise DataError(f"entity rows: {explain(exc, uri, where)}") from None
    rows = EntityRows(uri, {}, files=[o.uri for o in objects], place=where, objects=tuple(objects))
    rows.columns = _kinds(_schema(rows))
    return rows


def _schema(rows: EntityRows) -> pa.Schema:
    """The first file's schema, once every file is known to be parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from featurecat.data.objects import explain

    for file in rows.files:
        try:
            with rows.open(file) as handle:
                head = handle.read(4)
        except OSError as exc:
            if rows.place is not None:
                raise DataError(f"entity rows: {explain(exc, file, rows.place)}") from None
            raise DataError(f"entity rows {file}: cannot read it: {exc.strerror or exc}") from None
        if head != _PARQUET_MAGIC:
            raise DataError(
                f"entity rows {file}: not a parquet file; write the rows with "
                "DataFrame.to_parquet() or pyarrow.parquet.write_table()"
            )
    try:
        with rows.open(rows.files[0]) as handle:
            schema: pa.Schema = pq.read_schema(handle)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"entity rows {rows.what}: cannot read its parquet footer: {exc}") from None
    return schema


def _delta(uri: str, where: Place | None) -> EntityRows:
    """A Delta table's current version, its files in commit order (so rows are numbered in
    the order they were appended)."""
    try:
        from deltalake import DeltaTable
    except ImportError:
        raise UsageError(
            f"entity rows {uri} are a Delta table; install deltalake with "
            "pip install 'featurecat[delta]'"
        ) from None
    from featurecat.data.delta import committed_order

    options = where.delta_options() if where is not None else None
    try:
        dataset = committed_order(DeltaTable(uri, storage_options=options))
    except Exception as exc:  # deltalake raises its own types, and OSError
        from featurecat.data.objects import explain

        said = explain(exc, uri, where) if where is not None else str(exc)
        raise DataError(f"entity rows {uri}: cannot open the Delta table: {said}") from None
    return EntityRows(uri, _kinds(dataset.schema), data=dataset)


def _kinds(schema: pa.Schema) -> dict[str, ValueKind]:
    names = [f.name for f in schema]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(f"the entity rows have more than one column named {', '.join(repeated)}")
    import pyarrow as pa

    return {f.name: "null" if pa.types.is_null(f.type) else arrow_kind(f.type) for f in schema}
