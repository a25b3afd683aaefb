"""rANS (range asymmetric numeral systems) over integer CDF tables, written to be read.

The coder keeps one integer state ``x`` in [L, 256 L) with L = 2**23. Coding a symbol whose
slice of the probability range is [start, start + freq) out of 2**16 maps x to
``(x // freq) * 2**16 + x % freq + start``: the state grows by about log2(2**16 / freq) bits,
the symbol's information. Before that, whole bytes leave the state so that the result stays
below 256 L. Decoding runs the map backwards, so the encoder goes through the symbols last to
first and the decoder reads them first to last (with the bytes in the order the encoder
wrote them, reversed). The final state is written first, as 4 little-endian bytes; a decoder
that ends anywhere but at L, or not at the last byte, was given a damaged stream.

Symbols: each value ``v`` is coded with table ``t``: bin ``v - offset[t]`` of ``cdf[t]`` (a row
of ``bins + 1`` cumulative frequencies from 0 to 2**16, each bin at least 1). The last bin is
the escape: values outside the table's other bins code it, then their side (one bit: 0
below, 1 above) and how far outside (``e >= 1``) as an Exp-Golomb code (k ones, a zero, then
the k low bits of e, most significant first), each bit at probability 1/2.

Written in the subset of Python that Numba compiles (arrays in, arrays out, no helpers), so
``impl="numba"`` is this source compiled, and other compiled code (a learned codec's decoder)
can run it in its own loop. The native kernel (``fastzip._native.rans``) writes the same bytes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PRECISION", "encode", "decoder_state", "decode", "finish", "OK", "TRUNCATED", "CORRUPT"]

PRECISION = 16
TOTAL = 1 << PRECISION
HALF = TOTAL >> 1
L = 1 << 23
MAX_EXP_BITS = 31  # an excess needs at most 31 bits (values are int32)
OK, TRUNCATED, CORRUPT = 0, -1, -2


def encode(values, tables, cdf, offset, out) -> int:
    """Write the stream of ``values`` (value i under row ``tables[i]``) at the end of ``out``;
    returns where it starts, or -1 if ``out`` is too small (two bytes a coding step suffice)."""
    bins = cdf.shape[1] - 1
    starts = np.zeros(2 + 2 * 32, np.int64)  # one value's coding steps, in decoding order
    freqs = np.zeros(2 + 2 * 32, np.int64)
    pos = len(out)
    x = L
    for i in range(len(values) - 1, -1, -1):
        t = tables[i]
        b = np.int64(values[i]) - offset[t]
        if 0 <= b < bins - 1:
            starts[0] = cdf[t, b]
            freqs[0] = cdf[t, b + 1] - cdf[t, b]
            steps = 1
        else:  # the escape bin, the side, then the excess as an Exp-Golomb code
            starts[0] = cdf[t, bins - 1]
            freqs[0] = cdf[t, bins] - cdf[t, bins - 1]
            above = b >= bins - 1
            excess = b - (bins - 2) if above else -b
            starts[1] = HALF if above else 0
            freqs[1] = HALF
            steps = 2
            k = 0
            while excess >> (k + 1):
                k += 1
            for _ in range(k):  # k ones...
                starts[steps] = HALF
                freqs[steps] = HALF
                steps += 1
            starts[steps] = 0  # ...a zero...
            freqs[steps] = HALF
            steps += 1
            for j in range(k - 1, -1, -1):  # ...and the k bits under the leading one
                starts[steps] = ((excess >> j) & 1) * HALF
                freqs[steps] = HALF
                steps += 1
        if pos < 2 * steps + 4:
            return -1
        for s in range(steps - 1, -1, -1):  # last step first: decoding runs backwards
            limit = ((L >> PRECISION) << 8) * freqs[s]
            while x >= limit:
                pos -= 1
                out[pos] = x & 0xFF
                x >>= 8
            x = (x // freqs[s]) * TOTAL + x % freqs[s] + starts[s]
    for shift in (0, 8, 16, 24):  # the final state, little-endian, in front
        pos -= 1
        out[pos] = (x >> (24 - shift)) & 0xFF
    return pos


def decoder_state(data) -> np.ndarray:
    """The decoder's state before the first value: [x, position, status]."""
    state = np.zeros(3, np.int64)
    if len(data) < 4:
        state[2] = TRUNCATED
        return state
    for k in range(4):
        state[0] |= np.int64(data[k]) << (8 * k)
    state[1] = 4
    if not L <= state[0] < 256 * L:  # no encoder ends there
        state[2] = CORRUPT
    return state


def decode(data, state, tables, cdf, offset, out) -> int:
    """Decode ``len(tables)`` values into ``out``, continuing from ``state`` (updated in place);
    returns the status. Reading past the data reads zeros and sets TRUNCATED."""
    bins = cdf.shape[1] - 1
    x, pos, status = state[0], state[1], state[2]
    for i in range(len(tables)):
        if status != OK:
            break
        t = tables[i]
        phase = 0  # 0: the bin; after an escape 1: the side, 2: the unary length, 3: the bits
        value = above = k = remaining = 0
        excess = 1
        while True:
            slot = x & (TOTAL - 1)
            if phase == 0:  # binary search: cdf[t, lo] <= slot < cdf[t, lo + 1]
                lo, hi = 0, bins
                while hi - lo > 1:
                    mid = (lo + hi) >> 1
                    if cdf[t, mid] <= slot:
                        lo = mid
                    else:
                        hi = mid
                start, freq = cdf[t, lo], cdf[t, lo + 1] - cdf[t, lo]
            else:  # a bit at probability 1/2
                lo = 1 if slot >= HALF else 0
                start, freq = lo * HALF, HALF
            x = freq * (x >> PRECISION) + slot - start
            while x < L:
                if pos < len(data):
                    x = (x << 8) | data[pos]
                else:
                    x <<= 8
                    status = TRUNCATED
                pos += 1
            if phase == 0:
                if lo < bins - 1:
                    value = lo
                    break
                phase = 1
            elif phase == 1:
                above = lo
                phase = 2
            elif phase == 2:
                if lo:
                    k += 1
                    if k > MAX_EXP_BITS:
                        status = CORRUPT
                        break
                else:
                    remaining = k
                    phase = 3
                    if remaining == 0:
                        break
            else:
                excess = (excess << 1) | lo
                remaining -= 1
                if remaining == 0:
                    break
        if status == CORRUPT:
            break
        if phase != 0:
            value = bins - 2 + excess if above else -excess
        value += offset[t]
        if value < -(1 << 31) or value >= 1 << 31:
            status = CORRUPT
            break
        out[i] = value
    state[0], state[1], state[2] = x, pos, status
    return status


def finish(data, state) -> int:
    """OK when the stream ended exactly at ``state``, in the encoder's initial state."""
    if state[2] == OK and (state[0] != L or state[1] != len(data)):
        state[2] = CORRUPT
    return state[2]
