"""``sources/<name>.yaml``: a table of timestamped rows that features read from."""

from __future__ import annotations

import re
from typing import Literal, cast

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from featurecat import names
from featurecat.schema.base import Column, Definition, Description, Name, TeamName
from featurecat.schema.expect import SourceExpectations
from featurecat.schema.paths import check_relative_path
from featurecat.schema.storage import check_uri, scheme_of

SourceFormat = Literal["parquet", "csv", "delta", "iceberg"]
SUFFIXES: dict[str, SourceFormat] = {".parquet": "parquet", ".csv": "csv"}
#: Formats whose data is a table with its own log and history (a folder, or a catalog entry).
TABLE_FORMATS = ("delta", "iceberg")
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+\Z")


class Source(Definition):
    """Event rows for one entity: join keys, an event timestamp and feature columns."""

    name: Name = Field(description="Source name; must equal the file name.")
    description: Description = Field(
        "", description="Where the data comes from and how it is produced."
    )
    owner: TeamName = Field(description="The team that produces the data.")
    entity: Name = Field(description="The entity the rows describe; its join keys must be columns.")
    format: SourceFormat = Field(
        cast(SourceFormat, None),  # inferred from the path's suffix
        validate_default=False,
        description="parquet, csv (inferred from the path's suffix when absent), delta "
        "(a Delta Lake table's folder) or iceberg (a table in an Iceberg catalog).",
    )
    path: str | None = Field(
        None,
        description="Where the data is: relative to the catalog's data_root (inside the "
        "repository), or a URI under a storage location of featurecat.yaml. A `.parquet` or "
        "`.csv` file or a glob such as `events/*.parquet`; a Delta table's folder.",
    )
    timestamp: Column = Field(
        names.DEFAULT_TIMESTAMP,
        description="The event-time column used for point-in-time joins.",
    )
    # The contract on the data as a whole (freshness, min_rows), checked by featurecat test.
    expect: SourceExpectations | None = Field(  # type: ignore[valid-type]
        None, description="Freshness of the newest row and a row-count floor."
    )

    # Iceberg sources name a table in a catalog instead of a path.
    table: str | None = Field(None, description="iceberg: the table, as `namespace.table`.")
    iceberg_catalog: Name | None = Field(
        None, description="iceberg: the name of an Iceberg catalog in featurecat.yaml."
    )

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:  # only iceberg sources have none: see _format
            return None
        value = check_uri(value) if scheme_of(value) else check_relative_path(value)
        fmt = info.data.get("format")
        if fmt in TABLE_FORMATS:
            if fmt == "delta" and any(ch in value for ch in "*?["):
                raise PydanticCustomError("path", "a Delta table's path is its folder, not a glob")
            return value
        suffix = next((s for s in SUFFIXES if value.endswith(s)), None)
        if suffix is None or (fmt is not None and SUFFIXES[suffix] != fmt):
            wanted = f"a .{fmt} file" if fmt else "a .parquet or .csv file (or set format:)"
            raise PydanticCustomError(
                "path", "'{value}' is not {wanted}", {"value": value, "wanted": wanted}
            )
        return value

    @field_validator("table")
    @classmethod
    def _table(cls, value: str | None) -> str | None:
        if value is not None and not _TABLE_NAME.match(value):
            raise PydanticCustomError(
                "table", "'{value}' is not a table name like namespace.table", {"value": value}
            )
        return value

    @model_validator(mode="after")
    def _format(self) -> Source:
        fmt = self.format
        if fmt == "iceberg":
            if self.table is None or self.iceberg_catalog is None:
                raise PydanticCustomError(
                    "iceberg", "an iceberg source needs table: and iceberg_catalog:"
                )
            if self.path is not None:
                raise PydanticCustomError(
                    "iceberg", "an iceberg source names its table:, not a path:"
                )
            return self
        if self.table is not None or self.iceberg_catalog is not None:
            raise PydanticCustomError(
                "iceberg", "table: and iceberg_catalog: are for sources with format: iceberg"
            )
        if self.path is None:
            raise PydanticCustomError("path", "missing required field 'path' for this source")
        if fmt is None:  # the path validator saw a known suffix
            suffix = self.path[self.path.rindex(".") :]
            object.__setattr__(self, "format", SUFFIXES[suffix])  # frozen: set once, here
        return self

    @property
    def local_path(self) -> str | None:
        """The path relative to data_root, or ``None`` for data outside the repository."""
        return self.path if self.path is not None and scheme_of(self.path) is None else None
