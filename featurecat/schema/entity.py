"""``entities/<name>.yaml``: the things features describe, and the keys that identify them."""

from __future__ import annotations

from pydantic import Field, field_validator

from featurecat.schema.base import Column, Definition, Description, Name, unique


class Entity(Definition):
    """A business object (a user, a merchant) identified by one or more join keys."""

    name: Name = Field(description="Entity name; must equal the file name.")
    description: Description = Field("", description="What the entity is.")
    join_keys: list[Column] = Field(
        min_length=1, description="Columns that identify one entity, like `[user_id]`."
    )

    @field_validator("join_keys")
    @classmethod
    def _unique_keys(cls, value: list[str]) -> list[str]:
        return unique(value, "join key")
