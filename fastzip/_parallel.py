"""Two cores for native kernels that release the GIL: one half of the rows on a long-lived
helper thread, the other on the caller's. A pool per call would cost more than small images
take to code; one shared helper costs a queue hand-off (~20 us)."""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable

__all__ = ["alongside", "split_rows"]


@functools.cache
def _helper() -> ThreadPoolExecutor | None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return ThreadPoolExecutor(1, thread_name_prefix="fastzip-helper") if cores > 1 else None


def split_rows(work: Callable[[int, int], object], rows: int, *, parallel: bool = True) -> None:
    """``work(first, end)`` over rows ``0 .. rows``: in two halves side by side when there are two
    cores and ``parallel``, else in one call. ``work`` must release the GIL to gain anything."""
    helper = _helper() if parallel and rows > 1 else None
    if helper is None:
        work(0, rows)
        return
    split = rows // 2
    other = helper.submit(work, split, rows)
    try:
        work(0, split)
    finally:
        other.result()


def alongside(helper_work: Callable[[], object], own_work: Callable[[], object]):
    """``own_work()`` here while ``helper_work()`` runs on the helper thread; returns
    ``own_work()``'s result once both are done. With no helper (one core, or the helper busy
    with another caller's job) ``helper_work`` may not run at all: ``own_work`` must be able to
    finish the job alone, and ``helper_work`` must be harmless once it is finished."""
    helper = _helper()
    other = helper.submit(helper_work) if helper is not None else None
    try:
        return own_work()
    finally:
        if other is not None and not other.cancel():
            other.result()
