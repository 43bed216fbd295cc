"""``sources/<name>.yaml``: a table of timestamped rows that features read from."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from featurecat import names
from featurecat.schema.base import Column, Definition, Description, Name, TeamName
from featurecat.schema.expect import SourceExpectations
from featurecat.schema.paths import check_relative_path

SourceFormat = Literal["parquet", "csv"]
SUFFIXES: dict[str, SourceFormat] = {".parquet": "parquet", ".csv": "csv"}


class Source(Definition):
    """Event rows for one entity: join keys, an event timestamp and feature columns."""

    name: Name = Field(description="Source name; must equal the file name.")
    description: Description = Field(
        "", description="Where the data comes from and how it is produced."
    )
    owner: TeamName = Field(description="The team that produces the data.")
    entity: Name = Field(description="The entity the rows describe; its join keys must be columns.")
    path: str = Field(
        description="Data file relative to the catalog's data_root: a `.parquet` or `.csv` file, "
        "or a glob such as `events/*.parquet`. It must stay inside the repository."
    )
    timestamp: Column = Field(
        names.DEFAULT_TIMESTAMP,
        description="The event-time column used for point-in-time joins.",
    )
    # The contract on the data as a whole (freshness, min_rows), checked by featurecat test.
    expect: SourceExpectations | None = Field(  # type: ignore[valid-type]
        None, description="Freshness of the newest row and a row-count floor."
    )

    @field_validator("path")
    @classmethod
    def _data_file(cls, value: str) -> str:
        check_relative_path(value)
        if not value.endswith(tuple(SUFFIXES)):
            raise PydanticCustomError(
                "path", "'{value}' is not a .parquet or .csv file", {"value": value}
            )
        return value

    @property
    def format(self) -> SourceFormat:
        """``parquet`` or ``csv``, from the path's suffix."""
        return SUFFIXES[self.path[self.path.rindex(".") :]]
