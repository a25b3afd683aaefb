"""The discretized Laplace tables of the latent-grid codec, shipped with fastzip.

A latent ``v`` predicted with mean ``mu`` and scale ``b`` is coded as the residual
``v - floor(mu)`` under table (scale bin j, mean bin f): the Laplace law of scale
``B0 * 2**(j / 4)`` centred on ``(f + 0.5) / FRACTIONS``, integrated over each unit bin in
[-RADIUS, RADIUS], plus an escape bin for anything farther (``fastzip.rans``).

Why shipped: an entropy decoder must use exactly the encoder's integers. The tables come from
``exp``, whose last bit may differ between math libraries, and a single differing frequency
would turn the rest of a stream into garbage on another machine. So they were computed once
(:func:`compute`, float64) and are read from ``laplace_v1.npz``; a test checks that the file is
what :func:`compute` gives here. A new table is a new format version.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

__all__ = ["SCALES", "FRACTIONS", "RADIUS", "B0", "scale_of", "tables", "compute"]

SCALES = 40  # scale bins: B0 * 2**(j / 4), 0.04 ... 34
FRACTIONS = 8  # mean bins: the fractional part of the mean, in eighths
RADIUS = 64
B0 = 0.04
_FILE = Path(__file__).with_name("laplace_v1.npz")


def scale_of(j) -> np.ndarray:
    return B0 * 2.0 ** (np.asarray(j, np.float64) / 4)


def compute() -> np.ndarray:
    """The cumulative frequency rows (SCALES * FRACTIONS x 2 * RADIUS + 3), from float64."""
    from ...rans import tables_from_probabilities

    r = np.arange(-RADIUS, RADIUS + 1, dtype=np.float64)
    rows = []
    for j in range(SCALES):
        b = float(scale_of(j))
        for f in range(FRACTIONS):
            mu = (f + 0.5) / FRACTIONS
            upper, lower = r + 0.5 - mu, r - 0.5 - mu
            cdf = lambda x: np.where(x < 0, 0.5 * np.exp(-np.abs(x) / b), 1 - 0.5 * np.exp(-np.abs(x) / b))
            p = cdf(upper) - cdf(lower)
            tail = 1.0 - p.sum()
            rows.append(np.append(p, max(tail, 1e-9)))
    return tables_from_probabilities(np.array(rows))


@functools.cache
def tables() -> tuple[np.ndarray, np.ndarray]:
    """(cdf rows as uint32, offsets): the shipped tables, as ``fastzip.rans`` takes them."""
    with np.load(_FILE) as data:
        freq = data["freq"].astype(np.int64)
    cdf = np.zeros((freq.shape[0], freq.shape[1] + 1), np.int64)
    np.cumsum(freq, axis=1, out=cdf[:, 1:])
    cdf.flags.writeable = False
    offset = np.full(len(cdf), -RADIUS, np.int64)
    offset.flags.writeable = False
    return cdf, offset


def _write() -> None:  # pragma: no cover  (run once, when the table changes with the version)
    cdf = compute()
    np.savez_compressed(_FILE, freq=np.diff(cdf, axis=1).astype(np.uint16))


if __name__ == "__main__":  # pragma: no cover
    _write()
