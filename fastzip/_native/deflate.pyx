# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""DEFLATE compression (RFC 1951): greedy, lazy and near-optimal parses, and blocks split on statistics.

Parses (the level table in ``deflate/engine.py`` picks one and its search effort):

* FAST (level 1): greedy over :c:type:`FastTables` (the latest position of each 4-byte and
  of each 8-byte hash); a short match gives way to a long one at the next position, and only
  some positions inside a match are inserted (see ``_parse_fast``).
* GREEDY (level 2): the longest match found within ``depth`` candidates of the
  :c:type:`Chains` at p is taken (as zlib's levels 1-3 and libdeflate's 2-4 do). Against a lazy
  parse at depth 4 (this level before): text 1.2 % smaller and the pixels + float32 mix 1.1x as
  fast (0.5 % larger; the mix's matches are short, and each one held costs a second search),
  machine code 1.3 % larger, 250 library files 0.9 % smaller at the same speed.
* LAZY (levels 3-7) / LAZY2 (8-9): the match found at p is held while the next position
  (LAZY2: the next two, if the held match is shorter than ``LAZY2_SHORT``) is searched with
  half (a quarter of) the depth; a longer match there, by enough to pay for the literal(s) its
  start costs, replaces it. Text gains from the second look ahead after short matches (0.5 %
  at level 8); arrays of numbers lose from it after longer ones: in float64 images (values
  like ``00 00 00 c0 b7 b7 e7 3f``) a held 8-byte value gave way to a match two bytes on, time
  after time, two literals each (6.6x the literals, 5 % larger than without the second look).
* OPTIMAL (10-12): near-optimal parsing over every match the :c:type:`Trees` give (``deflate_optimal``).
* HUFFMAN_ONLY / RLE (zlib's strategies of those names, at any level): literals only, or also
  runs of one byte as matches one byte back; no finder. (Z_FILTERED is the chain parses with a
  shortest match of 6, Z_FIXED any parse whose blocks are written fixed or stored.)

A length-3 match is taken only where it costs less than its three literals under the last
block's codes (``_three_loses``: in text only near, in pixels far too). Where the literals use
few byte values (DNA, digits, hex), a literal costs a few bits and short matches cost more than
the bytes they cover: the chain parses then take none shorter than ``MIN_LEN_FOR`` gives
(counted on the first 4 KiB, then on each run's literals; 5-9 bytes: random ACGT lines and a
decimal CSV 9-10 % smaller at levels 4-9, now below libdeflate's size, which picks a shortest
match from the same count; text, code, pixels and 700 library files unchanged). After a match
of the longest length (258), the next search also tries that match's distance: a repeat running
on is the match to take there, but where every line of the data starts alike (lists in JSON,
YAML, logs) its position lies deeper in the chain than the search goes, and in level 1's
tables it is rarely kept (on such files 1.5-7x smaller at levels 1-3, 1.1-2.8x at 4-6). The
finders are in ``match_finders.pxd``; a parse is given at most ``SPAN`` bytes at a time (larger
inputs are parsed in spans, each with the 32 KiB before it as history), so positions fit in 32
bits.

Blocks. Tokens are gathered in runs (``RUN`` tokens; ``OPTIMAL_RUN`` in the near-optimal
parses, whose time is in the search). Full runs queue behind the block still pending; once
``LOOKAHEAD`` wait (16 for the near-optimal parses), each place the pending block could end --
after none, one, two ... of them, the rest making the next block -- is costed against its
taking them all in, and the cheapest wins: the block is written there, or, if no edge pays, it
takes the first runs and the queue waits for more. An edge is thus judged on all the runs after
it: compared one run at a time (as this module did), a slow drift of statistics never paid for
a new code table and blocks grew long (18 on a MiB of machine code where libdeflate wrote 63,
0.6 % smaller). The costs are estimates (``estimate_block``: the counts' entropy and the last
header's size; no code is built), so runs can be short; only a block being written gets its
codes. Against whole codes over one run of 8192 tokens at a time: 0.1-0.4 % smaller at levels
2-12, as fast. Level 1 keeps a block per run (``FAST_RUN``), as libdeflate's fastest level
skips its block splitting. Every block is written as the cheapest of stored, fixed and dynamic
(see ``deflate_blocks``).

A :class:`Deflater` compresses one *segment* per call: ``data[:start]`` is history (up to
32 KiB that matches may reach into), ``data[start:]`` is new. The bit writer's partial
byte carries over to the next call, so a stream can be produced segment by segment.
"""

from libc.math cimport ceil, log2
from libc.stdint cimport int32_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove, memset
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF

from .checksums cimport adler32_update, crc32_update
from .deflate_format cimport (DIST_EXTRA, FRAMING_GZIP, FRAMING_RAW, FRAMING_ZLIB, LENGTH_SYMBOL, dist_symbol,
                             fixed_length, init_symbol_tables)
from .bitwriter cimport BitWriter, align_to_byte, flush_whole_bytes
from .deflate_blocks cimport (BLOCK_DYNAMIC, BLOCK_FIXED, BLOCK_STORED, SEQ_LEN_SHIFT, BlockPlan, Sequence,
                             estimate_block, merge_counts, plan_block, take_counts, write_block, write_empty_final,
                             write_stored)
from .deflate_optimal cimport OptimalBuffers, buffers_size, collect_matches, optimize, place_buffers
from .match_finders cimport (CHAIN3_BITS, CHAIN4_BITS, FAST_BITS, MAX_MATCH, MIN_MATCH, SPAN, TREE4_BITS, WINDOW,
                            Chains, FastTables, Trees, chain_match, chain_skip, chain3_insert, clear_chains,
                            clear_fast, clear_trees, common_prefix, fast_hash, fast_insert_all, fast_long_at,
                            fast_match, fast_prefetch, fast_skip, fast_tail_match, fit_bits, floor_log2, hash_next,
                            load32, tree_insert)

cdef extern from "Python.h":
    PyObject* new_bytes "PyBytes_FromStringAndSize"(const char*, Py_ssize_t) except NULL
    char* bytes_data "PyBytes_AS_STRING"(PyObject*) nogil
    int _PyBytes_Resize(PyObject**, Py_ssize_t) except -1

cdef enum:
    SHORT_MATCH_BITS = 20   # about what a short match costs (length and distance codes, extra bits)
    NEAR3 = 4096            # before any codes (_three_loses): a length-3 match farther than twice this loses
    DEAR_LITERAL = 6        # bits: a literal costing more raises the bar for LAZY2's second look ahead (_dear)
    LAZY2_SHORT = 7         # LAZY2 looks two positions ahead only past a held match shorter than this
    RUN = 2048              # tokens per run of the chain parses: blocks start and end on a run's edge ...
    LOOKAHEAD = 4           # ... and the full runs seen before the first of them is given to a block
    OPTIMAL_RUN = 512       # the near-optimal parses' (finer edges cost them little time)
    MAX_LOOKAHEAD = 16      # ... and their queue (hop: a quarter of it is taken in when no edge pays)
    FAST_RUN = 16383        # level 1's runs, each a block (zlib's lit_bufsize - 1 at memLevel 8)
    SPARSE_FULL = 5         # level 1 inserts each position of a match of at most this many bytes ...
    DENSE_FULL = 16         # ... or, where literals are a fifth of the bytes or more, of at most this many ...
    POLICY_SPAN = 65536     # ... as counted over the last this many bytes
    MAX_TOKENS = 131064     # the most tokens a block holds
    OPTIMAL_BLOCK = 1 << 16  # input bytes per near-optimal parse
    MATCHES_PER_POSITION = 12
    # Deflater strategies
    STORE = 0
    FAST = 1
    LAZY = 2
    LAZY2 = 3
    OPTIMAL = 4
    GREEDY = 5
    HUFFMAN_ONLY = 6   # zlib's Z_HUFFMAN_ONLY: literals only
    RLE = 7            # zlib's Z_RLE: matches one byte back only (runs of a byte)

OUTPUT_FULL = -1  # what compress() returns when ``out`` was too small
# For the level table and the output bound (deflate/engine.py): the strategies, the fewest tokens
# a block holds (but a parse's last two: a block holds at least one full run, of any parse), and
# the most bytes one parse is given.
STRATEGIES = {"store": STORE, "fast": FAST, "greedy": GREEDY, "lazy": LAZY, "lazy2": LAZY2, "optimal": OPTIMAL,
              "huffman_only": HUFFMAN_ONLY, "rle": RLE}
BLOCK_MIN_TOKENS = min(RUN, OPTIMAL_RUN, FAST_RUN)
PARSE_SPAN = SPAN


init_symbol_tables()

cdef uint8_t EMPTY = 0  # what an empty stored block "copies" (never NULL to memcpy)


cdef struct Tokens:
    # What a parse has emitted and not yet written. The parses hold a copy of the Deflater's
    # in a local variable, synced back only when a run fills, so the compiler keeps its
    # counters in registers (in the object, every store to a count might have changed them).
    Sequence* seqs         # the sequences (deflate_blocks.pxd)
    uint32_t* count        # the run's symbol counts (the Deflater's run_count), kept as tokens are emitted
    Py_ssize_t nseq        # sequences gathered
    Py_ssize_t room        # tokens the run being filled still takes
    uint32_t litrun        # literals emitted since the last sequence
    int min_len            # the shortest match the chain parses take (see Deflater._choose_min_len)


cdef inline bint add_literal(Tokens* t, uint8_t byte) noexcept nogil:
    """Emit a literal; whether it filled the run."""
    t.litrun += 1
    t.count[byte] += 1
    t.room -= 1
    return t.room == 0


cdef inline bint add_match(Tokens* t, uint32_t length, uint32_t dist) noexcept nogil:
    """Emit a match: the literals since the last one and it make a sequence. Whether it filled the run."""
    cdef Sequence* s = &t.seqs[t.nseq]
    cdef uint32_t sym = dist_symbol(dist)
    s.lits_len = t.litrun | (length << SEQ_LEN_SHIFT)
    s.dist = <uint16_t>dist
    s.dist_sym = <uint16_t>sym
    t.nseq += 1
    t.litrun = 0
    t.count[257 + LENGTH_SYMBOL[length]] += 1
    t.count[286 + sym] += 1
    t.room -= 1
    return t.room == 0


# The shortest match worth taking where the literals are drawn from k byte values: a literal
# then costs about log2(k) bits, a short match about SHORT_MATCH_BITS, so a match must cover
# SHORT_MATCH_BITS / log2(k) bytes (at most 9). Where that is 3 or 4 the chain parses weigh
# length 3 by the last block's costs instead (``_three_loses``), and text keeps its near ones.
cdef uint8_t[257] MIN_LEN_FOR
cdef int _k, _m
for _k in range(257):
    _m = 9 if _k < 2 else min(9, <int>ceil(SHORT_MATCH_BITS / log2(<double>_k) - 1e-9))
    MIN_LEN_FOR[_k] = _m if _m > 4 else MIN_MATCH


cdef int _distinct_bytes(const uint8_t* data, Py_ssize_t n) noexcept nogil:
    """How many byte values the first 4 KiB of the data use (256 for under 512 bytes, where
    the fixed code often wins and short matches with it)."""
    cdef uint8_t[256] used
    cdef Py_ssize_t i
    cdef int k, count = 0
    if n < 512:
        return 256
    if n > 4096:
        n = 4096
    memset(used, 0, sizeof(used))
    for i in range(n):
        used[data[i]] = 1
    for k in range(256):
        count += used[k]
    return count


cdef int _distinct_literals(const uint32_t* count) noexcept nogil:
    """How many byte values a run's literals use, those under 1/1024 of them aside (-1: too few
    literals to tell)."""
    cdef uint64_t total = 0
    cdef int k, used = 0
    for k in range(256):
        total += count[k]
    if total < 512:
        return -1
    for k in range(256):
        if count[k] > (total >> 10):
            used += 1
    return used


cdef class Deflater:
    """One DEFLATE stream being written, segment by segment (see the module docstring)."""
    cdef int strategy, depth, nice, passes
    cdef int shortest           # the chain parses take no shorter match (zlib's Z_FILTERED: 6)
    cdef bint fixed_only        # no dynamic codes: each block fixed or stored (zlib's Z_FIXED)
    cdef Py_ssize_t span
    cdef OptimalBuffers opt
    cdef char* block            # what the finder, the runs ahead and the tokens live in (see __cinit__) ...
    cdef size_t block_size      # ... and its size
    cdef FastTables* fast       # FAST's finder (match_finders.pxd) ...
    cdef Py_ssize_t fast_full   # ... the longest match it inserts whole (see _parse_fast) ...
    cdef Py_ssize_t fast_matched, fast_left  # ... bytes matched since that was chosen, and left until it is again
    cdef Chains* chains         # the chain parses' (levels 2-9)
    cdef Trees* trees           # the near-optimal parse's
    cdef Tokens tok             # the tokens gathered (see Tokens)
    cdef Py_ssize_t run_limit   # tokens a run holds
    cdef Py_ssize_t split       # seq[:split] are the pending block, seq[split:] the run being filled
    cdef Py_ssize_t pending_begin, pending_end   # the data the pending block covers
    cdef BlockPlan pending      # its counts (and codes, once it is written)
    cdef uint32_t[316] run_count  # the run's literal/length then distance symbol counts (tok.count)
    cdef double pending_cost    # and its estimated cost in bits (estimate_block)
    cdef BlockPlan* ahead                    # the full runs after it, not yet given to a block ...
    cdef Py_ssize_t[MAX_LOOKAHEAD] ahead_seq  # where each ends: in seq ...
    cdef Py_ssize_t[MAX_LOOKAHEAD] ahead_end  # ... and in the data
    cdef int nahead, lookahead               # ... how many, and how many are seen before deciding ...
    cdef int hop                             # ... and how many the pending block takes when no edge is found
    cdef double[MAX_LOOKAHEAD + 1] head_cost  # estimated cost of the pending block with the first j runs ahead ...
    cdef int heads_known                     # ... known for j below this
    cdef double header_bits     # the last dynamic header written (0: none yet)
    cdef uint8_t[256] lit_bits  # what each literal, length 3 and each distance symbol (with its
    cdef uint8_t len3_bits      # extra bits) cost in the last block written, to weigh the chain
    cdef uint8_t[30] dist_bits  # parses' length-3 matches ...
    cdef bint costs_known       # ... once a block has been written in this call
    cdef uint64_t pending_buf   # bits of an unfinished byte, carried between calls
    cdef uint32_t pending_bits
    cdef bint finished
    cdef Py_ssize_t resumable_end  # the finder holds the history before this position (see compress), or -1
    cdef Py_ssize_t withhold       # the trees take no position this close to the data's end (_catch_up) ...
    cdef Py_ssize_t tree_pending   # ... and the first position they have not taken

    def __cinit__(self, int strategy, int depth, int nice, int passes, Py_ssize_t span=SPAN, Py_ssize_t run=0,
                  int shortest=0, bint fixed_only=False):
        """``strategy``: 0 store, 1 fast, 5 greedy, 2 lazy, 3 lazy2, 4 near-optimal (``passes``
        cost-model rounds), 6 literals only, 7 runs of a byte only; ``depth`` candidates are
        searched per position, and a match of ``nice`` bytes ends the search (fast ignores
        both: it looks at one candidate per table). ``span``: the most
        bytes parsed at once; ``run``: tokens per run, at most the strategy's own (0); tests make
        both small (then blocks may be shorter than ``compressed_bound`` assumes: give
        ``compress`` room). ``shortest``: the chain parses (2-9) take no shorter match;
        ``fixed_only``: no block gets dynamic codes."""
        if not 0 <= strategy <= 7:
            raise ValueError("strategy must be 0..7")
        if not 0 <= shortest <= MAX_MATCH:
            raise ValueError("shortest must be 0..258")
        self.shortest = shortest
        self.fixed_only = fixed_only
        if not 1 <= nice <= MAX_MATCH and strategy != STORE:
            raise ValueError("nice must be 1..258")
        if not 2 * WINDOW <= span <= SPAN:
            raise ValueError("span out of range")
        self.strategy = strategy
        self.depth = depth
        self.nice = nice
        self.passes = passes
        self.span = span
        self.run_limit = FAST_RUN if strategy == FAST else (OPTIMAL_RUN if strategy == OPTIMAL else RUN)
        if not 0 <= run <= self.run_limit:
            raise ValueError("run out of range")
        if run:
            self.run_limit = run
        self.lookahead = MAX_LOOKAHEAD if strategy == OPTIMAL else LOOKAHEAD
        self.hop = self.lookahead // 4
        # The finder, the runs ahead, the tokens and the near-optimal buffers in one block
        # (2-6 MiB): allocated apart, with a Deflater per call (what compress() makes), glibc
        # could hand some of them back to the system on each free and fault them in again on
        # the next call (creating a level-1 Deflater took 5.8 us, compressing 100 bytes 11-13
        # us after some allocation histories, zlib 4); as one block, the first free raises
        # glibc's mmap threshold above its size, and later ones come from the heap and stay.
        cdef size_t finder = 0, runs = 0, optimal = 0
        memset(&self.opt, 0, sizeof(OptimalBuffers))
        if strategy == OPTIMAL:
            optimal = buffers_size(OPTIMAL_BLOCK, MATCHES_PER_POSITION)
        if strategy == FAST:
            finder = sizeof(FastTables)
        elif strategy == OPTIMAL:
            finder = sizeof(Trees)
        elif strategy != STORE and strategy != HUFFMAN_ONLY and strategy != RLE:
            finder = sizeof(Chains)
        if strategy != STORE and strategy != FAST:
            runs = self.lookahead * sizeof(BlockPlan)
        finder = (finder + 63) & ~(<size_t>63)
        runs = (runs + 63) & ~(<size_t>63)
        self.block_size = finder + runs + optimal + MAX_TOKENS * sizeof(Sequence)
        self.block = <char*>malloc(self.block_size)
        if self.block == NULL:
            raise MemoryError()
        if optimal:
            place_buffers(&self.opt, self.block + finder + runs, OPTIMAL_BLOCK, MATCHES_PER_POSITION)
        if strategy == FAST:
            self.fast = <FastTables*>self.block
        elif strategy == OPTIMAL:
            self.trees = <Trees*>self.block
        elif finder:
            self.chains = <Chains*>self.block
        if runs:
            self.ahead = <BlockPlan*>(self.block + finder)
        memset(&self.tok, 0, sizeof(Tokens))
        self.tok.seqs = <Sequence*>(self.block + finder + runs + optimal)
        self.tok.count = self.run_count
        self.pending_buf = 0
        self.pending_bits = 0
        self.finished = False
        self.resumable_end = -1
        self.fast_full = SPARSE_FULL
        self.fast_matched = 0
        self.fast_left = POLICY_SPAN

    def __dealloc__(self):
        free(self.block)

    def copy(self):
        """A Deflater in this one's state, to be given data apart from it (``Compressor.copy``):
        its block (finder, runs ahead, tokens, near-optimal buffers: 2-6 MiB) copied whole, and
        every field but the pointers into it, which the twin's own block, laid out alike, takes."""
        cdef Deflater twin = Deflater(self.strategy, self.depth, self.nice, self.passes, self.span, self.run_limit,
                                      self.shortest, self.fixed_only)
        memcpy(twin.block, self.block, self.block_size)
        twin.opt.has_model = self.opt.has_model
        twin.opt.model = self.opt.model
        twin.tok.nseq = self.tok.nseq
        twin.tok.room = self.tok.room
        twin.tok.litrun = self.tok.litrun
        twin.tok.min_len = self.tok.min_len
        twin.split = self.split
        twin.pending_begin = self.pending_begin
        twin.pending_end = self.pending_end
        twin.pending = self.pending
        memcpy(twin.run_count, self.run_count, sizeof(self.run_count))
        twin.pending_cost = self.pending_cost
        memcpy(twin.ahead_seq, self.ahead_seq, sizeof(self.ahead_seq))
        memcpy(twin.ahead_end, self.ahead_end, sizeof(self.ahead_end))
        twin.nahead = self.nahead
        memcpy(twin.head_cost, self.head_cost, sizeof(self.head_cost))
        twin.heads_known = self.heads_known
        twin.header_bits = self.header_bits
        memcpy(twin.lit_bits, self.lit_bits, sizeof(self.lit_bits))
        twin.len3_bits = self.len3_bits
        memcpy(twin.dist_bits, self.dist_bits, sizeof(self.dist_bits))
        twin.costs_known = self.costs_known
        twin.pending_buf = self.pending_buf
        twin.pending_bits = self.pending_bits
        twin.finished = self.finished
        twin.resumable_end = self.resumable_end
        twin.withhold = self.withhold
        twin.tree_pending = self.tree_pending
        twin.fast_full = self.fast_full
        twin.fast_matched = self.fast_matched
        twin.fast_left = self.fast_left
        return twin

    cdef void _start(self, BitWriter* w, uint8_t* out, Py_ssize_t cap):
        w.buf = self.pending_buf
        w.nbits = self.pending_bits
        w.out = out
        w.pos = 0
        w.cap = cap
        w.overflow = False

    def compress(self, const uint8_t[::1] data, Py_ssize_t start, bint final, uint8_t[::1] out, bint sync=False,
                 bint resume=False):
        """Compress ``data[start:]`` (``data[:start]`` is history) into ``out``.

        Returns the number of whole bytes written, or OUTPUT_FULL if ``out`` was too small (the
        stream is then unusable). With ``final`` the last block is marked final and the
        stream is padded to a byte boundary. With ``sync`` (not final) an empty stored block
        follows, so the output ends on a byte boundary with no bits pending (zlib's
        Z_SYNC_FLUSH): pieces compressed on their own can then be joined into one stream.

        ``resume``: the caller vouches that ``data`` is a buffer it appends to, ``data[:start]``
        holding what the calls before were given (since the last without ``resume``) at the
        same offsets. If the last call ended at ``start`` and left the finder for it, the
        history is not hashed again: a stream of small messages, each flushed, then costs what
        its messages do, not 32 KiB of history each (55 us for 200 bytes at level 6, zlib 8).
        Otherwise (or when the finder's tables are too small for ``data``) the history is
        hashed again, at the same offsets, so that the next call may resume.
        """
        cdef BitWriter w
        cdef Py_ssize_t n = data.shape[0]
        cdef bint whole, kept
        if self.finished:
            raise ValueError("the stream is already finished")
        if start < 0 or start > n:
            raise ValueError("start outside data")
        whole = resume and n <= self.span  # parsed as one span at the caller's offsets
        kept = whole and start == self.resumable_end and self._finder_fits(n)
        self.withhold = self.nice if whole and not final and self.strategy == OPTIMAL else 0
        self._start(&w, &out[0] if out.shape[0] else NULL, out.shape[0])
        with nogil:
            if whole:
                self._span(&data[0] if n else NULL, n, start, final, &w, kept)
            else:
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
        # Positions in the finder are offsets in ``data`` when it was parsed from its start in
        # one span (a history of at most 32 KiB is not cut off), or resumed so; the trees'
        # only if they held back their last positions (``withhold``).
        self.resumable_end = -1
        if self.strategy == OPTIMAL:
            if self.withhold:
                self.resumable_end = n
        elif self.strategy != STORE and (whole or (start <= WINDOW and n - start <= self.span)):
            self.resumable_end = n
        return OUTPUT_FULL if w.overflow else w.pos

    cdef bint _finder_fits(self, Py_ssize_t n):
        """Whether the finder's tables, sized when last emptied, are as large as ``n`` bytes
        would have them (see fit_bits); a resumed stream outgrowing them is hashed afresh."""
        if self.strategy == FAST:
            return fit_bits(n, FAST_BITS) <= self.fast.bits
        if self.strategy == OPTIMAL:
            return fit_bits(n, CHAIN3_BITS) <= self.trees.bits3 and fit_bits(n, TREE4_BITS) <= self.trees.bits4
        if self.strategy == STORE:
            return False
        if self.chains == NULL:  # (literals or runs only: no finder)
            return True
        return fit_bits(n, CHAIN3_BITS) <= self.chains.bits3 and fit_bits(n, CHAIN4_BITS) <= self.chains.bits4

    def compress_framed(self, const uint8_t[::1] data, bytes prefix, int framing, Py_ssize_t bound):
        """``prefix + the whole stream for data + its trailer`` as one new bytes object, built in
        place. ``framing`` (raw, zlib or gzip: its index in ``inflate.FRAMINGS``) says the
        trailer: none, zlib's (Adler-32, big-endian) or gzip's (CRC-32 and the size,
        little-endian), summed here (for a message of a few hundred bytes, summing and packing
        in Python took a fifth of the call).

        ``bound`` must cover the compressed stream; returns ``None`` if it did not.
        """
        cdef BitWriter w
        cdef int k
        cdef Py_ssize_t n = data.shape[0], np_ = len(prefix)
        cdef Py_ssize_t ns = 4 if framing == FRAMING_ZLIB else (8 if framing == FRAMING_GZIP else 0)
        cdef const uint8_t* src = &data[0] if n else NULL
        cdef uint32_t checksum = 0
        cdef uint8_t* tail
        cdef PyObject* raw
        cdef object result
        if self.finished:
            raise ValueError("the stream is already finished")
        if not FRAMING_RAW <= framing <= FRAMING_GZIP:
            raise ValueError("framing must be raw, zlib or gzip")
        raw = new_bytes(NULL, np_ + bound + ns)
        memcpy(bytes_data(raw), <const char*>prefix, np_)
        self._start(&w, <uint8_t*>bytes_data(raw) + np_, bound)
        with nogil:
            if framing == FRAMING_ZLIB:
                checksum = adler32_update(1, src, n)
            elif framing == FRAMING_GZIP:
                checksum = crc32_update(0, src, n)
            self._segment(src, n, 0, True, &w)
            align_to_byte(&w)
        self.finished = True
        if w.overflow:
            Py_DECREF(<object>raw)
            return None
        tail = <uint8_t*>bytes_data(raw) + np_ + w.pos
        if framing == FRAMING_ZLIB:
            for k in range(4):
                tail[k] = (checksum >> (24 - 8 * k)) & 0xFF
        elif framing == FRAMING_GZIP:
            for k in range(4):
                tail[k] = (checksum >> (8 * k)) & 0xFF
                tail[4 + k] = (<uint64_t>n >> (8 * k)) & 0xFF
        _PyBytes_Resize(&raw, np_ + w.pos + ns)  # needs the only reference: raw is not yet an object
        result = <object>raw
        Py_DECREF(result)
        return result

    cdef void _segment(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                       BitWriter* w) noexcept nogil:
        """Parse ``data[start:n]`` in spans of at most ``self.span`` bytes, each with the 32 KiB
        before it as history."""
        cdef Py_ssize_t end, first
        while n - start > self.span:
            end = start + self.span - WINDOW
            first = start - WINDOW if start > WINDOW else 0
            self._span(data + first, end - first, start - first, False, w, False)
            start = end
        first = start - WINDOW if start > WINDOW else 0
        self._span(data + first, n - first, start - first, final, w, False)

    cdef void _span(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                    BitWriter* w, bint kept) noexcept nogil:
        """Parse ``data[start:n]``; the finder is emptied and given the history before
        ``start``, unless ``kept`` (it already holds it: see compress's ``resume``)."""
        if start == n and not final:
            return
        if self.strategy == STORE:
            write_stored(data + start, n - start, final, w)
            return
        if start == n:  # (and final: the stream ends with no data left)
            write_empty_final(w)
            return
        if not kept:
            self._history(data, n, start)
        elif self.strategy == OPTIMAL:
            self._catch_up(data, n, start, False)
        self.tok.nseq = 0
        self.split = 0
        self.tok.litrun = 0
        self.tok.room = self.run_limit
        memset(self.run_count, 0, sizeof(self.run_count))
        self.pending_begin = start
        self.pending_end = start
        self.nahead = 0
        self.heads_known = 1
        self.header_bits = 0
        self.costs_known = False
        self.tok.min_len = MIN_MATCH
        if self.chains != NULL:  # the chain parses (levels 2-9)
            self.tok.min_len = self._choose_min_len(_distinct_bytes(data + start, n - start))
        if self.strategy == FAST:
            self._parse_fast(data, n, start, final, w)
        elif self.strategy == OPTIMAL:
            self._parse_optimal(data, n, start, final, w)
        elif self.strategy == HUFFMAN_ONLY or self.strategy == RLE:
            self._parse_runs(data, n, start, final, w, self.strategy == RLE)
        else:
            self._parse_chains(data, n, start, final, w,
                               0 if self.strategy == GREEDY else (2 if self.strategy == LAZY2 else 1))

    cdef void _history(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start) noexcept nogil:
        """Empty the finder, then hash every position of the history (``data[:start]``, at most
        32 KiB of it) whose first bytes are in the data."""
        cdef Py_ssize_t p = start - WINDOW if start > WINDOW else 0
        cdef uint32_t[2] unused
        if self.strategy == FAST:
            clear_fast(self.fast, n)
            fast_insert_all(self.fast, data, p, start, n)
        elif self.strategy == OPTIMAL:
            clear_trees(self.trees, n)
            self.tree_pending = p
            self._catch_up(data, n, start, True)
            p = self.tree_pending
            while p < start and p + 4 <= n:  # (held back from the trees: in the chains already)
                chain3_insert(self.trees, data, p)
                p += 1
        elif self.chains != NULL:
            clear_chains(self.chains, n)
            chain_skip(self.chains, data, p, start, n, unused)

    cdef void _catch_up(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint link) noexcept nogil:
        """Give the trees the positions before ``start`` they have not taken (and the 3-byte
        chains if ``link``: held back positions went in those when parsed), but none of the last
        ``withhold`` of the data (a tree orders strings only as far as they were compared: one
        inserted with fewer bytes after it than the others had would break the order once more
        data came, and a walk would then measure matches wrong)."""
        cdef Py_ssize_t p = self.tree_pending
        cdef Py_ssize_t stop = start if start < n - self.withhold else n - self.withhold
        while p < stop and p + 4 <= n:
            tree_insert(self.trees, data, p, n, self.nice, self.depth, link)
            p += 1
        if p > self.tree_pending:
            self.tree_pending = p

    cdef inline void _run_full_of(self, Tokens* t, const uint8_t* data, Py_ssize_t end, BitWriter* w) noexcept nogil:
        """A parse's local tokens filled a run (ending the data before ``end``): hand them back,
        end the run, take them again (inlined, so that ``t`` stays in registers elsewhere)."""
        self.tok = t[0]
        self._run_full(data, end, w)
        t[0] = self.tok

    cdef void _take_run(self, BlockPlan* run, uint64_t nbytes) noexcept nogil:
        """End the run: its last literals become a sequence, its counts (and the end-of-block
        symbol) a plan's, and counting starts afresh."""
        cdef Tokens* t = &self.tok
        cdef int distinct
        if t.litrun:
            t.seqs[t.nseq].lits_len = t.litrun
            t.seqs[t.nseq].dist = 0
            t.seqs[t.nseq].dist_sym = 0
            t.nseq += 1
            t.litrun = 0
        t.room = self.run_limit
        if self.chains != NULL:
            distinct = _distinct_literals(self.run_count)
            if distinct >= 0:
                t.min_len = self._choose_min_len(distinct)
        take_counts(run, self.run_count, self.run_count + 286, nbytes)
        memset(self.run_count, 0, sizeof(self.run_count))

    cdef void _run_full(self, const uint8_t* data, Py_ssize_t end, BitWriter* w) noexcept nogil:
        """A run is complete (it ends the data before ``end``). Level 1 writes each as a block.
        The others keep LOOKAHEAD runs in view before deciding where the pending block ends."""
        cdef BlockPlan run
        if self.strategy == FAST:
            self._take_run(&run, end - self.pending_end)
            if self.split:
                self._write_pending(data, w, False)
            self._make_pending(&run, end)
            return
        self._push_run(end)
        if self.nahead == self.lookahead or self.tok.nseq + self.run_limit > MAX_TOKENS:
            self._decide(data, w)
        while self.tok.nseq + self.run_limit > MAX_TOKENS:
            # (a run makes at most run_limit sequences: the next must fit)
            self._write_pending(data, w, False)
            if self.nahead:
                self._pending_from_ahead()

    cdef void _push_run(self, Py_ssize_t end) noexcept nogil:
        """The run just ended (the data before ``end``) joins the runs ahead."""
        cdef Py_ssize_t begin = self.ahead_end[self.nahead - 1] if self.nahead else self.pending_end
        self._take_run(&self.ahead[self.nahead], end - begin)
        self.ahead_seq[self.nahead] = self.tok.nseq
        self.ahead_end[self.nahead] = end
        self.nahead += 1

    cdef void _decide(self, const uint8_t* data, BitWriter* w) noexcept nogil:
        """Where the pending block ends: after the first j runs ahead, for the j that costs
        least (estimated) with the rest of them as the next block, and the block is written;
        or, if no edge beats taking them all in, it takes the first ``hop`` runs and the next
        call decides again with more in view."""
        cdef BlockPlan grown, rest
        cdef double* head_cost
        cdef double cost, best_cost
        cdef int j, k, best = -1, n = self.nahead
        if self.split == 0 and self.pending_end == self.pending_begin:
            self._pending_from_ahead()
            return
        if self.pending_cost < 0:
            self.pending_cost = estimate_block(&self.pending, self.header_bits)
        grown = self.pending
        self.head_cost[0] = self.pending_cost
        for j in range(n):
            merge_counts(&grown, &grown, &self.ahead[j])
            if j + 1 >= self.heads_known:
                self.head_cost[j + 1] = estimate_block(&grown, self.header_bits)
        head_cost = self.head_cost
        best_cost = head_cost[n]  # no edge: the pending block takes all
        rest = self.ahead[n - 1]
        for j in range(n - 1, -1, -1):
            if j < n - 1:
                merge_counts(&rest, &rest, &self.ahead[j])
            cost = head_cost[j] + estimate_block(&rest, self.header_bits)
            if cost < best_cost:
                best_cost = cost
                best = j
        if best < 0:
            k = self.hop if self.hop < n else n
            for j in range(k):
                merge_counts(&self.pending, &self.pending, &self.ahead[j])
            self.pending_cost = head_cost[k]
            self._take_ahead(k)
            for j in range(n - k + 1):  # the same blocks, k runs fewer ahead
                head_cost[j] = head_cost[j + k]
            self.heads_known = n - k + 1
            return
        for j in range(best):
            merge_counts(&self.pending, &self.pending, &self.ahead[j])
        self._take_ahead(best)
        self._write_pending(data, w, False)
        self._pending_from_ahead()

    cdef inline void _take_ahead(self, int k) noexcept nogil:
        """The first k runs ahead now belong to the pending block."""
        cdef int j
        if k == 0:
            return
        self.split = self.ahead_seq[k - 1]
        self.pending_end = self.ahead_end[k - 1]
        for j in range(k, self.nahead):
            self.ahead[j - k] = self.ahead[j]
            self.ahead_seq[j - k] = self.ahead_seq[j]
            self.ahead_end[j - k] = self.ahead_end[j]
        self.nahead -= k

    cdef void _pending_from_ahead(self) noexcept nogil:
        """The pending block is empty: the first run ahead becomes it."""
        self.pending = self.ahead[0]
        self.pending_cost = -1.0  # estimated when a decision needs it (a last block never does)
        self._take_ahead(1)
        self.heads_known = 1

    cdef void _write_pending(self, const uint8_t* data, BitWriter* w, bint final) noexcept nogil:
        """Code and write the pending block; what follows it moves to the front."""
        cdef Py_ssize_t size = self.tok.nseq - self.split
        cdef int j
        self._plan(&self.pending)
        if self.pending.kind == BLOCK_DYNAMIC:
            self.header_bits = <double>self.pending.header_bits
        self._learn_costs(&self.pending)
        self._write(&self.pending, 0, self.split, self.pending_begin, final, data, w)
        memmove(self.tok.seqs, self.tok.seqs + self.split, size * sizeof(Sequence))
        for j in range(self.nahead):
            self.ahead_seq[j] -= self.split
        self.tok.nseq = size
        self.split = 0
        self.pending_begin = self.pending_end
        self.heads_known = 1

    cdef void _learn_costs(self, const BlockPlan* plan) noexcept nogil:
        """Symbol costs from a block's own codes (whichever type it was written as). A symbol the
        block did not use is given its cost in the fixed code, DEFLATE's own prior: a code
        length of 0 would make a first length-3 match at a new distance look unaffordable for
        ever, as no block would then use it."""
        cdef int i
        cdef bint own = not self.fixed_only  # (Z_FIXED: every block is written with the fixed code, or stored)
        for i in range(256):
            self.lit_bits[i] = plan.lengths[i] if own and plan.lengths[i] else fixed_length(i)
        self.len3_bits = plan.lengths[257] if own and plan.lengths[257] else fixed_length(257)
        for i in range(30):
            self.dist_bits[i] = (plan.lengths[plan.hlit + i] if own and i < plan.hdist and plan.lengths[plan.hlit + i]
                                 else fixed_length(288 + i)) + DIST_EXTRA[i]
        self.costs_known = True

    cdef int _choose_min_len(self, int distinct) noexcept nogil:
        """The shortest match to take where literals use ``distinct`` byte values (MIN_LEN_FOR),
        but no longer than a shallow search finds often enough (4 + depth / 4: level 2 at most 5)."""
        cdef int cap = 4 + self.depth // 4
        cdef int shortest = MIN_LEN_FOR[distinct] if MIN_LEN_FOR[distinct] < cap else cap
        if self.fixed_only:  # (the fixed code gives every literal 8-9 bits, however few values they use)
            shortest = MIN_MATCH
        return shortest if shortest > self.shortest else self.shortest

    cdef inline bint _three_loses(self, const uint8_t* data, Py_ssize_t p, Py_ssize_t dist) noexcept nogil:
        """Whether a length-3 match ``dist`` back costs at least what its three literals do under
        the last block's codes (before there is one: whether it is farther than 2 * NEAR3).
        Literals are cheap in text and dear in pixels, so no one distance limit suits both: this
        takes far 3-byte repeats in pixels (0.6-1.0 % smaller at levels 2-9, as fast) and turns
        down some near ones in text. (Weighing length 4 the same way gains another 0.2 % on pixels
        but costs 4-5 % of the speed: each match refused is four positions searched.)"""
        if not self.costs_known:
            return dist > 2 * NEAR3
        return self.len3_bits + self.dist_bits[dist_symbol(<uint32_t>dist)] >= \
            self.lit_bits[data[p]] + self.lit_bits[data[p + 1]] + self.lit_bits[data[p + 2]]

    cdef inline int _dear(self, uint8_t byte) noexcept nogil:
        """How far a literal given up for a later match costs more than DEAR_LITERAL bits under the
        last block's codes: LAZY2's second look ahead asks a match two positions on to beat the
        held one by that much more (the flat margin prices literals as text's). In arrays of
        floats and pixels literals cost 7-8 bits and a match started two bytes later also breaks
        the values' alignment: float64 face images (scikit-learn's lfw_subset) 0.7 % smaller at
        levels 8-9, code and the pixels + float32 mix 0.02-0.05 %, text and 460 library files
        within 0.02 % either way. (Weighed the same way, the first look ahead made everything
        larger.)"""
        if not self.costs_known or self.lit_bits[byte] <= DEAR_LITERAL:
            return 0
        return self.lit_bits[byte] - DEAR_LITERAL

    cdef inline void _make_pending(self, const BlockPlan* plan, Py_ssize_t end) noexcept nogil:
        """All gathered tokens become the pending block, covering the data up to ``end`` (level 1)."""
        self.pending = plan[0]
        self.split = self.tok.nseq
        self.pending_end = end

    cdef inline void _write(self, const BlockPlan* plan, Py_ssize_t s0, Py_ssize_t s1, Py_ssize_t begin, bint final,
                            const uint8_t* data, BitWriter* w) noexcept nogil:
        """Write sequences [s0, s1), which cover the data from ``begin``, as one block."""
        write_block(plan, self.tok.seqs, s0, s1, data + begin, final, w)

    cdef uint64_t _plan(self, BlockPlan* plan) noexcept nogil:
        """``plan_block``: the block's type and its cost in bits; where dynamic codes are not to be
        used (Z_FIXED), the cheaper of fixed and stored."""
        plan_block(plan)
        if self.fixed_only and plan.kind == BLOCK_DYNAMIC:
            plan.kind = BLOCK_FIXED if plan.bits[BLOCK_FIXED] <= plan.bits[BLOCK_STORED] else BLOCK_STORED
        return plan.bits[plan.kind]

    cdef void _flush(self, const uint8_t* data, Py_ssize_t end, bint final, BitWriter* w) noexcept nogil:
        """Write everything gathered (the data up to ``end``). Level 1: the last run and the
        pending block as one block or two, whichever is cheaper; the others: the last run
        joins those ahead and the edges are decided as before, the last ones with what is left."""
        cdef BlockPlan run, merged
        cdef uint64_t run_cost, pending_cost
        if self.strategy == FAST:
            self._take_run(&run, end - self.pending_end)
            run_cost = self._plan(&run)
            if self.split == 0:
                self._write(&run, 0, self.tok.nseq, self.pending_begin, final, data, w)
            else:
                pending_cost = self._plan(&self.pending)
                merge_counts(&merged, &self.pending, &run)
                if self._plan(&merged) <= pending_cost + run_cost:
                    self._write(&merged, 0, self.tok.nseq, self.pending_begin, final, data, w)
                else:
                    self._write(&self.pending, 0, self.split, self.pending_begin, False, data, w)
                    self._write(&run, self.split, self.tok.nseq, self.pending_end, final, data, w)
            self.tok.nseq = 0
            self.split = 0
            return
        self._push_run(end)  # (a slot is free: _run_full decides whenever they are all taken)
        while self.nahead:
            self._decide(data, w)
        self._write_pending(data, w, final)
        self.tok.nseq = 0
        self.split = 0

    cdef void _literals_to_end(self, const uint8_t* data, Py_ssize_t p, Py_ssize_t n, bint final,
                               BitWriter* w) noexcept nogil:
        """The last bytes (too few to hash) as literals, then everything gathered written."""
        while p < n:
            if add_literal(&self.tok, data[p]):
                self._run_full(data, p + 1, w)
            p += 1
        self._flush(data, n, final, w)

    cdef void _parse_runs(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                          BitWriter* w, bint rle) noexcept nogil:
        """Literals only (zlib's Huffman-only strategy), or (``rle``) those and runs of one byte
        as matches one byte back (zlib's RLE: for images whose filters leave runs, at a fraction
        of a search's cost). Blocks end where the statistics change, as the chain parses' do."""
        cdef Py_ssize_t p = start
        cdef int length, maxlen
        cdef uint8_t byte
        cdef Tokens t = self.tok
        while p < n:
            if rle and p > 0 and p + MIN_MATCH <= n:
                byte = data[p - 1]
                if data[p] == byte and data[p + 1] == byte and data[p + 2] == byte:
                    maxlen = <int>(n - p) if n - p < MAX_MATCH else MAX_MATCH
                    length = common_prefix(data + p - 1, data + p, MIN_MATCH, maxlen)
                    p += length
                    if add_match(&t, length, 1):
                        self._run_full_of(&t, data, p, w)
                    continue
            if add_literal(&t, data[p]):
                self._run_full_of(&t, data, p + 1, w)
            p += 1
        self.tok = t
        self._flush(data, n, final, w)

    cdef void _parse_fast(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                          BitWriter* w) noexcept nogil:
        """Greedy over the latest position of p's 4-byte and of its 8-byte hash (level 1; see
        :c:type:`FastTables`). Each position's hashes are computed once, as the next one's
        while the current is searched (their entries prefetched), and after a match for the
        position it ends at before the match is recorded. Until the last MAX_MATCH bytes a
        whole match fits, so the main loop has constant limits.

        A match shorter than eight bytes gives way to a literal when the next position's
        8-byte table entry shares eight bytes with it (zstd's double-fast check; that entry is
        loading already): text 1.2 % smaller and a little faster, as fewer short matches are
        taken.

        Inside a match only some positions are inserted (``fast_skip``): all of a match of at
        most ``full`` bytes and a sample of a longer one. Where most bytes are matched (text, code)
        ``full`` is SPARSE_FULL: the inner positions would be most of the stores. Where literals
        are a fifth of the bytes or more (photos' pixels, whose matches are short and whose
        inner positions are found again) it is DENSE_FULL: there they cost little (pixels 0.6 %
        smaller than always sparse, machine code 0.15 %, text unchanged). The choice is made
        every POLICY_SPAN bytes and carries from call to call.

        After a match of the longest length, while its repeat runs on, the next search also
        tries its distance beside the tables' candidates (see the module docstring). The steps
        are written out here rather than in helper methods: a cdef method's address sits in the
        class's method table, so GCC kept the one per match out of line (13 % more instructions
        at level 1, ~1 % of its time)."""
        cdef Py_ssize_t p = start, q, dist, last = n - 4  # the last position with four bytes to hash
        cdef Py_ssize_t safe = n - MAX_MATCH - 1  # below it, maxlen is MAX_MATCH and p + 1 has eight bytes
        cdef int maxlen, length, rep_len
        cdef int32_t match_start = 0
        cdef FastTables* f = self.fast
        cdef int bits = f.bits
        cdef uint32_t h4 = 0, h8 = 0, next_h4, next_h8
        cdef Py_ssize_t full = self.fast_full, matched = self.fast_matched
        cdef Py_ssize_t decide = start + self.fast_left  # where the insertion policy is chosen again
        cdef Tokens t = self.tok
        if p < safe:
            h4 = fast_hash(f, bits, data, p, &h8)
        while p < safe:
            next_h4 = fast_hash(f, bits, data, p + 1, &next_h8)
            length = fast_match(f, bits, data, p, h4, h8, MAX_MATCH, &match_start)
            if length < 8 and (length == 0 or fast_long_at(f, data, p + 1, next_h8)):
                fast_prefetch(f, bits, data, p + 4)  # (a run of literals outruns one position's prefetch)
                if add_literal(&t, data[p]):
                    self._run_full_of(&t, data, p + 1, w)
                h4, h8 = next_h4, next_h8
                p += 1
                continue
            while True:
                q = p + length
                dist = p - match_start
                if q + 8 > n:
                    if add_match(&t, length, <uint32_t>dist):
                        self._run_full_of(&t, data, q, w)
                    fast_insert_all(f, data, p + 1, q, n)
                    break
                h4 = fast_hash(f, bits, data, q, &h8)
                if add_match(&t, length, <uint32_t>dist):
                    self._run_full_of(&t, data, q, w)
                fast_skip(f, bits, data, p + 1, q, full)
                matched += length
                if q >= decide:
                    full = DENSE_FULL if 5 * matched < 4 * (q - decide + POLICY_SPAN) else SPARSE_FULL
                    matched = 0
                    decide = q + POLICY_SPAN
                if length < MAX_MATCH or load32(data + q - dist) != load32(data + q):
                    break
                p = q
                maxlen = <int>(n - p) if n - p < MAX_MATCH else MAX_MATCH
                length = fast_match(f, bits, data, p, h4, h8, maxlen, &match_start)
                if length < maxlen:
                    rep_len = common_prefix(data + p - dist, data + p, 4, maxlen)
                    if rep_len > length:
                        length, match_start = rep_len, <int32_t>(p - dist)
            p = q
        while p <= last:
            # Matches here end at the data's end, so none is followed by its repeat: a plain step.
            maxlen = <int>(n - p) if n - p < MAX_MATCH else MAX_MATCH
            length = fast_tail_match(f, data, p, n, maxlen, &match_start)
            if length:
                if add_match(&t, length, <uint32_t>(p - match_start)):
                    self._run_full_of(&t, data, p + length, w)
                fast_insert_all(f, data, p + 1, p + length, n)
                p += length
            else:
                if add_literal(&t, data[p]):
                    self._run_full_of(&t, data, p + 1, w)
                p += 1
        self.tok = t
        self.fast_full, self.fast_matched, self.fast_left = full, matched, decide - n
        self._literals_to_end(data, p, n, final, w)

    cdef void _parse_chains(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                            BitWriter* w, int ahead) noexcept nogil:
        """Over the chains (levels 2-9): take the match found at once (``ahead`` 0), or hold it
        while the next ``ahead`` positions (1 or 2) may start a better one."""
        cdef Py_ssize_t p = start, at, last = n - 4, rep_dist = 0
        cdef int32_t cur_start = 0, next_start = 0
        cdef int cur, nxt, maxlen, nice, depth = self.depth, rep_len
        cdef Tokens t = self.tok
        cdef uint32_t[2] hashes  # of p, the next position to search (see chain_match)
        if p <= last:
            hash_next(self.chains, data, p, self.chains.bits3, self.chains.bits4, hashes)
        while p <= last:
            maxlen = <int>(n - p) if n - p < MAX_MATCH else MAX_MATCH
            nice = self.nice if self.nice < maxlen else maxlen
            if rep_dist and load32(data + p - rep_dist) == load32(data + p):
                # Right after a match of the longest length, its distance too (see the module
                # docstring); the chain is still searched, for a nearer match as long.
                rep_len = common_prefix(data + p - rep_dist, data + p, 4, maxlen)
                cur = chain_match(self.chains, data, p, hashes, rep_len - 1, maxlen,
                                  nice if nice > rep_len else rep_len, depth, &cur_start)
                if cur < rep_len:
                    cur, cur_start = rep_len, <int32_t>(p - rep_dist)
            elif t.min_len == MIN_MATCH:  # (a constant there: the search compiles to fewer steps)
                cur = chain_match(self.chains, data, p, hashes, MIN_MATCH - 1, maxlen, nice, depth, &cur_start)
            else:
                cur = chain_match(self.chains, data, p, hashes, t.min_len - 1, maxlen, nice, depth, &cur_start)
            rep_dist = 0
            if cur < t.min_len or (cur == 3 and self._three_loses(data, p, p - cur_start)):
                if add_literal(&t, data[p]):
                    self._run_full_of(&t, data, p + 1, w)
                p += 1
                continue
            at = p  # where the held match starts
            p += 1
            while ahead and cur < nice and p <= last:
                maxlen = <int>(n - p) if n - p < MAX_MATCH else MAX_MATCH
                nice = self.nice if self.nice < maxlen else maxlen
                nxt = chain_match(self.chains, data, p, hashes, cur - 1, maxlen, nice, depth >> 1, &next_start)
                p += 1
                if nxt >= cur and _better(nxt - cur, at - cur_start, p - 1 - next_start, 2):
                    if add_literal(&t, data[at]):
                        self._run_full_of(&t, data, at + 1, w)
                    at, cur, cur_start = p - 1, nxt, next_start
                    continue
                if ahead == 1 or cur >= LAZY2_SHORT or cur >= nice or p > last:
                    break
                maxlen = <int>(n - p) if n - p < MAX_MATCH else MAX_MATCH
                nice = self.nice if self.nice < maxlen else maxlen
                nxt = chain_match(self.chains, data, p, hashes, cur - 1, maxlen, nice, depth >> 2, &next_start)
                p += 1
                if nxt >= cur and _better(nxt - cur, at - cur_start, p - 1 - next_start,
                                          6 + self._dear(data[at]) + self._dear(data[at + 1])):
                    if add_literal(&t, data[at]):
                        self._run_full_of(&t, data, at + 1, w)
                    if add_literal(&t, data[at + 1]):
                        self._run_full_of(&t, data, at + 2, w)
                    at, cur, cur_start = p - 1, nxt, next_start
                    continue
                break
            # The held match stands; positions up to p are hashed already.
            if add_match(&t, cur, <uint32_t>(at - cur_start)):
                self._run_full_of(&t, data, at + cur, w)
            if cur == MAX_MATCH:
                rep_dist = at - cur_start
            chain_skip(self.chains, data, p, at + cur, n, hashes)
            p = at + cur
        self.tok = t
        self._literals_to_end(data, p, n, final, w)

    cdef void _parse_optimal(self, const uint8_t* data, Py_ssize_t n, Py_ssize_t start, bint final,
                             BitWriter* w) noexcept nogil:
        """Near-optimal parsing (levels 10-12), one OPTIMAL_BLOCK of input at a time (deflate_optimal)."""
        cdef Py_ssize_t begin = start, end, j
        cdef uint32_t choice, length
        cdef Tokens t = self.tok
        # The positions parsed go in the trees as they are searched, up to the last
        # ``withhold``, if all before ``start`` are in; if some are still held back, none does
        # (the trees take positions in order: see _catch_up).
        cdef Py_ssize_t insert_end = n - self.withhold if self.tree_pending >= start else start
        while begin < n:
            end = begin + OPTIMAL_BLOCK if n - begin > OPTIMAL_BLOCK else n
            collect_matches(&self.opt, data, n, begin, end, self.trees, self.depth, self.nice, insert_end)
            optimize(&self.opt, data, begin, end, self.passes, begin == start and end == n)
            j = 0
            while j < end - begin:
                choice = self.opt.choice[j]
                length = choice >> 16
                if length == 1:
                    if add_literal(&t, data[begin + j]):
                        self._run_full_of(&t, data, begin + j + 1, w)
                    j += 1
                else:
                    if add_match(&t, length, choice & 0xFFFF):
                        self._run_full_of(&t, data, begin + j + length, w)
                    j += length
            begin = end
        if insert_end > self.tree_pending:
            self.tree_pending = insert_end
        self.tok = t
        self._flush(data, n, final, w)


cdef inline bint _better(int longer_by, Py_ssize_t held_dist, Py_ssize_t new_dist, int margin) noexcept nogil:
    """Whether a match ``longer_by`` bytes longer than the held one, at ``new_dist`` instead of
    ``held_dist``, is worth the literals that starting it later costs: four points a byte of
    length against one per doubling of distance (about the extra bits a farther one costs)."""
    return 4 * longer_by + floor_log2(<uint32_t>held_dist) - floor_log2(<uint32_t>new_dist) > margin
