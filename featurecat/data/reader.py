"""Readers: how featurecat finds, reads and writes the data of each source format.

A closed registry keyed by format (the formats :class:`featurecat.schema.Source` allows):
nothing in a catalog can name other code. Every read of a source's data goes through its
reader, via :class:`featurecat.data.source.SourceData`, so a new format (or a table format,
or data in object storage) is one new module here and one entry in :data:`READERS`;
``tests/data/test_readers.py`` enumerates the registry and runs every reader through the same
small conformance check.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from featurecat.data.csv import CsvReader
from featurecat.data.delta import DeltaReader
from featurecat.data.iceberg import IcebergReader
from featurecat.data.parquet import ParquetReader

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from featurecat.catalog import Catalog
    from featurecat.data.duck import Scan
    from featurecat.data.source import SourceData
    from featurecat.writes import Staged


class Reader(Protocol):
    """What featurecat needs from a source format."""

    format: str

    def locate(
        self, catalog: Catalog, name: str, at: Mapping[str, Any] | None = None
    ) -> SourceData:
        """Source ``name``'s data as it is now (or as a manifest's record ``at`` says it
        was), inside the repository or under a declared storage location, with whatever the
        reader needs to read it again; :class:`featurecat.data.files.SourceFilesError`
        (pinned to the source's file and line) when there is none or it changed since."""
        ...

    def schema(self, data: SourceData) -> pa.Schema:
        """The data's columns and their types, from metadata where the format has it."""
        ...

    def snapshot(self, data: SourceData, root: Path) -> dict[str, Any]:
        """What the data is now, for manifests: ``fingerprint`` changes whenever it does."""
        ...

    def scan(
        self,
        con: duckdb.DuckDBPyConnection,
        data: SourceData,
        types: Mapping[str, str],
        *,
        union_by_name: bool = False,
    ) -> AbstractContextManager[Scan]:
        """What ``con`` reads the data from while the block runs (a table function with
        parameters, or a dataset registered on ``con``); see :func:`featurecat.data.duck.scan`."""
        ...

    def spark(self, session: Any, data: SourceData, types: Mapping[str, str]) -> Any:
        """The data as a Spark DataFrame; ``types`` gives every column's Spark type, for
        formats that do not carry them."""
        ...

    def read_table(self, data: SourceData) -> pa.Table:
        """The whole data as one arrow table (a single-file source, or a table)."""
        ...

    def write_table(self, data: SourceData, table: pa.Table, change: Staged) -> None:
        """Replace the data with ``table`` as part of the write transaction ``change`` (a
        table format: one overwrite commit, which time travel can still read back)."""
        ...

    def append(self, data: SourceData, table: pa.Table) -> bool:
        """Add ``table``'s rows in one commit of the table format (no rewrite), and say so;
        ``False`` for formats without commits, whose writers rewrite the file instead."""
        ...


#: format -> its reader; every format a source may declare has one.
READERS: dict[str, Reader] = {
    "parquet": ParquetReader(),
    "csv": CsvReader(),
    "delta": DeltaReader(),
    "iceberg": IcebergReader(),
}


def reader(format: str) -> Reader:
    """The reader of ``format``."""
    return READERS[format]
