"""Sources as DuckDB reads them: one :func:`scan` for every query featurecat runs on data.

The loader's joins, ``get_feature``, and the portal's profiles all read a source through
:func:`scan`, which asks the source's reader (:mod:`featurecat.data.reader`) what to put
after ``FROM``: so CSV columns are read with the same types everywhere (the types the checks
saw, pinned), and single files are held open while a query runs, whatever writers do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.dtypes import Dtype, ValueKind, default_for, dtype_spec

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from featurecat.data.source import SourceData

_PINNED = re.compile(r"/dev/fd/\d+\b")
#: DuckDB settings every connection opened in this context starts with (see :func:`limits`).
_LIMITS: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("featurecat_limits", default=())


@dataclass(frozen=True)
class Scan:
    """What a DuckDB query reads a source's rows from: ``FROM {relation}``, with ``params``
    bound to the query (file paths never enter the SQL text). ``pinned`` maps the names
    under which open files are read back to the files, for messages."""

    relation: str
    params: dict[str, Any]
    pinned: dict[str, Path] = field(default_factory=dict)

    def explain(self, message: str) -> str:
        """``message`` (DuckDB's) with each pinned name replaced by its file's path."""
        if not self.pinned:
            return message
        return _PINNED.sub(lambda m: str(self.pinned.get(m.group(0), m.group(0))), message)


def scan(
    con: duckdb.DuckDBPyConnection,
    data: SourceData,
    types: Mapping[str, str],
    *,
    union_by_name: bool = False,
) -> AbstractContextManager[Scan]:
    """How ``con`` reads ``data`` for the length of the ``with`` block.

    ``types`` pins DuckDB types on columns where the format does not carry them (CSV); see
    :func:`column_types`. ``union_by_name`` lets the files of a glob differ in their columns
    (a missing column is null), as the portal's profiles allow.
    """
    return data.reader.scan(con, data, types, union_by_name=union_by_name)


def column_types(
    timestamp: str, dtypes: Mapping[str, Dtype], keys: Mapping[str, ValueKind] | None = None
) -> dict[str, str]:
    """The DuckDB types to read columns with: the timestamp column as an aware timestamp,
    join keys by the kind of values the checks saw in them, values by their dtype."""
    types = {timestamp: dtype_spec("timestamp").duckdb}
    for key, kind in (keys or {}).items():
        default = default_for(kind)
        if default is not None:
            types[key] = default.duckdb
        elif kind == "date":  # dates hold no feature, but do join
            types[key] = "DATE"
    types.update((column, dtype_spec(dtype).duckdb) for column, dtype in dtypes.items())
    return types


@contextmanager
def connect() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection, closed at the end of the ``with`` block."""
    import duckdb

    # DuckDB downloads extensions it lacks (httpfs for s3://...) unless told not to: featurecat
    # never downloads at run time, and reads object storage through fsspec instead.
    con = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    try:
        # Casts between naive and aware timestamps use the session zone: pin it to UTC so the
        # machine's local zone can never shift a value.
        con.execute("SET TimeZone = 'UTC'")
        _read_remote_in_large_requests(con)
        for name, value in _LIMITS.get():
            text = value.replace("'", "''")
            con.execute(f"SET {name} = '{text}'")
        yield con
    finally:
        from featurecat.data.remote import forget

        forget(con)
        con.close()


#: How much DuckDB asks of an object store in one request (AWS's guide to byte-range
#: fetches suggests 8 or 16 MB). DuckDB's default, 2 MiB, reads a 90 MB parquet object
#: through fsspec in 55 requests (3.1 s from the tests' S3 server), against 17 requests
#: (0.9 s) for the same bytes.
REMOTE_REQUEST_BYTES = 16 << 20


def _read_remote_in_large_requests(con: duckdb.DuckDBPyConnection) -> None:
    import duckdb

    # A setting of DuckDB 2, whose external file cache splits reads into such blocks.
    with suppress(duckdb.Error):
        con.execute(f"SET external_file_cache_remote_max_block_size = {REMOTE_REQUEST_BYTES}")


@contextmanager
def limits(settings: Mapping[str, str]) -> Iterator[None]:
    """Connections :func:`connect` opens inside the block (in this thread) start with
    ``settings``, DuckDB settings by name (a load's ``memory_limit`` and ``temp_directory``):
    so a caller bounds an engine's memory without reaching into the engine."""
    token = _LIMITS.set(tuple(settings.items()))
    try:
        yield
    finally:
        _LIMITS.reset(token)


def to_arrow(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    """A query's result as one arrow table, whichever DuckDB API version is installed."""
    import pyarrow as pa

    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    result = fetch()
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


def quote(identifier: str) -> str:
    """A quoted SQL identifier (names are validated already; quoting keeps keywords safe)."""
    return '"' + identifier.replace('"', '""') + '"'
