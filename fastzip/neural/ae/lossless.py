"""The lossless mode: every sample coded after the lossy reconstruction, in integers only.

Each sample is predicted from its already decoded neighbours and from the reconstruction,
which the decoder holds whole before the first sample: LOCO-I's median edge detector on the
left, upper and upper-left samples, plus ``alpha`` (a quarter-step fraction learned on the
training set) of how the reconstruction departs from the same median of *its* neighbours
there; or (``alpha = 5``) the reconstruction itself, the residual being coded as it is; or
(``alpha = 6``, for images of few distinct levels, such as scanned digits, where any
prediction spreads a peaked histogram) no prediction: the sample's own value, under a table
chosen by the reconstruction's level there (a quarter of the range) and the neighbourhood. Colour images code green first; red and blue then subtract ``beta`` (a half-step
fraction, learned too) of green's prediction error at the same pixel. The error, wrapped
modulo 256 into -128..127 (the decoder adds it back modulo 256), is rANS-coded
under a table per context: the channel, how busy the decoded neighbourhood is (LOCO-I's three
gradients summed, :data:`ACTIVITY_EDGES`) and how busy the reconstruction is there
(:data:`RECONSTRUCTION_EDGES`). When the reconstruction is a poor guide the training picks
``alpha = 0`` and this is a LOCO-I-like coder with learned tables; the better the codec, the
more of the prediction it carries.

Outside the image, neighbours take the reconstruction's nearest sample. Everything is integer
arithmetic, so encoder and decoder agree on every machine (given the same reconstruction,
which :mod:`.layers` makes bit-exact and the codes file's CRC-32 checks).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ... import rans
from ..._jit import compiled
from ...reference import rans as _rans

__all__ = ["contexts", "decode", "tables", "choose_mix", "CONTEXTS_PER_CHANNEL", "RANGE", "ALPHAS", "BETAS"]

ACTIVITY_EDGES = np.array([1, 3, 6, 12, 24, 48, 96], np.int64)  # 8 bins
RECONSTRUCTION_EDGES = np.array([3, 10, 30], np.int64)  # 4 bins
CONTEXTS_PER_CHANNEL = (len(ACTIVITY_EDGES) + 1) * (len(RECONSTRUCTION_EDGES) + 1)
RANGE = 128  # coded values are prediction errors wrapped modulo 256 into -128..127, as LOCO-I's
ALPHAS = 7  # alpha = 0, 1/4, 2/4, 3/4, 1; 5: the reconstruction is the prediction; 6: no prediction (RAW)
RAW = 6
BETAS = 3  # beta = 0, 1/2, 1
_rans_decode = compiled(_rans.decode)


@njit(cache=True, nogil=True, inline="always")
def _bin(value, edges):
    k = 0
    while k < len(edges) and value >= edges[k]:
        k += 1
    return k


@njit(cache=True, nogil=True, inline="always")
def _med(a, b, c):
    if c >= max(a, b):
        return min(a, b)
    if c <= min(a, b):
        return max(a, b)
    return a + b - c


@njit(cache=True, nogil=True, inline="always")
def _sample(img, rec, y, x, k):
    """A neighbour: the decoded sample inside the image, the reconstruction's nearest outside."""
    height, width = img.shape[0], img.shape[1]
    if 0 <= y and 0 <= x < width:
        return np.int64(img[y, x, k])
    return np.int64(rec[min(max(y, 0), height - 1), min(max(x, 0), width - 1), k])


@njit(cache=True, nogil=True, inline="always")
def _predict(img, rec, y, x, k, alpha):
    """(prediction, context within the channel) of sample (y, x, k) from what precedes it."""
    a = _sample(img, rec, y, x - 1, k)
    b = _sample(img, rec, y - 1, x, k)
    c = _sample(img, rec, y - 1, x - 1, k)
    d = _sample(img, rec, y - 1, x + 1, k)
    width = rec.shape[1]
    r = np.int64(rec[y, x, k])
    ra = np.int64(rec[y, max(x - 1, 0), k])
    rb = np.int64(rec[max(y - 1, 0), x, k])
    rc = np.int64(rec[max(y - 1, 0), max(x - 1, 0), k])
    rd = np.int64(rec[max(y - 1, 0), min(x + 1, width - 1), k])
    busy = abs(a - c) + abs(b - c) + abs(d - b)
    if alpha == RAW:  # the sample itself, under the reconstruction's level
        return np.int64(0), _bin(busy, ACTIVITY_EDGES) * (len(RECONSTRUCTION_EDGES) + 1) + r * 4 // 256
    if alpha == RAW - 1:
        prediction = r
    else:
        prediction = _med(a, b, c) + (alpha * (r - _med(ra, rb, rc)) + 2) // 4
    rbusy = abs(ra - rc) + abs(rb - rc) + abs(rd - rb) + abs(r - ra) + abs(r - rb)
    context = _bin(busy, ACTIVITY_EDGES) * (len(RECONSTRUCTION_EDGES) + 1) + _bin(rbusy, RECONSTRUCTION_EDGES)
    return prediction, context


@njit(cache=True, nogil=True)
def _image(img, rec, order, alpha, beta, i, values, tables, decoding, data, state, cdf, offset) -> int:
    """One image's samples in coding order, from value ``i`` on. Encoding (``img`` known): each
    sample's coded value and table into ``values`` / ``tables``. Decoding: each sample's value
    read from the rANS stream and written into ``img``. Returns the rANS status."""
    height, width, channels = img.shape
    table = np.zeros(1, np.int32)
    value = np.zeros(1, np.int32)
    for y in range(height):
        for x in range(width):
            base_error = np.int64(0)
            for j in range(channels):
                k = order[j]
                prediction, context = _predict(img, rec, y, x, k, alpha)
                correction = (beta * base_error) // 2 if j > 0 else np.int64(0)
                if decoding:
                    table[0] = j * CONTEXTS_PER_CHANNEL + context
                    status = _rans_decode(data, state, table, cdf, offset, value)
                    if status != 0:
                        return status
                    if value[0] < -RANGE or value[0] >= RANGE:  # the escape: no encoder writes it
                        return _rans.CORRUPT
                    img[y, x, k] = (prediction + value[0] + correction) % 256
                else:
                    values[i] = (np.int64(img[y, x, k]) - prediction - correction + RANGE) % 256 - RANGE
                    tables[i] = j * CONTEXTS_PER_CHANNEL + context
                    i += 1
                if j == 0:
                    base_error = np.int64(img[y, x, k]) - prediction
    return 0


@njit(cache=True, nogil=True, parallel=True)
def _contexts(images, recs, order, alpha, beta, values, tables):
    """The encoder's side: every sample's coded value and table, images on every thread."""
    per_image = images.shape[1] * images.shape[2] * images.shape[3]
    none = np.zeros(1, np.uint8)
    state = np.zeros(3, np.int64)
    cdf = np.zeros((1, 2), np.int64)
    offset = np.zeros(1, np.int64)
    for n in prange(images.shape[0]):
        _image(images[n], recs[n], order, alpha, beta, n * per_image, values, tables, False, none, state, cdf, offset)


@njit(cache=True, nogil=True)
def _decode(data, state, recs, order, alpha, beta, cdf, offset, images) -> int:
    values = np.zeros(1, np.int32)
    tables = np.zeros(1, np.int32)
    for n in range(images.shape[0]):
        status = _image(images[n], recs[n], order, alpha, beta, 0, values, tables, True, data, state, cdf, offset)
        if status != 0:
            return status
    return 0


def _order(channels: int) -> np.ndarray:
    return np.array([1, 0, 2] if channels == 3 else [0], np.int64)


def contexts(images: np.ndarray, reconstruction: np.ndarray, alpha: int, beta: int) -> tuple[np.ndarray, np.ndarray]:
    """(values, tables) the encoder codes for (N, H, W, C) uint8 ``images`` beside their
    ``reconstruction``, ``alpha`` in quarters and ``beta`` in halves."""
    values = np.empty(images.size, np.int32)
    tables = np.empty(images.size, np.int32)
    _contexts(images, reconstruction, _order(images.shape[3]), alpha, beta, values, tables)
    return values, tables


def decode(data: bytes, reconstruction: np.ndarray, alpha: int, beta: int, cdf, offset) -> np.ndarray:
    """The images whose samples :func:`contexts` gave, from their rANS stream; FormatError on damage."""
    from ...errors import FormatError

    cdf, offset = rans.check_tables(cdf, offset)
    stream = np.frombuffer(data, np.uint8)
    state = _rans.decoder_state(stream)
    images = np.zeros_like(reconstruction)
    status = state[2] or _decode(stream, state, reconstruction, _order(reconstruction.shape[3]), alpha, beta,
                                 cdf.astype(np.int64), offset.astype(np.int64), images)
    status = status or _rans.finish(stream, state)
    if status:
        raise FormatError("autoencoder codes: lossless stream " + ("truncated" if status == _rans.TRUNCATED else "corrupt"))
    return images


def tables(values: np.ndarray, table_index: np.ndarray, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """(cdf, offset): a table per context from training values, each context's counts
    smoothed toward the pooled histogram (rare contexts still get sensible tables)."""
    bins = 2 * RANGE
    rows = channels * CONTEXTS_PER_CHANNEL
    shifted = values.astype(np.int64) + RANGE
    column = np.where((shifted >= 0) & (shifted < bins), shifted, bins)  # the last column: the escape
    counts = np.bincount(table_index.astype(np.int64) * (bins + 1) + column,
                         minlength=rows * (bins + 1)).reshape(rows, bins + 1).astype(np.float64)
    pooled = counts.sum(axis=0) + 0.5
    counts += 8.0 * pooled / pooled.sum() + 1e-3
    return rans.tables_from_probabilities(counts).astype(np.int32), np.full(rows, -RANGE, np.int32)


def _bits(values: np.ndarray, table_index: np.ndarray) -> float:
    """Empirical conditional entropy of the values given their tables, in bits."""
    v = values.astype(np.int64) + RANGE
    joint = np.bincount(table_index.astype(np.int64) * (2 * RANGE) + v)
    per_table = np.bincount(table_index.astype(np.int64))
    joint = joint[joint > 0]
    return float(-(joint * np.log2(joint)).sum() + (per_table[per_table > 0] * np.log2(per_table[per_table > 0])).sum())


def choose_mix(images: np.ndarray, reconstruction: np.ndarray) -> tuple[int, int]:
    """The (alpha, beta) with the fewest bits on these (training) images."""
    best = None
    for alpha in range(ALPHAS):
        for beta in range(BETAS if images.shape[3] == 3 else 1):
            bits = _bits(*contexts(images, reconstruction, alpha, beta))
            if best is None or bits < best[0]:
                best = (bits, alpha, beta)
    return best[1], best[2]
