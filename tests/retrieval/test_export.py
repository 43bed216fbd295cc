"""export_features: the big-data path gives exactly load_features' values, from every kind
of entity input, to parquet files, part folders and record batch streams."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import featurecat
from featurecat.data.types import to_pandas
from tests.retrieval.training import FEATURES, entity_frame, split_parquet, training_catalog

ROWS = 6_000


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """A catalog, entity rows in three parquet files, and the in-memory result to match."""
    root = tmp_path_factory.mktemp("export")
    catalog = training_catalog(root)
    frame = entity_frame(ROWS)
    split_parquet(frame, root / "rows")
    expected = featurecat.load_features(FEATURES, frame, catalog)
    return catalog, frame, expected


def restored(table: pa.Table, catalog: Path) -> pd.DataFrame:
    """The features of an export, back in entity order, as load_features types them."""
    table = table.sort_by("entity_row")
    assert table.column("entity_row").to_pylist() == list(range(table.num_rows))
    cat = featurecat.Catalog.load(catalog)
    return to_pandas(table.select(FEATURES), {n: cat.feature(n).dtype for n in FEATURES})


def same_values(table: pa.Table, world: tuple[Path, pd.DataFrame, pd.DataFrame]) -> None:
    catalog, frame, expected = world
    assert table.num_rows == len(frame)
    pd.testing.assert_frame_equal(restored(table, catalog), expected[FEATURES])
    back = table.sort_by("entity_row")
    assert back.column("label").to_pylist() == frame["label"].tolist()


def test_a_parquet_file_holds_the_in_memory_result_and_its_manifest(
    world: tuple[Path, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    catalog, _, _ = world
    done = featurecat.export_features(
        FEATURES, catalog.parent.parent / "rows", tmp_path / "train.parquet", catalog
    )
    assert done.path == tmp_path / "train.parquet" and done.rows == ROWS
    same_values(pq.read_table(done.path), world)
    manifest = json.loads((tmp_path / "train.manifest.json").read_text())
    assert manifest["entity_rows"]["count"] == ROWS
    assert list(manifest["features"]) == FEATURES
    assert manifest["output"]["row_column"] == "entity_row"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.manifest.json", "train.parquet"]


def test_ordered_output_is_in_entity_order(
    world: tuple[Path, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    catalog, _, _ = world
    rows = catalog.parent.parent / "rows/part-*.parquet"
    done = featurecat.export_features(
        FEATURES, rows, tmp_path / "t.parquet", catalog, ordered=True, memory_limit="64MiB"
    )
    table = pq.read_table(done.path)
    assert table.column("entity_row").to_pylist() == list(range(ROWS))
    same_values(table, world)


def test_a_folder_gets_part_files(
    world: tuple[Path, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    catalog, frame, _ = world
    done = featurecat.export_features(
        None, frame, tmp_path / "train", catalog, model="ranker", spill_dir=tmp_path / "spill"
    )
    parts = sorted(p.name for p in done.path.iterdir())
    assert parts and all(p.endswith(".parquet") for p in parts)
    table = ds.dataset(done.path).to_table()
    assert table.column_names == [
        "user_id",
        "event_timestamp",
        "label",
        "spend",
        "age",
        "entity_row",
    ]
    # The spill folder is cleaned; nothing but the output and its manifest is left.
    assert list((tmp_path / "spill").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spill", "train", "train.manifest.json"]


@pytest.mark.parametrize("kind", ["table", "dataset", "reader", "duckdb", "delta", "pandas"])
def test_every_kind_of_entity_rows_gives_the_same_values(
    world: tuple[Path, pd.DataFrame, pd.DataFrame], tmp_path: Path, kind: str
) -> None:
    catalog, frame, _ = world
    table = pa.Table.from_pandas(frame, preserve_index=False)
    rows: object = {
        "table": table,
        "dataset": ds.dataset(catalog.parent.parent / "rows"),
        "reader": table.to_reader(max_chunksize=1000),
        "pandas": frame,
    }.get(kind)
    if kind == "duckdb":
        rows = duckdb.connect().sql(
            "SELECT * FROM read_parquet($p)",
            params={"p": [str(p) for p in sorted((catalog.parent.parent / "rows").iterdir())]},
        )
    if kind == "delta":
        # The [delta] extra: installed by .ci/run, not by the other Pythons' fast suite.
        write_deltalake = pytest.importorskip("deltalake").write_deltalake

        write_deltalake(tmp_path / "delta", table)
        rows = tmp_path / "delta"
    done = featurecat.export_features(FEATURES, rows, tmp_path / "out.parquet", catalog)
    same_values(pq.read_table(done.path), world)


def test_batches_feed_a_training_loop(
    world: tuple[Path, pd.DataFrame, pd.DataFrame],
) -> None:
    """The PyTorch IterableDataset pattern, without torch: iterate, convert, train."""
    catalog, _, _ = world

    class TrainingRows:  # what a torch.utils.data.IterableDataset subclass would hold
        schema: pa.Schema

        def __iter__(self):  # type: ignore[no-untyped-def]
            reader = featurecat.export_features(
                FEATURES,
                catalog.parent.parent / "rows",
                catalog=catalog,
                output="batches",
                batch_size=1024,
            )
            self.schema = reader.schema
            for batch in reader:
                yield batch.to_pydict()  # a model would take numpy arrays or tensors here

    seen: list[pa.RecordBatch] = []
    sizes = []
    dataset = TrainingRows()
    for batch in dataset:
        sizes.append(len(batch["entity_row"]))
        seen.append(pa.RecordBatch.from_pydict(batch, schema=dataset.schema))
    assert max(sizes) <= 1024 and len(sizes) >= ROWS // 1024
    same_values(pa.Table.from_batches(seen), world)


def test_a_stream_starts_with_the_rows_of_the_smallest_keys(
    world: tuple[Path, pd.DataFrame, pd.DataFrame],
) -> None:
    """The first batch comes from a join of its own (the smallest keys, with only their
    source rows), so that a loop starts before the whole join is sorted; nothing is lost."""
    catalog, _, _ = world
    reader = featurecat.export_features(
        FEATURES,
        catalog.parent.parent / "rows",
        catalog=catalog,
        output="batches",
        batch_size=512,
    )
    batches = list(reader)
    first = [k for k in batches[0].column("user_id").to_pylist() if k is not None]
    every = sorted(k for b in batches for k in b.column("user_id").to_pylist() if k is not None)
    assert first and max(first) < every[len(every) // 4]  # the head: about one batch
    same_values(pa.Table.from_batches(batches), world)


def test_the_stream_carries_the_manifest(world: tuple[Path, pd.DataFrame, pd.DataFrame]) -> None:
    catalog, _, _ = world
    reader = featurecat.export_features(
        ["age"], catalog.parent.parent / "rows", catalog=catalog, output="batches"
    )
    manifest = json.loads(reader.schema.metadata[b"featurecat"])
    assert manifest["entity_rows"]["count"] == ROWS
    assert sum(b.num_rows for b in reader) == ROWS


def test_load_features_reads_entity_rows_from_a_path(
    world: tuple[Path, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    catalog, frame, expected = world
    result = featurecat.load_features(
        FEATURES, catalog.parent.parent / "rows", catalog, manifest=tmp_path / "m.json"
    )
    pd.testing.assert_frame_equal(result[FEATURES], expected[FEATURES])
    assert result["label"].tolist() == frame["label"].tolist()
    assert json.loads((tmp_path / "m.json").read_text())["entity_rows"]["count"] == ROWS
    arrow = featurecat.load_features(FEATURES, pa.Table.from_pandas(frame), catalog, output="arrow")
    assert arrow.column("spend").to_pylist() == pa.array(expected["spend"]).to_pylist()
