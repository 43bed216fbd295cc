"""One pass per source: every expectation of every feature of a source in one DuckDB query.

dbt runs one query per test; here each expectation is a few filtered aggregates
(``count(*) FILTER (WHERE ...)``, ``min``, ``max``) side by side in one ``SELECT`` over the
source, so the data is read once however many expectations it has (that matters most when
every read goes over the network). Up to five failing rows of each expectation come out of
the same pass, as the smallest ``(time, keys, value)`` structs among the rows that fail it.

Uniqueness per join keys and timestamp needs a hash aggregation of its own, so it is a
second query (:func:`measure_unique`), run only when a selected feature declares it.
Sources are read through the data layer's one scan (:func:`featurecat.data.duck.scan`), so
this works for every source format it reads. Values are bound as parameters, never written
into the SQL; column names are validated identifiers, quoted.
"""

# SQL is composed here from validated, quoted identifiers; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from featurecat.contracts.judge import Measured
from featurecat.contracts.kinds import AcceptedValues, Expectation, Range
from featurecat.contracts.results import MAX_EXAMPLES
from featurecat.data import SourceData
from featurecat.data.duck import column_types, quote, scan
from featurecat.dtypes import DTYPE_SPECS, Dtype
from featurecat.errors import DataError


@dataclass(frozen=True)
class Planned:
    """One expectation to measure: on a feature's ``column`` (of ``dtype``), or on the
    source as a whole (``column`` is ``None``)."""

    kind: str
    expectation: Expectation
    column: str | None = None
    dtype: Dtype | None = None


@dataclass(frozen=True)
class _Query:
    """What one planned expectation adds to the pass: select expressions and bound
    parameters (named after the plan's number, so they never collide)."""

    select: dict[str, str]
    params: dict[str, Any]


@dataclass(frozen=True)
class _Row:
    """How a failing row is shown: ``struct_pack`` fields for its time and join keys."""

    fields: str


def _missing(p: Planned) -> str:
    column = quote(p.column or "")
    if p.dtype is not None and DTYPE_SPECS[p.dtype].kind == "float":
        return f"({column} IS NULL OR isnan({column}))"  # pandas shows NaN as null too
    return f"{column} IS NULL"


def _examples(row: _Row, condition: str, p: Planned, value: bool) -> str:
    # The smallest structs: the earliest failing rows (then by keys), the same on every run.
    shown = f", value := {quote(p.column or '')}" if value else ""
    return f"min(struct_pack({row.fields}{shown}), {MAX_EXAMPLES}) FILTER (WHERE {condition})"


def _not_null(i: int, p: Planned, row: _Row) -> _Query:
    missing = _missing(p)
    return _Query(
        {
            "count": f"count(*) FILTER (WHERE {missing})",
            "examples": _examples(row, missing, p, False),
        },
        {},
    )


def _range(i: int, p: Planned, row: _Row) -> _Query:
    assert isinstance(p.expectation, Range)
    column = quote(p.column or "")
    outside = []
    params: dict[str, Any] = {}
    if p.expectation.min is not None:
        outside.append(f"{column} < $lo{i}")
        params[f"lo{i}"] = p.expectation.min
    if p.expectation.max is not None:
        outside.append(f"{column} > $hi{i}")
        params[f"hi{i}"] = p.expectation.max
    condition = f"({' OR '.join(outside)})"
    present = f"NOT {_missing(p)}"
    return _Query(
        {
            "count": f"count(*) FILTER (WHERE {condition})",
            "low": f"min({column}) FILTER (WHERE {present})",
            "high": f"max({column}) FILTER (WHERE {present})",
            "examples": _examples(row, condition, p, True),
        },
        params,
    )


def _accepted(i: int, p: Planned, row: _Row) -> _Query:
    assert isinstance(p.expectation, AcceptedValues)
    condition = f"(NOT list_contains($acc{i}, {quote(p.column or '')}))"
    return _Query(
        {
            "count": f"count(*) FILTER (WHERE {condition})",
            "examples": _examples(row, condition, p, True),
        },
        {f"acc{i}": list(p.expectation.values)},
    )


def _min_rows(i: int, p: Planned, row: _Row) -> _Query:
    if p.column is None:
        return _Query({"count": "count(*)"}, {})
    return _Query({"count": f"count(*) FILTER (WHERE NOT {_missing(p)})"}, {})


def _freshness(i: int, p: Planned, row: _Row) -> _Query:
    return _Query({}, {})  # the pass always finds the newest timestamp


#: kind -> what it adds to the one pass; every kind measured by the scan has one (a test
#: enumerates this against the table of kinds).
AGGREGATES: dict[str, Callable[[int, Planned, _Row], _Query]] = {
    "not_null": _not_null,
    "range": _range,
    "accepted_values": _accepted,
    "min_rows": _min_rows,
    "freshness": _freshness,
}


def measure_scan(
    con: Any, data: SourceData, keys: Sequence[str], plans: Sequence[Planned]
) -> list[Measured]:
    """Measure ``plans`` (all of one source) with one query: a :class:`Measured` each, in
    order. :class:`DataError` when DuckDB cannot read the data."""
    timestamp = quote(data.source.timestamp)
    # As TIMESTAMPTZ: the connection's zone is UTC, so naive times are read as UTC.
    selects = ["count(*) AS __rows", f"CAST(max({timestamp}) AS TIMESTAMPTZ) AS __newest"]
    row_fields = _Row(
        ", ".join([f"at := {timestamp}", *(f"{quote(k)} := {quote(k)}" for k in keys)])
    )
    params: dict[str, Any] = {}
    fields: list[list[str]] = []
    for i, plan in enumerate(plans):
        query = AGGREGATES[plan.kind](i, plan, row_fields)
        params.update(query.params)
        fields.append(list(query.select))
        selects += [f"{expr} AS m{i}_{name}" for name, expr in query.select.items()]
    row = _run(con, data, plans, f"SELECT {', '.join(selects)} FROM {{relation}}", params)
    rows, newest = row["__rows"], row["__newest"]
    found = []
    for i, names in enumerate(fields):
        values = {name: row[f"m{i}_{name}"] for name in names}
        found.append(
            Measured(
                rows=rows,
                count=values.get("count") or 0,
                low=values.get("low"),
                high=values.get("high"),
                newest=newest,
                examples=tuple(_example(e, keys) for e in values.get("examples") or ()),
                noun="rows with a value" if plans[i].column else "rows",
            )
        )
    return found


def measure_unique(
    con: Any, data: SourceData, keys: Sequence[str], plans: Sequence[Planned]
) -> list[Measured]:
    """Uniqueness per join keys and timestamp of each planned feature, in one hash
    aggregation over the source: pairs holding more than one value of the feature."""
    group = ", ".join([*map(quote, keys), quote(data.source.timestamp)])
    inner = [f"count({quote(p.column or '')}) AS n{i}" for i, p in enumerate(plans)]
    key_fields = ", ".join(f"{quote(k)} := {quote(k)}" for k in keys)
    outer = ["sum(__n) AS __rows"]
    for i in range(len(plans)):
        outer.append(f"count(*) FILTER (WHERE n{i} > 1) AS m{i}_count")
        outer.append(
            f"min(struct_pack(at := {quote(data.source.timestamp)}, {key_fields}, values := n{i}), "
            f"{MAX_EXAMPLES}) FILTER (WHERE n{i} > 1) AS m{i}_examples"
        )
    grouped = f"SELECT {group}, count(*) AS __n, {', '.join(inner)} FROM {{relation}} GROUP BY ALL"
    row = _run(con, data, plans, f"SELECT {', '.join(outer)} FROM ({grouped})", {})
    return [
        Measured(
            rows=int(row["__rows"] or 0),
            count=row[f"m{i}_count"] or 0,
            examples=tuple(_example(e, keys) for e in row[f"m{i}_examples"] or ()),
        )
        for i in range(len(plans))
    ]


def _run(
    con: Any, data: SourceData, plans: Sequence[Planned], sql: str, params: dict[str, Any]
) -> dict[str, Any]:
    """The one row of ``sql`` run over the source (``{relation}`` in it)."""
    import duckdb

    dtypes = {p.column: p.dtype for p in plans if p.column and p.dtype}
    types = column_types(data.source.timestamp, dtypes)
    with scan(con, data, types) as found:
        sql = sql.replace("{relation}", found.relation)
        try:
            cursor = con.execute(sql, {**found.params, **params})
            names = [d[0] for d in cursor.description]
            values = cursor.fetchall()[0]
        except duckdb.Error as exc:
            raise DataError(found.explain(str(exc).split("\n")[0])) from None
    return dict(zip(names, values, strict=True))


def _example(found: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """A failing row as the judges show it: keys first, then its time, then its value."""
    ordered = {k: found[k] for k in keys}
    ordered["at"] = found.get("at")
    for extra in ("value", "values"):
        if extra in found:
            ordered[extra] = found[extra]
    return ordered
