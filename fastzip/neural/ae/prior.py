"""How an autoencoder codec codes its latents, and the tables, counted on its training set.

A convolutional codec's latents form a grid per channel, and neighbouring latents of a channel
are alike (as DC values of neighbouring JPEG blocks are). Each latent is therefore coded as its
difference from the median edge predictor of the latents to its left, above and above-left
(zero outside the grid), under a table chosen by its channel and by how large those four
already decoded neighbours (with the one above-right) are: near zero they are a good sign of
another zero. This spends about a quarter fewer bytes than one table per channel. A dense
codec's latents have no neighbours: one table per latent number, the value itself.

Tables are histograms of the training images' values per table, each count plus a half (so a
value never seen still codes), over at most :data:`MAX_LATENT_BINS` values around the median;
values outside take the rANS escape. Everything is integer arithmetic on integers stored in the
codec file: encoder and decoder agree on every machine.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ... import rans
from ..._jit import compiled
from ...errors import FormatError
from ...reference import rans as _rans

__all__ = ["contexts", "decode", "tables", "table_count", "MAX_LATENT_BINS", "SIZE_EDGES"]

MAX_LATENT_BINS = 255
SIZE_EDGES = np.array([1, 2, 3, 5, 9, 17], np.int64)  # 7 bins of |left| + |above| + |above-left| + |above-right|
_rans_decode = compiled(_rans.decode)


def table_count(latent_channels: int) -> int:
    return latent_channels * (len(SIZE_EDGES) + 1)


@njit(cache=True, nogil=True, inline="always")
def _at(q, y, x, c):
    if y < 0 or x < 0 or x >= q.shape[1]:
        return np.int64(0)
    return np.int64(q[y, x, c])


@njit(cache=True, nogil=True, inline="always")
def _predict(q, y, x, c):
    """(prediction, size bin) of latent (y, x, c) from the ones decoded before it."""
    a, b, d, e = _at(q, y, x - 1, c), _at(q, y - 1, x, c), _at(q, y - 1, x - 1, c), _at(q, y - 1, x + 1, c)
    if d >= max(a, b):
        prediction = min(a, b)
    elif d <= min(a, b):
        prediction = max(a, b)
    else:
        prediction = a + b - d
    size = abs(a) + abs(b) + abs(d) + abs(e)
    k = 0
    while k < len(SIZE_EDGES) and size >= SIZE_EDGES[k]:
        k += 1
    return prediction, c * (len(SIZE_EDGES) + 1) + k


@njit(cache=True, nogil=True, parallel=True)
def _contexts(latents, values, tables):
    count, height, width, channels = latents.shape
    per_image = height * width * channels
    for n in prange(count):
        q = latents[n]
        i = n * per_image
        for y in range(height):
            for x in range(width):
                for c in range(channels):
                    prediction, table = _predict(q, y, x, c)
                    values[i] = q[y, x, c] - prediction
                    tables[i] = table
                    i += 1


@njit(cache=True, nogil=True)
def _decode(data, state, cdf, offset, latents) -> int:
    count, height, width, channels = latents.shape
    table = np.zeros(1, np.int32)
    value = np.zeros(1, np.int32)
    for n in range(count):
        q = latents[n]
        for y in range(height):
            for x in range(width):
                for c in range(channels):
                    prediction, t = _predict(q, y, x, c)
                    table[0] = t
                    status = _rans_decode(data, state, table, cdf, offset, value)
                    if status != 0:
                        return status
                    v = np.int64(value[0]) + prediction
                    if abs(v) >= 1 << 30:  # no encoder makes such a latent
                        return _rans.CORRUPT
                    q[y, x, c] = v
    return 0


def _grid(latents: np.ndarray) -> np.ndarray:
    """(N, h, w, L) for a convolutional codec; a dense codec's (N, L) as (N, 1, 1, L)."""
    return latents if latents.ndim == 4 else latents.reshape(len(latents), 1, 1, -1)


def contexts(latents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, tables) the encoder codes for integer ``latents`` (N, h, w, L) or (N, L)."""
    grid = np.ascontiguousarray(_grid(latents), np.int32)
    values = np.empty(grid.size, np.int32)
    tables = np.empty(grid.size, np.int32)
    _contexts(grid, values, tables)
    return values, tables


def decode(data: bytes, shape: tuple, cdf, offset) -> np.ndarray:
    """Latents of ``shape`` ((N, h, w, L) or (N, L)) from their rANS stream; FormatError on damage."""
    cdf, offset = rans.check_tables(cdf, offset)
    stream = np.frombuffer(data, np.uint8)
    state = _rans.decoder_state(stream)
    latents = np.zeros(shape, np.int32)
    status = state[2] or _decode(stream, state, cdf.astype(np.int64), offset.astype(np.int64), _grid(latents))
    status = status or _rans.finish(stream, state)
    if status:
        raise FormatError("autoencoder codes: latent stream " + ("truncated" if status == _rans.TRUNCATED else "corrupt"))
    return latents


def tables(values: np.ndarray, table_index: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(cdf, offset) with ``rows`` tables from the training values coded under each."""
    values, table_index = values.astype(np.int64), table_index.astype(np.int64)
    lo, hi, centre = np.zeros(rows, np.int64), np.zeros(rows, np.int64), np.zeros(rows, np.int64)
    for t in range(rows):
        v = values[table_index == t]
        if len(v):
            centre[t] = int(np.rint(np.median(v)))
            lo[t], hi[t] = v.min(), v.max()
    half = MAX_LATENT_BINS // 2
    lo, hi = np.maximum(lo, centre - half), np.minimum(hi, centre + half)
    bins = int((hi - lo).max()) + 1 + 1  # the values, then the escape
    inside = (values >= lo[table_index]) & (values <= hi[table_index])
    column = np.where(inside, values - lo[table_index], bins - 1)
    counts = 0.5 + np.bincount(table_index * bins + column, minlength=rows * bins).reshape(rows, bins)
    return rans.tables_from_probabilities(counts).astype(np.int32), lo.astype(np.int32)
