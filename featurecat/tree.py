"""Where definitions are read from: the working tree here, a git ref in :mod:`featurecat.gitio`.

Both kinds of tree answer the same questions (which files, what bytes), so loading, checking
and diffing never care where a catalog came from. :func:`head_state` tells what the working
tree is at: a quick question to the ``git`` command, cheap enough for every feature load.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Protocol

from featurecat.errors import CatalogNotFound
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
        """Catalog-relative POSIX paths of ``featurecat.yaml`` and the YAML in kind folders."""
        ...

    def read(self, relpath: str) -> bytes:
        """The file's bytes; at most ``MAX_FILE_BYTES + 1`` of them, so size checks stay cheap."""
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
        if candidate.name == PROJECT_FILE and candidate.is_file():
            return candidate.parent.absolute()
        if (candidate / PROJECT_FILE).is_file():
            return candidate.absolute()
        if not candidate.exists():
            raise CatalogNotFound(
                f"{path}: no such folder; pass --catalog with the folder that holds {PROJECT_FILE}"
            )
        raise CatalogNotFound(
            f"{path}: no {PROJECT_FILE} there; pass the catalog's folder, "
            "or run 'featurecat init DIR' to start a catalog"
        )
    here = Path.cwd()
    if (here / "catalog" / PROJECT_FILE).is_file():
        return here / "catalog"
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise CatalogNotFound(
        f"no catalog found: no ./catalog/{PROJECT_FILE} and no {PROJECT_FILE} in "
        "this folder or its parents; pass --catalog PATH or run 'featurecat init DIR'"
    )


def repo_root(folder: Path) -> Path | None:
    """The top of the git work tree holding ``folder``, found without running git."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def repo_top(folder: Path) -> Path:
    """The top of the git work tree holding ``folder``, or ``folder`` itself outside git;
    resolved, as the boundary that data paths must stay within."""
    folder = folder.resolve()
    return repo_root(folder) or folder


def head_state(folder: Path) -> tuple[str | None, bool | None]:
    """The commit checked out where ``folder`` is, and whether ``folder`` has changes.

    ``(None, None)`` outside a git repository (or without git); the commit is ``None`` before
    the first commit. Untracked files count as changes: new data not committed yet.
    """
    if repo_root(folder.resolve()) is None:
        return None, None
    # No pager, no prompts, and no index refresh that would take git's lock.
    env = {**os.environ, "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env,
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env,
        )
    except OSError:  # no git on this machine
        return None, None
    commit = head.stdout.strip() if head.returncode == 0 else None
    return commit or None, bool(status.stdout.strip()) if status.returncode == 0 else None


def displayer(root: Path) -> Callable[[str], str]:
    """A function turning catalog-relative paths into paths relative to the current folder."""
    try:
        rel = Path(os.path.relpath(root, Path.cwd())).as_posix()
    except ValueError:  # another drive on Windows
        rel = root.as_posix()
    if rel == ".":
        return str
    if any(part != ".." for part in rel.split("/")):
        prefix = rel + "/"
        return lambda relpath: prefix + relpath
    # The current folder is inside the catalog: "../features/x.yaml" must become "x.yaml".
    cwd = Path.cwd()
    return lambda relpath: Path(os.path.relpath(root / relpath, cwd)).as_posix()


def git_blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes, so disk and git contents compare cheaply."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class WorkTree:
    """The catalog as it is on disk now."""

    def __init__(self, root: Path) -> None:
        self.ref: str | None = None
        self.commit: str | None = None
        self.root = root.resolve()
        self.repo = repo_top(self.root)
        self.catalog_dir = self.root.relative_to(self.repo).as_posix().removeprefix(".")
        self.display = displayer(root)

    def files(self) -> list[str]:
        found = [PROJECT_FILE] if (self.root / PROJECT_FILE).is_file() else []
        typos = [e.name for e in os.scandir(self.root) if e.is_dir() and near_kind_folder(e.name)]
        for folder in [*FOLDER_KINDS, *typos]:
            for dirpath, dirnames, filenames in os.walk(self.root / folder):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                rel = Path(dirpath).relative_to(self.root).as_posix()
                found.extend(f"{rel}/{name}" for name in filenames)
        return sorted(p for p in found if is_candidate(p))

    def read(self, relpath: str) -> bytes:
        # os.path.join, not Path: this runs once per definition file.
        with open(os.path.join(self.root, relpath), "rb") as handle:  # noqa: PTH118
            return handle.read(MAX_FILE_BYTES + 1)

    def read_many(self, relpaths: Collection[str]) -> dict[str, bytes]:
        return {relpath: self.read(relpath) for relpath in relpaths}

    def blob_id(self, relpath: str) -> str | None:
        return None  # only known by reading the file

    def escapes_repo(self, relpath: str) -> bool:
        target = (self.root / relpath).resolve()
        return not target.is_relative_to(self.repo)
