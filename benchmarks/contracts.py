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

Network (``--network-sources``, default 2 of the sources, 0 to skip): object storage is not
on main yet, so it is simulated: the same files behind an fsspec filesystem registered on
DuckDB (how DuckDB reads object storage through fsspec), where every read is one request
costing a fixed latency (``--latency``, default 20 ms, an object store's first-byte latency)
plus its bytes at ``--bandwidth`` MB/s (default 200), and nothing is cached between queries.
The featurecat side runs ``run_contracts`` through a reader of those files; target: the
single pass at least 3x faster than one query per expectation. Needs ``pip install fsspec``
for that part; the requests each side made are printed too.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


# --- the network part ------------------------------------------------------------------------


class Remote:
    """Files read as from object storage: every read is one request that costs a fixed
    latency plus its bytes over a bandwidth (fsspec's buffered file with no cache, as s3fs
    reads ranges), and nothing is cached between queries. Registered on DuckDB as the
    ``remote://`` filesystem, which is how DuckDB reads object storage through fsspec."""

    def __init__(self, root: Path, latency: float, bandwidth: float) -> None:
        self.root, self.latency, self.bandwidth = root, latency, bandwidth
        self.requests = 0

    def filesystem(self) -> Any:
        from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

        remote = self

        class File(AbstractBufferedFile):  # type: ignore[misc]
            def _fetch_range(self, start: int, end: int) -> bytes:
                remote.requests += 1
                time.sleep(remote.latency + (end - start) / (remote.bandwidth * 1e6))
                with open(remote.local(self.path), "rb") as handle:
                    handle.seek(start)
                    return handle.read(end - start)

        class Filesystem(AbstractFileSystem):  # type: ignore[misc]
            protocol = "remote"

            def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
                remote.requests += 1
                time.sleep(remote.latency)  # a HEAD request
                local = remote.local(path)
                return {"name": path, "size": local.stat().st_size, "type": "file"}

            def modified(self, path: str) -> datetime:
                return datetime(2025, 1, 1, tzinfo=timezone.utc)

            def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
                return File(
                    self, path, mode, cache_type="none", size=remote.local(path).stat().st_size
                )

        return Filesystem(skip_instance_cache=True)

    def local(self, path: str) -> Path:
        return self.root / path.removeprefix("remote://").lstrip("/")


def remote_reader(remote: Remote) -> Any:
    """A parquet reader of the sources' files in ``remote``: the shape of the object storage
    readers to come (register the filesystem on the connection, scan the URLs)."""
    from featurecat.data.duck import Scan
    from featurecat.data.parquet import ParquetReader

    class Reader(ParquetReader):
        def locate(self, catalog: Any, name: str) -> Any:
            from featurecat.data.source import SourceData

            return SourceData(name, catalog.sources[name], (Path(name),))

        def schema(self, data: Any) -> pa.Schema:
            with remote.filesystem().open(f"remote://{data.source.path}") as handle:
                return pq.read_schema(handle)

        @contextmanager
        def scan(
            self, con: Any, data: Any, types: Any, *, union_by_name: bool = False
        ) -> Iterator[Scan]:
            con.register_filesystem(remote.filesystem())
            try:
                yield Scan("read_parquet($files)", {"files": [f"remote://{data.source.path}"]})
            finally:
                con.unregister_filesystem("remote")

    return Reader()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stat", choices=["median", "min"], default="median")
    parser.add_argument("--network-sources", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.020)
    parser.add_argument("--bandwidth", type=float, default=200.0)
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
            network(catalog, root, args)


def network(catalog: Catalog, root: Path, args: argparse.Namespace) -> None:
    try:
        import fsspec  # noqa: F401
    except ImportError:
        print("  network: skipped (pip install fsspec)")
        return
    from featurecat.data import reader as readers

    names = sorted(catalog.sources)[: args.network_sources]
    remote = Remote(root / "data", args.latency, args.bandwidth)
    relations = {s: f"read_parquet('remote://{s}.parquet')" for s in names}

    def register(con: Any) -> None:
        con.register_filesystem(remote.filesystem())

    original = readers.READERS["parquet"]
    readers.READERS["parquet"] = remote_reader(remote)
    selection = Selection(names=tuple(names), skip=("unique",))
    try:
        checked = run_contracts(catalog, selection, now=NOW)
        broken = [o.message for o in checked.outcomes if o.status == "error"]
        assert not broken, broken  # a read that failed would look fast
        remote.requests = 0
        single = timed(lambda: run_contracts(catalog, selection, now=NOW), args.repeat, args.stat)
        single_requests, remote.requests = remote.requests // args.repeat, 0
    finally:
        readers.READERS["parquet"] = original
    base = timed(lambda: baseline(list(relations.values()), register), args.repeat, args.stat)
    base_requests, remote.requests = remote.requests // args.repeat, 0
    dbt = timed(lambda: dbt_way(catalog, relations, register), args.repeat, args.stat)
    dbt_requests = remote.requests // args.repeat
    print(
        f"network (simulated object storage): {len(names)} sources, "
        f"{args.latency * 1000:.0f} ms a request plus its bytes at {args.bandwidth:.0f} MB/s,"
    )
    print("  read by DuckDB through fsspec, no cache between queries")
    line("baseline, one scan per source", base, f"({base_requests} requests)")
    line(
        "featurecat, all but uniqueness, one query per source",
        single,
        f"= {single / base:.2f}x the baseline ({single_requests} requests)",
    )
    line(
        "dbt way, one query per expectation",
        dbt,
        f"= {dbt / single:.2f}x featurecat's single pass (target >= 3x; {dbt_requests} requests)",
    )


if __name__ == "__main__":
    main()
