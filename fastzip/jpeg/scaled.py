"""Scaled decoding: pictures at 1/2, 1/4 or 1/8 of a JPEG's size straight from its coefficients,
as libjpeg's ``scale_num / scale_denom`` (and Pillow's ``Image.draft``) give them.

An 8x8 block becomes N x N pixels (N = 4, 2, 1), each the mean of the 8/N x 8/N pixels the
full inverse DCT gives there (libjpeg-turbo's reduced transforms approximate the same means):
the block's fast float transform, then the means, before rounding; a block without AC
coefficients, and every block at 1/8, is its DC alone. (A transform of N x 8 matrices straight
from the coefficients computed the same values at twice the time: its branches on which
coefficients are zero mispredicted.) The full-size planes are never made. As libjpeg does, a
subsampled chroma component is brought to the output's scale by a larger transform where one
fits (at 1/2, 4:2:0 chroma blocks give 8 x 8 pixels, by the full-size kernel: no upsampling
left), else upsampled as at full size. On two threads or more the reduced planes are made while
the scan is decoded, as full-size pixels are (``_native.jpeg_pipeline.Reduction``).
"""

from __future__ import annotations

import functools

import numpy as np

from .. import dct
from .._native import jpeg_inverse as _inverse
from .._parallel import split_rows

__all__ = ["SCALES", "check_scale", "scaled_sizes", "inverse_multiplier", "reduced_plane"]

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


def inverse_multiplier(table) -> np.ndarray:
    """(64,) float32: a quantization table (natural order) times the inverse AAN scale, what
    the native inverse transforms dequantize with (made once per distinct table, read-only)."""
    table = np.ascontiguousarray(table, np.int32)
    return _multiplier(table.tobytes())


@functools.lru_cache(maxsize=64)
def _multiplier(table: bytes) -> np.ndarray:
    multiplier = (dct.INVERSE_SCALE * np.frombuffer(table, np.int32).astype(np.float64)).astype(np.float32).ravel()
    multiplier.flags.writeable = False
    return multiplier


def reduced_plane(blocks: np.ndarray, cols: int, table: np.ndarray, n: int, shape: tuple[int, int],
                  workers: int = 1) -> np.ndarray:
    """A component's plane of ``shape`` pixels at ``n`` pixels a block side, from its blocks
    (``blocks``: (rows * cols, 64) int16, natural order, ``cols`` a row), block rows shared by
    ``workers`` threads."""
    plane = np.empty(shape, np.uint8)
    rows = -(-shape[0] // n)
    multiplier = inverse_multiplier(table)
    if n == 8:  # the full transform, as a full-size decode makes this plane
        split_rows(lambda first, end: _inverse.idct_to_plane(blocks, cols, multiplier, first, end, plane), rows, workers)
    else:
        split_rows(lambda first, end: _inverse.reduced_to_plane(blocks, cols, multiplier, n, first, end, plane),
                   rows, workers)
    return plane
