"""Decoding a grid-codec stream without torch: the latents (integer ARM and rANS, compiled by
Numba), bilinear upsampling of every level to the image size, and the synthesis network on
(pixels, channels), in float32 bands of rows so that memory stays a few times the image.

The encoder runs this very code for its reported reconstruction, so decoding reproduces it
exactly (on the same machine; float32 results may differ in the last bit elsewhere).
"""

from __future__ import annotations

import numpy as np

from ...errors import FormatError
from . import laplace, stream
from .layout import LEVELS, level_shapes, synthesis_shapes

__all__ = ["decode", "decode_latents", "synthesize", "upsample_bilinear"]

_BAND = 1 << 16  # pixels per synthesis band


def decode_latents(height: int, width: int, params: dict, latent_stream: bytes) -> list[np.ndarray]:
    """The latent grids (int64, finest first) of a stream, coarsest decoded first."""
    from ...reference import rans as rans_reference
    from . import arm

    weights = [params[f"arm.{i}.{kind}"] for i in range(3) for kind in ("weight", "bias")]
    cdf, offset = laplace.tables()
    data = np.frombuffer(latent_stream, np.uint8)
    state = rans_reference.decoder_state(data)
    grids = [np.zeros(shape, np.int64) for shape in level_shapes(height, width)]
    if state[2] == 0:
        for grid in reversed(grids):
            if arm.decode_level(data, state, grid, arm.CONTEXT_OFFSETS, *weights, cdf, offset):
                break
    if rans_reference.finish(data, state):
        raise FormatError(f"{stream.FORMAT.name}: the latent stream is damaged or truncated")
    return grids


def upsample_bilinear(grid: np.ndarray, height: int, width: int) -> np.ndarray:
    """``grid`` resized to height x width as torch's ``interpolate(mode="bilinear",
    align_corners=False)`` does: sample centres aligned, edges clamped; float32."""

    def axis(size_in: int, size_out: int):
        scale = np.float32(size_in / size_out)
        src = np.maximum((np.arange(size_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5), 0)
        lo = np.minimum(src.astype(np.int64), size_in - 1)
        return lo, np.minimum(lo + 1, size_in - 1), (src - lo).astype(np.float32)

    g = grid.astype(np.float32)
    x0, x1, wx = axis(g.shape[1], width)
    rows = g[:, x0] * (1 - wx) + g[:, x1] * wx
    y0, y1, wy = axis(g.shape[0], height)
    return rows[y0] * (1 - wy)[:, None] + rows[y1] * wy[:, None]


def synthesize(height: int, width: int, latents: list, params: dict, steps: dict) -> np.ndarray:
    """The H x W x 3 uint8 picture of integer latents and synthesis weights."""
    layers = []
    for i in range(len(synthesis_shapes())):
        w, b = (params[f"synthesis.{i}.{kind}"].astype(np.float32) * np.float32(2.0 ** -steps[f"synthesis.{i}.{kind}"])
                for kind in ("weight", "bias"))
        layers.append((np.ascontiguousarray(w.T), b))
    features = np.empty((height * width, LEVELS), np.float32)
    for k, grid in enumerate(latents):
        features[:, k] = upsample_bilinear(grid, height, width).reshape(-1)
    out = np.empty((height * width, 3), np.uint8)
    for start in range(0, height * width, _BAND):
        h = features[start:start + _BAND]
        for i, (w, b) in enumerate(layers):
            h = h @ w + b
            if i < len(layers) - 1:
                np.maximum(h, 0, out=h)
        out[start:start + _BAND] = np.rint(np.clip(h, 0, 1) * np.float32(255)).astype(np.uint8)
    return out.reshape(height, width, 3)


def decode(blob, *, max_pixels: int = stream.MAX_PIXELS) -> np.ndarray:
    """The H x W x 3 uint8 picture of a ``FZGC`` stream."""
    height, width, params, steps, latent_stream = stream.loads(blob, max_pixels=max_pixels)
    latents = decode_latents(height, width, params, latent_stream)
    return synthesize(height, width, latents, params, steps)
