"""Use a second core where it pays: a forked worker takes a share of a long list of work.

Fork (not spawn) so the worker starts with everything this process has already built (the
model, the compiled templates) instead of receiving it pickled. Where fork is missing, or the
list is short, the work runs here.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a worker's start-up (about 20 ms) and the pickling cost more than
# they save.
MINIMUM = 500


def can_fork() -> bool:
    """Fork only from a single-threaded process (``kabar serve`` has server threads: forking
    those can deadlock), on a machine with a second core, unless KABAR_WORKERS=1."""
    return (os.environ.get("KABAR_WORKERS") != "1"
            and "fork" in multiprocessing.get_all_start_methods()
            and (os.cpu_count() or 1) > 1
            and threading.active_count() == 1)


def split_map(func: Callable[[Sequence[T]], list[R]], items: Sequence[T],
              worker_share: float = 0.5, minimum: int = MINIMUM) -> list[R]:
    """``func(items)``, with the last ``worker_share`` of the items done by a forked worker.

    ``func`` must be a module-level function (the worker receives it by name) and return one
    result per item, in order.
    """
    if len(items) < minimum or not can_fork():
        return func(items)
    cut = len(items) - int(len(items) * worker_share)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(func, items[cut:])
        mine = func(items[:cut])
        theirs = future.result()
    return mine + theirs


# ``shared`` deals out chunks of this many items.
CHUNK = 100


@contextmanager
def shared(func: Callable[[Sequence[T]], list[R]], items: Sequence[T],
           minimum: int = MINIMUM, chunk: int = CHUNK) -> Iterator[Callable[[], list[R]]]:
    """Start a forked worker on ``items``, and go on meanwhile.

    Yields a function that returns ``func``'s results for every item, in order. The worker
    takes chunks from the front; the function, called when this process is free, does the
    last chunk (so an error is raised here) and takes chunks from the back until the two
    meet, so each process's share follows how busy it was. The worker sends its results
    once, at the end: while this process is busy, its threads are slow to read a pipe.
    """
    count = -(-len(items) // chunk)
    if len(items) < minimum or not can_fork():
        yield lambda: func(items)
        return
    context = multiprocessing.get_context("fork")
    # [next chunk from the front, end of the chunks left]; the forked worker inherits it.
    bounds = context.Array("i", [0, count - 1])
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context,
                               initializer=_inherit, initargs=(bounds,))
    try:
        future = pool.submit(_front, func, items, chunk)

        def results() -> list[R]:
            taken = [func(items[(count - 1) * chunk:])]
            while (n := _claim(bounds, back=True)) is not None:
                taken.append(func(items[n * chunk:(n + 1) * chunk]))
            log.debug("the worker did %d of %d chunks", count - len(taken), count)
            return [*future.result(), *(r for part in reversed(taken) for r in part)]

        yield results
    finally:
        _claim(bounds, back=True, stop=True)
        pool.shutdown(wait=True, cancel_futures=True)


_bounds: Any = None  # in the worker: ``shared``'s bounds


def _inherit(bounds: Any) -> None:
    global _bounds
    _bounds = bounds


def _claim(bounds: Any, back: bool = False, stop: bool = False) -> int | None:
    """The next chunk to do, from the front or the back; None when none is left."""
    with bounds.get_lock():
        front, end = int(bounds[0]), int(bounds[1])
        if stop:
            bounds[0] = end
        if front >= end or stop:
            return None
        if back:
            bounds[1] = end - 1
            return end - 1
        bounds[0] = front + 1
        return front


def _front(func: Callable[[Sequence[T]], list[R]], items: Sequence[T], chunk: int) -> list[R]:
    """The worker's part of ``shared``: chunks from the front, until none is left."""
    done: list[R] = []
    while (n := _claim(_bounds)) is not None:
        done += func(items[n * chunk:(n + 1) * chunk])
    return done
