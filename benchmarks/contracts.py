"""How fast is ``featurecat test``: one pass per source, against a plain scan and the dbt way?

Data, generated in a temporary folder: 10 sources x 1,000,000 rows (user_id, event_timestamp
and 5 features: f0-f2 float64, f3-f4 int64), each declaring 4 expectations per feature
(not_null, range, min_rows or accepted_values, unique) plus freshness and a row floor.
Every contender runs in this process on a fresh DuckDB connection per run, timed as the
median of --repeat runs (or the minimum with --stat min):

* baseline: one full scan per source that reads the same columns,
  ``SELECT count(*), max(ts), sum(f0), ..., sum(f4)`` (not a bare ``count(*)``, which
  parquet answers from its footer);
* featurecat: ``run_contracts`` with ``--skip unique`` (every other expectation, one query
  per source: locating the data, its schema check, the query and the judging included);
  target at most 2x the baseline;
* uniqueness: ``run_contracts`` with ``--kind unique`` (its own hash aggregation), reported
  apart;
* dbt way: one query per expectation (17 per source: ``SELECT count(*) FROM src WHERE
  <failing>``, dbt's shape of a test), over the same files.

Object storage (``--network-sources``, default 2 of the sources, 0 to skip): the same files
as objects on the moto S3 server the tests use (``tests/storage``: a real S3 API over HTTP on
this machine), under a declared storage location, read by featurecat's own S3 reader (s3fs
registered on DuckDB). The featurecat side runs ``run_contracts`` on that catalog; the dbt
side runs its queries through the same reader; target: the single pass at least 3x faster
than one query per expectation. The server holds each response back ``--latency-ms``
(20 by default) before its first byte: AWS's performance guide puts S3's median latency for
small requests in the tens of milliseconds, and on this machine a request otherwise costs
next to nothing. Needs ``pip install 'featurecat[s3,test]'``; the S3 requests each side made
are printed too.

    python benchmarks/contracts.py                       # full size (a few minutes)
    python benchmarks/contracts.py --rows 100000 --repeat 1   # quick
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from featurecat import Catalog
from featurecat.contracts.select import Selection
from featurecat.data.duck import connect
from featurecat.measure.run import run_contracts

NOW = datetime(2025, 7, 1, tzinfo=timezone.utc)
FEATURES = {"f0": "float64", "f1": "float64", "f2": "float64", "f3": "int64", "f4": "int64"}
EXPECT = {
    "float64": [
        "not_null: {max_share: 5%}",
        "range: {min: -10, max: 10}",
        "min_rows: 1000",
        "unique: true",
    ],
    "int64": [
        "not_null: true",
        "accepted_values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]",
        "range: {min: 0, max: 9}",
        "unique: true",
    ],
}


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<56} {seconds:6.2f} s{'  ' + note if note else ''}")


def generate(root: Path, sources: int, rows: int) -> Path:
    catalog = root / "catalog"
    files = {
        "featurecat.yaml": "name: bench\n",
        "teams/t.yaml": "name: t\n",
        "entities/user.yaml": "name: user\ndescription: A user.\njoin_keys: [user_id]\n",
    }
    rng = np.random.default_rng(7)
    start = np.datetime64("2025-01-01T00:00:00", "us")
    for s in range(sources):
        name = f"s{s}"
        files[f"sources/{name}.yaml"] = textwrap.dedent(f"""\
            name: {name}
            owner: t
            entity: user
            path: {name}.parquet
            expect:
              freshness: {{warn_after: 2d, error_after: 7d}}
              min_rows: 1000
            """)
        for column, dtype in FEATURES.items():
            body = "".join(f"  {line}\n" for line in EXPECT[dtype])
            files[f"features/{name}_{column}.yaml"] = (
                f"name: {name}_{column}\ndescription: A number.\nowner: t\nsource: {name}\n"
                f"column: {column}\ndtype: {dtype}\nexpect:\n{body}"
            )
        floats = rng.normal(size=(3, rows))
        # 1% nulls, as pandas writes them (a null, not NaN: see the report on NaN in parquet).
        nulls = rng.random(rows) < 0.01
        table = pa.table(
            {
                "user_id": np.arange(rows, dtype=np.int64),
                "event_timestamp": pa.array(
                    start + np.arange(rows) * 15_000_000, pa.timestamp("us", tz="UTC")
                ),
                "f0": pa.array(floats[0], mask=nulls),
                **{f"f{i}": floats[i] for i in range(1, 3)},
                "f3": rng.integers(0, 10, rows),
                "f4": rng.integers(0, 10, rows),
            }
        )
        (catalog / "data").mkdir(parents=True, exist_ok=True)
        pq.write_table(table, catalog / "data" / f"{name}.parquet")
    for relpath, text in files.items():
        (catalog / relpath).parent.mkdir(parents=True, exist_ok=True)
        (catalog / relpath).write_text(text)
    return catalog


def timed(fn: Callable[[], Any], repeat: int, stat: str) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times) if stat == "min" else statistics.median(times)


def baseline(relations: list[str], con_setup: Callable[[Any], None] = lambda con: None) -> None:
    sums = ", ".join(f"sum({c})" for c in FEATURES)
    with connect() as con:
        con_setup(con)
        for relation in relations:
            con.execute(f"SELECT count(*), max(event_timestamp), {sums} FROM {relation}").fetchall()


def dbt_queries(catalog: Catalog, source: str) -> list[str]:
    """One query per expectation, as dbt runs its tests: count the failing rows."""
    queries = ["SELECT max(event_timestamp) FROM {r}", "SELECT count(*) FROM {r}"]
    for feature in catalog.features_of(source):
        c = feature.column_name
        assert feature.expect is not None
        for kind, e in feature.expect.declared():
            if kind == "not_null":
                queries.append(f"SELECT count(*) FROM {{r}} WHERE {c} IS NULL OR isnan({c})")
            elif kind == "range":
                queries.append(f"SELECT count(*) FROM {{r}} WHERE {c} < {e.min} OR {c} > {e.max}")  # type: ignore[attr-defined]
            elif kind == "accepted_values":
                values = ", ".join(map(str, e.values))  # type: ignore[attr-defined]
                queries.append(f"SELECT count(*) FROM {{r}} WHERE {c} NOT IN ({values})")
            elif kind == "min_rows":
                queries.append(f"SELECT count({c}) FROM {{r}}")
    return queries


def dbt_way(
    catalog: Catalog, relations: dict[str, str], con_setup: Callable[[Any], None] = lambda con: None
) -> int:
    count = 0
    with connect() as con:
        con_setup(con)
        for source, relation in relations.items():
            for query in dbt_queries(catalog, source):
                con.execute(query.format(r=relation)).fetchall()
                count += 1
    return count


# --- object storage ---------------------------------------------------------------------------


def object_storage(catalog: Catalog, root: Path, args: argparse.Namespace) -> None:
    """The first ``--network-sources`` sources again, as objects on the moto S3 server of the
    tests (a real S3 API over HTTP on this machine), read by featurecat's object-storage
    reader: s3fs registered on DuckDB, the way every source under a storage location is
    read. Nothing is cached between queries, as for a dbt run."""
    try:
        from tests.storage.server import s3_server
    except ImportError:
        print("  object storage: skipped (pip install 'featurecat[s3,test]')")
        return
    names = sorted(catalog.sources)[: args.network_sources]
    with s3_server(latency_ms=args.latency_ms) as s3:
        bucket = s3.bucket("fc-bench")
        for name in names:
            s3.client().upload_file(
                str(root / "data" / f"{name}.parquet"), bucket, f"{name}.parquet"
            )
        remote = Catalog.load(_remote_catalog(root, names, s3.location(f"s3://{bucket}")))
        selection = Selection(skip=("unique",))
        checked = run_contracts(remote, selection, now=NOW)
        broken = [o.message for o in checked.outcomes if o.status == "error"]
        assert not broken, broken  # a read that failed would look fast
        requests = {}
        s3.traffic(reset=True)
        single = timed(lambda: run_contracts(remote, selection, now=NOW), args.repeat, args.stat)
        requests["single"] = len(s3.traffic(reset=True)) // args.repeat
        base = timed(lambda: _on_objects(remote, names, [BASELINE]), args.repeat, args.stat)
        requests["base"] = len(s3.traffic(reset=True)) // args.repeat
        queries = dbt_queries(remote, names[0])
        dbt = timed(
            lambda: _on_objects(remote, names, queries, per_source=True), args.repeat, args.stat
        )
        requests["dbt"] = len(s3.traffic(reset=True)) // args.repeat
    print(
        f"object storage (moto's S3 server on this machine, {args.latency_ms:g} ms to each "
        f"response's first byte): {len(names)} sources,"
    )
    print("  read by featurecat's S3 reader (s3fs on DuckDB); DuckDB's file cache off for the")
    print("  dbt way and the baseline, so each of their queries reads over the network")
    line("baseline, one scan per source", base, f"({requests['base']} requests)")
    line(
        "featurecat, all but uniqueness, one query per source",
        single,
        f"= {single / base:.2f}x the baseline ({requests['single']} requests)",
    )
    line(
        "dbt way, one query per expectation",
        dbt,
        f"= {dbt / single:.2f}x featurecat's single pass "
        f"(target >= 3x; {requests['dbt']} requests)",
    )


def _remote_catalog(root: Path, names: list[str], location: str) -> Path:
    """A copy of the catalog with sources ``names`` only, read from the ``lake`` location."""
    import shutil

    remote = root.parent / "remote-catalog"
    shutil.copytree(root, remote, ignore=shutil.ignore_patterns("data"))
    (remote / "featurecat.yaml").write_text(f"name: bench\nlocations:\n  lake:\n{location}")
    for path in [*remote.glob("sources/*.yaml"), *remote.glob("features/*.yaml")]:
        name = path.stem.split("_")[0]
        if name not in names:
            path.unlink()
        elif path.parent.name == "sources":
            url = f"path: s3://fc-bench/{name}.parquet"
            path.write_text(path.read_text().replace(f"path: {name}.parquet", url))
    return remote


BASELINE = "SELECT count(*), max(event_timestamp), " + ", ".join(f"sum({c})" for c in FEATURES)
BASELINE += " FROM {r}"


def _on_objects(
    catalog: Catalog, names: list[str], queries: list[str], per_source: bool = False
) -> None:
    """Run ``queries`` over each source in ``names`` through the source's own reader; with
    ``per_source``, the source's dbt queries (``queries`` are the first source's)."""
    from featurecat.data import locate
    from featurecat.data.duck import column_types, scan

    with connect() as con:
        # Every read goes over the network, as the target is stated: DuckDB's cache of
        # remote file blocks would otherwise answer later queries from memory.
        con.execute("SET enable_external_file_cache = false")
        for name in names:
            data = locate(catalog, name)
            with scan(con, data, column_types("event_timestamp", FEATURES)) as found:  # type: ignore[arg-type]
                for query in dbt_queries(catalog, name) if per_source else queries:
                    con.execute(query.format(r=found.relation), found.params).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stat", choices=["median", "min"], default="median")
    parser.add_argument("--network-sources", type=int, default=2)
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=20,
        help="first-byte latency of each S3 response (S3's median for small requests is in "
        "the tens of milliseconds, by AWS's performance guide); 0 for none",
    )
    args = parser.parse_args()
    global NOW  # an hour after the newest row, so freshness holds as it would in production
    NOW = datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=15 * args.rows + 3600)

    with tempfile.TemporaryDirectory(prefix="featurecat-bench-") as tmp:
        began = time.perf_counter()
        root = generate(Path(tmp), args.sources, args.rows)
        catalog = Catalog.load(root)
        took = time.perf_counter() - began
        print(f"{args.sources} sources x {args.rows:,} rows, 5 features each (generated in")
        print(f"{took:.1f} s); {args.stat} of {args.repeat} runs")
        files = {s: root / "data" / f"{s}.parquet" for s in sorted(catalog.sources)}
        local = {s: f"read_parquet('{f}')" for s, f in files.items()}
        everything_but_unique = Selection(skip=("unique",))
        only_unique = Selection(kinds=("unique",))
        base = timed(lambda: baseline(list(local.values())), args.repeat, args.stat)
        single = timed(
            lambda: run_contracts(catalog, everything_but_unique, now=NOW), args.repeat, args.stat
        )
        unique = timed(lambda: run_contracts(catalog, only_unique, now=NOW), args.repeat, args.stat)
        queries = dbt_queries(catalog, "s0")
        dbt = timed(lambda: dbt_way(catalog, local), args.repeat, args.stat)
        results = run_contracts(catalog, now=NOW)
        assert not [o for o in results.outcomes if o.status == "error"]
        failing = sum(o.failed for o in results.outcomes)
        print(f"  expectations per run: {len(results.outcomes)} ({failing} failing)")
        line("baseline, one scan per source (count, max(ts), 5 sums)", base)
        line(
            "featurecat, all but uniqueness, one query per source",
            single,
            f"= {single / base:.2f}x the baseline (target <= 2x)",
        )
        line(
            "uniqueness, its own hash aggregation per source",
            unique,
            f"= {unique / base:.2f}x the baseline",
        )
        line(
            f"dbt way, one query per expectation ({len(queries)} per source)",
            dbt,
            f"= {dbt / single:.2f}x featurecat's single pass",
        )
        if args.network_sources > 0:
            object_storage(catalog, root, args)


if __name__ == "__main__":
    main()
