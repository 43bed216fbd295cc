"""The part of a reader that every format stored as files in the repository shares.

Files are found through :func:`featurecat.data.files.source_files` (the repository
boundary), fingerprinted by content, held open while DuckDB reads them, and written through
the write transaction. A format adds how to read one file's schema, its table function, and
how to read and write a whole file (:mod:`.parquet`, :mod:`.csv`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from featurecat.data.duck import Scan
from featurecat.data.files import fingerprint, no_data, source_files
from featurecat.errors import DataError
from featurecat.tree import shown

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from featurecat.catalog import Catalog
    from featurecat.data.source import SourceData
    from featurecat.writes import Staged

T = TypeVar("T")
_DEV_FD = Path("/dev/fd")


class LocalFiles:
    """A reader of files inside the repository; subclasses say how to read one format."""

    format: str

    def locate(self, catalog: Catalog, name: str) -> SourceData:
        from featurecat.data.source import SourceData

        files = source_files(catalog, name)
        return SourceData(name, catalog.sources[name], tuple(files))

    def schema(self, data: SourceData) -> pa.Schema:
        """The schema of the first file (of a glob's matches, in sorted order)."""
        file = data.files[0]
        if not file.is_file():
            raise DataError(no_data(data.name, data.source, shown(file), file))
        return _readable(file, self.file_schema)

    def snapshot(self, data: SourceData, root: Path) -> dict[str, Any]:
        return fingerprint(list(data.files), root)

    @contextmanager
    def scan(
        self,
        con: duckdb.DuckDBPyConnection,
        data: SourceData,
        types: Mapping[str, str],
        *,
        union_by_name: bool = False,
    ) -> Iterator[Scan]:
        with _pinned(data.files) as pinned:
            paths = list(pinned) or [str(f) for f in data.files]
            yield Scan(self.relation(data, types, union_by_name), {"files": paths}, pinned)

    def read_table(self, data: SourceData) -> pa.Table:
        return _readable(data.files[0], self.read)

    def write_table(self, data: SourceData, table: pa.Table, change: Staged) -> None:
        change.produce(data.files[0], lambda temp: self.write(table, temp))

    # --- what each format says ------------------------------------------------------------

    def relation(self, data: SourceData, types: Mapping[str, str], union_by_name: bool) -> str:
        """The DuckDB table function reading the files of ``$files``."""
        raise NotImplementedError

    def file_schema(self, file: Path) -> pa.Schema:
        raise NotImplementedError

    def read(self, file: Path) -> pa.Table:
        raise NotImplementedError

    def write(self, table: pa.Table, file: Path) -> None:
        raise NotImplementedError


@contextmanager
def _pinned(files: tuple[Path, ...]) -> Iterator[dict[str, Path]]:
    """Names that read the files as they are now, whatever writers do: name -> file.

    DuckDB opens a file more than once per query (its footer, then its row groups), and a
    join runs more than one query; writers replace a file by renaming a new one over it, so a
    swap in between would tear what is read. An open descriptor's ``/dev/fd`` path keeps
    pointing at the file that was there. Only single files are pinned: they are what
    ``update_feature`` replaces, and a folder of parts could run out of descriptors. Nothing
    is pinned where ``/dev/fd`` does not exist.
    """
    fd = None
    if len(files) == 1 and _DEV_FD.is_dir():
        with suppress(OSError):  # DuckDB then says what is wrong with the file
            fd = os.open(files[0], os.O_RDONLY)
    try:
        yield {} if fd is None else {f"{_DEV_FD}/{fd}": files[0]}
    finally:
        if fd is not None:
            os.close(fd)


def _readable(file: Path, read: Callable[[Path], T]) -> T:
    import pyarrow as pa

    try:
        return read(file)
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"cannot read {shown(file)}: {exc}") from None
