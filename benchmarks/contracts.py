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

Network (``--network-sources``, default 2 of the sources, 0 to skip): the same files served by
a local HTTP server (a separate process) that answers each request after a fixed delay
(``--latency``, default 20 ms, an object store's first-byte latency) and at most
``--bandwidth`` MB/s (default 100), read through fsspec's HTTP filesystem registered on
DuckDB, which is how object storage is read (every read goes over the network; nothing is
cached between queries). The featurecat side runs ``run_contracts`` through a reader of
those URLs; target: the single pass at least 3x faster than one query per expectation.
Needs ``pip install fsspec aiohttp`` for that part.

    python benchmarks/contracts.py                       # full size (a few minutes)
    python benchmarks/contracts.py --rows 100000 --repeat 1   # quick
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
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

from featurecat import Catalog  # noqa: E402
from featurecat.contracts.select import Selection  # noqa: E402
from featurecat.data.duck import connect  # noqa: E402
from featurecat.measure.run import run_contracts  # noqa: E402

NOW = datetime(2025, 7, 1, tzinfo=timezone.utc)
FEATURES = {"f0": "float64", "f1": "float64", "f2": "float64", "f3": "int64", "f4": "int64"}
EXPECT = {
    "float64": ["not_null: {max_share: 5%}", "range: {min: -10, max: 10}", "min_rows: 1000", "unique: true"],
    "int64": ["not_null: true", "accepted_values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", "range: {min: 0, max: 9}", "unique: true"],
}


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
                "event_timestamp": pa.array(start + np.arange(rows) * 15_000_000, pa.timestamp("us", tz="UTC")),
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


def dbt_way(catalog: Catalog, relations: dict[str, str], con_setup: Callable[[Any], None] = lambda con: None) -> int:
    count = 0
    with connect() as con:
        con_setup(con)
        for source, relation in relations.items():
            for query in dbt_queries(catalog, source):
                con.execute(query.format(r=relation)).fetchall()
                count += 1
    return count


# --- the network part ------------------------------------------------------------------------

SERVER = textwrap.dedent("""
    import sys, time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from pathlib import Path
    root, latency, bandwidth = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass
        def _file(self):
            path = root / self.path.lstrip("/")
            return path if path.is_file() else None
        def do_HEAD(self):
            time.sleep(latency)
            path = self._file()
            if path is None:
                self.send_error(404); return
            self.send_response(200)
            self.send_header("Content-Length", str(path.stat().st_size))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
        def do_GET(self):
            time.sleep(latency)
            path = self._file()
            if path is None:
                self.send_error(404); return
            data = path.read_bytes()
            size = len(data)
            start, end = 0, size - 1
            header = self.headers.get("Range")
            if header:
                first, _, last = header.removeprefix("bytes=").partition("-")
                start = int(first) if first else size - int(last)
                end = min(int(last), size - 1) if first and last else size - 1
            body = data[start:end + 1]
            time.sleep(len(body) / (bandwidth * 1e6))
            self.send_response(206 if header else 200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            self.wfile.write(body)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_port, flush=True)
    server.serve_forever()
""")


@contextmanager
def http_server(folder: Path, latency: float, bandwidth: float) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(folder), str(latency), str(bandwidth)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield f"http://127.0.0.1:{int(proc.stdout.readline())}"
    finally:
        proc.terminate()
        proc.wait()


def filesystem() -> Any:
    from fsspec.implementations.http import HTTPFileSystem

    class Http(HTTPFileSystem):  # type: ignore[misc]
        def modified(self, path: str) -> datetime:  # DuckDB asks; plain HTTP does not say
            return NOW

    # No caches that outlive a query: every query reads over the network, as from S3.
    return Http(skip_instance_cache=True, use_listings_cache=False)


def remote_reader(base: str) -> Any:
    """A parquet reader of the sources' files at ``base`` over HTTP: the shape of the object
    storage readers to come (register the filesystem on the connection, scan the URLs)."""
    from featurecat.data.duck import Scan
    from featurecat.data.parquet import ParquetReader

    class Remote(ParquetReader):
        def locate(self, catalog: Any, name: str) -> Any:
            from featurecat.data.source import SourceData

            return SourceData(name, catalog.sources[name], (Path(name),))

        def schema(self, data: Any) -> pa.Schema:
            with filesystem().open(f"{base}/{data.source.path}") as handle:
                return pq.read_schema(handle)

        @contextmanager
        def scan(self, con: Any, data: Any, types: Any, *, union_by_name: bool = False) -> Iterator[Scan]:
            con.register_filesystem(filesystem())
            yield Scan("read_parquet($files)", {"files": [f"{base}/{data.source.path}"]})
            con.unregister_filesystem("http")

    return Remote()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stat", choices=["median", "min"], default="median")
    parser.add_argument("--network-sources", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.020)
    parser.add_argument("--bandwidth", type=float, default=100.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="featurecat-bench-") as tmp:
        began = time.perf_counter()
        root = generate(Path(tmp), args.sources, args.rows)
        catalog = Catalog.load(root)
        global NOW  # an hour after the newest row, so freshness holds as it would in production
        NOW = datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=15 * args.rows + 3600)
        print(f"{args.sources} sources x {args.rows:,} rows, 5 features each, "
              f"generated in {time.perf_counter() - began:.1f} s; {args.stat} of {args.repeat} runs")
        local = {s: f"read_parquet('{root / 'data' / (s + '.parquet')}')" for s in sorted(catalog.sources)}
        base = timed(lambda: baseline(list(local.values())), args.repeat, args.stat)
        single = timed(lambda: run_contracts(catalog, Selection(skip=("unique",)), now=NOW), args.repeat, args.stat)
        unique = timed(lambda: run_contracts(catalog, Selection(kinds=("unique",)), now=NOW), args.repeat, args.stat)
        queries = dbt_queries(catalog, "s0")
        dbt = timed(lambda: dbt_way(catalog, local), args.repeat, args.stat)
        results = run_contracts(catalog, now=NOW)
        assert not [o for o in results.outcomes if o.status == "error"]
        print(f"  expectations per run: {len(results.outcomes)} ({sum(o.failed for o in results.outcomes)} failing)")
        print(f"  baseline, one scan per source (count, max(ts), 5 sums):  {base:6.2f} s")
        print(f"  featurecat, all but uniqueness, one query per source:    {single:6.2f} s  = {single / base:.2f}x the baseline (target <= 2x)")
        print(f"  uniqueness, its own hash aggregation per source:         {unique:6.2f} s  = {unique / base:.2f}x the baseline")
        print(f"  dbt way, one query per expectation ({len(queries)} per source):     {dbt:6.2f} s  = {dbt / single:.2f}x featurecat's single pass")

        if args.network_sources <= 0:
            return
        try:
            import aiohttp  # noqa: F401
            import fsspec  # noqa: F401
        except ImportError:
            print("  network: skipped (pip install fsspec aiohttp)")
            return
        from featurecat.data import reader as readers

        names = sorted(catalog.sources)[: args.network_sources]
        with http_server(root / "data", args.latency, args.bandwidth) as url:
            remote = {s: f"read_parquet('{url}/{s}.parquet')" for s in names}
            register = lambda con: con.register_filesystem(filesystem())  # noqa: E731
            original = readers.READERS["parquet"]
            readers.READERS["parquet"] = remote_reader(url)
            selection = Selection(names=tuple(names), skip=("unique",))
            try:
                checked = run_contracts(catalog, selection, now=NOW)
                broken = [o.message for o in checked.outcomes if o.status == "error"]
                assert not broken, broken  # a read that failed would look fast
                net_single = timed(lambda: run_contracts(catalog, selection, now=NOW), args.repeat, args.stat)
            finally:
                readers.READERS["parquet"] = original
            net_base = timed(lambda: baseline(list(remote.values()), register), args.repeat, args.stat)
            net_dbt = timed(lambda: dbt_way(catalog, remote, register), args.repeat, args.stat)
        print(f"network: {len(names)} sources over HTTP, {args.latency * 1000:.0f} ms a request, "
              f"at most {args.bandwidth:.0f} MB/s (fsspec on DuckDB, no cache between queries)")
        print(f"  baseline, one scan per source:                          {net_base:6.2f} s")
        print(f"  featurecat, all but uniqueness, one query per source:   {net_single:6.2f} s  = {net_single / net_base:.2f}x the baseline")
        print(f"  dbt way, one query per expectation:                     {net_dbt:6.2f} s  = {net_dbt / net_single:.2f}x featurecat's single pass (target >= 3x)")


if __name__ == "__main__":
    main()
