"""Writing files so that nothing is lost, half-written or left behind, whoever else writes.

* :func:`replace_atomically` replaces one file in one rename: readers find the old bytes or
  the new, never none and never half.
* :func:`transaction` is a change of several catalog files, made by one writer at a time.
  It takes the repository's write lock (:mod:`.lock`), so a second writer waits, then reads
  and writes on top of the first instead of overwriting it. It first settles whatever a killed
  writer left (:mod:`.journal`), and its :class:`Staged` change is all-or-nothing: undone on an
  error or a crash, kept once finished.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from featurecat.writes.files import Staged, replace_atomically, sweep
from featurecat.writes.journal import Record, settle
from featurecat.writes.lock import locked, state_folder

__all__ = ["Staged", "replace_atomically", "transaction"]


@contextmanager
def transaction(root: Path) -> Iterator[Staged]:
    """Hold the write lock of the repository holding catalog ``root`` for one change.

    Read the catalog inside the block, so the change builds on every earlier write. The
    change is undone when the block ends without :meth:`Staged.finish` (an error, an
    interrupt); a crash is undone by the next transaction.
    """
    top, folder = state_folder(root)
    journal = folder / "journal.json"
    with locked(folder):
        sweep(journal)  # a writer killed while saving its journal
        left = Record.read(journal, top)
        if left is not None:
            settle(left)
        staged = Staged(journal, top)
        try:
            yield staged
        finally:
            staged.undo()
