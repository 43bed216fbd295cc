"""The discovery cache: a catalog's entries, kept between commands while its files are unchanged.

``featurecat list``, ``show`` and ``search`` read :class:`~featurecat.entries.Entries`. Loading
them means parsing and checking every definition (seconds at 100,000 features); an unchanged
working tree answers from this cache instead, in the user's cache folder
(``$XDG_CACHE_HOME/featurecat``, else ``~/.cache/featurecat``).

Never stale: an entry is used only when the identity of every file in the kind folders and
of ``featurecat.yaml`` (path, size, mtime_ns, ctime_ns, inode and device), featurecat's
version and code, and the catalog's place in its repository are what they were when the
entries were written; a catalog with symbolic links in those folders is never cached. A
file changed within :data:`RACY_SECONDS` of that moment could change again without its
identity changing (a timestamp tick is coarse), so its content is hashed and compared too,
as git does.

Never trusted blindly: a cache file is JSON (nothing is ever unpickled), written atomically,
and carries an HMAC-SHA256 made with a key that only its owner can read (``key``, mode 0600,
in the cache folder). A file that fails any check (its MAC, its shape, its owner) is ignored
and rewritten from a full load; only catalogs that validate are cached.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import time
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import featurecat
from featurecat.entries import Entries, Entry
from featurecat.errors import UnreadableFile
from featurecat.names import FOLDER_KINDS, PROJECT_FILE, Kind, near_kind_folder
from featurecat.tree import WorkTree, find_catalog, git_blob_id

FORMAT = 1
#: Files modified this close to the moment the cache was written are also checked by content.
RACY_SECONDS = 2.0
#: A cache file larger than this is not read (a full load is cheaper than a hostile file).
MAX_CACHE_BYTES = 1 << 30
_MAGIC = "featurecat-discovery-cache"
_KEY_BYTES = 32
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def cache_folder() -> Path:
    """``$XDG_CACHE_HOME/featurecat``, else ``~/.cache/featurecat``."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not Path(base).is_absolute():
        return Path.home() / ".cache" / "featurecat"
    return Path(base) / "featurecat"


def cached_entries(path: str | os.PathLike[str] | None) -> tuple[Entries, Path]:
    """The entries of the catalog at ``path`` (working tree) and its folder.

    From the cache when every file is unchanged; otherwise from a full load, which then
    refreshes the cache. Raises :class:`CatalogError` (every error) when it does not validate.
    """
    root = find_catalog(path)
    tree = WorkTree(root)
    started = time.time_ns()
    identity = _identity(tree, started - int(RACY_SECONDS * 1e9))
    folder = cache_folder()
    key = _key(folder)
    file = folder / f"{hashlib.sha256(str(tree.root).encode()).hexdigest()[:40]}.json"
    if identity is not None and key is not None:
        entries = _read(file, key, identity, tree)
        if entries is not None:
            return entries, tree.root
    from featurecat.load import load_tree

    result = load_tree(tree)
    catalog = result.raise_for_errors()
    entries = Entries.of(catalog)
    if identity is not None and key is not None:
        # Files changed just before this load could change again without their identity
        # changing: their content is checked on every read. A file that changed while it
        # was read is caught next time: its identity differs.
        racy = {p: result.blobs[p] for p in identity[1] if p in result.blobs}
        _write(file, key, identity[0], racy, entries)
    return entries, tree.root


def _identity(tree: WorkTree, since: int) -> tuple[str, list[str]] | None:
    """A digest of the identity of every file the load could read (all below the kind
    folders, whatever their names, and featurecat.yaml) and of what else entries depend on;
    and the files modified at or after ``since`` (ns). ``None`` when a folder cannot be
    listed or holds a symbolic link: then there is no cache, only full loads."""
    digest = hashlib.sha256()
    code = Path(featurecat.__file__).parent
    header = [_MAGIC, str(FORMAT), featurecat.__version__, str(tree.root), tree.catalog_dir]
    digest.update("\0".join(header).encode())
    for module in sorted(code.rglob("*.py")):
        info = module.stat()
        digest.update(f"{module}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    names: list[str] = []
    numbers = array("q")
    recent: list[str] = []
    try:
        with os.scandir(tree.root) as listing:
            top = sorted(listing, key=lambda e: e.name)
    except OSError:
        return None
    folders = []
    for entry in top:
        if entry.is_symlink():
            if entry.name == PROJECT_FILE or _folder_kind(entry.name):
                return None
        elif entry.name == PROJECT_FILE or (_folder_kind(entry.name) and entry.is_dir()):
            folders.append(entry.name)
    for relpath in folders:
        if not _walk(tree.root, relpath, names, numbers, recent, since):
            return None
    digest.update("\0".join(names).encode())
    digest.update(numbers.tobytes())
    return digest.hexdigest(), recent


def _folder_kind(name: str) -> bool:
    return name in FOLDER_KINDS or near_kind_folder(name) is not None


def _walk(
    root: Path,
    relpath: str,
    names: list[str],
    numbers: array[int],
    recent: list[str],
    since: int,
) -> bool:
    """Add the identity of ``relpath`` (a file, or a folder and everything below it) to
    ``names`` and ``numbers``; ``False`` on a symbolic link or an unreadable folder."""
    path = root / relpath
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            return False
        if not stat.S_ISDIR(info.st_mode):
            _add(relpath, info, names, numbers, recent, since)
            return True
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return False
    try:
        # Entries of a folder opened by descriptor stat relative to it: one name each. The
        # listing's order is the folder's; if it ever changes, the cache is merely rebuilt.
        folders = []
        with os.scandir(descriptor) as listing:
            for entry in listing:
                if entry.is_symlink():
                    return False
                if entry.is_dir(follow_symlinks=False):
                    folders.append(f"{relpath}/{entry.name}")
                    continue
                info = entry.stat(follow_symlinks=False)
                names.append(entry.name)
                numbers.extend(
                    (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
                )
                if info.st_mtime_ns >= since:
                    recent.append(f"{relpath}/{entry.name}")
        names.append(f"/{relpath}")  # each folder's files are followed by its name
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return all(_walk(root, folder, names, numbers, recent, since) for folder in folders)


def _add(
    relpath: str,
    info: os.stat_result,
    names: list[str],
    numbers: array[int],
    recent: list[str],
    since: int,
) -> None:
    names.append(relpath)
    numbers.extend((info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev))
    if info.st_mtime_ns >= since:
        recent.append(relpath)


def _key(folder: Path) -> bytes | None:
    """The cache's HMAC key, made on first use; ``None`` when it cannot be trusted."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    file = folder / "key"
    try:
        descriptor = os.open(file, _OPEN_FLAGS)
    except FileNotFoundError:
        try:
            descriptor = os.open(
                file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600
            )
        except OSError:
            return None  # another process made it first, or the folder is not ours
        with os.fdopen(descriptor, "wb") as handle:
            secret = os.urandom(_KEY_BYTES)
            handle.write(secret)
        return secret
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not _private(info) or info.st_size != _KEY_BYTES:
            return None
        secret = handle.read(_KEY_BYTES + 1)
    return secret if len(secret) == _KEY_BYTES else None


def _private(info: os.stat_result) -> bool:
    """A regular file of ours that no one else can read or write."""
    owner = getattr(os, "geteuid", lambda: info.st_uid)()
    return stat.S_ISREG(info.st_mode) and info.st_uid == owner and not info.st_mode & 0o077


def _mac(key: bytes, identity: str, payload: bytes) -> str:
    return hmac.new(key, identity.encode() + b"\n" + payload, hashlib.sha256).hexdigest()


def _write(file: Path, key: bytes, identity: str, racy: dict[str, str], entries: Entries) -> None:
    """Write the cache file atomically; a cache that cannot be written is no cache."""
    rows = {kind.value: _columns(found.values()) for kind, found in entries.by_kind.items()}
    document = {"project": entries.project, "racy": racy, "entries": rows}
    payload = json.dumps(document, separators=(",", ":")).encode()
    header = f"{_MAGIC} {FORMAT} {identity} {_mac(key, identity, payload)}\n".encode()
    temp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(header)
            handle.write(payload)
        temp.replace(file)
    except OSError:
        temp.unlink(missing_ok=True)


def _read(
    file: Path, key: bytes, identity: tuple[str, list[str]], tree: WorkTree
) -> Entries | None:
    """The cached entries when the file is ours, intact and of this very catalog state."""
    try:
        descriptor = os.open(file, _OPEN_FLAGS)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not _private(info) or info.st_size > MAX_CACHE_BYTES:
            return None
        header = handle.readline(512).decode("ascii", "replace").split()
        if header[:3] != [_MAGIC, str(FORMAT), identity[0]] or len(header) != 4:
            return None
        payload = handle.read()
    if not hmac.compare_digest(_mac(key, identity[0], payload), header[3]):
        return None
    try:
        return _entries(json.loads(payload), tree)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # not what _write writes: rebuild


def _entries(document: dict[str, Any], tree: WorkTree) -> Entries | None:
    for relpath, blob in document["racy"].items():
        try:
            if git_blob_id(tree.read(relpath)) != blob:
                return None
        except UnreadableFile:
            return None
    by_kind: dict[Kind, dict[str, Entry]] = {}
    for kind_name, table in document["entries"].items():
        kind = Kind(kind_name)
        # A row is [name, path, entity, *values]: the entry keeps the row as its values.
        columns = {str(field): i for i, field in enumerate(table["fields"], start=3)}
        width = len(columns) + 3
        found = by_kind[kind] = {}
        for row in table["rows"]:
            if len(row) != width or not isinstance(row[0], str):
                return None
            found[row[0]] = Entry(kind, row[0], row[1], row[2], columns, row)
    return Entries(str(document["project"]), by_kind)


def _columns(entries: Iterable[Entry]) -> dict[str, Any]:
    """A kind's entries as one list of field names and a row of values per entry: half the
    size of a mapping per entry, and twice as fast to read back."""
    listed = list(entries)
    fields = list(listed[0].columns) if listed else []
    rows = [[e.name, e.path, e.entity, *(e.get(f) for f in fields)] for e in listed]
    return {"fields": fields, "rows": rows}
