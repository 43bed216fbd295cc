"""The embedded default engine: one DuckDB ``ASOF LEFT JOIN`` per source, straight off the files.

Per source, DuckDB reads only the needed columns of the parquet or CSV files (nothing passes
through pandas) and joins them onto the entity rows' keys and UTC timestamps with an
``ASOF LEFT JOIN``, so every entity row stays, matched or not. The ttl is a filter on the
matched row's age; row numbers put the result back in the entity frame's order (scattered
with numpy, much cheaper than an ``ORDER BY``). Joining
source by source keeps memory to one source's columns at a time.

Ties (source rows with the same keys and timestamp) are rare, and resolving them needs a
window over the whole source, so the engine first asks whether the source has any (a cheap
aggregate over keys and timestamps) and only then keeps the last row in file order.
"""

# SQL text is built only from names the schema has validated (letters, digits, '_'), always
# quoted; file paths and times are bound as parameters.
# ruff: noqa: S608

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from featurecat.errors import DataError, UsageError
from featurecat.retrieval import frames
from featurecat.retrieval.dtypes import DUCKDB_TYPES, ValueKind, arrow_kind
from featurecat.retrieval.request import FeatureColumn, Plan, SourceRead
from featurecat.retrieval.sources import shown

if TYPE_CHECKING:
    import pandas as pd

_ENTITY = "__fc_entity"
_POS = "__fc_pos"
_TS = frames.TS
_ROW = frames.ROW
_MICROSECOND = timedelta(microseconds=1)
_DEV_FD = Path("/dev/fd")
_KEY_TYPES: dict[ValueKind, str] = {
    "integer": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "string": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
}


class DuckDBEngine:
    """Point-in-time joins in an in-process DuckDB; pandas in, pandas (or arrow, polars) out."""

    name = "duckdb"

    def columns(self, entity_df: Any) -> dict[str, ValueKind]:
        return frames.pandas_columns(entity_df)

    def summary(self, entity_df: Any, column: str) -> tuple[int, datetime | None, datetime | None]:
        return frames.summary(entity_df, column)

    def retrieve(self, plan: Plan, entity_df: pd.DataFrame, output: str | None) -> Any:
        output = output or "pandas"
        if output not in frames.OUTPUTS:
            raise UsageError(
                f"output='{output}' is not one of {', '.join(frames.OUTPUTS)} for engine 'duckdb'"
            )
        keys = frames.entity_keys(entity_df, plan)
        with connect() as con:
            con.register(_ENTITY, keys)
            columns: dict[str, pa.ChunkedArray] = {}
            for read in plan.sources:
                with pinned(read) as files:
                    dedupe = _has_ties(con, read, files)
                    # Row ids restore the order, so unless ties need the files' row order,
                    # DuckDB may read and join in any order (measurably faster).
                    con.execute(f"SET preserve_insertion_order = {str(dedupe).lower()}")
                    block = _run(con, read, *_join_sql(read, files, dedupe=dedupe))
                    con.execute("SET preserve_insertion_order = true")
                columns.update(_in_entity_order(block, nan_for_null=output == "pandas"))
        features = frames.conform(pa.table(columns), plan)
        return frames.attach(entity_df, features, plan, output)

    def latest(self, read: SourceRead, as_of: datetime | None) -> pa.Table:
        """Each entity's latest row (at or before ``as_of``): keys, features, timestamp."""
        keys = ", ".join(quote(k) for k in read.join_keys)
        at = None if as_of is None else "$as_of::TIMESTAMPTZ"
        window = "" if at is None else f"WHERE {_TS} <= {at}"
        values = ", ".join(f"{_value(f, at)} AS {quote(f.name)}" for f in read.features)
        sql = f"""
            SELECT {keys}, {values}, {_TS} AS {quote(read.timestamp)}
            FROM ({_scan(read, numbered=True)}) AS s {window}
            QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {_TS} DESC, {_POS} DESC) = 1
            ORDER BY {keys}"""
        with pinned(read) as files, connect() as con:
            params = files if as_of is None else {**files, "as_of": as_of}
            return _run(con, read, sql, params)


@contextmanager
def pinned(read: SourceRead) -> Iterator[dict[str, Any]]:
    """The ``$files`` parameter that reads the source's data as it is now, whatever writers do.

    DuckDB opens a file more than once per query (its footer, then its row groups), and a
    join runs more than one query; writers replace a file by renaming a new one over it, so a
    swap in between would tear what is read. An open descriptor's ``/dev/fd`` path keeps
    pointing at the file that was there. Only single files are pinned: they are what
    ``update_feature`` replaces, and a folder of parts could run out of descriptors.
    """
    fd = None
    if len(read.files) == 1 and _DEV_FD.is_dir():
        with suppress(OSError):  # DuckDB then says what is wrong with the file
            fd = os.open(read.files[0], os.O_RDONLY)
    try:
        yield {"files": [str(f) for f in read.files] if fd is None else [f"{_DEV_FD}/{fd}"]}
    finally:
        if fd is not None:
            os.close(fd)


@contextmanager
def connect() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    try:
        # Casts between naive and aware timestamps use the session zone: pin it to UTC so the
        # machine's local zone can never shift a value.
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def _has_ties(con: duckdb.DuckDBPyConnection, read: SourceRead, files: dict[str, Any]) -> bool:
    """Whether two source rows share their keys and timestamp.

    Files written in order of keys then time (snapshots) or time then keys (event logs)
    prove there are none in one streaming pass, strictly increasing row after row; for
    anything else, an aggregate over keys and timestamps decides.
    """
    keys = ", ".join(quote(k) for k in read.join_keys)
    present = " AND ".join(f"{quote(k)} IS NOT NULL" for k in read.join_keys)
    in_order = f"""
        SELECT coalesce(bool_and(k > pk), true) OR coalesce(bool_and(t > pt), true)
        FROM (
            SELECT k, t, lag(k) OVER () AS pk, lag(t) OVER () AS pt
            FROM (
                SELECT row({keys}, {_TS}) AS k, row({_TS}, {keys}) AS t
                FROM ({_scan(read, features=False)}) AS s WHERE {present}
            )
        )"""
    if _run(con, read, in_order, files).column(0)[0].as_py():
        return False
    grouped = f"""
        SELECT 1 FROM ({_scan(read, features=False)}) AS s
        GROUP BY {keys}, {_TS} HAVING count(*) > 1 LIMIT 1"""
    found: int = _run(con, read, grouped, files).num_rows
    return found > 0


def _join_sql(read: SourceRead, files: dict[str, Any], dedupe: bool) -> tuple[str, dict[str, Any]]:
    source = _scan(read, numbered=dedupe)
    if dedupe:
        keys = ", ".join(quote(k) for k in read.join_keys)
        source = f"""
            SELECT * FROM ({source}) AS numbered
            QUALIFY row_number() OVER (PARTITION BY {keys}, {_TS} ORDER BY {_POS} DESC) = 1"""
    on = " AND ".join(f"e.{quote(k)} = s.{quote(k)}" for k in read.join_keys)
    values = ", ".join(f"{_value(f, f'e.{_TS}')} AS {quote(f.name)}" for f in read.features)
    sql = f"""
        SELECT e.{_ROW}, {values}
        FROM {_ENTITY} AS e ASOF LEFT JOIN ({source}) AS s
        ON {on} AND e.{_TS} >= s.{_TS}"""
    return sql, files


def _in_entity_order(
    block: pa.Table, nan_for_null: bool = False
) -> dict[str, pa.Array | pa.ChunkedArray]:
    """The feature columns of a join result, put back in entity row order.

    Row ``i`` of ``block`` belongs to entity row ``block[ROW][i]``: scattering numbers into
    place with numpy costs a fraction of an ``ORDER BY`` (or an arrow ``take``) over all the
    columns. Columns of other types, or holding nulls numpy cannot carry, are taken. With
    ``nan_for_null`` (pandas output, where a missing float is NaN anyway), floats skip the
    null mask, and pandas can then take them without another copy.
    """
    import numpy as np

    rows = block.column(0).to_numpy()
    positions = None
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in block.column_names[1:]:
        column = block.column(name)
        kind = column.type
        if pa.types.is_floating(kind) or (
            column.null_count == 0 and (pa.types.is_integer(kind) or pa.types.is_boolean(kind))
        ):
            values = np.empty(len(rows), kind.to_pandas_dtype())
            values[rows] = column.to_numpy()
            mask = None
            if column.null_count and not (nan_for_null and pa.types.is_floating(kind)):
                mask = np.empty(len(rows), bool)
                mask[rows] = column.is_null().to_numpy()
            columns[name] = pa.array(values, type=kind, mask=mask)
        else:
            if positions is None:
                positions = np.empty_like(rows)
                positions[rows] = np.arange(len(rows))
            columns[name] = column.take(positions)
    return columns


def _value(feature: FeatureColumn, at: str | None) -> str:
    """A feature's value from the matched row ``s``, null when older than the ttl at ``at``."""
    value = f"CAST(s.{quote(feature.column)} AS {DUCKDB_TYPES[feature.dtype]})"
    if feature.ttl is None or at is None:
        return value
    micros = feature.ttl // _MICROSECOND
    return f"CASE WHEN s.{_TS} >= {at} - to_microseconds({micros}) THEN {value} END"


def _scan(read: SourceRead, numbered: bool = False, features: bool = True) -> str:
    """The source's rows: keys, UTC timestamp as ``__fc_ts``, feature columns, file position."""
    columns = [quote(k) for k in read.join_keys]
    columns.append(f"CAST({quote(read.timestamp)} AS TIMESTAMPTZ) AS {_TS}")
    if features:
        columns.extend(dict.fromkeys(quote(f.column) for f in read.features))
    if numbered:
        # Documented to follow the files' row order (files in the order given).
        columns.append(f"row_number() OVER () AS {_POS}")
    where = f"{quote(read.timestamp)} IS NOT NULL"
    return f"SELECT {', '.join(columns)} FROM {_reader(read)} WHERE {where}"


def _reader(read: SourceRead) -> str:
    if read.format == "parquet":
        return "read_parquet($files)"
    # Pin the types of the columns we use, so DuckDB reads the CSV as the checks saw it.
    types = {read.timestamp: "TIMESTAMPTZ"}
    for key in read.join_keys:
        kind = arrow_kind(read.schema.field(key).type)
        if kind in _KEY_TYPES:
            types[key] = _KEY_TYPES[kind]
    types.update((f.column, DUCKDB_TYPES[f.dtype]) for f in read.features)
    pinned = ", ".join(f"'{column}': '{type_}'" for column, type_ in types.items())
    return f"read_csv($files, header = true, types = {{{pinned}}})"


def _run(con: duckdb.DuckDBPyConnection, read: SourceRead, sql: str, params: Any) -> pa.Table:
    try:
        return to_arrow(con.sql(sql, params=params))
    except duckdb.Error as exc:
        # DuckDB's first paragraph says what and where; the rest lists reader options.
        detail = "; ".join(str(exc).strip().split("\n\n")[0].splitlines())
        where = shown(read.files[0]) + (
            f" and {len(read.files) - 1} more" if len(read.files) > 1 else ""
        )
        raise DataError(
            f"cannot read the data of source '{read.name}' ({where}): {detail}"
        ) from None


def to_arrow(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    """A query's result as one arrow table, whichever DuckDB API version is installed."""
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    result = fetch()
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


def quote(identifier: str) -> str:
    """A quoted SQL identifier (names are validated already; quoting keeps keywords safe)."""
    return '"' + identifier.replace('"', '""') + '"'
