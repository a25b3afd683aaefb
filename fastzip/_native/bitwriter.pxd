# cython: language_level=3
"""An LSB-first bit writer into a caller-owned buffer (DEFLATE's bit order).

Bits gather in a 64-bit word; :func:`flush_bits` stores the whole word at once (little-endian,
unaligned) and advances by the whole bytes in it, so a token costs one store, not one per byte.
Near the end of the buffer it falls back to byte stores. It never writes past ``cap``: running
out sets ``overflow`` and drops the bits, and the caller, who sized the buffer from a bound,
treats that as its own bug.
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    static inline void fz_store_le64(uint8_t* p, uint64_t v) {
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap64(v);
    #endif
        memcpy(p, &v, 8);
    }
    """
    void store_le64 "fz_store_le64"(uint8_t* p, uint64_t v) nogil


cdef struct BitWriter:
    uint64_t buf
    uint32_t nbits
    uint8_t* out
    Py_ssize_t pos
    Py_ssize_t cap
    bint overflow


cdef inline void add_bits(BitWriter* w, uint64_t value, uint32_t n) noexcept nogil:
    """Append ``n`` bits of ``value`` without flushing: the caller keeps ``nbits + n <= 63``."""
    w.buf |= value << w.nbits
    w.nbits += n


cdef inline void store_bits(BitWriter* w) noexcept nogil:
    """Write the whole bytes gathered (fewer than 8 bits stay) with one 8-byte store: the caller
    has made sure 8 bytes fit. (At most 63 bits are held, so the shift is below 64.)"""
    store_le64(w.out + w.pos, w.buf)
    w.pos += w.nbits >> 3
    w.buf >>= w.nbits & 56
    w.nbits &= 7


cdef inline void flush_bits(BitWriter* w) noexcept nogil:
    """Write the whole bytes gathered; fewer than 8 bits stay."""
    if w.pos + 8 <= w.cap:
        store_bits(w)
    else:
        flush_whole_bytes(w)


cdef inline void put_bits(BitWriter* w, uint32_t value, uint32_t n) noexcept nogil:
    """Append ``n`` (<= 32) bits of ``value``, least significant first."""
    add_bits(w, value, n)
    if w.nbits >= 32:
        flush_bits(w)


cdef inline void flush_whole_bytes(BitWriter* w) noexcept nogil:
    while w.nbits >= 8:
        if w.pos >= w.cap:
            w.overflow = True
            w.buf = 0
            w.nbits = 0
            return
        w.out[w.pos] = <uint8_t>w.buf
        w.pos += 1
        w.buf >>= 8
        w.nbits -= 8


cdef inline void align_to_byte(BitWriter* w) noexcept nogil:
    if w.nbits & 7:
        put_bits(w, 0, 8 - (w.nbits & 7))
    flush_whole_bytes(w)
