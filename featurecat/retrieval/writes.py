"""``register_feature`` and ``update_feature``: check everything, then write all or nothing.

Both check the data against the join keys and the declared dtype, and ``register_feature``
also validates the new definitions together with the rest of the catalog, before a single
byte is written. Files are then swapped in atomically (:mod:`~featurecat.writes`).
With ``branch=``, the change is also committed on a new git branch, ready for a pull request;
if that commit fails, the files are put back as they were.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from featurecat.catalog import Catalog
from featurecat.datacheck import check_schema, read_schema
from featurecat.errors import CatalogError, DataError, UnknownNameError, UsageError
from featurecat.load import read_tree
from featurecat.names import DTYPES, NAME_RE, Dtype, Kind
from featurecat.retrieval.api import open_catalog
from featurecat.retrieval.dtypes import ValueKind, arrow_type, pandas_kind
from featurecat.retrieval.frames import utc_timestamps
from featurecat.retrieval.request import require_text
from featurecat.retrieval.sources import shown, source_files
from featurecat.schema import Feature, Source
from featurecat.tree import WorkTree
from featurecat.writes import Staged
from featurecat.yamlio import dump_yaml

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

Mode = Literal["append", "replace"]

_FITS: dict[Dtype, set[ValueKind]] = {
    "int32": {"integer", "float"},  # pandas turns ints with missing values into floats
    "int64": {"integer", "float"},
    "float32": {"integer", "float"},
    "float64": {"integer", "float"},
    "bool": {"bool"},
    "string": {"string"},
    "timestamp": {"timestamp"},
}


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
) -> Feature:
    """Declare a new feature with its data: a parquet source under ``data_root`` and YAML.

    ``data`` holds the entity's join keys, ``timestamp_column`` and a column named ``name``.
    ``dtype`` is inferred from that column when not given. The new source is called
    ``source`` (default: the feature's name). Nothing is written unless the data fits and the
    catalog with the new definitions validates. With ``branch``, the change is committed on a
    new git branch. Returns the new feature.
    """
    _check_arguments(owner, entity, description, source, status, ttl, timestamp_column, branch)
    tags = _tag_list(tags)
    cat = writable(catalog)
    source_name = source or name
    _check_new_names(cat, name, source_name, entity, owner)
    _require_frame(data, "data")
    if name not in data.columns:
        raise DataError(f"data has no column '{name}' holding the feature's values")
    if dtype is not None and dtype not in DTYPES:
        raise UsageError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    dtype = dtype or infer_dtype(data[name], name)
    keys = cat.entities[entity].join_keys
    table = source_table(data, keys, timestamp_column, [(name, name, dtype)])

    data_path = cat.root / cat.project.data_root / f"{source_name}.parquet"
    if data_path.exists():
        raise UsageError(f"{shown(data_path)} already exists; pass another source= name")
    definitions: dict[str, dict[str, Any]] = {
        f"sources/{source_name}.yaml": {
            "name": source_name,
            "description": f"Values of feature {name}, written by featurecat.register_feature.",
            "owner": owner,
            "entity": entity,
            "path": data_path.name,
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

    import pyarrow.parquet as pq

    staged = Staged()
    staged.produce(data_path, lambda temp: pq.write_table(table, temp))
    for relpath, text in texts.items():
        staged.write(cat.root / relpath, text)
    _apply(
        staged,
        cat,
        branch,
        f"Register feature {name} ({dtype}, entity {entity}, {table.num_rows} rows)",
    )
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
    _check_name(name, "feature")
    _check_name(source, "source")
    if name in cat.features:
        where = cat.origin(Kind.FEATURE, name).path
        raise UsageError(
            f"feature '{name}' already exists ({where}); use update_feature to write new data"
        )
    if source in cat.sources:
        raise UsageError(f"source '{source}' already exists; pass another source= name")
    if entity not in cat.entities:
        raise UnknownNameError(entity, cat.entities, kind="entity")
    if owner not in cat.teams:
        raise UnknownNameError(owner, cat.teams, kind="team")


def _validated_with(cat: Catalog, texts: dict[str, bytes]) -> Catalog:
    """The catalog as it would be with ``texts`` written, or why it would not validate.

    Problems in the new files come from the arguments, so they are told as such: the files
    they name do not exist.
    """
    tree = WorkTree(cat.root)
    result = read_tree(_Overlay(tree, texts))
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
) -> Path:
    """Write new data for a feature's source; a new load then returns the new values.

    ``new_data`` holds the join keys, the source's timestamp column (or ``event_timestamp``)
    and a column named after the feature (or its source column).

    ``mode="append"`` adds the rows after the existing ones, so history stays and training at
    old timestamps is reproducible (rows with the same keys and timestamp as older ones win
    the tie: they are later in the file). When the source feeds other features too, each new
    row repeats their latest values at or before its timestamp, so only this feature changes.
    ``mode="replace"`` swaps the whole file, so ``new_data`` then needs a column for every
    feature of the source. Either way the file is written aside and renamed into place.
    Returns the data file.
    """
    import pyarrow as pa

    require_text(name, "name", "a feature name (a string)")
    if mode not in ("append", "replace"):
        raise UsageError(f"mode must be 'append' or 'replace', not {mode!r}")
    require_text(branch, "branch", "a git branch name (a string)", optional=True)
    cat = writable(catalog)
    feature = cat.feature(name)
    source = cat.source_of(feature)
    target = _single_file(cat, source)
    _require_frame(new_data, "new_data")
    existing = _read_table(source, target) if mode == "append" else None
    schema = existing.schema if existing is not None else read_schema(source, target)
    problems = list(check_schema(cat, source.name, schema, cat.features_of(source.name)))
    if problems:
        raise DataError("\n".join(str(p) for p in problems))

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
    fresh = _fit(fresh, schema)
    table = pa.concat_tables([existing, fresh]) if existing is not None else fresh

    staged = Staged()
    staged.produce(target, lambda temp: _write_table(source, table, temp))
    _apply(staged, cat, branch, f"Update data of feature {name} ({mode}, {fresh.num_rows} rows)")
    return target


def carry_forward(existing: pa.Table, fresh: pa.Table, keys: list[str], ts: str) -> pa.Table:
    """``fresh`` plus every column it lacks, filled with the latest value at or before each
    row's timestamp for the same keys (the last row in file order among ties), else null."""
    from featurecat.retrieval.duckdb_engine import connect, to_arrow
    from featurecat.retrieval.duckdb_engine import quote as q

    carried = [c for c in existing.column_names if c not in fresh.column_names]
    if not carried:
        return fresh
    on = " AND ".join(f"n.{q(k)} = o.{q(k)}" for k in keys)
    # Identifiers are quoted; no value enters the SQL text.
    sql = f"""
        WITH last AS (
            SELECT * EXCLUDE (__pos) FROM (SELECT *, row_number() OVER () AS __pos FROM old)
            QUALIFY row_number() OVER (PARTITION BY {", ".join(map(q, keys))}, {q(ts)}
                                       ORDER BY __pos DESC) = 1)
        SELECT {", ".join(f"o.{q(c)}" for c in carried)}
        FROM (SELECT *, row_number() OVER () AS __row FROM new) n
        ASOF LEFT JOIN last o ON {on} AND n.{q(ts)} >= o.{q(ts)}
        ORDER BY n.__row"""  # noqa: S608
    with connect() as con:
        con.register("old", existing)
        con.register("new", fresh.select([*keys, ts]))
        filled = to_arrow(con.sql(sql))
    for column in carried:
        fresh = fresh.append_column(column, filled.column(column))
    return fresh


def writable(catalog: str | os.PathLike[str] | Catalog | None) -> Catalog:
    """The catalog to write into: the working tree, never a catalog read at a git ref."""
    cat = open_catalog(catalog)
    if cat.ref is not None:
        raise UsageError(
            f"this catalog was read at git ref '{cat.ref}'; write to the working tree "
            "(load it without ref=)"
        )
    return cat


def infer_dtype(column: pd.Series, name: str) -> Dtype:
    """The dtype to declare for a pandas column of values."""
    kind = pandas_kind(column)
    if kind == "integer":
        small = str(column.dtype).lower() in ("int8", "int16", "int32", "uint8", "uint16")
        return "int32" if small else "int64"
    if kind == "float":
        return "float32" if column.dtype == "float32" else "float64"
    if kind == "bool" or kind == "string" or kind == "timestamp":
        return kind
    raise DataError(
        f"cannot tell the dtype of column '{name}' ({column.dtype}); pass dtype= "
        "(one of int32, int64, float32, float64, bool, string, timestamp)"
    )


def source_table(
    data: pd.DataFrame,
    keys: Iterable[str],
    timestamp_column: str,
    values: Iterable[tuple[str, str, Dtype]],
    ts_name: str | None = None,
) -> pa.Table:
    """Rows to write: join keys, UTC timestamps, and each ``(data column, column, dtype)``."""
    import pyarrow as pa

    values = list(values)
    needed = [*keys, timestamp_column, *(v[0] for v in values)]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise DataError(
            f"the data has no column {', '.join(repr(c) for c in missing)}; it needs the join "
            f"keys, '{timestamp_column}' and the feature values. Its columns are: "
            f"{', '.join(map(str, data.columns))}"
        )
    columns: dict[str, pa.Array] = {}
    for key in keys:
        if data[key].isna().any():
            raise DataError(f"join key '{key}' has missing values; every row needs its keys")
        columns[key] = pa.array(data[key], from_pandas=True)
    stamps = data[timestamp_column]
    if pandas_kind(stamps) != "timestamp":
        raise DataError(
            f"column '{timestamp_column}' holds {stamps.dtype} values, not timestamps; convert "
            f"it with pd.to_datetime(..., utc=True)"
        )
    if stamps.isna().any():
        raise DataError(f"column '{timestamp_column}' has missing timestamps; every row needs one")
    columns[ts_name or timestamp_column] = utc_timestamps(stamps)
    for data_column, column, dtype in values:
        columns[column] = _typed(data[data_column], data_column, dtype)
    return pa.table(columns)


def _typed(values: pd.Series, name: str, dtype: Dtype) -> pa.Array:
    import pyarrow as pa

    kind = pandas_kind(values)
    if values.notna().any() and kind not in _FITS[dtype]:
        raise DataError(f"column '{name}' holds {kind} values, which do not fit dtype {dtype}")
    if dtype == "timestamp":
        return utc_timestamps(values)
    try:
        return pa.array(values, from_pandas=True).cast(arrow_type(dtype))
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise DataError(f"column '{name}' does not fit dtype {dtype}: {exc}") from None


def _fit(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """New rows in the existing file's column order and types; unused columns stay null."""
    import pyarrow as pa

    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        try:
            columns.append(table.column(field.name).cast(field.type))
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise DataError(
                f"column '{field.name}' does not fit the data file's type {field.type}: {exc}"
            ) from None
    return pa.Table.from_arrays(columns, schema=schema)


def _single_file(cat: Catalog, source: Source) -> Path:
    files = source_files(cat, source.name)
    if len(files) != 1 or any(ch in source.path for ch in "*?["):
        raise UsageError(
            f"source '{source.name}' reads a glob ({source.path}); update_feature writes "
            "single-file sources only, so add a new file that matches the glob instead"
        )
    return files[0]


def _read_table(source: Source, path: Path) -> pa.Table:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path) if source.format == "parquet" else pacsv.read_csv(path)
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"cannot read {shown(path)}: {exc}") from None


def _write_table(source: Source, table: pa.Table, path: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if source.format == "parquet":
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path)


def _apply(staged: Staged, cat: Catalog, branch: str | None, message: str) -> None:
    from featurecat import gitio

    targets = staged.targets
    if branch is not None:
        try:
            gitio.check_new_branch(cat.root, branch, targets)
        except BaseException:
            staged.discard()
            raise
    staged.apply()
    if branch is not None:
        try:
            gitio.commit_on_new_branch(cat.root, branch, targets, message)
        except BaseException:
            staged.undo()
            raise
    staged.finish()


def _require_frame(data: Any, what: str) -> None:
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise UsageError(f"{what} must be a pandas DataFrame, not {type(data).__name__}")


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
