"""Write new files from the package's templates: ``featurecat init`` and ``featurecat schema``."""

from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from featurecat.errors import UsageError
from featurecat.names import MAX_NAME_LENGTH, TEAM_RE, Kind, kind_of
from featurecat.schema import json_schema_text

if TYPE_CHECKING:
    # importlib.resources.abc is new in Python 3.11; only the type checker needs the name.
    from importlib.resources.abc import Traversable

SCHEMA_DIR = ".featurecat/schemas"
_NAME_PLACEHOLDER = "__CATALOG_NAME__"

#: Template files written under another name: package data leaves dotfiles out.
_RENAMED = {"gitignore": ".gitignore"}


def write_schemas(out: Path, kinds: Iterable[Kind] = tuple(Kind)) -> list[Path]:
    """Write ``<kind>.schema.json`` for each kind into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in kinds:
        path = out / f"{kind.value}.schema.json"
        path.write_text(json_schema_text(kind), encoding="utf-8")
        written.append(path)
    return written


def create_catalog(directory: Path, name: str | None = None) -> list[Path]:
    """Create a small, valid starter catalog in ``directory`` (new or empty).

    The files are written to a temporary folder first and moved into place at the end, so a
    failure leaves nothing behind. An existing empty folder is kept (it may be the current
    one) and filled. Every YAML file points yaml-language-server at its schema.
    """
    target = directory.absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{directory} already exists and is not empty; choose a new folder")
    catalog_name = _checked_name(name) if name is not None else _catalog_name(target.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    existing = target.exists()
    staging = Path(
        tempfile.mkdtemp(prefix=".featurecat-init-", dir=target if existing else target.parent)
    )
    moved: list[Path] = []
    try:
        relpaths = []
        for relpath, text in _template_files(catalog_name):
            file = staging / relpath
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text, encoding="utf-8")
            relpaths.append(relpath)
        write_schemas(staging / SCHEMA_DIR)
        if existing:
            for entry in sorted(staging.iterdir()):
                moved.append(entry.rename(target / entry.name))
            staging.rmdir()
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for path in moved:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()
        raise
    return [directory / r for r in relpaths]


def _checked_name(name: str) -> str:
    if not TEAM_RE.match(name) or len(name) > MAX_NAME_LENGTH:
        raise UsageError(
            f"--name {name!r} is not a valid catalog name: use lowercase letters, digits, '_' "
            "and '-', starting with a letter (like acme)"
        )
    return name


def _template_files(catalog_name: str) -> Iterator[tuple[str, str]]:
    root = resources.files("featurecat") / "templates" / "init"
    for relpath, entry in sorted(walk_package(root)):
        text = entry.read_text(encoding="utf-8").replace(_NAME_PLACEHOLDER, catalog_name)
        kind = kind_of(relpath)
        if kind is not None:
            schema = posixpath.relpath(
                f"{SCHEMA_DIR}/{kind.value}.schema.json", posixpath.dirname(relpath) or "."
            )
            text = f"# yaml-language-server: $schema={schema}\n{text}"
        yield _RENAMED.get(relpath, relpath), text


def walk_package(folder: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    """Files below a package-data folder, as ``(relative path, entry)``; dotfiles skipped."""
    for entry in folder.iterdir():
        relpath = f"{prefix}{entry.name}"
        if entry.is_dir():
            yield from walk_package(entry, relpath + "/")
        elif not entry.name.startswith("."):
            yield relpath, entry


def _catalog_name(folder: str) -> str:
    name = re.sub(r"[^a-z0-9_-]+", "-", folder.lower()).strip("-_")
    return name if name[:1].isalpha() else f"catalog-{name}".rstrip("-")
