"""Forked worker processes that die with the process that forked them.

A ``ProcessPoolExecutor`` worker waits on its task queue, and with the fork start method it
holds its own copy of that queue's write end: when the parent is killed (``kill -9`` of a
``docs build``, a closed terminal), nothing ever wakes it, and it stays blocked for good,
holding its share of the parent's memory. So each worker also watches a pipe whose only
write end the parent keeps: the parent's death closes it, the read returns end-of-file, and
the worker exits. This works wherever fork does, with no polling.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_task: Callable[[Any], Any] | None = None


def forkable() -> bool:
    """Whether this platform can fork workers (which then inherit memory, nothing pickled)."""
    return "fork" in multiprocessing.get_all_start_methods()


def forked_map(task: Callable[[Any], Any], chunks: Sequence[Any]) -> list[Any]:
    """``[task(chunk) for chunk in chunks]``, one forked worker per chunk.

    ``task`` and everything it reaches are inherited by the fork, so only the chunks and the
    results are pickled.
    """
    global _task
    _task = task
    readable, writable = os.pipe()
    try:
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(
            len(chunks), context, initializer=_die_with_parent, initargs=(readable, writable)
        )
        with pool:
            return list(pool.map(_run, chunks))
    finally:
        os.close(writable)
        os.close(readable)
        _task = None


def _run(chunk: Any) -> Any:
    assert _task is not None
    return _task(chunk)


def _die_with_parent(readable: int, writable: int) -> None:
    """In each worker, first: exit as soon as the parent's end of the pipe closes."""
    os.close(writable)  # so the parent holds the only write end (siblings close theirs too)
    threading.Thread(target=_exit_at_eof, args=(readable,), daemon=True).start()


def _exit_at_eof(readable: int) -> None:
    while os.read(readable, 1):  # nobody writes: this returns only at end of file
        pass
    os._exit(1)
