"""The value types of expectations' settings, and unknown keys reported on their own line.

Shares are written ``5%`` or ``0.05``; accepted values are typed by the feature's dtype
(``true`` is a boolean only for a bool feature, ``007`` stays text for a string one). An
unknown key (a misspelt kind or setting) is kept as an :class:`Unknown` until its own
validator reports it, so the error sits on that key's line and suggests the name meant.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from featurecat.dtypes import DTYPE_SPECS, Dtype
from featurecat.errors import did_you_mean

TRUE = frozenset({"true", "True", "TRUE"})
FALSE = frozenset({"false", "False", "FALSE"})
_SHARE = re.compile(r"([0-9]+(?:\.[0-9]+)?)%\Z")
TRUE = frozenset({"true", "True", "TRUE"})
FALSE = frozenset({"false", "False", "FALSE"})


def _share(value: Any) -> Any:
    """``5%`` or ``0.05``: a share between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return value  # the float type says what it expected
    match = _SHARE.match(value.strip()) if isinstance(value, str) else None
    try:
        share = float(match.group(1)) / 100 if match else float(value)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise PydanticCustomError(
            "share", "'{value}' is not a share; write it like 5% or 0.05", {"value": str(value)}
        )
    return share


Share = Annotated[
    float,
    BeforeValidator(_share),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?%$"},
            ]
        }
    ),
]
Number = Annotated[float, Field(allow_inf_nan=False)]


class Unknown:
    """A key that names nothing (a kind, a setting), kept until its own validator says so:
    that way the error sits on the key's own line and can suggest the name meant."""

    def __init__(self, key: str, known: list[str], what: str, where: str) -> None:
        self.key, self.known, self.what, self.where = key, known, what, where

    @classmethod
    def mark(cls, value: dict[str, Any], known: list[str], what: str, where: str) -> dict[str, Any]:
        """``value`` with each unknown key's value replaced by an :class:`Unknown`."""
        return {k: v if k in known else cls(str(k), known, what, where) for k, v in value.items()}


def _refuse(value: Any) -> Any:
    assert isinstance(value, Unknown)
    raise PydanticCustomError(
        "unknown_name",
        "unknown {what} '{key}'{hint}; {where}: {known}",
        {
            "what": value.what,
            "key": value.key,
            "hint": did_you_mean(value.key, value.known),
            "where": value.where,
            "known": ", ".join(value.known),
        },
    )


#: The type of the extra keys of a model that reports them with :class:`Unknown`.
UnknownKey = Annotated[Any, BeforeValidator(_refuse), WithJsonSchema({"not": {}})]


Accepted = str | bool | int


def typed_value(value: Accepted, dtype: Dtype | None) -> Accepted:
    kind = DTYPE_SPECS[dtype].kind if dtype else None
    if kind == "bool":
        if value is True or value in TRUE or value is False or value in FALSE:
            return value is True or value in TRUE
        raise PydanticCustomError("accepted_bool", "'{v}' is not true or false", {"v": value})
    if kind == "integer":
        if isinstance(value, bool) or not re.fullmatch(r"-?[0-9]{1,19}", str(value)):
            raise PydanticCustomError("accepted_int", "'{v}' is not a whole number", {"v": value})
        return int(value)
    if kind == "string" and not isinstance(value, str):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return value
