"""The latent-grid codec's shapes and fixed-point constants: what the encoder and the decoder
must agree on, in one place, without torch.

Latents: ``LEVELS`` grids of one channel, level k of ceil(H / 2**k) x ceil(W / 2**k), each
upsampled bilinearly to H x W; the synthesis maps the ``LEVELS`` values of a pixel through
``SYNTHESIS`` hidden widths (ReLU) to RGB. The auto-regressive model (ARM) predicts each latent
from ``CONTEXT`` already decoded neighbours of the same level (zero outside the grid) through
``ARM_HIDDEN`` widths to a mean and a log scale. Latents are coded level by level, coarsest
first, in raster order; every context offset points to an earlier position.
"""

from __future__ import annotations

__all__ = ["LEVELS", "SYNTHESIS", "CONTEXT", "ARM_HIDDEN", "ARM_SHIFT", "level_shapes", "synthesis_shapes",
           "arm_shapes", "multiplications_per_pixel"]

LEVELS = 7
SYNTHESIS = (24, 24)
ARM_HIDDEN = (16, 16)
# (dy, dx) of the context: earlier in raster order, nearest first.
CONTEXT = ((0, -1), (-1, 0), (-1, -1), (-1, 1), (0, -2), (-2, 0), (-1, -2), (-1, 2))
ARM_SHIFT = 10  # the integer ARM's fixed point: weights and activations in units of 2**-10


def level_shapes(height: int, width: int) -> list[tuple[int, int]]:
    return [(-(-height // (1 << k)), -(-width // (1 << k))) for k in range(LEVELS)]


def synthesis_shapes() -> list[tuple[int, int]]:
    """(inputs, outputs) of each synthesis layer."""
    widths = (LEVELS,) + SYNTHESIS + (3,)
    return list(zip(widths[:-1], widths[1:]))


def arm_shapes() -> list[tuple[int, int]]:
    widths = (len(CONTEXT),) + ARM_HIDDEN + (2,)
    return list(zip(widths[:-1], widths[1:]))


def multiplications_per_pixel() -> float:
    """Synthesis, bilinear upsampling and the ARM (its latents are 4/3 of the pixels)."""
    synthesis = sum(a * b for a, b in synthesis_shapes())
    arm = sum(a * b for a, b in arm_shapes()) * sum(4.0 ** -k for k in range(LEVELS))
    return synthesis + 4 * (LEVELS - 1) + arm
