"""``validate --check-data``: numeric features whose values agree are probably one feature.

Names and descriptions can differ while the values are the same (``user_age`` in one source,
``age_years`` in another). For the candidate pairs :func:`featurecat.similar.value_candidates`
picks (a bounded number, most likely first), one DuckDB query joins the two features on
their entity's join keys and their sources' timestamps, through the data layer
(:func:`featurecat.data.duck.scan`), and counts the rows where both have a value and the
values agree. At least :data:`~featurecat.similar.VALUE_AGREEMENT` of at least
:data:`~featurecat.similar.MIN_SHARED_ROWS` shared rows is a warning.

Only features whose data is in the repository are compared: for data on object storage or in
a table outside it, ``--check-data`` reads metadata only (footers, table logs), never a scan.
"""

from __future__ import annotations

from typing import Any

from featurecat.catalog import Catalog
from featurecat.data import locate
from featurecat.data.duck import column_types, connect, quote, scan
from featurecat.dtypes import DTYPE_SPECS
from featurecat.errors import DataError, Diagnostic
from featurecat.names import Kind
from featurecat.similar import MIN_SHARED_ROWS, VALUE_AGREEMENT, candidates, value_candidates

NUMERIC = tuple(name for name, spec in DTYPE_SPECS.items() if spec.kind in ("integer", "float"))


def agreeing_values(catalog: Catalog) -> list[Diagnostic]:
    """A warning for each candidate pair whose values agree on the rows they share."""
    found = []
    local = [c for c in candidates(catalog) if catalog.sources[c.source].local_path is not None]
    for newer, older in value_candidates(local, NUMERIC):
        try:
            shared, agreeing = _agreement(catalog, newer.name, older.name)
        except (DataError, OSError):
            continue  # --check-data reports unreadable data on its own
        except Exception:  # noqa: S112 - DuckDB's own errors (types that do not join): no verdict
            continue
        if shared < MIN_SHARED_ROWS or agreeing < VALUE_AGREEMENT * shared:
            continue
        other = catalog.origin(Kind.FEATURE, older.name)
        found.append(
            catalog.origin(Kind.FEATURE, newer.name).diagnostic(
                ("name",),
                "similar-values",
                f"{newer.name} looks like a duplicate of {older.name} (values agree on "
                f"{agreeing / shared:.1%} of {shared:,} shared keys and timestamps), defined in "
                f"{other.path}:{other.line('name')}; if it is the same feature, use "
                f"{older.name} instead",
                severity="warning",
            )
        )
    return found


def _agreement(catalog: Catalog, first: str, second: str) -> tuple[int, int]:
    """How many (keys, timestamp) rows both features have a value for, and on how many
    the values agree (equal, or within a relative 1e-9 for floats). Identifiers are
    validated names, quoted; file paths are bound parameters, never SQL text."""
    a, b = catalog.features[first], catalog.features[second]
    keys = list(catalog.entity_of(a).join_keys)
    data_a, data_b = locate(catalog, a.source), locate(catalog, b.source)
    ts_a, ts_b = catalog.sources[a.source].timestamp, catalog.sources[b.source].timestamp
    agree = "x = y OR abs(x - y) <= 1e-9 * greatest(abs(x), abs(y))"
    with connect() as con:
        types_a = column_types(ts_a, {a.column_name: a.dtype})
        if a.source == b.source:
            types_a.update(column_types(ts_b, {b.column_name: b.dtype}))
            with scan(con, data_a, types_a) as rows:
                sql = (
                    f"SELECT count(*), count(*) FILTER (WHERE {agree}) FROM (SELECT "  # noqa: S608
                    f"CAST({quote(a.column_name)} AS DOUBLE) AS x, "
                    f"CAST({quote(b.column_name)} AS DOUBLE) AS y FROM {rows.relation}) "
                    "WHERE x IS NOT NULL AND y IS NOT NULL"
                )
                return _counts(con.execute(sql, rows.params).fetchone())
        with scan(con, data_b, column_types(ts_b, {b.column_name: b.dtype})) as other:
            selected = ", ".join(quote(k) for k in keys)
            con.execute(
                f"CREATE TEMP TABLE other AS SELECT {selected}, {quote(ts_b)} AS ts, "  # noqa: S608
                f"CAST({quote(b.column_name)} AS DOUBLE) AS y FROM {other.relation}",
                other.params,
            )
        with scan(con, data_a, types_a) as rows:
            on = " AND ".join(f"r.{quote(k)} = o.{quote(k)}" for k in keys)
            sql = (
                f"SELECT count(*), count(*) FILTER (WHERE {agree}) FROM (SELECT "  # noqa: S608
                f"CAST(r.{quote(a.column_name)} AS DOUBLE) AS x, o.y AS y "
                f"FROM {rows.relation} AS r JOIN other AS o ON {on} AND r.{quote(ts_a)} = o.ts) "
                "WHERE x IS NOT NULL AND y IS NOT NULL"
            )
            return _counts(con.execute(sql, rows.params).fetchone())


def _counts(row: Any) -> tuple[int, int]:
    return (int(row[0]), int(row[1])) if row else (0, 0)
