"""One decoder block of the VAE as one Numba kernel: nearest x2 upsampling, depthwise 3x3,
pointwise 1x1, bias, then ReLU (or sigmoid after the last block), in float32 or in int8.

Why fused: the eager path writes the upsampled tensor (4x the input), the depthwise output
(as large) and then the block's output, each a pass over memory. Here every output row is made
from the half-resolution input directly: threads take output rows (``prange``), and a thread
holds only its row's depthwise result (channels x width), never a whole map.

Why 4 multiplications instead of 9: after nearest upsampling, a 3x3 window covers only two
distinct input rows and two distinct input columns. Output row ``2i`` reads input rows i-1
(tap 0) and i (taps 1, 2); row ``2i+1`` reads i (taps 0, 1) and i+1 (tap 2); columns likewise.
So each output pixel is a 2x2 kernel over the input whose weights are sums of the 3x3 taps,
one kernel per (row parity, column parity). Even and odd output columns are kept apart
(``even``/``odd``) so every inner loop runs over contiguous memory and vectorises. Floats are
summed in another order than torch's (a few ulps apart).

The int8 kernel reproduces torch.ao's x86 (fbgemm) quantized modules exactly: uint8
activations less their zero point, int8 weights with per-channel scales, integer sums, and
requantization ``round_half_even((acc + bias / (s_in * s_w)) * (s_in * s_w / s_out)) + zp``
in float32, clamped to 0..255 (from the zero point up with ReLU). The integer sums are carried
in float32, which holds every integer below 2**24 exactly: a pointwise sum is at most
channels x 255 x 128, so the kernel is exact for up to 514 input channels (the caller checks),
and the order of exact additions does not matter. The caller folds scales and biases into the
per-channel ``bias_over`` and ``multiplier`` arrays (:func:`requant_factors`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["block_f32", "block_i8", "requant_factors", "MAX_EXACT_CHANNELS", "NO_ACTIVATION", "RELU", "SIGMOID"]

NO_ACTIVATION, RELU, SIGMOID = 0, 1, 2
MAX_EXACT_CHANNELS = (1 << 24) // (255 * 128)  # int8 sums stay exact in float32 up to this many inputs


def requant_factors(in_scale: float, weight_scales, bias, out_scale: float):
    """(bias / (s_in * s_w), s_in * s_w / s_out) per output channel, in float32 as fbgemm
    computes them."""
    times = np.float32(in_scale) * np.asarray(weight_scales, np.float32)
    bias_over = (np.asarray(bias, np.float32) / times).astype(np.float32)
    multiplier = (times / np.float32(out_scale)).astype(np.float32)
    return bias_over, multiplier


@njit(cache=True, nogil=True)
def phase_kernels(dw):
    """The 3x3 depthwise kernels ``dw`` (C, 3, 3) as 2x2 kernels [C, row parity, column
    parity, 2 (rows), 2 (columns)] over the half-resolution input."""
    channels = dw.shape[0]
    out = np.zeros((channels, 2, 2, 2, 2), np.float32)
    for c in range(channels):
        for py in range(2):
            for px in range(2):
                for ky in range(3):
                    for kx in range(3):
                        # Parity 0 puts tap 0 on the first input row (column), taps 1-2 on the
                        # second; parity 1 puts taps 0-1 on the first, tap 2 on the second.
                        out[c, py, px, 0 if ky <= py else 1, 0 if kx <= px else 1] += dw[c, ky, kx]
    return out


@njit(cache=True, nogil=True, inline="always")
def _input_rows(oy: int, height: int):
    """The two input rows output row ``oy`` reads, and whether each lies inside the input."""
    i = oy >> 1
    top = i - 1 + (oy & 1)
    return top, top + 1, top >= 0, top + 1 < height


@njit(cache=True, nogil=True, inline="always")
def _padded_row(x, c, row, inside, zero, buf, which):
    """Input row ``row`` of channel ``c`` less ``zero``, in ``buf[which, 1:-1]`` (edges zero)."""
    width = x.shape[2]
    if inside:
        for j in range(width):
            buf[which, j + 1] = np.float32(x[c, row, j]) - zero
    else:
        buf[which, :] = 0


@njit(cache=True, nogil=True, inline="always")
def _depthwise_row(k, c, py, rows, even, odd, bias):
    """Channel ``c``'s depthwise results for the even and odd output columns of one output row
    of parity ``py``, from the two padded input rows ``rows`` (2, W + 2)."""
    width = even.shape[1]
    e00, e01, e10, e11 = k[c, py, 0, 0, 0], k[c, py, 0, 0, 1], k[c, py, 0, 1, 0], k[c, py, 0, 1, 1]
    o00, o01, o10, o11 = k[c, py, 1, 0, 0], k[c, py, 1, 0, 1], k[c, py, 1, 1, 0], k[c, py, 1, 1, 1]
    for j in range(width):
        even[c, j] = bias + e00 * rows[0, j] + e01 * rows[0, j + 1] + e10 * rows[1, j] + e11 * rows[1, j + 1]
        odd[c, j] = bias + o00 * rows[0, j + 1] + o01 * rows[0, j + 2] + o10 * rows[1, j + 1] + o11 * rows[1, j + 2]


@njit(cache=True, nogil=True, inline="always")
def _depthwise(x, k, oy, zero, bias):
    """Every channel's depthwise results for output row ``oy``: (even, odd) output columns,
    from ``x`` less ``zero``, plus ``bias`` per channel."""
    channels, height, width = x.shape
    top, bottom, top_in, bottom_in = _input_rows(oy, height)
    rows = np.zeros((2, width + 2), np.float32)
    even = np.empty((channels, width), np.float32)
    odd = np.empty((channels, width), np.float32)
    for c in range(channels):
        _padded_row(x, c, top, top_in, zero, rows, 0)
        _padded_row(x, c, bottom, bottom_in, zero, rows, 1)
        _depthwise_row(k, c, oy & 1, rows, even, odd, bias[c])
    return even, odd


@njit(cache=True, nogil=True, inline="always")
def _pointwise(pw, o, even, odd, start, acc_even, acc_odd):
    """Output channel ``o`` of the pointwise layer over a row: ``start`` plus the weighted sum of
    the depthwise rows, into ``acc_even`` / ``acc_odd``."""
    acc_even[:] = start
    acc_odd[:] = start
    for c in range(even.shape[0]):
        w = pw[o, c]
        if w != 0:  # pruned weights cost nothing
            for j in range(even.shape[1]):
                acc_even[j] += w * even[c, j]
                acc_odd[j] += w * odd[c, j]


@njit(cache=True, nogil=True, inline="always")
def _requantize(acc, bias_over, multiplier, zero, low):
    """fbgemm's requantization of one sum, as a float32 holding the uint8 value."""
    return min(max(np.rint((acc + bias_over) * multiplier) + zero, low), np.float32(255.0))


@njit(cache=True, nogil=True, inline="always")
def _store(out, o, oy, x, value, pixels):
    """``out[o, oy, x] = value``, or with ``pixels`` the value as a uint8 pixel at
    ``out[oy, x, o]`` (an H x W x 3 picture: rounded half to even, as torch rounds)."""
    if pixels:
        out[oy, x, o] = np.uint8(np.rint(min(max(value, np.float32(0.0)), np.float32(1.0)) * np.float32(255.0)))
    else:
        out[o, oy, x] = value


@njit(cache=True, parallel=True, nogil=True)
def block_f32(x, k, dw_bias, pw, pw_bias, activation, pixels, out):
    """``x`` (C, H, W) float32 -> ``out`` (O, 2H, 2W) float32, or with ``pixels`` (after the
    sigmoid of the last block) the (2H, 2W, O) uint8 picture. ``k`` = :func:`phase_kernels`
    of the depthwise weights, ``pw`` (O, C); ``activation`` NO_ACTIVATION, RELU or SIGMOID."""
    channels, height, width = x.shape
    outputs = pw.shape[0]
    for oy in prange(2 * height):
        even, odd = _depthwise(x, k, oy, np.float32(0.0), dw_bias)
        acc_even = np.empty(width, np.float32)
        acc_odd = np.empty(width, np.float32)
        for o in range(outputs):
            _pointwise(pw, o, even, odd, pw_bias[o], acc_even, acc_odd)
            for j in range(width):
                a, b = acc_even[j], acc_odd[j]
                if activation == RELU:
                    a, b = max(a, np.float32(0.0)), max(b, np.float32(0.0))
                elif activation == SIGMOID:
                    a = np.float32(1.0) / (np.float32(1.0) + np.exp(-a))
                    b = np.float32(1.0) / (np.float32(1.0) + np.exp(-b))
                _store(out, o, oy, 2 * j, a, pixels)
                _store(out, o, oy, 2 * j + 1, b, pixels)


@njit(cache=True, parallel=True, nogil=True)
def block_i8(x, x_zero, k, dw_bias_over, dw_multiplier, dw_zero, pw, pw_bias_over, pw_multiplier, out_zero, relu,
             last, pixels, table, out):
    """``x`` (C, H, W) uint8 with zero point ``x_zero`` -> ``out`` (O, 2H, 2W) uint8 with zero
    point ``out_zero``; or, for the ``last`` block, ``table[q]`` of each uint8 result ``q``
    (256 values: the dequantized sigmoid as float32 in ``out`` (O, 2H, 2W), or with ``pixels``
    as uint8 pixels in ``out`` (2H, 2W, O)). ``k`` = :func:`phase_kernels` of the int8
    depthwise weights, ``pw`` (O, C) the int8 pointwise weights, both as float32. The depthwise
    result is requantized to uint8 (zero point ``dw_zero``) before the pointwise layer reads
    it, as torch.ao's two modules do."""
    channels, height, width = x.shape
    outputs = pw.shape[0]
    low = np.float32(out_zero if relu else 0)
    no_bias = np.zeros(channels, np.float32)  # fbgemm adds the bias in the requantization
    for oy in prange(2 * height):
        even, odd = _depthwise(x, k, oy, np.float32(x_zero), no_bias)
        for c in range(channels):
            bias_over, multiplier = dw_bias_over[c], dw_multiplier[c]
            for j in range(width):  # the depthwise module's uint8 output, less its zero point
                even[c, j] = _requantize(even[c, j], bias_over, multiplier, dw_zero, np.float32(0.0)) - dw_zero
                odd[c, j] = _requantize(odd[c, j], bias_over, multiplier, dw_zero, np.float32(0.0)) - dw_zero
        acc_even = np.empty(width, np.float32)
        acc_odd = np.empty(width, np.float32)
        for o in range(outputs):
            _pointwise(pw, o, even, odd, np.float32(0.0), acc_even, acc_odd)
            bias_over, multiplier = pw_bias_over[o], pw_multiplier[o]
            for j in range(width):
                a = np.uint8(_requantize(acc_even[j], bias_over, multiplier, out_zero, low))
                b = np.uint8(_requantize(acc_odd[j], bias_over, multiplier, out_zero, low))
                if last and pixels:
                    out[oy, 2 * j, o] = table[a]
                    out[oy, 2 * j + 1, o] = table[b]
                elif last:
                    out[o, oy, 2 * j] = table[a]
                    out[o, oy, 2 * j + 1] = table[b]
                else:
                    out[o, oy, 2 * j] = a
                    out[o, oy, 2 * j + 1] = b
