"""The autoencoder codecs' layers without torch: Numba kernels and their numpy twins.

Activations are (images, height, width, channels) float32 (or (images, features) for Linear
layers); a 3x3 convolution's weights are (3, 3, in, out), a Linear layer's (in, out). The
Numba kernels sum in one fixed order and without fast-math, so a codec's reconstruction is the
same bits on every run and for any thread count (the lossless mode codes the residual against
it: the decoder must rebuild exactly what the encoder saw). The numpy twins (``*_reference``)
compute the same values in BLAS's order: equal within float rounding, not bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["dense", "conv3x3", "gdn", "dense_reference", "conv3x3_reference", "gdn_reference", "depth_to_space"]


@njit(cache=True, nogil=True, parallel=True)
def _dense(x, w, b, relu, out):
    rows, inputs, outputs = x.shape[0], w.shape[0], w.shape[1]
    for n in prange(rows):
        acc = out[n]
        for o in range(outputs):
            acc[o] = b[o]
        for i in range(inputs):
            v = x[n, i]
            if v != 0:  # ReLU leaves many zeros; skipping them changes no sum
                for o in range(outputs):
                    acc[o] += v * w[i, o]
        if relu:
            for o in range(outputs):
                acc[o] = max(acc[o], np.float32(0.0))


@njit(cache=True, nogil=True, parallel=True)
def _conv3x3(x, w, b, stride, relu, out):
    images, height, width, inputs = x.shape
    rows, cols, outputs = out.shape[1], out.shape[2], out.shape[3]
    for t in prange(images * rows):
        n, oy = t // rows, t % rows
        for ox in range(cols):
            acc = out[n, oy, ox]
            for o in range(outputs):
                acc[o] = b[o]
            for ky in range(3):
                iy = oy * stride + ky - 1
                if iy < 0 or iy >= height:
                    continue  # zero padding
                for kx in range(3):
                    ix = ox * stride + kx - 1
                    if ix < 0 or ix >= width:
                        continue
                    for i in range(inputs):
                        v = x[n, iy, ix, i]
                        if v != 0:
                            for o in range(outputs):
                                acc[o] += v * w[ky, kx, i, o]
            if relu:
                for o in range(outputs):
                    acc[o] = max(acc[o], np.float32(0.0))


@njit(cache=True, nogil=True, parallel=True)
def _gdn(x, beta, gamma, inverse, out):
    channels = x.shape[-1]
    flat = x.reshape(-1, channels)
    result = out.reshape(-1, channels)
    squares = np.empty((flat.shape[0], channels), np.float32)
    for p in prange(flat.shape[0]):
        for j in range(channels):
            squares[p, j] = flat[p, j] * flat[p, j]
        for c in range(channels):
            acc = beta[c]
            for j in range(channels):
                acc += gamma[c, j] * squares[p, j]
            norm = np.sqrt(acc)
            result[p, c] = flat[p, c] * norm if inverse else flat[p, c] / norm


def gdn(x: np.ndarray, beta: np.ndarray, gamma: np.ndarray, inverse: bool) -> np.ndarray:
    """Generalized divisive normalization over the last axis (Balle et al.): each channel divided
    (``inverse``: multiplied) by sqrt(beta[c] + sum_j gamma[c, j] x_j^2)."""
    x = np.ascontiguousarray(x, np.float32)
    out = np.empty_like(x)
    _gdn(x, beta, gamma, inverse, out)
    return out


def dense(x: np.ndarray, w: np.ndarray, b: np.ndarray, relu: bool) -> np.ndarray:
    """x @ w + b, then ReLU if ``relu``; images on every thread Numba may use."""
    out = np.empty((x.shape[0], w.shape[1]), np.float32)
    _dense(np.ascontiguousarray(x, np.float32), w, b, relu, out)
    return out


def conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, relu: bool) -> np.ndarray:
    """A 3x3 convolution with zero padding 1 (torch's ``Conv2d(k=3, padding=1, stride)``)."""
    n, h, wd, _ = x.shape
    out = np.empty((n, (h - 1) // stride + 1, (wd - 1) // stride + 1, w.shape[3]), np.float32)
    _conv3x3(np.ascontiguousarray(x, np.float32), w, b, stride, relu, out)
    return out


def dense_reference(x, w, b, relu: bool) -> np.ndarray:
    y = np.asarray(x, np.float32) @ w + b
    return np.maximum(y, 0) if relu else y


def conv3x3_reference(x, w, b, stride: int, relu: bool) -> np.ndarray:
    n, h, wd, _ = x.shape
    rows, cols = (h - 1) // stride + 1, (wd - 1) // stride + 1
    padded = np.pad(np.asarray(x, np.float32), ((0, 0), (1, 1), (1, 1), (0, 0)))
    y = np.broadcast_to(b, (n, rows, cols, w.shape[3])).copy()
    for ky in range(3):
        for kx in range(3):
            y += padded[:, ky:ky + stride * rows:stride, kx:kx + stride * cols:stride] @ w[ky, kx]
    return np.maximum(y, 0) if relu else y


def gdn_reference(x, beta, gamma, inverse: bool) -> np.ndarray:
    x = np.asarray(x, np.float32)
    norm = np.sqrt(beta + (x * x) @ gamma.T)
    return x * norm if inverse else x / norm


def depth_to_space(x: np.ndarray) -> np.ndarray:
    """(N, H, W, 4C) -> (N, 2H, 2W, C), channel 4c + 2i + j to pixel (2y + i, 2x + j): torch's
    ``PixelShuffle(2)`` in this layout."""
    n, h, w, c4 = x.shape
    c = c4 // 4
    return np.ascontiguousarray(x.reshape(n, h, w, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(n, 2 * h, 2 * w, c))
