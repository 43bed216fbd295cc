"""Shared building blocks of the schema: the base model and the constrained string types."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from featurecat import names
from featurecat.printable import control_character

#: Versions count breaking changes; nine digits is room enough, and fits every int type.
MAX_VERSION = 999_999_999
_DIGITS = re.compile(r"[0-9]+\Z")


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


def refuse_controls(value: str, allowed: str = "") -> str:
    """``value``, or an error naming the first control character in it (NUL, ESC...)
    that is not in ``allowed``."""
    char = control_character(value, allowed)
    if char is not None:
        raise PydanticCustomError(
            "control_character",
            "contains the control character {char}; remove it",
            {"char": char},
        )
    return value


def _free_text(value: str) -> str:
    return refuse_controls(value, allowed="\n\t")  # descriptions may have lines and tabs


def _plain_version(value: Any, info: ValidationInfo) -> Any:
    """A whole number written plainly: digits, without quotes, sign, spaces, '_', decimal
    point or leading zero (YAML reads ``017``, ``+1``, ``1_000`` and ``'3'`` in ways nobody
    means for a version). The parser tells which values were quoted, in the validation
    context (``{"quoted": {("version",), ...}}``)."""
    if isinstance(value, bool | float):
        raise _not_plain(str(value), "")
    if isinstance(value, int):
        if value > MAX_VERSION:
            raise _too_large(str(value))
        return value
    if not isinstance(value, str):
        return value  # a list or a mapping: the int type says what it expected
    if (info.field_name,) in (info.context or {}).get("quoted", ()):
        raise _not_plain(value, " in quotes; remove the quotes")
    if _DIGITS.match(value) and (value == "0" or not value.startswith("0")):
        if len(value) > len(str(MAX_VERSION)):  # before int(): it refuses thousands of digits
            raise _too_large(value)
        return int(value)
    near = any(c.isdigit() for c in value)
    hint = "; write digits only, like 2: no sign, spaces, '_', '.' or leading zero" if near else ""
    raise _not_plain(value, hint)


def _too_large(text: str) -> PydanticCustomError:
    return PydanticCustomError(
        "version_too_large",
        "must be at most {maximum}, got '{value}'",
        {"maximum": MAX_VERSION, "value": _clip(text)},
    )


def _not_plain(text: str, hint: str) -> PydanticCustomError:
    return PydanticCustomError(
        "plain_integer",
        "expected a whole number, got '{value}'{hint}",
        {"value": _clip(text), "hint": hint},
    )


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


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
    _pattern(names.COLUMN_PATTERN, 256),
    _matching(
        names.COLUMN_RE, "column name", "use letters, digits and '_', not starting with a digit"
    ),
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
        names.GITHUB_HANDLE_RE,
        "GitHub handle",
        "write @user or @org/team (like @acme/growth)",
    ),
]
Description = Annotated[str, AfterValidator(_free_text)]
"""Free text: lines and tabs are fine, other control characters (NUL, ESC...) are not."""
Text = Annotated[str, AfterValidator(_non_blank), AfterValidator(_free_text)]
"""Free text that must say something."""
Line = Annotated[str, AfterValidator(refuse_controls)]
"""One line of text, such as a contact: no control characters at all."""
Version = Annotated[int, Field(ge=1, le=MAX_VERSION), BeforeValidator(_plain_version)]


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
