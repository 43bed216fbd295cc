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

        return pq.read_schema(file)

    def read(self, file: Path) -> pa.Table:
        import pyarrow.parquet as pq

        return pq.read_table(file)

    def write(self, table: pa.Table, file: Path) -> None:
        import pyarrow.parquet as pq

        pq.write_table(table, file)

    def spark(self, session: Any, data: SourceData, types: Mapping[str, str]) -> Any:
        return remote.spark_read(data, lambda: session.read.parquet(*self.paths(data)))
