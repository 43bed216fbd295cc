"""How fast, and how frugal, is featurecat on object storage and Delta tables?

Everything runs against moto's S3 server on 127.0.0.1, in its own process, which counts the
bytes of every response (tests/storage/s3server.py), so reads are counted for every client
library alike. Each contender is a whole process (its peak RSS is its own); a run prints
ratios measured in that run:

(a) ``load_features`` of 10 features onto 1,000,000 entity rows from a 1,000,000-row source
    stored (1) as a Delta table and (2) as a parquet object on the server, against a
    hand-written DuckDB ``ASOF LEFT JOIN`` over the same data read through the same client
    library (delta-rs' arrow dataset for Delta, s3fs registered in DuckDB for parquet).
    Target: at most 1.3x in time and in peak memory.
(b) ``featurecat validate --check-data`` on a catalog of 50 sources on the server (half
    parquet objects, half Delta tables): the bytes the server sent, as a share of the data
    stored (target: a few percent, metadata only), and its time against the same command on
    local copies of the same data (target: at most 2x).
(c) ``featurecat models status`` for 20 models trained over Delta sources on the server, after
    new data was appended to some: the GET requests for data files (target: 0, a data scan)
    against those for transaction-log files.

    python benchmarks/storage.py            # the sizes above (a few minutes)
    python benchmarks/storage.py --quick    # a tenth of the rows, one run each: a smoke test
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(Path(__file__).parent), str(ROOT)]
from _common import featurecat, measure  # noqa: E402
from retrieval import FEATURECAT, interleaved, write_entities, write_source  # noqa: E402

from tests.storage.server import S3Server, s3_server  # noqa: E402

BUCKET = "fc-bench"
FEATURES = [f"f{i}" for i in range(10)]

DUCK_PARQUET = textwrap.dedent("""
    import sys, time
    import duckdb, s3fs
    endpoint, entity, uri, *features = sys.argv[1:]
    start = time.perf_counter()
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.register_filesystem(s3fs.S3FileSystem(endpoint_url=endpoint))
    columns = ", ".join(f"s.{f}" for f in features)
    df = con.sql(
        f"SELECT e.*, {columns} FROM read_parquet('{entity}') e ASOF LEFT JOIN "
        f"read_parquet('{uri}') s ON e.user_id = s.user_id "
        "AND e.event_timestamp >= s.event_timestamp"
    ).df()
    print(len(df), time.perf_counter() - start)
""")

DUCK_DELTA = textwrap.dedent("""
    import sys, time
    import duckdb
    from deltalake import DeltaTable
    endpoint, entity, uri, *features = sys.argv[1:]
    start = time.perf_counter()
    options = {"AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1"}
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.register("s", DeltaTable(uri, storage_options=options).to_pyarrow_dataset())
    columns = ", ".join(f"s.{f}" for f in features)
    df = con.sql(
        f"SELECT e.*, {columns} FROM read_parquet('{entity}') e ASOF LEFT JOIN s "
        "ON e.user_id = s.user_id AND e.event_timestamp >= s.event_timestamp"
    ).df()
    print(len(df), time.perf_counter() - start)
""")


def delta_options(s3: S3Server) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": s3.endpoint, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1"}


def s3fs_of(s3: S3Server) -> object:
    import s3fs

    return s3fs.S3FileSystem(endpoint_url=s3.endpoint, skip_instance_cache=True)


def write(root: Path, relpath: str, text: str) -> None:
    (root / relpath).parent.mkdir(parents=True, exist_ok=True)
    (root / relpath).write_text(text)


def write_catalog(root: Path, s3: S3Server | None, sources: dict[str, str], features: int) -> None:
    """A catalog whose sources are ``{name: YAML lines saying where}``, each with ``features``
    float features ``<source>_f<i>`` (or f<i> for one source)."""
    project = "name: bench\n"
    if s3 is not None:
        project += f"locations:\n  lake:\n{s3.location(f's3://{BUCKET}')}"
    write(root, "featurecat.yaml", project)
    write(root, "teams/ml.yaml", "name: ml\n")
    write(root, "entities/user.yaml", "name: user\njoin_keys: [user_id]\n")
    for name, where in sources.items():
        write(root, f"sources/{name}.yaml", f"name: {name}\nowner: ml\nentity: user\n{where}")
        for i in range(features):
            feature = f"f{i}" if len(sources) == 1 else f"{name}_f{i}"
            column = "" if len(sources) == 1 else f"column: f{i}\n"
            write(
                root,
                f"features/{feature}.yaml",
                f"name: {feature}\ndescription: Feature {feature}.\nowner: ml\n"
                f"source: {name}\ndtype: float64\n{column}",
            )


def upload(s3: S3Server, local: Path, key: str, fmt: str) -> str:
    """Put ``local`` (parquet) on the server as an object or as a Delta table; its URI."""
    uri = f"s3://{BUCKET}/{key}"
    if fmt == "parquet":
        s3fs_of(s3).put_file(str(local), uri[5:])  # type: ignore[attr-defined]
    else:
        from deltalake import write_deltalake

        write_deltalake(uri, pq.read_table(local), storage_options=delta_options(s3))
    return uri


def load_case(s3: S3Server, folder: Path, rows: int, repeat: int) -> None:
    users = rows // 10
    source, entity = folder / "source.parquet", folder / "entity.parquet"
    write_source(source, users, 10, FEATURES, seed=1)
    write_entities(entity, users, rows, seed=99)
    featurecat_script = folder / "bench_featurecat.py"  # never shadow the module it imports
    featurecat_script.write_text(FEATURECAT)
    print(f"(a) load_features, 10 features, {rows:,} entity rows, {rows:,}-row source on S3")
    print(
        f"    {'stored as':<10} {'featurecat':>10} {'duckdb':>8} {'ratio':>6} | "
        f"{'MiB':>6} {'duckdb':>6} {'ratio':>6}"
    )
    for fmt, baseline in (("delta", DUCK_DELTA), ("parquet", DUCK_PARQUET)):
        uri = upload(
            s3, source, f"a/{fmt}/snapshots" + (".parquet" if fmt == "parquet" else ""), fmt
        )
        root = folder / f"catalog_{fmt}"
        where = f"format: delta\npath: {uri}\n" if fmt == "delta" else f"path: {uri}\n"
        write_catalog(root, s3, {"snapshots": where}, 10)
        script = folder / f"bench_duck_{fmt}.py"
        script.write_text(baseline)
        ours, floor = interleaved(
            rows,
            repeat,
            "median",
            [featurecat_script, root, entity, "duckdb", *FEATURES],
            [script, s3.endpoint, entity, uri, *FEATURES],
        )
        print(
            f"    {fmt:<10} {ours.seconds:>9.2f}s {floor.seconds:>7.2f}s "
            f"{ours.seconds / floor.seconds:>6.2f} | {ours.peak_mib:>6.0f} {floor.peak_mib:>6.0f} "
            f"{ours.peak_mib / floor.peak_mib:>6.2f}"
        )


def validate_case(s3: S3Server, folder: Path, rows: int, repeat: int) -> None:
    remote, local = folder / "remote", folder / "local"
    sources, copies = {}, {}
    for i in range(50):
        fmt = "parquet" if i % 2 == 0 else "delta"
        data = folder / f"v{i}.parquet"
        write_source(data, rows // 10, 10, ["f0", "f1", "f2"], seed=i)
        if fmt == "parquet":
            sources[f"s{i}"] = f"path: {upload(s3, data, f'b/s{i}.parquet', fmt)}\n"
            copies[f"s{i}"] = f"path: s{i}.parquet\n"
            (local / "data").mkdir(parents=True, exist_ok=True)
            shutil.copy(data, local / "data" / f"s{i}.parquet")
        else:
            sources[f"s{i}"] = f"format: delta\npath: {upload(s3, data, f'b/s{i}', fmt)}\n"
            copies[f"s{i}"] = f"format: delta\npath: s{i}\n"
            from deltalake import write_deltalake

            write_deltalake(str(local / "data" / f"s{i}"), pq.read_table(data))
        data.unlink()
    write_catalog(remote, s3, sources, 3)
    write_catalog(local, None, copies, 3)
    stored = sum(o["Size"] for o in objects(s3, "b/"))
    s3.traffic(reset=True)
    on_s3 = measure(featurecat("validate", "--catalog", str(remote), "--check-data"), repeat=1)
    sent = sum(entry[3] for entry in s3.traffic())
    on_s3 = min(
        on_s3,
        measure(featurecat("validate", "--catalog", str(remote), "--check-data"), repeat=repeat),
        key=lambda r: r.seconds,
    )
    on_disk = measure(
        featurecat("validate", "--catalog", str(local), "--check-data"), repeat=repeat
    )
    for run in (on_s3, on_disk):
        if "error" in run.output:
            sys.exit(f"validate failed:\n{run.output}")
    print("(b) validate --check-data, 50 sources (25 parquet objects, 25 Delta tables) on S3")
    print(
        f"    bytes sent by the server: {sent:,} of {stored:,} stored "
        f"({100 * sent / stored:.2f}%); time {on_s3.seconds:.2f}s vs {on_disk.seconds:.2f}s on "
        f"local copies ({on_s3.seconds / on_disk.seconds:.2f}x)"
    )


def status_case(s3: S3Server, folder: Path, rows: int) -> None:
    from deltalake import write_deltalake

    root = folder / "models"
    sources = {}
    for i in range(5):
        data = folder / f"m{i}.parquet"
        write_source(data, rows // 10, 10, ["f0", "f1", "f2", "f3"], seed=i)
        sources[f"d{i}"] = f"format: delta\npath: {upload(s3, data, f'c/d{i}', 'delta')}\n"
    write_catalog(root, s3, sources, 4)
    for m in range(20):
        features = "".join(f"  - d{m % 5}_f{k}\n" for k in range(4))
        write(
            root,
            f"models/model_{m}.yaml",
            f"name: model_{m}\ndescription: Model {m}.\nowner: ml\nfeatures:\n{features}",
        )
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "catalog"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    script = textwrap.dedent(f"""
        import pandas as pd, featurecat
        columns = ["user_id", "event_timestamp"]
        labels = pd.read_parquet({str(folder / "m0.parquet")!r}, columns=columns)[:1000]
        for m in range(20):
            features = [f"d{{m % 5}}_f{{k}}" for k in range(4)]
            featurecat.load_features(features, labels, {str(root)!r}, model=f"model_{{m}}",
                                     manifest={str(root)!r} + f"/manifests/model_{{m}}.json")
    """)
    subprocess.run([sys.executable, "-c", script], check=True)
    for i in (0, 1):  # new data in two sources: the models that read them are stale
        more = pq.read_table(folder / f"m{i}.parquet").slice(0, 10)
        write_deltalake(
            f"s3://{BUCKET}/c/d{i}", more, mode="append", storage_options=delta_options(s3)
        )
    s3.traffic(reset=True)
    run = measure(featurecat("models", "status", "--catalog", str(root)), repeat=1)
    gets = [entry[1] for entry in s3.traffic() if entry[0] == "GET"]
    log = [p for p in gets if "/_delta_log/" in p]
    data_files = [p for p in gets if p.endswith(".parquet") and "/_delta_log/" not in p]
    stale = run.output.count("changed since training")
    print("(c) models status, 20 models over 5 Delta sources on S3 (4 models each), new data in 2")
    print(
        f"    {stale} models told to retrain; GETs of data files: {len(data_files)} "
        f"(data scans), of log files: {len(log)}; {run.seconds:.2f}s"
    )


def objects(s3: S3Server, prefix: str) -> list[dict[str, object]]:
    pages = s3.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return [o for page in pages for o in page.get("Contents", [])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows, one run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["a", "b", "c"], action="append")
    args = parser.parse_args()
    scale, repeat = (0.1, 1) if args.quick else (1.0, args.repeat)
    only = set(args.only or "abc")
    with s3_server() as s3, tempfile.TemporaryDirectory(prefix="featurecat-bench-") as tmp:
        s3.bucket(BUCKET)
        folder = Path(tmp)
        for part in only:
            (folder / part).mkdir()
        print("one moto S3 server on 127.0.0.1 (own process); wall time: median of runs")
        if "a" in only:
            load_case(s3, folder / "a", int(1_000_000 * scale), repeat)
        if "b" in only:
            validate_case(s3, folder / "b", int(50_000 * scale), repeat)
        if "c" in only:
            status_case(s3, folder / "c", int(100_000 * scale))


if __name__ == "__main__":
    main()
