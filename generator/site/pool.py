"""The build's worker processes: one ``concurrent.futures`` pool, forked, given work by index.

Kabar runs on Linux and macOS. Two stages of a build use workers when there is enough to
share (``MINIMUM`` items): parsing the incident files (``site/inputs.py``), while this process
reads the history, and making and writing the stale outputs (``site/build.py``); in
between, while this process computes the model, one worker saves the incidents' cache
(``aside``). Sphinx's ``sphinx/util/parallel.py`` is the model:

- The work is ``work(n)`` for each chunk index ``n``. It reaches the workers through
  ``_work``, a module global set just before the pool forks them, so a worker starts with
  everything this process has built (the model, the compiled templates) and nothing is
  pickled on the way in; only each chunk's result comes back.
- Fork, not forkserver or spawn: on the 10,000-incident bench site those would send the
  model to each worker (pickling it 0.3 s here, unpickling it 0.9 s and declaring the
  outputs again 1.2 s in each worker: about 2 s more per cold build), where forking two
  workers takes 0.02 s. Where fork is missing, or another thread is running (forking a
  threaded process can leave a lock held in the child; Python 3.12 warns about it), the
  work runs here, one chunk after another.
- A worker's error comes back with its traceback (shown with ``-v``); the build fails with
  one line and the chunks not yet started are cancelled. A worker that dies (the OOM
  killer) fails the build too.
- No worker outlives its build: the pool is shut down and its workers joined before
  ``build`` returns or raises, and each worker has a thread that ends it within
  ``WATCH`` seconds once this process is gone (killed: nothing else would tell it, since
  its sibling workers keep the pool's pipes open). Ctrl+C reaches this process only.

``-j N`` (``kabar build``) or ``KABAR_WORKERS`` chooses how many workers; the default is one
per core, and 1 means no worker.

Platforms: Kabar supports Linux and macOS. What differs between them has a fallback, each
tested by taking the Linux function away (``tests/test_pool.py``): fork (both; where it is
missing the build runs in one process), ``renameat2`` (Linux: the site is swapped in one
step; macOS: two renames, undone by ``recover`` if a crash falls between them),
``posix_fadvise`` (Linux: incident files read ahead; macOS: read without the hint).
``os.pread`` (history appends) is POSIX: both have it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, BrokenExecutor, Future, wait
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from generator.errors import BuildError, KabarError

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, starting workers (about 20 ms) and sending results back cost more
# than they save.
MINIMUM = 500
# How often a worker checks that the build process is still there, in seconds.
WATCH = 0.1

_work: Callable[[int], Any] | None = None  # what the next pool's workers run (see Pool)


def workers(jobs: int | None = None) -> int:
    """How many worker processes a build may use: ``jobs`` (``-j``), else ``KABAR_WORKERS``,
    else one per core; 1 (none) where fork is missing or another thread is running."""
    if jobs is None:
        setting = os.environ.get("KABAR_WORKERS", "")
        jobs = int(setting) if setting.isdigit() else os.cpu_count() or 1
    if ("fork" not in multiprocessing.get_all_start_methods()
            or threading.active_count() > 1):
        return 1
    return max(1, jobs)


class Pool(Generic[R]):
    """``work(n)`` for each ``n`` of ``range(count)``, in ``jobs`` forked workers that start
    at once; ``results`` waits for them. Use it as a context manager, or call ``close``."""

    def __init__(self, work: Callable[[int], R], count: int, jobs: int) -> None:
        global _work
        self.pids: set[int] = set()  # the processes that did a chunk
        from concurrent.futures import ProcessPoolExecutor  # imports multiprocessing's parts

        _work = work
        try:
            self._executor = ProcessPoolExecutor(
                jobs, mp_context=multiprocessing.get_context("fork"),
                initializer=_started, initargs=(os.getpid(),))
            # The first submit forks every worker, with ``_work`` as it is now.
            self._futures: list[Future[tuple[int, R]]] = [
                self._executor.submit(_chunk, n) for n in range(count)]
        except BaseException:
            self.close()
            raise
        finally:
            _work = None

    def __enter__(self) -> Pool[R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def results(self) -> list[R]:
        """Each chunk's result, in order; the first error of any worker raised here."""
        try:
            wait(self._futures, return_when=FIRST_EXCEPTION)
            for future in self._futures:
                if future.done() and not future.cancelled() and future.exception():
                    raise _reported(future.exception())
            done = [future.result() for future in self._futures]
        finally:
            self.close()
        self.pids.update(pid for pid, _ in done)
        return [result for _, result in done]

    def close(self) -> None:
        """Cancel the chunks not started, wait for those in hand, and join the workers."""
        executor = getattr(self, "_executor", None)
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def chunked(func: Callable[[Sequence[T]], list[R]], items: Sequence[T],
            chunk: int) -> tuple[Callable[[int], list[R]], int]:
    """``func`` over ``items`` as work by chunk index, and the number of chunks."""
    return (lambda n: func(items[n * chunk:(n + 1) * chunk])), -(-len(items) // chunk)


def split_map(func: Callable[[Sequence[T]], list[R]], items: Sequence[T], jobs: int = 1,
              chunk: int = 250, pids: set[int] | None = None,
              meanwhile: Callable[[], object] = lambda: None) -> list[R]:
    """``func(items)``, one result per item in order, shared among ``jobs`` workers when
    there are ``MINIMUM`` items or more; ``pids`` gets the processes that did the work.
    This process calls ``meanwhile()`` while the workers work (else before ``func``)."""
    if jobs < 2 or len(items) < MINIMUM:
        if pids is not None:
            pids.add(os.getpid())
        meanwhile()
        return func(items)
    work, count = chunked(func, items, chunk)
    with Pool(work, count, jobs) as pool:
        meanwhile()
        parts = pool.results()
    if pids is not None:
        pids.update(pool.pids)
    return [result for part in parts for result in part]


@contextmanager
def aside(work: Callable[[], object], jobs: int) -> Iterator[None]:
    """``work()`` in a forked worker while the body runs here, ended (its error raised here)
    when the body is done; with ``jobs`` < 2, ``work()`` here after the body. The build
    saves the incidents' cache so while it computes the model, when the second core would
    otherwise wait."""
    if jobs < 2:
        yield
        work()
        return
    with Pool(lambda _: work(), 1, 1) as pool:
        yield
        pool.results()


def _started(parent: int) -> None:
    """In each worker, first: leave Ctrl+C to the build process, and end when it is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch, args=(parent,), name="kabar-watch", daemon=True).start()


def _watch(parent: int) -> None:
    """End this worker once ``parent`` is no longer its parent (killed: it was adopted)."""
    while os.getppid() == parent:
        time.sleep(WATCH)
    os._exit(1)  # an orphan: nothing it would make can be used


def _chunk(n: int) -> tuple[int, Any]:
    assert _work is not None, "a worker forked without its work"
    return os.getpid(), _work(n)


def _reported(error: BaseException | None) -> BaseException:
    """What to raise here for a worker's error: Kabar's own errors and the system's (a full
    disk, too many open files) as they are, anything else as one line, its traceback
    logged for ``-v``."""
    if isinstance(error, KabarError | OSError):
        return error
    if isinstance(error, BrokenExecutor):
        return BuildError("a worker process ended without finishing its work (killed, or "
                          "out of memory?); run again, or with -j 1")
    cause = getattr(error, "__cause__", None)
    log.debug("a worker process failed:%s", getattr(cause, "tb", f" {error!r}"))
    return BuildError(f"a worker process failed: {type(error).__name__}: {error}"
                      " (-v shows where)")
