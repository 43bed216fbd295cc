"""CSV sources: a header row, then values whose types are inferred, or pinned when read.

The schema comes from the header and the first block of the first file. DuckDB and Spark
read the columns featurecat uses with pinned types, so every engine sees the values as the
checks did, never as its own sniffer guesses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.data import remote
from featurecat.data.local import LocalFiles
from featurecat.errors import DataError

if TYPE_CHECKING:
    import pyarrow as pa

    from featurecat.data.source import SourceData

_SAMPLE_BYTES = 1 << 20


class CsvReader(LocalFiles):
    """``.csv`` files with a header row: one file, or the matches of a glob."""

    format = "csv"

    def relation(self, data: SourceData, types: Mapping[str, str], union_by_name: bool) -> str:
        # DuckDB refuses a pinned column the data lacks; the portal profiles data the checks
        # have not vouched for. (Unreadable data: DuckDB says what is wrong with it.)
        with suppress(DataError):
            present = set(data.schema().names)
            types = {column: t for column, t in types.items() if column in present}
        # Column names are validated identifiers and types come from the dtype table.
        options = ["header = true"]
        if types:
            pinned = ", ".join(f"'{column}': '{type_}'" for column, type_ in types.items())
            options.append(f"types = {{{pinned}}}")
        if union_by_name:
            options.append("union_by_name = true")
        return f"read_csv($files, {', '.join(options)})"

    def file_schema(self, file: Path) -> pa.Schema:
        import pyarrow.csv as pacsv

        options = pacsv.ReadOptions(block_size=_SAMPLE_BYTES)
        with pacsv.open_csv(file, read_options=options) as reader:
            schema: pa.Schema = reader.schema
            return schema

    def read(self, file: Path) -> pa.Table:
        import pyarrow.csv as pacsv

        return pacsv.read_csv(file)

    def write(self, table: pa.Table, file: Path) -> None:
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, file)

    def spark(self, session: Any, data: SourceData, types: Mapping[str, str]) -> Any:
        from pyspark.sql import types as T

        schema = T.StructType(
            [T.StructField(name, T._parse_datatype_string(t)) for name, t in types.items()]
        )
        reader = (
            session.read.schema(schema)
            .option("header", True)
            .option("mode", "FAILFAST")
            .option("timeZone", "UTC")
        )
        return remote.spark_read(data, lambda: reader.csv(self.paths(data)))
