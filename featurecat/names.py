"""Names, kinds and durations: the small vocabulary every other module shares."""

from __future__ import annotations

import difflib
import re
from datetime import timedelta
from enum import Enum
from typing import Literal, get_args

# Dtypes have their own table; these names stay importable from here.
from featurecat.dtypes import DTYPES as DTYPES
from featurecat.dtypes import Dtype as Dtype

# The patterns as JSON Schema (ECMA-262) writes them, where '$' is the end of the text.
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
TEAM_PATTERN = r"^[a-z][a-z0-9_-]*$"
TAG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
DURATION_PATTERN = r"^([1-9][0-9]*)([smhdw])$"
GITHUB_HANDLE_PATTERN = r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?$"
COLUMN_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


def anchored(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled to match the whole text and nothing more.

    Python's ``$`` also matches before a final newline, so ``^[a-z]+$`` would let
    ``"growth\\n"`` through (and into CODEOWNERS, file names...); ``\\Z`` does not.
    """
    if not pattern.startswith("^") or not pattern.endswith("$"):
        raise ValueError(f"pattern {pattern!r} must start with '^' and end with '$'")
    return re.compile(pattern[:-1] + r"\Z")


NAME_RE = anchored(NAME_PATTERN)
TEAM_RE = anchored(TEAM_PATTERN)
TAG_RE = anchored(TAG_PATTERN)
DURATION_RE = anchored(DURATION_PATTERN)
GITHUB_HANDLE_RE = anchored(GITHUB_HANDLE_PATTERN)
COLUMN_RE = anchored(COLUMN_PATTERN)

MAX_NAME_LENGTH = 128
#: The longest ttl: longer is "never expires", and DuckDB, Spark and timedelta all hold it.
MAX_DURATION_DAYS = 36_500
MAX_DURATION_SECONDS = MAX_DURATION_DAYS * 86_400
MAX_TAG_LENGTH = 40

PROJECT_FILE = "featurecat.yaml"
#: The event-time column of sources and entity frames, unless they name another.
DEFAULT_TIMESTAMP = "event_timestamp"
YAML_SUFFIXES = (".yaml", ".yml")

Status = Literal["draft", "production", "deprecated"]
STATUSES: tuple[Status, ...] = get_args(Status)

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class Kind(str, Enum):
    """The kinds of object a catalog holds. A file's kind comes from its folder."""

    PROJECT = "project"
    TEAM = "team"
    ENTITY = "entity"
    SOURCE = "source"
    FEATURE = "feature"
    MODEL = "model"

    @property
    def folder(self) -> str:
        return _FOLDERS[self]

    @property
    def plural(self) -> str:
        return _PLURALS[self]


_FOLDERS = {
    Kind.PROJECT: "",
    Kind.TEAM: "teams",
    Kind.ENTITY: "entities",
    Kind.SOURCE: "sources",
    Kind.FEATURE: "features",
    Kind.MODEL: "models",
}
_PLURALS = {
    Kind.PROJECT: "projects",
    Kind.TEAM: "teams",
    Kind.ENTITY: "entities",
    Kind.SOURCE: "sources",
    Kind.FEATURE: "features",
    Kind.MODEL: "models",
}

#: Kinds stored one file per object, in catalog order (referenced kinds first).
OBJECT_KINDS = (Kind.TEAM, Kind.ENTITY, Kind.SOURCE, Kind.FEATURE, Kind.MODEL)
#: The order a bare name is looked up in (``show NAME``, search): features first, since a
#: name people type is most often a feature's, then what features are built from.
LOOKUP_KINDS = (Kind.FEATURE, Kind.SOURCE, Kind.ENTITY, Kind.MODEL, Kind.TEAM)
#: The order a catalog's contents are counted in, in one line: "23 features, 5 sources...".
SUMMARY_KINDS = (Kind.FEATURE, Kind.SOURCE, Kind.ENTITY, Kind.TEAM, Kind.MODEL)
#: Only ``features/`` may nest; the other kind folders are flat.
NESTED_KINDS = frozenset({Kind.FEATURE})
FOLDER_KINDS = {k.folder: k for k in OBJECT_KINDS}


def kind_of(relpath: str) -> Kind | None:
    """The kind of a catalog-relative POSIX path, or ``None`` when it is not a definition."""
    if relpath == PROJECT_FILE:
        return Kind.PROJECT
    if not relpath.endswith(YAML_SUFFIXES):
        return None
    folder, _, rest = relpath.partition("/")
    kind = FOLDER_KINDS.get(folder)
    if kind is None or not rest:
        return None
    if "/" in rest and kind not in NESTED_KINDS:
        return None
    return kind


def is_candidate(relpath: str) -> bool:
    """Whether a catalog-relative path is read as a definition, or flagged as misplaced:
    YAML in a kind folder (or in a folder whose name is a near miss of one)."""
    if relpath == PROJECT_FILE:
        return True
    folder, _, rest = relpath.partition("/")
    return (
        bool(rest)
        and (folder in FOLDER_KINDS or near_kind_folder(folder) is not None)
        and relpath.lower().endswith(YAML_SUFFIXES)
        and not any(part.startswith(".") for part in rest.split("/"))
    )


def near_kind_folder(folder: str) -> str | None:
    """The kind folder that ``folder`` looks like a typo of (``featuers`` -> ``features``)."""
    if folder in FOLDER_KINDS:
        return None
    matches = difflib.get_close_matches(folder.lower(), FOLDER_KINDS, n=1, cutoff=0.75)
    return matches[0] if matches else None


def misplaced_reason(relpath: str) -> str:
    """Why a candidate file is not read as a definition, and what to do about it."""
    folder = relpath.split("/", 1)[0]
    if folder not in FOLDER_KINDS:
        near = near_kind_folder(folder)
        return f"ignored: '{folder}/' is not a catalog folder; did you mean '{near}/'?"
    if not relpath.endswith(YAML_SUFFIXES):
        return "ignored: definition files end in .yaml or .yml, in lower case; rename it"
    return f"ignored: only features/ has sub-folders; move this file into {folder}/"


def stem(relpath: str) -> str:
    """The file name without folder or suffix: ``features/user/user_age.yaml`` -> ``user_age``."""
    base = relpath.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0]


def parse_duration(text: str) -> timedelta:
    """Turn ``30d``, ``12h``, ``15m``, ``45s`` or ``2w`` into a timedelta."""
    match = DURATION_RE.match(text)
    if match is None:
        raise ValueError(
            f"'{text}' is not a duration; write a whole number and a unit, "
            "one of s, m, h, d, w (for example 30d or 12h)"
        )
    digits = match.group(1)
    seconds = int(digits) * _UNIT_SECONDS[match.group(2)] if len(digits) <= 12 else None
    if seconds is None or seconds > MAX_DURATION_SECONDS:
        raise ValueError(
            f"'{text}' is longer than {MAX_DURATION_DAYS}d (100 years); leave ttl out for "
            "values that never expire"
        )
    return timedelta(seconds=seconds)
