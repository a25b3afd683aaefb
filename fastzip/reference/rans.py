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

The native kernel (``fastzip._native.rans``) writes the same bytes.
"""

from __future__ import annotations

__all__ = ["PRECISION", "encode", "Decoder", "OK", "TRUNCATED", "CORRUPT", "escape_steps"]

PRECISION = 16
TOTAL = 1 << PRECISION
L = 1 << 23
HALF = TOTAL >> 1
MAX_EXP_BITS = 31  # an excess needs at most 31 bits (values are int32)
OK, TRUNCATED, CORRUPT = 0, -1, -2


def _steps(value: int, cdf_row, offset: int) -> list[tuple[int, int]]:
    """(start, freq) of every coding step of ``value``, in decoding order."""
    bins = len(cdf_row) - 1
    b = value - offset
    if 0 <= b < bins - 1:
        return [(cdf_row[b], cdf_row[b + 1] - cdf_row[b])]
    steps = [(cdf_row[bins - 1], cdf_row[bins] - cdf_row[bins - 1])]
    above = b >= bins - 1
    excess = b - (bins - 2) if above else -b
    steps.append((HALF if above else 0, HALF))
    k = excess.bit_length() - 1
    steps += [(HALF, HALF)] * k + [(0, HALF)]
    for i in range(k - 1, -1, -1):
        steps.append((((excess >> i) & 1) * HALF, HALF))
    return steps


def escape_steps(excess_bits: int) -> int:
    """Coding steps an escaped value takes when its excess has ``excess_bits`` bits: the
    escape bin, the side, k + 1 unary bits and k value bits (k = excess_bits - 1)."""
    return 2 * excess_bits + 1


def encode(values, tables, cdf, offset) -> bytes:
    """The rANS bytes of ``values``, value i coded with table ``tables[i]``."""
    out = bytearray()  # bytes in the order they are produced; reversed at the end
    x = L
    for i in range(len(values) - 1, -1, -1):
        t = tables[i]
        for start, freq in reversed(_steps(values[i], cdf[t], offset[t])):
            limit = ((L >> PRECISION) << 8) * freq
            while x >= limit:
                out.append(x & 0xFF)
                x >>= 8
            x = (x // freq) * TOTAL + x % freq + start
    for shift in (24, 16, 8, 0):
        out.append((x >> shift) & 0xFF)
    out.reverse()
    return bytes(out)


class Decoder:
    """Reads values back in the order they were coded, any number at a time."""

    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 4
        self.x = int.from_bytes(self.data[:4].ljust(4, b"\0"), "little")
        self.status = OK if len(self.data) >= 4 else TRUNCATED
        if not self.status and not L <= self.x < 256 * L:  # no encoder ends there
            self.status = CORRUPT

    def _byte(self) -> int:
        if self.pos >= len(self.data):
            self.status = self.status or TRUNCATED
            self.pos += 1
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def _step(self, cdf_row) -> int:
        """Decode one step: the bin of ``cdf_row`` the state's slot falls in."""
        slot = self.x & (TOTAL - 1)
        lo, hi = 0, len(cdf_row) - 1  # cdf_row[lo] <= slot < cdf_row[hi]
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if cdf_row[mid] <= slot:
                lo = mid
            else:
                hi = mid
        start, freq = cdf_row[lo], cdf_row[lo + 1] - cdf_row[lo]
        self.x = freq * (self.x >> PRECISION) + slot - start
        while self.x < L:
            self.x = (self.x << 8) | self._byte()
        return lo

    def _bit(self) -> int:
        return self._step((0, HALF, TOTAL))

    def decode(self, tables, cdf, offset, out) -> int:
        """Decode ``len(tables)`` values into ``out``; returns the status (OK, TRUNCATED, CORRUPT)."""
        for i in range(len(tables)):
            if self.status:
                return self.status
            t = tables[i]
            row = cdf[t]
            bins = len(row) - 1
            b = self._step(row)
            if b == bins - 1:
                above = self._bit()
                k = 0
                while self._bit():
                    k += 1
                    if k > MAX_EXP_BITS:
                        self.status = CORRUPT
                        return self.status
                excess = 1
                for _ in range(k):
                    excess = (excess << 1) | self._bit()
                b = bins - 2 + excess if above else -excess
            value = offset[t] + b
            if not -(1 << 31) <= value < 1 << 31:
                self.status = CORRUPT
                return self.status
            out[i] = value
        return self.status

    def finish(self) -> int:
        """OK when the stream ended exactly here, in the encoder's initial state."""
        if not self.status and (self.x != L or self.pos != len(self.data)):
            self.status = CORRUPT
        return self.status
