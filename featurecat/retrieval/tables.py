"""Writes that are not plain files in the repository: new tables and objects for
``register_feature``, and commits of a table format for ``update_feature``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from featurecat.catalog import Catalog
from featurecat.data import SourceData, locate
from featurecat.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from featurecat.writes import Staged


def where_fields(
    cat: Catalog,
    source: str,
    format: str,
    path: str | None,
    table: str | None,
    iceberg_catalog: str | None,
) -> dict[str, str]:
    """A new source's ``format``/``path``/``table`` fields (validated with the catalog)."""
    if format not in ("parquet", "csv", "delta", "iceberg"):
        raise UsageError(f"format must be parquet, csv, delta or iceberg, not {format!r}")
    if format != "iceberg":
        default = source if format == "delta" else f"{source}.{format}"
        fields = {"path": path or default}
        return {"format": format, **fields} if format == "delta" else fields
    names = list(cat.project.iceberg_catalogs)
    chosen = iceberg_catalog or (names[0] if len(names) == 1 else None)
    if chosen is None:
        raise UsageError(
            "pass iceberg_catalog= (one of the Iceberg catalogs of featurecat.yaml: "
            f"{', '.join(names) or 'none is declared'})"
        )
    return {
        "format": "iceberg",
        "table": table or f"featurecat.{source}",
        "iceberg_catalog": chosen,
    }


def create(cat: Catalog, name: str, data_path: Path, values: pa.Table, change: Staged) -> None:
    """The new source's data: a file (through the write transaction), an object, or a new
    Delta or Iceberg table (created before the definitions are written)."""
    from featurecat.data import delta, iceberg
    from featurecat.data.storage import is_uri, place

    source = cat.sources[name]
    if source.format == "iceberg":
        iceberg.create(cat, str(source.iceberg_catalog), str(source.table), values)
    elif source.format == "delta":
        uri = str(source.path)
        delta.create(
            uri if is_uri(uri) else str(data_path), place(cat, uri) if is_uri(uri) else None, values
        )
    elif source.path and is_uri(source.path):
        SourceData(name, source, place=place(cat, source.path)).write_table(values, change)
    else:
        SourceData(name, source, (data_path,)).write_table(values, change)


def commit_to_table(
    cat: Catalog,
    name: str,
    new_data: pd.DataFrame,
    mode: Literal["append", "replace"],
    branch: str | None,
    *,
    allow_drift: bool = False,
) -> str:
    """An update of a Delta or Iceberg source: one commit of the table format (an append
    adds files, a replace overwrites and leaves older versions to time travel). The table's
    log orders concurrent writers, so no repository lock is taken: the catalog is unchanged."""
    if branch is not None:
        raise UsageError(
            "branch= commits changed catalog files, but this source is a table whose commits "
            "live in its own log; call update_feature without branch="
        )
    data = locate(cat, cat.feature(name).source)
    from featurecat.measure.drift import check_update
    from featurecat.retrieval.ingest import new_table

    table, _ = new_table(cat, data, name, new_data, mode, whole=False)
    feature = cat.feature(name)
    changed = [feature] if mode == "append" else cat.features_of(feature.source)
    check_update(cat, feature.source, changed, table, allow=allow_drift)
    if mode == "append":
        data.reader.append(data, table)
    else:
        data.write_table(table, None)  # type: ignore[arg-type]
    return data.where
