"""Judges: what was measured in the data, against what was declared, said in one line.

:mod:`featurecat.measure` measures each expectation (a :class:`Measured`); the judge of its
kind (:data:`JUDGES`, one per kind of the table in :mod:`.kinds`) decides the status and says
what was observed: ``null share 41.2% (412 of 1,000 rows), allowed 5%``. Pure: no data, no
clock (``now`` is passed in).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from featurecat.contracts.kinds import (
    AcceptedValues,
    Expectation,
    Freshness,
    MinRows,
    NotNull,
    Range,
    Unique,
)
from featurecat.names import parse_duration

Status = Literal["pass", "warn", "fail", "error"]
"""``warn``: a ``warn``-level expectation does not hold; ``error``: it could not be measured."""


@dataclass(frozen=True)
class Measured:
    """What one pass over the data found for one expectation.

    ``count`` is what the kind counts: nulls (not_null), values out of range (range), rows
    with a value not accepted (accepted_values), key and timestamp pairs with more than one
    value (unique), rows with a value (min_rows of a feature) or rows (min_rows of a source).
    """

    rows: int
    count: int = 0
    low: Any = None
    high: Any = None
    newest: datetime | None = None
    examples: tuple[Mapping[str, Any], ...] = ()
    noun: str = "rows"
    """What min_rows counted: ``rows``, or ``rows with a value`` for a feature."""


@dataclass(frozen=True)
class Judged:
    status: Status
    message: str


Judge = Callable[[Any, Measured, datetime], Judged]


def _graded(expectation: Expectation, holds: bool, message: str) -> Judged:
    if holds:
        return Judged("pass", message)
    return Judged(
        "warn" if getattr(expectation, "severity", "error") == "warn" else "fail", message
    )


def _not_null(e: NotNull, m: Measured, now: datetime) -> Judged:
    share = m.count / m.rows if m.rows else 0.0
    if e.max_share == 0:
        said = (
            f"{m.count:,} of {m.rows:,} rows are null, allowed none"
            if m.count
            else (f"no nulls in {m.rows:,} rows")
        )
    else:
        counts = f"{m.count:,} of {m.rows:,} rows"
        said = f"null share {percent(share)} ({counts}), allowed {percent(e.max_share)}"
    return _graded(e, share <= e.max_share, said)


def _range(e: Range, m: Measured, now: datetime) -> Judged:
    low = "-inf" if e.min is None else number(e.min)
    bounds = f"{low}..{'inf' if e.max is None else number(e.max)}"
    if m.low is None:
        return Judged("pass", f"no values to check against {bounds}")
    seen = f"lowest {number(m.low)}, highest {number(m.high)}"
    below = e.min is not None and m.low < e.min
    above = e.max is not None and m.high > e.max
    if below or above:
        # The pass finds the lowest and highest value; the rows outside are counted after.
        many = f"{m.count:,} values" if m.count else "values"
        return _graded(e, False, f"{many} outside {bounds} ({seen})")
    return _graded(e, True, f"values within {bounds} ({seen})")


def _accepted(e: AcceptedValues, m: Measured, now: datetime) -> Judged:
    allowed = ", ".join(shown(v) for v in e.values[:8]) + (" ..." if len(e.values) > 8 else "")
    if not m.count:
        return _graded(e, True, f"every value accepted ({allowed})")
    found: list[str] = []
    for example in m.examples:
        text = shown(example.get("value"))
        if text not in found:
            found.append(text)
    return _graded(
        e,
        False,
        f"{m.count:,} rows hold values not accepted, such as {', '.join(found)}; "
        f"accepted: {allowed}",
    )


def _unique(e: Unique, m: Measured, now: datetime) -> Judged:
    if not m.count:
        return _graded(e, True, f"one value per join keys and timestamp in {m.rows:,} rows")
    pairs = "pair holds" if m.count == 1 else "pairs hold"
    return _graded(e, False, f"{m.count:,} join key and timestamp {pairs} more than one value")


def _min_rows(e: MinRows, m: Measured, now: datetime) -> Judged:
    return _graded(e, m.count >= e.min, f"{m.count:,} {m.noun}, expected at least {e.min:,}")


def _freshness(e: Freshness, m: Measured, now: datetime) -> Judged:
    if m.newest is None:
        status: Status = "fail" if e.error_after else "warn"
        return Judged(status, "no rows, so nothing is fresh")
    age = now - m.newest
    said = f"newest row {moment(m.newest)} is {duration(age)} old"
    for name, status in (("error_after", "fail"), ("warn_after", "warn")):
        limit = getattr(e, name)
        if limit is not None and age > parse_duration(limit):
            over = duration(age - parse_duration(limit))
            return Judged(status, f"{said}, {over} over its {name} limit of {limit}")
    limits = ", ".join(
        f"{n} {getattr(e, n)}" for n in ("warn_after", "error_after") if getattr(e, n)
    )
    return Judged("pass", f"{said} ({limits})")


def _drift(e: Expectation, m: Measured, now: datetime) -> Judged:
    raise NotImplementedError("drift is judged by featurecat.contracts.drift, not in a scan")


#: kind -> its judge; every kind of the table has one (a test enumerates both).
JUDGES: dict[str, Judge] = {
    "not_null": _not_null,
    "range": _range,
    "accepted_values": _accepted,
    "unique": _unique,
    "min_rows": _min_rows,
    "drift": _drift,
    "freshness": _freshness,
}


def judge(kind: str, expectation: Expectation, measured: Measured, now: datetime) -> Judged:
    """The status of one expectation, and what was observed."""
    return JUDGES[kind](expectation, measured, now)


def percent(share: float) -> str:
    """``41.2%``, ``5%``; a small share keeps the digits that say it is not zero."""
    value = share * 100
    if value == round(value) or value >= 100:
        return f"{value:.0f}%"
    return f"{value:.2g}%" if value < 1 else f"{value:.1f}%"


def number(value: Any) -> str:
    """A measured or declared number as people write it: ``120``, ``0.25``, ``434.9``."""
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, float):
        return f"{value:.6g}" if value != int(value) or abs(value) >= 1e15 else str(int(value))
    return str(value)


def shown(value: Any) -> str:
    """A value in a message: text quoted, others as written (``true``, ``12``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return "null" if value is None else number(value)


def moment(when: datetime) -> str:
    """``2025-06-30 01:00 UTC``."""
    return when.strftime("%Y-%m-%d %H:%M UTC")


def duration(delta: timedelta) -> str:
    """``3 days 5 hours``, ``4 hours 10 minutes``, ``12 minutes``: the two largest units."""
    seconds = max(int(delta.total_seconds()), 0)
    parts: list[str] = []
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        amount, seconds = divmod(seconds, size)
        if amount or parts:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    parts = [p for p in parts[:2] if not p.startswith("0 ")]
    return " ".join(parts) or "less than a minute"


def example(keys: Mapping[str, Any]) -> str:
    """A failing row's keys, time and value: ``user_id=1042 at 2025-03-01 00:00 UTC: 434``."""
    fields = {k: v for k, v in keys.items() if k not in ("value", "at", "values")}
    text = ", ".join(
        f"{k}={shown(v) if isinstance(v, str) else number(v)}" for k, v in fields.items()
    )
    at = keys.get("at")
    if isinstance(at, datetime):
        text += f" at {at.strftime('%Y-%m-%d %H:%M:%S UTC')}"
    if "value" in keys:
        text += f": {shown(keys['value'])}"
    if "values" in keys:
        text += f" ({keys['values']} values)"
    return text
