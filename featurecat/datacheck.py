"""A source's data files, and ``validate --check-data``: declarations against the data's
schema, never its rows.

:func:`source_files` is the one way to a source's files: the loader, ``--check-data`` and the
portal's profiles all call it, so none reads a file that leads outside the repository.
Parquet schemas come from the file footer; CSV schemas from the header and the first block.
Each source is opened once, however many features read from it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from featurecat.catalog import Catalog
from featurecat.errors import DataError, Diagnostic, did_you_mean
from featurecat.names import Kind
from featurecat.schema import Dtype, Feature, Source
from featurecat.tree import repo_top
from featurecat.tree import shown as shown  # defined in tree; imported from here too

if TYPE_CHECKING:
    import pyarrow as pa

_CSV_SAMPLE_BYTES = 1 << 20


class SourceFilesError(DataError):
    """A source whose data files cannot be read: none match its path, or one leads outside
    the repository. ``diagnostic`` pins it to the source's ``path`` key; ``note`` says it in
    a few words for a page, without the file name users would need on a command line."""

    def __init__(self, diagnostic: Diagnostic, note: str) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic
        self.note = note


def source_files(catalog: Catalog, name: str) -> list[Path]:
    """The data files of source ``name``, in sorted order, every one inside the repository.

    Each file its path or glob names is resolved, symbolic links included, and must stay
    inside the repository (or the catalog folder, outside git); the catalog's checks can only
    see the path as written. Raises :class:`SourceFilesError` when there is no file or one
    leads outside, before any file is opened.
    """
    source = catalog.sources[name]
    origin = catalog.origin(Kind.SOURCE, name)
    path = catalog.data_path(source)
    files = data_files(path)
    if not files:
        message = no_data(name, source, shown(path), path)
        raise SourceFilesError(
            origin.diagnostic(("path",), "data-missing", message), f"no data at {source.path}"
        )
    boundary = repo_top(catalog.root)
    for file in files:
        if not file.resolve().is_relative_to(boundary):
            within = Path(os.path.relpath(file, catalog.root / catalog.project.data_root))
            message = (
                f"data file {shown(file)} of source '{name}' leads outside the repository "
                "through a symbolic link; keep data inside the repository"
            )
            raise SourceFilesError(
                origin.diagnostic(("path",), "path-escapes-repo", message),
                f"data file {within.as_posix()} leads outside the repository through a "
                "symbolic link, so it is not read",
            )
    return files


def data_files(path: Path) -> list[Path]:
    """The files a source path names as written: the file itself, or the sorted matches of a
    glob. Read them through :func:`source_files`, which keeps them inside the repository."""
    if any(ch in path.name for ch in "*?["):
        return sorted(p for p in path.parent.glob(path.name) if p.is_file())
    return [path] if path.is_file() else []


def no_data(name: str, source: Source, shown: str, path: Path) -> str:
    """Why source ``name`` has no data file at ``path`` (``shown`` to the user), and the fix."""
    if path.is_dir():  # as Spark and other engines write a table: a folder of part files
        return (
            f"{shown} is a folder, not a data file, for source '{name}'; to read the "
            f"{source.format} files in it, set path to a glob such as "
            f"{source.path.rstrip('/')}/*.{source.format}"
        )
    return f"no data file at {shown} for source '{name}'; write the data there or fix path"


def read_schema(source: Source, file: Path) -> pa.Schema:
    """The arrow schema of one of a source's data files (the first, for a glob)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not file.is_file():
        raise DataError(no_data(source.name, source, shown(file), file))
    try:
        if source.format == "parquet":
            return pq.read_schema(file)
        options = pacsv.ReadOptions(block_size=_CSV_SAMPLE_BYTES)
        with pacsv.open_csv(file, read_options=options) as reader:
            return reader.schema
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"cannot read {shown(file)}: {exc}") from exc


def compatible(dtype: Dtype, arrow_type: pa.DataType) -> bool:
    """Whether values of ``arrow_type`` can be read as the declared ``dtype`` without loss."""
    import pyarrow as pa

    t = arrow_type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if dtype == "int32":
        return (
            pa.types.is_integer(t)
            and t.bit_width <= 32
            and not (pa.types.is_unsigned_integer(t) and t.bit_width == 32)
        )
    if dtype == "int64":
        return pa.types.is_integer(t) and not pa.types.is_uint64(t)
    if dtype in ("float32", "float64"):
        return bool(pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_decimal(t))
    if dtype == "bool":
        return bool(pa.types.is_boolean(t))
    if dtype == "string":
        return bool(
            pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)
        )
    return bool(pa.types.is_timestamp(t) or pa.types.is_date(t))  # timestamp


#: The kinds of values join keys are matched by ("null": a column with no values at all).
ValueKind = Literal["integer", "float", "bool", "string", "timestamp", "date", "null", "other"]


def arrow_kind(t: pa.DataType) -> ValueKind:
    """The kind of values an arrow type holds, as join keys are matched by it."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    checks: list[tuple[Any, ValueKind]] = [
        (pa.types.is_integer, "integer"),
        (pa.types.is_floating, "float"),
        (pa.types.is_decimal, "float"),
        (pa.types.is_boolean, "bool"),
        (pa.types.is_string, "string"),
        (pa.types.is_large_string, "string"),
        (pa.types.is_string_view, "string"),
        (pa.types.is_timestamp, "timestamp"),
        (pa.types.is_date, "date"),
    ]
    return next((kind for check, kind in checks if check(t)), "other")


def comparable(a: ValueKind, b: ValueKind) -> bool:
    """Whether join keys of these kinds can be matched: numbers with numbers, else same kind."""
    numbers = {"integer", "float"}
    return (a in numbers and b in numbers) or (a == b and a != "other")


def check_data(catalog: Catalog) -> list[Diagnostic]:
    """Every mismatch between the catalog's sources and features and their data."""
    found: list[Diagnostic] = []
    schemas: dict[str, pa.Schema] = {}
    for name, source in sorted(catalog.sources.items()):
        try:
            schemas[name] = read_schema(source, source_files(catalog, name)[0])
        except SourceFilesError as exc:
            found.append(exc.diagnostic)
            continue
        except DataError as exc:
            found.append(
                catalog.origin(Kind.SOURCE, name).diagnostic(("path",), "data-missing", str(exc))
            )
            continue
        found.extend(check_schema(catalog, name, schemas[name], catalog.features_of(name)))
    found.extend(_check_join_key_kinds(catalog, schemas))
    return found


def _check_join_key_kinds(catalog: Catalog, schemas: dict[str, pa.Schema]) -> Iterator[Diagnostic]:
    """Sources of one entity must agree on each join key's kind of values, or their features
    cannot be loaded together: the odd ones out are reported against the most common kind."""
    for entity in catalog.entities.values():
        sources = sorted(n for n in schemas if catalog.sources[n].entity == entity.name)
        for key in entity.join_keys:
            kinds = {
                n: arrow_kind(schemas[n].field(key).type)
                for n in sources
                if key in schemas[n].names
            }
            groups: list[list[str]] = []
            for name, kind in kinds.items():
                group = next((g for g in groups if comparable(kinds[g[0]], kind)), None)
                if group is None:
                    groups.append([name])
                else:
                    group.append(name)
            if len(groups) < 2:
                continue
            majority = max(groups, key=len)  # the first of the largest on a tie
            usual = kinds[majority[0]]
            for name in (n for g in groups if g is not majority for n in g):
                yield catalog.origin(Kind.SOURCE, name).diagnostic(
                    ("entity",),
                    "data-join-key",
                    f"join key '{key}' holds {kinds[name]} values here but {usual} values in "
                    f"{_names('source', majority)} of entity '{entity.name}', so their features "
                    f"cannot be loaded together; store '{key}' as {usual}",
                )


def _names(noun: str, names: list[str]) -> str:
    quoted = ", ".join(f"'{n}'" for n in names)
    return f"{noun} {quoted}" if len(names) == 1 else f"{noun}s {quoted}"


def check_schema(
    catalog: Catalog, name: str, schema: pa.Schema, features: Iterable[Feature]
) -> Iterator[Diagnostic]:
    """Mismatches between source ``name``'s data ``schema`` and its declaration and ``features``."""
    source = catalog.sources[name]
    origin = catalog.origin(Kind.SOURCE, name)
    columns = {field.name: field.type for field in schema}
    listed = ", ".join(columns)
    if source.timestamp not in columns:
        yield origin.diagnostic(
            ("timestamp",),
            "data-column",
            f"timestamp column '{source.timestamp}' is not in the data"
            f"{did_you_mean(source.timestamp, columns)}; the columns are: {listed}",
        )
    elif not compatible("timestamp", columns[source.timestamp]):
        yield origin.diagnostic(
            ("timestamp",),
            "data-dtype",
            f"timestamp column '{source.timestamp}' holds {columns[source.timestamp]}, "
            "not timestamps; store it as a timestamp or date",
        )
    entity = catalog.entities.get(source.entity)
    for key in entity.join_keys if entity else []:
        if key not in columns:
            yield origin.diagnostic(
                ("entity",),
                "data-column",
                f"join key '{key}' of entity '{source.entity}' is not in the data"
                f"{did_you_mean(key, columns)}; the columns are: {listed}",
            )
    for feature in features:
        f_origin = catalog.origin(Kind.FEATURE, feature.name)
        column = feature.column_name
        if column not in columns:
            yield f_origin.diagnostic(
                ("column",) if feature.column else ("name",),
                "data-column",
                f"column '{column}' is not in source '{name}'{did_you_mean(column, columns)}; "
                f"the columns are: {listed}",
            )
        elif not compatible(feature.dtype, columns[column]):
            yield f_origin.diagnostic(
                ("dtype",),
                "data-dtype",
                f"dtype {feature.dtype} does not match the data: column '{column}' of source "
                f"'{name}' holds {columns[column]}",
            )
