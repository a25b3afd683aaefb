# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""DEFLATE blocks: cost every block type exactly, write the cheapest.

A block is a run of sequences (``Sequence``): some literals, taken in order from the block's
data, then (unless its length is 0) a match; a literal is written where it is read, so runs of
them cost no stored tokens and no branch each between kinds. :func:`plan_block` builds the
block's optimal length-limited Huffman codes (14 bits for literals and lengths, 15 for
distances, 7 for the code-length code), run-length codes the code lengths with symbols
16/17/18, and counts the bits a dynamic, a fixed and a stored block would take.
:func:`estimate_block` guesses the same cost without building a code (entropy, plus a header
as large as the last one), cheaply enough for the caller to weigh many places a block could end.
"""

from libc.math cimport log2
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

from .deflate_format cimport (CODELEN_ORDER, DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA,
                             LENGTH_SYMBOL, fixed_length, init_symbol_tables)
from .bitwriter cimport BitWriter, add_bits, align_to_byte, flush_whole_bytes, put_bits, store_bits
from .huffman cimport limited_code_lengths
from .prefix_codes cimport assign_canonical

cdef extern from *:
    """
    #include <stdint.h>
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline int fz_floor_log2_64(uint64_t x) { unsigned long i; _BitScanReverse64(&i, x | 1); return (int)i; }
    #else
    static inline int fz_floor_log2_64(uint64_t x) { return 63 - __builtin_clzll(x | 1); }
    #endif
    """
    int floor_log2_64 "fz_floor_log2_64"(uint64_t x) nogil

cdef uint8_t[19] CODELEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7]
# RFC 1951 §3.2.6 fixed code: 288 literal/length lengths, then 32 distance lengths, and codes
cdef uint8_t[320] FIXED_LENGTHS
cdef uint16_t[320] FIXED_CODES


cdef enum:
    # Literal/length codes are kept to 14 bits (DEFLATE allows 15): four literals then fit the
    # writer's 64-bit word between stores. (A 15th bit is needed only by symbols rarer than
    # about one in 2**14 of a block: the cost is a few bits per block at most.)
    MAX_LITLEN_BITS = 14

cdef enum:
    XLOGX_TABLE = 4096         # counts below this read x log2 x from a table
    MANTISSA_BITS = 10         # larger counts: log2 from their top bits (error < 0.0015 bits)
    HEADER_BITS_PER_SYMBOL = 4  # a dynamic header's cost, estimated: about 4 bits per symbol used ...
    HEADER_BITS_BASE = 60      # ... plus the fixed fields and the code-length code's lengths
cdef double[XLOGX_TABLE] XLOGX
cdef double[1 << MANTISSA_BITS] LOG2_MANTISSA   # log2(1 + m / 2**MANTISSA_BITS)


cdef void _init_tables():
    cdef int v
    XLOGX[0] = 0.0
    for v in range(1, XLOGX_TABLE):
        XLOGX[v] = v * log2(<double>v)
    for v in range(1 << MANTISSA_BITS):
        LOG2_MANTISSA[v] = log2(1.0 + <double>v / (1 << MANTISSA_BITS))
    init_symbol_tables()
    for v in range(320):
        FIXED_LENGTHS[v] = fixed_length(v)
    assign_canonical(FIXED_LENGTHS, 288, FIXED_CODES, True)
    assign_canonical(FIXED_LENGTHS + 288, 32, FIXED_CODES + 288, True)

_init_tables()


cdef void take_counts(BlockPlan* plan, const uint32_t* lit_freq, const uint32_t* dist_freq,
                      uint64_t nbytes) noexcept nogil:
    """A plan's histograms from symbol counts (plus the end-of-block symbol), and the extra bits they imply."""
    cdef int i
    plan.extra_bits = 0
    plan.nbytes = nbytes
    for i in range(286):
        plan.lit_freq[i] = lit_freq[i]
    for i in range(29):
        plan.extra_bits += plan.lit_freq[257 + i] * LENGTH_EXTRA[i]
    for i in range(30):
        plan.dist_freq[i] = dist_freq[i]
        plan.extra_bits += plan.dist_freq[i] * DIST_EXTRA[i]
    plan.lit_freq[256] = 1
    plan.fixed_bits = _fixed_bits(plan)


cdef void merge_counts(BlockPlan* out, const BlockPlan* a, const BlockPlan* b) noexcept nogil:
    """The counts of blocks a and b written as one block."""
    cdef int i
    for i in range(286):
        out.lit_freq[i] = a.lit_freq[i] + b.lit_freq[i]
    out.lit_freq[256] = 1
    for i in range(30):
        out.dist_freq[i] = a.dist_freq[i] + b.dist_freq[i]
    out.extra_bits = a.extra_bits + b.extra_bits
    out.nbytes = a.nbytes + b.nbytes
    out.fixed_bits = a.fixed_bits + b.fixed_bits - (3 + FIXED_LENGTHS[256])  # one header, one end of block


cdef inline uint64_t _fixed_bits(const BlockPlan* plan) noexcept nogil:
    """The block's bits under the fixed code."""
    cdef uint64_t bits = 3 + plan.extra_bits
    cdef int i
    for i in range(286):
        bits += plan.lit_freq[i] * FIXED_LENGTHS[i]
    for i in range(30):
        bits += plan.dist_freq[i] * 5
    return bits


cdef inline uint64_t _stored_bits(const BlockPlan* plan) noexcept nogil:
    """The block's bits stored: header, up to 7 bits of padding and LEN/NLEN for each 65535 bytes."""
    return plan.nbytes * 8 + (plan.nbytes // 65535 + 1) * (3 + 7 + 32)


cdef inline double _xlogx(uint64_t c) noexcept nogil:
    """c log2 c (0 for 0)."""
    cdef int e
    if c < XLOGX_TABLE:
        return XLOGX[c]
    e = floor_log2_64(c)
    return <double>c * (e + LOG2_MANTISSA[(c >> (e - MANTISSA_BITS)) & ((1 << MANTISSA_BITS) - 1)])


cdef inline double _entropy_bits(const uint64_t* freq, int n) noexcept nogil:
    """The bits an ideal code spends on these counts: N log2 N - sum c log2 c."""
    cdef uint64_t total = 0
    cdef double sum_xlogx = 0.0
    cdef int i
    for i in range(n):
        total += freq[i]
        sum_xlogx += _xlogx(freq[i])
    return _xlogx(total) - sum_xlogx


cdef inline int _used(const uint64_t* freq, int n) noexcept nogil:
    """How many symbols have a count."""
    cdef int i, used = 0
    for i in range(n):
        used += freq[i] != 0
    return used


cdef double estimate_block(const BlockPlan* plan, double header_bits) noexcept nogil:
    """About what plan_block would find, without building a code: the counts' entropy plus a
    header estimated from the symbols used, against the exact fixed and stored costs. Enough
    to decide where blocks end, at a small fraction of a code's cost (it is Huffman's lower
    bound; a code's excess over it is about the same for a block and its parts)."""
    cdef double dyn
    cdef uint64_t fixed, stored
    dyn = _entropy_bits(plan.lit_freq, 286) + _entropy_bits(plan.dist_freq, 30)
    if header_bits <= 0:
        header_bits = HEADER_BITS_BASE + HEADER_BITS_PER_SYMBOL * (_used(plan.lit_freq, 286) + _used(plan.dist_freq, 30))
    dyn += plan.extra_bits + header_bits
    fixed = plan.fixed_bits
    stored = _stored_bits(plan)
    if <double>fixed < dyn:
        dyn = <double>fixed
    if <double>stored < dyn:
        dyn = <double>stored
    return dyn


cdef void _rle(BlockPlan* plan, int sym, int extra, uint64_t* cl_freq) noexcept nogil:
    plan.rle_sym[plan.nrle] = <uint8_t>sym
    plan.rle_extra[plan.nrle] = <uint8_t>extra
    cl_freq[sym] += 1
    plan.nrle += 1


cdef void _run_length_code(BlockPlan* plan, uint64_t* cl_freq) noexcept nogil:
    """Code the hlit + hdist lengths: 17/18 for runs of zeros, 16 to repeat the previous length."""
    cdef int i = 0, total = plan.hlit + plan.hdist, run, j, cur
    plan.nrle = 0
    while i < total:
        cur = plan.lengths[i]
        run = 1
        while i + run < total and plan.lengths[i + run] == cur:
            run += 1
        if cur == 0 and run >= 3:
            while run >= 3:
                j = run if run < 138 else 138
                if j >= 11:
                    _rle(plan, 18, j - 11, cl_freq)
                else:
                    _rle(plan, 17, j - 3, cl_freq)
                i += j
                run -= j
            continue
        if i == 0 or plan.lengths[i - 1] != cur:
            _rle(plan, cur, 0, cl_freq)  # 16 repeats the previous length: send the first as itself
            i += 1
            run -= 1
        while run >= 3:
            j = run if run < 6 else 6
            _rle(plan, 16, j - 3, cl_freq)
            i += j
            run -= j
        while run > 0:
            _rle(plan, cur, 0, cl_freq)
            i += 1
            run -= 1


cdef uint64_t plan_block(BlockPlan* plan) noexcept nogil:
    """Codes and the cost of each block type for counted tokens; returns the cheapest cost in bits."""
    cdef uint64_t[19] cl_freq
    cdef uint8_t[30] dist_len
    cdef uint64_t dyn, fixed, stored
    cdef int i
    limited_code_lengths(plan.lit_freq, 286, MAX_LITLEN_BITS, plan.lengths)
    limited_code_lengths(plan.dist_freq, 30, 15, dist_len)
    plan.hdist = 30
    while plan.hdist > 1 and dist_len[plan.hdist - 1] == 0:
        plan.hdist -= 1
    if plan.hdist == 1 and dist_len[0] == 0:
        dist_len[0] = 1  # no distances at all: one unused code keeps every inflater happy
    plan.hlit = 286
    while plan.hlit > 257 and plan.lengths[plan.hlit - 1] == 0:
        plan.hlit -= 1
    memcpy(plan.lengths + plan.hlit, dist_len, plan.hdist)
    memset(cl_freq, 0, sizeof(cl_freq))
    _run_length_code(plan, cl_freq)
    limited_code_lengths(cl_freq, 19, 7, plan.cl_len)
    plan.hclen = 19
    while plan.hclen > 4 and plan.cl_len[CODELEN_ORDER[plan.hclen - 1]] == 0:
        plan.hclen -= 1

    dyn = 3 + 14 + 3 * plan.hclen
    for i in range(19):
        dyn += cl_freq[i] * (plan.cl_len[i] + CODELEN_EXTRA[i])
    plan.header_bits = dyn
    dyn += plan.extra_bits
    for i in range(plan.hlit):
        dyn += plan.lit_freq[i] * plan.lengths[i]
    for i in range(plan.hdist):
        dyn += plan.dist_freq[i] * plan.lengths[plan.hlit + i]
    fixed = plan.fixed_bits
    stored = _stored_bits(plan)
    plan.bits[BLOCK_DYNAMIC] = dyn
    plan.bits[BLOCK_FIXED] = fixed
    plan.bits[BLOCK_STORED] = stored
    if stored < fixed and stored < dyn:
        plan.kind = BLOCK_STORED
    elif fixed <= dyn:
        plan.kind = BLOCK_FIXED
    else:
        plan.kind = BLOCK_DYNAMIC
    return plan.bits[plan.kind]


cdef void _write_sequences(const Sequence* seqs, Py_ssize_t s0, Py_ssize_t s1, const uint8_t* data,
                           const uint16_t* lit_codes, const uint8_t* lit_lens,
                           const uint16_t* dist_codes, const uint8_t* dist_lens, BitWriter* out) noexcept nogil:
    # Bits stay below 64: four literals (<= 14 bits each) are added to fewer than 8; a match
    # (<= 19 + 28 bits) to fewer than 16; every sequence ends with a store, so the next starts
    # from fewer than 8. The block header may leave up to 31 bits: they are stored before the
    # first literals.
    cdef Py_ssize_t s, pos = 0, run_end, worst = 0
    cdef uint32_t L, sym, d, e0, e1, e2, e3
    cdef uint32_t[30] dist_entry  # each distance symbol's code, and its length above bit 16 (with the extra bits)
    cdef uint32_t[256] lit_entry  # each literal's code, and its length above bit 16
    cdef uint32_t[259] len_code   # each length's code and extra bits, sent as one
    cdef uint8_t[259] len_bits
    # A local copy of the writer: the compiler keeps it in registers (the output bytes it
    # stores could alias a writer reached through a pointer, forcing a reload after each store).
    cdef BitWriter local = out[0]
    cdef BitWriter* w = &local
    for L in range(256):
        lit_entry[L] = lit_codes[L] | (<uint32_t>lit_lens[L] << 16)
    for L in range(3, 259):
        sym = LENGTH_SYMBOL[L]
        len_code[L] = lit_codes[257 + sym] | ((L - LENGTH_BASE[sym]) << lit_lens[257 + sym])
        len_bits[L] = lit_lens[257 + sym] + LENGTH_EXTRA[sym]
    for d in range(30):
        dist_entry[d] = dist_codes[d] | (<uint32_t>(dist_lens[d] + DIST_EXTRA[d]) << 16)
    for s in range(s0, s1):
        worst += 2 * (seqs[s].lits_len & ((1u << SEQ_LEN_SHIFT) - 1)) + 6
    if w.cap - w.pos < worst + 16:
        # Near the end of the buffer: every flush checks the room left.
        _write_sequences_checked(seqs, s0, s1, data, lit_entry, len_code, len_bits, dist_codes, dist_lens, w)
    else:
        store_bits(w)
        for s in range(s0, s1):
            run_end = pos + (seqs[s].lits_len & ((1u << SEQ_LEN_SHIFT) - 1))
            while pos + 4 <= run_end:
                e0 = lit_entry[data[pos]]
                e1 = lit_entry[data[pos + 1]]
                e2 = lit_entry[data[pos + 2]]
                e3 = lit_entry[data[pos + 3]]
                add_bits(w, e0 & 0xFFFF, e0 >> 16)
                add_bits(w, e1 & 0xFFFF, e1 >> 16)
                add_bits(w, e2 & 0xFFFF, e2 >> 16)
                add_bits(w, e3 & 0xFFFF, e3 >> 16)
                store_bits(w)
                pos += 4
            while pos < run_end:
                e0 = lit_entry[data[pos]]
                add_bits(w, e0 & 0xFFFF, e0 >> 16)
                pos += 1
            L = seqs[s].lits_len >> SEQ_LEN_SHIFT
            if L:
                if w.nbits >= 16:
                    store_bits(w)
                add_bits(w, len_code[L], len_bits[L])
                d = seqs[s].dist_sym
                e0 = dist_entry[d]
                add_bits(w, (e0 & 0xFFFF) | ((seqs[s].dist - DIST_BASE[d]) << dist_lens[d]), e0 >> 16)
                pos += L
            # Fewer than 8 bits stay for the next sequence's groups of four literals (a run's last
            # literals, with no match, may have left up to 49).
            store_bits(w)
    put_bits(w, lit_codes[256], lit_lens[256])
    out[0] = local


cdef void _write_sequences_checked(const Sequence* seqs, Py_ssize_t s0, Py_ssize_t s1, const uint8_t* data,
                                   const uint32_t* lit_entry,
                                   const uint32_t* len_code, const uint8_t* len_bits,
                                   const uint16_t* dist_codes, const uint8_t* dist_lens, BitWriter* w) noexcept nogil:
    """The same bits, a token at a time, each flush checking the room left."""
    cdef Py_ssize_t s, pos = 0, run_end
    cdef uint32_t L, d, v, e
    for s in range(s0, s1):
        run_end = pos + (seqs[s].lits_len & ((1u << SEQ_LEN_SHIFT) - 1))
        while pos < run_end:
            e = lit_entry[data[pos]]
            put_bits(w, e & 0xFFFF, e >> 16)
            pos += 1
        L = seqs[s].lits_len >> SEQ_LEN_SHIFT
        if L:
            put_bits(w, len_code[L], len_bits[L])
            v = seqs[s].dist
            d = seqs[s].dist_sym
            put_bits(w, dist_codes[d] | ((v - DIST_BASE[d]) << dist_lens[d]), dist_lens[d] + DIST_EXTRA[d])
            pos += L


cdef void write_stored(const uint8_t* data, Py_ssize_t size, bint final, BitWriter* w) noexcept nogil:
    """Stored blocks of at most 65535 bytes for data[:size] (one empty block if size is 0)."""
    cdef Py_ssize_t p = 0, n
    while True:
        n = size - p if size - p < 65535 else 65535
        put_bits(w, 1 if (final and p + n == size) else 0, 3)
        align_to_byte(w)
        put_bits(w, <uint32_t>n | ((<uint32_t>(~n) & 0xFFFF) << 16), 32)
        flush_whole_bytes(w)
        if w.pos + n > w.cap:
            w.overflow = True
            return
        memcpy(w.out + w.pos, data + p, n)
        w.pos += n
        p += n
        if p >= size:
            return


cdef void write_empty_final(BitWriter* w) noexcept nogil:
    """A last block with nothing in it: fixed codes and only its end-of-block code, 10 bits (as
    zlib ends a stream with nothing left to code; an empty stored block takes 5 bytes)."""
    put_bits(w, 1 | (BLOCK_FIXED << 1), 3)
    put_bits(w, 0, FIXED_LENGTHS[256])  # the fixed code of 256 is all zero bits


cdef void write_block(const BlockPlan* plan, const Sequence* seqs, Py_ssize_t s0, Py_ssize_t s1, const uint8_t* data,
                      bint final, BitWriter* w) noexcept nogil:
    """Write sequences [s0, s1), which cover data[:plan.nbytes], as the block type the plan chose."""
    cdef uint16_t[316] codes
    cdef uint16_t[19] cl_codes
    cdef int i, sym
    if plan.kind == BLOCK_STORED:
        write_stored(data, plan.nbytes, final, w)
        return
    if plan.kind == BLOCK_FIXED:
        put_bits(w, (1 if final else 0) | (1 << 1), 3)
        _write_sequences(seqs, s0, s1, data, FIXED_CODES, FIXED_LENGTHS, FIXED_CODES + 288, FIXED_LENGTHS + 288, w)
        return
    put_bits(w, (1 if final else 0) | (2 << 1), 3)
    put_bits(w, plan.hlit - 257, 5)
    put_bits(w, plan.hdist - 1, 5)
    put_bits(w, plan.hclen - 4, 4)
    for i in range(plan.hclen):
        put_bits(w, plan.cl_len[CODELEN_ORDER[i]], 3)
    assign_canonical(plan.cl_len, 19, cl_codes, True)
    for i in range(plan.nrle):
        sym = plan.rle_sym[i]
        put_bits(w, cl_codes[sym] | (<uint32_t>plan.rle_extra[i] << plan.cl_len[sym]),
                 plan.cl_len[sym] + CODELEN_EXTRA[sym])
    assign_canonical(plan.lengths, plan.hlit, codes, True)
    assign_canonical(plan.lengths + plan.hlit, plan.hdist, codes + plan.hlit, True)
    _write_sequences(seqs, s0, s1, data, codes, plan.lengths, codes + plan.hlit, plan.lengths + plan.hlit, w)
