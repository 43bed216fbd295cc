"""Entity rows read from, and exports written to, object storage (the test S3 server) under a
location featurecat.yaml declares: the same rows as the in-memory load, and the same refusals
as local paths."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import featurecat
from featurecat.errors import DataError, UsageError
from tests.retrieval.test_export import restored
from tests.retrieval.training import FEATURES, entity_frame, split_parquet, training_catalog
from tests.storage.server import S3Server
from tests.storage.stores import new_prefix
from tests.support import cli, commit_all, run

ROWS = 3_000


@dataclass
class World:
    catalog: Path
    frame: pd.DataFrame
    expected: pd.DataFrame
    base: str
    """s3://fc-test/<prefix>: the declared location ``lake``."""
    fs: Any
    """An s3fs filesystem on the test server, to put and read objects behind featurecat."""

    def put(self, local: Path, key: str) -> str:
        self.fs.put_file(str(local), f"{self.base[5:]}/{key}")
        return f"{self.base}/{key}"


@pytest.fixture(scope="module")
def world(s3: S3Server, tmp_path_factory: pytest.TempPathFactory) -> World:
    """A catalog declaring location ``lake`` on the S3 server, entity rows there as one file
    and as a folder of three parts, and the in-memory result they must give."""
    s3fs = pytest.importorskip("s3fs")
    root = tmp_path_factory.mktemp("storage")
    catalog = training_catalog(root)
    prefix = new_prefix()
    base = f"s3://fc-test/{prefix}"
    yaml = catalog / "featurecat.yaml"
    gone = s3.location("s3://fc-no-such-bucket/out")  # declared, but never created
    yaml.write_text(yaml.read_text() + f"locations:\n  lake:\n{s3.location(base)}  gone:\n{gone}")
    commit_all(root / "repo", "lake")
    fs = s3fs.S3FileSystem(endpoint_url=s3.endpoint, skip_instance_cache=True)
    frame = entity_frame(ROWS)
    expected = featurecat.load_features(FEATURES, frame, catalog)
    world = World(catalog, frame, expected, base, fs)
    frame.to_parquet(root / "rows.parquet", index=False)
    world.put(root / "rows.parquet", "rows.parquet")
    for part in sorted(split_parquet(frame, root / "parts").iterdir()):
        world.put(part, f"parts/{part.name}")
    return world


def same_as_in_memory(table: pa.Table, world: World) -> None:
    """Every entity row once, with the in-memory load's values, row by row."""
    assert table.num_rows == ROWS
    pd.testing.assert_frame_equal(restored(table, world.catalog), world.expected[FEATURES])
    back = table.sort_by("entity_row")
    assert back.column("label").to_pylist() == world.frame["label"].tolist()


@pytest.mark.parametrize("rows", ["rows.parquet", "parts", "parts/", "parts/part-*.parquet"])
def test_entity_rows_on_s3_give_the_in_memory_result(
    world: World, tmp_path: Path, rows: str
) -> None:
    uri = f"{world.base}/{rows}"
    done = featurecat.export_features(FEATURES, uri, tmp_path / "out.parquet", world.catalog)
    same_as_in_memory(pq.read_table(done.path), world)
    manifest = json.loads(done.manifest.read_text())
    assert manifest["entity_rows"]["count"] == ROWS
    loaded = featurecat.load_features(FEATURES, uri, world.catalog)
    pd.testing.assert_frame_equal(loaded[FEATURES], world.expected[FEATURES])
    assert loaded["label"].tolist() == world.frame["label"].tolist()


def test_entity_rows_in_a_delta_table_on_s3(world: World, tmp_path: Path) -> None:
    deltalake = pytest.importorskip("deltalake")
    uri = f"{world.base}/tables/rows"
    endpoint = world.fs.client_kwargs.get("endpoint_url") or world.fs.endpoint_url
    options = {"AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1"}
    table = pa.Table.from_pandas(world.frame, preserve_index=False)
    # Two commits: the rows are numbered in commit order.
    deltalake.write_deltalake(uri, table.slice(0, 1000), storage_options=options)
    deltalake.write_deltalake(uri, table.slice(1000), mode="append", storage_options=options)
    done = featurecat.export_features(FEATURES, uri, tmp_path / "out.parquet", world.catalog)
    same_as_in_memory(pq.read_table(done.path), world)


def test_an_export_to_an_s3_file_and_folder_reads_back_whole(world: World, tmp_path: Path) -> None:
    rows = f"{world.base}/parts"
    one = f"{world.base}/out/train.parquet"
    done = featurecat.export_features(FEATURES, rows, one, world.catalog, ordered=True)
    assert (done.path, done.manifest, done.rows) == (
        one,
        f"{world.base}/out/train.manifest.json",
        ROWS,
    )
    with world.fs.open(one[5:], "rb") as handle:
        table = pq.read_table(handle)
    assert table.column("entity_row").to_pylist() == list(range(ROWS))
    same_as_in_memory(table, world)
    manifest = json.loads(world.fs.cat_file(done.manifest[5:]))
    assert manifest["output"]["path"] == one and manifest["entity_rows"]["count"] == ROWS

    folder = f"{world.base}/out/parts"
    done = featurecat.export_features(
        None, world.frame, folder, world.catalog, model="ranker", spill_dir=tmp_path / "spill"
    )
    assert done.path == folder and done.manifest == f"{folder}.manifest.json"
    assert list((tmp_path / "spill").iterdir()) == []  # the staged parts went with the upload
    parts = world.fs.ls(folder[5:])
    assert parts and all(p.endswith(".parquet") for p in parts)
    table = ds.dataset(folder[5:], filesystem=world.fs).to_table()
    assert table.num_rows == ROWS
    assert sorted(table.column("entity_row").to_pylist()) == list(range(ROWS))
    # Nothing staged is left on S3 beside the outputs.
    assert sorted(p.rsplit("/", 1)[1] for p in world.fs.ls(f"{world.base[5:]}/out")) == [
        "parts",
        "parts.manifest.json",
        "train.manifest.json",
        "train.parquet",
    ]


def test_an_existing_output_on_s3_is_kept_unless_overwrite(world: World) -> None:
    out = f"{world.base}/kept/train.parquet"
    world.fs.pipe_file(out[5:], b"precious")
    rows = f"{world.base}/rows.parquet"
    with pytest.raises(UsageError, match=r"train.parquet exists; pass overwrite=True"):
        featurecat.export_features(FEATURES, rows, out, world.catalog)
    assert world.fs.cat_file(out[5:]) == b"precious"
    folder = f"{world.base}/kept/parts"
    world.fs.pipe_file(f"{folder[5:]}/old.parquet", b"old")
    with pytest.raises(UsageError, match=r"kept/parts exists; pass overwrite=True"):
        featurecat.export_features(FEATURES, rows, folder, world.catalog)
    done = featurecat.export_features(FEATURES, rows, folder, world.catalog, overwrite=True)
    assert done.rows == ROWS
    # The old part is gone: the folder holds this export's parts only.
    assert not world.fs.exists(f"{folder[5:]}/old.parquet")
    same_as_in_memory(ds.dataset(folder[5:], filesystem=world.fs).to_table(), world)


def test_a_failed_upload_leaves_nothing_that_looks_complete(world: World, tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    for out in ("s3://fc-no-such-bucket/out/train.parquet", "s3://fc-no-such-bucket/out/parts"):
        with pytest.raises(DataError) as failed:
            featurecat.export_features(
                FEATURES, f"{world.base}/parts", out, world.catalog, spill_dir=spill
            )
        message = str(failed.value)
        assert message.startswith(f"cannot write output {out}: bucket 'fc-no-such-bucket'")
        assert "location 'gone'" in message and "\n" not in message
        # The staged output is gone too: nothing under the spill folder.
        assert list(spill.iterdir()) == []


def test_uris_under_no_declared_location_are_refused(world: World, tmp_path: Path) -> None:
    elsewhere = "s3://fc-test/not-declared"
    yaml = world.catalog / "featurecat.yaml"
    for rows, out in (
        (f"{elsewhere}/rows.parquet", tmp_path / "o.parquet"),
        (f"{world.base}/rows.parquet", f"{elsewhere}/o.parquet"),
    ):
        with pytest.raises(UsageError) as refused:
            featurecat.export_features(FEATURES, rows, out, world.catalog)
        message = str(refused.value)
        assert "s3://fc-test/not-declared/" in message and str(yaml) in message
        assert "declare a location" in message and "\n" not in message
    assert not (tmp_path / "o.parquet").exists()
    assert not world.fs.exists("fc-test/not-declared")
    with pytest.raises(UsageError, match=r"under no storage location"):
        featurecat.load_features(FEATURES, f"{elsewhere}/rows.parquet", world.catalog)
    # A prefix that merely starts like the location's is not under it.
    with pytest.raises(UsageError, match=r"under no storage location"):
        featurecat.load_features(FEATURES, world.base + "x/rows.parquet", world.catalog)


def test_missing_entity_rows_on_s3_are_one_line(world: World, tmp_path: Path) -> None:
    for rows, said in (
        ("nope.parquet", "no data at"),
        ("nope/*.parquet", "no file matches this pattern"),
    ):
        with pytest.raises(DataError) as failed:
            featurecat.export_features(
                FEATURES, f"{world.base}/{rows}", tmp_path / "o.parquet", world.catalog
            )
        assert said in str(failed.value) and "\n" not in str(failed.value)
    world.fs.pipe_file(f"{world.base[5:]}/text.parquet", b"user_id\n1\n")
    with pytest.raises(DataError, match=r"text.parquet: not a parquet file"):
        featurecat.export_features(
            FEATURES, f"{world.base}/text.parquet", tmp_path / "o.parquet", world.catalog
        )
    assert not (tmp_path / "o.parquet").exists()


def test_the_command_reads_and_writes_s3(world: World) -> None:
    out = f"{world.base}/cli/train"
    done = run(
        "export",
        *FEATURES,
        "--rows",
        f"{world.base}/parts/",
        "--out",
        out,
        "--catalog",
        world.catalog,
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "path": out,
        "manifest": f"{out}.manifest.json",
        "rows": ROWS,
    }
    same_as_in_memory(ds.dataset(out[5:], filesystem=world.fs).to_table(), world)
    again = cli("export", "age", "--rows", f"{world.base}/parts/", "--out", out, "--catalog",
                world.catalog)  # fmt: skip
    assert again.exit_code == 2 and "exists; pass overwrite=True" in again.output
    refused = cli("export", "age", "--rows", "s3://fc-test/other/rows.parquet", "--out",
                  f"{world.base}/cli/x", "--catalog", world.catalog)  # fmt: skip
    assert refused.exit_code == 2 and "declare a location" in refused.output


@pytest.mark.spark
def test_spark_reads_s3_entity_rows_only_with_its_connector(
    world: World, spark: Any, tmp_path: Path
) -> None:
    """The test session has no s3a:// connector (its JARs cannot be downloaded here): the
    export says so in one line and leaves nothing; a URI output is for DuckDB."""
    with pytest.raises(DataError) as failed:
        featurecat.export_features(
            FEATURES, f"{world.base}/parts", tmp_path / "out", world.catalog, engine=spark
        )
    assert "s3a" in str(failed.value) and "\n" not in str(failed.value)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UsageError, match=r"export to a URI with engine='duckdb'"):
        featurecat.export_features(
            FEATURES, world.frame, f"{world.base}/spark-out", world.catalog, engine=spark
        )
    assert not world.fs.exists(f"{world.base[5:]}/spark-out")
