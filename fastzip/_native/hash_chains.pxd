# cython: language_level=3
"""Hash chains over 3-byte prefixes, for the near-optimal parser (levels 10-12), which wants the
nearest match of every length from 3; and the byte compares and constants every finder shares
(levels 1-9 search 4-byte hashes: ``match_finders.pxd``).

``head[h]`` is the latest position whose first three bytes hash to ``h``; ``prev`` is a
ring indexed by position % WINDOW holding the distance back to the previous position of the
same hash (0: none within the window); 16-bit links keep it in 64 KiB, cache-resident
whatever the input's size.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int32_t
from libc.string cimport memcpy

cdef extern from *:
    """
    #include <stdint.h>
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline int fz_ctz64(uint64_t x) { unsigned long i; _BitScanForward64(&i, x); return (int)i; }
    #else
    static inline int fz_ctz64(uint64_t x) { return __builtin_ctzll(x); }
    #endif
    """
    int fz_ctz64(uint64_t x) nogil


cdef inline uint16_t load16(const uint8_t* p) noexcept nogil:
    cdef uint16_t v
    memcpy(&v, p, 2)
    return v


cdef inline int common_prefix(const uint8_t* a, const uint8_t* b, int start, int maxlen) noexcept nogil:
    """Length of the common prefix of a and b (at least ``start``, which is known equal), up to maxlen.

    Compares eight bytes at a time; the first differing byte is found from the lowest set
    bit of their XOR (bytes are little-endian in the word)."""
    cdef int n = start
    cdef uint64_t x, y
    while n + 8 <= maxlen:
        memcpy(&x, a + n, 8)
        memcpy(&y, b + n, 8)
        if x != y:
            return n + (fz_ctz64(x ^ y) >> 3)
        n += 8
    while n < maxlen and a[n] == b[n]:
        n += 1
    return n


cdef enum:
    WINDOW = 32768
    # zlib keeps MIN_LOOKAHEAD (262) bytes of its window free and never matches farther than
    # 32506; we use the whole 32 KiB but one (the ring slot of position p - 32768 already
    # holds p): the extra reach finds matches zlib cannot.
    MAX_DIST = 32768 - 1
    MIN_MATCH = 3
    MAX_MATCH = 258
    HASH_BITS = 15
    HASH_SIZE = 1 << 15
    NIL = -1


cdef inline uint32_t hash3(const uint8_t* p) noexcept nogil:
    """zlib's hash of three bytes (hash_bits 15, shift 5).

    It collides more than a multiplicative hash would, and colliding positions use up the
    chain budget; measured on text, code and pixels when levels 1-9 used these chains, the
    multiplicative hash found slightly better matches at the low levels but was slower at the
    high ones. The near-optimal parser keeps it.
    """
    return ((<uint32_t>p[0] << 10) ^ (<uint32_t>p[1] << 5) ^ p[2]) & (HASH_SIZE - 1)


cdef inline void insert(int32_t* head, uint16_t* prev, const uint8_t* data, Py_ssize_t p) noexcept nogil:
    """Make position p the head of its chain (its first three bytes must be in the data)."""
    cdef uint32_t h = hash3(data + p)
    cdef int32_t older = head[h]
    prev[p & (WINDOW - 1)] = <uint16_t>(p - older) if older != NIL and p - older < WINDOW else 0
    head[h] = <int32_t>p
