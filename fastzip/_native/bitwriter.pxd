# cython: language_level=3
"""An LSB-first bit writer into a caller-owned buffer (DEFLATE's bit order).

It never writes past ``cap``: running out sets ``overflow`` and drops the bits, and the
caller, who sized the buffer from a bound, treats that as its own bug.
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t


cdef struct BitWriter:
    uint64_t buf
    uint32_t nbits
    uint8_t* out
    Py_ssize_t pos
    Py_ssize_t cap
    bint overflow


cdef inline void put_bits(BitWriter* w, uint32_t value, uint32_t n) noexcept nogil:
    """Append ``n`` (<= 32) bits of ``value``, least significant first."""
    w.buf |= (<uint64_t>value) << w.nbits
    w.nbits += n
    if w.nbits >= 32:
        if w.pos + 4 > w.cap:
            w.overflow = True
        else:
            w.out[w.pos] = <uint8_t>w.buf
            w.out[w.pos + 1] = <uint8_t>(w.buf >> 8)
            w.out[w.pos + 2] = <uint8_t>(w.buf >> 16)
            w.out[w.pos + 3] = <uint8_t>(w.buf >> 24)
            w.pos += 4
        w.buf >>= 32
        w.nbits -= 32


cdef inline void flush_whole_bytes(BitWriter* w) noexcept nogil:
    while w.nbits >= 8:
        if w.pos >= w.cap:
            w.overflow = True
            return
        w.out[w.pos] = <uint8_t>w.buf
        w.pos += 1
        w.buf >>= 8
        w.nbits -= 8


cdef inline void align_to_byte(BitWriter* w) noexcept nogil:
    if w.nbits & 7:
        put_bits(w, 0, 8 - (w.nbits & 7))
    flush_whole_bytes(w)
