"""Parquet and CSV objects under a storage location: found, checked, read and written.

The part of :class:`featurecat.data.local.LocalFiles` for sources whose path is a URI. The
objects are listed once when located (their ETags make the snapshot); schemas come from the
first object's footer or header by range reads; DuckDB reads them through an fsspec
filesystem registered on its connection (no DuckDB extension is ever downloaded).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from featurecat.data.files import SourceFilesError
from featurecat.data.objects import (
    StoredObject,
    changes,
    explain,
    fingerprint,
    list_objects,
    pin,
    put,
)
from featurecat.data.storage import Place, bare, place
from featurecat.errors import DataError
from featurecat.names import Kind

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from featurecat.catalog import Catalog
    from featurecat.data.source import SourceData

T = TypeVar("T")
_lock = threading.Lock()
#: id(connection) -> the place whose filesystem it reads each protocol through.
_REGISTERED: dict[tuple[int, str], tuple[Any, ...]] = {}


def locate(catalog: Catalog, name: str, at: Mapping[str, Any] | None) -> SourceData:
    """The objects a source's URI names, as they are now; with ``at``, only if unchanged."""
    from featurecat.data.source import SourceData

    source = catalog.sources[name]
    uri = str(source.path)
    origin = catalog.origin(Kind.SOURCE, name)
    try:
        where = place(catalog, uri)
        objects = list_objects(where, uri)
    except DataError as exc:  # no declared location, or a missing extra
        diagnostic = origin.diagnostic(("path",), "data-unreadable", str(exc))
        raise SourceFilesError(diagnostic, str(exc)) from None
    except Exception as exc:  # any storage client's failure, told in one line
        message = explain(exc, uri, None)
        code = "data-missing" if isinstance(exc, FileNotFoundError) else "data-unreadable"
        raise SourceFilesError(origin.diagnostic(("path",), code, message), message) from None
    if not objects:
        message = f"no data at {uri} for source '{name}'; write the data there or fix path"
        raise SourceFilesError(origin.diagnostic(("path",), "data-missing", message), message)
    if at is not None and fingerprint(objects)["fingerprint"] != at.get("fingerprint"):
        said = changes(at.get("files") or [], objects)
        message = (
            f"the data of source '{name}' changed since the manifest was written "
            f"({'; '.join(said) or 'other content'}), so the load cannot be reproduced"
        )
        raise SourceFilesError(origin.diagnostic(("path",), "data-changed", message), message)
    return SourceData(name, source, objects=tuple(objects), place=where)


def first_schema(data: SourceData, read: Callable[[Any], pa.Schema]) -> pa.Schema:
    """The schema of the first object, read from its footer (parquet) or first block (CSV)."""
    assert data.place is not None
    first = data.objects[0].uri
    return _readable(data, first, lambda: _with_file(data.place, data.objects[0], read))


def read_first(data: SourceData, read: Callable[[Any], pa.Table]) -> pa.Table:
    """The whole first object as one arrow table."""
    assert data.place is not None
    first = data.objects[0].uri
    return _readable(data, first, lambda: _with_file(data.place, data.objects[0], read))


def _with_file(where: Place | None, found: StoredObject, read: Callable[[Any], T]) -> T:
    assert where is not None
    # Opened with what the listing said of it: no second HEAD request.
    with pin(where.filesystem(), (found,)).open(bare(found.uri), "rb") as handle:
        return read(handle)


def snapshot(data: SourceData) -> dict[str, Any]:
    """The objects' URIs, sizes and ETags as listed when the data was located."""
    return {"format": data.source.format, **fingerprint(list(data.objects))}


def write(data: SourceData, write: Callable[[Path], None]) -> None:
    """Replace the first object whole (see :func:`featurecat.data.objects.put`)."""
    assert data.place is not None
    uri = data.objects[0].uri if data.objects else str(data.source.path)
    _readable(data, uri, lambda: put(data.place, uri, write))  # type: ignore[arg-type]


def register(
    con: duckdb.DuckDBPyConnection, where: Place, objects: tuple[StoredObject, ...] = ()
) -> None:
    """Let ``con`` read ``where``'s URIs through its fsspec filesystem (never through a
    DuckDB extension, which would be downloaded). One place per protocol per connection."""
    fs = where.filesystem()
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    key = (id(con), protocols[0])
    fs = pin(fs, objects)
    with _lock:
        known = _REGISTERED.get(key)
        if known is not None and key[1] in con.list_filesystems():
            if known != where.key():
                raise DataError(
                    f"one load reads {protocols[0]}:// through one location; "
                    f"'{where.name}' and another location both use it with other options"
                )
            return
        con.register_filesystem(fs)
        _REGISTERED[key] = where.key()


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what :func:`register` knew of a connection being closed."""
    with _lock:
        for key in [k for k in _REGISTERED if k[0] == id(con)]:
            del _REGISTERED[key]


def hadoop_uri(uri: str) -> str:
    """The URI as Hadoop's file systems name it (``s3a://`` for S3)."""
    return "s3a://" + uri[len("s3://") :] if uri.startswith("s3://") else uri


def spark_read(data: SourceData, read: Callable[[], Any]) -> Any:
    """Spark's reader of ``data``, or one line saying what the session lacks."""
    try:
        return read()
    except Exception as exc:
        text = str(exc)
        if data.place is not None and (
            "No FileSystem for scheme" in text or "ClassNotFoundException" in text
        ):
            scheme = data.where.split("://", 1)[0]
            raise DataError(
                f"this Spark session cannot read {scheme}:// (source '{data.name}'): add the "
                "Hadoop connector for it to the session (hadoop-aws for s3a://, gcs-connector, "
                "hadoop-azure), or load with engine='duckdb'"
            ) from None
        raise


def _readable(data: SourceData, uri: str, read: Callable[[], T]) -> T:
    import pyarrow as pa

    try:
        return read()
    except DataError:
        raise
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise DataError(f"source '{data.name}': {explain(exc, uri, data.place)}") from None
