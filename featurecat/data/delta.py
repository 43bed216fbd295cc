"""Delta Lake sources, through delta-rs (``deltalake``): a table's folder, in the repository
or under a declared storage location.

Everything but a scan reads the transaction log only: the schema, the version (what
manifests record, so "did the data change?" costs a log read) and its commit time. A load
reads one version throughout, and a manifest's version is read again by time travel. DuckDB
scans the version's arrow dataset (projections and filters pushed down); files are read in
the order they were committed, so among rows tied on keys and time the latest commit wins.
Writes are Delta commits: an append adds files, a replace is an overwrite that older
versions still read back, and concurrent writers are serialised by the log itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from featurecat.data.duck import Scan
from featurecat.data.files import SourceFilesError
from featurecat.data.objects import explain
from featurecat.data.storage import Place, is_uri, place, require
from featurecat.errors import DataError
from featurecat.names import Kind
from featurecat.tree import repo_top

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from featurecat.catalog import Catalog
    from featurecat.data.source import SourceData
    from featurecat.writes import Staged

_views = iter(range(1 << 62))


class DeltaReader:
    """A Delta Lake table: ``format: delta`` and the table's folder as ``path``."""

    format = "delta"

    def locate(
        self, catalog: Catalog, name: str, at: Mapping[str, Any] | None = None
    ) -> SourceData:
        from featurecat.data.source import SourceData

        source = catalog.sources[name]
        origin = catalog.origin(Kind.SOURCE, name)
        uri, where = table_uri(catalog, name)

        def fail(code: str, message: str) -> SourceFilesError:
            return SourceFilesError(origin.diagnostic(("path",), code, message), message)

        version = None if at is None else at.get("version")
        try:
            table = _open(uri, where, version)
        except DataError as exc:
            raise fail("data-unreadable", str(exc)) from None
        except Exception as exc:
            raise fail(*_problem(exc, uri, where, version, name)) from None
        if version is not None and at is not None:
            missing = _vacuumed(table, uri, where)
            if missing:
                raise fail(
                    "data-changed",
                    f"version {version} of Delta table {uri} (source '{name}') cannot be read "
                    f"any more: {missing} of its files were removed (vacuumed), so the load "
                    "cannot be reproduced",
                )
        return SourceData(name, source, place=where, table=table, version=table.version(), uri=uri)

    def schema(self, data: SourceData) -> pa.Schema:
        import pyarrow as pa

        return pa.schema(data.table.schema().to_arrow())

    def snapshot(self, data: SourceData, root: Path) -> dict[str, Any]:
        import pyarrow as pa

        actions = pa.table(data.table.get_add_actions(flatten=True))
        paths = sorted(actions.column("path").to_pylist())
        digest = hashlib.sha256("\n".join([str(data.version), *paths]).encode()).hexdigest()
        return {
            "format": "delta",
            "table": data.uri,
            "version": data.version,
            "committed_at": _commit_time(data),
            "files": len(paths),
            "fingerprint": f"delta:{data.version}:sha256:{digest}",
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
        view = f"__fc_delta_{next(_views)}"
        con.register(view, committed_order(data.table))
        try:
            yield Scan(view, {})
        finally:
            con.unregister(view)

    def spark(self, session: Any, data: SourceData, types: Mapping[str, str]) -> Any:
        from featurecat.data.remote import hadoop_uri

        missing = _spark_lacks(session, "delta")
        if missing:
            raise DataError(
                f"this Spark session has no Delta Lake connector (source '{data.name}'): start "
                "it with the delta-spark package and its SQL extension, or load with "
                "engine='duckdb'"
            )
        return (
            session.read.format("delta")
            .option("versionAsOf", data.version)
            .load(hadoop_uri(str(data.uri)))
        )

    def read_table(self, data: SourceData) -> pa.Table:
        table: pa.Table = committed_order(data.table).to_table()
        return table

    def write_table(self, data: SourceData, table: pa.Table, change: Staged) -> None:
        self._write(data, table, "overwrite")

    def append(self, data: SourceData, table: pa.Table) -> bool:
        self._write(data, table, "append")
        return True

    def _write(
        self, data: SourceData, table: pa.Table, mode: Literal["append", "overwrite"]
    ) -> None:
        from deltalake import write_deltalake

        try:
            write_deltalake(str(data.uri), table, mode=mode, storage_options=_options(data.place))
        except Exception as exc:
            message = explain(exc, str(data.uri), data.place)
            raise DataError(f"source '{data.name}': {message}") from None


def table_uri(catalog: Catalog, name: str) -> tuple[str, Place | None]:
    """Where source ``name``'s table is (a URI, or a local folder inside the repository)."""
    path = str(catalog.sources[name].path)
    if is_uri(path):
        return path, place(catalog, path)
    folder = catalog.data_path(catalog.sources[name])
    if not folder.resolve().is_relative_to(repo_top(catalog.root)):
        raise DataError(f"the Delta table of source '{name}' leads outside the repository")
    return str(folder), None


def create(uri: str, where: Place | None, table: pa.Table) -> None:
    """A new Delta table at ``uri`` holding ``table`` (an error if one is there already)."""
    require("deltalake", "delta", uri)
    from deltalake import write_deltalake

    try:
        write_deltalake(uri, table, mode="error", storage_options=_options(where))
    except Exception as exc:
        raise DataError(explain(exc, uri, where)) from None


def committed_order(table: Any) -> Any:
    """The table version's arrow dataset, its files in commit order (the log lists them
    newest first); a tie between two commits of the same millisecond goes by file name."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    dataset = table.to_pyarrow_dataset()
    actions = pa.table(table.get_add_actions(flatten=True))
    when = dict(
        zip(
            actions.column("path").to_pylist(),
            actions.column("modification_time").cast(pa.int64()).to_pylist(),
            strict=True,
        )
    )
    fragments = sorted(dataset.get_fragments(), key=lambda f: (when.get(f.path, 0), f.path))
    return ds.FileSystemDataset(
        fragments, dataset.schema, dataset.format, filesystem=dataset.filesystem
    )


def _options(where: Place | None) -> dict[str, str]:
    return where.delta_options() if where is not None else {}


def _open(uri: str, where: Place | None, version: int | None) -> Any:
    require("deltalake", "delta", uri)
    from deltalake import DeltaTable

    if where is None and not Path(uri).is_dir():
        raise FileNotFoundError(uri)
    return DeltaTable(uri, version=version, storage_options=_options(where))


def _problem(
    exc: Exception, uri: str, where: Place | None, version: int | None, name: str
) -> tuple[str, str]:
    """The code and message for a table that cannot be opened (at ``version``)."""
    text = str(exc)
    if version is not None and ("end version" in text or "No files in log segment" in text):
        with suppress(Exception):  # the table is there: it is the version that is gone
            _open(uri, where, None)
            return (
                "data-changed",
                f"version {version} of Delta table {uri} (source '{name}') cannot be read any "
                "more (its log was cleaned up), so the load cannot be reproduced",
            )
    if "No files in log segment" in text or "Invalid table location" in text:
        return (
            "data-not-a-table",
            f"{uri} is not a Delta table (no _delta_log) for source '{name}'; point path at "
            "a Delta table's folder, or set the format of the files there",
        )
    if isinstance(exc, FileNotFoundError) or ("does not exist" in text and "bucket" not in text):
        return "data-missing", f"no Delta table at {uri} for source '{name}'; create it or fix path"
    return "data-unreadable", f"source '{name}': {explain(exc, uri, where)}"


def _vacuumed(table: Any, uri: str, where: Place | None) -> int:
    """How many files of the opened version are gone (one listing of the table)."""
    import pyarrow as pa

    wanted = set(pa.table(table.get_add_actions(flatten=True)).column("path").to_pylist())
    if where is None:
        return sum(not (Path(uri) / p).exists() for p in wanted)
    from featurecat.data.storage import bare

    fs = where.filesystem()
    prefix = bare(uri).rstrip("/")
    present = {f[len(prefix) + 1 :] for f in fs.find(prefix)}
    return len(wanted - present)


def _commit_time(data: SourceData) -> str | None:
    try:
        (entry,) = data.table.history(1)
        moment = datetime.fromtimestamp(entry["timestamp"] / 1000, timezone.utc)
    except Exception:  # no commit info in the log: the time is a nicety
        return None
    return moment.isoformat().replace("+00:00", "Z")


def _spark_lacks(session: Any, fmt: str) -> bool:
    """Whether ``session`` has no data source called ``fmt`` (a probe of a path that does
    not exist: a present format says the path is missing, an absent one says so)."""
    try:
        session.read.format(fmt).load("/featurecat-probe-does-not-exist")
    except Exception as exc:
        return "DATA_SOURCE_NOT_FOUND" in str(exc) or "Failed to find data source" in str(exc)
    return False
