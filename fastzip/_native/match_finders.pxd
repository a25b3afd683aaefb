# cython: language_level=3
"""Match finders over 4-byte hashes, for the greedy and lazy parses (levels 1-9).

zlib's finder (``hash_chains.pxd``) hashes three bytes, so every chain mixes the positions
that share a 3-byte prefix with those that merely collide, and the chain budget goes on
candidates that cannot even reach length 4. Here:

* :c:type:`Buckets` (level 1): each 4-byte hash keeps its two latest positions, no chains.
  Two loads and two compares per position: a greedy parse at a few ns per byte.
* :c:type:`Chains` (levels 2-9): chains of positions whose first four bytes hash alike, with
  a multiplicative hash (few collisions), and beside them a one-entry table over 3-byte
  prefixes: a length-3 match is only worth it near, so one candidate is enough for it.

Positions are stored as ``int32`` offsets from the start of the data (the parse gives at most
``SPAN`` bytes at a time; :c:data:`EMPTY` never lies within a window). ``link`` is a ring
indexed by position % WINDOW holding the previous position of the same hash itself, not the
distance back to it as ``hash_chains.pxd`` does: a step along the chain is then one load, with
no arithmetic on the path from one candidate to the next (that path sets the walk's speed:
5-10 % faster here). Walks stop at MAX_DIST, so a slot is never read after a newer position has taken it.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, int32_t
from libc.string cimport memcpy

from .hash_chains cimport MAX_DIST, MAX_MATCH, WINDOW, common_prefix

cdef extern from *:
    """
    #include <stdint.h>
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline int fz_floor_log2(uint32_t x) { unsigned long i; _BitScanReverse(&i, x | 1); return (int)i; }
    #else
    static inline int fz_floor_log2(uint32_t x) { return 31 - __builtin_clz(x | 1); }
    #endif
    """
    int floor_log2 "fz_floor_log2"(uint32_t x) nogil

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define fz_prefetch(p) __builtin_prefetch((p), 1)
    #else
    #define fz_prefetch(p) ((void)0)
    #endif
    """
    void prefetch "fz_prefetch"(const void* p) nogil

cdef enum:
    BUCKET_BITS = 15
    CHAIN3_BITS = 15
    CHAIN4_BITS = 16
    EMPTY = -0x40000000     # farther back than any window of a position in [0, SPAN)
    SPAN = 1 << 30          # the most bytes a parse is given at once


cdef struct Buckets:
    int32_t[2 << BUCKET_BITS] slot        # slot[2h] the latest position of hash h, slot[2h + 1] the one before


cdef struct Chains:
    int32_t[1 << CHAIN3_BITS] head3       # the latest position of each 3-byte hash
    int32_t[1 << CHAIN4_BITS] head4       # the latest position of each 4-byte hash ...
    int32_t[WINDOW] link                  # ... and, at position % WINDOW, the one before


cdef inline uint32_t load32(const uint8_t* p) noexcept nogil:
    cdef uint32_t v
    memcpy(&v, p, 4)
    return v


cdef inline uint32_t hash_bytes(uint32_t v, int bits) noexcept nogil:
    """A multiplicative (Fibonacci) hash: the top bits of v times 2^32 / golden ratio."""
    return (v * <uint32_t>2654435761u) >> (32 - bits)


cdef inline uint32_t hash4(const uint8_t* p, int bits) noexcept nogil:
    return hash_bytes(load32(p), bits)


cdef inline uint32_t hash3_of(uint32_t v) noexcept nogil:
    """The hash of the first three bytes of a loaded little-endian word."""
    return hash_bytes(v & 0xFFFFFF, CHAIN3_BITS)


cdef inline void clear_buckets(Buckets* b) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(2 << BUCKET_BITS):
        b.slot[i] = EMPTY


cdef inline void clear_chains(Chains* c) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(1 << CHAIN3_BITS):
        c.head3[i] = EMPTY
    for i in range(1 << CHAIN4_BITS):
        c.head4[i] = EMPTY


cdef inline void bucket_skip(Buckets* b, const uint8_t* data, Py_ssize_t p, Py_ssize_t end,
                             Py_ssize_t n) noexcept nogil:
    """Make each position of [p, end) the latest of its hash (those with four bytes before ``n``),
    and start loading the bucket of ``end``, the next to be searched."""
    cdef int32_t* s
    if end > n - 4:
        end = n - 3
    while p < end:
        s = &b.slot[2 * hash4(data + p, BUCKET_BITS)]
        s[1] = s[0]
        s[0] = <int32_t>p
        p += 1
    if end + 4 <= n:
        prefetch(&b.slot[2 * hash4(data + end, BUCKET_BITS)])


cdef inline int bucket_match(Buckets* b, const uint8_t* data, Py_ssize_t p, int maxlen, int nice,
                             int32_t* match_start) noexcept nogil:
    """Insert p and return the longer match of its bucket's two positions (0 if neither shares
    p's first four bytes). ``maxlen`` >= 4 bytes follow p."""
    cdef uint32_t seq = load32(data + p)
    cdef int32_t* s = &b.slot[2 * hash_bytes(seq, BUCKET_BITS)]
    cdef int32_t c0 = s[0], c1 = s[1]
    cdef Py_ssize_t cutoff = p - MAX_DIST
    cdef int best = 0, length
    s[1] = c0
    s[0] = <int32_t>p
    if maxlen > 4:  # the next position's bucket, while this one's candidates are compared
        prefetch(&b.slot[2 * hash4(data + p + 1, BUCKET_BITS)])
    if c0 < cutoff:
        return 0
    if load32(data + c0) == seq:
        best = common_prefix(data + c0, data + p, 4, maxlen)
        match_start[0] = c0
        if best >= nice or c1 < cutoff:
            return best
        # The older one only matters if it also matches at the byte that would lengthen the match.
        if best < maxlen and load32(data + c1 + best - 3) == load32(data + p + best - 3) \
                and load32(data + c1) == seq:
            length = common_prefix(data + c1, data + p, 4, maxlen)
            if length > best:
                best = length
                match_start[0] = c1
        return best
    if c1 >= cutoff and load32(data + c1) == seq:
        match_start[0] = c1
        return common_prefix(data + c1, data + p, 4, maxlen)
    return 0


cdef inline void prefetch_next(Chains* c, const uint8_t* data, Py_ssize_t p) noexcept nogil:
    """Start loading the table entries of position p + 1 (random lines of 384 KiB of tables);
    ``data[p:p + 5]`` must exist."""
    cdef uint32_t v = load32(data + p + 1)
    prefetch(&c.head4[hash_bytes(v, CHAIN4_BITS)])
    prefetch(&c.head3[hash3_of(v)])


cdef inline void chain_skip(Chains* c, const uint8_t* data, Py_ssize_t p, Py_ssize_t end,
                            Py_ssize_t n) noexcept nogil:
    """Put each position of [p, end) at the head of its tables (those with four bytes before
    ``n``), and start loading the table entries of ``end``, the next to be searched."""
    cdef uint32_t v, h4
    cdef int32_t older
    if end > n - 4:
        end = n - 3
    while p < end:
        v = load32(data + p)
        h4 = hash_bytes(v, CHAIN4_BITS)
        older = c.head4[h4]
        c.head3[hash3_of(v)] = <int32_t>p
        c.link[p & (WINDOW - 1)] = older
        c.head4[h4] = <int32_t>p
        p += 1
    if end + 4 <= n:
        prefetch_next(c, data, end - 1)


cdef inline int32_t older(const Chains* c, int32_t cand) noexcept nogil:
    """The position before ``cand`` on its chain (out of the window when there is none)."""
    return c.link[cand & (WINDOW - 1)]


cdef inline int chain_match(Chains* c, const uint8_t* data, Py_ssize_t p, int best, int maxlen, int nice,
                            int depth, int32_t* match_start) noexcept nogil:
    """Insert p and return the longest match longer than ``best`` found within ``depth``
    candidates of its 4-byte chain and the latest position of its 3-byte hash (``best`` itself
    if none is longer). ``maxlen`` >= 4 bytes follow p (more than 4 if another position follows:
    its table entries are prefetched); ``nice`` <= maxlen stops the search."""
    cdef uint32_t v = load32(data + p)
    cdef uint32_t h4 = hash_bytes(v, CHAIN4_BITS), h3 = hash3_of(v)
    cdef int32_t cand = c.head4[h4], near3 = c.head3[h3]
    cdef Py_ssize_t cutoff = p - MAX_DIST
    cdef const uint8_t* here = data + p
    cdef int length
    c.head3[h3] = <int32_t>p
    c.link[p & (WINDOW - 1)] = cand
    c.head4[h4] = <int32_t>p
    if maxlen > 4:
        prefetch_next(c, data, p)
    if best < 4:
        if best < 3 and near3 >= cutoff and ((load32(data + near3) ^ v) & 0xFFFFFF) == 0:
            best = 3
            match_start[0] = near3
        # The first candidate sharing all four bytes (most share them: the hash rarely collides).
        while True:
            if cand < cutoff or depth <= 0:
                return best
            if load32(data + cand) == v:
                break
            cand = older(c, cand)
            depth -= 1
        best = common_prefix(data + cand, here, 4, maxlen)
        match_start[0] = cand
        if best >= nice:
            return best
        cand = older(c, cand)
        depth -= 1
    elif best >= nice:
        return best
    # Longer ones: only a candidate that agrees at the byte that would lengthen the best (and at
    # the start) is worth extending.
    while cand >= cutoff and depth > 0:
        if load32(data + cand + best - 3) == load32(here + best - 3) and load32(data + cand) == v:
            length = common_prefix(data + cand, here, 4, maxlen)
            if length > best:
                best = length
                match_start[0] = cand
                if best >= nice:
                    return best
        cand = older(c, cand)
        depth -= 1
    return best
