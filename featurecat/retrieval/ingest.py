"""``register_feature`` and ``update_feature``: check everything, then write all or nothing.

Both check the data against the join keys and the declared dtype, and ``register_feature``
also validates the new definitions together with the rest of the catalog, before a single
byte is written. Writers in other processes may write at the same time: each write holds the
repository's write lock from reading the catalog to its last rename, so a second writer waits
and then builds on the first (an append keeps both, a second register of one name is refused).
Files are swapped in by renames, journaled, so that an error, an interrupt or a crash leaves
every file as it was or the whole change made (:mod:`featurecat.writes`).

With ``branch=``, the change is also committed on a new git branch, ready for a pull request,
and the working copy is left on that branch (as after ``git switch -c``); if that commit
fails, the files are put back as they were and the working copy stays where it was.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from featurecat.catalog import Catalog
from featurecat.data import SourceData, locate, shown
from featurecat.datacheck import check_schema
from featurecat.dtypes import DTYPES, Dtype
from featurecat.errors import CatalogError, DataError, UnknownNameError, UsageError
from featurecat.load import load_tree
from featurecat.measure.drift import check_update
from featurecat.names import NAME_RE, Kind
from featurecat.printable import plural
from featurecat.retrieval.request import require_text
from featurecat.retrieval.shaping import (
    carry_forward,
    fit_to_schema,
    infer_dtype,
    require_frame,
    source_table,
)
from featurecat.retrieval.tables import commit_to_table, create, where_fields
from featurecat.schema import Feature
from featurecat.schema.source import TABLE_FORMATS
from featurecat.tree import WorkTree, find_catalog
from featurecat.writes import Staged, transaction
from featurecat.yamlio import dump_yaml

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

Mode = Literal["append", "replace"]


def register_feature(
    name: str,
    data: pd.DataFrame,
    catalog: str | os.PathLike[str] | Catalog | None = None,
    *,
    owner: str,
    entity: str,
    description: str,
    dtype: Dtype | None = None,
    source: str | None = None,
    tags: Sequence[str] = (),
    status: str = "draft",
    ttl: str | None = None,
    timestamp_column: str = "event_timestamp",
    branch: str | None = None,
    format: str = "parquet",
    path: str | None = None,
    table: str | None = None,
    iceberg_catalog: str | None = None,
) -> Feature:
    """Declare a new feature with its data: a parquet source under ``data_root`` and YAML.

    ``data`` holds the entity's join keys, ``timestamp_column`` and a column named ``name``.
    ``dtype`` is inferred from that column when not given. The new source is called
    ``source`` (default: the feature's name). Nothing is written unless the data fits and the
    catalog with the new definitions validates; the three files appear together or not at
    all. When another process registers the same name first, this call waits for it, then
    fails saying the feature already exists. With ``branch``, the change is committed on a
    new git branch created from the current one, and the working copy is switched to it.

    ``format`` is ``parquet`` (default), ``csv``, ``delta`` (a new Delta table, at ``path``:
    a folder under data_root, or a URI under a declared location) or ``iceberg`` (a new
    table ``table``, default ``featurecat.<source>``, in ``iceberg_catalog``, default the
    only one declared). Returns the new feature.
    """
    _check_arguments(owner, entity, description, source, status, ttl, timestamp_column, branch)
    tags = _tag_list(tags)
    root = writable_root(catalog)
    source_name = source or name
    _check_name(name, "feature")
    _check_name(source_name, "source")
    with transaction(root) as change:
        cat = Catalog.load(root)  # under the lock: every earlier write is in it
        _check_new_names(cat, name, source_name, entity, owner)
        require_frame(data, "data")
        if name not in data.columns:
            raise DataError(f"data has no column '{name}' holding the feature's values")
        if dtype is not None and (not isinstance(dtype, str) or dtype not in DTYPES):
            raise UsageError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
        dtype = dtype or infer_dtype(data[name], name)
        keys = cat.entities[entity].join_keys
        values = source_table(data, keys, timestamp_column, [(name, name, dtype)])

        where = where_fields(cat, source_name, format, path, table, iceberg_catalog)
        data_path = cat.root / cat.project.data_root / str(where.get("path"))
        if "path" in where and "://" not in str(where["path"]) and data_path.exists():
            raise UsageError(f"{shown(data_path)} already exists; pass another source= name")
        definitions: dict[str, dict[str, Any]] = {
            f"sources/{source_name}.yaml": {
                "name": source_name,
                "description": f"Values of feature {name}, written by featurecat.register_feature.",
                "owner": owner,
                "entity": entity,
                **where,
                "timestamp": timestamp_column,
            },
            f"features/{entity}/{name}.yaml": {
                "name": name,
                "description": description,
                "owner": owner,
                "source": source_name,
                "dtype": dtype,
                "version": 1,
                "status": status,
                "tags": tags,
                **({"ttl": ttl} if ttl else {}),
            },
        }
        texts = {relpath: dump_yaml(body).encode() for relpath, body in definitions.items()}
        after = _validated_with(cat, texts)

        # Data, then source, then feature: a reader who comes in between finds a catalog that
        # validates (a source without features yet), never a feature without its source.
        create(after, source_name, data_path, values, change)
        for relpath, text in texts.items():
            change.write(cat.root / relpath, text)
        rows = plural(values.num_rows, "row")
        message = f"Register feature {name} ({dtype}, entity {entity}, {rows})"
        _apply(change, cat, branch, message)
    return after.features[name]


def _check_arguments(
    owner: object,
    entity: object,
    description: object,
    source: object,
    status: object,
    ttl: object,
    timestamp_column: object,
    branch: object,
) -> None:
    """register_feature's text arguments are text: nothing is silently turned into a string."""
    require_text(owner, "owner", "a team name (a string)")
    require_text(entity, "entity", "an entity name (a string)")
    require_text(description, "description", "a string that says what the feature means")
    require_text(source, "source", "a source name (a string)", optional=True)
    require_text(status, "status", "one of 'draft', 'production' or 'deprecated'")
    require_text(ttl, "ttl", "a duration string such as '30d' or '12h'", optional=True)
    require_text(timestamp_column, "timestamp_column", "a column name (a string)")
    require_text(branch, "branch", "a git branch name (a string)", optional=True)


def _check_new_names(cat: Catalog, name: str, source: str, entity: str, owner: str) -> None:
    """The new feature and source are free names; their entity and owner exist."""
    if name in cat.features:
        where = cat.origin(Kind.FEATURE, name).path
        raise UsageError(
            f"feature '{name}' already exists ({where}); use update_feature to write new data"
        )
    if source in cat.sources:
        raise UsageError(f"source '{source}' already exists; pass another source= name")
    unknown = [
        UnknownNameError(value, known, kind=kind)
        for value, known, kind in ((entity, cat.entities, "entity"), (owner, cat.teams, "team"))
        if value not in known
    ]
    if len(unknown) > 1:  # both at once, so that fixing one does not reveal the other
        raise UnknownNameError.together(
            unknown, "declare them in the catalog first, or pass names that it defines"
        )
    if unknown:
        raise unknown[0]


def _validated_with(cat: Catalog, texts: dict[str, bytes]) -> Catalog:
    """The catalog as it would be with ``texts`` written, or why it would not validate.

    Problems in the new files come from the arguments, so they are told as such: the files
    they name do not exist.
    """
    tree = WorkTree(cat.root)
    result = load_tree(_Overlay(tree, texts))
    new = {tree.display(relpath) for relpath in texts}
    if result.errors and all(d.path in new for d in result.errors):
        problems = "; ".join(d.message for d in result.errors)
        raise UsageError(f"{problems} (nothing was written)")
    if result.errors or result.catalog is None:
        raise CatalogError(result.errors, result.warnings)
    return result.catalog


def update_feature(
    name: str,
    new_data: pd.DataFrame,
    catalog: str | os.PathLike[str] | Catalog | None = None,
    *,
    mode: Mode = "append",
    branch: str | None = None,
    allow_drift: bool = False,
) -> Path | str:
    """Write new data for a feature's source; a new load then returns the new values.

    ``new_data`` holds the join keys, the source's timestamp column (or ``event_timestamp``)
    and a column named after the feature (or its source column).

    ``mode="append"`` adds the rows after the existing ones, so history stays and training at
    old timestamps is reproducible (rows with the same keys and timestamp as older ones win
    the tie: they are later in the file). When the source feeds other features too, each new
    row repeats their latest values at or before its timestamp, so only this feature changes.
    ``mode="replace"`` swaps the whole file, so ``new_data`` then needs a column for every
    feature of the source. Either way the file is written aside and renamed into place (an
    object in storage is uploaded whole). A Delta or Iceberg source gets one commit instead:
    an append adds only the new rows, a replace is an overwrite that time travel still
    reads; concurrent writers, in any process, all land. Returns the data file or table.
    The new values are compared with the data they replace or extend (drift: mean, spread,
    null share, categories, PSI): when a feature's ``drift`` expectation is exceeded nothing is
    written (``allow_drift=True`` writes anyway), and notable shifts are shown as a
    :class:`~featurecat.contracts.drift.DriftWarning`.
    """
    require_text(name, "name", "a feature name (a string)")
    if not isinstance(mode, str) or mode not in ("append", "replace"):
        raise UsageError(f"mode must be 'append' or 'replace', not {mode!r}")
    require_text(branch, "branch", "a git branch name (a string)", optional=True)
    root = writable_root(catalog)
    require_frame(new_data, "new_data")
    before = Catalog.load(root)
    if before.sources[before.feature(name).source].format in TABLE_FORMATS:
        return commit_to_table(before, name, new_data, mode, branch, allow_drift=allow_drift)
    with transaction(root) as change:
        # Read under the lock: an append builds on every earlier write, none is lost.
        cat = Catalog.load(root)
        feature = cat.feature(name)
        data = _single_file(cat, feature.source)
        table, rows = new_table(cat, data, name, new_data, mode)
        changed = [feature] if mode == "append" else cat.features_of(feature.source)
        fresh = table.slice(table.num_rows - rows) if mode == "append" else table
        check_update(cat, feature.source, changed, fresh, allow=allow_drift)
        data.write_table(table, change)
        message = f"Update data of feature {name} ({mode}, {plural(rows, 'row')})"
        _apply(change, cat, branch, message)
    return data.files[0] if data.files else data.where


def new_table(
    cat: Catalog,
    data: SourceData,
    name: str,
    new_data: pd.DataFrame,
    mode: Mode,
    whole: bool = True,
) -> tuple[pa.Table, int]:
    """The source's new data (only the new rows unless ``whole``), and how many rows
    ``new_data`` adds to it."""
    import pyarrow as pa

    source = data.source
    # Other features' latest values are carried onto new rows, so only a shared source's
    # append needs the rows there are.
    shared = len(cat.features_of(source.name)) > 1
    existing = data.read_table() if mode == "append" and (whole or shared) else None
    schema = existing.schema if existing is not None else data.schema()
    problems = list(check_schema(cat, source.name, schema, cat.features_of(source.name)))
    if problems:
        raise DataError(diagnostics=problems)

    values, missing = [], []
    for fed in cat.features_of(source.name):
        column = fed.name if fed.name in new_data.columns else fed.column_name
        if column in new_data.columns:
            values.append((column, fed.column_name, fed.dtype))
        else:
            missing.append(fed.name)
    if name in missing or (missing and existing is None):
        raise DataError(
            f"new_data has no column for {', '.join(missing)}: "
            + (
                "name it after the feature"
                if name in missing
                else f"mode='replace' swaps the whole file of source '{source.name}', which feeds "
                "these features too; pass a column for each, or use mode='append'"
            )
        )
    ts = source.timestamp if source.timestamp in new_data.columns else "event_timestamp"
    keys = cat.entity_of(source).join_keys
    fresh = source_table(new_data, keys, ts, values, ts_name=source.timestamp)
    if existing is not None:
        fresh = carry_forward(existing, fresh, keys, source.timestamp)
    fresh = fit_to_schema(fresh, schema)
    table = pa.concat_tables([existing, fresh]) if existing is not None and whole else fresh
    return table, fresh.num_rows


def writable_root(catalog: str | os.PathLike[str] | Catalog | None) -> Path:
    """The folder of the catalog to write into: the working tree, never a catalog read at a
    git ref. It is read again under the write lock, so a Catalog passed in is never stale."""
    if isinstance(catalog, Catalog):
        if catalog.ref is not None:
            raise UsageError(
                f"this catalog was read at git ref '{catalog.ref}'; write to the working tree "
                "(load it without ref=)"
            )
        return catalog.root
    if catalog is not None and not isinstance(catalog, str | os.PathLike):
        raise UsageError(
            f"catalog must be the path of a catalog folder or a featurecat.Catalog, "
            f"not {type(catalog).__name__}"
        )
    return find_catalog(catalog)


def _single_file(cat: Catalog, name: str) -> SourceData:
    data = locate(cat, name)
    source = data.source
    if data.parts != 1 or any(ch in str(source.path) for ch in "*?["):
        raise UsageError(
            f"source '{source.name}' reads a glob ({source.path}); update_feature writes "
            "single-file sources only, so add a new file that matches the glob instead"
        )
    return data


def _apply(change: Staged, cat: Catalog, branch: str | None, message: str) -> None:
    """Swap the files in, and commit them on a new ``branch`` when asked; on any failure the
    transaction undoes both."""
    from featurecat import gitio

    start = None if branch is None else gitio.check_new_branch(cat.root, branch, change.targets)
    change.apply(start)
    if branch is not None:
        gitio.commit_on_new_branch(cat.root, branch, change.targets, message)
    change.finish()


def _tag_list(tags: object) -> list[str]:
    # A string is iterable too: list("pii") would declare the tags p, i and i.
    if tags is None:
        return []
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise UsageError(f"tags must be a list of strings, such as tags=['pii'], not {tags!r}")
    return list(tags)


def _check_name(name: str, what: str) -> None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise UsageError(
            f"'{name}' is not a valid {what} name: use lowercase letters, digits and '_', "
            "starting with a letter (like user_age)"
        )


class _Overlay:
    """The working tree with some files added or replaced, to validate before writing."""

    def __init__(self, base: WorkTree, files: dict[str, bytes]) -> None:
        self.base = base
        self.extra = files
        self.root = base.root
        self.catalog_dir = base.catalog_dir
        self.ref = base.ref
        self.commit = base.commit

    def files(self) -> list[str]:
        return sorted({*self.base.files(), *self.extra})

    def read(self, relpath: str) -> bytes:
        return self.extra[relpath] if relpath in self.extra else self.base.read(relpath)

    def read_many(self, relpaths: Collection[str]) -> dict[str, bytes]:
        return {relpath: self.read(relpath) for relpath in relpaths}

    def blob_id(self, relpath: str) -> str | None:
        return None if relpath in self.extra else self.base.blob_id(relpath)

    def display(self, relpath: str) -> str:
        return self.base.display(relpath)

    def escapes_repo(self, relpath: str) -> bool:
        return self.base.escapes_repo(relpath)
