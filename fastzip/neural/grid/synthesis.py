"""The grid codec's pixels in one Numba pass: per output row, every level's bilinear sample
(as ``decoder.upsample_bilinear`` makes it, the same float32 operations in the same order)
goes straight through the synthesis layers, so the decoder holds no (pixels, levels) feature
array; rows are shared by ``prange`` between the threads fastzip's policy allows.

Layer weights arrive as (inputs, outputs) float32.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["axis_taps", "render", "render_reference"]


def axis_taps(size_in: int, size_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output position along one axis: the two source indices and the weight of the
    second (torch's ``interpolate(mode="bilinear", align_corners=False)``), float32."""
    scale = np.float32(size_in / size_out)
    src = np.maximum((np.arange(size_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5), 0)
    lo = np.minimum(src.astype(np.int64), size_in - 1)
    return lo, np.minimum(lo + 1, size_in - 1), (src - lo).astype(np.float32)


@njit(cache=True, nogil=True, inline="always")
def _dense_relu(inputs, w, b, out):
    """out[j, :] = max(b[j] + sum_i w[i, j] * inputs[i, :], 0) along a row of pixels."""
    zero = np.float32(0.0)
    for j in range(out.shape[0]):
        for x in range(out.shape[1]):
            out[j, x] = b[j]
        for i in range(inputs.shape[0]):
            c = w[i, j]
            for x in range(out.shape[1]):
                out[j, x] += inputs[i, x] * c
        for x in range(out.shape[1]):
            out[j, x] = max(out[j, x], zero)


@njit(cache=True, nogil=True, parallel=True)
def render(levels, starts, widths, y_taps, x_taps, w1, b1, w2, b2, w3, b3, out):
    """``out`` (H, W, 3) uint8 from the latent ``levels`` (float32, every level's grid
    flattened one after another: level k at ``starts[k]``, ``widths[k]`` wide); ``y_taps``
    (levels, 3, H) and ``x_taps`` (levels, 3, W) hold each level's lower index, upper index and
    upper weight (as floats) per output row and column; the synthesis is w1 (levels x n1),
    w2 (n1 x n2), w3 (n2 x 3) with ReLU between. A row's features and activations are laid
    out (channel, column), so every inner loop runs along the row and vectorises."""
    height, width = out.shape[0], out.shape[1]
    nlev, n1, n2 = w1.shape[0], w1.shape[1], w2.shape[1]
    one, zero = np.float32(1.0), np.float32(0.0)
    for y in prange(height):
        f = np.empty((nlev, width), np.float32)
        h1 = np.empty((n1, width), np.float32)
        h2 = np.empty((n2, width), np.float32)
        for k in range(nlev):
            y0, y1, wy = int(y_taps[k, 0, y]), int(y_taps[k, 1, y]), y_taps[k, 2, y]
            top = starts[k] + y0 * widths[k]
            bottom = starts[k] + y1 * widths[k]
            for x in range(width):
                x0, x1, wx = int(x_taps[k, 0, x]), int(x_taps[k, 1, x]), x_taps[k, 2, x]
                r0 = levels[top + x0] * (one - wx) + levels[top + x1] * wx
                r1 = levels[bottom + x0] * (one - wx) + levels[bottom + x1] * wx
                f[k, x] = r0 * (one - wy) + r1 * wy
        _dense_relu(f, w1, b1, h1)
        _dense_relu(h1, w2, b2, h2)
        for ch in range(3):
            acc = f[0]  # reused: the features are spent
            for x in range(width):
                acc[x] = b3[ch]
            for i in range(n2):
                c = w3[i, ch]
                for x in range(width):
                    acc[x] += h2[i, x] * c
            for x in range(width):
                out[y, x, ch] = np.uint8(np.rint(min(max(acc[x], zero), one) * np.float32(255.0)))


def render_reference(features: np.ndarray, layers: list) -> np.ndarray:
    """The readable twin of :func:`render`'s network, on whole arrays: ``features`` (pixels,
    levels) float32 through (weight (inputs, outputs), bias) ``layers`` with ReLU between, to
    (pixels, 3) uint8. Sums run in another order, so a pixel may differ by one level."""
    h = features
    for i, (w, b) in enumerate(layers):
        h = h @ w + b
        if i < len(layers) - 1:
            h = np.maximum(h, 0)
    return np.rint(np.clip(h, 0, 1) * np.float32(255)).astype(np.uint8)
