"""Where an export goes: a parquet file or a folder of part files, written whole or not at all.

The result is written under a temporary name in the output's own folder and renamed into
place at the end (an overwritten output is moved aside first and removed after), so a reader,
or a crash, never meets a partial output under the real name. The manifest goes beside the
output: ``train.parquet`` -> ``train.manifest.json``, folder ``train`` -> ``train.manifest.json``.
An output at a URI under a declared storage location is written by :mod:`.object_target`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from featurecat.errors import UsageError

if TYPE_CHECKING:
    from featurecat.catalog import Catalog


class Output(Protocol):
    """Where an export goes (a local :class:`Target` or an object store's), as the export
    uses it: written locally first (``staging``), then published whole."""

    @property
    def single_file(self) -> bool:
        """One parquet file, rather than a folder of part files."""

    @property
    def where(self) -> Path | str:
        """The output as the caller named it: a path, or a URI."""

    @property
    def manifest(self) -> Path | str:
        """The manifest beside it."""

    @property
    def near(self) -> Path:
        """A local folder where temporary work (spilling) may go."""

    def staging(self) -> Path:
        """A fresh local path to write the output to before it is published."""

    def publish(self, written: Path, manifest: Mapping[str, Any]) -> None:
        """Put ``written`` (and then its manifest) in place of the output."""

    def discard(self, written: Path) -> None:
        """Remove what was staged (and anything partly published), whatever its state."""


@dataclass(frozen=True)
class Target:
    """The output path, whether it is one file, and its manifest's path."""

    path: Path
    single_file: bool
    overwrite: bool

    @property
    def manifest(self) -> Path:
        stem = self.path.stem if self.single_file else self.path.name
        return self.path.with_name(f"{stem}.manifest.json")

    @property
    def where(self) -> Path:
        return self.path

    @property
    def near(self) -> Path:
        return self.path.parent

    def staging(self) -> Path:
        return self.temporary("tmp")

    def discard(self, written: Path) -> None:
        _remove(written)

    def temporary(self, kind: str) -> Path:
        """A fresh name in the output's folder, hidden from globs and from pyarrow."""
        return self.path.with_name(f".{self.path.name}.featurecat-{kind}-{uuid.uuid4().hex[:8]}")

    def publish(self, written: Path, manifest: Mapping[str, Any]) -> None:
        """Put ``written`` (and then its manifest) in place of the output."""
        from featurecat.retrieval import manifest as manifests

        old = None
        if self.path.exists() or self.path.is_symlink():
            old = self.temporary("old")
            self.path.rename(old)
        written.rename(self.path)
        if old is not None:
            _remove(old)
        manifests.write(manifest, self.manifest)


def target(path: Any, catalog: Catalog, overwrite: bool, staging: Path | None = None) -> Output:
    """The output at ``path``, refused when it exists (unless ``overwrite``), lies inside the
    catalog's data folder (or where a source keeps its data), or cannot be made. A URI is
    written only under a storage location featurecat.yaml declares, staged in ``staging``
    (else the system's temporary folder) first."""
    if not isinstance(path, str | os.PathLike):
        raise UsageError(
            f"path must be where to write the parquet output, such as 'train.parquet' (one file)"
            f" or 'train/' (a folder of part files), not {type(path).__name__}"
        )
    text = os.fspath(path)
    if "://" in text:
        from featurecat.data.storage import bare
        from featurecat.retrieval.locations import declared
        from featurecat.retrieval.object_target import object_target

        where = declared(catalog, text, "output")
        if not text.startswith("file://"):
            return object_target(text, where, catalog, overwrite, staging)
        text = bare(text)  # a shared disk: written as a local path, renamed into place
    out = Path(text).absolute()
    data = (catalog.root / catalog.project.data_root).resolve()
    if out.resolve() == data or out.resolve().is_relative_to(data):
        raise UsageError(
            f"output {text} is inside the catalog's data folder ({data}), where sources live; "
            "write the training set somewhere else"
        )
    result = Target(out, single_file=out.suffix == ".parquet", overwrite=overwrite)
    if not overwrite:
        for existing in (result.path, result.manifest):
            if existing.exists() or existing.is_symlink():
                raise UsageError(
                    f"output {existing} exists; pass overwrite=True (--overwrite) to replace it, "
                    "or choose another path"
                )
    elif result.path.is_dir() and result.single_file:
        raise UsageError(f"output {text} is a folder; remove it or choose another path")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the folder of output {text}: {exc.strerror}") from None
    return result


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def discard(path: Path) -> None:
    """Remove a temporary output, whatever state it is in."""
    _remove(path)
