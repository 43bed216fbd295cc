"""A source's data as it is now: where it is, and its reader's ways to read and write it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from featurecat.catalog import Catalog
    from featurecat.data.reader import Reader
    from featurecat.schema import Source
    from featurecat.writes import Staged


@dataclass(frozen=True)
class SourceData:
    """Source ``name``'s data: its declaration and its files, every one inside the repository.

    Found by :func:`locate`; read through the reader of its format (DuckDB scans through
    :func:`featurecat.data.duck.scan`).
    """

    name: str
    source: Source
    files: tuple[Path, ...]

    @property
    def reader(self) -> Reader:
        from featurecat.data.reader import reader

        return reader(self.source.format)

    def schema(self) -> pa.Schema:
        """The data's columns and types, from metadata (a CSV header and first block); read
        once, however often it is asked for."""
        return self._schema

    @cached_property
    def _schema(self) -> pa.Schema:
        return self.reader.schema(self)

    def snapshot(self, root: Path) -> dict[str, Any]:
        """What the data is now, as manifests record it; paths relative to ``root``."""
        return self.reader.snapshot(self, root)

    def read_table(self) -> pa.Table:
        """The whole data as one arrow table."""
        return self.reader.read_table(self)

    def write_table(self, table: pa.Table, change: Staged) -> None:
        """Replace the data with ``table`` when ``change`` is applied."""
        self.reader.write_table(self, table, change)


def locate(catalog: Catalog, name: str) -> SourceData:
    """Source ``name``'s data as it is now; :class:`~featurecat.data.files.SourceFilesError`
    when there is none, or when a file leads outside the repository."""
    from featurecat.data.reader import reader

    return reader(catalog.sources[name].format).locate(catalog, name)
