"""How fast, and how lean, is ``load_features`` against hand-written point-in-time joins?

Data, generated in a temporary folder: a feature source of 100,000 users x 10 snapshots
(1,000,000 rows) with 10 float features, and entity frames of 100,000 and 1,000,000 rows
(user_id, event_timestamp) as parquet. Every contender runs as a whole process, from reading
the entity parquet to holding the joined pandas frame, and is timed (median of --repeat runs)
together with its peak memory (largest RSS):

* featurecat: ``pd.read_parquet`` + ``featurecat.load_features`` (DuckDB engine);
* duckdb (the practical floor): one hand-written ``ASOF LEFT JOIN`` over the same parquet
  files, ``.df()`` to pandas; no row-order restore, no tie rule, no dtype handling;
* merge_asof: pandas reads both files, sorts, ``pd.merge_asof(by="user_id")`` and restores
  the entity order.

Also reported: 10 sources x 5 features (50 features, 10 ASOF joins), and the Spark engine in
local mode (the whole process, JVM start included, and the load call alone).

    python benchmarks/retrieval.py                 # the full size (takes a few minutes)
    python benchmarks/retrieval.py --scale 0.1     # a quick run at a tenth of the rows
    python benchmarks/retrieval.py --no-spark --repeat 7 --stat min   # on a busy machine

Target: at 1,000,000 entity rows, featurecat takes at most 1.3x the floor's wall time and
1.3x its peak memory.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from _common import Run, measure

START = pd.Timestamp("2025-01-01", tz="UTC")
DAYS = 70  # snapshots every 7 days; entity times span the same range and a little before

FEATURECAT = textwrap.dedent("""
    import sys, time
    import pandas as pd
    import featurecat
    catalog, entity, engine, *features = sys.argv[1:]
    labels = pd.read_parquet(entity)
    if engine == "spark":
        from pyspark.sql import SparkSession
        engine = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
                  .config("spark.sql.shuffle.partitions", "8")
                  .config("spark.driver.memory", "4g").getOrCreate())
        engine.sparkContext.setLogLevel("ERROR")
        start = time.perf_counter()
        df = featurecat.load_features(features, labels, catalog, engine=engine, output="pandas")
    else:
        start = time.perf_counter()
        df = featurecat.load_features(features, labels, catalog)
    print(len(df), time.perf_counter() - start)
""")

DUCKDB = textwrap.dedent("""
    import sys, time
    import duckdb
    entity, *sources = sys.argv[1:]
    joins, columns = [], []
    for i, spec in enumerate(sources):
        path, *features = spec.split(",")
        joins.append(
            f"ASOF LEFT JOIN read_parquet('{path}') s{i} "
            f"ON e.user_id = s{i}.user_id AND e.event_timestamp >= s{i}.event_timestamp"
        )
        columns.extend(f"s{i}.{f}" for f in features)
    start = time.perf_counter()
    sql = f"SELECT e.*, {', '.join(columns)} FROM read_parquet('{entity}') e {' '.join(joins)}"
    df = duckdb.sql(sql).df()
    print(len(df), time.perf_counter() - start)
""")

MERGE_ASOF = textwrap.dedent("""
    import sys, time
    import pandas as pd
    entity, *sources = sys.argv[1:]
    start = time.perf_counter()
    df = pd.read_parquet(entity).sort_values("event_timestamp", kind="stable")
    for spec in sources:
        path, *features = spec.split(",")
        source = pd.read_parquet(path, columns=["user_id", "event_timestamp", *features])
        source = source.sort_values("event_timestamp", kind="stable")
        df = pd.merge_asof(df.reset_index(), source, on="event_timestamp", by="user_id")
        df = df.set_index("index")
    df = df.sort_index()
    print(len(df), time.perf_counter() - start)
""")


def write_source(path: Path, users: int, snapshots: int, features: list[str], seed: int) -> None:
    rng = np.random.default_rng(seed)
    user_ids = np.repeat(np.arange(users, dtype=np.int64), snapshots)
    days = np.tile(np.arange(snapshots) * (DAYS // snapshots), users)
    jitter = rng.integers(0, 86_400, users * snapshots)
    stamps = START + pd.to_timedelta(days, unit="D") + pd.to_timedelta(jitter, unit="s")
    columns = {
        "user_id": pa.array(user_ids),
        "event_timestamp": pa.array(stamps.as_unit("us")),
    }
    for name in features:
        columns[name] = pa.array(rng.random(users * snapshots))
    pq.write_table(pa.table(columns), path)


def write_entities(path: Path, users: int, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    seconds = rng.integers(-3 * 86_400, (DAYS + 7) * 86_400, rows)
    frame = pd.DataFrame(
        {
            "user_id": rng.integers(0, users, rows),
            "event_timestamp": (START + pd.to_timedelta(seconds, unit="s")).as_unit("us"),
        }
    )
    frame.to_parquet(path, index=False)


def write_catalog(root: Path, sources: dict[str, list[str]]) -> None:
    def write(relpath: str, text: str) -> None:
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text)

    write("featurecat.yaml", "name: bench\n")
    write("teams/ml.yaml", "name: ml\n")
    write("entities/user.yaml", "name: user\njoin_keys: [user_id]\n")
    for source, features in sources.items():
        write(
            f"sources/{source}.yaml",
            f"name: {source}\nowner: ml\nentity: user\npath: {source}.parquet\n",
        )
        for feature in features:
            write(
                f"features/{feature}.yaml",
                f"name: {feature}\ndescription: Feature {feature}.\nowner: ml\n"
                f"source: {source}\ndtype: float64\n",
            )


def specs(root: Path, sources: dict[str, list[str]]) -> list[str]:
    """``path,feature,feature,...`` per source, for the baseline scripts."""
    return [",".join([str(root / "data" / f"{s}.parquet"), *fs]) for s, fs in sources.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every row count")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--stat",
        choices=["median", "min"],
        default="median",
        help="how runs are summarised; min is steadier on a machine others are using",
    )
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark engine")
    parser.add_argument("--no-many", action="store_true", help="skip 10 sources x 5 features")
    args = parser.parse_args()
    users = int(100_000 * args.scale)
    sizes = [int(100_000 * args.scale), int(1_000_000 * args.scale)]

    with tempfile.TemporaryDirectory(prefix="featurecat-bench-") as tmp:
        folder = Path(tmp)
        scripts = {}
        for name, text in (("featurecat", FEATURECAT), ("duckdb", DUCKDB), ("asof", MERGE_ASOF)):
            scripts[name] = folder / f"bench_{name}.py"  # never shadow the module it imports
            scripts[name].write_text(text)

        one = {"snapshots": [f"f{i}" for i in range(10)]}
        many = {f"source_{s}": [f"s{s}_f{i}" for i in range(5)] for s in range(10)}
        cases = [("1 source x 10 features", one, n) for n in sizes]
        if not args.no_many:
            cases.append(("10 sources x 5 features", many, sizes[-1]))
        for label, sources, _ in cases:
            root = folder / label.replace(" ", "_")
            if root.exists():
                continue
            write_catalog(root, sources)
            (root / "data").mkdir()
            for seed, (source, features) in enumerate(sources.items()):
                write_source(root / "data" / f"{source}.parquet", users, 10, features, seed)
        for n in sizes:
            write_entities(folder / f"entity_{n}.parquet", users, n, seed=99)

        print(f"wall time: {args.stat} of {args.repeat} runs each; memory: the largest peak RSS")
        print(
            f"{'case':<24} {'rows':>9} | {'featurecat':>10} {'duckdb':>7} {'ratio':>5} "
            f"{'merge_asof':>10} {'ratio':>5} | {'MiB':>5} {'duckdb':>6} {'ratio':>5}"
        )
        for label, sources, n in cases:
            root = folder / label.replace(" ", "_")
            entity = str(folder / f"entity_{n}.parquet")
            names = [f for fs in sources.values() for f in fs]
            ours, floor, asof = interleaved(
                n,
                args.repeat,
                args.stat,
                [scripts["featurecat"], root, entity, "duckdb", *names],
                [scripts["duckdb"], entity, *specs(root, sources)],
                [scripts["asof"], entity, *specs(root, sources)],
            )
            print(
                f"{label:<24} {n:>9,} | {ours.seconds:>9.2f}s {floor.seconds:>6.2f}s "
                f"{ours.seconds / floor.seconds:>5.2f} {asof.seconds:>9.2f}s "
                f"{ours.seconds / asof.seconds:>5.2f} | {ours.peak_mib:>5.0f} "
                f"{floor.peak_mib:>6.0f} {ours.peak_mib / floor.peak_mib:>5.2f}"
            )
        if not args.no_spark:
            report_spark(scripts["featurecat"], folder, one, sizes[0], args.repeat, args.stat)


def interleaved(rows: int, repeat: int, stat: str, *commands: list[object]) -> list[Run]:
    """Time (``stat`` of the runs) and peak memory of each command, taking turns so that
    drift in the machine's load hits all of them alike.

    Each command is a script and its arguments; it must print the number of rows it joined,
    then the seconds spent joining.
    """
    runs: list[list[Run]] = [[] for _ in commands]
    for _ in range(repeat):
        for done, (script, *args) in zip(runs, commands, strict=True):
            run = measure([sys.executable, *map(str, [script, *args])], repeat=1)
            if run.output.split()[:1] != [str(rows)]:
                sys.exit(f"{script} did not join {rows} rows: {run.output!r}")
            done.append(run)
    summary = []
    for done in runs:
        ranked = sorted(done, key=lambda r: r.seconds)
        chosen = ranked[0] if stat == "min" else ranked[len(ranked) // 2]
        summary.append(Run(chosen.seconds, max(r.peak_mib for r in done), chosen.output))
    return summary


def report_spark(
    script: Path, folder: Path, sources: dict[str, list[str]], n: int, repeat: int, stat: str
) -> None:
    root = folder / "1_source_x_10_features"
    names = [f for fs in sources.values() for f in fs]
    entity = str(folder / f"entity_{n}.parquet")
    spark, duck = interleaved(
        n,
        repeat,
        stat,
        [script, root, entity, "spark", *names],
        [script, root, entity, "duckdb", *names],
    )
    load_s = float(spark.output.split()[1])
    print(
        f"spark local[2], 1 source x 10 features, {n:,} rows: {spark.seconds:.2f}s as a process "
        f"(JVM start included), {load_s:.2f}s in load_features; duckdb engine "
        f"{duck.seconds:.2f}s ({float(duck.output.split()[1]):.2f}s in load_features)"
    )


if __name__ == "__main__":
    main()
