"""Data profiles for the portal: one DuckDB query per source, covering all of its features.

For each source the portal shows rows and freshness (the newest event timestamp), and for each
feature column the null share, distinct count, min/mean/max and a small histogram. A source is
read by two queries however many features it feeds: one pass of single-pass aggregates (counts,
min, max, mean, top values), then one pass that counts each number or time column's values into
equal-width bins between the min and max the first pass found, so every bar's count is exact.
Text columns show their most frequent values. Sources are read as the loader reads them
(:func:`featurecat.data.duck.scan`: CSV columns with the types the loader uses). A profile is
a nicety: a source whose data cannot be read gets a note instead, never a failed build.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from featurecat.catalog import Catalog
from featurecat.data import SourceData, SourceFilesError, locate
from featurecat.data.duck import column_types, connect, quote, scan
from featurecat.dtypes import Dtype
from featurecat.errors import DataError

ColumnKind = Literal["number", "time", "bool", "text"]

BINS = 12
TOP_VALUES = 6
_STRIDE = 32  # more than the most bins a column gets (2 * BINS, for small whole ranges)

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
    bins: tuple[tuple[float, float, int], ...] = ()  # (low, high, rows): exact, all bins
    top: tuple[tuple[str, int | None], ...] = ()  # booleans: (value, rows); text: most frequent
    whole: bool = False  # numbers and times: every value is a whole number


@dataclass(frozen=True)
class SourceProfile:
    """Rows, freshness and per-column profiles of one source's data."""

    source: str
    rows: int
    files: int
    newest: datetime | None
    columns: dict[str, ColumnProfile] = field(default_factory=dict)
    version: str | None = None
    """The table version profiled (a Delta version, an Iceberg snapshot id), if any."""
    committed: str | None = None
    """When that version was committed (ISO, UTC)."""

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
    """Profile every source with reachable data; ``cache`` skips unchanged files (serve).

    Sources are independent, so they are profiled on a few threads (DuckDB releases the GIL).
    """
    found = Profiles()
    jobs: list[tuple[SourceData, dict[str, Dtype], tuple[Any, ...]]] = []
    for name in sorted(catalog.sources):
        try:
            data = locate(catalog, name)
        except SourceFilesError as exc:  # none, or one outside the repository: never read
            found.notes[name] = exc.note
            continue
        dtypes = {f.column_name: f.dtype for f in catalog.features_of(name)}
        dtypes = dict(sorted(dtypes.items()))
        key = _cache_key(data, list(dtypes))
        if cache is not None and key in cache:
            found.sources[name] = cache[key]
        else:
            jobs.append((data, dtypes, key))
    if not jobs:
        return found

    def run(job: tuple[SourceData, dict[str, Dtype], tuple[Any, ...]]) -> None:
        data, dtypes, key = job
        cursor = con.cursor()
        try:
            profile = profile_source(cursor, data, dtypes)
        except DataError as exc:
            found.notes[data.name] = f"could not read {data.source.path or data.where}: {exc}"
            return
        finally:
            cursor.close()
        found.sources[data.name] = profile
        if cache is not None:
            cache[key] = profile

    with connect() as con:
        con.execute("SET enable_progress_bar = false")
        with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1, 4)) as pool:
            list(pool.map(run, jobs))
    found.sources = dict(sorted(found.sources.items()))
    return found


def profile_source(con: Any, data: SourceData, dtypes: dict[str, Dtype]) -> SourceProfile:
    """Profile the columns of ``dtypes`` (column -> declared dtype) of one source's data with
    one scan query; :class:`DataError` when DuckDB cannot read it."""
    import duckdb

    types = column_types(data.source.timestamp, dtypes)
    with scan(con, data, types, union_by_name=True) as found:
        try:
            return _profile(con, data, list(dtypes), found.relation, found.params)
        except duckdb.Error as exc:
            raise DataError(found.explain(_first_line(exc))) from None


def _profile(
    con: Any, data: SourceData, columns: list[str], relation: str, params: dict[str, Any]
) -> SourceProfile:
    source = data.source
    # Paths are parameters; the SQL text holds only quoted column names and constants.
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}", params).fetchall()  # noqa: S608
    types = {row[0]: str(row[1]) for row in described}
    kinds = {c: k for c in columns if c in types and (k := _kind(types[c])) is not None}
    time_column = source.timestamp if source.timestamp in types else None
    # One projection turns each column into plain aggregatable values (numbers and times as
    # finite doubles, NaN and infinities as NULL); then one pass of single-pass aggregates.
    projections = [f"{quote(time_column)} AS newest" if time_column else "NULL AS newest"]
    selects = ["count(*)", "max(newest)"]
    for i, (column, kind) in enumerate(kinds.items()):
        projections.append(f"{_value(quote(column), kind, types[column])} AS v{i}")
        selects.extend(_aggregates(f"v{i}", kind))
    inner = f"SELECT {', '.join(projections)} FROM {relation}"  # noqa: S608
    query = f"SELECT {', '.join(selects)} FROM ({inner})"  # noqa: S608
    rows, newest, *values = con.execute(query, params).fetchone()
    width = len(values) // len(kinds) if kinds else 0
    profiles = {
        column: _column(column, kind, values[i * width : (i + 1) * width])
        for i, (column, kind) in enumerate(kinds.items())
    }
    where = _whereabouts(data)
    edges = {
        i: bin_edges(profile.minimum, profile.maximum, profile.whole)
        for i, (column, profile) in enumerate(profiles.items())
        if profile.kind in ("number", "time") and profile.minimum is not None
    }
    if edges:
        # The second pass: every value's bin as one code (column * 32 + bin), counted in one
        # GROUP BY (a histogram() per column costs several times more for wide sources). The
        # bins' edges are numbers computed here, never text from the catalog.
        codes = ", ".join(
            f"CASE WHEN v{i} IS NOT NULL THEN {i * _STRIDE} + least(greatest("
            f"floor((v{i} - {e[0]!r}) / {e[1] - e[0]!r}), 0), {len(e) - 2})::INTEGER END"
            for i, e in edges.items()
        )
        counted = con.execute(
            f"SELECT code, count(*) FROM (SELECT unnest([{codes}]) AS code FROM ({inner})) "  # noqa: S608
            "WHERE code IS NOT NULL GROUP BY code",
            params,
        ).fetchall()
        found = {int(code): int(n) for code, n in counted}
        columns = list(profiles)
        for i, e in edges.items():
            bins = tuple((e[b], e[b + 1], found.get(i * _STRIDE + b, 0)) for b in range(len(e) - 1))
            profiles[columns[i]] = replace(profiles[columns[i]], bins=bins)
    return SourceProfile(source.name, int(rows), data.parts, _utc(newest), profiles, **where)


def bin_edges(low: float, high: float | None, whole: bool, bins: int = BINS) -> list[float]:
    """Equal-width bins from ``low`` to ``high``; whole numbers with a small range get one bin
    per value (edges halfway between them); one value gets one bin."""
    top = low if high is None else high
    if top <= low:
        return [low - 0.5, low + 0.5]
    if whole and top - low < 2 * bins:
        return [low - 0.5 + i for i in range(int(top - low) + 2)]
    step = (top - low) / bins
    return [low + i * step for i in range(bins)] + [top]


def _value(col: str, kind: ColumnKind, duckdb_type: str) -> str:
    # Binding cost grows with every expression (it dominates for wide, short tables), so only
    # floating-point and time values get the NaN/infinity guard.
    if kind == "time":
        return f"CASE WHEN isfinite(epoch({col})) THEN epoch({col}) END"
    if kind == "number" and duckdb_type.upper() in ("FLOAT", "DOUBLE", "REAL"):
        return f"CASE WHEN isfinite({col}) THEN {col}::DOUBLE END"
    if kind == "number":
        return f"{col}::DOUBLE"
    return col


def _aggregates(v: str, kind: ColumnKind) -> list[str]:
    """Six single-pass expressions per column: non-null, distinct, min, mean, max, shape
    (for numbers and times: whether every value is a whole number)."""
    common = [f"count({v})", f"approx_count_distinct({v})"]
    if kind in ("number", "time"):
        mean = f"avg({v})" if kind == "number" else "NULL"
        whole = f"bool_and({v} = floor({v}))"
        return [*common, f"min({v})", mean, f"max({v})", whole]
    if kind == "bool":
        return [*common, "NULL", f"avg({v}::INTEGER)", "NULL", "NULL"]
    return [*common, "NULL", "NULL", "NULL", f"approx_top_k({v}, {TOP_VALUES})"]


def _column(column: str, kind: ColumnKind, values: list[Any]) -> ColumnProfile:
    non_null, distinct, low, mean, high, shape = values
    non_null = int(non_null or 0)
    top: tuple[tuple[str, int | None], ...] = ()
    whole = bool(shape) if kind in ("number", "time") else False
    if kind == "bool" and mean is not None:
        true = round(float(mean) * non_null)
        top = (("true", true), ("false", non_null - true))
    elif kind == "text" and shape:
        top = tuple((str(v), None) for v in shape)
    return ColumnProfile(
        column,
        kind,
        non_null,
        min(int(distinct or 0), non_null),
        _number(low),
        _number(mean),
        _number(high),
        top=top,
        whole=whole,
    )


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


def _cache_key(data: SourceData, columns: list[str]) -> tuple[Any, ...]:
    if not data.files:  # objects or a table: its snapshot says whether it changed
        snapshot = data.snapshot(Path())
        return (data.source.model_dump_json(), tuple(columns), snapshot["fingerprint"])
    stats = []
    for path in data.files:
        stat = path.stat()
        stats.append((str(path), stat.st_mtime_ns, stat.st_size))
    return (data.source.model_dump_json(), tuple(columns), tuple(stats))


def _whereabouts(data: SourceData) -> dict[str, Any]:
    if data.version is None:
        return {}
    snapshot = data.snapshot(Path())
    return {"version": str(data.version), "committed": snapshot.get("committed_at")}


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
