# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""rANS over integer CDF tables: the same bytes as ``fastzip.reference.rans`` (which explains
the coder), at native speed.

Why fast: one 32-bit state, byte-wise renormalisation (at most two bytes per step at 16-bit
precision), the division by a symbol's frequency is the only division, and the decoder finds
a bin by binary search in its table row. The decoder is resumable (``Decoder.decode`` takes any
number of values), so a caller whose probabilities depend on what was decoded (an
auto-regressive model decoding wavefront by wavefront) interleaves its model with the coder.

Untrusted input: the decoder never reads past the data (missing bytes read as zero and set
``TRUNCATED``), bounds an escape's length, and checks the final state, so a damaged stream
ends in a status, never in a wrong read. Tables and table indices come from the caller,
which validates them once (``fastzip.rans``).
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

DEF PRECISION = 16
DEF TOTAL = 1 << 16
DEF HALF = 1 << 15
DEF RANS_L = 1 << 23
DEF MAX_EXP_BITS = 31
DEF MAX_STEPS = 2 + 2 * 32

cdef enum:
    ST_OK = 0
    ST_TRUNCATED = -1
    ST_CORRUPT = -2
OK, TRUNCATED, CORRUPT = ST_OK, ST_TRUNCATED, ST_CORRUPT


cdef inline Py_ssize_t put(uint32_t* x, uint32_t start, uint32_t freq, uint8_t* out, Py_ssize_t pos) noexcept nogil:
    cdef uint32_t limit = ((RANS_L >> PRECISION) << 8) * freq
    while x[0] >= limit:
        pos -= 1
        out[pos] = <uint8_t>(x[0] & 0xFF)
        x[0] >>= 8
    x[0] = (x[0] // freq) * TOTAL + x[0] % freq + start
    return pos


def encode(const int32_t[::1] values, const int32_t[::1] tables, const uint32_t[:, ::1] cdf,
           const int32_t[::1] offset, uint8_t[::1] out):
    """Write the stream at the end of ``out`` (big enough: see ``fastzip.rans``); returns
    where it starts, or -1 if ``out`` was too small."""
    cdef Py_ssize_t n = values.shape[0], i, s, nsteps, pos = out.shape[0]
    cdef int bins = cdf.shape[1] - 1, k, j
    cdef int64_t b, excess
    cdef int32_t t
    cdef uint32_t x = RANS_L
    cdef uint32_t[MAX_STEPS] starts
    cdef uint32_t[MAX_STEPS] freqs
    cdef bint full = False
    with nogil:
        for i in range(n - 1, -1, -1):
            t = tables[i]
            b = <int64_t>values[i] - offset[t]
            if 0 <= b < bins - 1:
                starts[0] = cdf[t, b]
                freqs[0] = cdf[t, b + 1] - cdf[t, b]
                nsteps = 1
            else:
                starts[0] = cdf[t, bins - 1]
                freqs[0] = cdf[t, bins] - cdf[t, bins - 1]
                if b >= bins - 1:
                    excess = b - (bins - 2)
                    starts[1] = HALF
                else:
                    excess = -b
                    starts[1] = 0
                freqs[1] = HALF
                nsteps = 2
                k = 0
                while (excess >> (k + 1)) != 0:
                    k += 1
                for j in range(k):
                    starts[nsteps] = HALF
                    freqs[nsteps] = HALF
                    nsteps += 1
                starts[nsteps] = 0
                freqs[nsteps] = HALF
                nsteps += 1
                for j in range(k - 1, -1, -1):
                    starts[nsteps] = ((excess >> j) & 1) * HALF
                    freqs[nsteps] = HALF
                    nsteps += 1
            if pos < 2 * nsteps + 4:
                full = True
                break
            for s in range(nsteps - 1, -1, -1):
                pos = put(&x, starts[s], freqs[s], &out[0], pos)
        if not full:
            for k in range(4):
                pos -= 1
                out[pos] = <uint8_t>((x >> (24 - 8 * k)) & 0xFF)
    return -1 if full else pos


cdef class Decoder:
    """Values back in the order they were coded: ``decode`` any number at a time, then ``finish``."""

    cdef const uint8_t[::1] data
    cdef Py_ssize_t pos
    cdef uint32_t x
    cdef public int status

    def __init__(self, const uint8_t[::1] data):
        cdef int k
        self.data = data
        self.status = ST_OK if data.shape[0] >= 4 else ST_TRUNCATED
        self.x = 0
        for k in range(min(4, data.shape[0])):
            self.x |= (<uint32_t>data[k]) << (8 * k)
        self.pos = 4
        if self.status == ST_OK and not (RANS_L <= self.x < 256 * RANS_L):  # no encoder ends there
            self.status = ST_CORRUPT

    cdef inline int step(self, const uint32_t* row, int bins) noexcept nogil:
        cdef uint32_t slot = self.x & (TOTAL - 1)
        cdef int lo = 0, hi = bins, mid
        while hi - lo > 1:
            mid = (lo + hi) >> 1
            if row[mid] <= slot:
                lo = mid
            else:
                hi = mid
        self.x = (row[lo + 1] - row[lo]) * (self.x >> PRECISION) + slot - row[lo]
        while self.x < RANS_L:
            if self.pos < self.data.shape[0]:
                self.x = (self.x << 8) | self.data[self.pos]
            else:
                self.x <<= 8
                if self.status == ST_OK:
                    self.status = ST_TRUNCATED
            self.pos += 1
        return lo

    cdef inline int bit(self) noexcept nogil:
        cdef uint32_t[3] half = [0, HALF, TOTAL]
        return self.step(half, 2)

    def decode(self, const int32_t[::1] tables, const uint32_t[:, ::1] cdf, const int32_t[::1] offset,
               int32_t[::1] out):
        """Decode ``len(tables)`` values into ``out``; returns the status."""
        cdef Py_ssize_t i, n = tables.shape[0]
        cdef int bins = cdf.shape[1] - 1, b, k, above
        cdef int64_t excess, value
        cdef int32_t t
        with nogil:
            for i in range(n):
                if self.status != ST_OK:
                    break
                t = tables[i]
                b = self.step(&cdf[t, 0], bins)
                value = b
                if b == bins - 1:
                    above = self.bit()
                    k = 0
                    while self.bit():
                        k += 1
                        if k > MAX_EXP_BITS:
                            self.status = ST_CORRUPT
                            break
                    if self.status == ST_CORRUPT:
                        break
                    excess = 1
                    while k > 0:
                        excess = (excess << 1) | self.bit()
                        k -= 1
                    value = bins - 2 + excess if above else -excess
                value += offset[t]
                if value < -2147483648 or value > 2147483647:
                    self.status = ST_CORRUPT
                    break
                out[i] = <int32_t>value
        return self.status

    def finish(self):
        """OK when the stream ended exactly here, in the encoder's initial state."""
        if self.status == ST_OK and (self.x != RANS_L or self.pos != self.data.shape[0]):
            self.status = ST_CORRUPT
        return self.status
