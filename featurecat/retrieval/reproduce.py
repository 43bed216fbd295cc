"""``featurecat.reproduce``: a training load again, exactly as its manifest recorded it.

The catalog is read at the manifest's commit, every feature must have the version and
definition the manifest recorded, and each source is read at its recorded snapshot: a Delta
version or an Iceberg snapshot by time travel, plain files only when their content is
unchanged. Anything that cannot be as it was is an error saying what changed; a
reproduction never returns other data silently.
"""

from __future__ import annotations

import os
from typing import Any

from featurecat.catalog import Catalog
from featurecat.errors import DataError
from featurecat.retrieval import manifest as manifests
from featurecat.retrieval.api import CatalogLike, load_features, open_catalog


def reproduce(
    manifest: str | os.PathLike[str],
    entity_df: Any,
    catalog: CatalogLike = None,
    *,
    engine: str | Any = "duckdb",
    output: str | None = None,
) -> Any:
    """The rows of the load that wrote ``manifest``, from the same ``entity_df``.

    ``catalog`` is the catalog's folder (found as the CLI finds it when omitted); it is read
    at the commit the manifest recorded. Raises :class:`~featurecat.DataError` naming the
    manifest and what changed when a feature's definition, a source's snapshot (vacuumed,
    expired) or a plain file's content is no longer what the load used, or when
    ``entity_df`` is not the frame the load had (another number of rows or time window).
    """
    record = manifests.read(manifest)
    here = open_catalog(catalog)
    commit = (record.get("catalog") or {}).get("commit")
    try:
        cat = here if not commit or commit == here.commit else Catalog.load(here.root, ref=commit)
    except Exception as exc:  # a commit this clone does not have, a catalog not there then
        raise DataError(
            f"{manifest}: cannot read the catalog at commit {str(commit)[:12]}: {exc}"
        ) from None
    _same_definitions(manifest, record, cat)
    rows = record.get("entity_rows") or {}
    timestamp_column = rows.get("timestamp_column") or "event_timestamp"
    try:
        result = load_features(
            list(record["features"]),
            entity_df,
            cat,
            timestamp_column=timestamp_column,
            engine=engine,
            output=output,
            snapshots=record["sources"],
        )
    except DataError as exc:
        raise DataError(f"{manifest}: cannot reproduce the load: {exc}") from None
    _same_rows(manifest, rows, result)
    return result


def _same_definitions(manifest: object, record: dict[str, Any], cat: Catalog) -> None:
    for name, entry in record["features"].items():
        feature = cat.features.get(name)
        if feature is None:
            raise DataError(f"{manifest}: feature '{name}' is not in the catalog at that commit")
        recorded = entry.get("fields")
        if feature.version != entry.get("version") or (
            recorded is not None and recorded != manifests.definition(cat, feature)
        ):
            raise DataError(
                f"{manifest}: feature '{name}' is not defined as it was when the manifest was "
                "written (the load ran with uncommitted changes); commit them, or load again"
            )


def _same_rows(manifest: object, rows: dict[str, Any], result: Any) -> None:
    found = result.attrs.get("featurecat", {}) if hasattr(result, "attrs") else {}
    now = found.get("entity_rows") or {}
    recorded = (rows.get("count"), rows.get("start"), rows.get("end"))
    if now and (now.get("count"), now.get("start"), now.get("end")) != recorded:
        raise DataError(
            f"{manifest}: entity_df is not the frame of the recorded load ({now.get('count')} "
            f"rows from {now.get('start')} to {now.get('end')}; the load had {recorded[0]} from "
            f"{recorded[1]} to {recorded[2]}); pass the same training rows"
        )
