"""The auto-regressive entropy model in integer arithmetic, so that the encoder and any decoder
derive the same coding table for every latent.

Floats never decide a probability: the trained network's weights are rounded to multiples of
2**-ARM_SHIFT and run on int64 — products of integers, sums, arithmetic shifts — which every
machine computes alike. Its two outputs (a mean and a log scale, in units of 2**-ARM_SHIFT)
select a table of :mod:`.laplace` through integer operations too: the mean's floor is the
base the residual is taken from, its fractional eighth the mean bin, and the log scale's
nearest quarter-octave (from ``B0``) the scale bin.

The same compiled function serves both sides: the encoder runs it over whole, known grids
(:func:`level_tables`), the decoder latent by latent between rANS steps (:func:`decode_level`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..._jit import compiled
from ...reference import rans as _rans
from .laplace import FRACTIONS, SCALES
from .layout import ARM_SHIFT, CONTEXT

__all__ = ["quantize_weights", "level_tables", "decode_level", "CONTEXT_OFFSETS"]

CONTEXT_OFFSETS = np.array(CONTEXT, np.int64)
# ln(B0) * 2**ARM_SHIFT and 4 / ln(2) * 2**12, as integers: the scale bin is
# round((ls - ln B0) * 4 / ln 2) = ((ls_fp - LN_B0) * QUARTER_OCTAVES + 2**21) >> 22.
_LN_B0 = -3296
_QUARTER_OCTAVES = 23637
_rans_decode = compiled(_rans.decode)


def quantize_weights(layers) -> list[np.ndarray]:
    """Float (weight, bias) pairs -> the int64 arrays the integer ARM runs on (w1, b1, w2, ...)."""
    out = []
    for weight, bias in layers:
        out.append(np.rint(np.asarray(weight, np.float64) * (1 << ARM_SHIFT)).astype(np.int64))
        out.append(np.rint(np.asarray(bias, np.float64) * (1 << ARM_SHIFT)).astype(np.int64))
    return out


@njit(cache=True, nogil=True)
def _predict(grid, y, x, offsets, w1, b1, w2, b2, w3, b3, context, h1, h2):
    """(table index, base) of latent (y, x) from its already known neighbours in ``grid``."""
    height, width = grid.shape
    for i in range(offsets.shape[0]):
        yy, xx = y + offsets[i, 0], x + offsets[i, 1]
        # Clamped: no trained latent comes near, and int64 sums cannot overflow on hostile data.
        context[i] = min(max(grid[yy, xx], -32768), 32767) if 0 <= yy < height and 0 <= xx < width else 0
    for o in range(w1.shape[0]):
        s = b1[o]
        for i in range(w1.shape[1]):
            s += w1[o, i] * context[i]
        h1[o] = max(s, 0)
    for o in range(w2.shape[0]):
        s = 0
        for i in range(w2.shape[1]):
            s += w2[o, i] * h1[i]
        h2[o] = max((s >> ARM_SHIFT) + b2[o], 0)
    mean = b3[0]
    log_scale = b3[1]
    s0 = 0
    s1 = 0
    for i in range(w3.shape[1]):
        s0 += w3[0, i] * h2[i]
        s1 += w3[1, i] * h2[i]
    mean += s0 >> ARM_SHIFT
    log_scale += s1 >> ARM_SHIFT
    scale_bin = min(max(((log_scale - _LN_B0) * _QUARTER_OCTAVES + (1 << 21)) >> 22, 0), SCALES - 1)
    mean_bin = (mean >> (ARM_SHIFT - 3)) & (FRACTIONS - 1)
    return scale_bin * FRACTIONS + mean_bin, mean >> ARM_SHIFT


@njit(cache=True, nogil=True)
def level_tables(grid, offsets, w1, b1, w2, b2, w3, b3, tables, bases):
    """Every latent's (table, base) of a known ``grid`` (int64), in raster order."""
    height, width = grid.shape
    context = np.zeros(offsets.shape[0], np.int64)
    h1 = np.zeros(w1.shape[0], np.int64)
    h2 = np.zeros(w2.shape[0], np.int64)
    for y in range(height):
        for x in range(width):
            t, base = _predict(grid, y, x, offsets, w1, b1, w2, b2, w3, b3, context, h1, h2)
            tables[y * width + x] = t
            bases[y * width + x] = base


@njit(cache=True, nogil=True)
def decode_level(data, state, grid, offsets, w1, b1, w2, b2, w3, b3, cdf, table_offsets) -> int:
    """Decode one level into ``grid`` (int64, raster order), each latent's table predicted from
    the latents decoded before it; returns the rANS status (0: fine so far)."""
    height, width = grid.shape
    context = np.zeros(offsets.shape[0], np.int64)
    h1 = np.zeros(w1.shape[0], np.int64)
    h2 = np.zeros(w2.shape[0], np.int64)
    table = np.zeros(1, np.int32)
    residual = np.zeros(1, np.int64)
    for y in range(height):
        for x in range(width):
            t, base = _predict(grid, y, x, offsets, w1, b1, w2, b2, w3, b3, context, h1, h2)
            table[0] = t
            status = _rans_decode(data, state, table, cdf, table_offsets, residual)
            if status != 0:
                return status
            grid[y, x] = residual[0] + base
    return 0
