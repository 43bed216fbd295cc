"""Random cases against the oracle: ties, nulls, ttls, globs and duplicate rows, all at once.

Hypothesis drives the DuckDB engine through many small cases; Spark, slower to run a query,
gets a few seeded ones from the same generator.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import featurecat
from tests.retrieval import reference
from tests.retrieval.cases import Case, utc

# Random entity frames can hold no key at all; that case warns, and is tested in test_errors.
pytestmark = pytest.mark.filterwarnings("ignore:join key 'user_id' is missing in every row")

TIMES = [utc("2025-01-01") + pd.Timedelta(hours=h) for h in (0, 1, 1, 2, 5, 24, 25, 48)]
DTYPES = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string(), "bool": pa.bool_()}


def random_case(rng: random.Random) -> Case:
    dtype = rng.choice(list(DTYPES))
    ttl = rng.choice([None, "1h", "1d"])
    files = rng.choice([1, 2])

    def value() -> Any:
        if rng.random() < 0.2:
            return None
        number = rng.randint(-3, 3)
        return {"int64": number, "float64": number / 2, "string": f"v{number}"}.get(
            dtype, number > 0
        )

    def stamp() -> Any:
        return None if rng.random() < 0.05 else rng.choice(TIMES)

    entity = pd.DataFrame(
        {
            "user_id": pd.array(
                [rng.choice([1, 2, 3, 4, None]) for _ in range(rng.randint(0, 12))], dtype="Int64"
            )
        }
    )
    entity["event_timestamp"] = pd.Series(
        [
            None
            if rng.random() < 0.05
            else rng.choice(TIMES) + pd.Timedelta(minutes=rng.choice([0, 30]))
            for _ in range(len(entity))
        ],
        dtype="datetime64[us, UTC]",
    )
    entity.index = pd.Index([f"r{rng.randint(0, 5)}" for _ in range(len(entity))])
    case = Case(["value"], entity)
    spec = (dtype, ttl) if ttl else dtype
    case.source("events", "user", "", {"value": spec}, path="events/part-*.parquet")
    # Sources are often written in order of keys then time, or time then keys.
    order = rng.choice([None, ["user_id", "event_timestamp"], ["event_timestamp", "user_id"]])
    for part in range(files):
        size = rng.randint(0, 10)
        table = pa.table(
            {
                "user_id": pa.array([rng.choice([1, 2, 3, None]) for _ in range(size)], pa.int64()),
                "event_timestamp": pa.array(
                    [stamp() for _ in range(size)], pa.timestamp("us", tz="UTC")
                ),
                "value": pa.array([value() for _ in range(size)], DTYPES[dtype]),
            }
        )
        if order:
            table = table.sort_by([(column, "ascending") for column in order])
        case.data[f"events/part-{part}.parquet"] = table
    return case


def check(case: Case, root: Path, engine: Any = "duckdb") -> None:
    case.build(root)
    output = "pandas" if engine != "duckdb" else None
    actual = featurecat.load_features(
        case.features, case.entity_df, root, engine=engine, output=output
    )
    expected = reference.load_features(featurecat.Catalog.load(root), ["value"], case.entity_df)
    pd.testing.assert_frame_equal(actual, expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_duckdb_agrees_with_the_oracle(rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check(random_case(rng), Path(folder) / "catalog")


@pytest.mark.spark
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spark_agrees_with_the_oracle(spark: Any, tmp_path: Path, seed: int) -> None:
    check(random_case(random.Random(seed)), tmp_path / "catalog", engine=spark)
