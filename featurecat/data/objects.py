"""Objects at a storage location: listed once, fingerprinted by ETag, written whole.

A source whose path is a URI is listed with one request per prefix (fsspec, no cache):
each object's size and ETag (or, on a plain file system, its content hash) is what manifests
record, so "has the data changed?" is a listing, never a re-read. Writes go to a local temp
file first and are uploaded in one PUT (or one completed multipart upload): a reader sees the
old object or the new, never half. Every failure of a storage client becomes one line that
says what is wrong and what to do (:func:`explain`).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.data.files import HASH_LIMIT
from featurecat.data.storage import Place, bare

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem


@dataclass(frozen=True)
class StoredObject:
    """One object: its URI, its size and what identifies its content (ETag or hash)."""

    uri: str
    size: int
    etag: str
    info: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What the listing said of it (its store's own words), to answer readers from."""


def list_objects(place: Place, uri: str) -> list[StoredObject]:
    """The objects ``uri`` names (one object, or a glob's matches), sorted by URI.

    Raises the storage client's ``OSError`` (see :func:`explain`)."""
    fs = place.filesystem()
    scheme = uri.split("://", 1)[0]
    path = bare(uri)
    if any(ch in path for ch in "*?["):
        found = fs.glob(path, detail=True)
        infos = [info for info in found.values() if info.get("type") != "directory"]
    else:
        info = fs.info(path)
        infos = [info] if info.get("type") != "directory" else []
    objects = []
    for info in infos:
        name = info["name"].lstrip("/") if scheme != "file" else info["name"]
        full = f"{scheme}://{name}" if scheme != "file" else f"file://{name}"
        tag = info.get("ETag") or info.get("etag") or info.get("md5Hash")
        etag = str(tag).strip('"') if tag else _hash(fs, info["name"], int(info["size"]))
        objects.append(StoredObject(full, int(info["size"]), etag, info))
    return sorted(objects, key=lambda o: o.uri)


def pin(fs: AbstractFileSystem, objects: tuple[StoredObject, ...]) -> AbstractFileSystem:
    """A copy of ``fs`` answering "what is this object?" for ``objects`` from their listing:
    readers (DuckDB opens a file once per query) then skip a HEAD request per open, and see
    the sizes the snapshot recorded. A copy sharing ``fs``'s client, because ``fs`` is shared
    by every load (:meth:`Place.filesystem`) and another load's objects may differ."""
    import fsspec.asyn

    known = {bare(o.uri): {**o.info, "name": bare(o.uri), "size": o.size} for o in objects}
    shared, fs = fs, object.__new__(type(fs))  # copy.copy: a new client, by fsspec's cache
    fs.__dict__.update(shared.__dict__)
    ask = shared._info

    async def info(path: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        found = known.get(fs._strip_protocol(path))
        return dict(found) if found is not None else await ask(path, *args, **kwargs)

    if getattr(fs, "async_impl", False):
        fs._info = info
        fs.info = fsspec.asyn.sync_wrapper(info, obj=fs)
    return fs


def _hash(fs: AbstractFileSystem, path: str, size: int) -> str:
    # Only stores without ETags (a shared disk) get here; huge files by size alone.
    if size > HASH_LIMIT:
        return f"size:{size}"
    digest = hashlib.sha256()
    with fs.open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def fingerprint(objects: list[StoredObject]) -> dict[str, Any]:
    """What the objects were, for manifests: each URI, size and ETag, and one hash of all."""
    entries = [{"path": o.uri, "size": o.size, "etag": o.etag} for o in objects]
    combined = hashlib.sha256("\n".join(f"{o.uri} {o.size} {o.etag}" for o in objects).encode())
    return {"fingerprint": f"sha256:{combined.hexdigest()}", "files": entries}


def changes(recorded: list[dict[str, Any]], now: list[StoredObject]) -> list[str]:
    """How the objects differ from a manifest's ``files``, in words (empty: the same)."""
    before = {e.get("path"): (e.get("size"), e.get("etag") or e.get("hash")) for e in recorded}
    after = {o.uri: (o.size, o.etag) for o in now}
    said = [f"{p} was removed" for p in before if p not in after]
    said += [f"{p} was added" for p in after if p not in before]
    said += [f"{p} was rewritten" for p in after if p in before and before[p] != after[p]]
    return said


def put(place: Place, uri: str, write: Callable[[Path], None]) -> None:
    """Write an object whole: ``write`` fills a local temp file, then one upload replaces
    the object, so readers see the old object or the new one, never a part."""
    fs = place.filesystem()
    with tempfile.TemporaryDirectory(prefix="featurecat-") as folder:
        temp = Path(folder) / Path(bare(uri)).name
        write(temp)
        if uri.startswith("file://"):
            target = Path(bare(uri))
            staged = target.with_name(f".{target.name}.featurecat-tmp")
            fs.put_file(str(temp), str(staged))
            Path(staged).replace(target)  # a rename on the shared disk: atomic
        else:
            fs.put_file(str(temp), bare(uri))


_CODE = re.compile(r"<Code>(\w+)</Code>")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def explain(exc: BaseException, uri: str, place: Place | None = None) -> str:
    """One line saying why ``uri`` could not be read, from any storage client's error
    (s3fs, delta-rs, pyiceberg, pyarrow), and what to do about it."""
    text = _ANSI.sub("", str(exc))
    code = (_CODE.search(text) or re.search(r"AWS Error (\w+)", text) or _Empty()).group(1)
    where = f" (location '{place.name}')" if place else ""
    lowered = text.lower()
    if code in ("NoSuchBucket", "NO_SUCH_BUCKET") or "bucket does not exist" in lowered:
        bucket = bare(uri).split("/", 1)[0]
        return f"bucket '{bucket}' of {uri} does not exist{where}; check the location's url"
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken") or any(
        s in lowered for s in ("does not exist in our records", "signature we calculated")
    ):
        return (
            f"the storage credentials were refused reading {uri}{where}; check the credentials "
            "in your environment (they never live in the catalog)"
        )
    if code in ("AccessDenied", "ACCESS_DENIED") or isinstance(exc, PermissionError):
        return (
            f"access denied reading {uri}{where}: your credentials may not list or read it "
            "(listing needs s3:ListBucket or the like); ask the data's owner for access"
        )
    if isinstance(exc, FileNotFoundError) or code in ("NoSuchKey", "NOT_FOUND"):
        return f"no data at {uri}{where}; write the data there or fix the path"
    if any(s in lowered for s in ("connect", "timed out", "timeout", "dns", "unreachable")):
        return f"cannot reach the storage of {uri}{where}: {_first(text)}; check the endpoint"
    return f"cannot read {uri}{where}: {_first(text)}"


class _Empty:
    def group(self, _: int) -> str:
        return ""


def _first(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "unknown error")
    return line if len(line) <= 300 else line[:297] + "..."
