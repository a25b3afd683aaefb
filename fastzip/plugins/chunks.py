"""What the array-store codecs share: checking JPEG settings, and the picture a chunk holds.

A JPEG chunk is one picture: H x W (grayscale) or H x W x 3 (RGB) uint8, after dropping leading
axes of length 1 (so a stack of frames chunked one frame per chunk, (1, H, W) or (1, H, W, 3),
works too).
"""

from __future__ import annotations

import numpy as np

from ..jpeg import SUBSAMPLING

__all__ = ["check_jpeg_settings", "picture_shape", "picture_of"]


def check_jpeg_settings(quality, subsampling, optimize) -> None:
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        raise ValueError(f"quality must be an integer 1..100, not {quality!r}")
    if subsampling not in SUBSAMPLING:
        raise ValueError(f"subsampling must be one of {sorted(SUBSAMPLING)}, not {subsampling!r}")
    if not isinstance(optimize, bool):
        raise ValueError(f"optimize must be true or false, not {optimize!r}")


def picture_shape(shape) -> tuple[int, ...]:
    """The picture's (H, W) or (H, W, 3) inside a chunk of ``shape``; ValueError for any other."""
    shape = tuple(int(n) for n in shape)
    core = shape
    while len(core) > 2 and core[0] == 1 and not (len(core) == 3 and core[2] == 3):
        core = core[1:]
    if len(core) == 2 or (len(core) == 3 and core[2] == 3):
        if min(core[:2]) < 1 or max(core[:2]) > 65535:
            raise ValueError(f"a JPEG chunk is 1..65535 pixels on each side, not {core[:2]}")
        return core
    raise ValueError(f"a JPEG chunk holds one picture: (H, W) or (H, W, 3), after leading axes of 1; "
                     f"the chunk shape {shape} does not")


def picture_of(chunk) -> np.ndarray:
    """The uint8 picture a chunk array holds (a view when it can be)."""
    chunk = np.asarray(chunk)
    if chunk.dtype != np.uint8:
        raise ValueError(f"the JPEG codec takes uint8 chunks, not {chunk.dtype}")
    return np.ascontiguousarray(chunk.reshape(picture_shape(chunk.shape)))
