# cython: language_level=3
"""Match finders over 4-byte hashes, for every parse (levels 1-12), and the byte compares they share.

A finder over 3-byte hashes (zlib's) mixes, in every chain, the positions that share a 3-byte
prefix with those that merely collide, and the search budget goes on candidates that cannot
even reach length 4. Here:

* :c:type:`FastTables` (level 1): the latest position of each 4-byte hash and, in a second
  table, of each 8-byte hash (zstd's "double fast" pair), no chains. The 8-byte table finds the
  last place a long string was seen where a 4-byte string has turned up since; both are plain
  stores to insert (a table of two positions per hash, this finder before, read each bucket
  before writing it, and those reads' cache misses were a quarter of level 1's time on text).
* :c:type:`Chains` (levels 2-9): chains of positions whose first four bytes hash alike, with
  a multiplicative hash (few collisions), and beside them a one-entry table over 3-byte
  prefixes: a length-3 match is only worth it near, so one candidate is enough for it.
* :c:type:`Trees` (levels 10-12): the positions of each 4-byte hash in a binary search tree
  ordered by the strings they start (the binary-tree finder of LZMA and libdeflate's
  near-optimal levels): walking down to where a string sorts meets the positions that share
  the longest prefixes with it, so a few dozen steps give every match length its nearest
  distance, where chains needed hundreds (level 10 on text: 4.290 -> 4.325, same speed).
  Beside them a 3-byte chain (``link3``), walked a few steps to the nearest position that
  truly shares the three bytes (pixels' 3-byte repeats collide often: 1.3 % of the mix's
  size, measured with 15-bit 3-byte heads).

The tables are larger than the window needs (``*_BITS``: 1-1.4 MiB a finder; libdeflate's are
0.25 MiB): in binary data nearly every 4-byte string in the window is a different one, and with
2**16 heads 29 % of the positions of the pixels + float32 mix found another string's position
first (62 % of those that found any), each a load and a mispredicted compare for nothing. With
four times the chains' 4-byte heads (twice the trees' roots and the 3-byte heads) the mix
compresses 1.11-1.12x as fast at 2-9 and 1.05-1.07x at 10-12, and 0.2-0.35 % smaller; machine
code 1.02-1.09x; text, whose window holds fewer distinct strings, 0.99-1.0x (the larger tables
miss the cache more) and up to 0.3 % smaller (interleaved runs). Level 1's two tables take
2 MiB each (``FAST_BITS``): against 1 MiB each the photos' pixels 1.06x as fast (fewer
strings meet another's position) and 0.04 % smaller, code 1.03x, text the same.

Positions are stored as ``int32`` offsets from the start of the data (the parse gives at most
``SPAN`` bytes at a time; :c:data:`EMPTY` never lies within a window). ``link`` is a ring
indexed by position % WINDOW holding the previous position of the same hash itself, not the
distance back to it: a step along the chain is then one load, with no arithmetic on the path
from one candidate to the next (that path sets the walk's speed: 5-10 % faster here). Walks stop
at MAX_DIST, so a slot is never read after a newer position has taken it.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int32_t

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
    #include <string.h>
    /* Words read little-endian whatever the CPU: the first byte is the lowest (a word's low 24
       bits are its first three bytes; the lowest differing bit marks the first differing byte). */
    static inline uint32_t fz_load_le32(const uint8_t* p) {
        uint32_t v; memcpy(&v, p, 4);
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap32(v);
    #endif
        return v;
    }
    static inline uint64_t fz_load_le64(const uint8_t* p) {
        uint64_t v; memcpy(&v, p, 8);
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap64(v);
    #endif
        return v;
    }
    """
    uint32_t load32 "fz_load_le32"(const uint8_t* p) nogil
    uint64_t load64 "fz_load_le64"(const uint8_t* p) nogil
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
    # Hash bits at most (see fit_bits for smaller inputs; the module docstring for the sizes).
    FAST_BITS = 19          # level 1's two tables (2 MiB each)
    CHAIN3_BITS = 16        # the 3-byte heads of the chains and the trees
    CHAIN4_BITS = 18        # the chains' 4-byte heads
    TREE4_BITS = 17         # the trees' roots (at 18, text 2 % slower and nothing smaller)
    NEAR3_STEPS = 8         # 3-byte candidates the near-optimal parse tries for the nearest true one
    EMPTY = -0x40000000     # farther back than any window of a position in [0, SPAN)
    SPAN = 1 << 30          # the most bytes a parse is given at once


cdef struct FastTables:
    int32_t[1 << FAST_BITS] by4           # the latest position of each 4-byte hash
    int32_t[1 << FAST_BITS] by8           # the latest position of each 8-byte hash
    int bits                              # of both hashes (fewer for small inputs: see fit_bits)


cdef struct Trees:
    int32_t[1 << CHAIN3_BITS] head3       # the latest position of each 3-byte hash ...
    int32_t[WINDOW] link3                 # ... and, at position % WINDOW, the one before
    int32_t[1 << TREE4_BITS] root         # the latest position of each 4-byte hash: its tree's root
    int32_t[2 * WINDOW] child             # at 2 (q % WINDOW): q's subtree of smaller strings, then of greater
    int bits3, bits4                      # of the hashes (fewer for small inputs: see fit_bits)


cdef struct Chains:
    int32_t[1 << CHAIN3_BITS] head3       # the latest position of each 3-byte hash
    int32_t[1 << CHAIN4_BITS] head4       # the latest position of each 4-byte hash ...
    int32_t[WINDOW] link                  # ... and, at position % WINDOW, the one before
    int bits3, bits4                      # of the hashes (fewer for small inputs: see fit_bits)


cdef inline int common_prefix(const uint8_t* a, const uint8_t* b, int start, int maxlen) noexcept nogil:
    """Length of the common prefix of a and b (at least ``start``, which is known equal), up to maxlen.

    Compares eight bytes at a time; the first differing byte is found from the lowest set
    bit of their XOR (the words are read little-endian)."""
    cdef int n = start
    cdef uint64_t x, y
    while n + 8 <= maxlen:
        x = load64(a + n)
        y = load64(b + n)
        if x != y:
            return n + (fz_ctz64(x ^ y) >> 3)
        n += 8
    while n < maxlen and a[n] == b[n]:
        n += 1
    return n


cdef inline uint32_t hash_bytes(uint32_t v, int bits) noexcept nogil:
    """A multiplicative (Fibonacci) hash: the top bits of v times 2^32 / golden ratio."""
    return (v * <uint32_t>2654435761u) >> (32 - bits)


cdef inline uint32_t hash4(const uint8_t* p, int bits) noexcept nogil:
    return hash_bytes(load32(p), bits)


cdef inline uint32_t hash8(const uint8_t* p, int bits) noexcept nogil:
    """The multiplicative hash of eight bytes (the golden ratio's 64-bit multiplier)."""
    return <uint32_t>((load64(p) * <uint64_t>0x9E3779B97F4A7C15u) >> (64 - bits))


cdef inline uint32_t hash3_of(uint32_t v, int bits) noexcept nogil:
    """The hash of the first three bytes of a loaded little-endian word."""
    return hash_bytes(v & 0xFFFFFF, bits)


cdef inline int fit_bits(Py_ssize_t n, int most) noexcept nogil:
    """Hash bits for a parse of n bytes: a table of at least 2n entries (at least 1024), at most
    2**most. A small input then clears a small table: the clearing, not the parse, is most of
    the time of compressing a few hundred bytes."""
    cdef int bits = 10
    while bits < most and (<Py_ssize_t>1 << bits) < 2 * n:
        bits += 1
    return bits


cdef inline void empty(int32_t* table, Py_ssize_t size) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(size):
        table[i] = EMPTY


cdef inline void clear_fast(FastTables* f, Py_ssize_t n) noexcept nogil:
    """Empty the finder for a parse of n bytes."""
    f.bits = fit_bits(n, FAST_BITS)
    empty(f.by4, 1 << f.bits)
    empty(f.by8, 1 << f.bits)


cdef inline void clear_trees(Trees* t, Py_ssize_t n) noexcept nogil:
    t.bits3 = fit_bits(n, CHAIN3_BITS)
    t.bits4 = fit_bits(n, TREE4_BITS)
    empty(t.head3, 1 << t.bits3)
    empty(t.root, 1 << t.bits4)


cdef inline void clear_chains(Chains* c, Py_ssize_t n) noexcept nogil:
    c.bits3 = fit_bits(n, CHAIN3_BITS)
    c.bits4 = fit_bits(n, CHAIN4_BITS)
    empty(c.head3, 1 << c.bits3)
    empty(c.head4, 1 << c.bits4)


cdef enum:
    # Which positions inside a match fast_skip inserts: all of them if they are fewer than the
    # parse's ``full`` (the search inserted the match's first); of a longer one the first FAST_HEAD, every FAST_STRIDE-th between and the last
    # FAST_TAIL. The inner ones are most of the stores (and of level 1's time on text); every
    # fourth keeps most of what they find, as a string seen inside an old match is then found
    # at most three positions late. Against libdeflate -1 on text (interleaved): every third
    # 3.5 % smaller at 1.02x its speed, every fourth 3.1 % at 1.05x, every sixth 2.7 % at
    # 1.06x, none 2.0 % at 1.09x but 1.6 % larger on licence texts, whose long matches recur.
    FAST_HEAD = 2
    FAST_STRIDE = 4
    FAST_TAIL = 2


cdef inline uint32_t fast_hash(FastTables* f, int bits, const uint8_t* data, Py_ssize_t q, uint32_t* h8) noexcept nogil:
    """Position q's 4-byte hash (returned) and 8-byte hash (into ``h8``); both table entries
    start loading while the caller works. ``data[q:q + 8]`` must exist."""
    cdef uint32_t h4 = hash4(data + q, bits)
    h8[0] = hash8(data + q, bits)
    prefetch(&f.by4[h4])
    prefetch(&f.by8[h8[0]])
    return h4


cdef inline void fast_prefetch(FastTables* f, int bits, const uint8_t* data, Py_ssize_t q) noexcept nogil:
    """Start loading position q's table entries (``data[q:q + 8]`` must exist)."""
    prefetch(&f.by4[hash4(data + q, bits)])
    prefetch(&f.by8[hash8(data + q, bits)])


cdef inline void fast_insert(FastTables* f, int bits, const uint8_t* data, Py_ssize_t q) noexcept nogil:
    f.by4[hash4(data + q, bits)] = <int32_t>q
    f.by8[hash8(data + q, bits)] = <int32_t>q


cdef inline void fast_skip(FastTables* f, int bits, const uint8_t* data, Py_ssize_t p, Py_ssize_t end,
                           Py_ssize_t full) noexcept nogil:
    """Insert the positions of [p, end) that the FAST_* constants pick (see there); each has
    eight bytes in the data."""
    cdef Py_ssize_t q
    if end - p >= full:
        for q in range(p, p + FAST_HEAD):
            fast_insert(f, bits, data, q)
        q = p + FAST_HEAD + FAST_STRIDE - 1
        while q < end - FAST_TAIL:
            fast_insert(f, bits, data, q)
            q += FAST_STRIDE
        p = end - FAST_TAIL
    while p < end:
        fast_insert(f, bits, data, p)
        p += 1


cdef inline int fast_match(FastTables* f, int bits, const uint8_t* data, Py_ssize_t p, uint32_t h4, uint32_t h8,
                           int maxlen, int32_t* match_start) noexcept nogil:
    """Insert p (hashes ``h4``, ``h8``) and return the match at its 8-byte table's position if
    that shares eight bytes, else at its 4-byte table's if that shares four (0 if neither).
    ``maxlen`` >= 8 bytes follow p."""
    cdef int32_t far = f.by8[h8], near = f.by4[h4]
    cdef Py_ssize_t cutoff = p - MAX_DIST
    f.by4[h4] = <int32_t>p
    f.by8[h8] = <int32_t>p
    if far >= cutoff and load64(data + far) == load64(data + p):
        match_start[0] = far
        return common_prefix(data + far, data + p, 8, maxlen)
    if near >= cutoff and load32(data + near) == load32(data + p):
        match_start[0] = near
        return common_prefix(data + near, data + p, 4, maxlen)
    return 0


cdef inline bint fast_long_at(FastTables* f, const uint8_t* data, Py_ssize_t q, uint32_t h8) noexcept nogil:
    """Whether q's 8-byte table (``h8`` its hash) holds a position within reach sharing q's
    first eight bytes."""
    cdef int32_t far = f.by8[h8]
    return far >= q - MAX_DIST and load64(data + far) == load64(data + q)


cdef inline int fast_tail_match(FastTables* f, const uint8_t* data, Py_ssize_t p, Py_ssize_t n, int maxlen,
                                int32_t* match_start) noexcept nogil:
    """fast_match near the data's end (``maxlen`` >= 4 bytes follow p): the 4-byte table only;
    p also goes in the 8-byte one if it has eight bytes."""
    cdef int bits = f.bits
    cdef uint32_t h4 = hash4(data + p, bits)
    cdef int32_t near = f.by4[h4]
    f.by4[h4] = <int32_t>p
    if p + 8 <= n:
        f.by8[hash8(data + p, bits)] = <int32_t>p
    if near >= p - MAX_DIST and load32(data + near) == load32(data + p):
        match_start[0] = near
        return common_prefix(data + near, data + p, 4, maxlen)
    return 0


cdef inline void fast_insert_all(FastTables* f, const uint8_t* data, Py_ssize_t p, Py_ssize_t end,
                                 Py_ssize_t n) noexcept nogil:
    """Insert every position of [p, end) with four bytes before ``n`` (in the 8-byte table
    those with eight): the history, and matches near the data's end."""
    cdef int bits = f.bits
    if end > n - 3:
        end = n - 3
    while p < end and p + 8 <= n:
        fast_insert(f, bits, data, p)
        p += 1
    while p < end:
        f.by4[hash4(data + p, bits)] = <int32_t>p
        p += 1


cdef inline void hash_next(Chains* c, const uint8_t* data, Py_ssize_t q, int bits3, int bits4,
                           uint32_t* hashes) noexcept nogil:
    """Position q's hashes into ``hashes`` (4-byte, 3-byte), and start loading their table entries
    (random lines of 1.25 MiB of tables) while the caller works; ``data[q:q + 4]`` must exist."""
    cdef uint32_t v = load32(data + q)
    hashes[0] = hash_bytes(v, bits4)
    hashes[1] = hash3_of(v, bits3)
    prefetch(&c.head4[hashes[0]])
    prefetch(&c.head3[hashes[1]])


cdef inline void chain_skip(Chains* c, const uint8_t* data, Py_ssize_t p, Py_ssize_t end,
                            Py_ssize_t n, uint32_t* hashes) noexcept nogil:
    """Put each position of [p, end) at the head of its tables (those with four bytes before
    ``n``); ``hashes`` get ``end``'s, the next to be searched (see chain_match), whose table
    entries start loading."""
    cdef uint32_t v, h4
    cdef int32_t older
    cdef int bits3 = c.bits3, bits4 = c.bits4  # in registers: the loop's stores could alias the fields
    if end > n - 4:
        end = n - 3
    while p < end:
        v = load32(data + p)
        h4 = hash_bytes(v, bits4)
        older = c.head4[h4]
        c.head3[hash3_of(v, bits3)] = <int32_t>p
        c.link[p & (WINDOW - 1)] = older
        c.head4[h4] = <int32_t>p
        p += 1
    if end + 4 <= n:
        hash_next(c, data, end, bits3, bits4, hashes)


cdef inline int32_t older(const Chains* c, int32_t cand) noexcept nogil:
    """The position before ``cand`` on its chain (out of the window when there is none)."""
    return c.link[cand & (WINDOW - 1)]


cdef inline int chain_match(Chains* c, const uint8_t* data, Py_ssize_t p, uint32_t* hashes, int best, int maxlen,
                            int nice, int depth, int32_t* match_start) noexcept nogil:
    """Insert p and return the longest match longer than ``best`` found within ``depth``
    candidates of its 4-byte chain and the latest position of its 3-byte hash (``best`` itself
    if none is longer). ``maxlen`` >= 4 bytes follow p; ``nice`` <= maxlen stops the search.
    ``hashes`` hold p's (4-byte, 3-byte) and get p + 1's when it has four bytes (``maxlen`` > 4),
    whose table entries then load while p is searched: each position is hashed once, as
    positions are inserted in order (chain_skip hands on the same way)."""
    cdef uint32_t v = load32(data + p)
    cdef int bits3 = c.bits3, bits4 = c.bits4
    cdef uint32_t h4 = hashes[0], h3 = hashes[1]
    cdef int32_t cand = c.head4[h4], near3 = c.head3[h3]
    cdef Py_ssize_t cutoff = p - MAX_DIST
    cdef const uint8_t* here = data + p
    cdef int length
    c.head3[h3] = <int32_t>p
    c.link[p & (WINDOW - 1)] = cand
    c.head4[h4] = <int32_t>p
    if maxlen > 4:
        hash_next(c, data, p + 1, bits3, bits4, hashes)
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


cdef inline int tree_matches(Trees* t, const uint8_t* data, Py_ssize_t p, int maxlen, int nice, int depth,
                             uint16_t* lengths, uint16_t* dists, int cap, bint record, bint insert=True,
                             bint link=True) noexcept nogil:
    """Insert p in its tree (unless not ``insert``: then the tree is only searched) and in its
    3-byte chain (unless not ``link``: it is there already), and (``record``) list, nearest
    first, each match longer than all nearer ones: the nearest position truly sharing its
    first three bytes, then those met on the way down the tree, at most ``cap`` (a longer one
    then replaces the last). Returns how many. ``maxlen`` >= 4 bytes follow p (more than 4 if
    another position follows).

    Each hash's positions form a binary search tree ordered by the strings they start, the
    latest at the root: inserting p walks from the root toward where p's string sorts, and the
    nodes on that walk are the ones that share the longest prefixes with it. Walking down, p
    becomes the new root and the old tree is split along the walk into p's smaller and greater
    subtrees. A node whose string agrees with p's for ``nice`` bytes is taken as equal: p
    adopts its subtrees and the walk ends (so does running out of ``depth`` or of the window:
    the open ends are closed). The comparison at a node starts after the prefix p is known to
    share with the nearest smaller and greater strings so far, the least of the two."""
    cdef uint32_t v = load32(data + p)
    cdef int bits4 = t.bits4
    cdef uint32_t h4 = hash_bytes(v, bits4), h3 = hash3_of(v, t.bits3)
    cdef int32_t near3 = t.head3[h3], cand = t.root[h4]
    cdef Py_ssize_t cutoff = p - MAX_DIST
    cdef const uint8_t* here = data + p
    cdef int32_t* smaller = &t.child[2 * (p & (WINDOW - 1))]
    cdef int32_t* greater = smaller + 1
    cdef int32_t* node
    cdef int best = 2, length, count = 0, steps = NEAR3_STEPS, smaller_len = 0, greater_len = 0
    cdef int32_t[2] unlinked  # where a search that does not insert writes its links
    if link:
        t.head3[h3] = <int32_t>p
        t.link3[p & (WINDOW - 1)] = near3
    if insert:
        t.root[h4] = <int32_t>p
    else:
        smaller = &unlinked[0]
        greater = &unlinked[1]
    if nice > maxlen:
        nice = maxlen
    if maxlen > 4:
        prefetch(&t.root[hash4(data + p + 1, bits4)])
    if record:
        # The nearest true 3-byte match (pixels' 3-byte repeats collide often).
        while near3 >= cutoff and steps > 0:
            if ((load32(data + near3) ^ v) & 0xFFFFFF) == 0:
                best = common_prefix(data + near3, here, 3, maxlen)
                lengths[0] = <uint16_t>best
                dists[0] = <uint16_t>(p - near3)
                count = 1
                break
            near3 = t.link3[near3 & (WINDOW - 1)]
            steps -= 1
    while cand >= cutoff and depth > 0:
        node = &t.child[2 * (cand & (WINDOW - 1))]
        length = smaller_len if smaller_len < greater_len else greater_len
        if data[cand + length] == here[length]:
            length = common_prefix(data + cand, here, length + 1, maxlen)
            if record and length > best:
                best = length
                if count == cap:
                    count -= 1
                lengths[count] = <uint16_t>length
                dists[count] = <uint16_t>(p - cand)
                count += 1
            if length >= nice:
                smaller[0] = node[0]
                greater[0] = node[1]
                return count
        if data[cand + length] < here[length]:
            smaller[0] = cand
            smaller = node + 1 if insert else smaller
            smaller_len = length
            cand = node[1]
        else:
            greater[0] = cand
            greater = node if insert else greater
            greater_len = length
            cand = node[0]
        depth -= 1
    smaller[0] = EMPTY
    greater[0] = EMPTY
    return count


cdef inline void tree_insert(Trees* t, const uint8_t* data, Py_ssize_t p, Py_ssize_t n, int nice, int depth,
                             bint link=True) noexcept nogil:
    """Insert p (``p + 4 <= n``) without listing its matches (and in its 3-byte chain if ``link``)."""
    cdef uint16_t unused
    tree_matches(t, data, p, <int>(n - p if n - p < MAX_MATCH else MAX_MATCH), nice, depth, &unused, &unused, 0,
                 False, True, link)


cdef inline void chain3_insert(Trees* t, const uint8_t* data, Py_ssize_t p) noexcept nogil:
    """Put p (``data[p:p + 4]`` exists) in its 3-byte chain only, not in a tree."""
    cdef uint32_t h3 = hash3_of(load32(data + p), t.bits3)
    t.link3[p & (WINDOW - 1)] = t.head3[h3]
    t.head3[h3] = <int32_t>p
