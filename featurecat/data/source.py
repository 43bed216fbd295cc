"""A source's data as it is now: where it is, and its reader's ways to read and write it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.tree import shown

if TYPE_CHECKING:
    import pyarrow as pa

    from featurecat.catalog import Catalog
    from featurecat.data.objects import StoredObject
    from featurecat.data.reader import Reader
    from featurecat.data.storage import Place
    from featurecat.schema import Source
    from featurecat.writes import Staged


@dataclass(frozen=True)
class SourceData:
    """Source ``name``'s data at one moment: files inside the repository, objects under a
    declared storage location, or a table format's table at one version.

    Found by :func:`locate`; read through the reader of its format (DuckDB scans through
    :func:`featurecat.data.duck.scan`).
    """

    name: str
    source: Source
    files: tuple[Path, ...] = ()
    """Local files, every one inside the repository (parquet, CSV, a local Delta table)."""
    objects: tuple[StoredObject, ...] = ()
    """Objects at a storage location, as listed when the data was located."""
    place: Place | None = None
    """The declared storage location the data lies under, if any."""
    table: Any = None
    """A table format's table, opened at :attr:`version` (Delta, Iceberg)."""
    version: Any = None
    """The table version read: a Delta version, an Iceberg snapshot id."""
    uri: str | None = None
    """Where a table or the objects live, as a URI or local path."""

    @property
    def reader(self) -> Reader:
        from featurecat.data.reader import reader

        return reader(self.source.format)

    @property
    def where(self) -> str:
        """Where the data is, for messages: a file shown relative to the current folder, a
        URI, or an Iceberg table."""
        if self.uri is not None:
            return self.uri
        if self.objects:
            return self.objects[0].uri
        return shown(self.files[0]) if self.files else str(self.source.path)

    @property
    def parts(self) -> int:
        """How many files or objects the data is read from (a table: its data files)."""
        return len(self.files) or len(self.objects) or 1

    def schema(self) -> pa.Schema:
        """The data's columns and types, from metadata (a parquet footer, a CSV header and
        first block, a table's log); read once, however often it is asked for."""
        return self._schema

    @cached_property
    def _schema(self) -> pa.Schema:
        return self.reader.schema(self)

    def snapshot(self, root: Path) -> dict[str, Any]:
        """What the data is now, as manifests record it; local paths relative to ``root``."""
        return self.reader.snapshot(self, root)

    def read_table(self) -> pa.Table:
        """The whole data as one arrow table."""
        return self.reader.read_table(self)

    def write_table(self, table: pa.Table, change: Staged) -> None:
        """Replace the data with ``table`` when ``change`` is applied."""
        self.reader.write_table(self, table, change)


def locate(catalog: Catalog, name: str, at: Mapping[str, Any] | None = None) -> SourceData:
    """Source ``name``'s data as it is now or, with ``at`` (a manifest's record of it), as
    it was then: a table format reads that version; files must be unchanged.

    :class:`~featurecat.data.files.SourceFilesError` (pinned to the source's file and line)
    when there is no data, when it leads outside the repository or under no declared
    location, or when it cannot be what ``at`` recorded."""
    from featurecat.data.reader import reader

    return reader(catalog.sources[name].format).locate(catalog, name, at)
