"""The 8x8 DCT exactly as the thesis's formula 4.1 writes it.

    F(u, v) = 1/4 C(u) C(v) sum_x sum_y f(x, y) cos((2x+1) u pi / 16) cos((2y+1) v pi / 16)
    f(x, y) = 1/4 sum_u sum_v C(u) C(v) F(u, v) cos((2x+1) u pi / 16) cos((2y+1) v pi / 16)

with C(0) = 1/sqrt(2) and C(k) = 1 otherwise: the orthonormal 2-D DCT-II and its inverse
(DCT-III). Four nested loops per block, 4096 multiply-adds: written to be read.
"""

from __future__ import annotations

import math

__all__ = ["forward_block", "inverse_block"]


def _c(k: int) -> float:
    return 1 / math.sqrt(2) if k == 0 else 1.0


def forward_block(f) -> list[list[float]]:
    out = [[0.0] * 8 for _ in range(8)]
    for u in range(8):
        for v in range(8):
            s = 0.0
            for x in range(8):
                for y in range(8):
                    s += f[x][y] * math.cos((2 * x + 1) * u * math.pi / 16) * math.cos((2 * y + 1) * v * math.pi / 16)
            out[u][v] = 0.25 * _c(u) * _c(v) * s
    return out


def inverse_block(F) -> list[list[float]]:
    out = [[0.0] * 8 for _ in range(8)]
    for x in range(8):
        for y in range(8):
            s = 0.0
            for u in range(8):
                for v in range(8):
                    s += _c(u) * _c(v) * F[u][v] * math.cos((2 * x + 1) * u * math.pi / 16) \
                        * math.cos((2 * y + 1) * v * math.pi / 16)
            out[x][y] = 0.25 * s
    return out
