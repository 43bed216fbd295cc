"""Apache Iceberg sources, through pyiceberg: a table in an Iceberg catalog that
``featurecat.yaml`` declares (SQL, REST, Glue), its warehouse under a declared location.

The schema and the snapshot id come from the table's metadata only. A load reads one
snapshot throughout, and a manifest's snapshot is read again by time travel. Scans read the
needed columns of the snapshot's files, oldest commit first (pyiceberg plans them newest
first), so among rows tied on keys and time the latest commit wins, as in files. Writes are
Iceberg commits, retried on a concurrent commit; a replace is an overwrite that older
snapshots still read back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.data.duck import Scan
from featurecat.data.files import SourceFilesError
from featurecat.data.objects import explain
from featurecat.data.storage import place, require
from featurecat.errors import DataError
from featurecat.names import Kind
from featurecat.schema.storage import scheme_of

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from featurecat.catalog import Catalog
    from featurecat.data.source import SourceData
    from featurecat.writes import Staged

#: Table properties of tables featurecat creates: concurrent appends retry, not fail.
TABLE_PROPERTIES = {
    "commit.retry.num-retries": "20",
    "commit.retry.min-wait-ms": "50",
    "commit.retry.max-wait-ms": "2000",
}
_views = iter(range(1 << 62))


class IcebergReader:
    """An Iceberg table: ``format: iceberg``, ``table: namespace.table`` and the
    ``iceberg_catalog`` it is in."""

    format = "iceberg"

    def locate(
        self, catalog: Catalog, name: str, at: Mapping[str, Any] | None = None
    ) -> SourceData:
        from featurecat.data.source import SourceData

        source = catalog.sources[name]
        origin = catalog.origin(Kind.SOURCE, name)
        ident = str(source.table)

        def fail(code: str, message: str, key: str = "table") -> SourceFilesError:
            return SourceFilesError(origin.diagnostic((key,), code, message), message)

        try:
            table = open_catalog(catalog, str(source.iceberg_catalog)).load_table(ident)
        except DataError as exc:
            raise fail("data-unreadable", str(exc), "iceberg_catalog") from None
        except Exception as exc:
            if type(exc).__name__ in ("NoSuchTableError", "NoSuchNamespaceError"):
                raise fail(
                    "data-missing",
                    f"no table {ident} in Iceberg catalog '{source.iceberg_catalog}' for "
                    f"source '{name}'; create it or fix table",
                ) from None
            raise fail("data-unreadable", f"source '{name}': {explain(exc, ident)}") from None
        snapshot = table.current_snapshot()
        if at is not None:
            snapshot = table.snapshot_by_id(int(at.get("snapshot_id") or 0))
            if snapshot is None:
                raise fail(
                    "data-changed",
                    f"snapshot {at.get('snapshot_id')} of Iceberg table {ident} (source "
                    f"'{name}') was expired, so the load cannot be reproduced",
                )
        version = None if snapshot is None else snapshot.snapshot_id
        return SourceData(name, source, table=table, version=version, uri=ident)

    def schema(self, data: SourceData) -> pa.Schema:
        table = data.table
        snapshot = table.snapshot_by_id(data.version) if data.version is not None else None
        schemas = table.schemas()
        schema = schemas.get(snapshot.schema_id) if snapshot is not None else None
        found: pa.Schema = (schema or table.schema()).as_arrow()
        return found

    def snapshot(self, data: SourceData, root: Path) -> dict[str, Any]:
        snap = data.table.snapshot_by_id(data.version) if data.version is not None else None
        committed = None
        if snap is not None:
            moment = datetime.fromtimestamp(snap.timestamp_ms / 1000, timezone.utc)
            committed = moment.isoformat().replace("+00:00", "Z")
        return {
            "format": "iceberg",
            "table": data.uri,
            "snapshot_id": data.version,
            "committed_at": committed,
            "fingerprint": f"iceberg:{data.version}",
        }

    @contextmanager
    def scan(
        self,
        con: duckdb.DuckDBPyConnection,
        data: SourceData,
        types: Mapping[str, str],
        *,
        union_by_name: bool = False,
    ) -> Iterator[Scan]:
        present = set(self.schema(data).names)
        columns = [c for c in types if c in present] or sorted(present)
        view = f"__fc_iceberg_{next(_views)}"
        con.register(view, read(data, columns))
        try:
            yield Scan(view, {})
        finally:
            con.unregister(view)

    def spark(self, session: Any, data: SourceData, types: Mapping[str, str]) -> Any:
        name = data.source.iceberg_catalog
        if session.conf.get(f"spark.sql.catalog.{name}", None) is None:
            raise DataError(
                f"this Spark session has no Iceberg catalog '{name}' (source '{data.name}'): "
                f"configure spark.sql.catalog.{name} with the iceberg-spark-runtime package, "
                "or load with engine='duckdb'"
            )
        return (
            session.read.format("iceberg")
            .option("snapshot-id", data.version)
            .load(f"{name}.{data.source.table}")
        )

    def read_table(self, data: SourceData) -> pa.Table:
        return read(data, None)

    def write_table(self, data: SourceData, table: pa.Table, change: Staged) -> None:
        _commit(data, lambda t: t.overwrite(table))

    def append(self, data: SourceData, table: pa.Table) -> bool:
        _commit(data, lambda t: t.append(table))
        return True


def open_catalog(catalog: Catalog, name: str) -> Any:
    """The Iceberg catalog ``name`` of ``featurecat.yaml``, with its warehouse's storage
    options; credentials come from pyiceberg's environment variables or ~/.pyiceberg.yaml."""
    require("pyiceberg", "iceberg", f"Iceberg catalog '{name}'")
    from pyiceberg.catalog import load_catalog

    declared = catalog.project.iceberg_catalogs.get(name)
    if declared is None:
        raise DataError(f"no Iceberg catalog '{name}' in featurecat.yaml")
    props: dict[str, str] = {"type": declared.type, **declared.properties}
    if declared.uri:
        props["uri"] = _local_sqlite(declared.uri, catalog.root)
    if declared.warehouse:
        props["warehouse"] = declared.warehouse
        if scheme_of(declared.warehouse) == "s3":
            require("s3fs", "s3", declared.warehouse)
        props.update(place(catalog, declared.warehouse).iceberg_properties())
    try:
        return load_catalog(name, **props)
    except Exception as exc:
        raise DataError(f"cannot open Iceberg catalog '{name}': {explain(exc, name)}") from None


def create(catalog: Catalog, name: str, ident: str, table: pa.Table) -> None:
    """A new Iceberg table ``ident`` in catalog ``name`` holding ``table``."""
    iceberg = open_catalog(catalog, name)
    namespace = ident.rsplit(".", 1)[0]
    try:
        iceberg.create_namespace_if_not_exists(namespace)
        created = iceberg.create_table(ident, schema=table.schema, properties=TABLE_PROPERTIES)
        created.append(table)
    except Exception as exc:
        raise DataError(f"cannot create Iceberg table {ident}: {explain(exc, ident)}") from None


def read(data: SourceData, columns: list[str] | None) -> pa.Table:
    """The snapshot's rows (only ``columns``, when given), oldest commit first."""
    from pyiceberg.io.pyarrow import ArrowScan

    table = data.table
    scan = table.scan(
        snapshot_id=data.version, selected_fields=tuple(columns) if columns else ("*",)
    )
    try:
        tasks = list(scan.plan_files())[::-1]
        arrow: pa.Table = ArrowScan(
            table.metadata, table.io, scan.projection(), scan.row_filter, scan.case_sensitive
        ).to_table(tasks)
    except Exception as exc:
        raise DataError(f"source '{data.name}': {explain(exc, str(data.uri))}") from None
    return arrow


def _commit(data: SourceData, write: Any) -> None:
    try:
        write(data.table)
    except Exception as exc:
        if type(exc).__name__ == "CommitFailedException":
            raise DataError(
                f"source '{data.name}': another writer committed to {data.uri} at the same "
                "time, and retrying did not help; write again"
            ) from None
        raise DataError(f"source '{data.name}': {explain(exc, str(data.uri))}") from None


def _local_sqlite(uri: str, root: Path) -> str:
    """A relative ``sqlite:///file.db`` is relative to the catalog folder, not the caller's."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        return prefix + str((root / uri[len(prefix) :]).resolve())
    return uri
