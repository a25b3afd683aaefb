"""How many threads fastzip's parallel paths use, and the one pool they share.

The policy, for every function that takes ``threads=``:

1. ``threads=N`` in the call wins;
2. else the innermost ``with fastzip.threads(N):`` of this thread (or asyncio task);
3. else the process-wide value of :func:`set_threads` (or ``FASTZIP_NUM_THREADS``, read at import);
4. else automatic: the cores this process may run on (``os.sched_getaffinity``), but **one** in
   any thread other than the main thread and in any process started by :mod:`multiprocessing`
   (a pool's worker, a PyTorch DataLoader worker, a Dask worker process). Code already running
   in parallel gets no extra threads unless it asks: no detection of pools, just this rule.

A default (rules 2-4) is then capped by the work's size (below a threshold, one thread: a
hand-off costs more than it saves); a per-call ``threads=N`` is taken as asked. DEFLATE
compression, whose stream differs when split, uses more than one thread only when asked
(rules 1-3), so that its bytes never depend on the machine; every other path gives the same
bytes and pixels for any thread count.

Work is split in pieces that up to N workers claim dynamically, the caller being one of them,
from one pool that lives as long as the process (threads are made when first needed and
reused). A worker that never gets to run (the pool busy with other callers) costs only speed:
every job can be finished by the caller alone.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import os
import sys
import threading
import warnings
from collections.abc import Callable

__all__ = ["set_threads", "get_threads", "threads", "resolve", "split_rows", "with_helpers", "cores", "ENV"]

ENV = "FASTZIP_NUM_THREADS"
_POOL_LIMIT = 256  # helper threads at most; they are made only when a call asks for them

_scoped: contextvars.ContextVar[int | None] = contextvars.ContextVar("fastzip_threads", default=None)
_process_wide: int | None = None
_pool = None  # a concurrent.futures.ThreadPoolExecutor, made on first use (import fastzip stays light)
_pool_lock = threading.Lock()
# Test hook: the number of workers (caller included) the last parallel job of each thread started.
_last_workers = threading.local()


def _check(n, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive integer, not {n!r}")
    return n


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _automatic() -> int:
    if threading.current_thread() is not threading.main_thread():
        return 1
    mp = sys.modules.get("multiprocessing")  # a multiprocessing child has imported it already
    if mp is not None and mp.parent_process() is not None:
        return 1
    return cores()


def set_threads(n: int | None) -> None:
    """The process-wide default (rule 3); ``None`` goes back to automatic."""
    global _process_wide
    _process_wide = None if n is None else _check(n, "threads")


def get_threads() -> int:
    """The thread count a call from here would use without ``threads=`` (before its size cap)."""
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    return _process_wide if _process_wide is not None else _automatic()


@contextlib.contextmanager
def threads(n: int):
    """``with fastzip.threads(4): ...``: the default inside the block, for this thread (or
    asyncio task) only; blocks nest."""
    token = _scoped.set(_check(n, "threads"))
    try:
        yield
    finally:
        _scoped.reset(token)


def resolve(n: int | None, *, cap: int | None = None, asked_only: bool = False) -> int:
    """The threads a call uses: ``n`` when the caller gives it (the caller's choice, even for
    small work), else :func:`get_threads` capped by ``cap`` (what the work's size is worth).
    ``asked_only``: the automatic default (rule 4) is one thread, for paths whose output
    changes when split (DEFLATE compression), so that bytes never depend on the machine."""
    if n is not None:
        return _check(n, "threads")
    if asked_only and _scoped.get() is None and _process_wide is None:
        return 1
    count = get_threads()
    return max(1, min(count, cap)) if cap is not None else count


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(_POOL_LIMIT, thread_name_prefix="fastzip-worker")
        return _pool


def with_helpers(helper_work: Callable[[], object], own_work: Callable[[], object], workers: int):
    """``own_work()`` on the caller's thread while ``workers - 1`` pool threads run
    ``helper_work()``; returns ``own_work()``'s result once every started helper is done.
    Helpers still queued when ``own_work`` returns are cancelled, so ``own_work`` must be able to
    finish the job alone and ``helper_work`` must be harmless once it is finished."""
    _last_workers.count = workers
    if workers <= 1:
        return own_work()
    pool = _executor()
    others = [pool.submit(helper_work) for _ in range(workers - 1)]
    try:
        return own_work()
    finally:
        for other in others:
            if not other.cancel():
                other.result()


def split_rows(work: Callable[[int, int], object], rows: int, workers: int, *, pieces_per_worker: int = 4) -> None:
    """``work(first, end)`` over rows ``0 .. rows`` by up to ``workers`` threads, each claiming
    the next of about ``pieces_per_worker * workers`` pieces until none is left (fast threads
    take more). ``work`` must release the GIL to gain anything."""
    workers = max(1, min(workers, rows))
    if workers == 1:
        _last_workers.count = 1
        work(0, rows)
        return
    pieces = min(rows, pieces_per_worker * workers)
    bounds = [rows * i // pieces for i in range(pieces + 1)]
    claims = itertools.count()  # next() on it is atomic under the GIL

    def worker():
        for i in iter(claims.__next__, None):
            if i >= pieces:
                return
            work(bounds[i], bounds[i + 1])

    with_helpers(worker, worker, workers)


def last_workers() -> int | None:
    """How many workers (the caller included) this thread's last parallel job started."""
    return getattr(_last_workers, "count", None)


def _from_environment() -> None:
    value = os.environ.get(ENV)
    if not value:
        return
    try:
        set_threads(int(value))
    except ValueError:
        warnings.warn(f"{ENV}={value!r} is not a positive integer; ignored", RuntimeWarning, stacklevel=2)


_from_environment()
