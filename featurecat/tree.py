"""Where definitions are read from: the working tree here, a git ref in :mod:`featurecat.gitio`.

Both kinds of tree answer the same questions (which files, what bytes), so loading, checking
and diffing never care where a catalog came from. This module runs no git: it finds the
repository's top by its ``.git``, and says how users see a path (:func:`shown`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Protocol

from featurecat.errors import CatalogNotFound, Diagnostic, Severity, UnreadableFile
from featurecat.names import FOLDER_KINDS, PROJECT_FILE, is_candidate, near_kind_folder
from featurecat.yamlio import MAX_FILE_BYTES


class Tree(Protocol):
    """A catalog's files, either on disk or at a git commit."""

    root: Path
    """The catalog folder on disk (for a git ref, where it sits in the working tree)."""
    catalog_dir: str
    """The catalog folder relative to the repository root, POSIX style; ``""`` when equal."""
    ref: str | None
    commit: str | None

    def files(self) -> list[str]:
        """Catalog-relative POSIX paths of ``featurecat.yaml`` and the YAML in kind folders
        (whatever they are: a FIFO named like a definition is listed, and read() refuses it)."""
        ...

    def read(self, relpath: str) -> bytes:
        """The file's bytes; at most ``MAX_FILE_BYTES + 1`` of them, so size checks stay cheap.
        :class:`UnreadableFile` says why a path cannot be read as a file."""
        ...

    def read_many(self, relpaths: Collection[str]) -> dict[str, bytes]:
        """Several files' bytes at once (one git process at a ref), as :meth:`read` gives them."""
        ...

    def blob_id(self, relpath: str) -> str | None:
        """The file's git blob id when it is known without reading the file (at a ref)."""
        ...

    def display(self, relpath: str) -> str:
        """The path users see in messages: relative to the current folder."""
        ...

    def escapes_repo(self, relpath: str) -> bool:
        """Whether a catalog-relative path resolves outside the repository (through links)."""
        ...


def find_catalog(path: str | os.PathLike[str] | None = None) -> Path:
    """The catalog folder: ``path`` itself, or the first one found from the current folder."""
    if path is not None:
        candidate = Path(path)
        if candidate.name == PROJECT_FILE and os.path.lexists(candidate):
            return candidate.parent.absolute()
        if os.path.lexists(candidate / PROJECT_FILE):
            return candidate.absolute()
        if not os.path.lexists(candidate):  # False on any OSError (a name too long...)
            raise CatalogNotFound(
                f"{path}: no such folder; pass --catalog with the folder that holds {PROJECT_FILE}"
            )
        raise CatalogNotFound(
            f"{path}: no {PROJECT_FILE} there; pass the catalog's folder, "
            "or run 'featurecat init DIR' to start a catalog"
        )
    here = Path.cwd()
    if os.path.lexists(here / "catalog" / PROJECT_FILE):
        return here / "catalog"
    for folder in (here, *here.parents):
        if os.path.lexists(folder / PROJECT_FILE):
            return folder
    raise CatalogNotFound(
        f"no catalog found: no ./catalog/{PROJECT_FILE} and no {PROJECT_FILE} in "
        "this folder or its parents; pass --catalog PATH or run 'featurecat init DIR'"
    )


def repo_top(folder: Path) -> Path:
    """The top of the git work tree holding ``folder``, or ``folder`` itself outside git;
    resolved, as the boundary that data paths must stay within."""
    folder = folder.resolve()
    return _git_top(folder) or folder


def in_git(folder: Path) -> bool:
    """Whether ``folder`` is inside a git work tree (found without running git)."""
    return _git_top(folder) is not None


def _git_top(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def catalog_dir(root: Path, top: Path | None = None) -> str:
    """The catalog folder ``root`` relative to the repository's top (``top``, or the top found
    above ``root``), POSIX style; ``""`` when it is the top, or outside git."""
    top = repo_top(root) if top is None else top.resolve()
    relative = root.resolve().relative_to(top).as_posix()
    return "" if relative == "." else relative


def shown(path: str | os.PathLike[str], *, whole_outside: bool = False) -> str:
    """A path as users see it in messages: relative to the current folder, as SPEC's ``PATH``
    (``../`` leads out of it). With ``whole_outside``, a path outside the current folder is
    shown as given instead: for output folders, which are often far from here."""
    if whole_outside:
        try:
            return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return str(path)
    try:
        return Path(os.path.relpath(path, Path.cwd())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def displayer(root: Path) -> Callable[[str], str]:
    """:func:`shown` for the catalog-relative paths of the catalog at ``root``: it names every
    definition file, so the common cases are worked out once, not per path."""
    rel = shown(root)
    if rel == ".":
        return str
    if any(part != ".." for part in rel.split("/")):
        prefix = rel + "/"
        return lambda relpath: prefix + relpath
    # The current folder is inside the catalog: "../features/x.yaml" must become "x.yaml".
    return lambda relpath: shown(root / relpath)


def git_blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes, so disk and git contents compare cheaply."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


#: Opening a FIFO without O_NONBLOCK waits for a writer, forever; a tty could become ours.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_REPLACE = "definitions are YAML files, so replace it with one or remove it"


class WorkTree:
    """The catalog as it is on disk now.

    Whatever sits in the folders is listed, special files included, and each problem
    becomes a diagnostic, never a hang or a bare error: :meth:`read` refuses FIFOs,
    sockets, devices, folders and links leading out of the repository
    (:class:`UnreadableFile`), and :attr:`problems` holds the folders that could not be
    listed after :meth:`files`.
    """

    def __init__(self, root: Path) -> None:
        self.ref: str | None = None
        self.commit: str | None = None
        self.root = root.resolve()
        self.repo = repo_top(self.root)
        self.catalog_dir = catalog_dir(self.root, self.repo)
        self.display = displayer(root)
        self.problems: list[Diagnostic] = []
        self._links: set[str] = set()

    def files(self) -> list[str]:
        self.problems, self._links = [], set()
        found = [PROJECT_FILE] if os.path.lexists(self.root / PROJECT_FILE) else []
        if (self.root / PROJECT_FILE).is_symlink():
            self._links.add(PROJECT_FILE)
        with os.scandir(self.root) as listing:
            typos = [e.name for e in listing if _is_folder(e) and near_kind_folder(e.name)]
        for folder in [*FOLDER_KINDS, *typos]:
            found.extend(self._walk(folder))
        return sorted(p for p in found if is_candidate(p))

    def _walk(self, top: str) -> list[str]:
        """Every file below the kind folder ``top``, without following links to folders."""
        found: list[str] = []
        if (self.root / top).is_symlink() and not self._inside(self.root / top):
            self._problem(top, "error", "it is a symbolic link to a folder outside the repository")
            return found
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                with os.scandir(os.path.join(self.root, folder)) as listing:  # noqa: PTH118
                    entries = list(listing)
            except FileNotFoundError:
                if folder == top and (self.root / top).is_symlink():
                    self._problem(top, "error", "it is a symbolic link that leads nowhere")
                continue  # no such kind folder (or it just went away): nothing to read
            except OSError as exc:
                self._problem(folder, "error", _folder_reason(exc))
                continue
            for entry in entries:
                relpath = f"{folder}/{entry.name}"
                if not _is_folder(entry):
                    found.append(relpath)
                    if entry.is_symlink():
                        self._links.add(relpath)
                elif not entry.is_symlink():
                    if not entry.name.startswith("."):
                        stack.append(relpath)
                elif is_candidate(relpath):
                    found.append(relpath)  # named like a definition: read() says what it is
                    self._links.add(relpath)
                else:
                    self._problem(
                        relpath,
                        "warning",
                        "ignored: it is a symbolic link to a folder, and those are not "
                        "followed; move the definitions here instead",
                    )
        return found

    def _problem(self, relpath: str, severity: Severity, message: str) -> None:
        if severity == "error":
            message = f"cannot read this folder: {message}; the definitions in it are not checked"
        code = "unreadable" if severity == "error" else "link-not-followed"
        self.problems.append(Diagnostic(self.display(relpath), 1, 0, code, severity, message))

    def read(self, relpath: str) -> bytes:
        # os.path.join, not Path: this runs once per definition file.
        path = os.path.join(self.root, relpath)  # noqa: PTH118
        if relpath in self._links and not self._inside(path):
            raise UnreadableFile(
                path,
                "it is a symbolic link to something outside the repository; definitions "
                "are only read from inside it, so copy the file in",
            )
        try:
            descriptor = os.open(path, _READ_FLAGS)
        except OSError as exc:
            raise UnreadableFile(path, _file_reason(path, exc)) from None
        try:
            mode = os.fstat(descriptor).st_mode
            if not stat.S_ISREG(mode):  # it changed since it was listed, or it never was
                raise UnreadableFile(
                    path, f"it is {_file_type(mode)}, not a regular file; {_REPLACE}"
                )
            with open(descriptor, "rb", closefd=False) as handle:
                return handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise UnreadableFile(path, _file_reason(path, exc)) from None
        finally:
            os.close(descriptor)

    def read_many(self, relpaths: Collection[str]) -> dict[str, bytes]:
        return {relpath: self.read(relpath) for relpath in relpaths}

    def blob_id(self, relpath: str) -> str | None:
        return None  # only known by reading the file

    def escapes_repo(self, relpath: str) -> bool:
        return not self._inside(self.root / relpath)

    def _inside(self, path: str | Path) -> bool:
        """Whether ``path``, with its links followed, stays in the repository. A path that
        cannot be resolved (a loop, a NUL byte) leads nowhere, so not outside either."""
        try:
            return Path(os.path.realpath(path)).is_relative_to(self.repo)
        except (OSError, ValueError, RuntimeError):
            return True


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows links; False for broken ones
    except OSError:
        return False


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file"


def _file_reason(path: str, exc: OSError) -> str:
    """Why ``path`` cannot be opened or read, and what to do about it."""
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link that leads back to itself; fix or remove the link"
    if exc.errno == errno.ENOENT and Path(path).is_symlink():
        return "it is a symbolic link to a file that does not exist; fix or remove the link"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; make it readable (chmod a+r)"
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        mode = stat.S_IFREG
    if not stat.S_ISREG(mode):  # a socket refuses to open (ENXIO)
        return f"it is {_file_type(mode)}, not a regular file; {_REPLACE}"
    return f"{exc.strerror or exc}; check the file"


def _folder_reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; make it readable (chmod a+rx)"
    if exc.errno == errno.ENOTDIR:
        return "it is a file, not a folder"
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link that leads back to itself"
    return str(exc.strerror or exc)
