"""``features/**/<name>.yaml``: one column of one source, with its meaning and its owner."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, ValidationInfo, ValidatorFunctionWrapHandler, field_validator
from pydantic_core import PydanticCustomError

from featurecat import names
from featurecat.contracts.kinds import feature_dtype
from featurecat.names import Dtype, Status
from featurecat.schema.base import (
    Column,
    Definition,
    Duration,
    Name,
    Tag,
    TeamName,
    Text,
    Version,
    unique,
)
from featurecat.schema.expect import FeatureExpectations


class Feature(Definition):
    """A feature: a typed, owned and documented column of a source."""

    name: Name = Field(description="Feature name; must equal the file name. Unique in the catalog.")
    description: Text = Field(description="What the value means, its window and its caveats.")
    owner: TeamName = Field(description="The team that answers for this feature.")
    source: Name = Field(description="The source the values are read from.")
    column: Column | None = Field(None, description="The source column; defaults to the name.")
    dtype: Dtype = Field(description="Type of the values.")
    version: Version = Field(1, description="Bump it on every breaking change.")
    status: Status = Field("draft", description="`draft`, `production` or `deprecated`.")
    tags: list[Tag] = Field(default_factory=list, description="Keywords for search and browsing.")
    ttl: Duration | None = Field(
        None, description="Maximum age of a value at join time, like `30d` or `12h`."
    )
    replaced_by: Name | None = Field(
        None, description="The feature to use instead; only for deprecated features."
    )
    expect: FeatureExpectations | None = Field(  # type: ignore[valid-type]
        None,
        description="The contract on the values, checked by `featurecat test`: one "
        "expectation per line (not_null, range, accepted_values, unique, min_rows, drift).",
    )

    @field_validator("column", mode="before")
    @classmethod
    def _default_to_name(cls, value: str | None, info: ValidationInfo) -> str | None:
        # An invalid name is already reported; don't report it again as a column.
        return info.data.get("name") if value is None else value

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, value: list[str]) -> list[str]:
        return unique(value, "tag")

    @field_validator("replaced_by")
    @classmethod
    def _only_when_deprecated(cls, value: str | None, info: ValidationInfo) -> str | None:
        status = info.data.get("status")
        if value is not None and status != "deprecated":
            raise PydanticCustomError(
                "replaced_by",
                "replaced_by is only allowed when status is deprecated "
                "(status is '{status}'); set status: deprecated or remove replaced_by",
                {"status": status},
            )
        return value

    @field_validator("expect", mode="wrap")
    @classmethod
    def _knowing_the_dtype(
        cls, value: object, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> object:
        # Which kinds apply depends on the dtype (no range on text); see contracts.kinds.
        with feature_dtype(info.data.get("dtype")):
            return handler(value)

    @property
    def column_name(self) -> str:
        """The source column holding the values (``column``, which defaults to the name)."""
        return self.column or self.name

    @property
    def max_age(self) -> timedelta | None:
        """The ttl as a timedelta, or ``None`` when values never expire."""
        return names.parse_duration(self.ttl) if self.ttl else None
