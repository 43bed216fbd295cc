"""Data profiles for the portal: one DuckDB query per source, covering all of its features.

For each source the portal shows rows and freshness (the newest event timestamp), and for each
feature column the null share, distinct count, min/mean/max and a small histogram. A source is
read with a single query however many features it feeds: the bin edges and top values are
computed in a CTE of that same query. A profile is a nicety: a source whose data cannot be
read gets a note instead, never a failed build.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from featurecat.catalog import Catalog
from featurecat.datacheck import data_files
from featurecat.schema import Source

ColumnKind = Literal["number", "time", "bool", "text"]

BINS = 12
TOP_VALUES = 6

_NUMBER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE")


@dataclass(frozen=True)
class ColumnProfile:
    """What the values of one column look like."""

    column: str
    kind: ColumnKind
    non_null: int
    distinct: int  # approximate (HyperLogLog) beyond a few thousand values
    minimum: float | None = None  # numbers and times (as epoch seconds)
    mean: float | None = None  # numbers; for booleans the share of true
    maximum: float | None = None
    bins: tuple[tuple[float, float, int], ...] = ()  # (low, high, rows) for numbers and times
    top: tuple[tuple[str, int], ...] = ()  # (value, rows) for text and booleans, "other" last


@dataclass(frozen=True)
class SourceProfile:
    """Rows, freshness and per-column profiles of one source's data."""

    source: str
    rows: int
    files: int
    newest: datetime | None
    columns: dict[str, ColumnProfile] = field(default_factory=dict)

    def null_share(self, column: str) -> float | None:
        profile = self.columns.get(column)
        if profile is None or not self.rows:
            return None
        return 1 - profile.non_null / self.rows


@dataclass
class Profiles:
    """The profiles of a catalog's sources, and a note for each source that has none."""

    sources: dict[str, SourceProfile] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


ProfileCache = dict[tuple[Any, ...], SourceProfile]


def profile_catalog(catalog: Catalog, cache: ProfileCache | None = None) -> Profiles:
    """Profile every source with reachable data; ``cache`` skips unchanged files (serve)."""
    import duckdb

    found = Profiles()
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        for name, source in sorted(catalog.sources.items()):
            files = data_files(catalog.data_path(source))
            if not files:
                found.notes[name] = f"no data at {source.path}"
                continue
            columns = sorted({f.column_name for f in catalog.features_of(name)})
            key = _cache_key(source, columns, files)
            if cache is not None and key in cache:
                found.sources[name] = cache[key]
                continue
            try:
                profile = profile_source(con, source, files, columns)
            except duckdb.Error as exc:
                found.notes[name] = f"could not read {source.path}: {_first_line(exc)}"
                continue
            found.sources[name] = profile
            if cache is not None:
                cache[key] = profile
    finally:
        con.close()
    return found


def profile_source(
    con: Any, source: Source, files: list[Path], columns: list[str]
) -> SourceProfile:
    """Profile ``columns`` of one source's ``files`` with one scan query."""
    reader = "read_parquet" if source.format == "parquet" else "read_csv"
    relation = f"{reader}($files, union_by_name = true)"
    params = {"files": [str(f) for f in files]}
    types = {
        row[0]: str(row[1])
        for row in con.execute(f"DESCRIBE SELECT * FROM {relation}", params).fetchall()
    }
    kinds = {c: k for c in columns if c in types and (k := _kind(types[c])) is not None}
    bounds: list[str] = []
    selects = ["count(*)"]
    time_column = source.timestamp if source.timestamp in types else None
    selects.append(f"max({_q(time_column)})" if time_column else "NULL")
    for i, (column, kind) in enumerate(kinds.items()):
        selects.extend(_aggregates(i, _q(column), kind, bounds))
    ctes = f"WITH src AS (SELECT * FROM {relation})"
    if bounds:
        ctes += f", b AS (SELECT {', '.join(bounds)} FROM src)"
    row = con.execute(f"{ctes} SELECT {', '.join(selects)} FROM src", params).fetchone()
    rows, newest, *values = row
    profiles = {}
    for i, (column, kind) in enumerate(kinds.items()):
        profiles[column] = _column(column, kind, values[i * 6 : i * 6 + 6])
    return SourceProfile(source.name, int(rows), len(files), _utc(newest), profiles)


def _aggregates(i: int, col: str, kind: ColumnKind, bounds: list[str]) -> list[str]:
    """Six expressions per column: non-null, distinct, min, mean, max, histogram."""
    common = [f"count({col})", f"approx_count_distinct({col})"]
    if kind in ("number", "time"):
        value = f"epoch({col})" if kind == "time" else f"{col}::DOUBLE"
        finite = f"FILTER (WHERE isfinite({value}))"
        nice = "true" if kind == "number" else "false"
        bounds.append(
            f"equi_width_bins(min({value}) {finite}, max({value}) {finite}, {BINS}, {nice}) AS e{i}"
        )
        mean = f"avg({value}) {finite}" if kind == "number" else "NULL"
        return [
            *common,
            f"min({value}) {finite}",
            mean,
            f"max({value}) {finite}",
            f"histogram({value}, (SELECT e{i} FROM b)) {finite}",
        ]
    if kind == "bool":
        return [*common, "NULL", f"avg({col}::INTEGER)", "NULL", f"histogram({col})"]
    bounds.append(f"approx_top_k({col}, {TOP_VALUES}) AS t{i}")
    top = f"histogram(CASE WHEN list_contains((SELECT t{i} FROM b), {col}) THEN {col} END)"
    return [*common, "NULL", "NULL", "NULL", top]


def _column(column: str, kind: ColumnKind, values: list[Any]) -> ColumnProfile:
    non_null, distinct, low, mean, high, histogram = values
    non_null = int(non_null or 0)
    bins: tuple[tuple[float, float, int], ...] = ()
    top: tuple[tuple[str, int], ...] = ()
    if kind in ("number", "time") and histogram and low is not None:
        bins = _bins(float(low), float(high), histogram)
    elif kind == "bool" and histogram:
        top = tuple((str(v).lower(), int(n)) for v, n in sorted(histogram.items(), reverse=True))
    elif kind == "text" and histogram:
        ranked = sorted(histogram.items(), key=lambda item: (-item[1], str(item[0])))
        top = tuple((str(v), int(n)) for v, n in ranked)
        other = non_null - sum(n for _, n in top)
        if other > 0:
            top += (("other", other),)
    return ColumnProfile(
        column,
        kind,
        non_null,
        int(distinct or 0),
        _number(low),
        _number(mean),
        _number(high),
        bins,
        top,
    )


def _bins(
    low: float, high: float, histogram: Mapping[float, int]
) -> tuple[tuple[float, float, int], ...]:
    """DuckDB's upper-bound keyed histogram as (low, high, rows) bars."""
    bars = []
    edge = low
    for upper, rows in sorted(histogram.items()):
        top = high if math.isinf(upper) else float(upper)
        if rows or bars:
            bars.append((edge, max(top, edge), int(rows)))
        edge = top
    while bars and bars[-1][2] == 0:
        bars.pop()
    return tuple(bars)


def _kind(duckdb_type: str) -> ColumnKind | None:
    upper = duckdb_type.upper()
    if upper.startswith(("TIMESTAMP", "DATE")):
        return "time"
    if upper == "BOOLEAN":
        return "bool"
    if upper == "VARCHAR":
        return "text"
    if upper.lstrip("U").startswith(_NUMBER_TYPES) or upper.startswith("DECIMAL"):
        return "number"
    return None


def _q(identifier: str | None) -> str:
    assert identifier is not None
    return '"' + identifier.replace('"', '""') + '"'


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return (
            value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
        )
    return None


def _cache_key(source: Source, columns: list[str], files: list[Path]) -> tuple[Any, ...]:
    stats = []
    for path in files:
        stat = os.stat(path)
        stats.append((str(path), stat.st_mtime_ns, stat.st_size))
    return (source.model_dump_json(), tuple(columns), tuple(stats))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
