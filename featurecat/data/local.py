"""The part of a reader that every format stored as plain files shares.

Files in the repository are found through :func:`featurecat.data.files.source_files` (the
repository boundary), fingerprinted by content, held open while DuckDB reads them, and
written through the write transaction. Files under a storage location (a URI path) are
listed, fingerprinted by ETag and written whole by :mod:`.remote`. A format adds how to read
one file's schema, its table function, and how to read and write a whole file
(:mod:`.parquet`, :mod:`.csv`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from featurecat.data import remote
from featurecat.data.duck import Scan
from featurecat.data.files import SourceFilesError, fingerprint, no_data, source_files
from featurecat.data.objects import changes
from featurecat.data.storage import is_uri
from featurecat.errors import DataError
from featurecat.names import Kind
from featurecat.tree import repo_top, shown

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

    def locate(
        self, catalog: Catalog, name: str, at: Mapping[str, Any] | None = None
    ) -> SourceData:
        from featurecat.data.source import SourceData

        source = catalog.sources[name]
        if source.path is not None and is_uri(source.path):
            return remote.locate(catalog, name, at)
        files = source_files(catalog, name)
        data = SourceData(name, source, tuple(files))
        if at is not None:
            now = fingerprint(files, repo_top(catalog.root))
            if now["fingerprint"] != at.get("fingerprint"):
                said = _differences(at.get("files") or [], now["files"])
                message = (
                    f"the data of source '{name}' changed since the manifest was written "
                    f"({'; '.join(said) or 'other content'}), so the load cannot be "
                    "reproduced; restore those files, or load again without the manifest"
                )
                origin = catalog.origin(Kind.SOURCE, name)
                raise SourceFilesError(
                    origin.diagnostic(("path",), "data-changed", message), "changed"
                )
        return data

    def schema(self, data: SourceData) -> pa.Schema:
        """The schema of the first file (of a glob's matches, in sorted order)."""
        if data.place is not None:
            return remote.first_schema(data, self.file_schema)
        file = data.files[0]
        if not file.is_file():
            raise DataError(no_data(data.name, data.source, shown(file), file))
        return _readable(file, self.file_schema)

    def snapshot(self, data: SourceData, root: Path) -> dict[str, Any]:
        if data.place is not None:
            return remote.snapshot(data)
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
        if data.place is not None:
            remote.register(con, data.place, data.objects)
            uris = [o.uri for o in data.objects]
            yield Scan(self.relation(data, types, union_by_name), {"files": uris})
            return
        with _pinned(data.files) as pinned:
            paths = list(pinned) or [str(f) for f in data.files]
            yield Scan(self.relation(data, types, union_by_name), {"files": paths}, pinned)

    def read_table(self, data: SourceData) -> pa.Table:
        if data.place is not None:
            return remote.read_first(data, self.read)
        return _readable(data.files[0], self.read)

    def write_table(self, data: SourceData, table: pa.Table, change: Staged) -> None:
        if data.place is not None:
            remote.write(data, lambda temp: self.write(table, temp))
            return
        change.produce(data.files[0], lambda temp: self.write(table, temp))

    def append(self, data: SourceData, table: pa.Table) -> bool:
        return False  # a plain file has no commits: the writer rewrites it whole

    def paths(self, data: SourceData) -> list[str]:
        """Where Spark reads the data: local paths, or URIs (``s3a://`` for Hadoop)."""
        if data.place is None:
            return [str(f) for f in data.files]
        return [remote.hadoop_uri(o.uri) for o in data.objects]

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


def _differences(recorded: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[str]:
    from featurecat.data.objects import StoredObject

    objects = [StoredObject(e["path"], e["size"], e["hash"]) for e in now]
    return changes(recorded, objects)


def _readable(file: Path, read: Callable[[Path], T]) -> T:
    import pyarrow as pa

    try:
        return read(file)
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"cannot read {shown(file)}: {exc}") from None
