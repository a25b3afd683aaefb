# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""DEFLATE compression (RFC 1951): zlib's hash-chain matchers and a block writer that picks
the cheapest of stored, fixed and dynamic Huffman coding for every block.

Matching follows zlib's ``deflate_fast`` (levels 1-3: greedy; a match is taken at once and
its positions are hashed only when it is short) and ``deflate_slow`` (levels 4-9: lazy; a
match is emitted only if the next position does not start a longer one), with zlib's
good/lazy/nice/chain parameters, so that each level trades time for size as zlib's does.
Positions are hashed on their first three bytes into 2**15 chains.

A :class:`Deflater` compresses one *segment* per call: ``data[:start]`` is history (up to
32 KiB that matches may reach into), ``data[start:]`` is new. Blocks of up to
``BLOCK_TOKENS`` tokens are written as they fill; the bit writer's partial byte carries
over to the next call, so a stream can be produced segment by segment in bounded memory.

Dynamic code lengths come from the optimal length-limited Huffman kernel
(``huffman.limited_code_lengths``: 15 bits, 7 for the code-length code).
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int32_t
from libc.string cimport memcpy, memset
from libc.stdlib cimport malloc, free
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF

cdef extern from "Python.h":
    PyObject* new_bytes "PyBytes_FromStringAndSize"(const char*, Py_ssize_t) except NULL
    char* bytes_data "PyBytes_AS_STRING"(PyObject*) nogil
    int _PyBytes_Resize(PyObject**, Py_ssize_t) except -1

from .huffman cimport limited_code_lengths
from .prefix_codes cimport reverse_bits

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
    MIN_MATCH = 3
    MAX_MATCH = 258
    HASH_BITS = 15
    HASH_SIZE = 1 << 15
    TOO_FAR = 4096          # zlib: a length-3 match farther than this costs more than literals
    BLOCK_TOKENS = 16383    # zlib's lit_bufsize - 1 at memLevel 8
    NIL = -1

cdef uint8_t[19] CODELEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
cdef uint16_t[29] LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
cdef uint8_t[29] LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
cdef uint16_t[30] DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                               257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                               8193, 12289, 16385, 24577]
cdef uint8_t[30] DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                               7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

# length (3..258) -> length symbol index 0..28; distance-1 -> distance symbol, via zlib's split table
cdef uint8_t[259] LENGTH_SYMBOL
cdef uint8_t[512] DIST_SYMBOL


cdef void _init_tables():
    cdef int sym, v
    for sym in range(29):
        for v in range(LENGTH_BASE[sym], (LENGTH_BASE[sym + 1] if sym < 28 else 259)):
            LENGTH_SYMBOL[v] = sym
    LENGTH_SYMBOL[258] = 28
    for sym in range(30):
        for v in range(DIST_BASE[sym], (DIST_BASE[sym + 1] if sym < 29 else 32769)):
            if v <= 256:
                DIST_SYMBOL[v - 1] = sym
            else:
                DIST_SYMBOL[256 + ((v - 1) >> 7)] = sym

_init_tables()


cdef inline uint32_t dist_symbol(uint32_t dist) noexcept nogil:
    return DIST_SYMBOL[dist - 1] if dist <= 256 else DIST_SYMBOL[256 + ((dist - 1) >> 7)]


cdef inline uint32_t hash3(const uint8_t* p) noexcept nogil:
    # zlib's hash (hash_bits 15, shift 5). It collides more than a multiplicative hash, and
    # collisions use up the chain budget: with the same budget a better hash visits more
    # true candidates, compressing a little better but slower than zlib at the same level.
    return ((<uint32_t>p[0] << 10) ^ (<uint32_t>p[1] << 5) ^ p[2]) & (HASH_SIZE - 1)


cdef struct BitWriter:
    uint64_t buf
    uint32_t nbits
    uint8_t* out
    Py_ssize_t pos
    Py_ssize_t cap
    bint overflow


cdef inline void put_bits(BitWriter* w, uint32_t value, uint32_t n) noexcept nogil:
    """Append ``n`` (<= 32) bits, least significant first."""
    w.buf |= (<uint64_t>value) << w.nbits
    w.nbits += n
    if w.nbits >= 32:
        if w.pos + 4 > w.cap:
            w.overflow = True
            w.nbits -= 32
            w.buf >>= 32
            return
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


cdef class Deflater:
    """One DEFLATE stream being written, segment by segment (see the module docstring)."""
    cdef int level, good, lazy, nice, chain
    cdef bint greedy
    cdef int32_t[HASH_SIZE] head
    # Chain links as a ring indexed by position % WINDOW, holding the distance back to the
    # previous position of the same hash (0: none within the window). 16 bits keep it in 64 KiB.
    cdef uint16_t[WINDOW] prev
    cdef uint16_t* tok_len      # 0 for a literal, else the match length
    cdef uint16_t* tok_val      # the literal byte, or the match distance
    cdef Py_ssize_t ntok
    cdef uint64_t pending_buf   # bits of an unfinished byte, carried between calls
    cdef uint32_t pending_bits
    cdef bint finished

    def __cinit__(self, int level, int good, int lazy, int nice, int chain, bint greedy):
        self.level = level
        self.good = good
        self.lazy = lazy
        self.nice = nice
        self.chain = chain
        self.greedy = greedy
        self.tok_len = <uint16_t*>malloc(BLOCK_TOKENS * sizeof(uint16_t))
        self.tok_val = <uint16_t*>malloc(BLOCK_TOKENS * sizeof(uint16_t))
        if self.tok_len == NULL or self.tok_val == NULL:
            raise MemoryError()
        self.pending_buf = 0
        self.pending_bits = 0
        self.finished = False

    def __dealloc__(self):
        free(self.tok_len)
        free(self.tok_val)

    def compress(self, const uint8_t[::1] data, Py_ssize_t start, bint final, uint8_t[::1] out):
        """Compress ``data[start:]`` (``data[:start]`` is history) into ``out``.

        Returns the number of whole bytes written, or -1 if ``out`` was too small (the
        stream is then unusable). With ``final`` the last block is marked final and the
        stream is padded to a byte boundary.
        """
        cdef BitWriter w
        cdef Py_ssize_t n = data.shape[0]
        if self.finished:
            raise ValueError("the stream is already finished")
        if start < 0 or start > n:
            raise ValueError("start outside data")
        w.buf = self.pending_buf
        w.nbits = self.pending_bits
        w.out = &out[0] if out.shape[0] else NULL
        w.pos = 0
        w.cap = out.shape[0]
        w.overflow = False
        with nogil:
            self._segment(&data[0] if n else NULL, n, start, final, &w)
            if final:
                align_to_byte(&w)
            else:
                flush_whole_bytes(&w)
        self.pending_buf = w.buf
        self.pending_bits = w.nbits
        self.finished = final
        return -1 if w.overflow else w.pos

    def compress_framed(self, const uint8_t[::1] data, bytes prefix, bytes suffix, Py_ssize_t bound):
        """``prefix + the whole stream for data + suffix`` as one new bytes object, built in place.

        ``bound`` must cover the compressed stream; returns ``None`` if it did not.
        """
        cdef BitWriter w
        cdef Py_ssize_t n = data.shape[0], np_ = len(prefix), ns = len(suffix)
        cdef PyObject* raw
        cdef object result
        if self.finished:
            raise ValueError("the stream is already finished")
        raw = new_bytes(NULL, np_ + bound + ns)
        memcpy(bytes_data(raw), <const char*>prefix, np_)
        w.buf = self.pending_buf
        w.nbits = self.pending_bits
        w.out = <uint8_t*>bytes_data(raw) + np_
        w.pos = 0
        w.cap = bound
        w.overflow = False
        with nogil:
            self._segment(&data[0] if n else NULL, n, 0, True, &w)
            align_to_byte(&w)
        self.finished = True
        if w.overflow:
            result = <object>raw
            Py_DECREF(result)
            return None
        memcpy(bytes_data(raw) + np_ + w.pos, <const char*>suffix, ns)
        _PyBytes_Resize(&raw, np_ + w.pos + ns)
        result = <object>raw
        Py_DECREF(result)
        return result

    cdef void _segment(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                       BitWriter* w) noexcept nogil:
        cdef Py_ssize_t p, block_start
        cdef int k
        for k in range(HASH_SIZE):
            self.head[k] = NIL
        # History: hash every position whose three bytes are all in the window we keep.
        p = start - WINDOW if start > WINDOW else 0
        while p + MIN_MATCH <= start:
            self._insert(data, p)
            p += 1
        if start == n and not final:
            return
        if self.level == 0 or start == n:
            self._write_stored_range(data, start, n, final, w)
            return
        self.ntok = 0
        if self.greedy:
            self._parse_greedy(data, n, start, final, w)
        else:
            self._parse_lazy(data, n, start, final, w)

    cdef inline void _insert(self, const uint8_t* data, Py_ssize_t p) noexcept nogil:
        cdef uint32_t h = hash3(data + p)
        cdef int32_t older = self.head[h]
        self.prev[p & (WINDOW - 1)] = <uint16_t>(p - older) if older != NIL and p - older < WINDOW else 0
        self.head[h] = <int32_t>p

    cdef inline int _longest_match(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t p,
                                   int32_t cand, int prev_length, int32_t* match_start) noexcept nogil:
        """zlib's longest_match: walk the chain from ``cand``, best length found (>= prev_length)."""
        cdef int chain = self.chain
        cdef int best = prev_length
        cdef int nice = self.nice
        cdef Py_ssize_t limit = p - WINDOW if p >= WINDOW else -1
        cdef Py_ssize_t maxlen = n - p
        cdef const uint8_t* scan = data + p
        cdef const uint8_t* m
        cdef int length
        cdef uint16_t* prev = self.prev
        cdef uint32_t back
        if maxlen > MAX_MATCH:
            maxlen = MAX_MATCH
        if prev_length >= self.good:
            chain >>= 2
        if nice > maxlen:
            nice = <int>maxlen
        if best >= maxlen:
            return best
        # Strictly above limit: the ring slot of an older position has been reused.
        while cand > limit and chain > 0:
            m = data + cand
            # Only a candidate that matches at best (the byte that would lengthen the match)
            # and at the start is worth a full compare.
            if load16(m + best - 1) == load16(scan + best - 1) and load16(m) == load16(scan):
                length = common_prefix(m, scan, 2, <int>maxlen)
                if length > best:
                    match_start[0] = cand
                    best = length
                    if length >= nice:
                        break
            back = prev[cand & (WINDOW - 1)]
            if back == 0:
                break
            cand -= back
            chain -= 1
        return best

    cdef inline void _emit_literal(self, const uint8_t* data, Py_ssize_t n, uint8_t byte, Py_ssize_t* block_start,
                                   Py_ssize_t next_pos, BitWriter* w) noexcept nogil:
        self.tok_len[self.ntok] = 0
        self.tok_val[self.ntok] = byte
        self.ntok += 1
        if self.ntok == BLOCK_TOKENS:
            self._write_block(data, block_start[0], next_pos, False, w)
            block_start[0] = next_pos

    cdef inline void _emit_match(self, const uint8_t* data, Py_ssize_t n, int length, int dist, Py_ssize_t* block_start,
                                 Py_ssize_t next_pos, BitWriter* w) noexcept nogil:
        self.tok_len[self.ntok] = <uint16_t>length
        self.tok_val[self.ntok] = <uint16_t>dist
        self.ntok += 1
        if self.ntok == BLOCK_TOKENS:
            self._write_block(data, block_start[0], next_pos, False, w)
            block_start[0] = next_pos

    cdef void _parse_greedy(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                            BitWriter* w) noexcept nogil:
        """zlib's deflate_fast: take the longest match at once (levels 1-3)."""
        cdef Py_ssize_t p = start, block_start = start, q
        cdef int32_t cand, match_start = 0
        cdef int length
        while p < n:
            length = 0
            if p + MIN_MATCH <= n:
                cand = self.head[hash3(data + p)]
                self._insert(data, p)
                if cand != NIL and p - cand < WINDOW:
                    length = self._longest_match(data, n, p, cand, MIN_MATCH - 1, &match_start)
            if length >= MIN_MATCH:
                q = p + length
                if length <= self.lazy:  # zlib's max_insert_length: hash the covered positions too
                    p += 1
                    while p < q:
                        if p + MIN_MATCH <= n:
                            self._insert(data, p)
                        p += 1
                else:
                    p = q
                self._emit_match(data, n, length, <int>(q - length - match_start), &block_start, q, w)
            else:
                self._emit_literal(data, n, data[p], &block_start, p + 1, w)
                p += 1
        self._write_block(data, block_start, n, final, w)

    cdef void _parse_lazy(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                          BitWriter* w) noexcept nogil:
        """zlib's deflate_slow: emit a match only if the next position has no longer one (levels 4-9)."""
        cdef Py_ssize_t p = start, block_start = start, max_insert
        cdef int32_t cand, match_start = 0, prev_match = 0
        cdef int length = MIN_MATCH - 1, prev_length
        cdef bint available = False
        while p < n:
            prev_length = length
            prev_match = match_start
            length = MIN_MATCH - 1
            if p + MIN_MATCH <= n:
                cand = self.head[hash3(data + p)]
                self._insert(data, p)
                if cand != NIL and prev_length < self.lazy and p - cand < WINDOW:
                    length = self._longest_match(data, n, p, cand, prev_length, &match_start)
                    if length == prev_length:  # no better match was found here
                        length = MIN_MATCH - 1
                    elif length == MIN_MATCH and p - match_start > TOO_FAR:
                        length = MIN_MATCH - 1
            if prev_length >= MIN_MATCH and length <= prev_length:
                # The match found at p-1 stands: emit it and hash the positions it covers.
                max_insert = n - MIN_MATCH
                self._emit_match(data, n, prev_length, <int>(p - 1 - prev_match), &block_start,
                                 p - 1 + prev_length, w)
                prev_length -= 2
                while prev_length > 0:
                    p += 1
                    if p <= max_insert:
                        self._insert(data, p)
                    prev_length -= 1
                available = False
                length = MIN_MATCH - 1
                p += 1
            elif available:
                self._emit_literal(data, n, data[p - 1], &block_start, p, w)
                p += 1
            else:
                available = True
                p += 1
        if available:
            self._emit_literal(data, n, data[p - 1], &block_start, p, w)
        self._write_block(data, block_start, n, final, w)

    # -- blocks -------------------------------------------------------------------------

    cdef void _write_stored_range(self, const uint8_t* data, Py_ssize_t begin, Py_ssize_t end,
                                  bint final, BitWriter* w) noexcept nogil:
        """Stored blocks of at most 65535 bytes covering data[begin:end] (one empty block if empty)."""
        cdef Py_ssize_t p = begin, size
        cdef bint last
        while True:
            size = end - p
            if size > 65535:
                size = 65535
            last = final and p + size == end
            put_bits(w, 1 if last else 0, 3)
            align_to_byte(w)
            put_bits(w, <uint32_t>size | ((<uint32_t>(~size) & 0xFFFF) << 16), 32)
            flush_whole_bytes(w)
            if w.pos + size > w.cap:
                w.overflow = True
                return
            memcpy(w.out + w.pos, data + p, size)
            w.pos += size
            p += size
            if p >= end:
                return

    cdef void _write_block(self, const uint8_t* data, Py_ssize_t begin, Py_ssize_t end, bint final,
                           BitWriter* w) noexcept nogil:
        """Write the pending tokens (covering data[begin:end]) as the cheapest block type."""
        cdef uint64_t[286] lit_freq
        cdef uint64_t[30] dist_freq
        cdef uint8_t[320] lengths       # literal/length lengths then distance lengths
        cdef uint8_t[320] rle_sym
        cdef uint8_t[320] rle_extra
        cdef uint64_t[19] cl_freq
        cdef uint8_t[19] cl_len
        cdef uint8_t[320] fixed
        cdef uint16_t[320] codes
        cdef uint16_t[19] cl_codes
        cdef Py_ssize_t t, i, j, nrle = 0
        cdef int hlit, hdist, hclen, sym, run, prev_len
        cdef uint64_t extra_bits = 0, dyn_bits, fixed_bits, stored_bits
        cdef uint32_t L, d
        if self.ntok == 0 and not final:
            return
        memset(lit_freq, 0, sizeof(lit_freq))
        memset(dist_freq, 0, sizeof(dist_freq))
        for t in range(self.ntok):
            L = self.tok_len[t]
            if L == 0:
                lit_freq[self.tok_val[t]] += 1
            else:
                sym = LENGTH_SYMBOL[L]
                lit_freq[257 + sym] += 1
                d = dist_symbol(self.tok_val[t])
                dist_freq[d] += 1
                extra_bits += LENGTH_EXTRA[sym] + DIST_EXTRA[d]
        lit_freq[256] = 1

        limited_code_lengths(lit_freq, 286, 15, lengths)
        limited_code_lengths(dist_freq, 30, 15, lengths + 286)
        hdist = 30
        while hdist > 1 and lengths[286 + hdist - 1] == 0:
            hdist -= 1
        if lengths[286] == 0 and hdist == 1:
            lengths[286] = 1  # no distances: one unused code keeps every inflater happy
        hlit = 286
        while hlit > 257 and lengths[hlit - 1] == 0:
            hlit -= 1
        # Run-length code the hlit + hdist lengths with symbols 16 (repeat previous), 17, 18 (zeros).
        if hlit < 286:
            memmove_lengths(lengths, hlit, hdist)
        memset(cl_freq, 0, sizeof(cl_freq))
        i = 0
        while i < hlit + hdist:
            prev_len = lengths[i]
            run = 1
            while i + run < hlit + hdist and lengths[i + run] == prev_len:
                run += 1
            if prev_len == 0 and run >= 3:
                while run >= 3:
                    j = run if run < 138 else 138
                    rle_sym[nrle] = 18 if j >= 11 else 17
                    rle_extra[nrle] = <uint8_t>(j - 11 if j >= 11 else j - 3)
                    cl_freq[rle_sym[nrle]] += 1
                    nrle += 1
                    i += j
                    run -= j
                continue
            if i == 0 or lengths[i - 1] != prev_len:
                # 16 repeats the previous length, so the first of a run is sent as itself.
                rle_sym[nrle] = <uint8_t>prev_len
                rle_extra[nrle] = 0
                cl_freq[prev_len] += 1
                nrle += 1
                i += 1
                run -= 1
            while run >= 3:
                j = run if run < 6 else 6
                rle_sym[nrle] = 16
                rle_extra[nrle] = <uint8_t>(j - 3)
                cl_freq[16] += 1
                nrle += 1
                i += j
                run -= j
            while run > 0:
                rle_sym[nrle] = <uint8_t>prev_len
                rle_extra[nrle] = 0
                cl_freq[prev_len] += 1
                nrle += 1
                i += 1
                run -= 1
        limited_code_lengths(cl_freq, 19, 7, cl_len)
        hclen = 19
        while hclen > 4 and cl_len[CODELEN_ORDER[hclen - 1]] == 0:
            hclen -= 1

        dyn_bits = 3 + 14 + 3 * hclen + extra_bits
        for i in range(nrle):
            dyn_bits += cl_len[rle_sym[i]]
            if rle_sym[i] == 16:
                dyn_bits += 2
            elif rle_sym[i] == 17:
                dyn_bits += 3
            elif rle_sym[i] == 18:
                dyn_bits += 7
        for i in range(hlit):
            dyn_bits += lit_freq[i] * lengths[i]
        for i in range(hdist):
            dyn_bits += dist_freq[i] * lengths[hlit + i]

        fixed_lengths(fixed)
        fixed_bits = 3 + extra_bits
        for i in range(286):
            fixed_bits += lit_freq[i] * fixed[i]
        for i in range(30):
            fixed_bits += dist_freq[i] * 5

        # Stored: header bits, padding to a byte (at most 7), LEN/NLEN per 65535 bytes.
        stored_bits = (end - begin) * 8 + ((end - begin) // 65535 + 1) * (3 + 7 + 32)

        if stored_bits < fixed_bits and stored_bits < dyn_bits:
            self._write_stored_range(data, begin, end, final, w)
        elif fixed_bits <= dyn_bits:
            put_bits(w, (1 if final else 0) | (1 << 1), 3)
            fixed_codes(fixed, codes)
            self._write_tokens(codes, fixed, codes + 288, fixed + 288, w)
        else:
            put_bits(w, (1 if final else 0) | (2 << 1), 3)
            put_bits(w, hlit - 257, 5)
            put_bits(w, hdist - 1, 5)
            put_bits(w, hclen - 4, 4)
            for i in range(hclen):
                put_bits(w, cl_len[CODELEN_ORDER[i]], 3)
            reversed_canonical(cl_len, 19, cl_codes)
            for i in range(nrle):
                put_bits(w, cl_codes[rle_sym[i]], cl_len[rle_sym[i]])
                if rle_sym[i] == 16:
                    put_bits(w, rle_extra[i], 2)
                elif rle_sym[i] == 17:
                    put_bits(w, rle_extra[i], 3)
                elif rle_sym[i] == 18:
                    put_bits(w, rle_extra[i], 7)
            reversed_canonical(lengths, hlit, codes)
            reversed_canonical(lengths + hlit, hdist, codes + hlit)
            self._write_tokens(codes, lengths, codes + hlit, lengths + hlit, w)
        self.ntok = 0

    cdef void _write_tokens(self, const uint16_t* lit_codes, const uint8_t* lit_lens,
                            const uint16_t* dist_codes, const uint8_t* dist_lens, BitWriter* w) noexcept nogil:
        cdef Py_ssize_t t
        cdef uint32_t L, sym, d, dist
        for t in range(self.ntok):
            L = self.tok_len[t]
            if L == 0:
                sym = self.tok_val[t]
                put_bits(w, lit_codes[sym], lit_lens[sym])
            else:
                sym = LENGTH_SYMBOL[L]
                put_bits(w, lit_codes[257 + sym] | ((L - LENGTH_BASE[sym]) << lit_lens[257 + sym]),
                         lit_lens[257 + sym] + LENGTH_EXTRA[sym])
                dist = self.tok_val[t]
                d = dist_symbol(dist)
                put_bits(w, dist_codes[d] | ((dist - DIST_BASE[d]) << dist_lens[d]), dist_lens[d] + DIST_EXTRA[d])
        put_bits(w, lit_codes[256], lit_lens[256])


cdef inline void memmove_lengths(uint8_t* lengths, int hlit, int hdist) noexcept nogil:
    """Move the distance lengths (stored at 286) down to follow the hlit literal/length lengths."""
    cdef int i
    for i in range(hdist):
        lengths[hlit + i] = lengths[286 + i]


cdef inline void fixed_lengths(uint8_t* lengths) noexcept nogil:
    """RFC 1951 §3.2.6: 288 literal/length lengths then 32 distance lengths."""
    cdef int i
    for i in range(288):
        lengths[i] = 8 if i < 144 else (9 if i < 256 else (7 if i < 280 else 8))
    for i in range(32):
        lengths[288 + i] = 5


cdef inline void fixed_codes(const uint8_t* lengths, uint16_t* codes) noexcept nogil:
    reversed_canonical(lengths, 288, codes)
    reversed_canonical(lengths + 288, 32, codes + 288)


cdef void reversed_canonical(const uint8_t* lengths, int n, uint16_t* codes) noexcept nogil:
    """Canonical codes (RFC 1951 §3.2.2), bit-reversed for the LSB-first writer."""
    cdef uint32_t[17] count
    cdef uint32_t[17] next_code
    cdef uint32_t code = 0
    cdef int s, bits
    memset(count, 0, sizeof(count))
    for s in range(n):
        count[lengths[s]] += 1
    count[0] = 0
    for bits in range(1, 16):
        code = (code + count[bits - 1]) << 1
        next_code[bits] = code
    for s in range(n):
        if lengths[s]:
            codes[s] = <uint16_t>reverse_bits(next_code[lengths[s]], lengths[s])
            next_code[lengths[s]] += 1
        else:
            codes[s] = 0
