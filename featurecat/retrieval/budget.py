"""The memory a big join may use, and where it spills the rest.

Settings come, first found wins, from the call (``memory_limit=``, ``spill_dir=``, the CLI's
``--memory-limit``), the environment (``FEATURECAT_MEMORY_LIMIT``, ``FEATURECAT_SPILL_DIR``),
``loader:`` in ``featurecat.yaml``, or the machine: half of its memory, and a temporary folder
beside the output. DuckDB keeps to the limit by spilling sorted runs and hash partitions to
that folder, so a join bigger than memory finishes as long as the disk has room.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from featurecat.errors import DataError, UsageError
from featurecat.schema.memory import SIZE_EXAMPLES, human, parse_size

if TYPE_CHECKING:
    import duckdb

    from featurecat.catalog import Catalog

MEMORY_ENV = "FEATURECAT_MEMORY_LIMIT"
SPILL_ENV = "FEATURECAT_SPILL_DIR"


@dataclass(frozen=True)
class Budget:
    """A memory limit in bytes, the folder to spill in, and where each came from."""

    memory_limit: int
    spill_dir: Path | None
    """``None``: a temporary folder is made (and removed) beside the work."""
    limit_from: str

    def advice(self) -> str:
        """What to raise, named the way the user set it."""
        return (
            f"the join needs more than memory_limit={human(self.memory_limit)} (set by "
            f"{self.limit_from}); raise it (memory_limit=, --memory-limit, {MEMORY_ENV} or "
            "loader.memory_limit in featurecat.yaml) or free disk space for spilling"
        )


def machine_memory() -> int:
    """The machine's physical memory in bytes (4 GiB when the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 4 * 1024**3


def resolve(
    catalog: Catalog | None,
    memory_limit: str | int | None,
    spill_dir: str | os.PathLike[str] | None,
) -> Budget:
    """The budget for one call; an unreadable size is a usage error naming where it came from."""
    settings = catalog.project.loader if catalog is not None else None
    chosen: tuple[object, str] | None = None
    for value, origin in (
        (memory_limit, "the memory_limit argument"),
        (os.environ.get(MEMORY_ENV) or None, f"the environment variable {MEMORY_ENV}"),
        (settings.memory_limit if settings else None, "loader.memory_limit in featurecat.yaml"),
    ):
        if value is not None:
            chosen = (value, origin)
            break
    if chosen is None:
        limit, origin = machine_memory() // 2, "the default, half of this machine's memory"
    else:
        parsed = parse_size(chosen[0])
        if parsed is None:
            raise UsageError(
                f"memory limit {chosen[0]!r} (from {chosen[1]}) is not a memory size; use "
                f"{SIZE_EXAMPLES}, at least 16MiB"
            )
        limit, origin = parsed, chosen[1]
    spill = None
    if spill_dir or os.environ.get(SPILL_ENV):
        spill = Path(spill_dir or os.environ[SPILL_ENV]).absolute()
    elif settings is not None and settings.spill_dir and catalog is not None:
        spill = catalog.root / settings.spill_dir  # relative to the catalog, like data_root
    return Budget(limit, spill, origin)


@contextmanager
def applied(con: duckdb.DuckDBPyConnection, budget: Budget, near: Path) -> Iterator[Path]:
    """``con`` held to ``budget``, spilling in its folder or a new one under ``near``
    (removed afterwards, with whatever DuckDB left in it)."""
    with _spill_folder(budget, near) as folder:
        for name, value in _settings(budget, folder).items():
            con.execute(f"SET {name} = '{_sql_text(value)}'")
        yield folder


@contextmanager
def held(budget: Budget) -> Iterator[None]:
    """Every DuckDB connection the block opens (the in-memory loader's) held to ``budget``,
    spilling in a fresh folder; running out of memory or of spill space is the error that
    says what to raise, as for an export, rather than DuckDB's own words."""
    from featurecat.data.duck import limits

    with _spill_folder(budget, Path(tempfile.gettempdir())) as folder:
        try:
            with limits(_settings(budget, folder)):
                yield
        except DataError as exc:
            # Engines tell a failed query as a DataError raised while handling DuckDB's.
            cause = exc.__cause__ or exc.__context__
            known = out_of_resources(cause, budget, folder) if cause is not None else None
            if known is None:
                raise
            raise known from None


@contextmanager
def _spill_folder(budget: Budget, near: Path) -> Iterator[Path]:
    """A new folder to spill in, under the budget's spill folder or ``near``; removed after."""
    base = budget.spill_dir or near
    try:
        base.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".featurecat-spill-", dir=base))
    except OSError as exc:
        raise UsageError(
            f"cannot use spill folder {base}: {exc.strerror or exc}; set "
            f"spill_dir=, {SPILL_ENV} or loader.spill_dir to a writable folder"
        ) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _settings(budget: Budget, folder: Path) -> dict[str, str]:
    return {"memory_limit": f"{budget.memory_limit}B", "temp_directory": str(folder)}


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def out_of_resources(exc: BaseException, budget: Budget, spill: Path) -> DataError | None:
    """The error for a join that ran out of memory or of spill space, else ``None``."""
    import duckdb

    text = str(exc)
    if "No space left on device" in text or "max_temp_directory_size" in text:
        return DataError(
            f"the disk filled up while spilling to {spill}; nothing was written. Free space "
            f"there, or set spill_dir= ({SPILL_ENV}, loader.spill_dir) to a disk with room"
        )
    if isinstance(exc, duckdb.OutOfMemoryException):
        return DataError(f"out of memory: {budget.advice()}")
    return None
