"""The 8x8 DCT of JPEG, and quantization.

- :func:`forward` / :func:`inverse`: the orthonormal 2-D DCT-II / DCT-III (the thesis's
  formula 4.1) of arrays shaped (..., 8, 8), float32 or float64 (other input becomes
  float64). ``impl="native"`` runs AAN's fast algorithm over all blocks (both cores for
  large inputs); ``impl="reference"`` evaluates the formula literally, ``impl="numba"`` the
  same source compiled.
- :func:`inverse_int`: the integer IDCT a decoder uses, int16 in and out; it meets the
  IEEE 1180-1990 accuracy limits (tests/test_dct.py runs that test).
- :func:`quality_table`, :func:`quantize`, :func:`dequantize`: JPEG Annex K tables scaled
  by the IJG quality formula (:func:`quantize` in all three tiers, the same values from
  each); :data:`ZIGZAG` and :func:`zigzag` / :func:`unzigzag`.
"""

from __future__ import annotations

import math

import numpy as np

from ._native import dct as _native
from ._jit import check_impl, compiled
from ._parallel import resolve, split_rows
from .reference import dct as _reference

__all__ = ["forward", "inverse", "inverse_int", "quality_table", "quantize", "dequantize",
           "ZIGZAG", "zigzag", "unzigzag", "LUMINANCE", "CHROMINANCE", "FORWARD_SCALE", "INVERSE_SCALE"]

# AAN leaves output frequency k scaled by 8 * aan[k] (per dimension); aan[0] = 1. The native
# kernels take these factors (folded with quantization by the JPEG codec) as multipliers.
_AAN = np.array([1.0] + [math.sqrt(2) * math.cos(k * math.pi / 16) for k in range(1, 8)])
FORWARD_SCALE = 1.0 / (8.0 * np.outer(_AAN, _AAN)).ravel()
INVERSE_SCALE = (np.outer(_AAN, _AAN) / 8.0).ravel()
_BLOCKS_PER_THREAD = 4096  # each thread at least this many blocks: a hand-off costs more than fewer save

# JPEG Annex K.1: luminance and chrominance quantization tables (row-major, natural order).
LUMINANCE = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
], dtype=np.uint16).reshape(8, 8)
CHROMINANCE = np.array([
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
], dtype=np.uint16).reshape(8, 8)

# ZIGZAG[i] is the row-major index of the i-th coefficient in zigzag order.
ZIGZAG = np.array(sorted(range(64), key=lambda k: (k // 8 + k % 8,
                                                   k // 8 if (k // 8 + k % 8) % 2 else k % 8)), dtype=np.intp)


def _blocks_and_dtype(blocks) -> tuple[np.ndarray, np.dtype]:
    arr = np.asarray(blocks)
    if arr.ndim < 2 or arr.shape[-2:] != (8, 8):
        raise ValueError(f"blocks must have shape (..., 8, 8), not {arr.shape}")
    return arr, (arr.dtype if arr.dtype in (np.float32, np.float64) else np.dtype(np.float64))


def _float_blocks(blocks) -> tuple[np.ndarray, tuple]:
    arr, dtype = _blocks_and_dtype(blocks)
    return np.array(arr, dtype=dtype, order="C").reshape(-1, 8, 8), arr.shape


def _run(kernel, blocks, scale: np.ndarray, threads: int | None) -> tuple[np.ndarray, tuple]:
    """The transformed copy of ``blocks`` (and their shape), each worker writing its own range
    (the kernels release the GIL). Blocks of another type or layout are converted by each worker
    into its range first, and transformed there."""
    arr, dtype = _blocks_and_dtype(blocks)
    source = arr.reshape(-1, 8, 8)
    work = np.empty(source.shape, dtype)
    scale = scale.astype(dtype)
    ready = source.dtype == dtype and source.flags.c_contiguous

    def piece(first, end):
        if ready:
            kernel(source[first:end], scale, work[first:end])
        else:
            work[first:end] = source[first:end]
            kernel(work[first:end], scale, work[first:end])

    split_rows(piece, work.shape[0], resolve(threads, cap=work.shape[0] // _BLOCKS_PER_THREAD))
    return work, arr.shape


def forward(blocks, *, impl: str = "native", threads: int | None = None) -> np.ndarray:
    """Orthonormal 2-D DCT-II of every 8x8 block of ``blocks`` (a new array, same shape).

    ``impl``: "native" (AAN in Cython, float32 or float64 as given), "numba" (the literal
    formula compiled) or "reference" (the formula interpreted); the formula runs in float64.
    ``threads``: how many threads the native kernel may use (``fastzip.get_threads()`` when
    None; one per 4,096 blocks at most).
    """
    return _transform(blocks, impl, _native.forward, FORWARD_SCALE, _reference.forward, threads)


def inverse(coeffs, *, impl: str = "native", threads: int | None = None) -> np.ndarray:
    """Orthonormal 2-D DCT-III (the inverse of :func:`forward`) of every 8x8 block; ``impl`` and
    ``threads`` as for :func:`forward`."""
    return _transform(coeffs, impl, _native.inverse, INVERSE_SCALE, _reference.inverse, threads)


def _transform(blocks, impl: str, kernel, scale, formula, threads) -> np.ndarray:
    check_impl(impl)
    if impl == "native":
        work, shape = _run(kernel, blocks, scale, threads)
        return work.reshape(shape)
    work, shape = _float_blocks(blocks)
    wide = work.astype(np.float64)
    out = np.empty_like(wide)
    (formula if impl == "reference" else compiled(formula))(wide, out)
    return out.astype(work.dtype, copy=False).reshape(shape)


def inverse_int(coeffs, table=None) -> np.ndarray:
    """Integer 2-D IDCT of int16 blocks (..., 8, 8): rounded, saturated to int16.

    With a quantization ``table`` the blocks are dequantized first (folded into the
    transform's scaling: no separate pass, no int16 saturation of the products).
    """
    arr = np.asarray(coeffs)
    if arr.ndim < 2 or arr.shape[-2:] != (8, 8):
        raise ValueError(f"coeffs must have shape (..., 8, 8), not {arr.shape}")
    work = np.ascontiguousarray(arr, dtype=np.int16).reshape(-1, 8, 8)
    out = np.empty_like(work)
    scale = INVERSE_SCALE if table is None else INVERSE_SCALE * np.asarray(table, np.float64).ravel()
    _native.inverse_int(work, scale, out)
    return out.reshape(arr.shape)


def quality_table(quality: int, base=LUMINANCE) -> np.ndarray:
    """``base`` (an 8x8 table, default Annex K luminance) scaled by the IJG quality formula:
    quality 50 is the table itself, 100 all ones; entries clamped to 1..255 (baseline)."""
    if not 1 <= int(quality) <= 100:
        raise ValueError(f"quality must be 1..100, not {quality}")
    quality = int(quality)
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    table = (np.asarray(base, dtype=np.int64) * scale + 50) // 100
    return np.clip(table, 1, 255).astype(np.uint16)


def quantize(coeffs, table, *, impl: str = "native") -> np.ndarray:
    """DCT coefficients (..., 8, 8) divided by ``table``, rounded to nearest with halves away
    from zero (as libjpeg rounds), as int16; the same values from every ``impl``."""
    check_impl(impl)
    q = np.asarray(table, dtype=np.float64)
    if q.shape != (8, 8) or not (q > 0).all():
        raise ValueError("table must be an 8x8 array of positive values")
    arr = np.asarray(coeffs)
    if arr.ndim < 2 or arr.shape[-2:] != (8, 8):
        raise ValueError(f"coeffs must have shape (..., 8, 8), not {arr.shape}")
    work = np.ascontiguousarray(arr, dtype=np.float64).reshape(-1, 8, 8)
    if not np.isfinite(work).all():
        raise ValueError("coeffs must be finite")
    out = np.empty(work.shape, np.int16)
    if impl == "native":
        _native.quantize(work, np.ascontiguousarray(q.ravel()), out)
    else:
        (_reference.quantize if impl == "reference" else compiled(_reference.quantize))(work, q, out)
    return out.reshape(arr.shape)


def dequantize(quantized, table) -> np.ndarray:
    """Quantized coefficients times ``table``, as int16 (saturated), ready for :func:`inverse_int`."""
    out = np.asarray(quantized, dtype=np.int32) * np.asarray(table, dtype=np.int32)
    return np.clip(out, -32768, 32767).astype(np.int16)


def zigzag(blocks) -> np.ndarray:
    """(..., 8, 8) blocks as (..., 64) coefficient vectors in zigzag order."""
    arr = np.asarray(blocks)
    return arr.reshape(arr.shape[:-2] + (64,))[..., ZIGZAG]


def unzigzag(vectors) -> np.ndarray:
    """The inverse of :func:`zigzag`: (..., 64) zigzag vectors back to (..., 8, 8) blocks."""
    arr = np.asarray(vectors)
    out = np.empty_like(arr)
    out[..., ZIGZAG] = arr
    return out.reshape(arr.shape[:-1] + (8, 8))
