"""The 8x8 DCT exactly as the thesis's formula 4.1 writes it, and quantization as JPEG rounds it.

    F(u, v) = 1/4 C(u) C(v) sum_x sum_y f(x, y) cos((2x+1) u pi / 16) cos((2y+1) v pi / 16)
    f(x, y) = 1/4 sum_u sum_v C(u) C(v) F(u, v) cos((2x+1) u pi / 16) cos((2y+1) v pi / 16)

with C(0) = 1/sqrt(2) and C(k) = 1 otherwise: the orthonormal 2-D DCT-II and its inverse
(DCT-III). Four nested loops per block, 4096 multiply-adds: written to be read, in the subset
of Python that Numba compiles, so ``impl="numba"`` is this source compiled. Blocks are
(n, 8, 8) float64 arrays; results go into the caller's ``out``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["forward", "inverse", "quantize"]


# cos((2x+1) u pi / 16) at [x, u]: the formula's 64 distinct cosines (a constant to Numba).
COS = np.array([[math.cos((2 * x + 1) * u * math.pi / 16) for u in range(8)] for x in range(8)])


def forward(blocks, out) -> None:
    cos = COS
    for b in range(blocks.shape[0]):
        for u in range(8):
            for v in range(8):
                s = 0.0
                for x in range(8):
                    for y in range(8):
                        s += blocks[b, x, y] * cos[x, u] * cos[y, v]
                cu = 1 / math.sqrt(2) if u == 0 else 1.0
                cv = 1 / math.sqrt(2) if v == 0 else 1.0
                out[b, u, v] = 0.25 * cu * cv * s


def inverse(coeffs, out) -> None:
    cos = COS
    for b in range(coeffs.shape[0]):
        for x in range(8):
            for y in range(8):
                s = 0.0
                for u in range(8):
                    for v in range(8):
                        cu = 1 / math.sqrt(2) if u == 0 else 1.0
                        cv = 1 / math.sqrt(2) if v == 0 else 1.0
                        s += cu * cv * coeffs[b, u, v] * cos[x, u] * cos[y, v]
                out[b, x, y] = 0.25 * s


def quantize(coeffs, table, out) -> None:
    """``out`` = coeffs / table, rounded to nearest with halves away from zero (as libjpeg
    rounds), within int16."""
    for b in range(coeffs.shape[0]):
        for u in range(8):
            for v in range(8):
                x = coeffs[b, u, v] / table[u, v]
                x = min(max(x, -32768.0), 32767.0)
                r = math.floor(abs(x) + 0.5)
                out[b, u, v] = -r if x < 0 else r
