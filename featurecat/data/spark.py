"""What every Spark reader of source data shares: times as UTC microseconds, and Spark's
failures as one readable line.

Used by the Spark join engine and by the contracts' Spark pass, so both compare times the
same way whatever the session's time zone: aware timestamps are instants, naive ones
(``TIMESTAMP_NTZ``) are taken as UTC, dates are their midnight in UTC. pyspark is imported
only when this module is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from featurecat.errors import DataError

_EPOCH_NTZ = "TIMESTAMP_NTZ'1970-01-01 00:00:00'"
_MICROS_PER_DAY = 86_400_000_000


def micros(frame: DataFrame, column: str) -> Column:
    """A timestamp or date column of ``frame`` as UTC microseconds since the epoch."""
    kind = frame.schema[column].dataType
    if isinstance(kind, T.TimestampNTZType):
        return F.expr(f"timestampdiff(MICROSECOND, {_EPOCH_NTZ}, `{column}`)")
    if isinstance(kind, T.DateType):
        return F.unix_date(F.col(column)).cast("long") * _MICROS_PER_DAY
    return F.unix_micros(F.col(column))


def moment(value: int | None) -> datetime | None:
    """UTC microseconds since the epoch as an aware datetime."""
    if value is None:
        return None
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=value)


@contextmanager
def readable_errors() -> Iterator[None]:
    """Spark's failures, in analysis or in a job, as one readable line: no Java trace."""
    try:
        yield
    except Exception as exc:
        if not type(exc).__module__.startswith(("pyspark", "py4j")):
            raise
        raise DataError(f"Spark could not read the data: {_message(exc)}") from None


def _message(exc: Exception) -> str:
    java = getattr(exc, "java_exception", None)
    if java is None:
        return str(exc).strip().splitlines()[0]
    top = str(java.toString()).splitlines()[0]
    root = java
    while root.getCause() is not None:
        root = root.getCause()
    cause = str(root.toString()).splitlines()[0]
    return top if cause == top else f"{top} (caused by {cause})"
