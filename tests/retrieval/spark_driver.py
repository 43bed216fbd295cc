"""The driver of the cluster tests, run as its own process (one SparkContext per process):
``python spark_driver.py MASTER_URL CATALOG ROWS OUT``. It writes, under OUT, the Spark
export (``export/``) and load_features' result as parquet (``loaded.parquet``)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")


def main(master: str, catalog: str, rows: str, out: str) -> None:
    os.environ["PYSPARK_PYTHON"] = sys.executable  # executors need this Python's pyarrow
    import pandas as pd
    from pyspark.sql import SparkSession

    import featurecat
    from tests.retrieval.training import FEATURES

    spark = (
        SparkSession.builder.master(master)
        .appName("featurecat-cluster-test")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.executor.memory", "512m")
        .config("spark.executor.cores", "2")
        .config("spark.cores.max", "2")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "America/Los_Angeles")
        .getOrCreate()
    )
    try:
        spark.sparkContext.setLogLevel("ERROR")
        assert spark.sparkContext.master == master
        featurecat.export_features(FEATURES, rows, Path(out) / "export", catalog, engine=spark)
        frame = pd.read_parquet(rows)
        loaded = featurecat.load_features(FEATURES, frame, catalog, engine=spark, output="arrow")
        import pyarrow.parquet as pq

        pq.write_table(loaded, Path(out) / "loaded.parquet")
    finally:
        spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
