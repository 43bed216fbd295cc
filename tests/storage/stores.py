"""Put a source's data in any format and storage, for tests that run the same case on each.

A *store* is where and how a source's rows are kept: plain files in the repository, objects
on the test S3 server, a Delta table (local or on S3), an Iceberg table (SQLite catalog,
warehouse on S3). Rows given as several parts are written as several files, or as one
commit each, in order.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tests.storage.server import S3Server

#: store -> the formats it holds; "local" is the repository.
STORES = ("local", "s3", "delta-local", "delta-s3", "iceberg")
REMOTE = ("s3", "delta-s3", "iceberg")


def project_yaml(name: str, s3: S3Server | None, prefix: str) -> str:
    """featurecat.yaml with the ``lake`` location and the ``ice`` Iceberg catalog."""
    text = f"name: {name}\n"
    if s3 is None:
        return text
    url = f"s3://fc-test/{prefix}"
    return (
        text
        + f"locations:\n  lake:\n{s3.location(url)}"
        + "iceberg_catalogs:\n  ice:\n    type: sql\n    uri: sqlite:///iceberg.db\n"
        + f"    warehouse: {url}/warehouse\n"
    )


def new_prefix() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


def put_source(
    catalog: Path,
    store: str,
    name: str,
    parts: list[pa.Table],
    *,
    fmt: str = "parquet",
    s3: S3Server | None = None,
    prefix: str = "",
) -> str:
    """Write ``parts`` as source ``name``'s data in ``store``; returns the source's YAML
    lines that say where it is (path/format/table...)."""
    if store == "local":
        if len(parts) == 1:
            _write_file(catalog / "data" / f"{name}.{fmt}", parts[0], fmt)
            return f"path: {name}.{fmt}\n"
        for i, part in enumerate(parts):
            _write_file(catalog / "data" / name / f"part-{i}.{fmt}", part, fmt)
        return f"path: {name}/part-*.{fmt}\n"
    base = f"s3://fc-test/{prefix}"
    if store == "s3":
        assert s3 is not None
        fs = _s3fs(s3)
        for i, part in enumerate(parts):
            local = catalog.parent / f".{name}-{i}.{fmt}"
            _write_file(local, part, fmt)
            key = f"{name}.{fmt}" if len(parts) == 1 else f"{name}/part-{i}.{fmt}"
            fs.put_file(str(local), f"fc-test/{prefix}/{key}")
            local.unlink()
        glob = f"{name}.{fmt}" if len(parts) == 1 else f"{name}/part-*.{fmt}"
        return f"path: {base}/{glob}\n"
    if store.startswith("delta"):
        from deltalake import write_deltalake

        uri = f"{base}/tables/{name}" if store == "delta-s3" else str(catalog / "data" / name)
        options = _delta_options(s3) if s3 is not None and store == "delta-s3" else {}
        for part in parts:
            write_deltalake(uri, part, mode="append", storage_options=options)
        return f"format: delta\npath: {uri if store == 'delta-s3' else name}\n"
    if store == "iceberg":
        assert s3 is not None
        table = _iceberg(catalog, s3, prefix).create_table(f"feat.{name}", schema=parts[0].schema)
        for part in parts:
            table.append(part)
        return f"format: iceberg\ntable: feat.{name}\niceberg_catalog: ice\n"
    raise ValueError(store)


def _write_file(path: Path, table: pa.Table, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path)


def _s3fs(s3: S3Server) -> object:
    import s3fs

    return s3fs.S3FileSystem(endpoint_url=s3.endpoint, skip_instance_cache=True)


def _delta_options(s3: S3Server) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": s3.endpoint, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1"}


def _iceberg(catalog: Path, s3: S3Server, prefix: str) -> object:
    from pyiceberg.catalog import load_catalog

    ice = load_catalog(
        "ice",
        type="sql",
        uri=f"sqlite:///{catalog / 'iceberg.db'}",
        warehouse=f"s3://fc-test/{prefix}/warehouse",
        **{"s3.endpoint": s3.endpoint, "s3.region": "us-east-1"},
    )
    ice.create_namespace_if_not_exists("feat")
    return ice
