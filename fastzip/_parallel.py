"""Two cores for native kernels that release the GIL: one half of the rows on a long-lived
helper thread, the other on the caller's. A pool per call would cost more than small images
take to code; one shared helper costs a queue hand-off (~20 us)."""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable

__all__ = ["split_rows"]


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
