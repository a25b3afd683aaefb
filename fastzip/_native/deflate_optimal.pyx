# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Near-optimal parsing for DEFLATE levels 10-12, after libdeflate's idea.

For one block of input at a time:

1. :func:`collect_matches` walks the hash chain of every position and keeps each match that
   is longer than all nearer ones: for every length there is then a match at the smallest
   distance that reaches it. Inside a match of ``nice`` bytes or more the positions are
   only hashed, each given the rest of that match (highly repetitive data stays fast).
2. :func:`optimize` finds the cheapest path through the block (minimum total bits, choosing
   at each position a literal or any length 3..len of any kept match) by dynamic
   programming from the end, under a cost model of bits per symbol. The model starts from
   the block's byte entropy and fixed guesses for lengths and distances, then is replaced
   by the Huffman code lengths of the path just found, and the search is repeated
   ``passes`` times: the path and the codes it will be written with converge together.

The chosen tokens go to the same block writer as the greedy and lazy parses.
"""

from libc.math cimport log2
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int32_t
from libc.stdlib cimport malloc, free
from libc.string cimport memset

from .deflate_format cimport DIST_EXTRA, LENGTH_EXTRA, LENGTH_SYMBOL, dist_symbol, init_symbol_tables
from .hash_chains cimport MAX_DIST, MAX_MATCH, MIN_MATCH, NIL, WINDOW, common_prefix, hash3, insert, load16
from .huffman cimport limited_code_lengths

init_symbol_tables()


cdef int alloc_buffers(OptimalBuffers* b, Py_ssize_t capacity, int per_position) noexcept nogil:
    b.capacity = capacity
    b.per_position = per_position
    b.first = <uint32_t*>malloc((capacity + 1) * sizeof(uint32_t))
    b.matches = <Match*>malloc(capacity * per_position * sizeof(Match))
    b.cost = <float*>malloc((capacity + 1) * sizeof(float))
    b.choice = <uint32_t*>malloc((capacity + 1) * sizeof(uint32_t))
    if b.first == NULL or b.matches == NULL or b.cost == NULL or b.choice == NULL:
        free_buffers(b)
        return -1
    return 0


cdef void free_buffers(OptimalBuffers* b) noexcept nogil:
    free(b.first)
    free(b.matches)
    free(b.cost)
    free(b.choice)
    b.first = NULL
    b.matches = NULL
    b.cost = NULL
    b.choice = NULL


cdef void collect_matches(OptimalBuffers* b, const uint8_t* data, Py_ssize_t n, Py_ssize_t begin,
                          Py_ssize_t end, int32_t* head, uint16_t* prev, int chain, int nice) noexcept nogil:
    """Matches of every position in [begin, end), none longer than ``end - position``."""
    cdef Py_ssize_t i = begin, k, limit, maxlen
    cdef uint32_t count = 0, back
    cdef int32_t cand
    cdef int best, length, steps, skip_len = 0, skip_off = 0
    cdef const uint8_t* scan
    while i < end:
        b.first[i - begin] = count
        maxlen = end - i
        if maxlen > MAX_MATCH:
            maxlen = MAX_MATCH
        if skip_len >= MIN_MATCH:
            # Inside a long match: the rest of it is the only candidate we keep.
            if skip_len > maxlen:
                skip_len = <int>maxlen
            if skip_len >= MIN_MATCH:
                b.matches[count].length = <uint16_t>skip_len
                b.matches[count].offset = <uint16_t>skip_off
                count += 1
            skip_len -= 1
            if i + MIN_MATCH <= n:
                insert(head, prev, data, i)
            i += 1
            continue
        if i + MIN_MATCH > n or maxlen < MIN_MATCH:
            if i + MIN_MATCH <= n:
                insert(head, prev, data, i)
            i += 1
            continue
        cand = head[hash3(data + i)]
        insert(head, prev, data, i)
        limit = i - MAX_DIST if i >= MAX_DIST else -1
        scan = data + i
        best = MIN_MATCH - 1
        steps = chain
        while cand != NIL and cand > limit and steps > 0:
            if load16(data + cand + best - 1) == load16(scan + best - 1) and load16(data + cand) == load16(scan):
                length = common_prefix(data + cand, scan, 2, <int>maxlen)
                if length > best:
                    best = length
                    if count - b.first[i - begin] < <uint32_t>b.per_position:
                        b.matches[count].length = <uint16_t>length
                        b.matches[count].offset = <uint16_t>(i - cand)
                        count += 1
                    else:  # full: the newest (longest) match replaces the last kept
                        b.matches[count - 1].length = <uint16_t>length
                        b.matches[count - 1].offset = <uint16_t>(i - cand)
                    if length >= nice or length >= maxlen:
                        break
            back = prev[cand & (WINDOW - 1)]
            if back == 0:
                break
            cand -= back
            steps -= 1
        if best >= nice:
            skip_len = best - 1
            skip_off = b.matches[count - 1].offset
        i += 1
    b.first[end - begin] = count


cdef void _set_costs(const uint8_t* lengths, int n, float unused, float* cost) noexcept nogil:
    cdef int s
    for s in range(n):
        cost[s] = lengths[s] if lengths[s] else unused


cdef void optimize(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t end, int passes) noexcept nogil:
    """Fill ``b.choice`` with the cheapest path through [begin, end) (see the module docstring)."""
    cdef Py_ssize_t size = end - begin, i, j
    cdef float[256] lit_cost
    cdef float[259] len_cost
    cdef float[30] dist_cost
    cdef float[29] len_sym_cost
    cdef uint64_t[286] lit_freq
    cdef uint64_t[30] dist_freq
    cdef uint8_t[286] lit_len
    cdef uint8_t[30] dist_len
    cdef float best, c, dcost
    cdef uint32_t m, mend, L, prev_len, choice, dist
    cdef int pass_, s, sym, deepest
    cdef Match match
    # Pass 0's model: the block's byte entropy for literals; lengths and distances guessed.
    memset(lit_freq, 0, sizeof(lit_freq))
    for i in range(begin, end):
        lit_freq[data[i]] += 1
    for s in range(256):
        lit_cost[s] = <float>(-log2(<double>lit_freq[s] / size)) if lit_freq[s] else 12.0
        if lit_cost[s] < 1.0:
            lit_cost[s] = 1.0
    for s in range(29):
        len_sym_cost[s] = 6.0
    for s in range(30):
        dist_cost[s] = 5.0 + DIST_EXTRA[s]
    for pass_ in range(passes):
        for L in range(MIN_MATCH, MAX_MATCH + 1):
            sym = LENGTH_SYMBOL[L]
            len_cost[L] = len_sym_cost[sym] + LENGTH_EXTRA[sym]
        b.cost[size] = 0.0
        for j in range(size - 1, -1, -1):
            best = b.cost[j + 1] + lit_cost[data[begin + j]]
            choice = 1 << 16
            prev_len = MIN_MATCH - 1
            mend = b.first[j + 1]
            for m in range(b.first[j], mend):
                match = b.matches[m]
                dcost = dist_cost[dist_symbol(match.offset)]
                for L in range(prev_len + 1, match.length + 1):
                    c = len_cost[L] + dcost + b.cost[j + L]
                    if c < best:
                        best = c
                        choice = (L << 16) | match.offset
                prev_len = match.length
            b.cost[j] = best
            b.choice[j] = choice
        if pass_ == passes - 1:
            break
        # The next pass's model: the code lengths this path would be written with.
        memset(lit_freq, 0, sizeof(lit_freq))
        memset(dist_freq, 0, sizeof(dist_freq))
        j = 0
        while j < size:
            L = b.choice[j] >> 16
            if L == 1:
                lit_freq[data[begin + j]] += 1
                j += 1
            else:
                lit_freq[257 + LENGTH_SYMBOL[L]] += 1
                dist_freq[dist_symbol(b.choice[j] & 0xFFFF)] += 1
                j += L
        lit_freq[256] = 1
        limited_code_lengths(lit_freq, 286, 15, lit_len)
        limited_code_lengths(dist_freq, 30, 15, dist_len)
        deepest = 0
        for s in range(286):
            if lit_len[s] > deepest:
                deepest = lit_len[s]
        # A symbol the path did not use may still be worth using: price it just above the longest code.
        _set_costs(lit_len, 256, deepest + 1, lit_cost)
        _set_costs(lit_len + 257, 29, deepest + 1, len_sym_cost)
        deepest = 0
        for s in range(30):
            if dist_len[s] > deepest:
                deepest = dist_len[s]
        for s in range(30):
            dist_cost[s] = (dist_len[s] if dist_len[s] else deepest + 1) + DIST_EXTRA[s]
