"""Fixtures for the retrieval tests: every engine, and one Spark session for the whole run.

Spark tests skip when pyspark or Java is missing, unless ``FEATURECAT_REQUIRE_SPARK=1`` or
``FEATURECAT_REQUIRE_ALL=1`` (CI sets it), which turns a missing Spark into a failure.
"""

from __future__ import annotations

import functools
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
from tests.retrieval.bigdata import BIG_DATA_STORES, BIG_DATA_WAYS
from tests.retrieval.cases import Case
from tests.storage.stores import REMOTE, STORES

Load = Callable[..., pd.DataFrame]


def require_spark() -> None:
    """Skip when pyspark or Java is missing; fail instead when Spark is required (CI)."""
    required = "1" in (
        os.environ.get("FEATURECAT_REQUIRE_SPARK"),
        os.environ.get("FEATURECAT_REQUIRE_ALL"),
    )
    try:
        import pyspark  # noqa: F401
    except ImportError:
        if required:
            raise
        pytest.skip("pyspark is not installed (pip install 'featurecat[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if required:
            pytest.fail("Java is needed for the Spark tests")
        pytest.skip("Java is not installed")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local Spark session whose time zone is deliberately not UTC."""
    require_spark()
    from pyspark.sql import SparkSession

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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every registered engine for tests that take ``engine``; with ``conforms``, every
    engine on every store it can read (Spark reads files in the repository only: object
    stores and table formats need JARs a session brings, which cannot be downloaded here)."""
    if "engine" not in metafunc.fixturenames:
        return
    if "conforms" not in metafunc.fixturenames:
        metafunc.parametrize("engine", [_engine(name) for name in sorted(ENGINES)], indirect=True)
        return
    combos = [
        pytest.param(name, store, id=f"{name}-{store}", marks=_engine(name).marks)
        for name in sorted(ENGINES)
        for store in (("local",) if name == "spark" else STORES)
    ]
    # The big-data path (export_features): entity rows from files, URIs or arrow, results
    # written to parquet (locally or on S3) or streamed, put back in entity order by their
    # entity_row column.
    # Entity rows and outputs at URIs go with the S3 store, whose catalog declares them.
    combos += [
        pytest.param(way, store, id=f"{way}-{store}")
        for way in sorted(BIG_DATA_WAYS)
        for store in [BIG_DATA_STORES.get(way, "local")]
    ]
    metafunc.parametrize(("engine", "store"), combos, indirect=True)


def _engine(name: str) -> Any:
    return pytest.param(name, marks=[pytest.mark.spark] if name == "spark" else [])


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Any:
    """Every registered engine, by the argument for load_features: its name, or for Spark
    the test session (so the conformance suite runs each engine the registry lists)."""
    if request.param == "spark":
        return request.getfixturevalue("spark")
    return request.param


@pytest.fixture
def store(request: pytest.FixtureRequest) -> str:
    """Where the case's source data is kept (see tests.storage.stores)."""
    return str(request.param)


@pytest.fixture
def load(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Load:
    """load_features on the engine under test, always returning pandas to compare."""

    if engine in BIG_DATA_WAYS:
        return functools.partial(BIG_DATA_WAYS[engine], tmp_path_factory.mktemp("export"))

    def run(features: Any, entity_df: Any, catalog: Any, **kwargs: Any) -> pd.DataFrame:
        if engine != "duckdb":
            kwargs.setdefault("output", "pandas")
        return featurecat.load_features(features, entity_df, catalog, engine=engine, **kwargs)

    return run


@pytest.fixture
def conforms(
    load: Load, tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> Callable[[Case], pd.DataFrame]:
    """Run a case on the engine under test with its data in ``store``, check it against the
    oracle, return the result."""
    s3 = request.getfixturevalue("s3") if store in REMOTE else None

    def check(case: Case) -> pd.DataFrame:
        root = case.build(tmp_path / "catalog", store, s3)
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


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    # With `pytest -n auto --dist loadgroup`, every Spark test runs in one worker, so only one
    # JVM starts; other workers run everything else meanwhile.
    for item in items:
        if item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.xdist_group("spark"))
    yield
    # xdist (3.8) groups tests by a suffix it appends to `item._nodeid`, but pytest 9 reads
    # an item's id from `item._id`: without this, loadgroup groups nothing and every worker
    # starts its own JVM. For every group in the suite, not only Spark's.
    for item in items:
        grouped = getattr(item, "_nodeid", None)
        if isinstance(grouped, str) and grouped != item.nodeid and hasattr(item, "_id"):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(grouped)
