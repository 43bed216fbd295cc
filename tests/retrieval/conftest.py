"""Fixtures for the retrieval tests: every engine, and one Spark session for the whole run.

Spark tests skip when pyspark or Java is missing, unless ``FEATURECAT_REQUIRE_SPARK=1`` or
``FEATURECAT_REQUIRE_ALL=1`` (CI sets it), which turns a missing Spark into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import featurecat
from featurecat.retrieval.engine import ENGINES
from tests.retrieval import reference
from tests.retrieval.cases import Case

Load = Callable[..., pd.DataFrame]


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local Spark session whose time zone is deliberately not UTC."""
    required = "1" in (
        os.environ.get("FEATURECAT_REQUIRE_SPARK"),
        os.environ.get("FEATURECAT_REQUIRE_ALL"),
    )
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        if required:
            raise
        pytest.skip("pyspark is not installed (pip install 'featurecat[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if required:
            pytest.fail("Java is needed for the Spark tests")
        pytest.skip("Java is not installed")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("featurecat-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "America/Los_Angeles")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(
    params=[
        pytest.param(name, marks=[pytest.mark.spark] if name == "spark" else [])
        for name in sorted(ENGINES)
    ]
)
def engine(request: pytest.FixtureRequest) -> Any:
    """Every registered engine, by the argument for load_features: its name, or for Spark
    the test session (so the conformance suite runs each engine the registry lists)."""
    if request.param == "spark":
        return request.getfixturevalue("spark")
    return request.param


@pytest.fixture
def load(engine: Any) -> Load:
    """load_features on the engine under test, always returning pandas to compare."""

    def run(features: Any, entity_df: Any, catalog: Any, **kwargs: Any) -> pd.DataFrame:
        if engine != "duckdb":
            kwargs.setdefault("output", "pandas")
        return featurecat.load_features(features, entity_df, catalog, engine=engine, **kwargs)

    return run


@pytest.fixture
def conforms(load: Load, tmp_path: Path) -> Callable[[Case], pd.DataFrame]:
    """Run a case on the engine under test, check it against the oracle, return the result."""

    def check(case: Case) -> pd.DataFrame:
        root = case.build(tmp_path / "catalog")
        actual = load(case.features, case.entity_df, root)
        expected = reference.load_features(
            featurecat.Catalog.load(root), case.features, case.entity_df
        )
        pd.testing.assert_frame_equal(actual, expected)
        return actual

    return check


def pytest_configure(config: pytest.Config) -> None:
    # pyspark warns about pandas 3 on import; the engine never hands pandas to Spark.
    config.addinivalue_line(
        "filterwarnings", "ignore:PySpark does not yet fully support pandas:FutureWarning"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # With `pytest -n auto --dist loadgroup`, every Spark test runs in one worker, so only one
    # JVM starts; other workers run everything else meanwhile.
    for item in items:
        if item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.xdist_group("spark"))
