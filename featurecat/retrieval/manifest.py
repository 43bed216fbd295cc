"""Training manifests: what a load used, and what has changed since.

:func:`record` describes one load: the catalog's git commit (and whether its folder had
uncommitted changes), each feature's version and value-defining fields, each source's data
fingerprint, the entity rows' time window, the engine and when it ran. It is attached to the
result (``df.attrs["featurecat"]``) and written with ``load_features(..., manifest=PATH)``.

:func:`featurecat.retrieval.stale.stale_features` sets a manifest against today's catalog
and data, for ``featurecat models status``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic import ValidationError as ShapeError
from pydantic_core import ErrorDetails

from featurecat.catalog import Catalog
from featurecat.errors import DataError, UsageError
from featurecat.retrieval.request import Plan
from featurecat.schema import Feature
from featurecat.schema.base import Name
from featurecat.schema.source import TABLE_FORMATS

FORMAT = 1
#: Where ``featurecat models status`` looks for manifests by default, inside the catalog.
MANIFEST_DIR = "manifests"


def provenance(catalog: Catalog, plan: Plan) -> dict[str, Any]:
    """The slow part of a manifest, run while the join runs: git state and data fingerprints."""
    from featurecat.gitio import head_state
    from featurecat.tree import catalog_dir, repo_top

    commit: str | None
    dirty: bool | None
    if catalog.ref is not None:
        commit, dirty = catalog.commit, False
    else:
        commit, dirty = head_state(catalog.root)
    top = repo_top(catalog.root)
    return {
        "catalog": {
            "name": catalog.project.name,
            "path": catalog_dir(catalog.root, top) or ".",
            "ref": catalog.ref,
            "commit": commit,
            "dirty": dirty,
        },
        "sources": {
            read.name: {"path": read.source.path or read.data.where, **read.data.snapshot(top)}
            for read in plan.sources
        },
    }


def record(
    catalog: Catalog,
    plan: Plan,
    found: Mapping[str, Any],
    *,
    engine: str,
    rows: int | None,
    window: tuple[datetime | None, datetime | None],
    model: str | None = None,
) -> dict[str, Any]:
    """The manifest of one load, as JSON-ready data; ``found`` is its :func:`provenance`."""
    start, end = window
    return {
        "featurecat_manifest": FORMAT,
        "created_at": _iso(datetime.now(timezone.utc)),
        "engine": engine,
        "model": model,
        "catalog": found["catalog"],
        "entity_rows": {
            "count": rows,
            "timestamp_column": plan.timestamp_column,
            "start": _iso(start),
            "end": _iso(end),
        },
        "features": {
            f.name: _feature_entry(catalog, catalog.feature(f.name)) for f in plan.features
        },
        "sources": found["sources"],
    }


def definition(catalog: Catalog, feature: Feature) -> dict[str, Any]:
    """The fields that decide a feature's values; a change to any of them means retraining."""
    source = catalog.source_of(feature)
    return {
        "source": feature.source,
        "column": feature.column_name,
        "dtype": feature.dtype,
        "ttl": feature.ttl,
        "entity": source.entity,
        "join_keys": list(catalog.entity_of(source).join_keys),
        "path": source.path,
        "timestamp": source.timestamp,
        # Only where they say more than the path (older manifests have neither).
        **({"format": source.format} if source.format in TABLE_FORMATS else {}),
        **({"table": source.table} if source.table else {}),
    }


def _feature_entry(catalog: Catalog, feature: Feature) -> dict[str, Any]:
    fields = definition(catalog, feature)
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
    return {
        "version": feature.version,
        "source": feature.source,
        "definition": f"sha256:{digest}",
        "fields": fields,
    }


def target(path: str | os.PathLike[str]) -> Path:
    """Where a manifest goes, refused before a load starts when it cannot be written there.

    Missing parent folders are fine: :func:`write` creates them.
    """
    if not isinstance(path, str | os.PathLike):
        raise UsageError(
            f"manifest must be a file path such as 'runs/churn.json', not {type(path).__name__}"
        )
    file = Path(path)
    if file.is_dir():
        raise UsageError(
            f"manifest {path} is a folder; pass a file path such as "
            f"{(file / 'manifest.json').as_posix()}"
        )
    folder = file.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(
            f"manifest {path} cannot be written: {folder} is a file, not a folder; pass "
            "another path"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(
            f"manifest {path} cannot be written: you have no permission to write in "
            f"{folder}; pass a path in a folder you can write to"
        )
    return file


def write(manifest: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write a manifest as JSON, atomically: a reader never sees half a file."""
    from featurecat.writes import replace_atomically

    file = target(path)
    text = json.dumps(manifest, indent=2, sort_keys=False) + "\n"
    try:
        replace_atomically(file, text.encode())
    except OSError as exc:
        raise UsageError(f"cannot write manifest {path}: {exc.strerror or exc}") from None
    return file


class _Shape(BaseModel):
    # Keys the status check does not read are kept as written, for newer writers' sake.
    model_config = ConfigDict(extra="allow")


class _CatalogEntry(_Shape):
    commit: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{4,64}$")] | None = None
    dirty: StrictBool | None = None


class _FeatureEntry(_Shape):
    version: Annotated[StrictInt, Field(ge=1)]
    source: Name
    fields: dict[StrictStr, Any]


class _SourceEntry(_Shape):
    fingerprint: StrictStr


class ManifestShape(_Shape):
    """What ``featurecat models status`` reads of a manifest, typed: a manifest is checked
    against it as a whole, so a wrong shape is one clear error and never a crash later."""

    featurecat_manifest: Literal[1]
    created_at: datetime | None = None
    model: Name | None = None
    catalog: _CatalogEntry | None = None
    features: dict[Name, _FeatureEntry]
    sources: dict[Name, _SourceEntry]


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A manifest written by :func:`write`; a clear one-line error for anything else."""
    file = Path(path)
    try:
        mode = file.stat().st_mode
    except FileNotFoundError:
        raise UsageError(f"{path}: no such manifest") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the manifest ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):  # a folder, or a FIFO that would block the read
        raise DataError(f"{path}: not a featurecat manifest (not a regular file)")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise DataError(f"{path}: not a featurecat manifest ({reason})") from None
    if not isinstance(data, dict) or data.get("featurecat_manifest") != FORMAT:
        raise DataError(
            f"{path}: not a featurecat manifest (no 'featurecat_manifest: {FORMAT}'); write "
            "one with load_features(..., manifest='path.json')"
        )
    if not isinstance(data.get("features"), dict) or not isinstance(data.get("sources"), dict):
        raise DataError(f"{path}: the manifest has no 'features' or 'sources' mapping")
    try:
        ManifestShape.model_validate(data)
    except ShapeError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DataError(
            one_line(
                f"{path}: the manifest is damaged: {_problem(errors[0])}{more}; write it "
                "again with load_features(..., manifest='path.json')"
            )
        ) from None
    return data


def _problem(error: ErrorDetails) -> str:
    """One pydantic error as ``features.user_age must be an object, not 5``."""
    where = ".".join(str(part) for part in error["loc"] if part != "[key]")
    got = _json(error.get("input"))
    expected = {
        "dict_type": "an object",
        "model_type": "an object",
        "model_attributes_type": "an object",
        "string_type": "text",
        "int_type": "a whole number",
        "bool_type": "true or false",
        "datetime_type": "a date and time",
    }.get(error["type"])
    if error["type"] == "missing":
        return f"{where} is missing"
    if expected is not None:
        return f"{where} must be {expected}, not {got}"
    if any(part == "[key]" for part in error["loc"]):
        return f"key {got} in {where.rsplit('.', 1)[0]}: {error['msg']}"
    return f"{where} = {got}: {error['msg']}"


def _json(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def one_line(text: str) -> str:
    """``text`` with control characters and line breaks escaped, so it prints as one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
