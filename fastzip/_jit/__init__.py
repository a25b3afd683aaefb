"""Numba, the middle tier: fastzip's reference twins compiled as they are, and the JIT kernels
that have no Cython twin (the learned codecs' inference).

Numba is optional (``pip install 'fastzip[numba]'``) and imported only when a compiled
kernel is first asked for: ``import fastzip`` never imports it.

Compiled kernels are cached on disk (``cache=True``): beside the source in ``__pycache__``
when that directory is writable, else in the user's cache directory (Numba's own fallback,
``~/.cache/numba`` or ``$NUMBA_CACHE_DIR``), so a read-only install still compiles once per
machine and not once per process.
"""

from __future__ import annotations

import contextlib
import functools

__all__ = ["IMPLS", "check_impl", "numba", "compiled", "thread_scope"]

IMPLS = ("native", "numba", "reference")
MISSING = "impl='numba' needs Numba: pip install 'fastzip[numba]'"


def check_impl(impl: str, allowed=IMPLS) -> None:
    if impl not in allowed:
        raise ValueError(f"impl must be one of {allowed}, not {impl!r}")


def numba():
    """The numba module, or an ImportError that names the extra to install."""
    try:
        import numba
    except ImportError as exc:
        raise ImportError(MISSING) from exc
    return numba


@functools.cache
def compiled(func, parallel: bool = False):
    """``func`` compiled in nopython mode, cached on disk, once per process."""
    return numba().njit(cache=True, nogil=True, parallel=parallel)(func)


@contextlib.contextmanager
def thread_scope(threads: int | None):
    """Numba's parallel kernels (``prange``) called inside use ``threads`` threads (fastzip's
    policy when None: ``fastzip.get_threads()``), never more than Numba's pool has. Numba keeps
    the setting per calling thread, so concurrent callers do not disturb each other."""
    from .._parallel import resolve

    nb = numba()
    before = nb.get_num_threads()
    nb.set_num_threads(min(resolve(threads), nb.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        nb.set_num_threads(before)
