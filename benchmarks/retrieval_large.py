"""Training sets bigger than memory: ``export_features`` against a hand-written DuckDB COPY.

Data, generated in a temporary folder (or --data DIR, kept between runs): a source of
N/10 users x 10 snapshots (N rows) with 10 float features, and N entity rows (user_id,
event_timestamp) as parquet, for each size N of --rows. Every contender runs as its own
process with the same memory limit (--memory-limit, 1GiB by default) and is timed from start
to finish, with its peak resident memory (whole process):

* featurecat: ``featurecat.export_features(..., path=out.parquet, memory_limit=...)``;
* duckdb: ``COPY (SELECT e.*, s.f0, ... FROM read_parquet(entity) e ASOF LEFT JOIN
  read_parquet(source) s ON ...) TO 'out.parquet'``, written by hand, same limit and spill;
* stream: ``export_features(..., output="batches")`` read to the end: time to the first
  batch, and the whole stream against the parquet export;
* for reference, at the largest size (--reference): ``pd.merge_asof`` and the in-memory
  ``load_features`` (each capped at --reference-cap of address space and --timeout seconds,
  so that a failure is reported instead of swapping a shared machine);
* --spark: a Spark standalone cluster (master + one worker on 127.0.0.1, pyspark's jars) at
  the smallest size, the export's time and its ratio to DuckDB's;
* --check: the largest export compared with the in-memory load_features on its first
  1,000,000 entity rows, row by row.

    python benchmarks/retrieval_large.py                      # --quick: 1M rows, a minute
    python benchmarks/retrieval_large.py --rows 1e6,5e6,2e7 --reference --check --spark

Targets (issue 11): at 20M rows, peak RSS <= 1.5 GiB with a 1 GiB limit, wall <= 1.3x the
hand-written COPY; featurecat's time per million rows grows within 1.1x of the baseline's;
first batch < 2 s; the whole stream <= 1.3x the parquet export.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from retrieval import write_catalog  # the same catalog layout as benchmarks/retrieval.py

FEATURES = [f"f{i}" for i in range(10)]
START_US = 1_735_689_600_000_000  # 2025-01-01
DAY_US = 86_400_000_000
CHUNK = 2_000_000

PRELUDE = "import json, resource, sys, time\nt0 = time.perf_counter()\n"
REPORT = (
    "\nprint(json.dumps({'rows': rows, 'seconds': time.perf_counter() - t0, **extra,"
    " 'peak_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
)
EXPORT = (
    PRELUDE
    + textwrap.dedent("""
    import featurecat
    catalog, entity, out, limit, *features = sys.argv[1:]
    done = featurecat.export_features(
        features, entity, out, catalog, memory_limit=limit, overwrite=True)
    rows, extra = done.rows, {}
""")
    + REPORT
)
STREAM = (
    PRELUDE
    + textwrap.dedent("""
    import featurecat
    catalog, entity, out, limit, *features = sys.argv[1:]
    reader = featurecat.export_features(
        features, entity, catalog=catalog, output="batches", memory_limit=limit)
    first, rows = None, 0
    for batch in reader:
        first = first or time.perf_counter() - t0
        rows += batch.num_rows
    extra = {"first_batch": first}
""")
    + REPORT
)
DUCKDB = (
    PRELUDE
    + textwrap.dedent("""
    import duckdb
    catalog, entity, out, limit, *features = sys.argv[1:]
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{limit}'")
    con.execute(f"SET temp_directory = '{out}.spill'")
    source = f"{catalog}/data/snapshots.parquet"
    values = ", ".join(f"s.{f}" for f in features)
    sql = (f"SELECT e.*, {values} FROM read_parquet('{entity}') e ASOF LEFT JOIN "
           f"read_parquet('{source}') s ON e.user_id = s.user_id "
           f"AND e.event_timestamp >= s.event_timestamp")
    rows = con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)").fetchall()[0][0]
    extra = {}
""")
    + REPORT
)
LOAD = (
    PRELUDE
    + textwrap.dedent("""
    import pandas as pd
    import featurecat
    catalog, entity, out, limit, *features = sys.argv[1:]
    frame = featurecat.load_features(features, pd.read_parquet(entity), catalog)
    rows, extra = len(frame), {}
""")
    + REPORT
)
MERGE_ASOF = (
    PRELUDE
    + textwrap.dedent("""
    import pandas as pd
    catalog, entity, out, limit, *features = sys.argv[1:]
    df = pd.read_parquet(entity).reset_index().sort_values("event_timestamp", kind="stable")
    source = pd.read_parquet(f"{catalog}/data/snapshots.parquet")
    source = source.sort_values("event_timestamp", kind="stable")
    df = pd.merge_asof(df, source, on="event_timestamp", by="user_id").sort_values("index")
    rows, extra = len(df), {}
""")
    + REPORT
)


def write_data(folder: Path, rows: int, seed: int = 1) -> tuple[Path, Path]:
    """The catalog (source of ``rows`` rows) and the entity rows, written chunk by chunk."""
    catalog = folder / f"catalog_{rows}"
    entity = folder / f"entity_{rows}.parquet"
    if entity.exists():
        return catalog, entity
    write_catalog(catalog, {"snapshots": FEATURES})
    (catalog / "data").mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    users = max(rows // 10, 1)
    schema = pa.schema(
        [("user_id", pa.int64()), ("event_timestamp", pa.timestamp("us", tz="UTC"))]
        + [(f, pa.float64()) for f in FEATURES]
    )
    with pq.ParquetWriter(catalog / "data/snapshots.parquet", schema) as writer:
        for start in range(0, rows, CHUNK):
            ids = np.arange(start, min(start + CHUNK, rows))
            stamps = START_US + (ids % 10) * 7 * DAY_US + rng.integers(0, DAY_US, len(ids))
            columns = [pa.array(ids // 10), pa.array(stamps).cast(schema.field(1).type)]
            columns += [pa.array(rng.random(len(ids))) for _ in FEATURES]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))
    entity_schema = pa.schema(list(schema)[:2])
    with pq.ParquetWriter(entity, entity_schema) as writer:
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            stamps = START_US + rng.integers(-3 * DAY_US, 77 * DAY_US, n)
            columns = [
                pa.array(rng.integers(0, users, n)),
                pa.array(stamps).cast(pa.timestamp("us", tz="UTC")),
            ]
            writer.write_table(pa.Table.from_arrays(columns, schema=entity_schema))
    return catalog, entity


def run(
    code: str, args: list[str], timeout: float, cap: int | None = None
) -> dict[str, float | str]:
    """Run ``code`` as a process; its JSON report, or how it failed, with its peak RSS."""
    import subprocess

    def limit() -> None:
        if cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *args], stdout=out, stderr=err, preexec_fn=limit
        )
        status, usage = 0, None
        while time.perf_counter() - start < timeout:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.2)
        else:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return {"failure": f"timeout after {timeout:.0f} s", "peak_mib": usage.ru_maxrss / 1024}
        out.seek(0)
        err.seek(0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            last = (err.read().decode().strip().splitlines() or ["killed"])[-1]
            return {"failure": last[:160], "seconds": wall, "peak_mib": usage.ru_maxrss / 1024}
        report: dict[str, float | str] = json.loads(out.read().decode().strip().splitlines()[-1])
        report["wall"] = wall
        report["peak_mib"] = usage.ru_maxrss / 1024
        return report


def check_sample(catalog: Path, entity: Path, exported: Path, sample: int) -> str:
    """The export's first ``sample`` entity rows against the in-memory load_features."""
    import duckdb

    import featurecat

    frame = pq.ParquetFile(entity).iter_batches(batch_size=sample).__next__().to_pandas()
    expected = featurecat.load_features(FEATURES, frame, catalog, output="arrow")
    got = duckdb.sql(
        f"SELECT * FROM read_parquet($p) WHERE entity_row < {len(frame)} ORDER BY entity_row",
        params={"p": str(exported)},
    ).to_arrow_table()
    same = all(got.column(f).equals(expected.column(f)) for f in FEATURES)
    return f"{'equal' if same else 'DIFFERENT'} on the first {len(frame):,} rows"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default=None, help="sizes, e.g. 1e6,5e6,2e7")
    parser.add_argument("--quick", action="store_true", help="1M rows only (the default)")
    parser.add_argument("--memory-limit", default="1GiB")
    parser.add_argument("--data", type=Path, default=None, help="keep generated data here")
    parser.add_argument("--reference", action="store_true", help="merge_asof, load_features")
    parser.add_argument("--reference-cap", type=float, default=8, help="GiB of address space")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--spark", action="store_true")
    args = parser.parse_args()
    sizes = [int(float(s)) for s in (args.rows or "1e6").split(",")]
    folder = args.data or Path(tempfile.mkdtemp(prefix="featurecat-large-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"memory limit {args.memory_limit}; {os.cpu_count()} cores; load {os.getloadavg()}")
    print(
        f"{'rows':>11} | {'featurecat':>10} {'MiB':>6} | {'duckdb':>7} {'MiB':>6} | "
        f"{'ratio':>5} | {'s/M fc':>6} {'s/M db':>6} | {'stream':>7} {'first':>6} {'ratio':>5}"
    )
    results = {}
    for n in sizes:
        catalog, entity = write_data(folder, n)
        common = [str(catalog), str(entity)]
        outs = {k: folder / f"out_{k}_{n}.parquet" for k in ("fc", "db", "stream")}
        for out in outs.values():
            out.unlink(missing_ok=True)
        fc = run(EXPORT, [*common, str(outs["fc"]), args.memory_limit, *FEATURES], args.timeout)
        db = run(DUCKDB, [*common, str(outs["db"]), args.memory_limit, *FEATURES], args.timeout)
        st = run(STREAM, [*common, "-", args.memory_limit, *FEATURES], args.timeout)
        results[n] = (fc, db, st)
        if "failure" in fc or "failure" in db or "failure" in st:
            print(f"{n:>11,} | failed: {fc.get('failure')} {db.get('failure')} {st.get('failure')}")
            continue
        million = n / 1e6
        print(
            f"{n:>11,} | {fc['wall']:>9.1f}s {fc['peak_mib']:>6.0f} | {db['wall']:>6.1f}s "
            f"{db['peak_mib']:>6.0f} | {fc['wall'] / db['wall']:>5.2f} | "
            f"{fc['wall'] / million:>6.2f} {db['wall'] / million:>6.2f} | {st['wall']:>6.1f}s "
            f"{st['first_batch']:>5.1f}s {st['wall'] / fc['wall']:>5.2f}"
        )
        outs["db"].unlink(missing_ok=True)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        growth = {
            name: (results[large][i]["wall"] / large) / (results[small][i]["wall"] / small)
            for i, name in ((0, "featurecat"), (1, "duckdb"))
            if "wall" in results[large][i] and "wall" in results[small][i]
        }
        if len(growth) == 2:
            print(
                f"time per row, {large:,} vs {small:,}: featurecat x{growth['featurecat']:.2f}, "
                f"duckdb x{growth['duckdb']:.2f}; "
                f"ratio {growth['featurecat'] / growth['duckdb']:.2f}"
            )
    largest = sizes[-1]
    catalog, entity = write_data(folder, largest)
    if args.check:
        print(
            "check:", check_sample(catalog, entity, folder / f"out_fc_{largest}.parquet", 1_000_000)
        )
    if args.reference:
        cap = int(args.reference_cap * 1024**3)
        for name, code in (("pandas.merge_asof", MERGE_ASOF), ("load_features in memory", LOAD)):
            got = run(code, [str(catalog), str(entity), "-", "-", *FEATURES], args.timeout, cap)
            said = got.get("failure") or f"{got['wall']:.1f} s"
            print(
                f"{name} at {largest:,} rows (capped at {args.reference_cap:g} GiB): {said}, "
                f"peak {got['peak_mib']:.0f} MiB"
            )
    if args.spark:
        print(spark_run(folder, sizes[0], results[sizes[0]][0]))


def spark_run(folder: Path, rows: int, duck: dict[str, float | str]) -> str:
    """The Spark export on a standalone cluster started here, timed against DuckDB's."""
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from tests.retrieval.spark_cluster import Cluster

    catalog, entity = write_data(folder, rows)
    cluster = Cluster(folder / "spark").start()
    try:
        code = (
            PRELUDE
            + textwrap.dedent("""
            import os
            os.environ["PYSPARK_PYTHON"] = sys.executable
            from pyspark.sql import SparkSession
            import featurecat
            master, catalog, entity, out, *features = sys.argv[1:]
            spark = (SparkSession.builder.master(master)
                     .config("spark.driver.host", "127.0.0.1")
                     .config("spark.driver.bindAddress", "127.0.0.1")
                     .config("spark.executor.memory", "1g").config("spark.cores.max", "2")
                     .config("spark.sql.shuffle.partitions", "8")
                     .config("spark.ui.enabled", "false").getOrCreate())
            spark.sparkContext.setLogLevel("ERROR")
            t0 = time.perf_counter()  # the export alone, not the JVM start
            done = featurecat.export_features(
                features, entity, out, catalog, engine=spark, overwrite=True)
            rows, extra = done.rows, {}
        """)
            + REPORT
        )
        out = folder / f"out_spark_{rows}"
        import shutil

        shutil.rmtree(out, ignore_errors=True)
        got = run(code, [cluster.url, str(catalog), str(entity), str(out), *FEATURES], 3600)
    finally:
        cluster.stop()
    if "failure" in got:
        return f"spark standalone at {rows:,} rows: {got['failure']}"
    return (
        f"spark standalone at {rows:,} rows: export {got['seconds']:.1f} s "
        f"(process {got['wall']:.1f} s), "
        f"{float(got['seconds']) / float(duck['wall']):.1f}x DuckDB's export"
    )


if __name__ == "__main__":
    main()
