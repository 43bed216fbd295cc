"""``validate --check-data``: declarations against the data's schema, never its rows.

Each source is opened once, however many features read from it, through the data layer
(:mod:`featurecat.data`): parquet schemas come from the file footer, CSV schemas from the
header and the first block.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from featurecat.catalog import Catalog
from featurecat.data import SourceFilesError, locate
from featurecat.data.files import data_files as data_files
from featurecat.data.types import arrow_kind, compatible
from featurecat.dtypes import comparable
from featurecat.errors import DataError, Diagnostic, did_you_mean
from featurecat.names import Kind
from featurecat.schema import Feature
from featurecat.tree import shown as shown  # defined in tree; imported from here too

if TYPE_CHECKING:
    import pyarrow as pa


def check_data(catalog: Catalog) -> list[Diagnostic]:
    """Every mismatch between the catalog's sources and features and their data."""
    found: list[Diagnostic] = []
    schemas: dict[str, pa.Schema] = {}
    for name in sorted(catalog.sources):
        try:
            schemas[name] = locate(catalog, name).schema()
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
