"""The DuckDB engine for joins bigger than memory: one query, written or streamed by DuckDB.

Unlike :mod:`.duckdb_engine`, which joins source by source and puts the columns back in the
entity frame's order in Python, this runs every source's ``ASOF LEFT JOIN`` in one query over
entity rows DuckDB reads itself (:mod:`.rows`), and hands the result to ``COPY ... TO`` (parquet,
never materialised in Python) or to an arrow stream. DuckDB keeps to its memory limit by
spilling (:mod:`.budget`).

Order: the join does not keep the entity rows' order, so each output row carries
:data:`ROW_COLUMN`, its entity row's position (0-based, in file order: files sorted by name);
sorting by it restores the order. ``ordered=True`` sorts a single-file output itself.
"""

# SQL text is built only from names the schema has validated, always quoted; file paths are
# bound as parameters or quoted as SQL strings.
# ruff: noqa: S608

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from featurecat.data.duck import Scan, connect, quote, scan
from featurecat.errors import DataError
from featurecat.retrieval.budget import Budget, applied, out_of_resources
from featurecat.retrieval.duckdb_engine import _has_ties, _rows, _types, _value
from featurecat.retrieval.frames import TS
from featurecat.retrieval.request import Plan
from featurecat.retrieval.rows import ROW_COLUMN

if TYPE_CHECKING:
    from featurecat.retrieval.rows import EntityRows


@dataclass(frozen=True)
class Joined:
    """The join, ready to run on ``con``: ``sql`` with ``params``, spilling to ``spill``."""

    con: duckdb.DuckDBPyConnection
    sql: str
    params: dict[str, Any]
    spill: Path
    budget: Budget

    def failure(self, exc: BaseException, what: str) -> DataError:
        """A DuckDB error during the join as one line saying what to do."""
        known = out_of_resources(exc, self.budget, self.spill)
        if known is not None:
            return known
        first = str(exc).strip().split("\n\n")[0].replace("\n", "; ")
        return DataError(f"cannot join the features onto {what}: {first}")


@contextmanager
def joined(plan: Plan, rows: EntityRows, budget: Budget, near: Path) -> Iterator[Joined]:
    """A connection with the entity rows and sources open, held to ``budget``."""
    with connect() as con, applied(con, budget, near) as spill, ExitStack() as stack:
        # DuckDB draws its own progress bar on stdout for long queries: never ours to print.
        con.execute("SET enable_progress_bar_print = false")
        entity, params = rows.numbered(con)
        sources = []
        for index, read in enumerate(plan.sources):
            opened = stack.enter_context(scan(con, read.data, _types(read)))
            dedupe = _has_ties(con, read, opened)
            renamed = _renamed(opened, index)
            params.update(renamed.params)
            sources.append((read, renamed, dedupe))
        yield Joined(con, _sql(plan, entity, sources), params, spill, budget)


def _renamed(opened: Scan, index: int) -> Scan:
    """``opened`` with its parameters suffixed, so several sources share one query."""
    relation = opened.relation
    for name in opened.params:
        relation = re.sub(rf"\${name}\b", f"${name}_{index}", relation)
    params = {f"{name}_{index}": value for name, value in opened.params.items()}
    return Scan(relation, params, opened.pinned)


def _sql(plan: Plan, entity: str, sources: list[tuple[Any, Scan, bool]]) -> str:
    stamp = quote(plan.timestamp_column)
    values: dict[str, str] = {}
    joins: list[str] = []
    for index, (read, opened, dedupe) in enumerate(sources):
        alias = f"s{index}"
        body = _rows(read, opened, numbered=dedupe)
        if dedupe:
            keys = ", ".join(quote(k) for k in read.join_keys)
            body = f"""
                SELECT * FROM ({body}) AS numbered
                QUALIFY row_number() OVER (PARTITION BY {keys}, {TS} ORDER BY __fc_pos DESC) = 1"""
        on = " AND ".join(f"e.{quote(k)} = {alias}.{quote(k)}" for k in read.join_keys)
        joins.append(f"ASOF LEFT JOIN ({body}) AS {alias} ON {on} AND e.{TS} >= {alias}.{TS}")
        values.update((f.name, _value(f, f"e.{TS}", alias)) for f in read.features)
    columns = ", ".join(f"{values[f.name]} AS {quote(f.name)}" for f in plan.features)
    row = quote(ROW_COLUMN)
    return f"""
        WITH e AS (SELECT *, CAST({stamp} AS TIMESTAMPTZ) AS {TS} FROM ({entity}))
        SELECT e.* EXCLUDE ({TS}, {row}), {columns}, e.{row}
        FROM e {" ".join(joins)}"""


def copy(job: Joined, out: Path, single_file: bool, ordered: bool, what: str) -> int:
    """Write the join to ``out`` (a parquet file, or a folder of part files written in
    parallel); the number of rows written."""
    sql = job.sql + (f" ORDER BY {quote(ROW_COLUMN)}" if ordered else "")
    options = "FORMAT parquet" + ("" if single_file else ", PER_THREAD_OUTPUT true")
    target = str(out).replace("'", "''")
    try:
        result = job.con.execute(f"COPY ({sql}) TO '{target}' ({options})", job.params)
        written: int = result.fetchall()[0][0]
    except duckdb.Error as exc:
        raise job.failure(exc, what) from None
    return written


def stream(job: Joined, batch_size: int, what: str) -> Iterator[Any]:
    """The join's record batches; the first item is their schema."""
    try:
        empty = job.con.sql(f"SELECT * FROM ({job.sql}) LIMIT 0", params=job.params)
        yield empty.to_arrow_table().schema
        yield from job.con.sql(job.sql, params=job.params).to_arrow_reader(batch_size)
    except duckdb.Error as exc:
        raise job.failure(exc, what) from None
