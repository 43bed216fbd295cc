"""How much memory and which spill folder a big join may use: ``loader:`` in ``featurecat.yaml``.

Sizes are written as people write them (``1GiB``, ``500MB``, ``2g``, a byte count); one parser,
:func:`parse_size`, reads them wherever they come from (the catalog, ``FEATURECAT_MEMORY_LIMIT``,
an argument, ``--memory-limit``), so every place accepts the same spellings.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from featurecat.schema.base import refuse_controls

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
    "t": 1000**4,
    "tb": 1000**4,
    "tib": 1024**4,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")
#: Below this DuckDB cannot even start a join; a smaller limit is surely a typo.
SMALLEST = 16 * 1024**2
SIZE_EXAMPLES = "a size such as '1GiB', '500MB' or '2g'"


def parse_size(value: object) -> int | None:
    """A size in bytes from ``value`` (an int, or text with an optional unit), or ``None`` when
    it cannot be read that way or is smaller than 16 MiB."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        size = value
    elif isinstance(value, str) and (match := _SIZE.fullmatch(value)):
        unit = _UNITS.get(match.group(2).lower())
        if unit is None:
            return None
        size = int(float(match.group(1)) * unit)
    else:
        return None
    return size if size >= SMALLEST else None


def human(size: int) -> str:
    """A byte count the way DuckDB and people read it back: ``1.5 GiB``."""
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024:
            return f"{amount:.1f} {unit}" if unit != "B" else f"{size} B"
        amount /= 1024
    return f"{amount:.1f} TiB"


def check_size(value: str) -> str:
    refuse_controls(value)
    if parse_size(value) is None:
        raise PydanticCustomError(
            "size",
            "'{value}' is not a memory size; use {examples}, at least 16MiB",
            {"value": value, "examples": SIZE_EXAMPLES},
        )
    return value


Size = Annotated[str, AfterValidator(check_size)]


class Loader(BaseModel):
    """Resources for point-in-time joins bigger than memory (``featurecat export``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    memory_limit: Size | None = Field(
        None,
        description="The most memory a join may use before it spills to disk, for example "
        "`4GiB`. Default: half of the machine's memory. `FEATURECAT_MEMORY_LIMIT` overrides it.",
    )
    spill_dir: str | None = Field(
        None,
        description="Folder where a join spills what does not fit in memory (a fast local "
        "disk with room). Default: a temporary folder beside the output, removed afterwards. "
        "`FEATURECAT_SPILL_DIR` overrides it.",
    )
