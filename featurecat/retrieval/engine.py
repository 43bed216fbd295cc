"""Join engines: a small protocol and a closed registry.

An engine is chosen by name (``engine="duckdb"``, the default, or ``"spark"``) or, for Spark,
by passing a ``SparkSession``. The registry is a plain dict of module paths inside this
package: nothing a catalog says can make featurecat import other code. A new engine must pass
the conformance suite in ``tests/retrieval/``.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any, Protocol

from featurecat.dtypes import ValueKind
from featurecat.errors import UsageError
from featurecat.retrieval.request import Plan

#: engine name -> "module:class"; the class is built without arguments.
ENGINES: dict[str, str] = {
    "duckdb": "featurecat.retrieval.duckdb_engine:DuckDBEngine",
    "spark": "featurecat.retrieval.spark_engine:SparkEngine",
}


class Engine(Protocol):
    """What the loader needs from an engine."""

    name: str
    outputs: tuple[str, ...]
    """What ``retrieve`` can return, the default first (see :mod:`.outputs`)."""

    def columns(self, entity_df: Any) -> dict[str, ValueKind]:
        """The kind of values in each column of ``entity_df`` (refusing frames it cannot use)."""
        ...

    def retrieve(self, plan: Plan, entity_df: Any, output: str | None) -> Any:
        """``entity_df`` with the plan's features joined on, point-in-time, as ``output`` (one
        of :attr:`outputs`; ``None`` for the first)."""
        ...

    def summary(self, entity_df: Any, column: str) -> tuple[int, datetime | None, datetime | None]:
        """The number of entity rows and their earliest and latest timestamps, in UTC."""
        ...


def get_engine(engine: str | Any) -> Engine:
    """The engine called ``engine``, or the Spark engine on a given ``SparkSession``."""
    if isinstance(engine, str):
        target = ENGINES.get(engine)
        if target is None:
            raise UsageError(
                f"unknown engine '{engine}'; use one of {', '.join(sorted(ENGINES))}, "
                "or pass a SparkSession"
            )
        module, _, cls = target.partition(":")
        built: Engine = getattr(importlib.import_module(module), cls)()
        return built
    if type(engine).__module__.startswith("pyspark.") and type(engine).__name__ == "SparkSession":
        from featurecat.retrieval.spark_engine import SparkEngine

        return SparkEngine(engine)
    raise UsageError(
        f"engine must be one of {', '.join(sorted(ENGINES))} or a SparkSession, "
        f"not {type(engine).__name__}"
    )
