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

Never trusted blindly: a cache file is a JSON directory followed by columns of UTF-8 text
and JSON (:mod:`featurecat.columns`; nothing is ever unpickled), written atomically, and
carries an HMAC-SHA256 made with a key that only its owner can read (``key``, mode 0600, in
the cache folder). The MAC is checked over the whole file before anything in it is decoded;
then the layout (every column's place and offsets) is checked too. A file that fails any
check (its MAC, its layout, its owner) is ignored and rewritten from a full load; only
catalogs that validate are cached.

Fast: a command decodes only the columns it reads (:mod:`featurecat.entries`), and checking
the identity of 100,000 files is one ``stat`` each, by folder descriptor. What it relies on:
any write to a file changes its mtime or ctime (the kernel sets ctime on every change and
it cannot be set by users); a folder's own timestamps are not used, since editing a file in
place leaves them as they were.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import sys
import time
from array import array
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

import featurecat
from featurecat.columns import OFFSET_CODE, StoredColumn, encode
from featurecat.entries import Entries, Table
from featurecat.errors import UnreadableFile
from featurecat.names import FOLDER_KINDS, PROJECT_FILE, Kind, near_kind_folder
from featurecat.tree import WorkTree, find_catalog, git_blob_id

FORMAT = 2
#: Files modified this close to the moment the cache was written are also checked by content.
RACY_SECONDS = 2.0
#: A cache file larger than this is not read (a full load is cheaper than a hostile file).
MAX_CACHE_BYTES = 1 << 30
_MAGIC = "featurecat-discovery-cache"
#: The format, and how its offsets are laid out on this machine.
_FORMAT = f"{FORMAT}.{OFFSET_CODE}.{sys.byteorder}"
_KEY_BYTES = 32
#: What identifies a file's state: if any of these is unchanged, so is the file (but see
#: :data:`RACY_SECONDS`).
_IDENTITY = attrgetter("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino", "st_dev")
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
        # Each name is looked up in the open folder, with no path to resolve again; whole
        # lists at a time, since this runs once per file, 100,000 times at scale. The
        # listing's order is the folder's; if it ever changes, the cache is merely rebuilt.
        listed = os.listdir(descriptor)  # noqa: PTH208 (by descriptor: pathlib has none)
        infos = [os.stat(name, dir_fd=descriptor, follow_symlinks=False) for name in listed]
    except (OSError, NotImplementedError):
        return False  # gone while listed, or no stat by folder here: no cache
    finally:
        os.close(descriptor)
    modes = [info.st_mode for info in infos]
    if any(map(stat.S_ISLNK, modes)):
        return False
    folders = [f"{relpath}/{n}" for n, m in zip(listed, modes, strict=True) if stat.S_ISDIR(m)]
    if folders:
        kept = [(n, i) for n, i, m in zip(listed, infos, modes, strict=True) if not stat.S_ISDIR(m)]
        listed, infos = [n for n, _ in kept], [i for _, i in kept]
    names += listed
    names.append(f"/{relpath}")  # each folder's files are followed by its name
    numbers.extend(chain.from_iterable(map(_IDENTITY, infos)))
    recent += [
        f"{relpath}/{n}" for n, i in zip(listed, infos, strict=True) if i.st_mtime_ns >= since
    ]
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
    numbers.extend(_IDENTITY(info))
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


def _mac(key: bytes, identity: str, payload: bytes | bytearray) -> str:
    return hmac.new(key, identity.encode() + b"\n" + payload, hashlib.sha256).hexdigest()


def _write(file: Path, key: bytes, identity: str, racy: dict[str, str], entries: Entries) -> None:
    """Write the cache file atomically; a cache that cannot be written is no cache.

    After the header comes a directory (one JSON line: the project, the racy files' blob ids
    and where each kind's columns lie), then the columns' bytes (:mod:`featurecat.columns`).
    """
    body = bytearray()
    kinds = {}
    for kind, table in entries.by_kind.items():
        fields = table.fields
        stored = [table.names, table.paths.tolist(), table.entities]
        stored += [table.column(f) or [] for f in fields]
        placed = []
        for values in stored:
            encoding, blob, offsets = encode(values)
            placed.append([encoding, len(body), len(blob), len(offsets)])
            body += blob
            body += offsets
        kinds[kind.value] = {"fields": fields, "columns": placed}
    directory = {"project": entries.project, "racy": racy, "kinds": kinds}
    _store(file, key, identity, _directory(directory) + body)


def _directory(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode() + b"\n"


def _store(file: Path, key: bytes, identity: str, payload: bytes | bytearray) -> None:
    if len(payload) > MAX_CACHE_BYTES:
        return
    header = f"{_MAGIC} {_FORMAT} {identity} {_mac(key, identity, payload)}\n".encode()
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
        if header[:3] != [_MAGIC, _FORMAT, identity[0]] or len(header) != 4:
            return None
        payload = handle.read()
    if not hmac.compare_digest(_mac(key, identity[0], payload), header[3]):
        return None
    try:
        end = payload.index(b"\n")
        document = json.loads(payload[:end])
        racy = dict(document["racy"])
        if not _same_content(racy, tree):
            return None
        entries = _entries(document, memoryview(payload)[end + 1 :])
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None  # not what _write writes: rebuild
    if entries is not None and racy and racy.keys().isdisjoint(identity[1]):
        # The files that were racy are now older than RACY_SECONDS and have the content
        # cached: any change to them from now on changes their mtime. As git does with a
        # racily clean index, drop their content checks (once, not on every command).
        _store(file, key, identity[0], _directory({**document, "racy": {}}) + payload[end + 1 :])
    return entries


def _same_content(racy: dict[str, str], tree: WorkTree) -> bool:
    """Whether the files changed just before the cache was written still hold what it saw."""
    for relpath, blob in racy.items():
        try:
            if git_blob_id(tree.read(relpath)) != blob:
                return False
        except UnreadableFile:
            return False
    return True


def _entries(document: dict[str, Any], body: memoryview) -> Entries | None:
    by_kind: dict[Kind, Table] = {}
    for kind_name, stored in document["kinds"].items():
        kind = Kind(kind_name)
        columns = []
        for encoding, start, size, offsets_size in stored["columns"]:
            stop = start + size
            if not (0 <= start <= stop and 0 <= offsets_size <= len(body) - stop):
                return None
            columns.append(
                StoredColumn(encoding, body[start:stop], body[stop : stop + offsets_size])
            )
        names, paths, entities, *values = columns
        by_kind[kind] = Table(kind, names, paths, entities, list(stored["fields"]), values)
    return Entries(str(document["project"]), by_kind)
