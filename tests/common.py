"""Helpers the hostile-input tests share: cutting a valid stream everywhere and mutating it,
then checking that the decoder answers each input with its output or a fastzip error and
nothing else (any other exception propagates and fails the test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest

from fastzip import FastzipError, FormatError


def assert_every_cut_fails(blob: bytes, decode: Callable, *, step: int = 1, error=FormatError) -> None:
    """Every proper prefix of ``blob`` (every ``step``-th one) raises ``error``."""
    for cut in range(0, len(blob), step):
        with pytest.raises(error):
            decode(blob[:cut])


def mutants(base: bytes, rng: np.random.Generator, count: int, *, changes: tuple[int, int] = (1, 4),
            how: str = "set", first: int = 0, last: int | None = None, cut_every: int = 0) -> Iterator[bytes]:
    """``count`` copies of ``base`` with ``changes`` (low, high) bytes changed between ``first``
    and ``last``: bits flipped (``how="flip"``), xored with a non-zero byte (``"xor"``) or set
    to any other value (``"set"``); every ``cut_every``-th one is also cut short after ``first``."""
    base = np.frombuffer(base, np.uint8)
    last = base.size if last is None else last
    for trial in range(count):
        stream = base.copy()
        positions = rng.integers(first, last, rng.integers(*changes))
        if how == "flip":
            stream[positions] ^= (1 << rng.integers(0, 8, positions.size)).astype(np.uint8)
        elif how == "xor":
            stream[positions] ^= rng.integers(1, 256, positions.size).astype(np.uint8)
        else:
            values = rng.integers(0, 256, positions.size).astype(np.uint8)
            values[values == stream[positions]] ^= 1  # a byte set to what it was would change nothing
            stream[positions] = values
        if cut_every and trial % cut_every == 0:
            stream = stream[: rng.integers(first, stream.size)]
        yield stream.tobytes()


def outcomes(decode: Callable, streams, check: Callable | None = None) -> dict:
    """Decode each stream: counts of fastzip errors and of outputs (each passed to ``check``)."""
    counts = {"error": 0, "ok": 0}
    for stream in streams:
        try:
            out = decode(stream)
        except FastzipError:
            counts["error"] += 1
        else:
            counts["ok"] += 1
            if check is not None:
                check(out)
    return counts
