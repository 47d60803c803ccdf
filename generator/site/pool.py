"""Use a second core where it pays: a forked worker takes a share of a long list of work.

Only the build uses it: ``split_map`` for parsing incident files (``site/inputs.py``),
``ahead`` for work done while this process is busy with something else, ``make_all`` for
the stale outputs (``site/build.py``). A worker receives what it needs as
the arguments of its function, never through a module's globals. Fork (not spawn) so the
worker starts with everything this process has already built (the model, the compiled
templates) instead of receiving it pickled. Where fork is missing, or the list is short, the
work runs here.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from generator.render.output import Output

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


class Ahead(Generic[T, R]):
    """A forked worker mapping a function over chunks of a list while this process does
    something else; ``collect`` stops it and takes what it has done by then."""

    def __init__(self, func: Callable[[Sequence[T]], list[R]], items: Sequence[T],
                 chunk: int) -> None:
        context = multiprocessing.get_context("fork")
        self._stop = context.Event()
        self._receive, send = context.Pipe(duplex=False)
        self._worker = context.Process(target=_ahead, args=(func, items, chunk, self._stop,
                                                            send), daemon=True)
        self._worker.start()
        send.close()
        self._items = items
        self._open = True

    def collect(self) -> list[tuple[T, R]]:
        """Each item the worker has done, with its result (it finishes the chunk in hand)."""
        self._stop.set()
        try:
            done: list[R] = self._receive.recv()  # the results of the first items, in order
        except EOFError:  # it failed: what it did not do is done when needed
            done = []
        self.close()
        return list(zip(self._items[:len(done)], done, strict=True))

    def close(self) -> None:
        """Stop the worker and wait for it (after a failure here, or once collected)."""
        if self._open:
            self._open = False
            self._stop.set()
            self._receive.close()
            self._worker.join()
            self._worker.close()


def ahead(func: Callable[[Sequence[T]], list[R]], items: Sequence[T],
          chunk: int = 200) -> Ahead[T, R] | None:
    """``func`` over ``items`` in a forked worker, chunk by chunk, until collected; None where
    there is no second core to use, or the list is short."""
    if len(items) < MINIMUM or not can_fork():
        return None
    return Ahead(func, items, chunk)


def _ahead(func: Callable[[Sequence[T]], list[R]], items: Sequence[T], chunk: int,
           stop: Any, send: Connection) -> None:
    """The worker: chunks until stopped or done, then every result, at once (sending as it
    went would fill the pipe while the parent is busy, and stall)."""
    done: list[R] = []
    try:
        for start in range(0, len(items), chunk):
            if stop.is_set():
                break
            done.extend(func(items[start:start + chunk]))
    except BaseException:  # noqa: BLE001 - what is missing is done in the parent, when needed
        pass
    _send(send, done)


# ``make_all`` deals out chunks of this many outputs.
CHUNK = 100


def make_all(outputs: Sequence[Output], place: Callable[[str, bytes], R],
             minimum: int = MINIMUM, chunk: int = CHUNK) -> list[R]:
    """``place(path, bytes)`` of each output made, in order; with many, a forked worker
    process makes and places a share.

    ``place`` puts the bytes where they go (the build writes them into the new site's
    folder) and returns something small to send back. The worker receives the outputs,
    ``place``, the shared bounds and its end of a pipe as the arguments of its function
    (fork: nothing is pickled on the way in). It takes chunks from the front while this
    process takes them from the back, until the two meet, so each process's share follows
    how busy it was; it sends what ``place`` returned once, at the end. A chunk the worker
    did not send (it failed) is made here, so an error is raised here.
    """
    if len(outputs) < minimum or not can_fork():
        return [place(output.path, output.make()) for output in outputs]
    count = -(-len(outputs) // chunk)
    context = multiprocessing.get_context("fork")
    bounds = context.Array("i", [0, count])  # [next chunk from the front, end of those left]
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_front, args=(outputs, place, chunk, bounds, send),
                             daemon=True)
    worker.start()
    send.close()
    try:
        done: dict[int, list[R]] = {}
        while (n := _claim(bounds, back=True)) is not None:
            done[n] = _make(outputs, place, n, chunk)
        try:
            theirs: dict[int, list[R]] = receive.recv()
        except EOFError:
            theirs = {}
        log.debug("the worker made %d of %d chunks", len(theirs), count)
        done |= theirs
        return [placed for n in range(count)
                for placed in (done[n] if n in done else _make(outputs, place, n, chunk))]
    finally:
        _claim(bounds, stop=True)
        receive.close()
        worker.join()
        worker.close()


def _make(outputs: Sequence[Output], place: Callable[[str, bytes], R], n: int,
          chunk: int) -> list[R]:
    return [place(output.path, output.make()) for output in outputs[n * chunk:(n + 1) * chunk]]


def _claim(bounds: Any, back: bool = False, stop: bool = False) -> int | None:
    """The next chunk to make, from the front or the back; None when none is left."""
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


def _front(outputs: Sequence[Output], place: Callable[[str, bytes], R], chunk: int,
           bounds: Any, send: Connection) -> None:
    """The worker: chunks from the front until none is left, then all it placed, at once."""
    done: dict[int, list[R]] = {}
    try:
        while (n := _claim(bounds)) is not None:
            done[n] = _make(outputs, place, n, chunk)
    except BaseException:  # noqa: BLE001 - what is missing is made (and raises) in the parent
        pass
    _send(send, done)


def _send(send: Connection, done: object) -> None:
    """A worker's results, once, to a parent that may have stopped (it failed)."""
    try:
        send.send(done)
    except OSError:  # nothing to send to
        pass
    send.close()
