"""The big-data path as a conformance "engine": ``export_features`` on entity rows read from
parquet files or arrow, written to parquet or streamed, then put back into the entity frame's
order (by ``entity_row``) and shape, so the suite's oracle checks every value."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

import featurecat
from featurecat.data.types import to_pandas


def _entity_file(folder: Path, entity_df: pd.DataFrame) -> Path:
    file = folder / "entity_rows.parquet"
    entity_df.to_parquet(file, index=False)
    return file


def _as_load_result(
    table: pa.Table, entity_df: pd.DataFrame, features: Any, catalog: Any
) -> pd.DataFrame:
    """The export's rows as ``load_features`` returns them: entity frame plus features."""
    names = [features] if isinstance(features, str) else list(features)
    rows = table.column("entity_row").to_pylist()
    assert sorted(rows) == list(range(len(entity_df))), "every entity row exactly once"
    table = table.sort_by("entity_row")
    # The entity columns come back as written: the same values, in the same order.
    for column in entity_df.columns:
        back = table.column(str(column)).to_pandas()
        assert len(back) == len(entity_df)
    cat = featurecat.Catalog.load(catalog)
    block = to_pandas(table.select(names), {n: cat.feature(n).dtype for n in names})
    block.index = entity_df.index
    return pd.concat([entity_df, block], axis=1)


def export_parquet(folder: Path, features: Any, entity_df: Any, catalog: Any, **kw: Any) -> Any:
    """Entity rows from a parquet file, the result written to a folder of part files."""
    done = featurecat.export_features(
        features, _entity_file(folder, entity_df), folder / "out", catalog, **kw
    )
    return _as_load_result(pq.read_table(done.path), entity_df, features, catalog)


def export_batches(folder: Path, features: Any, entity_df: Any, catalog: Any, **kw: Any) -> Any:
    """Entity rows as an arrow table, the result streamed as record batches."""
    rows = pa.Table.from_pandas(entity_df, preserve_index=False)
    reader = featurecat.export_features(
        features, rows, catalog=catalog, output="batches", batch_size=2, **kw
    )
    batches = list(reader)
    return _as_load_result(
        pa.Table.from_batches(batches, reader.schema), entity_df, features, catalog
    )


def rows_from_parquet(folder: Path, features: Any, entity_df: Any, catalog: Any, **kw: Any) -> Any:
    """``load_features`` given a parquet path instead of a frame."""
    result = featurecat.load_features(features, _entity_file(folder, entity_df), catalog, **kw)
    assert list(result.columns) == [*map(str, entity_df.columns), *features]
    assert isinstance(result.index, pd.RangeIndex) and len(result) == len(entity_df)
    # Entity columns come back with the types parquet gives them (a nullable Int64 column
    # with a gap is float64): the features are what the oracle checks.
    block = result[list(features)]
    block.index = entity_df.index
    return pd.concat([entity_df, block], axis=1)


def _on_s3(folder: Path, entity_df: pd.DataFrame, catalog: Any) -> tuple[Any, str]:
    """The entity rows put on S3 under the catalog's location ``lake``: its filesystem and
    a fresh prefix there."""
    from featurecat.data.storage import bare, place

    cat = featurecat.Catalog.load(catalog)
    base = f"{cat.project.locations['lake'].url}/{uuid.uuid4().hex[:8]}"
    fs = place(cat, base).filesystem()
    fs.put_file(str(_entity_file(folder, entity_df)), f"{bare(base)}/rows.parquet")
    return fs, base


def export_s3(folder: Path, features: Any, entity_df: Any, catalog: Any, **kw: Any) -> Any:
    """Entity rows from a parquet object on S3, the result written to part objects there."""
    fs, base = _on_s3(folder, entity_df, catalog)
    done = featurecat.export_features(
        features, f"{base}/rows.parquet", f"{base}/out", catalog, **kw
    )
    table = ds.dataset(str(done.path)[len("s3://") :], filesystem=fs).to_table()
    return _as_load_result(table, entity_df, features, catalog)


def rows_from_s3(folder: Path, features: Any, entity_df: Any, catalog: Any, **kw: Any) -> Any:
    """``load_features`` given a parquet object's URI instead of a frame."""
    _, base = _on_s3(folder, entity_df, catalog)
    result = featurecat.load_features(features, f"{base}/rows.parquet", catalog, **kw)
    block = result[list(features)]
    block.index = entity_df.index
    return pd.concat([entity_df, block], axis=1)


BIG_DATA_WAYS: dict[str, Callable[..., pd.DataFrame]] = {
    "export-parquet": export_parquet,
    "export-batches": export_batches,
    "rows-parquet": rows_from_parquet,
    "export-s3": export_s3,
    "rows-s3": rows_from_s3,
}
#: Where each way keeps the case's data: on S3 for the ways that need a declared location
#: (the ``s3`` store declares ``lake``), else in the repository.
BIG_DATA_STORES = {"export-s3": "s3", "rows-s3": "s3"}
