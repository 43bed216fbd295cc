"""What ``docs serve`` watches, and when a burst of file events has become one change.

The folders are watched with the platform's own file events (inotify on Linux, FSEvents on
macOS, ReadDirectoryChangesW on Windows) through watchdog, so an idle server does no work:
nothing polls. Only events that can change the portal count: a file created, written,
closed after writing, moved or deleted; reads (opens) and attribute changes do not, or every
build, which reads every file, would trigger the next.

An editor's save is several events (a temporary file, a write, a rename, a backup), so a
change counts once events have stopped for :data:`QUIET_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from featurecat.catalog import Catalog
from featurecat.errors import FeaturecatError
from featurecat.portal.project import WORK_DIR

QUIET_SECONDS = 0.4


class Changes:
    """Settled changes: :meth:`note` on every event, :meth:`wait` for the burst to end."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._last: float | None = None
        self._closed = False

    @property
    def pending(self) -> bool:
        """Whether a change was seen that no build has taken yet."""
        return self._last is not None

    def note(self) -> None:
        with self._condition:
            self._last = time.monotonic()
            self._condition.notify_all()

    def take(self) -> None:
        """A build is starting: it includes every change seen so far."""
        with self._condition:
            self._last = None

    def close(self) -> None:
        """Wake :meth:`wait` for good."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def wait(self) -> bool:
        """Block until a change has settled (True; it stays pending until :meth:`take`), or
        until closed (False). Without a change this sleeps with no timeout: no wake-ups.
        """
        with self._condition:
            while not self._closed:
                if self._last is None:
                    self._condition.wait()
                    continue
                remaining = self._last + QUIET_SECONDS - time.monotonic()
                if remaining <= 0:
                    return True
                self._condition.wait(remaining)
            return False


def watched_folders(catalog: Catalog) -> list[Path]:
    """The catalog, its site folder and its data folder (when those lie outside it)."""
    root = catalog.root.resolve()
    folders = [root]
    extra = [catalog.project.data_root]
    if catalog.project.site is not None:
        extra.append(catalog.project.site)
    for relative in extra:
        folder = (root / relative).resolve()
        if folder.is_dir() and not any(folder.is_relative_to(f) for f in folders):
            folders.append(folder)
    return folders


def ignored(path: str, generated: Path) -> bool:
    """Git's own files and the portal's generated project change with every build."""
    parts = Path(path).parts
    return ".git" in parts or Path(path).is_relative_to(generated)


def _watched(folder: Path) -> bool:
    return folder.name not in (".git", Path(WORK_DIR).parts[0])


@contextmanager
def watching(catalog: Catalog, changes: Changes) -> Iterator[str]:
    """Watch ``catalog``'s folders, noting relevant events in ``changes``; yields the watcher's
    name (``inotify`` on Linux)."""
    from watchdog.events import (
        DirCreatedEvent,
        DirDeletedEvent,
        DirMovedEvent,
        FileClosedEvent,
        FileCreatedEvent,
        FileDeletedEvent,
        FileModifiedEvent,
        FileMovedEvent,
        FileSystemEvent,
        FileSystemEventHandler,
    )
    from watchdog.observers import Observer

    kinds: list[type[FileSystemEvent]] = [
        FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileMovedEvent, FileDeletedEvent,
        DirCreatedEvent, DirMovedEvent, DirDeletedEvent,
    ]  # fmt: skip
    relevant = {"created", "modified", "closed", "moved", "deleted"}
    generated = catalog.root.resolve() / Path(WORK_DIR).parts[0]

    observer: Any = Observer()
    root = catalog.root.resolve()

    def schedule(folder: Path, recursive: bool = True) -> None:
        observer.schedule(handler, str(folder), recursive=recursive, event_filter=kinds)

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type not in relevant:
                return
            if event.is_directory and event.event_type == "modified":
                return
            paths = [Path(str(p)) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
            new = event.event_type in ("created", "moved") and event.is_directory
            if new and paths[-1].parent == root and _watched(paths[-1]):
                with suppress(OSError):  # gone again already: its removal is an event too
                    schedule(paths[-1])  # a new top-level folder of the catalog
            if any(not ignored(str(p), generated) for p in paths):
                changes.note()

    handler = Handler()
    # The catalog's own level alone, then each of its folders but the generated project:
    # a recursive watch there would watch (and hear every write to) 20,000 page folders.
    for folder in watched_folders(catalog):
        if folder != root:
            schedule(folder)
            continue
        schedule(root, recursive=False)
        for child in sorted(root.iterdir()):
            if child.is_dir() and _watched(child):
                schedule(child)
    try:
        observer.start()
    except OSError as exc:
        raise FeaturecatError(
            f"cannot watch {catalog.root} for changes ({exc.strerror or exc}); on Linux, raise "
            "fs.inotify.max_user_watches, or build once with 'featurecat docs build'"
        ) from None
    try:
        yield type(observer).__name__.removesuffix("Observer").lower()
    finally:
        observer.stop()
        observer.join()
