"""Scaled decoding: pictures at 1/2, 1/4 or 1/8 of a JPEG's size straight from its coefficients,
as libjpeg's ``scale_num / scale_denom`` (and Pillow's ``Image.draft``) give them.

An 8x8 block becomes N x N pixels (N = 4, 2, 1), each the mean of the 8/N x 8/N pixels the
full inverse DCT would give there, as libjpeg-turbo's reduced transforms compute them: one
N x 8 matrix each way, straight from the coefficients (at 1/8 a block's pixel is its DC / 8),
never the full-size block. As libjpeg does, a subsampled chroma component is brought to the
output's scale by a larger transform where one fits (at 1/2, 4:2:0 chroma blocks give 8 x 8
pixels: no upsampling left), else upsampled as at full size.
"""

from __future__ import annotations

import functools

import numpy as np

from .._native import jpeg_inverse as _inverse
from .._parallel import split_rows

__all__ = ["SCALES", "check_scale", "scaled_sizes", "reduced_plane"]

SCALES = (1, 2, 4, 8)  # denominators: 1, 1/2, 1/4, 1/8


def check_scale(scale) -> int:
    """The denominator of ``scale`` (1, 1/2, 1/4 or 1/8); ValueError for anything else."""
    for denominator in SCALES:
        if scale == 1 / denominator:
            return denominator
    raise ValueError(f"scale must be 1, 1/2, 1/4 or 1/8, not {scale!r}")


def scaled_sizes(h: int, v: int, hmax: int, vmax: int, n: int) -> int:
    """The inverse DCT size of a component sampled ``h`` x ``v`` when the largest are sampled
    ``hmax`` x ``vmax`` and give ``n`` x ``n`` pixels a block: doubled while it stays within
    the output's scale both ways, up to 8 (libjpeg's rule)."""
    size = n
    while size < 8 and h * size * 2 <= hmax * n and v * size * 2 <= vmax * n:
        size *= 2
    return size


@functools.lru_cache(maxsize=8)
def _basis(n: int) -> np.ndarray:
    """B (n x 8): pixels = B @ coefficients @ B.T gives the block's full inverse DCT averaged
    over 8/n x 8/n squares, in one step (libjpeg-turbo's reduced transforms compute the same
    averages; frequencies they cancel, such as 4 at 1/2, drop out by themselves)."""
    k = np.arange(8)
    d = np.sqrt(2.0 / 8) * np.cos((2 * k[None, :] + 1) * k[:, None] * np.pi / 16)  # orthonormal DCT-II
    d[0] /= np.sqrt(2.0)
    average = np.kron(np.eye(n), np.full((1, 8 // n), n / 8.0))  # n x 8
    b = average @ d.T
    b[np.abs(b) < 1e-9] = 0  # exactly zero where averaging cancels a frequency: the kernel skips it
    return b.astype(np.float32)


def reduced_plane(blocks: np.ndarray, cols: int, table: np.ndarray, n: int, shape: tuple[int, int],
                  workers: int = 1) -> np.ndarray:
    """A component's plane of ``shape`` pixels at ``n`` pixels a block side, from its blocks
    (``blocks``: (rows * cols, 64) int16, natural order, ``cols`` a row), block rows shared by
    ``workers`` threads."""
    plane = np.empty(shape, np.uint8)
    quant = np.ascontiguousarray(np.asarray(table, np.float32).ravel())
    rows = -(-shape[0] // n)
    split_rows(lambda first, end: _inverse.reduced_to_plane(blocks, cols, quant, _basis(n), first, end, plane),
               rows, workers)
    return plane
