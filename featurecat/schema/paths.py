"""Lexical rules for paths written in definitions; the repository boundary is a check."""

from __future__ import annotations

import posixpath

from pydantic_core import PydanticCustomError

from featurecat.schema.base import refuse_controls


def check_relative_path(value: str, base: str = "the catalog's data_root") -> str:
    """A non-empty, relative, forward-slash path (relative to ``base``, as messages say)."""
    if not value.strip():
        raise PydanticCustomError("path", "path must not be empty")
    refuse_controls(value)
    if "\\" in value:
        raise PydanticCustomError("path", "use '/' in paths, not '\\': '{value}'", {"value": value})
    if value.startswith("/") or (len(value) > 1 and value[1] == ":"):
        raise PydanticCustomError(
            "path",
            "path '{value}' is absolute; write it relative to {base}",
            {"value": value, "base": base},
        )
    return value


def escapes(base: str, path: str) -> bool:
    """Whether ``path`` joined onto the POSIX folder ``base`` climbs above the root ``''``."""
    joined = posixpath.normpath(posixpath.join(base or ".", path))
    return joined == ".." or joined.startswith("../")
