"""Parquet sources: the schema from the file footer, types carried by the files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.data import remote
from featurecat.data.local import LocalFiles

if TYPE_CHECKING:
    import pyarrow as pa

    from featurecat.data.source import SourceData


class ParquetReader(LocalFiles):
    """``.parquet`` files: one file, or the matches of a glob."""

    format = "parquet"

    def relation(self, data: SourceData, types: Mapping[str, str], union_by_name: bool) -> str:
        # Parquet files carry their types: nothing to pin.
        return f"read_parquet($files{', union_by_name = true' if union_by_name else ''})"

    def file_schema(self, file: Path) -> pa.Schema:
        import pyarrow.parquet as pq

        return pq.read_schema(file if isinstance(file, Path) else footer(file))

    def read(self, file: Path) -> pa.Table:
        import pyarrow.parquet as pq

        return pq.read_table(file)

    def write(self, table: pa.Table, file: Path) -> None:
        import pyarrow.parquet as pq

        pq.write_table(table, file)

    def spark(self, session: Any, data: SourceData, types: Mapping[str, str]) -> Any:
        return remote.spark_read(data, lambda: session.read.parquet(*self.paths(data)))


def footer(handle: Any) -> Any:
    """Only the footer of the parquet file ``handle`` (a remote object), framed as a file
    pyarrow reads a schema from: two range reads of just the bytes needed, where pyarrow
    would read the last 64 KiB, most of a small object. A file that is no parquet is left
    to pyarrow, which says so."""
    import pyarrow as pa

    size = handle.seek(0, 2)
    if size < 12:
        return handle
    handle.seek(size - 8)
    tail = handle.read(8)
    length = int.from_bytes(tail[:4], "little")
    if tail[4:] != b"PAR1" or length + 12 > size:
        return handle
    handle.seek(size - 8 - length)
    return pa.BufferReader(b"PAR1" + handle.read(length) + tail)
