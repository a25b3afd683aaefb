# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Trellis quantization of JPEG blocks: the quantized AC values that minimise distortion plus
lambda times bits, block by block, as mozjpeg chooses them (rather than each value rounded on
its own).

Rounding each coefficient to the nearest step is best for distortion alone; but a lone small
value far down the zigzag costs a run/size code and its bits for little error saved, and a
value of 2 where 1 would do costs a bit more. Given each coefficient in units of its step
(``x``), the distortion weight of a unit (the step squared: the DCT is orthonormal, so this is
squared pixel error) and the code lengths of the Huffman tables the block will be coded with,
a dynamic programme over the 63 AC positions in zigzag order finds the exact optimum among
"each coefficient its rounded magnitude, one less, or zero": the state after a position is the
last non-zero coefficient, a transition from it to the next non-zero one pays the zero run's
distortion, its ZRL codes, the run/size code and the magnitude bits; the block ends with EOB
(or at 63 without). About 4,000 transitions a block. The DC is rounded (it is coded as a
difference from the block before, outside this programme).
"""

from libc.math cimport fabsf, floorf
from libc.stdint cimport int16_t, uint8_t

cdef extern from *:
    """
    static inline int fz_magnitude_bits(int v) { int n = 0; while (v) { n++; v >>= 1; } return n; }
    """
    int magnitude_bits "fz_magnitude_bits"(int v) nogil

DEF UNCODED = 40.0  # bits charged for a symbol the table has no code for: it must not be chosen


cdef inline float symbol_bits(const uint8_t* lengths, int symbol) noexcept nogil:
    return lengths[symbol] if lengths[symbol] else UNCODED


def trellis_blocks(const float[:, ::1] x, const float[::1] weight, const uint8_t[::1] ac_lengths, float lam,
                   int16_t[:, ::1] out):
    """``out`` (n, 64, zigzag order) from ``x`` (the same shape: coefficients in units of their
    quantizer step), ``weight`` (64, zigzag: the squared step), the AC table's code lengths
    (256, 0: no code) and ``lam`` (squared pixel error per bit). AC values within +-1023, DC
    within -1024..1023, as baseline allows."""
    cdef Py_ssize_t b, n = x.shape[0]
    cdef int i, j, k, c, run, size, a, best_j, best_v, count, last
    cdef float[64] zero_cost       # distortion if position i is zero
    cdef float[65] zeros_upto      # sum of zero_cost over positions 1..i
    cdef float[64] end_cost        # best cost with the last non-zero value at i (0: none yet)
    cdef int[64] end_value
    cdef int[64] end_from
    cdef int[2] candidates
    cdef float cost, best, d, rate, zrl_bits, eob_bits, xi, dc
    if x.shape[1] != 64 or out.shape[0] != n or out.shape[1] != 64 or weight.shape[0] != 64 \
            or ac_lengths.shape[0] != 256:
        raise ValueError("x and out (n, 64), weight (64,), ac_lengths (256,)")
    zrl_bits = symbol_bits(&ac_lengths[0], 0xF0)
    eob_bits = symbol_bits(&ac_lengths[0], 0x00)
    with nogil:
        for b in range(n):
            dc = x[b, 0]
            dc = floorf(dc + 0.5) if dc >= 0 else -floorf(-dc + 0.5)
            out[b, 0] = <int16_t>(-1024 if dc < -1024 else (1023 if dc > 1023 else dc))
            zeros_upto[0] = 0
            for i in range(1, 64):
                zero_cost[i] = weight[i] * x[b, i] * x[b, i]
                zeros_upto[i] = zeros_upto[i - 1] + zero_cost[i]
            end_cost[0] = 0
            for i in range(1, 64):
                end_cost[i] = 3.0e38
                end_value[i] = 0
                end_from[i] = -1
                xi = x[b, i]
                a = <int>floorf(fabsf(xi) + 0.5)
                if a > 1023:
                    a = 1023
                if a == 0:
                    continue  # rounds to zero: it stays zero (never worth coding)
                candidates[0] = a
                candidates[1] = a - 1
                count = 2 if a > 1 else 1
                for c in range(count):
                    size = magnitude_bits(candidates[c])
                    d = fabsf(xi) - candidates[c]
                    d = weight[i] * d * d
                    for j in range(i):
                        if j > 0 and end_from[j] < 0:
                            continue  # no way to end a run at j
                        run = i - j - 1
                        rate = (run >> 4) * zrl_bits + symbol_bits(&ac_lengths[0], ((run & 15) << 4) | size) + size
                        cost = end_cost[j] + zeros_upto[i - 1] - zeros_upto[j] + d + lam * rate
                        if cost < end_cost[i]:
                            end_cost[i] = cost
                            end_value[i] = candidates[c]
                            end_from[i] = j
            # the block ends after the last non-zero value j: the zeros after it, and EOB
            best = zeros_upto[63] + lam * eob_bits
            best_j = 0
            for j in range(1, 64):
                if end_from[j] < 0:
                    continue
                cost = end_cost[j] + zeros_upto[63] - zeros_upto[j] + (lam * eob_bits if j < 63 else 0)
                if cost < best:
                    best = cost
                    best_j = j
            for i in range(1, 64):
                out[b, i] = 0
            j = best_j
            while j > 0:
                out[b, j] = <int16_t>(end_value[j] if x[b, j] >= 0 else -end_value[j])
                j = end_from[j]
