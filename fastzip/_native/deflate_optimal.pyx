# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Near-optimal parsing for DEFLATE levels 10-12, after libdeflate's idea.

For one block of input at a time:

1. :func:`collect_matches` lists, for every position, each match longer than all nearer ones
   (``match_finders.tree_matches``: the nearest true 3-byte match, then the binary tree):
   for every length there is then a match at the smallest distance that reaches it. Inside a
   match of ``nice`` bytes or more the positions are only inserted in the tree, each given the
   repeat at that match's distance as far as it reaches (highly repetitive data stays fast).
2. :func:`optimize` finds the cheapest path through the block (minimum total bits, choosing at
   each position a literal or any length 3..len of any kept match) by dynamic programming from
   the end, under a cost model of bits per symbol. The model is replaced by the Huffman code
   lengths of the path just found and the search repeated ``passes`` times: the path and the
   codes it will be written with converge together (once a path's own codes are the model it
   was found under, the passes left would repeat it, and are skipped). A pass's path is kept
   only if it costs less in its own codes than the last one did in its own: a path can reshape
   the statistics it was priced by. The first block starts afresh (``_fresh_path``: priced by
   its byte entropy and fixed guesses for lengths and distances, or, where the path those give
   writes larger than the greedy one, by the greedy path's codes); each later block from the
   last block's codes (the data rarely changes at a block's edge, and with two passes the start
   matters: 1.1 % smaller on text at level 10 than starting afresh), unless those codes
   misprice its first path by over ``MISFIT`` per cent: then it is also started afresh and the
   cheaper path kept (a block's passes price the symbols its path did not use out of reach, and
   a next block that needs them can be trapped: numbers one per line came out 23 % larger than
   level 9; the retry runs on 3 % of the binary mix's blocks, 1-2 % of the code's and none of
   the text's). An input of at most ``FIXED_TRIAL`` bytes is also parsed under the fixed code's
   costs, and that path kept if it writes smaller (tiny inputs, whose best block is a fixed
   one).
3. Where the block's statistics change partway (a gettext catalog's tables of offsets before
   its strings, an archive's members, records before text), one model prices all of it, and
   the block edges the writer later chooses cannot undo what it did to the path: so the path's
   counts are cut into segments where separate blocks pay (``_price_by_segments``: estimated
   on 2 KiB steps, only when a cut saves 2 % of the block), and the path searched again with
   each segment priced by its own codes, twice, each round kept only if the path, written a
   block per segment, gets smaller. 100 catalogs of this machine's locales: 1.5 % larger than
   libdeflate -12 before, 0.1 % now (up to 7 % smaller each); 400 library files 0.1-0.16 %
   smaller at levels 10-12, at 0.96-0.98x the speed; the corpora within 0.01 %, text and code
   as fast, the mix 0.98x.

The chosen tokens go to the same block writer as the greedy and lazy parses.
"""

from libc.math cimport log2
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int32_t
from libc.string cimport memcmp, memcpy, memset

from .deflate_format cimport DIST_EXTRA, LENGTH_EXTRA, LENGTH_SYMBOL, dist_symbol, fixed_length, init_symbol_tables
from .match_finders cimport MAX_MATCH, MIN_MATCH, Trees, chain3_insert, common_prefix, tree_insert, tree_matches
from .huffman cimport limited_code_lengths
from .deflate_blocks cimport BlockPlan, estimate_block, plan_block, take_counts

init_symbol_tables()

cdef extern from *:
    """
    #include <stdint.h>
    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    #define FZ_OPT_SSE2 1
    #endif
    /* The cheapest length in [lo, hi] of a match whose distance costs dcost: length L costs
       (len_cost[L] + dcost) + cost_after[L]; *best and *best_len are updated when one is
       cheaper. Four lengths at a time where SSE2 is there; a group with a lane below *best is
       redone in the scalar order, so both paths make the same choice. */
    static inline void fz_cheapest_length(const float* len_cost, const float* cost_after, float dcost,
                                          uint32_t lo, uint32_t hi, float* best, uint32_t* best_len) {
        uint32_t L = lo, k;
        float b = *best, c;
    #ifdef FZ_OPT_SSE2
        __m128 vd = _mm_set1_ps(dcost), vb = _mm_set1_ps(b);
        for (; L + 3 <= hi; L += 4) {
            __m128 v = _mm_add_ps(_mm_add_ps(_mm_loadu_ps(len_cost + L), vd), _mm_loadu_ps(cost_after + L));
            if (_mm_movemask_ps(_mm_cmplt_ps(v, vb))) {
                for (k = L; k < L + 4; k++) {
                    c = len_cost[k] + dcost + cost_after[k];
                    if (c < b) { b = c; *best_len = k; }
                }
                vb = _mm_set1_ps(b);
            }
        }
    #endif
        for (; L <= hi; L++) {
            c = len_cost[L] + dcost + cost_after[L];
            if (c < b) { b = c; *best_len = L; }
        }
        *best = b;
    }
    """
    void cheapest_length "fz_cheapest_length"(const float* len_cost, const float* cost_after, float dcost,
                                              uint32_t lo, uint32_t hi, float* best, uint32_t* best_len) nogil

cdef enum:
    FIXED_TRIAL = 4096  # blocks up to this many bytes are also parsed under the fixed code's costs
    SEG_STEP = 2048     # bytes: where a block's path may be cut into segments priced apart ...
    MIN_SEGMENT = 4     # ... none shorter than this many steps ...
    MAX_SEGMENTS = 16   # ... nor more of them
    SEG_ROUNDS = 2      # searches with a model per segment
    NSYM = 316          # literal/length symbols, then distance symbols
    MISFIT = 10         # per cent: a block whose first path the last block's codes price this much
                        # above what it costs in its own codes is also started afresh

cdef double SEG_GAIN = 0.02    # the least share of a block's estimated cost its first cut must save ...
cdef double SEG_FINE = 0.005   # ... and of a part's, each cut after it

# Every distance's symbol, one load each: the path search looks one up per match per pass
# (a little faster here than computing it; 32 KiB, in cache while the block's matches are).
cdef uint8_t[32769] DIST_SYMBOL_OF
cdef uint32_t _d
for _d in range(1, 32769):
    DIST_SYMBOL_OF[_d] = <uint8_t>dist_symbol(_d)


cdef inline size_t _whole_lines(size_t size) noexcept nogil:
    return (size + 63) & ~(<size_t>63)


cdef size_t buffers_size(Py_ssize_t capacity, int per_position) noexcept nogil:
    """Bytes :func:`place_buffers` lays the buffers out in."""
    return (2 * _whole_lines((capacity + 1) * sizeof(uint32_t)) + _whole_lines((capacity + 1) * sizeof(float))
            + _whole_lines(capacity * per_position * sizeof(Match))
            + _whole_lines((capacity // SEG_STEP + 2) * NSYM * sizeof(uint32_t))
            + _whole_lines(2 * MAX_SEGMENTS * sizeof(CostModel)))


cdef void place_buffers(OptimalBuffers* b, char* at, Py_ssize_t capacity, int per_position) noexcept nogil:
    """Lay the buffers for blocks of ``capacity`` positions out in ``at`` (``buffers_size`` bytes,
    owned by the caller), each on whole 64-byte lines of it; no cost model yet."""
    b.capacity = capacity
    b.per_position = per_position
    b.first = <uint32_t*>at
    at += _whole_lines((capacity + 1) * sizeof(uint32_t))
    b.cost = <float*>at
    at += _whole_lines((capacity + 1) * sizeof(float))
    b.choice = <uint32_t*>at
    at += _whole_lines((capacity + 1) * sizeof(uint32_t))
    b.matches = <Match*>at
    at += _whole_lines(capacity * per_position * sizeof(Match))
    b.prefix = <uint32_t*>at
    at += _whole_lines((capacity // SEG_STEP + 2) * NSYM * sizeof(uint32_t))
    b.seg_models = <CostModel*>at
    b.has_model = False


cdef void collect_matches(OptimalBuffers* b, const uint8_t* data, Py_ssize_t n, Py_ssize_t begin,
                          Py_ssize_t end, Trees* trees, int depth, int nice, Py_ssize_t insert_end) noexcept nogil:
    """Matches of every position in [begin, end), none longer than ``end - position``; the
    positions from ``insert_end`` on are searched, not inserted in the trees (only in the
    3-byte chains, which keep no order).

    The tree is searched as far as the data goes, not only to ``end``: its order stays exact only
    if every insertion takes strings as equal at the same length (``nice``, or where the data
    ends); the matches found are then cut at ``end``. (A stream resumed with more data after
    ``n`` holds back the positions with fewer than ``nice`` bytes after them: see
    Deflater._span.)"""
    cdef Py_ssize_t i = begin, maxlen, room, skip_end = 0, repeat_end = 0
    cdef uint32_t count = 0
    cdef int found, k, length, kept, skip_off = 0, cap = b.per_position
    cdef uint16_t[64] lengths
    cdef uint16_t[64] dists
    if cap > 64:
        cap = 64
    while i < end:
        b.first[i - begin] = count
        room = end - i if end - i < MAX_MATCH else MAX_MATCH
        maxlen = n - i if n - i < MAX_MATCH else MAX_MATCH
        if i < skip_end and repeat_end - i >= MIN_MATCH:
            # Inside a long match: the repeat at its distance, as far as it reaches, is the
            # only candidate kept. (The match's rest alone, a byte shorter at each step, made
            # the parse put a short match between full ones wherever a repeat runs on: 10-14 %
            # larger than libdeflate on lists whose every line starts alike.)
            length = <int>(repeat_end - i) if repeat_end - i < room else <int>room
            if length >= MIN_MATCH:
                b.matches[count].length = <uint16_t>length
                b.matches[count].offset = <uint16_t>skip_off
                count += 1
            if maxlen >= 4:
                if i < insert_end:
                    tree_insert(trees, data, i, n, nice, depth)
                else:
                    chain3_insert(trees, data, i)
            i += 1
            continue
        if maxlen < 4:
            i += 1
            continue
        found = tree_matches(trees, data, i, <int>maxlen, nice, depth, lengths, dists, cap, True, i < insert_end)
        kept = 0
        for k in range(found):
            length = lengths[k] if lengths[k] < room else <int>room
            if length < MIN_MATCH or (kept and length <= b.matches[count - 1].length):
                continue  # cut at the block's end to no more than a nearer match reaches
            b.matches[count].length = <uint16_t>length
            b.matches[count].offset = dists[k]
            count += 1
            kept += 1
        if kept and b.matches[count - 1].length >= nice:
            skip_off = b.matches[count - 1].offset
            length = b.matches[count - 1].length
            skip_end = i + length
            # (The positions skipped need the repeat to at most MAX_MATCH past the last of them.)
            repeat_end = i + common_prefix(data + i - skip_off, data + i, length,
                                           <int>(end - i) if end - i < length + MAX_MATCH else length + MAX_MATCH)
        i += 1
    b.first[end - begin] = count


cdef void _set_costs(const uint8_t* lengths, int n, float unused, float* cost) noexcept nogil:
    cdef int s
    for s in range(n):
        cost[s] = lengths[s] if lengths[s] else unused


cdef void _default_model(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t end) noexcept nogil:
    """A first block's model: its byte entropy for literals; lengths and distances guessed."""
    cdef uint64_t[256] freq
    cdef Py_ssize_t i, size = end - begin
    cdef int s
    memset(freq, 0, sizeof(freq))
    for i in range(begin, end):
        freq[data[i]] += 1
    for s in range(256):
        b.model.lit[s] = <float>(-log2(<double>freq[s] / size)) if freq[s] else 12.0
        if b.model.lit[s] < 1.0:
            b.model.lit[s] = 1.0
    for s in range(29):
        b.model.len_sym[s] = 6.0
    for s in range(30):
        b.model.dist[s] = 5.0 + DIST_EXTRA[s]


cdef void _greedy_counts(const OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t size,
                         uint32_t* lit_freq, uint32_t* dist_freq) noexcept nogil:
    """The symbol counts of the greedy path through the block's matches: each position's
    longest match (listed last), a literal where there is none."""
    cdef Py_ssize_t j = 0
    cdef uint32_t last
    cdef Match m
    memset(lit_freq, 0, 286 * sizeof(uint32_t))
    memset(dist_freq, 0, 30 * sizeof(uint32_t))
    while j < size:
        last = b.first[j + 1]
        if last > b.first[j]:
            m = b.matches[last - 1]
            lit_freq[257 + LENGTH_SYMBOL[m.length]] += 1
            dist_freq[DIST_SYMBOL_OF[m.offset]] += 1
            j += m.length
        else:
            lit_freq[data[begin + j]] += 1
            j += 1


cdef void _path_counts(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t size,
                       uint32_t* lit_freq, uint32_t* dist_freq) noexcept nogil:
    """The symbol counts of the path in ``b.choice`` (286 literal/length, 30 distance); its
    counts by step are left in ``b.prefix`` (``_step_prefix``), for ``_price_by_segments``."""
    cdef const uint32_t* total = b.prefix + _step_prefix(b, data, begin, size) * NSYM
    memcpy(lit_freq, total, 286 * sizeof(uint32_t))
    memcpy(dist_freq, total + 286, 30 * sizeof(uint32_t))


cdef uint64_t _written_bits(const uint32_t* lit_freq, const uint32_t* dist_freq, Py_ssize_t size) noexcept nogil:
    """What a path of these symbol counts costs written as one block of the cheapest type."""
    cdef BlockPlan plan
    take_counts(&plan, lit_freq, dist_freq, size)
    return plan_block(&plan)


cdef uint64_t _path_bits(const OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin,
                         Py_ssize_t size) noexcept nogil:
    """What the path in ``b.choice`` costs written as one block of the cheapest type."""
    cdef uint32_t[286] lit_freq
    cdef uint32_t[30] dist_freq
    _path_counts(b, data, begin, size, lit_freq, dist_freq)
    return _written_bits(lit_freq, dist_freq, size)


cdef void _fixed_model(OptimalBuffers* b) noexcept nogil:
    """The fixed code's costs (RFC 1951 3.2.6)."""
    cdef int s
    for s in range(256):
        b.model.lit[s] = fixed_length(s)
    for s in range(29):
        b.model.len_sym[s] = fixed_length(257 + s)
    for s in range(30):
        b.model.dist[s] = fixed_length(288 + s) + DIST_EXTRA[s]


cdef uint64_t _model_from_path(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin,
                               Py_ssize_t size) noexcept nogil:
    """The model the path in ``b.choice`` gives (``_model_from_counts``); what it costs in it."""
    cdef uint32_t[286] counts
    cdef uint32_t[30] dist_counts
    _path_counts(b, data, begin, size, counts, dist_counts)
    return _model_from_counts(b, counts, dist_counts)


cdef uint64_t _model_from_counts(OptimalBuffers* b, const uint32_t* counts, const uint32_t* dist_counts) noexcept nogil:
    """The model a path's own Huffman codes give: what the next pass (or block) starts from.
    Returns what the path costs in those codes (bits, extra bits included, the header not)."""
    cdef uint64_t[286] lit_freq
    cdef uint64_t[30] dist_freq
    cdef uint8_t[286] lit_len
    cdef uint8_t[30] dist_len
    cdef int s, deepest
    cdef uint64_t bits
    for s in range(286):
        lit_freq[s] = counts[s]
    for s in range(30):
        dist_freq[s] = dist_counts[s]
    lit_freq[256] = 1
    limited_code_lengths(lit_freq, 286, 15, lit_len)
    limited_code_lengths(dist_freq, 30, 15, dist_len)
    deepest = 0
    for s in range(286):
        if lit_len[s] > deepest:
            deepest = lit_len[s]
    # A symbol the path did not use may still be worth using: price it just above the longest code.
    _set_costs(lit_len, 256, deepest + 1, b.model.lit)
    _set_costs(lit_len + 257, 29, deepest + 1, b.model.len_sym)
    deepest = 0
    for s in range(30):
        if dist_len[s] > deepest:
            deepest = dist_len[s]
    for s in range(30):
        b.model.dist[s] = (dist_len[s] if dist_len[s] else deepest + 1) + DIST_EXTRA[s]
    b.has_model = True
    bits = 0
    for s in range(256):
        bits += <uint64_t>counts[s] * lit_len[s]
    for s in range(29):
        bits += <uint64_t>counts[257 + s] * (lit_len[257 + s] + LENGTH_EXTRA[s])
    for s in range(30):
        bits += <uint64_t>dist_counts[s] * (dist_len[s] + DIST_EXTRA[s])
    return bits


cdef void _cheapest_path(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t size) noexcept nogil:
    """One pass: the cheapest path through the block under the current model, into ``b.choice``."""
    b.cost[size] = 0.0
    _cheapest_from(b, data, begin, 0, size)


cdef void _cheapest_from(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t lo,
                         Py_ssize_t hi) noexcept nogil:
    """The cheapest path from each position of [lo, hi) to the block's end under the current
    model, given those from hi on (``b.cost``)."""
    cdef Py_ssize_t j
    cdef float[259] len_cost
    cdef float best, dcost
    cdef uint32_t m, mend, L, prev_len, choice, best_len
    cdef Match match
    for L in range(MIN_MATCH, MAX_MATCH + 1):
        len_cost[L] = b.model.len_sym[LENGTH_SYMBOL[L]] + LENGTH_EXTRA[LENGTH_SYMBOL[L]]
    for j in range(hi - 1, lo - 1, -1):
        best = b.cost[j + 1] + b.model.lit[data[begin + j]]
        choice = 1 << 16
        prev_len = MIN_MATCH - 1
        mend = b.first[j + 1]
        for m in range(b.first[j], mend):
            match = b.matches[m]
            dcost = b.model.dist[DIST_SYMBOL_OF[match.offset]]
            best_len = 0
            cheapest_length(len_cost, b.cost + j, dcost, prev_len + 1, match.length, &best, &best_len)
            if best_len:
                choice = (best_len << 16) | match.offset
            prev_len = match.length
        b.cost[j] = best
        b.choice[j] = choice


cdef uint64_t _path_under(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t size,
                         const CostModel* model) noexcept nogil:
    """The cheapest path under ``model``, the model then its codes; returns what it costs in
    them (how a path given up for a dearer one is found again: see :func:`optimize`)."""
    b.model = model[0]
    _cheapest_path(b, data, begin, size)
    return _model_from_path(b, data, begin, size)


cdef uint64_t _fresh_path(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t size,
                          CostModel* searched) noexcept nogil:
    """A first path for a block with no codes to start from, priced by its byte entropy and
    fixed guesses for lengths and distances. Those guesses can lead the search astray: if the
    greedy path through the block's matches (longest match, else a literal) writes smaller
    than the path found, the search is run again priced by the greedy path's codes, and its
    path kept if it writes smaller still (an int32 array in a Fortran record, a .pyc's table
    of ints: 10-19 % smaller, below level 9's size where they had been above it; of 500 files
    of this machine's libraries 25 changed, 0.1 % smaller in all). The model is left as the
    kept path's codes, ``searched`` as the model it was found under; returns what the path
    costs in its codes."""
    cdef uint64_t guessed, bits, written
    cdef CostModel greedy
    cdef uint32_t[286] lit_freq
    cdef uint32_t[30] dist_freq
    _default_model(b, data, begin, begin + size)
    searched[0] = b.model
    _cheapest_path(b, data, begin, size)
    # Each path's counts are taken once, for its model and for what it writes: paths are
    # judged as written, header and all (the header is much of a small block).
    _path_counts(b, data, begin, size, lit_freq, dist_freq)
    guessed = _model_from_counts(b, lit_freq, dist_freq)
    written = _written_bits(lit_freq, dist_freq, size)
    _greedy_counts(b, data, begin, size, lit_freq, dist_freq)
    if _written_bits(lit_freq, dist_freq, size) >= written:
        return guessed
    _model_from_counts(b, lit_freq, dist_freq)
    greedy = b.model
    _cheapest_path(b, data, begin, size)
    _path_counts(b, data, begin, size, lit_freq, dist_freq)
    bits = _model_from_counts(b, lit_freq, dist_freq)
    if _written_bits(lit_freq, dist_freq, size) < written:
        searched[0] = greedy
        return bits
    return _path_under(b, data, begin, size, searched)  # (rare: the path under the guesses again)


cdef int _step_prefix(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t size) noexcept nogil:
    """Row k of ``b.prefix``: the symbol counts of the tokens of the path in ``b.choice`` that
    start before byte k * SEG_STEP (the last row, ``nsteps``: all of them). Returns nsteps."""
    cdef int nsteps = <int>((size + SEG_STEP - 1) // SEG_STEP), k
    cdef Py_ssize_t j = 0, step_end
    cdef uint32_t L
    cdef uint32_t* run = b.prefix + NSYM  # counted in place: each row starts as a copy of the last
    memset(b.prefix, 0, 2 * NSYM * sizeof(uint32_t))
    for k in range(1, nsteps + 1):
        step_end = <Py_ssize_t>k * SEG_STEP
        if step_end > size:
            step_end = size
        while j < step_end:
            L = b.choice[j] >> 16
            if L == 1:
                run[data[begin + j]] += 1
                j += 1
            else:
                run[257 + LENGTH_SYMBOL[L]] += 1
                run[286 + DIST_SYMBOL_OF[b.choice[j] & 0xFFFF]] += 1
                j += L
        if k < nsteps:
            memcpy(run + NSYM, run, NSYM * sizeof(uint32_t))
            run += NSYM
    return nsteps


cdef void _segment_counts(const OptimalBuffers* b, int a, int c, uint32_t* lit_freq, uint32_t* dist_freq) noexcept nogil:
    """The counts of the tokens starting in steps [a, c)."""
    cdef int s
    cdef const uint32_t* lo = b.prefix + a * NSYM
    cdef const uint32_t* hi = b.prefix + c * NSYM
    for s in range(286):
        lit_freq[s] = hi[s] - lo[s]
    for s in range(30):
        dist_freq[s] = hi[286 + s] - lo[286 + s]


cdef inline Py_ssize_t _step_bytes(int a, int c, Py_ssize_t size) noexcept nogil:
    cdef Py_ssize_t hi = <Py_ssize_t>c * SEG_STEP
    return (hi if hi < size else size) - <Py_ssize_t>a * SEG_STEP


cdef double _estimate(const OptimalBuffers* b, int a, int c, Py_ssize_t size) noexcept nogil:
    """About what steps [a, c) of the path cost as a block of their own (``estimate_block``)."""
    cdef uint32_t[286] lit_freq
    cdef uint32_t[30] dist_freq
    cdef BlockPlan plan
    _segment_counts(b, a, c, lit_freq, dist_freq)
    take_counts(&plan, lit_freq, dist_freq, _step_bytes(a, c, size))
    return estimate_block(&plan, 0)


cdef uint64_t _segments_bits(const OptimalBuffers* b, const int* edges, int nseg, Py_ssize_t size) noexcept nogil:
    """What the path costs written as a block per segment."""
    cdef uint32_t[286] lit_freq
    cdef uint32_t[30] dist_freq
    cdef uint64_t bits = 0
    cdef int k
    for k in range(nseg):
        _segment_counts(b, edges[k], edges[k + 1], lit_freq, dist_freq)
        bits += _written_bits(lit_freq, dist_freq, _step_bytes(edges[k], edges[k + 1], size))
    return bits


cdef void _best_cut(const OptimalBuffers* b, int a, int c, Py_ssize_t size, double least, int* cut,
                    double* gain) noexcept nogil:
    """The step where cutting [a, c) in two saves the most (estimated), and how much: every
    second step tried, then the neighbours of the best (a third of the estimates' time)."""
    cdef int e, best = -1
    cdef double whole, g
    gain[0] = 0.0
    cut[0] = -1
    if c - a < 2 * MIN_SEGMENT:
        return
    whole = _estimate(b, a, c, size)
    for e in range(a + MIN_SEGMENT, c - MIN_SEGMENT + 1, 2):
        g = whole - _estimate(b, a, e, size) - _estimate(b, e, c, size)
        if best < 0 or g > gain[0]:
            gain[0] = g
            best = e
    for e in range(best - 1, best + 2, 2):
        if a + MIN_SEGMENT <= e <= c - MIN_SEGMENT:
            g = whole - _estimate(b, a, e, size) - _estimate(b, e, c, size)
            if g > gain[0]:
                gain[0] = g
                best = e
    if gain[0] > least * whole:
        cut[0] = best


cdef int _segments(const OptimalBuffers* b, int nsteps, Py_ssize_t size, int* edges) noexcept nogil:
    """Cut the path's steps where its statistics change: none unless one cut saves SEG_GAIN of
    the block's estimated cost (most blocks: then nothing more is spent on them), and then,
    within the parts, while a cut saves SEG_FINE of its part, the largest saving first (at most
    MAX_SEGMENTS), about as finely as the block planner will cut them. ``edges`` get the
    segments' first steps and, last, ``nsteps``; returns how many segments."""
    cdef int[MAX_SEGMENTS] cut
    cdef double[MAX_SEGMENTS] gain
    cdef int nseg = 1, k, best
    edges[0] = 0
    edges[1] = nsteps
    _best_cut(b, 0, nsteps, size, SEG_GAIN, &cut[0], &gain[0])
    while nseg < MAX_SEGMENTS:
        best = -1
        for k in range(nseg):
            if cut[k] >= 0 and (best < 0 or gain[k] > gain[best]):
                best = k
        if best < 0:
            break
        for k in range(nseg, best, -1):
            edges[k + 1] = edges[k]
            cut[k] = cut[k - 1]
            gain[k] = gain[k - 1]
        edges[best + 1] = cut[best]
        nseg += 1
        _best_cut(b, edges[best], edges[best + 1], size, SEG_FINE, &cut[best], &gain[best])
        _best_cut(b, edges[best + 1], edges[best + 2], size, SEG_FINE, &cut[best + 1], &gain[best + 1])
    return nseg


cdef void _segment_models(OptimalBuffers* b, const int* edges, int nseg, Py_ssize_t size, CostModel* models) noexcept nogil:
    """Each segment's model: the codes of its part of the path (``b.prefix`` holds its counts)."""
    cdef uint32_t[286] lit_freq
    cdef uint32_t[30] dist_freq
    cdef int k
    for k in range(nseg):
        _segment_counts(b, edges[k], edges[k + 1], lit_freq, dist_freq)
        _model_from_counts(b, lit_freq, dist_freq)
        models[k] = b.model


cdef void _search_segments(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t size,
                           const int* edges, int nseg, const CostModel* models) noexcept nogil:
    """The cheapest path, each segment priced by its own model (a match is priced where it starts)."""
    cdef int k
    cdef Py_ssize_t lo, hi
    b.cost[size] = 0.0
    for k in range(nseg - 1, -1, -1):
        b.model = models[k]
        lo = <Py_ssize_t>edges[k] * SEG_STEP
        hi = <Py_ssize_t>edges[k + 1] * SEG_STEP
        _cheapest_from(b, data, begin, lo, hi if hi < size else size)


cdef void _price_by_segments(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t size,
                             const CostModel* searched) noexcept nogil:
    """Where the block's path changes its statistics partway (a table of binary records before
    text, a catalog's index before its strings), one model priced it all and a block edge there
    later cannot undo that: the path is cut into segments where its counts say separate blocks
    pay, and searched again with each segment priced by its own codes, for SEG_ROUNDS rounds,
    each kept only if the path written a block per segment gets smaller. ``searched``: the model
    the path in ``b.choice`` was found under (to find it again if no segmented path is kept)."""
    cdef int[MAX_SEGMENTS + 1] edges
    cdef int nsteps, nseg, round_
    cdef uint64_t best, bits
    cdef CostModel* models = b.seg_models
    cdef CostModel* previous = b.seg_models + MAX_SEGMENTS
    nsteps = <int>((size + SEG_STEP - 1) // SEG_STEP)  # (b.prefix holds the path's counts)
    if nsteps < 2 * MIN_SEGMENT:
        return
    nseg = _segments(b, nsteps, size, edges)
    if nseg == 1:
        return
    best = _segments_bits(b, edges, nseg, size)
    _segment_models(b, edges, nseg, size, models)
    for round_ in range(SEG_ROUNDS):
        _search_segments(b, data, begin, size, edges, nseg, models)
        _step_prefix(b, data, begin, size)
        bits = _segments_bits(b, edges, nseg, size)
        if bits >= best:
            if round_ == 0:
                _path_under(b, data, begin, size, searched)
                return
            # The last round's path again.
            _search_segments(b, data, begin, size, edges, nseg, previous)
            _step_prefix(b, data, begin, size)
            _segment_models(b, edges, nseg, size, models)
            break
        best = bits
        memcpy(previous, models, nseg * sizeof(CostModel))
        _segment_models(b, edges, nseg, size, models)
    # The next block starts from the codes of the last segment.
    b.model = models[nseg - 1]


cdef void optimize(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t end, int passes,
                   bint alone) noexcept nogil:
    """Fill ``b.choice`` with the cheapest path through [begin, end) (see the module docstring).
    ``alone``: these are all the tokens of the segment, so they will make one block or more of
    their own (not join an earlier range's). A path given up for one that then turns out dearer
    is not kept in a second buffer but searched for again under the model it was found with:
    rare (8 MiB of each corpus: 0-2 of 128 blocks), where a second buffer's first touch on every
    call cost small inputs 8-17 % of their time."""
    cdef Py_ssize_t size = end - begin
    cdef int pass_
    cdef CostModel searched, was, fresh
    cdef uint64_t bits, best
    cdef uint32_t[FIXED_TRIAL + 1] kept
    cdef float priced
    if not b.has_model:
        best = _fresh_path(b, data, begin, size, &searched)
    else:
        searched = b.model
        _cheapest_path(b, data, begin, size)
        priced = b.cost[0]
        best = _model_from_path(b, data, begin, size)
        if 100 * priced > (100 + MISFIT) * best:
            # The last block's codes misprice this one (see the module docstring): a fresh
            # start too, and the cheaper in its own codes kept.
            bits = _fresh_path(b, data, begin, size, &fresh)
            if bits < best:
                best = bits
                searched = fresh
            else:
                _path_under(b, data, begin, size, &searched)
    for pass_ in range(1, passes):
        was = b.model
        _cheapest_path(b, data, begin, size)
        bits = _model_from_path(b, data, begin, size)
        if memcmp(&was, &b.model, sizeof(CostModel)) == 0:
            searched = was  # (what the path was found under, should _price_by_segments need it again)
            break  # the path's own codes priced it: another pass would find the same path
        if bits >= best:
            # No cheaper in its own codes (a path can reshape the statistics it was priced
            # by): the last path again.
            _path_under(b, data, begin, size, &searched)
            break
        searched = was
        best = bits
    if size > FIXED_TRIAL:
        _price_by_segments(b, data, begin, size, &searched)
        return
    if not alone:
        return
    # A small input may be cheapest in the fixed code, whose costs the passes above never
    # priced it under (a 64-byte input: 34 bytes where zlib -9 writes 24): the path found under
    # them is kept if it writes smaller as one block.
    bits = _path_bits(b, data, begin, size)
    memcpy(kept, b.choice, size * sizeof(uint32_t))
    was = b.model
    _fixed_model(b)
    _cheapest_path(b, data, begin, size)
    if _path_bits(b, data, begin, size) < bits:
        _model_from_path(b, data, begin, size)
        return
    memcpy(b.choice, kept, size * sizeof(uint32_t))
    b.model = was
