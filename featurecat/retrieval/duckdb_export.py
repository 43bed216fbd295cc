"""The DuckDB engine for joins bigger than memory: one query, written or streamed by DuckDB.

Unlike :mod:`.duckdb_engine`, which joins source by source and puts the columns back in the
entity frame's order in Python, this runs every source's ``ASOF LEFT JOIN`` in one query over
entity rows DuckDB reads itself (:mod:`.rows`), and hands the result to ``COPY ... TO`` (parquet,
never materialised in Python) or to an arrow stream. DuckDB keeps to its memory limit by
spilling (:mod:`.budget`).

Order: the join does not keep the entity rows' order, so each output row carries
:data:`ROW_COLUMN`, its entity row's position (0-based, in file order: files sorted by name);
sorting by it restores the order. ``ordered=True`` sorts a single-file output itself.

Streams: an ``ASOF`` join sorts all of both sides before it gives its first row (54 s at
20,000,000 rows). So a stream whose entity rows can be read twice starts with the entity
rows of the smallest keys (about one batch of them, by a sample of the keys) joined on their
own against the source rows of those keys, which a source laid out by key (as snapshot tables
are) reads from its first row groups alone; then it joins the rest. The training loop gets
its first batch in about a second, and the whole stream costs one more pass over the keys.
"""

# SQL text is built only from names the schema has validated, always quoted; file paths are
# bound as parameters or quoted as SQL strings.
# ruff: noqa: S608

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from featurecat.data.duck import Scan, connect, quote, scan
from featurecat.errors import DataError
from featurecat.retrieval.budget import Budget, applied, out_of_resources
from featurecat.retrieval.duckdb_engine import _has_ties, _rows, _types, _value, hold
from featurecat.retrieval.frames import TS
from featurecat.retrieval.request import Plan, SourceRead
from featurecat.retrieval.rows import ROW_COLUMN

if TYPE_CHECKING:
    from featurecat.retrieval.rows import EntityRows

_HEAD = "fc_head"
_SAMPLE = 20_000
"""Keys sampled to find the first part of a stream."""


@dataclass
class Joined:
    """The join, ready to run on ``con`` with ``params``, spilling to ``spill``."""

    con: duckdb.DuckDBPyConnection
    plan: Plan
    entity: str
    params: dict[str, Any]
    spill: Path
    budget: Budget
    sources: list[tuple[SourceRead, Scan]]
    rescannable: bool
    known_ties: dict[str, bool] = field(default_factory=dict)

    @cached_property
    def sql(self) -> str:
        """The whole join (asking each source whether it has ties, once)."""
        return self.part(self.sources)

    def part(self, sources: list[tuple[SourceRead, Scan]], within: str = "TRUE") -> str:
        """The join of the entity rows ``within`` holds, reading ``sources``."""
        ties = [self.ties(read, opened) for read, opened in sources]
        return _sql(self.plan, self.entity, list(zip(sources, ties, strict=True)), within)

    def ties(self, read: SourceRead, opened: Scan) -> bool:
        """Whether ``opened`` has ties (:func:`_has_ties`), asked once."""
        if opened.relation not in self.known_ties:
            self.known_ties[opened.relation] = _has_ties(self.con, read, opened)
        return self.known_ties[opened.relation]

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
            renamed = _renamed(stack.enter_context(scan(con, read.data, _types(read))), index)
            params.update(renamed.params)
            sources.append((read, renamed))
        yield Joined(con, plan, entity, params, spill, budget, sources, rows.rescannable)


def _renamed(opened: Scan, index: int) -> Scan:
    """``opened`` with its parameters suffixed, so several sources share one query."""
    relation = opened.relation
    for name in opened.params:
        relation = re.sub(rf"\${name}\b", f"${name}_{index}", relation)
    params = {f"{name}_{index}": value for name, value in opened.params.items()}
    return Scan(relation, params, opened.pinned)


def _sql(plan: Plan, entity: str, sources: list[tuple[tuple[Any, Scan], bool]], within: str) -> str:
    stamp = quote(plan.timestamp_column)
    values: dict[str, str] = {}
    joins: list[str] = []
    for index, ((read, opened), dedupe) in enumerate(sources):
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
        WITH e AS (
            SELECT *, CAST({stamp} AS TIMESTAMPTZ) AS {TS} FROM ({entity}) WHERE {within})
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
        blank = [((read, opened), False) for read, opened in job.sources]
        empty = _sql(job.plan, job.entity, blank, "FALSE")
        yield job.con.sql(empty, params=job.params).to_arrow_table().schema
        for sql in _parts(job, batch_size):
            yield from job.con.sql(sql, params=_bound(sql, job.params)).to_arrow_reader(batch_size)
    except duckdb.Error as exc:
        raise job.failure(exc, what) from None


def _parts(job: Joined, batch_size: int) -> Iterator[str]:
    """The join in the order to stream it: the entity rows of the smallest keys first
    (about ``batch_size`` of them, with only their sources' rows), then the others."""
    key = quote(job.plan.sources[0].join_keys[0])
    head = _smallest(job, key, batch_size) if job.rescannable else None
    if head is None:
        yield job.sql
        return
    job.params[_HEAD] = head
    first = f"{key} <= ${_HEAD}"
    sources = []
    for index, (read, opened) in enumerate(job.sources):
        if quote(read.join_keys[0]) == key:  # other entities' sources are read whole
            name = f"__fc_head_{index}"
            opened = hold(job.con, read, opened, name, first, {_HEAD: head})
        sources.append((read, opened))
    yield job.part(sources, first)
    for (_, held), (_, opened) in zip(sources, job.sources, strict=True):
        if held is not opened:
            job.con.execute(f"DROP TABLE {held.relation}")
    yield job.part(job.sources, f"NOT coalesce({first}, false)")


def _smallest(job: Joined, key: str, batch_size: int) -> Any:
    """A key below which about ``batch_size`` entity rows lie (from a sample of the keys),
    or ``None`` when the rows are too few to split."""
    entity = _bound(job.entity, job.params)
    counted = job.con.execute(f"SELECT count(*) FROM ({job.entity})", entity).fetchall()
    total = counted[0][0]
    if total <= 2 * batch_size:
        return None
    share = batch_size / total
    sample = f"SELECT {key} FROM ({job.entity}) USING SAMPLE reservoir({_SAMPLE} ROWS)"
    found = job.con.execute(f"SELECT quantile_disc({key}, {share}) FROM ({sample})", entity)
    picked = found.fetchall()
    return picked[0][0]


def _bound(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The ``params`` that ``sql`` uses (DuckDB refuses any other)."""
    return {name: value for name, value in params.items() if re.search(rf"\${name}\b", sql)}
