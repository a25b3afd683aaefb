# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""DEFLATE compression (RFC 1951): zlib's hash-chain matchers, and blocks split on statistics.

Matching follows zlib's ``deflate_fast`` (levels 1-3: greedy; a match is taken at once and
its positions are hashed only when it is short) and ``deflate_slow`` (levels 4-9: lazy; a
match is emitted only if the next position does not start a longer one), with zlib's
good/lazy/nice/chain parameters, so each level trades time for size as zlib's does. Chains
are those of ``hash_chains.pxd``.

Blocks. Tokens are gathered in runs of ``BLOCK_TOKENS`` (zlib's block size). When a run is
full it is compared with the block still pending before it: if coding the two as one
block costs fewer bits than as two, they merge (up to ``MAX_TOKENS``), else the pending
block is written. So stable data gets fewer, larger blocks and fewer code tables, and a
change of statistics starts a new block. Every block is written as the cheapest of
stored, fixed and dynamic (see ``deflate_blocks``).

A :class:`Deflater` compresses one *segment* per call: ``data[:start]`` is history (up to
32 KiB that matches may reach into), ``data[start:]`` is new. The bit writer's partial
byte carries over to the next call, so a stream can be produced segment by segment.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int32_t
from libc.string cimport memcpy, memmove, memset
from libc.stdlib cimport malloc, free
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF

from .bitwriter cimport BitWriter, align_to_byte, flush_whole_bytes
from .deflate_blocks cimport BlockPlan, count_tokens, merge_counts, plan_block, write_block, write_stored
from .deflate_optimal cimport OptimalBuffers, alloc_buffers, collect_matches, free_buffers, optimize
from .hash_chains cimport (HASH_SIZE, MAX_DIST, MAX_MATCH, MIN_MATCH, NIL, WINDOW, common_prefix, hash3, insert,
                           load16)

cdef extern from "Python.h":
    PyObject* new_bytes "PyBytes_FromStringAndSize"(const char*, Py_ssize_t) except NULL
    char* bytes_data "PyBytes_AS_STRING"(PyObject*) nogil
    int _PyBytes_Resize(PyObject**, Py_ssize_t) except -1

cdef enum:
    TOO_FAR = 4096          # zlib: a length-3 match farther than this costs more than literals
    BLOCK_TOKENS = 16383    # zlib's lit_bufsize - 1 at memLevel 8
    MAX_TOKENS = 8 * BLOCK_TOKENS
    OPTIMAL_BLOCK = 1 << 16  # input bytes per near-optimal parse
    MATCHES_PER_POSITION = 12
    # Deflater strategies
    STORE = 0
    GREEDY = 1
    LAZY = 2
    OPTIMAL = 3

OUTPUT_FULL = -1  # what compress() returns when ``out`` was too small


cdef uint8_t EMPTY = 0  # what an empty stored block "copies" (never NULL to memcpy)


cdef class Deflater:
    """One DEFLATE stream being written, segment by segment (see the module docstring)."""
    cdef int strategy, good, lazy, nice, chain, passes
    cdef OptimalBuffers opt
    cdef int32_t[HASH_SIZE] head  # hash chains (hash_chains.pxd)
    cdef uint16_t[WINDOW] prev
    cdef uint16_t* tok_len      # 0 for a literal, else the match length
    cdef uint16_t* tok_val      # the literal byte, or the match distance
    cdef Py_ssize_t ntok        # tokens gathered
    cdef Py_ssize_t split       # tokens[:split] are the pending block, tokens[split:] the run being filled
    cdef Py_ssize_t pending_begin, pending_end   # the data the pending block covers
    cdef BlockPlan pending      # its counts and codes
    cdef uint64_t pending_cost  # and its cost in bits
    cdef uint64_t pending_buf   # bits of an unfinished byte, carried between calls
    cdef uint32_t pending_bits
    cdef bint finished

    def __cinit__(self, int strategy, int good, int lazy, int nice, int chain, int passes):
        """``strategy``: 0 store, 1 greedy, 2 lazy, 3 near-optimal (``passes`` cost-model rounds);
        the others are zlib's matcher parameters (``lazy`` is max_insert_length when greedy)."""
        if not 0 <= strategy <= 3:
            raise ValueError("strategy must be 0..3")
        self.strategy = strategy
        self.good = good
        self.lazy = lazy
        self.nice = nice
        self.chain = chain
        self.passes = passes
        memset(&self.opt, 0, sizeof(OptimalBuffers))
        if strategy == OPTIMAL and alloc_buffers(&self.opt, OPTIMAL_BLOCK, MATCHES_PER_POSITION) != 0:
            raise MemoryError()
        self.tok_len = <uint16_t*>malloc(MAX_TOKENS * sizeof(uint16_t))
        self.tok_val = <uint16_t*>malloc(MAX_TOKENS * sizeof(uint16_t))
        if self.tok_len == NULL or self.tok_val == NULL:
            raise MemoryError()
        self.pending_buf = 0
        self.pending_bits = 0
        self.finished = False

    def __dealloc__(self):
        free_buffers(&self.opt)
        free(self.tok_len)
        free(self.tok_val)

    cdef void _start(self, BitWriter* w, uint8_t* out, Py_ssize_t cap):
        w.buf = self.pending_buf
        w.nbits = self.pending_bits
        w.out = out
        w.pos = 0
        w.cap = cap
        w.overflow = False

    def compress(self, const uint8_t[::1] data, Py_ssize_t start, bint final, uint8_t[::1] out, bint sync=False):
        """Compress ``data[start:]`` (``data[:start]`` is history) into ``out``.

        Returns the number of whole bytes written, or OUTPUT_FULL if ``out`` was too small (the
        stream is then unusable). With ``final`` the last block is marked final and the
        stream is padded to a byte boundary. With ``sync`` (not final) an empty stored block
        follows, so the output ends on a byte boundary with no bits pending (zlib's
        Z_SYNC_FLUSH): pieces compressed on their own can then be joined into one stream.
        """
        cdef BitWriter w
        cdef Py_ssize_t n = data.shape[0]
        if self.finished:
            raise ValueError("the stream is already finished")
        if start < 0 or start > n:
            raise ValueError("start outside data")
        self._start(&w, &out[0] if out.shape[0] else NULL, out.shape[0])
        with nogil:
            self._segment(&data[0] if n else NULL, n, start, final, &w)
            if final:
                align_to_byte(&w)
            elif sync:
                write_stored(&EMPTY, 0, False, &w)
            else:
                flush_whole_bytes(&w)
        self.pending_buf = w.buf
        self.pending_bits = w.nbits
        self.finished = final
        return OUTPUT_FULL if w.overflow else w.pos

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
        self._start(&w, <uint8_t*>bytes_data(raw) + np_, bound)
        with nogil:
            self._segment(&data[0] if n else NULL, n, 0, True, &w)
            align_to_byte(&w)
        self.finished = True
        if w.overflow:
            Py_DECREF(<object>raw)
            return None
        memcpy(bytes_data(raw) + np_ + w.pos, <const char*>suffix, ns)
        _PyBytes_Resize(&raw, np_ + w.pos + ns)  # needs the only reference: raw is not yet an object
        result = <object>raw
        Py_DECREF(result)
        return result

    cdef void _segment(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                       BitWriter* w) noexcept nogil:
        cdef Py_ssize_t p
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
        if self.strategy == STORE or start == n:
            write_stored(data + start, n - start, final, w)
            return
        self.ntok = 0
        self.split = 0
        self.pending_begin = start
        self.pending_end = start
        if self.strategy == GREEDY:
            self._parse_greedy(data, n, start, final, w)
        elif self.strategy == LAZY:
            self._parse_lazy(data, n, start, final, w)
        else:
            self._parse_optimal(data, n, start, final, w)

    cdef inline void _insert(self, const uint8_t* data, Py_ssize_t p) noexcept nogil:
        insert(self.head, self.prev, data, p)

    cdef inline int _longest_match(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t p,
                                   int32_t cand, int prev_length, int32_t* match_start) noexcept nogil:
        """zlib's longest_match: walk the chain from ``cand``, best length found (>= prev_length)."""
        cdef int chain = self.chain
        cdef int best = prev_length
        cdef int nice = self.nice
        cdef Py_ssize_t limit = p - MAX_DIST if p >= MAX_DIST else -1
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
        # Strictly above limit (as zlib); it also keeps clear of ring slots already reused.
        cdef uint16_t scan_end = load16(scan + best - 1), scan_start = load16(scan)
        while cand > limit and chain > 0:
            m = data + cand
            back = prev[cand & (WINDOW - 1)]
            # Only a candidate that matches at best (the byte that would lengthen the match)
            # and at the start is worth a full compare.
            if load16(m + best - 1) == scan_end and load16(m) == scan_start:
                length = common_prefix(m, scan, 2, <int>maxlen)
                if length > best:
                    match_start[0] = cand
                    best = length
                    if length >= nice:
                        break
                    scan_end = load16(scan + best - 1)
            if back == 0:
                break
            cand -= back
            chain -= 1
        return best

    cdef inline void _emit(self, uint32_t length, uint32_t value, const uint8_t* data, Py_ssize_t next_pos,
                           BitWriter* w) noexcept nogil:
        """Append a token (length 0: the literal ``value``; else a match at distance ``value``)
        that ends the input before ``next_pos``."""
        self.tok_len[self.ntok] = <uint16_t>length
        self.tok_val[self.ntok] = <uint16_t>value
        self.ntok += 1
        if self.ntok - self.split == BLOCK_TOKENS:
            self._run_full(data, next_pos, w)

    cdef void _run_full(self, const uint8_t* data, Py_ssize_t end, BitWriter* w) noexcept nogil:
        """A run of BLOCK_TOKENS is complete (it ends the data before ``end``): merge it into
        the pending block, or write the pending block and make the run pending."""
        cdef BlockPlan run, merged
        cdef uint64_t run_cost, merged_cost
        cdef Py_ssize_t size
        count_tokens(&run, self.tok_len, self.tok_val, self.split, self.ntok, end - self.pending_end)
        run_cost = plan_block(&run)
        if self.split == 0:
            self._make_pending(&run, run_cost, end)
            return
        if self.ntok + BLOCK_TOKENS <= MAX_TOKENS:
            merge_counts(&merged, &self.pending, &run)
            merged_cost = plan_block(&merged)
            if merged_cost <= self.pending_cost + run_cost:
                self._make_pending(&merged, merged_cost, end)
                return
        write_block(&self.pending, self.tok_len, self.tok_val, 0, self.split, data + self.pending_begin, False, w)
        size = self.ntok - self.split
        memmove(self.tok_len, self.tok_len + self.split, size * sizeof(uint16_t))
        memmove(self.tok_val, self.tok_val + self.split, size * sizeof(uint16_t))
        self.ntok = size
        self.split = 0
        self.pending_begin = self.pending_end
        self._make_pending(&run, run_cost, end)

    cdef inline void _make_pending(self, const BlockPlan* plan, uint64_t cost, Py_ssize_t end) noexcept nogil:
        """All gathered tokens become the pending block, covering the data up to ``end``."""
        self.pending = plan[0]
        self.pending_cost = cost
        self.split = self.ntok
        self.pending_end = end

    cdef void _flush(self, const uint8_t* data, Py_ssize_t end, bint final, BitWriter* w) noexcept nogil:
        """Write everything gathered (the data up to ``end``): as one block or two, whichever is cheaper."""
        cdef BlockPlan run, merged
        cdef uint64_t run_cost
        count_tokens(&run, self.tok_len, self.tok_val, self.split, self.ntok, end - self.pending_end)
        run_cost = plan_block(&run)
        if self.split == 0:
            write_block(&run, self.tok_len, self.tok_val, 0, self.ntok, data + self.pending_begin, final, w)
        else:
            merge_counts(&merged, &self.pending, &run)
            if plan_block(&merged) <= self.pending_cost + run_cost:
                write_block(&merged, self.tok_len, self.tok_val, 0, self.ntok, data + self.pending_begin, final, w)
            else:
                write_block(&self.pending, self.tok_len, self.tok_val, 0, self.split, data + self.pending_begin,
                            False, w)
                write_block(&run, self.tok_len, self.tok_val, self.split, self.ntok, data + self.pending_end, final, w)
        self.ntok = 0
        self.split = 0

    cdef void _parse_greedy(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                            BitWriter* w) noexcept nogil:
        """zlib's deflate_fast: take the longest match at once (levels 1-3)."""
        cdef Py_ssize_t p = start, q
        cdef int32_t cand, match_start = 0
        cdef int length
        while p < n:
            length = 0
            if p + MIN_MATCH <= n:
                cand = self.head[hash3(data + p)]
                self._insert(data, p)
                if cand != NIL and p - cand <= MAX_DIST:
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
                self._emit(length, <int>(q - length - match_start), data, q, w)
            else:
                self._emit(0, data[p], data, p + 1, w)
                p += 1
        self._flush(data, n, final, w)

    cdef void _parse_lazy(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                          BitWriter* w) noexcept nogil:
        """zlib's deflate_slow: emit a match only if the next position has no longer one (levels 4-9)."""
        cdef Py_ssize_t p = start, max_insert
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
                if cand != NIL and prev_length < self.lazy and p - cand <= MAX_DIST:
                    length = self._longest_match(data, n, p, cand, prev_length, &match_start)
                    if length == prev_length:  # no better match was found here
                        length = MIN_MATCH - 1
                    elif length == MIN_MATCH and p - match_start > TOO_FAR:
                        length = MIN_MATCH - 1
            if prev_length >= MIN_MATCH and length <= prev_length:
                # The match found at p-1 stands: emit it and hash the positions it covers.
                max_insert = n - MIN_MATCH
                self._emit(prev_length, <int>(p - 1 - prev_match), data, p - 1 + prev_length, w)
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
                self._emit(0, data[p - 1], data, p, w)
                p += 1
            else:
                available = True
                p += 1
        if available:
            self._emit(0, data[p - 1], data, p, w)
        self._flush(data, n, final, w)

    cdef void _parse_optimal(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                             BitWriter* w) noexcept nogil:
        """Near-optimal parsing (levels 10-12), one OPTIMAL_BLOCK of input at a time (deflate_optimal)."""
        cdef Py_ssize_t begin = start, end, j
        cdef uint32_t choice, length
        while begin < n:
            end = begin + OPTIMAL_BLOCK if n - begin > OPTIMAL_BLOCK else n
            collect_matches(&self.opt, data, n, begin, end, self.head, self.prev, self.chain, self.nice)
            optimize(&self.opt, data, begin, end, self.passes)
            j = 0
            while j < end - begin:
                choice = self.opt.choice[j]
                length = choice >> 16
                if length == 1:
                    self._emit(0, data[begin + j], data, begin + j + 1, w)
                    j += 1
                else:
                    self._emit(length, choice & 0xFFFF, data, begin + j + length, w)
                    j += length
            begin = end
        self._flush(data, n, final, w)
