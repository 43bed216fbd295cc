"""Shared building blocks of the schema: the base model and the constrained string types."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from featurecat import names

COLUMN_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
_COLUMN_RE = re.compile(COLUMN_PATTERN)


class Definition(BaseModel):
    """Base of every kind: unknown fields are errors, and parsed objects are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _matching(regex: re.Pattern[str], what: str, example: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.match(value):
            raise PydanticCustomError(
                "invalid_name",
                "'{value}' is not a valid {what}: {rule}",
                {"value": value, "what": what, "rule": example},
            )
        return value

    return AfterValidator(check)


def _within_bounds(value: str) -> str:
    try:
        names.parse_duration(value)
    except ValueError as exc:
        raise PydanticCustomError("duration_too_long", str(exc)) from None
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty; say what it is in a sentence or two")
    return value


def _pattern(pattern: str, max_length: int) -> Any:
    return Field(max_length=max_length, json_schema_extra={"pattern": pattern})


Name = Annotated[
    str,
    _pattern(names.NAME_PATTERN, names.MAX_NAME_LENGTH),
    _matching(
        names.NAME_RE,
        "name",
        "use lowercase letters, digits and '_', starting with a letter (like user_age)",
    ),
]
TeamName = Annotated[
    str,
    _pattern(names.TEAM_PATTERN, names.MAX_NAME_LENGTH),
    _matching(
        names.TEAM_RE,
        "team name",
        "use lowercase letters, digits, '_' and '-', starting with a letter (like growth)",
    ),
]
Tag = Annotated[
    str,
    _pattern(names.TAG_PATTERN, names.MAX_TAG_LENGTH),
    _matching(names.TAG_RE, "tag", "use lowercase letters, digits, '_' and '-' (like pii)"),
]
Column = Annotated[
    str,
    _pattern(COLUMN_PATTERN, 256),
    _matching(_COLUMN_RE, "column name", "use letters, digits and '_', not starting with a digit"),
]
Duration = Annotated[
    str,
    Field(json_schema_extra={"pattern": names.DURATION_PATTERN}),
    _matching(
        names.DURATION_RE,
        "duration",
        "write a whole number and a unit, one of s, m, h, d, w (like 30d or 12h)",
    ),
    AfterValidator(_within_bounds),
]
GithubHandle = Annotated[
    str,
    Field(json_schema_extra={"pattern": names.GITHUB_HANDLE_PATTERN}),
    _matching(
        re.compile(names.GITHUB_HANDLE_PATTERN),
        "GitHub handle",
        "write @user or @org/team (like @acme/growth)",
    ),
]
Text = Annotated[str, AfterValidator(_non_blank)]


def unique(values: list[str], what: str) -> list[str]:
    """Reject a list that names the same thing twice."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise PydanticCustomError(
                "duplicate", "lists {what} '{value}' twice", {"what": what, "value": value}
            )
        seen.add(value)
    return values
