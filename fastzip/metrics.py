"""Measures of compression: entropy, ratio, bits per byte, and image quality (MSE, PSNR, bpp)."""

from __future__ import annotations

import numpy as np

__all__ = ["order0_entropy", "compression_ratio", "bits_per_byte", "mse", "psnr", "bpp"]


def _as_bytes_array(data) -> np.ndarray:
    return np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)


def order0_entropy(data) -> float:
    """Shannon entropy of the byte histogram of ``data``, in bits per byte (0.0 for empty input).

    This is the lower bound on the payload of any code that maps each byte independently,
    Huffman included.
    """
    counts = np.bincount(_as_bytes_array(data), minlength=256)
    total = counts.sum()
    if total == 0:
        return 0.0
    p = counts[counts > 0] / total
    return float(-(p * np.log2(p)).sum())


def compression_ratio(original_size: int, compressed_size: int) -> float:
    """``original_size / compressed_size``: higher is better; ``inf`` for an empty compressed size."""
    if compressed_size <= 0:
        return float("inf")
    return original_size / compressed_size


def bits_per_byte(original_size: int, compressed_size: int) -> float:
    """Compressed bits spent per original byte (8.0 means no compression)."""
    if original_size <= 0:
        return 0.0
    return 8.0 * compressed_size / original_size


def mse(a, b) -> float:
    """Mean squared error between two images (or any arrays) of the same shape, computed in float64."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.mean((a - b) ** 2))


def psnr(a, b, *, peak: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB (``inf`` for identical inputs); ``peak`` is the largest pixel value."""
    err = mse(a, b)
    if err == 0.0:
        return float("inf")
    return float(10.0 * np.log10(peak * peak / err))


def bpp(compressed_size: int, shape) -> float:
    """Bits per pixel of a compressed image; ``shape`` is (H, W) or (H, W, C) of the decoded image."""
    h, w = shape[0], shape[1]
    if h * w == 0:
        raise ValueError("an image with no pixels has no bits per pixel")
    return 8.0 * compressed_size / (h * w)
