"""load_features and export_features on a real Spark standalone cluster (a master and one
worker on 127.0.0.1, started from pyspark's own jars), compared with DuckDB row by row.

The driver runs in its own process (a process holds one SparkContext, and the rest of the
suite's local session lives in this one); one cluster serves the session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import featurecat
from tests.retrieval.conftest import require_spark
from tests.retrieval.spark_cluster import Cluster
from tests.retrieval.training import FEATURES, entity_frame, split_parquet, training_catalog

pytestmark = pytest.mark.spark
TOP = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    require_spark()
    running = Cluster(tmp_path_factory.mktemp("spark-cluster"))
    try:
        yield running.start()
    finally:
        running.stop()


def in_entity_order(table: pa.Table) -> pa.Table:
    return table.sort_by("entity_row")


def test_a_standalone_cluster_gives_duckdbs_rows(cluster: Cluster, tmp_path: Path) -> None:
    catalog = training_catalog(tmp_path)
    frame = entity_frame(4_000)
    rows = split_parquet(frame, tmp_path / "rows", parts=3)
    out = tmp_path / "out"
    driver = subprocess.run(
        [sys.executable, "-m", "tests.retrieval.spark_driver", cluster.url, catalog, rows, out],
        cwd=TOP,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(TOP)},
    )
    assert driver.returncode == 0, driver.stderr[-4000:]
    # The jobs ran on the worker's executors, not in a local session.
    assert list((cluster.folder / "work").glob("app-*/*/stderr"))

    # The export: part files written in parallel, the same rows as DuckDB's.
    parts = sorted(p.name for p in (out / "export").glob("*.parquet"))
    assert len(parts) > 1
    spark_rows = in_entity_order(ds.dataset(out / "export").to_table())
    duck = featurecat.export_features(FEATURES, rows, tmp_path / "duck.parquet", catalog)
    duck_rows = in_entity_order(pq.read_table(duck.path))
    assert spark_rows.column_names == duck_rows.column_names
    for name in duck_rows.column_names:
        assert spark_rows.column(name).to_pylist() == duck_rows.column(name).to_pylist(), name
    manifest = (tmp_path / "out/export.manifest.json").read_text()
    assert '"engine": "spark"' in manifest and '"count": 4000' in manifest

    # load_features through the cluster's session: the in-memory result, row by row.
    loaded = pq.read_table(out / "loaded.parquet")
    expected = featurecat.load_features(FEATURES, frame, catalog, output="arrow")
    for name in FEATURES:
        assert loaded.column(name).to_pylist() == expected.column(name).to_pylist(), name
