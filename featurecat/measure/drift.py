"""Profiles of two versions of a source's data, compared as drift.

The previous version is profiled first (rows, nulls, mean, spread, deciles of each number,
rows per value of each text or boolean); the new one is then profiled with the previous
version's deciles as its bins, so both are counted in the same bins. Each version is one
scan for the numbers, plus one grouping per text column. Versions are read through the data
layer (:func:`featurecat.data.duck.scan`), or, for data not written yet (``update_feature``),
from an arrow table.
"""

# SQL is composed here from validated, quoted identifiers and numbers this module computed.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from featurecat.catalog import Catalog
from featurecat.contracts.drift import Profile, Shift
from featurecat.contracts.kinds import Drift
from featurecat.data import SourceData
from featurecat.data.duck import column_types, connect, quote, scan
from featurecat.dtypes import DTYPE_SPECS, Dtype
from featurecat.errors import DataError
from featurecat.names import Kind
from featurecat.schema import Feature

if TYPE_CHECKING:
    from typing import TypeAlias

    import pyarrow as pa

    Version: TypeAlias = SourceData | pa.Table

_DECILES = [i / 10 for i in range(1, 10)]
#: Text columns keep the counts of this many of their most frequent values.
TOP_VALUES = 200


def shifts(
    catalog: Catalog, features: Sequence[Feature], before: Version, after: Version
) -> list[Shift]:
    """The drift of each of ``features`` (all of one source) from ``before`` to ``after``."""
    if not features:
        return []
    columns = {f.column_name: f.dtype for f in features}
    timestamp = catalog.sources[features[0].source].timestamp
    with connect() as con:
        con.execute("SET enable_progress_bar = false")
        with _relation(con, before, timestamp, columns) as (relation, params):
            old, edges = _profile(con, relation, params, columns, None)
        with _relation(con, after, timestamp, columns) as (relation, params):
            new, _ = _profile(con, relation, params, columns, edges)
    found = []
    for feature in features:
        expectation = feature.expect.drift if feature.expect is not None else None
        origin = catalog.origin(Kind.FEATURE, feature.name)
        found.append(
            Shift(
                feature.name,
                old[feature.column_name],
                new[feature.column_name],
                expectation if isinstance(expectation, Drift) else None,
                origin.path,
                origin.line("expect", "drift") if expectation else origin.line("name"),
            )
        )
    return found


@contextmanager
def _relation(
    con: Any, version: Version, timestamp: str, columns: Mapping[str, Dtype]
) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(version, SourceData):
        with scan(con, version, column_types(timestamp, columns)) as found:
            yield found.relation, found.params
        return
    con.register("__featurecat_new", version)
    try:
        yield "__featurecat_new", {}
    finally:
        con.unregister("__featurecat_new")


def _profile(
    con: Any,
    relation: str,
    params: dict[str, Any],
    columns: Mapping[str, Dtype],
    edges: Mapping[str, list[float]] | None,
) -> tuple[dict[str, Profile], dict[str, list[float]]]:
    import duckdb

    numbers = [c for c, d in columns.items() if DTYPE_SPECS[d].kind in ("integer", "float")]
    selects = ["count(*) AS rows"]
    for i, column in enumerate(columns):
        q = quote(column)
        missing = (
            f"({q} IS NULL OR isnan({q}))"
            if DTYPE_SPECS[columns[column]].kind == "float"
            else f"{q} IS NULL"
        )
        selects.append(f"count(*) FILTER (WHERE {missing}) AS n{i}")
        if column in numbers:
            present = f"FILTER (WHERE NOT {missing})"
            selects += [f"avg({q}) {present} AS m{i}", f"stddev_pop({q}) {present} AS s{i}"]
            if edges is None:
                selects.append(f"quantile_cont({q}, {_DECILES}) {present} AS q{i}")
            else:
                selects += _bins(q, edges[column], i, present)
    try:
        row = con.execute(f"SELECT {', '.join(selects)} FROM {relation}", params)
        names = [d[0] for d in row.description]
        values = dict(zip(names, row.fetchall()[0], strict=True))
        profiles: dict[str, Profile] = {}
        found_edges: dict[str, list[float]] = {}
        for i, column in enumerate(columns):
            rows, nulls = values["rows"], values[f"n{i}"]
            if column in numbers:
                cuts = list(edges[column]) if edges is not None else list(values[f"q{i}"] or [])
                found_edges[column] = cuts
                bins = (
                    tuple(values[f"b{i}_{j}"] for j in range(len(cuts) + 1))
                    if edges is not None
                    else _counts(con, relation, params, column, cuts, i)
                )
                profiles[column] = Profile(rows, nulls, values[f"m{i}"], values[f"s{i}"], bins)
            else:
                profiles[column] = Profile(
                    rows, nulls, categories=_categories(con, relation, params, column)
                )
    except duckdb.Error as exc:
        raise DataError(f"cannot profile the data: {str(exc).splitlines()[0]}") from None
    return profiles, found_edges


def _bins(q: str, cuts: list[float], i: int, present: str) -> list[str]:
    """Rows per interval between ``cuts``: below the first, between each, from the last up."""
    bounds = [None, *cuts, None]
    found = []
    for j in range(len(bounds) - 1):
        low, high = bounds[j], bounds[j + 1]
        conditions = [
            f"{q} >= {float(low)!r}" if low is not None else None,
            f"{q} < {float(high)!r}" if high is not None else None,
        ]
        where = " AND ".join(c for c in conditions if c) or "TRUE"
        found.append(f"count(*) FILTER (WHERE NOT ({q} IS NULL) AND {where}) AS b{i}_{j}")
    return found


def _counts(
    con: Any, relation: str, params: dict[str, Any], column: str, cuts: list[float], i: int
) -> tuple[int, ...]:
    selects = _bins(quote(column), cuts, i, "")
    row = con.execute(f"SELECT {', '.join(selects)} FROM {relation}", params).fetchall()[0]
    return tuple(row)


def _categories(con: Any, relation: str, params: dict[str, Any], column: str) -> dict[str, int]:
    q = quote(column)
    rows = con.execute(
        f"SELECT CAST({q} AS VARCHAR), count(*) FROM {relation} WHERE {q} IS NOT NULL "
        f"GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT {TOP_VALUES}",
        params,
    ).fetchall()
    return {str(value): int(count) for value, count in rows}


def changed_data(catalog: Catalog, base: str, names: Sequence[str] | None = None) -> list[Shift]:
    """The drift of every feature of each source whose data files changed since git ref
    ``base`` (of ``names`` only, when given): the pull request's data changes."""
    from featurecat.data import locate
    from featurecat.measure.previous import data_changed, previous

    found: list[Shift] = []
    for name in sorted(names if names is not None else catalog.sources):
        if not data_changed(catalog, name, base):
            continue
        with previous(catalog, name, base) as before:
            if before is None:
                continue  # new data: nothing to compare with
            after = locate(catalog, name)
            both = set(before.schema().names) & set(after.schema().names)
            features = [f for f in catalog.features_of(name) if f.column_name in both]
            found += shifts(catalog, features, before, after)
    return found


def check_update(
    catalog: Catalog, name: str, features: Sequence[Feature], new: pa.Table, *, allow: bool
) -> list[Shift]:
    """Compare ``new`` rows for source ``name`` with its data as it is now (before the
    write): :class:`DataError` when a feature drifts beyond its declared ``drift`` limits
    (unless ``allow``), and a warning naming every notable shift. Returns the shifts."""
    import warnings

    from featurecat.contracts.drift import DriftWarning
    from featurecat.measure.previous import previous

    with previous(catalog, name) as before:
        found = shifts(catalog, features, before, new) if before is not None else []
    failed = [s for s in found if s.failed]
    if failed and not allow:
        lines = "; ".join(f"{s.feature}: {s.describe()} ({', '.join(s.beyond())})" for s in failed)
        raise DataError(
            f"the new data drifts beyond the declared limits, so nothing was written: {lines}; "
            "fix the data, or pass allow_drift=True if the change is meant"
        )
    notable = [s for s in found if s.notable]
    if notable:
        said = "; ".join(f"{s.feature}: {s.describe()}" for s in notable)
        warnings.warn(f"the new data moved: {said}", DriftWarning, stacklevel=3)
    return found
