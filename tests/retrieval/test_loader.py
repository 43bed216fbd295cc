"""The loader on the example catalog, its output formats and get_feature."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import featurecat
from tests.conftest import EXAMPLE_CATALOG
from tests.retrieval import reference
from tests.retrieval.cases import Case, entities, rows, utc
from tests.retrieval.conftest import Load
from tests.support import needs

LABELS = EXAMPLE_CATALOG / "data/labels/churn_labels.parquet"


@pytest.fixture(scope="module")
def checkouts() -> pd.DataFrame:
    """The churn labels with a merchant on every row, so every feature can be joined."""
    frame = pd.read_parquet(LABELS)
    frame["merchant_id"] = 5001 + frame["user_id"] % 40
    return frame.sample(frac=1.0, random_state=7)  # shuffled, with a scrambled index


def test_every_feature_of_the_example_catalog_matches_the_oracle(
    load: Load, checkouts: pd.DataFrame
) -> None:
    catalog = featurecat.Catalog.load(EXAMPLE_CATALOG)
    names = sorted(catalog.features)
    with pytest.warns(
        FutureWarning, match="'user_order_count_30d' is deprecated; use 'orders_30d'"
    ):
        result = load(names, checkouts, EXAMPLE_CATALOG)
    expected = reference.load_features(catalog, names, checkouts)
    pd.testing.assert_frame_equal(result, expected)
    assert result[names].notna().sum().min() > 0  # every feature found real values


def test_outputs_arrow_and_polars(checkouts: pd.DataFrame) -> None:
    names = ["user_age", "merchant_category", "user_last_login_at"]
    frame = featurecat.load_features(names, checkouts, EXAMPLE_CATALOG)
    table = featurecat.load_features(names, checkouts, EXAMPLE_CATALOG, output="arrow")
    assert isinstance(table, pa.Table)
    assert table.schema.field("user_age").type == pa.int64()
    assert table.schema.field("user_last_login_at").type == pa.timestamp("us", tz="UTC")
    pd.testing.assert_frame_equal(
        table.to_pandas(types_mapper=pd.ArrowDtype)[names].astype(frame[names].dtypes.to_dict()),
        frame[names],
        check_index_type=False,
    )
    manifest = json.loads(table.schema.metadata[b"featurecat"])
    assert list(manifest["features"]) == names
    needs(importlib.util.find_spec("polars") is not None, "polars (pip install -e '.[polars]')")
    import polars

    result = featurecat.load_features(names, checkouts, EXAMPLE_CATALOG, output="polars")
    assert isinstance(result, polars.DataFrame)
    assert result.columns == [*checkouts.columns, *names]
    assert result["user_age"].null_count() == frame["user_age"].isna().sum()


@pytest.mark.spark
def test_spark_returns_a_spark_dataframe_in_entity_order(spark: Any, tmp_path: Path) -> None:
    frame = entities(user_id=[2, 1, 2], event_timestamp=["2025-03-01", "2025-03-01", "2025-01-01"])
    case = Case(["score"], frame).source(
        "scores",
        "user",
        rows(user_id=[1, 2], event_timestamp=["2025-02-01", "2025-02-01"], score=[10, 20]),
        {"score": "int64"},
    )
    root = case.build(tmp_path / "catalog")
    result = featurecat.load_features(["score"], frame, root, engine=spark)
    assert type(result).__name__ == "DataFrame" and hasattr(result, "rdd")
    assert [tuple(r) for r in result.select("user_id", "score").collect()] == [
        (2, 20),
        (1, 10),
        (2, None),
    ]
    # A Spark DataFrame in works too; engine="spark" uses the active session.
    spark_entities = result.select("user_id", "event_timestamp")
    manifest = tmp_path / "manifest.json"
    again = featurecat.load_features(
        ["score"], spark_entities, root, engine="spark", manifest=manifest
    )
    assert [r["score"] for r in again.collect()] == [20, 10, None]
    record = json.loads(manifest.read_text())
    assert record["engine"] == "spark"
    assert record["entity_rows"]["count"] == 3
    assert record["entity_rows"]["start"] == "2025-01-01T00:00:00Z"
    as_pandas = featurecat.load_features(
        ["score"], spark_entities, root, engine=spark, output="pandas"
    )
    assert as_pandas["score"].tolist()[:2] == [20, 10]
    assert str(as_pandas["score"].dtype) == "Int64"


def test_get_feature_gives_the_latest_value_per_entity(tmp_path: Path) -> None:
    case = Case([], entities()).source(
        "scores",
        "user",
        rows(
            user_id=[1, 2, 1, 1, 3],
            event_timestamp=["2025-01-01", "2025-01-01", "2025-01-05", "2025-01-05", "2025-01-02"],
            score=[10, 20, 11, 12, None],
        ),
        {"score": ("int64", "2d")},
    )
    root = case.build(tmp_path / "catalog")
    latest = featurecat.get_feature("score", catalog=root)
    assert list(latest.columns) == ["user_id", "score", "event_timestamp"]
    assert latest["user_id"].tolist() == [1, 2, 3]
    assert latest["score"].tolist()[:2] == [12, 20]  # the tie goes to the last row
    assert pd.isna(latest["score"].iloc[2])
    assert str(latest["score"].dtype) == "Int64"
    assert latest["event_timestamp"].tolist()[0] == utc("2025-01-05")
    # With as_of, values are taken at that time and the 2-day ttl applies (inclusive).
    at = featurecat.get_feature("score", catalog=root, as_of="2025-01-03")
    assert [None if pd.isna(v) else v for v in at["score"]] == [10, 20, None]
    later = featurecat.get_feature("score", catalog=root, as_of="2025-01-03 00:00:01")
    assert [None if pd.isna(v) else v for v in later["score"]] == [None, None, None]
