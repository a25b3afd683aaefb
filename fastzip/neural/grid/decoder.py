"""Decoding a grid-codec stream without torch: the latents (integer ARM and rANS, compiled by
Numba), then bilinear upsampling of every level and the synthesis network fused in one Numba
pass over the rows (:mod:`.synthesis`), so that memory stays about the image's.

The encoder runs this very code for its reported reconstruction, so decoding reproduces it
exactly (on the same machine; float32 results may differ in the last bit elsewhere).
"""

from __future__ import annotations

import numpy as np

from ...errors import FormatError
from . import laplace, stream
from .layout import level_shapes, synthesis_shapes

__all__ = ["decode", "decode_latents", "synthesize", "upsample_bilinear"]

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
    align_corners=False)`` does: sample centres aligned, edges clamped; float32. (The decoder
    samples inside :func:`.synthesis.render`; this is the same arithmetic on whole arrays.)"""
    from .synthesis import axis_taps

    g = grid.astype(np.float32)
    x0, x1, wx = axis_taps(g.shape[1], width)
    rows = g[:, x0] * (1 - wx) + g[:, x1] * wx
    y0, y1, wy = axis_taps(g.shape[0], height)
    return rows[y0] * (1 - wy)[:, None] + rows[y1] * wy[:, None]


def synthesize(height: int, width: int, latents: list, params: dict, steps: dict,
               threads: int | None = None) -> np.ndarray:
    """The H x W x 3 uint8 picture of integer latents and synthesis weights, its rows on
    ``threads`` threads (``fastzip.get_threads()`` when None)."""
    from ..._jit import thread_scope
    from .synthesis import axis_taps, render

    layers = []
    for i in range(len(synthesis_shapes())):
        w, b = (params[f"synthesis.{i}.{kind}"].astype(np.float32) * np.float32(2.0 ** -steps[f"synthesis.{i}.{kind}"])
                for kind in ("weight", "bias"))
        layers += [np.ascontiguousarray(w.T), b]
    if len(layers) != 6:
        raise ValueError("the synthesis kernel runs three layers")
    levels = np.concatenate([grid.astype(np.float32).ravel() for grid in latents])
    starts = np.cumsum([0] + [grid.size for grid in latents[:-1]]).astype(np.int64)
    widths = np.array([grid.shape[1] for grid in latents], np.int64)
    # indices travel as float32 beside their weight: exact below 2**24, far above any grid side
    y_taps = np.stack([np.stack(axis_taps(grid.shape[0], height)).astype(np.float32) for grid in latents])
    x_taps = np.stack([np.stack(axis_taps(grid.shape[1], width)).astype(np.float32) for grid in latents])
    out = np.empty((height, width, 3), np.uint8)
    with thread_scope(threads):
        render(levels, starts, widths, y_taps, x_taps, *layers, out)
    return out


def decode(blob, *, max_pixels: int = stream.MAX_PIXELS, threads: int | None = None) -> np.ndarray:
    """The H x W x 3 uint8 picture of a ``FZGC`` stream; the synthesis on ``threads`` threads
    (the latents' entropy decoding is sequential)."""
    height, width, params, steps, latent_stream = stream.loads(blob, max_pixels=max_pixels)
    latents = decode_latents(height, width, params, latent_stream)
    return synthesize(height, width, latents, params, steps, threads)
