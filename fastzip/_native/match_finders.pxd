# cython: language_level=3
"""Match finders over 4-byte hashes, for every parse (levels 1-12), and the byte compares they share.

A finder over 3-byte hashes (zlib's) mixes, in every chain, the positions that share a 3-byte
prefix with those that merely collide, and the search budget goes on candidates that cannot
even reach length 4. Here:

* :c:type:`Buckets` (level 1): each 4-byte hash keeps its two latest positions, no chains.
  Two loads and two compares per position: a greedy parse at a few ns per byte.
* :c:type:`Chains` (levels 2-12): chains of positions whose first four bytes hash alike, with
  a multiplicative hash (few collisions), and beside them a table over 3-byte prefixes: the
  lazy parses ask it for one candidate (a length-3 match is only worth it near), the
  near-optimal parse follows its chain (``link3``) a few steps to the nearest position that
  truly shares the three bytes (pixels' 3-byte repeats collide often in a 15-bit hash: 1.3 %
  of the mix's size).

Positions are stored as ``int32`` offsets from the start of the data (the parse gives at most
``SPAN`` bytes at a time; :c:data:`EMPTY` never lies within a window). ``link`` is a ring
indexed by position % WINDOW holding the previous position of the same hash itself, not the
distance back to it: a step along the chain is then one load, with no arithmetic on the path
from one candidate to the next (that path sets the walk's speed: 5-10 % faster here). Walks stop
at MAX_DIST, so a slot is never read after a newer position has taken it.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int32_t
from libc.string cimport memcpy

cdef extern from *:
    """
    #include <stdint.h>
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline int fz_ctz64(uint64_t x) { unsigned long i; _BitScanForward64(&i, x); return (int)i; }
    static inline int fz_floor_log2(uint32_t x) { unsigned long i; _BitScanReverse(&i, x | 1); return (int)i; }
    #else
    static inline int fz_ctz64(uint64_t x) { return __builtin_ctzll(x); }
    static inline int fz_floor_log2(uint32_t x) { return 31 - __builtin_clz(x | 1); }
    #endif
    """
    int fz_ctz64(uint64_t x) nogil
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
    WINDOW = 32768
    # zlib keeps MIN_LOOKAHEAD (262) bytes of its window free and never matches farther than
    # 32506; we use the whole 32 KiB but one (the ring slot of position p - 32768 already
    # holds p): the extra reach finds matches zlib cannot.
    MAX_DIST = 32768 - 1
    MIN_MATCH = 3
    MAX_MATCH = 258
    BUCKET_BITS = 15
    CHAIN3_BITS = 15
    CHAIN4_BITS = 16
    NEAR3_STEPS = 8         # 3-byte candidates the near-optimal parse tries for the nearest true one
    EMPTY = -0x40000000     # farther back than any window of a position in [0, SPAN)
    SPAN = 1 << 30          # the most bytes a parse is given at once


cdef struct Buckets:
    int32_t[2 << BUCKET_BITS] slot        # slot[2h] the latest position of hash h, slot[2h + 1] the one before


cdef struct Chains:
    int32_t[1 << CHAIN3_BITS] head3       # the latest position of each 3-byte hash
    int32_t[1 << CHAIN4_BITS] head4       # the latest position of each 4-byte hash ...
    int32_t[WINDOW] link                  # ... and, at position % WINDOW, the one before
    int32_t[WINDOW] link3                 # the same for 3-byte hashes (near-optimal parse only)


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


cdef inline void chain_skip3(Chains* c, const uint8_t* data, Py_ssize_t p, Py_ssize_t n) noexcept nogil:
    """Put p at the head of its tables, 3-byte chain included (``p + 4 <= n``)."""
    cdef uint32_t v = load32(data + p)
    cdef uint32_t h4 = hash_bytes(v, CHAIN4_BITS), h3 = hash3_of(v)
    c.link3[p & (WINDOW - 1)] = c.head3[h3]
    c.head3[h3] = <int32_t>p
    c.link[p & (WINDOW - 1)] = c.head4[h4]
    c.head4[h4] = <int32_t>p
    if p + 5 <= n:
        prefetch_next(c, data, p)


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


cdef inline int chain_all_matches(Chains* c, const uint8_t* data, Py_ssize_t p, int maxlen, int nice, int depth,
                                  uint16_t* lengths, uint16_t* dists, int cap) noexcept nogil:
    """Insert p and list, nearest first, each match longer than all nearer ones (the 3-byte
    table's latest position, then ``depth`` candidates of the 4-byte chain), at most ``cap``
    (a longer one then replaces the last); the walk ends at ``nice``. Returns how many.
    ``maxlen`` >= 4 bytes follow p (more than 4 if another position follows)."""
    cdef uint32_t v = load32(data + p)
    cdef uint32_t h4 = hash_bytes(v, CHAIN4_BITS), h3 = hash3_of(v)
    cdef int32_t cand = c.head4[h4], near3 = c.head3[h3]
    cdef Py_ssize_t cutoff = p - MAX_DIST
    cdef const uint8_t* here = data + p
    cdef int best = 2, length, count = 0, steps = NEAR3_STEPS
    c.head3[h3] = <int32_t>p
    c.link3[p & (WINDOW - 1)] = near3
    c.link[p & (WINDOW - 1)] = cand
    c.head4[h4] = <int32_t>p
    if maxlen > 4:
        prefetch_next(c, data, p)
    # The nearest position sharing the first three bytes (not only their hash: here every
    # length-3 match counts, and pixels' 3-byte repeats collide often in a 15-bit hash).
    while near3 >= cutoff and steps > 0:
        if ((load32(data + near3) ^ v) & 0xFFFFFF) == 0:
            best = common_prefix(data + near3, here, 3, maxlen)
            lengths[0] = <uint16_t>best
            dists[0] = <uint16_t>(p - near3)
            count = 1
            if best >= nice:
                return count
            break
        near3 = c.link3[near3 & (WINDOW - 1)]
        steps -= 1
    while cand >= cutoff and depth > 0:
        if load32(data + cand) == v and (best < 4 or load32(data + cand + best - 3) == load32(here + best - 3)):
            length = common_prefix(data + cand, here, 4, maxlen)
            if length > best:
                best = length
                if count == cap:
                    count -= 1
                lengths[count] = <uint16_t>length
                dists[count] = <uint16_t>(p - cand)
                count += 1
                if best >= nice:
                    return count
        cand = older(c, cand)
        depth -= 1
    return count
