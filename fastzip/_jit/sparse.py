"""The VAE decoder's bottleneck Linear layer (latent -> 128 x 16 x 16: nearly all of the
decoder's weights) run straight from compressed sparse rows, never densified: its cost is
the number of weights pruning left, in float32 or in int8 (torch.ao's arithmetic, see
:mod:`fastzip._jit.separable`)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .separable import _requantize

__all__ = ["linear_f32", "linear_i8"]


@njit(cache=True, parallel=True, nogil=True)
def linear_f32(z, starts, columns, values, bias, out):
    """``out[r] = bias[r] + sum(values[k] * z[columns[k]])`` over row r's entries."""
    for r in prange(out.size):
        s = np.float32(0.0)
        for k in range(starts[r], starts[r + 1]):
            s += values[k] * z[columns[k]]
        out[r] = s + bias[r]


@njit(cache=True, parallel=True, nogil=True)
def linear_i8(zq, z_zero, starts, columns, values, bias_over, multiplier, out_zero, out):
    """uint8 ``zq`` (zero point ``z_zero``) times int8 ``values`` (as int32), int32 sums,
    requantized per row to uint8 ``out`` (zero point ``out_zero``)."""
    for r in prange(out.size):
        acc = 0
        for k in range(starts[r], starts[r + 1]):
            acc += values[k] * (np.int32(zq[columns[k]]) - z_zero)
        out[r] = np.uint8(_requantize(np.float32(acc), bias_over[r], multiplier[r], out_zero, np.float32(0.0)))
