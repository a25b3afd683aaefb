"""Process settings that decide how fast torch runs on a small CPU machine.

glibc returns every freed block above its mmap threshold to the kernel, so each large activation
is mapped, zero-filled page by page and unmapped again on every step: training at 512x512 ran at
0.55-0.65 s per step here instead of 0.23-0.33 s. :func:`keep_freed_memory` raises the mmap and
trim thresholds (like ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_``) so that freed
activations are reused. The cost is that the process keeps its peak heap until it exits.

:class:`Schedule` is the training loop's budget, learning rate and progress bar, shared by the
trainers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
import time

__all__ = ["keep_freed_memory", "use_all_cores", "Schedule"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Older glibc refuses mmap thresholds above 32 MiB (HEAP_MAX_SIZE / 2); activations here are smaller.
_THRESHOLDS = (1 << 30, 32 << 20)


def keep_freed_memory() -> bool:
    """Ask glibc's allocator to keep freed memory; True if it was applied (glibc only)."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mmap_set = any(mallopt(_M_MMAP_THRESHOLD, value) for value in _THRESHOLDS)
    return mmap_set and bool(mallopt(_M_TRIM_THRESHOLD, _THRESHOLDS[0]))


def use_all_cores() -> int:
    """Give torch's intra-op pool every core this process may run on; returns the count."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    torch.set_num_threads(cores)
    return cores


class Schedule:
    """A training budget of ``steps`` or ``minutes`` (exactly one), a cosine learning rate from
    ``lr`` on ``optimizer``, a tqdm progress bar (when ``progress``) and a history of
    (step, seconds, PSNR, bits per pixel) every ``evaluate_every`` steps: the loop every trainer
    here shares. Iterate for each step's progress in [0, 1), then call :meth:`record` once per step."""

    def __init__(self, optimizer, lr: float, *, steps: int | None = None, minutes: float | None = None,
                 desc: str = "training", progress: bool = True, evaluate_every: int = 100):
        if (steps is None) == (minutes is None):
            raise ValueError("give exactly one of steps and minutes")
        self.optimizer, self.lr, self.steps, self.evaluate_every = optimizer, lr, steps, evaluate_every
        self.budget = minutes * 60 if minutes is not None else None
        self.step, self.seconds, self.history = 0, 0.0, []
        self.bar = None
        if progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=steps if steps is not None else int(self.budget), unit="step" if steps else "s",
                            desc=desc, dynamic_ncols=True)

    def __iter__(self):
        start = time.perf_counter()
        self._start = start
        try:
            while True:
                done = self.step / self.steps if self.steps is not None else (time.perf_counter() - start) / self.budget
                if done >= 1:
                    break
                for group in self.optimizer.param_groups:
                    group["lr"] = self.lr * 0.5 * (1 + math.cos(math.pi * done))
                yield done
        finally:
            self.seconds = time.perf_counter() - start
            if self.bar is not None:
                self.bar.close()

    def record(self, mse, bpp) -> None:
        """After a step: its MSE (on [0, 1] samples) and bits per pixel, as tensors or floats."""
        self.step += 1
        if self.step % self.evaluate_every and self.bar is None:
            return
        psnr = -10 * math.log10(max(float(mse), 1e-12))
        bpp = float(bpp)
        elapsed = time.perf_counter() - self._start
        if self.step % self.evaluate_every == 0:
            self.history.append((self.step, elapsed, psnr, bpp))
        if self.bar is not None:
            self.bar.set_postfix(psnr=f"{psnr:.2f}", bpp=f"{bpp:.3f}", refresh=False)
            self.bar.update(1 if self.steps is not None else int(elapsed) - self.bar.n)
