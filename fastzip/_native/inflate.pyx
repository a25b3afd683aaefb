# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Inflate (RFC 1951) as one resumable loop.

:class:`Inflater` decodes raw DEFLATE data from whatever input it is given into an output
buffer whose first ``out_pos`` bytes are history (the sliding window, or everything so far).
It stops when the final block ends, when the output is full, or when the input runs out,
and can be called again with more of either: the same kernel serves one-shot decompression
and bounded-memory streaming. :func:`inflate_plain` (:func:`inflate_plain_into`: into the
caller's buffer) decodes a small message whose framing is the plainest (one member, bare
header, right trailer) in a single call, or hands it back.

Reading past the input. The bit buffer is refilled to 56-63 bits before every symbol,
enough for a whole length/distance pair (15 + 5 + 15 + 13 bits). Past the end of the input
it is filled with zero bytes that are counted ("phantom" bytes); once a step has consumed
any phantom bit, everything it decided is void: the state is rolled back to the last symbol
boundary and the caller is told the input ran out. So a truncated stream never yields
output decoded from bits that do not exist, and the loop never reads outside its buffers.

Speed (libdeflate's methods, written anew). Inside a block, while FAST_IN input bytes and
FAST_OUT output bytes remain, refills are branch-free unaligned 8-byte loads; one table
lookup gives a literal, a length or distance with its base and extra-bit count, or a
subtable pointer; the next entry is read ahead of the refill and of the match copy; matches
are copied by whole words (periodic patterns for distances under 8). Tables are built by
doubling, in code order (see build_decode_table); the fixed code's once, for every Inflater.
(Entries holding two literals, where both codes fit the primary index, were tried: slower, as
each store's address then waits for a table load; so was extracting extra bits with BZHI.)
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove, memset
from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, _PyBytes_Resize
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF, Py_XDECREF

from .checksums cimport adler32_update, crc32_update
from .deflate_format cimport (CODELEN_ORDER, DIST_BASE, DIST_EXTRA, FRAMING_AUTO, FRAMING_GZIP, FRAMING_RAW,
                             FRAMING_ZLIB, LENGTH_BASE, LENGTH_EXTRA, fixed_length, top_bit)
from .prefix_codes cimport (MAX_CODE_BITS, TABLE_OVERSUBSCRIBED, TABLE_TOO_SMALL, build_table, count_lengths, fill_every,
                           lookup, table_primary_bits)

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define FZ_RARELY(x) __builtin_expect(!!(x), 0)
    #else
    #define FZ_RARELY(x) (x)
    #endif
    #if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    static int fz_cpu_has_bmi2(void) { __builtin_cpu_init(); return __builtin_cpu_supports("bmi2"); }
    #else
    static int fz_cpu_has_bmi2(void) { return 0; }
    #endif
    #if defined(__linux__)
    #include <sys/mman.h>
    #endif
    #include <stdint.h>
    /* Ask for 2 MiB pages over the whole 2 MiB pages inside [p, p + n), where the kernel
       grants them on request (transparent huge pages in "madvise" mode); advice only. */
    static void fz_advise_huge_pages(void* p, size_t n) {
    #if defined(__linux__) && defined(MADV_HUGEPAGE)
        const uintptr_t huge = (uintptr_t)1 << 21;
        uintptr_t first = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t end = ((uintptr_t)p + n) & ~(huge - 1);
        if (end > first) madvise((void*)first, end - first, MADV_HUGEPAGE);
    #else
        (void)p; (void)n;
    #endif
    }
    """
    bint rarely "FZ_RARELY"(bint) nogil
    int fz_cpu_has_bmi2() nogil
    void advise_huge_pages "fz_advise_huge_pages"(void*, size_t) nogil

# Whether this CPU runs BMI2 (shifts by a register without the CL register, bit-field
# extraction): the build compiles this module a second time with them, as inflate_bmi2,
# which deflate.engine picks where they run (5-8 % faster here).
BMI2_RUNS_HERE = bool(fz_cpu_has_bmi2())

cdef enum:
    WINDOW_BYTES = 32768  # how far back matches reach: a sliding window keeps this much history

# Results of Inflater.inflate: > 0 progress states, < 0 errors (see ERRORS).
cdef enum:
    DONE = 1
    NEED_INPUT = 2
    NEED_OUTPUT = 3
    E_BLOCK_TYPE = -1
    E_STORED_LENGTH = -2
    E_OVERSUBSCRIBED = -3
    E_INCOMPLETE = -4
    E_INVALID_CODE = -5
    E_DISTANCE_TOO_FAR = -6
    E_TRUNCATED = -7
    E_LITLEN_SYMBOL = -8
    E_DISTANCE_SYMBOL = -9
    E_NO_END_OF_BLOCK = -10
    E_REPEAT_NO_PREVIOUS = -11
    E_REPEAT_OVERFLOW = -12
    E_TOO_MANY_SYMBOLS = -13

STATUS_DONE, STATUS_NEED_INPUT, STATUS_NEED_OUTPUT = DONE, NEED_INPUT, NEED_OUTPUT

# What an Inflater sums its output with (see Inflater.checksum).
cdef enum:
    NO_CHECKSUM = 0
    ADLER32 = 1
    CRC32 = 2
CHECKSUMS = {None: NO_CHECKSUM, "adler32": ADLER32, "crc32": CRC32}
ERRORS = {
    E_BLOCK_TYPE: "invalid block type 3",
    E_STORED_LENGTH: "stored block length does not match its complement (LEN/NLEN)",
    E_OVERSUBSCRIBED: "over-subscribed Huffman code lengths",
    E_INCOMPLETE: "incomplete Huffman code lengths",
    E_INVALID_CODE: "bit pattern that is no code of the block's Huffman code",
    E_DISTANCE_TOO_FAR: "distance reaches back before the start of the output",
    E_TRUNCATED: "data ends before the final block does (truncated)",
    E_LITLEN_SYMBOL: "invalid literal/length symbol 286 or 287",
    E_DISTANCE_SYMBOL: "invalid distance symbol 30 or 31",
    E_NO_END_OF_BLOCK: "the literal/length code has no end-of-block symbol",
    E_REPEAT_NO_PREVIOUS: "code length repeat (16) with no previous length",
    E_REPEAT_OVERFLOW: "code length repeat runs past the number of lengths",
    E_TOO_MANY_SYMBOLS: "too many literal/length or distance codes (HLIT > 286 or HDIST > 30)",
}

cdef enum:
    MODE_HEADER = 0
    MODE_STORED = 1
    MODE_HUFFMAN = 2
    MODE_DONE = 3
    LITLEN_BITS = 11
    DIST_BITS = 8
    LITLEN_TABLE = (1 << 11) + 288 * (1 << 4)
    DIST_TABLE = (1 << 8) + 32 * (1 << 7)
    FAST_OUT = 258 + 48     # output room the fast loop needs: a match and its word overrun
    FAST_IN = 32            # input it needs: up to three 8-byte refills a pass
    SUM_SLICE = 1 << 17     # output decoded between checksum updates: still in cache when summed
    HUGE_PAGES_FROM = 8 << 20   # output buffers this large ask for huge pages
    # Without a size, a result starts at this many times the input. Growing it copies what is
    # written into fresh pages: on text at 4.5:1 a start at 4x cost 40 % more time (2,100 page
    # faults and the copy of 7 MiB); pages of the result never written cost nothing.
    FIRST_GUESS = 8

# Entries of the literal/length and distance tables (``build_decode_table``; indexed by the
# next bits of the stream, as in prefix_codes.pxd), so that one lookup says all the decoder needs:
#   bits 0-7    bits to consume: code plus extra bits (a subtable pointer: the primary bits)
#   bits 8-11   the code's own length (where the extra bits start; a pointer: the subtable's
#               index width). Subtable entries count only the bits after the primary index.
#   bit 31      LITERAL: bits 16-23 the byte (the sign bit: the hottest test is one instruction)
#   bit 14      EXCEPTION: with SUB a pointer to the subtable starting at bits 16-31; else
#               bits 16-31 are 0 for end-of-block or an error status (negated) to report
#   bits 16-31  otherwise the length or distance base
cdef enum:
    EXCEPTION = 1 << 14
    SUB = 1 << 15
cdef extern from *:
    """#define FZ_INFLATE_LITERAL 0x80000000u"""
    const uint32_t LITERAL "FZ_INFLATE_LITERAL"


cdef uint32_t[288] LITLEN_ENTRY
cdef uint32_t[32] DIST_ENTRY


cdef void symbol_entries() noexcept nogil:
    """Each symbol's decoder entry but for its code's length (``LITLEN_ENTRY``, ``DIST_ENTRY``):
    a code of L bits adds ``L * 0x101`` (bits 8-15 its length, bits 0-7 its bits to consume)."""
    cdef int s
    for s in range(288):
        if s < 256:
            LITLEN_ENTRY[s] = (<uint32_t>s << 16) | LITERAL
        elif s == 256:
            LITLEN_ENTRY[s] = EXCEPTION
        elif s <= 285:
            LITLEN_ENTRY[s] = (<uint32_t>LENGTH_BASE[s - 257] << 16) | LENGTH_EXTRA[s - 257]
        else:
            LITLEN_ENTRY[s] = (<uint32_t>(-E_LITLEN_SYMBOL) << 16) | EXCEPTION
    for s in range(32):
        if s < 30:
            DIST_ENTRY[s] = (<uint32_t>DIST_BASE[s] << 16) | DIST_EXTRA[s]
        else:
            DIST_ENTRY[s] = (<uint32_t>(-E_DISTANCE_SYMBOL) << 16) | EXCEPTION


symbol_entries()


cdef inline uint32_t next_reversed(uint32_t rcode, uint32_t L) noexcept nogil:
    """The code after ``rcode`` among codes of L bits, both bit-reversed (as the table indexes
    them): the leading ones clear and the highest zero below them is set. The last code of L
    bits (all ones) has no successor; what it returns then is not used."""
    cdef uint32_t top = top_bit((rcode ^ ((1u << L) - 1)) | 1u)
    return (rcode & ((1u << top) - 1)) | (1u << top)


cdef int build_decode_table(const uint8_t* lengths, int n, bint litlen, int pb, uint32_t* table,
                            int capacity) noexcept nogil:
    """Fill ``table`` with the decoder's entries for the canonical code of ``lengths``; returns
    the entries used or a TABLE_* error.

    Symbols are taken in code order (a counting sort by length), their codes counted up
    bit-reversed, as the table is indexed. The primary index is always ``pb`` bits (short
    codes repeat), so the decoder's mask is a constant; it is built by doubling: once the
    first ``2**L`` entries hold every code of up to L bits, copying them to the next ``2**L``
    repeats those codes as a table of L + 1 bits needs, and each code of L + 1 bits then takes
    the one entry left for it. So the work is block copies plus one store per code, not one
    store per entry (a block's tables are rebuilt every few thousand symbols). Longer codes go
    to subtables of one width; codes sharing a prefix are adjacent in code order, so each
    subtable is filled while its prefix lasts. Over-subscribed codes are refused, and so are
    incomplete ones except the empty code and a lone code of length 1 (RFC 1951 allows both for
    distances; zlib takes them for either code): the bit patterns they leave keep the
    invalid-code entry the table starts from.
    """
    cdef const uint32_t* part = &DIST_ENTRY[0]
    cdef uint16_t[288] order
    cdef uint32_t[MAX_CODE_BITS + 2] count
    cdef uint32_t[MAX_CODE_BITS + 2] start
    cdef int s, L, i = 0, max_len, sub_bits, prefix = -1
    cdef uint32_t rcode = 0, k, primary, used, base = 0, size
    if litlen:
        part = &LITLEN_ENTRY[0]
    max_len = count_lengths(lengths, n, count, True)
    if max_len < 0:
        return max_len
    primary = 1u << pb
    sub_bits = max_len - pb if max_len > pb else 0
    if <int>primary > capacity:
        return TABLE_TOO_SMALL
    start[1] = 0
    for L in range(1, MAX_CODE_BITS + 1):
        start[L + 1] = start[L] + count[L]
    for s in range(n):
        if lengths[s]:
            order[start[lengths[s]]] = <uint16_t>s
            start[lengths[s]] += 1
    table[0] = table[1] = (<uint32_t>(-E_INVALID_CODE) << 16) | EXCEPTION
    # (A code one bit longer continues from the same reversed value: its new bit, a zero, is
    # the top one.)
    for L in range(1, pb + 1):
        size = 1u << L
        if L > 1:
            memcpy(table + size // 2, table, (size // 2) * sizeof(uint32_t))
        for k in range(count[L]):
            table[rcode] = part[order[i]] + <uint32_t>L * 0x101u
            rcode = next_reversed(rcode, L)
            i += 1
    used = primary
    for L in range(pb + 1, max_len + 1):
        for k in range(count[L]):
            s = order[i]
            i += 1
            if <int>(rcode & (primary - 1)) != prefix:
                prefix = rcode & (primary - 1)
                if used + (1u << sub_bits) > <uint32_t>capacity:
                    return TABLE_TOO_SMALL
                base = used
                table[prefix] = (base << 16) | EXCEPTION | SUB | (<uint32_t>sub_bits << 8) | <uint32_t>pb
                used += 1u << sub_bits
            # Past the primary index, whose bits the pointer consumes.
            fill_every(table + base, rcode >> pb, 1u << sub_bits, 1u << (L - pb),
                       part[s] + <uint32_t>(L - pb) * 0x101u)
            rcode = next_reversed(rcode, L)
    return <int>used


cdef uint32_t[LITLEN_TABLE] FIXED_LIT
cdef uint32_t[DIST_TABLE] FIXED_DIST


cdef void fixed_tables() noexcept nogil:
    """The fixed code's tables (RFC 1951 3.2.6), built once: every Inflater reads them."""
    cdef uint8_t[320] lengths
    cdef int i
    # The distance code is built with all 32 five-bit patterns: codes 30 and 31 are then caught
    # as invalid symbols, as RFC 1951 says.
    for i in range(320):
        lengths[i] = fixed_length(i)
    build_decode_table(lengths, 288, True, LITLEN_BITS, FIXED_LIT, LITLEN_TABLE)
    build_decode_table(lengths + 288, 32, False, DIST_BITS, FIXED_DIST, DIST_TABLE)


fixed_tables()


cdef inline uint32_t extra_value(uint32_t entry, uint64_t bits) noexcept nogil:
    """Base plus the extra bits that follow the code, read from ``bits`` before consuming
    (bits 12-15 of a length or distance entry are clear: bits 8-15 are the code's length)."""
    return (entry >> 16) + <uint32_t>((bits & ((1ull << <uint8_t>entry) - 1)) >> <uint8_t>(entry >> 8))


cdef struct Bits:
    uint64_t buf
    uint32_t nbits       # valid bits in buf
    uint32_t phantom     # zero bytes appended past the end of the input, still in buf
    Py_ssize_t pos       # next input byte


cdef inline void refill(Bits* b, const uint8_t* src, Py_ssize_t n) noexcept nogil:
    """Bring b.nbits to 56-63 (never 64: the fast loop shifts by it modulo 64)."""
    cdef uint64_t word
    if b.pos + 8 <= n and b.phantom == 0:
        memcpy(&word, src + b.pos, 8)
        b.buf |= word << b.nbits
        b.pos += (63 - b.nbits) >> 3
        b.nbits |= 56
        return
    while b.nbits < 56:
        if b.pos < n:
            b.buf |= (<uint64_t>src[b.pos]) << b.nbits
            b.pos += 1
        else:
            b.phantom += 1
        b.nbits += 8


cdef inline uint32_t take(Bits* b, uint32_t n) noexcept nogil:
    cdef uint32_t v = <uint32_t>(b.buf & ((1ull << n) - 1))
    b.buf >>= n
    b.nbits -= n
    return v


cdef inline bint overran(Bits* b) noexcept nogil:
    """Whether any bit consumed so far was a phantom one."""
    return b.nbits < 8 * b.phantom


cdef inline void normalize(Bits* b) noexcept nogil:
    """Give whole unread bytes back to the input, so that ``pos`` is where reading resumes.

    Only for a state that has not overrun: every step checks ``overran`` before it commits.
    """
    cdef uint32_t real_bytes = (b.nbits >> 3) - b.phantom
    b.pos -= real_bytes
    b.nbits &= 7
    b.buf &= (1ull << b.nbits) - 1
    b.phantom = 0


cdef inline uint32_t sub_entry(const uint32_t* table, uint32_t pointer, uint64_t bits) noexcept nogil:
    """The entry a subtable ``pointer`` leads to, for ``bits`` after the primary index."""
    return table[(pointer >> 16) + (bits & ((1u << ((pointer >> 8) & 0xF)) - 1))]


cdef inline uint32_t resolve(const uint32_t* table, Bits* b, int primary_bits) noexcept nogil:
    """The entry for the code at the low end of the bit buffer; through a subtable, whose
    pointer's bits (the primary index) it consumes."""
    cdef uint32_t entry = table[b.buf & ((1u << primary_bits) - 1)]
    if entry & SUB:
        b.buf >>= primary_bits
        b.nbits -= primary_bits
        entry = sub_entry(table, entry, b.buf)
    return entry


cdef inline void copy_match(uint8_t* dst, uint32_t dist, uint32_t length, Py_ssize_t room) noexcept nogil:
    """Copy ``length`` bytes from ``dist`` back (the source may overlap the destination);
    ``room`` bytes are writable at ``dst``."""
    cdef const uint8_t* from_ = dst - dist
    cdef uint64_t chunk
    cdef uint32_t k
    if (dist >= 8 or length <= dist) and room >= length + 8:
        # No chunk reads what it writes; 8-byte chunks may write up to 7 bytes past the match.
        k = 0
        while k < length:
            memcpy(&chunk, from_ + k, 8)
            memcpy(dst + k, &chunk, 8)
            k += 8
    elif dist == 1:
        memset(dst, from_[0], length)
    else:
        for k in range(length):
            dst[k] = from_[k]


cdef inline const uint8_t* refill_word(const uint8_t* ip, uint64_t* buf, uint32_t* nbits) noexcept nogil:
    """The fast loop's refill: one unaligned 8-byte load, whole bytes taken until 56-63 bits are
    held; ``nbits`` is only right in its low byte (entries are subtracted whole)."""
    cdef uint64_t word
    cdef uint32_t held = nbits[0] & 63
    memcpy(&word, ip, 8)
    buf[0] |= word << held
    nbits[0] |= 56
    return ip + ((63 - held) >> 3)


cdef inline void consume(uint32_t entry, uint64_t* buf, uint32_t* nbits, uint64_t* saved) noexcept nogil:
    """Consume an entry's bits, keeping the bits as they were in ``saved`` (where a length's or
    distance's extra bits are read from)."""
    saved[0] = buf[0]
    buf[0] >>= <uint8_t>entry
    nbits[0] -= entry


cdef inline uint32_t take_entry(const uint32_t* table, uint64_t mask, uint64_t* buf, uint32_t* nbits,
                               uint64_t* saved) noexcept nogil:
    """Look up the next entry and consume its bits at once."""
    cdef uint32_t entry = table[buf[0] & mask]
    consume(entry, buf, nbits, saved)
    return entry


cdef inline uint8_t* put_literal(uint8_t* op, uint32_t entry) noexcept nogil:
    """Store a literal entry's byte; where the next one goes."""
    op[0] = <uint8_t>(entry >> 16)
    return op + 1


cdef inline void copy_match_fast(uint8_t* dst, uint32_t dist, uint32_t length) noexcept nogil:
    """The fast loop's match copy, by whole words: it may write up to FAST_OUT - 258 bytes past
    the match (the fast loop has the room; later output overwrites them)."""
    cdef const uint8_t* from_ = dst - dist
    cdef uint64_t word
    cdef uint32_t k
    if dist >= 8:
        # No word reads bytes it writes. Five words cover most matches.
        memcpy(&word, from_, 8)
        memcpy(dst, &word, 8)
        memcpy(&word, from_ + 8, 8)
        memcpy(dst + 8, &word, 8)
        memcpy(&word, from_ + 16, 8)
        memcpy(dst + 16, &word, 8)
        memcpy(&word, from_ + 24, 8)
        memcpy(dst + 24, &word, 8)
        memcpy(&word, from_ + 32, 8)
        memcpy(dst + 32, &word, 8)
        k = 40
        while k < length:
            memcpy(&word, from_ + k, 8)
            memcpy(dst + k, &word, 8)
            memcpy(&word, from_ + k + 8, 8)
            memcpy(dst + k + 8, &word, 8)
            k += 16
    elif dist == 1:
        # Runs of one byte, long in sparse arrays and flat image areas: 32 bytes a turn.
        word = from_[0] * 0x0101010101010101ull
        memcpy(dst, &word, 8)
        k = 8
        while k < length:
            memcpy(dst + k, &word, 8)
            memcpy(dst + k + 8, &word, 8)
            memcpy(dst + k + 16, &word, 8)
            memcpy(dst + k + 24, &word, 8)
            k += 32
    else:
        # A period of 2-7 bytes: each word stored is right in its first ``dist`` bytes, which
        # the next word (read ``dist`` further on) repeats; two words a turn.
        memcpy(&word, from_, 8)
        memcpy(dst, &word, 8)
        k = dist
        while k < length:
            memcpy(&word, from_ + k, 8)
            memcpy(dst + k, &word, 8)
            memcpy(&word, from_ + k + dist, 8)
            memcpy(dst + k + dist, &word, 8)
            k += 2 * dist


cdef PyObject* _grown(PyObject* old, Py_ssize_t used, Py_ssize_t size) except NULL:
    """A result of ``size`` bytes holding the first ``used`` of ``old``, which is released. Not
    realloc: it copies into fresh pages of its own, 4 KiB ones (a fault each, 2,000 for 8 MiB:
    they cost more than the copy), where this buffer asks for huge pages (from 8 MiB) before
    the copy."""
    obj = new_output(size)
    cdef PyObject* grown = <PyObject*>obj
    Py_INCREF(obj)
    memcpy(PyBytes_AS_STRING(obj), PyBytes_AS_STRING(<object>old), used)
    Py_XDECREF(old)
    return grown


def new_output(Py_ssize_t size):
    """A bytes object of ``size`` bytes not yet written, for :meth:`Inflater.inflate_into_new` to
    fill before it is handed to anyone (huge pages asked for where it is large)."""
    obj = PyBytes_FromStringAndSize(NULL, size)
    if size >= HUGE_PAGES_FROM:
        advise_huge_pages(PyBytes_AS_STRING(obj), size)
    return obj


cdef class Inflater:
    """State of one raw DEFLATE stream being decoded; feed it with :meth:`inflate`.

    ``Inflater(checksum="adler32" | "crc32")`` also sums all it outputs, a slice at a time
    while the slice is still in cache (a second pass over a large output, after it has left
    the cache, cost 2-3x the sum itself); :attr:`checksum` is the running value.
    """
    cdef Bits bits
    cdef int sum_kind
    cdef uint32_t sum_value
    cdef int mode
    cdef bint final_block
    cdef uint32_t stored_left
    cdef uint32_t copy_left      # of a match the output had no room for, still to copy ...
    cdef uint32_t copy_dist      # ... from this far back (see _decode_symbols)
    cdef const uint32_t* lit     # the tables of the block being decoded: the fixed code's
    cdef const uint32_t* dist    # (FIXED_LIT, FIXED_DIST) or the block's own, built here
    cdef uint32_t* lit_table     # LITLEN_TABLE entries, then DIST_TABLE: malloc'd, not part of the
    cdef uint32_t* dist_table    # object, which Python would zero (44 KiB: a third of a small decode)
    cdef const uint8_t* src      # the input of the call under way (set by _run)
    cdef Py_ssize_t n

    def __cinit__(self, checksum=None):
        if checksum not in CHECKSUMS:
            raise ValueError(f"checksum must be one of {sorted(k for k in CHECKSUMS if k)} or None")
        self.sum_kind = CHECKSUMS[checksum]
        self.sum_value = 1 if self.sum_kind == ADLER32 else 0
        self.mode = MODE_HEADER
        self.lit = &FIXED_LIT[0]
        self.dist = &FIXED_DIST[0]
        memset(&self.bits, 0, sizeof(Bits))
        # Left unset: a table is read only where build_decode_table has written it.
        self.lit_table = <uint32_t*>malloc((LITLEN_TABLE + DIST_TABLE) * sizeof(uint32_t))
        if self.lit_table == NULL:
            raise MemoryError()
        self.dist_table = self.lit_table + LITLEN_TABLE

    def __dealloc__(self):
        free(self.lit_table)

    def copy(self):
        """An Inflater in this one's state, to be fed apart from it (as ``zlib``'s
        ``Decompress.copy``): the same bits held, block, pending match and running checksum,
        and the block's own tables copied (the fixed code's are shared, never written)."""
        cdef Inflater twin = type(self)()
        twin.bits = self.bits
        twin.sum_kind = self.sum_kind
        twin.sum_value = self.sum_value
        twin.mode = self.mode
        twin.final_block = self.final_block
        twin.stored_left = self.stored_left
        twin.copy_left = self.copy_left
        twin.copy_dist = self.copy_dist
        memcpy(twin.lit_table, self.lit_table, (LITLEN_TABLE + DIST_TABLE) * sizeof(uint32_t))
        twin.lit = twin.lit_table if self.lit == self.lit_table else self.lit
        twin.dist = twin.dist_table if self.dist == self.dist_table else self.dist
        return twin

    @property
    def finished(self):
        return self.mode == MODE_DONE

    @property
    def checksum(self):
        """Adler-32 or CRC-32 of everything output so far (None without a checksum)."""
        return self.sum_value if self.sum_kind != NO_CHECKSUM else None

    def inflate(self, const uint8_t[::1] src, bint final_input, uint8_t[::1] out, Py_ssize_t out_pos):
        """Decode from ``src`` into ``out[out_pos:]``; ``out[:out_pos]`` is the history matches may use.

        Returns ``(status, in_used, out_pos)``: status DONE (the final block ended),
        NEED_INPUT (``src`` is used up; call again with the bytes after ``in_used`` and more),
        NEED_OUTPUT (``out`` is full), or a negative error (see ``ERRORS``). With
        ``final_input`` a stream that ends early is the error E_TRUNCATED.
        """
        cdef int status
        cdef Py_ssize_t pos = out_pos
        cdef const uint8_t* sp = &src[0] if src.shape[0] else NULL
        cdef uint8_t* op = &out[0] if out.shape[0] else NULL
        if out_pos < 0 or out_pos > out.shape[0]:
            raise ValueError("out_pos outside the output buffer")
        self.bits.pos = 0
        with nogil:
            status = self._run_summed(sp, src.shape[0], final_input, op, out.shape[0], &pos)
        self.src = NULL
        return status, self.bits.pos, pos

    def inflate_window(self, src, Py_ssize_t start, bint final_input, window, Py_ssize_t pos, Py_ssize_t room=-1):
        """:meth:`inflate` from ``src[start:]`` into a sliding ``window`` (a writable buffer of more
        than 32 KiB + 258 bytes) at ``pos``, making at most ``room`` bytes if ``room`` >= 0.

        Returns ``(status, in_used, pos, piece)``: ``piece`` a new bytes object of what was
        made. Once fewer than 258 bytes are left after ``pos`` (past the first 32 KiB), the
        last 32 KiB move to the window's front, the history of what follows, and ``pos`` is
        where they end. One call per step of a fed decoder: the buffers are taken with no
        typed-memoryview set-up (a few hundred bytes fed at a time spent a third of their time
        in the Python steps around the kernel).
        """
        cdef Py_buffer sv, wv
        cdef int status
        cdef Py_ssize_t cap, new_pos = pos
        cdef uint8_t* op
        PyObject_GetBuffer(src, &sv, PyBUF_SIMPLE)
        try:
            PyObject_GetBuffer(window, &wv, PyBUF_SIMPLE | PyBUF_WRITABLE)
            try:
                if not 0 <= start <= sv.len:
                    raise ValueError("start outside the input")
                if wv.len <= WINDOW_BYTES + 258 or not 0 <= pos <= wv.len:
                    raise ValueError("pos outside the window, or the window too small")
                cap = wv.len if room < 0 or room >= wv.len - pos else pos + room
                op = <uint8_t*>wv.buf
                self.bits.pos = 0
                with nogil:
                    status = self._run_summed(<const uint8_t*>sv.buf + start, sv.len - start, final_input, op, cap,
                                              &new_pos)
                self.src = NULL
                piece = PyBytes_FromStringAndSize(<char*>op + pos, new_pos - pos)
                if new_pos > WINDOW_BYTES and wv.len - new_pos < 258:
                    memmove(op, op + new_pos - WINDOW_BYTES, WINDOW_BYTES)
                    new_pos = WINDOW_BYTES
            finally:
                PyBuffer_Release(&wv)
        finally:
            PyBuffer_Release(&sv)
        return status, self.bits.pos, new_pos, piece

    def inflate_into_new(self, const uint8_t[::1] src, bint final_input, bytes out, Py_ssize_t start,
                         Py_ssize_t stop):
        """:meth:`inflate` into ``out[start:stop]``, with no history, where ``out`` is a bytes object
        from :func:`new_output` that is still being filled (pieces of one output decoded on
        several threads write straight into the bytes they return, with no copy)."""
        cdef int status
        cdef Py_ssize_t pos = 0
        cdef const uint8_t* sp = &src[0] if src.shape[0] else NULL
        cdef uint8_t* op
        if not 0 <= start <= stop <= len(out):
            raise ValueError("start:stop outside the output")
        op = <uint8_t*>PyBytes_AS_STRING(out) + start
        self.bits.pos = 0
        with nogil:
            status = self._run_summed(sp, src.shape[0], final_input, op, stop - start, &pos)
        self.src = NULL
        return status, self.bits.pos, pos

    def inflate_to_bytes(self, const uint8_t[::1] src, Py_ssize_t limit, Py_ssize_t size_hint=0):
        """Decode a whole stream from ``src`` (all of the input) into a new bytes object.

        Decodes straight into the result, which starts at ``size_hint`` bytes (a gzip
        trailer's ISIZE, say) or FIRST_GUESS (8) times the input, and when full grows to what
        the ratio so far predicts (at least by a quarter); it is cut to size at the end. Where
        the result is 8 MiB or more its pages are asked to be huge ones (Linux). Returns
        ``(status, in_used, data)``: status DONE, NEED_OUTPUT if ``limit`` bytes were not
        enough, or a negative error; ``data`` holds what was decoded.
        """
        cdef Py_ssize_t used = 0
        cdef int status = 0
        out = self._to_bytes(&src[0] if src.shape[0] else NULL, src.shape[0], limit, size_hint, &used, &status)
        return status, used, out

    cdef object _to_bytes(self, const uint8_t* sp, Py_ssize_t n, Py_ssize_t limit, Py_ssize_t size_hint,
                          Py_ssize_t* used, int* status_out):
        """:meth:`inflate_to_bytes` on ``sp[:n]``: the data, with the input used and the status
        stored through the pointers."""
        cdef Py_ssize_t in_pos = 0, pos = 0, grown
        cdef Py_ssize_t cap = size_hint if size_hint > 0 else FIRST_GUESS * n + 64
        cdef PyObject* result
        cdef uint8_t* op
        cdef int status
        if cap > limit:
            cap = limit
        # (Every 4 KiB page of a new buffer costs a fault when first written: for 20 MiB of
        # output ~5 ms, a quarter of the decode; new_output asks for 2 MiB pages: ten faults.)
        obj = new_output(cap)
        result = <PyObject*>obj
        Py_INCREF(obj)
        del obj
        try:
            while True:
                self.bits.pos = 0
                op = <uint8_t*>PyBytes_AS_STRING(<object>result)
                with nogil:
                    status = self._run_summed(sp + in_pos, n - in_pos, True, op, cap, &pos)
                in_pos += self.bits.pos
                if status != NEED_OUTPUT or cap == limit:
                    break
                # Grow to what the ratio so far predicts for the whole input, plus an eighth.
                grown = <Py_ssize_t>(<double>pos * n / (in_pos if in_pos else 1) * 1.125) + 4096
                if grown < cap + cap // 4:
                    grown = cap + cap // 4
                cap = limit if grown > limit else grown
                result = _grown(result, pos, cap)
            _PyBytes_Resize(&result, pos)
        except BaseException:
            Py_XDECREF(result)
            raise
        obj = <object>result
        Py_DECREF(obj)
        used[0] = in_pos
        status_out[0] = status
        return obj

    cdef int _run_summed(self, const uint8_t* src, Py_ssize_t n, bint final_input,
                         uint8_t* out, Py_ssize_t cap, Py_ssize_t* out_pos) noexcept nogil:
        """:meth:`_run`, and with a checksum, in slices of SUM_SLICE output bytes, each summed
        as soon as it is decoded."""
        cdef Py_ssize_t start = out_pos[0], stop
        cdef int status
        if self.sum_kind == NO_CHECKSUM:
            return self._run(src, n, final_input, out, cap, out_pos)
        while True:
            stop = cap if cap - out_pos[0] <= SUM_SLICE else out_pos[0] + SUM_SLICE
            status = self._run(src, n, final_input, out, stop, out_pos)
            if self.sum_kind == ADLER32:
                self.sum_value = adler32_update(self.sum_value, out + start, out_pos[0] - start)
            else:
                self.sum_value = crc32_update(self.sum_value, out + start, out_pos[0] - start)
            start = out_pos[0]
            if status != NEED_OUTPUT or stop == cap:
                return status

    cdef int _stop(self, Bits* saved, bint final_input) noexcept nogil:
        """The input ran out inside a step: roll back to the step's start."""
        self.bits = saved[0]
        normalize(&self.bits)
        return E_TRUNCATED if final_input else NEED_INPUT

    cdef int _fail(self, Bits* saved, int error, bint final_input) noexcept nogil:
        """An error found from phantom bits is really the input running out."""
        if overran(&self.bits):
            return self._stop(saved, final_input)
        return error

    cdef int _run(self, const uint8_t* src, Py_ssize_t n, bint final_input,
                  uint8_t* out, Py_ssize_t cap, Py_ssize_t* out_pos) noexcept nogil:
        cdef Bits saved
        cdef Py_ssize_t pos = out_pos[0], avail
        cdef uint32_t btype, length, nlen, take_n
        cdef int status
        self.src = src  # the header reader refills from here
        self.n = n
        while True:
            if self.mode == MODE_DONE:
                normalize(&self.bits)
                out_pos[0] = pos
                return DONE
            if self.mode == MODE_HEADER:
                saved = self.bits
                refill(&self.bits, src, n)
                self.final_block = take(&self.bits, 1)
                btype = take(&self.bits, 2)
                if btype == 0:
                    take(&self.bits, self.bits.nbits & 7)  # to a byte boundary
                    length = take(&self.bits, 16)
                    nlen = take(&self.bits, 16)
                    if overran(&self.bits):
                        out_pos[0] = pos
                        return self._stop(&saved, final_input)
                    if length != (~nlen & 0xFFFF):
                        return E_STORED_LENGTH
                    normalize(&self.bits)
                    self.stored_left = length
                    self.mode = MODE_STORED
                elif btype == 1:
                    if overran(&self.bits):
                        out_pos[0] = pos
                        return self._stop(&saved, final_input)
                    self.lit = &FIXED_LIT[0]
                    self.dist = &FIXED_DIST[0]
                    self.mode = MODE_HUFFMAN
                elif btype == 2:
                    status = self._read_dynamic_header()
                    if status < 0 or overran(&self.bits):
                        out_pos[0] = pos
                        return self._fail(&saved, status, final_input) if status < 0 else self._stop(&saved, final_input)
                    self.mode = MODE_HUFFMAN
                else:
                    return self._fail(&saved, E_BLOCK_TYPE, final_input)
            if self.mode == MODE_STORED:
                # The bit buffer is empty and byte-aligned here: copy straight from the input.
                while self.stored_left:
                    avail = n - self.bits.pos
                    if avail == 0:
                        out_pos[0] = pos
                        return E_TRUNCATED if final_input else NEED_INPUT
                    if pos == cap:
                        out_pos[0] = pos
                        return NEED_OUTPUT
                    take_n = self.stored_left
                    if take_n > avail:
                        take_n = <uint32_t>avail
                    if take_n > cap - pos:
                        take_n = <uint32_t>(cap - pos)
                    memcpy(out + pos, src + self.bits.pos, take_n)
                    pos += take_n
                    self.bits.pos += take_n
                    self.stored_left -= take_n
                self.mode = MODE_DONE if self.final_block else MODE_HEADER
                continue
            if self.mode == MODE_HUFFMAN:
                status = self._decode_symbols(src, n, final_input, out, cap, &pos)
                if status != 0:
                    out_pos[0] = pos
                    return status
                self.mode = MODE_DONE if self.final_block else MODE_HEADER

    cdef int _decode_symbols(self, const uint8_t* src, Py_ssize_t n, bint final_input,
                             uint8_t* out, Py_ssize_t cap, Py_ssize_t* out_pos) noexcept nogil:
        """Decode one block's symbols; 0 at its end-of-block, else a status to return."""
        cdef Bits saved
        cdef Py_ssize_t pos = out_pos[0]
        cdef uint32_t entry, sym, length = 0, dist, L
        cdef const uint32_t* lit = self.lit
        cdef const uint32_t* dtab = self.dist
        cdef int status
        if self.copy_left:
            status = self._finish_copy(out, cap, &pos)
            if status != 0:
                out_pos[0] = pos
                return status
        while True:
            if self.bits.phantom == 0 and self.bits.pos + FAST_IN <= n and cap - pos >= FAST_OUT:
                status = self._decode_fast(src, n, out, cap, &pos)
                if status != 0:
                    out_pos[0] = pos
                    return 0 if status == 1 else status
                continue  # near the end of the input or output: one symbol the careful way
            saved = self.bits
            refill(&self.bits, src, n)
            entry = resolve(lit, &self.bits, LITLEN_BITS)
            if entry & LITERAL:
                L = entry & 0xFF
                self.bits.buf >>= L
                self.bits.nbits -= L
                if overran(&self.bits):
                    out_pos[0] = pos
                    return self._stop(&saved, final_input)
                if pos == cap:
                    self.bits = saved
                    normalize(&self.bits)
                    out_pos[0] = pos
                    return NEED_OUTPUT
                out[pos] = <uint8_t>(entry >> 16)
                pos += 1
                continue
            L = entry & 0xFF
            if entry & EXCEPTION:
                self.bits.buf >>= L
                self.bits.nbits -= L
                out_pos[0] = pos
                if entry >> 16:
                    return self._fail(&saved, -<int>(entry >> 16), final_input)
                if overran(&self.bits):
                    return self._stop(&saved, final_input)
                return 0  # end of block
            length = extra_value(entry, self.bits.buf)
            self.bits.buf >>= L
            self.bits.nbits -= L
            entry = resolve(dtab, &self.bits, DIST_BITS)
            if entry & EXCEPTION:
                out_pos[0] = pos
                return self._fail(&saved, -<int>(entry >> 16), final_input)
            L = entry & 0xFF
            dist = extra_value(entry, self.bits.buf)
            self.bits.buf >>= L
            self.bits.nbits -= L
            if overran(&self.bits):
                out_pos[0] = pos
                return self._stop(&saved, final_input)
            if dist > pos:
                out_pos[0] = pos
                return E_DISTANCE_TOO_FAR
            if length > cap - pos:
                # Copy what fits and the rest on the next call: a caller bounding each call's
                # output (zlib's max_length) may give less room than one match needs.
                self.copy_left = length
                self.copy_dist = dist
                normalize(&self.bits)
                status = self._finish_copy(out, cap, &pos)
                out_pos[0] = pos
                return status
            copy_match(out + pos, dist, length, cap - pos)
            pos += length

    cdef int _finish_copy(self, uint8_t* out, Py_ssize_t cap, Py_ssize_t* out_pos) noexcept nogil:
        """Copy as much of the split match as fits below ``cap``: 0 once all of it is copied,
        else NEED_OUTPUT (or E_DISTANCE_TOO_FAR if the caller kept less history than it needs)."""
        cdef Py_ssize_t pos = out_pos[0]
        cdef uint32_t take_n = self.copy_left
        if self.copy_dist > pos:
            return E_DISTANCE_TOO_FAR
        if take_n > cap - pos:
            take_n = <uint32_t>(cap - pos)
        copy_match(out + pos, self.copy_dist, take_n, 0)
        out_pos[0] = pos + take_n
        self.copy_left -= take_n
        return NEED_OUTPUT if self.copy_left else 0

    cdef int _decode_fast(self, const uint8_t* src, Py_ssize_t n, uint8_t* out, Py_ssize_t cap,
                          Py_ssize_t* out_pos) noexcept nogil:
        """Decode while FAST_IN input bytes and FAST_OUT output bytes remain: no phantom bits
        and no output check can occur, so nothing needs saving. Returns 0 when that no longer
        holds, 1 at the end of the block, or an error.

        Refills are unaligned 8-byte loads that bring the buffer to 56 bits or more: one
        before up to three literal entries, one before a length (at most 20 bits with its
        extra bits), one after its distance; before the distance only when fewer bits remain
        than it and the next entry's preload may take (32, or 39 through a subtable), as
        libdeflate does (2-3 % faster than refilling there always).
        """
        cdef uint64_t buf = self.bits.buf, saved
        cdef uint32_t nbits = self.bits.nbits, entry, length, dist
        # Pointers, not indices: fewer registers live in the loop.
        cdef const uint8_t* ip = src + self.bits.pos
        cdef const uint8_t* in_end = src + n - FAST_IN
        cdef uint8_t* op = out + out_pos[0]
        cdef uint8_t* out_end = out + cap - FAST_OUT
        cdef const uint32_t* lit = self.lit
        cdef const uint32_t* dtab = self.dist
        cdef int status = 0
        cdef uint64_t lit_mask = (1u << LITLEN_BITS) - 1, dist_mask = (1u << DIST_BITS) - 1
        # As libdeflate does: the next literal/length entry is read ahead, from bits already
        # at hand, so the table load overlaps the refill and the match copy; an entry's bits are
        # consumed as soon as it is read, whatever it turns out to be.
        ip = refill_word(ip, &buf, &nbits)
        entry = lit[buf & lit_mask]
        while ip <= in_end and op <= out_end:
            consume(entry, &buf, &nbits, &saved)
            if entry & LITERAL:
                # Two more literal entries may follow before a refill (libdeflate's count).
                op = put_literal(op, entry)
                entry = take_entry(lit, lit_mask, &buf, &nbits, &saved)
                if entry & LITERAL:
                    op = put_literal(op, entry)
                    entry = take_entry(lit, lit_mask, &buf, &nbits, &saved)
                    if entry & LITERAL:
                        op = put_literal(op, entry)
                        entry = lit[buf & lit_mask]
                        ip = refill_word(ip, &buf, &nbits)
                        continue
            # At most 22 bits of literals and 20 of a length are gone: 14 or more remain.
            if rarely(entry & EXCEPTION):
                if entry & SUB:
                    entry = sub_entry(lit, entry, buf)
                    consume(entry, &buf, &nbits, &saved)
                    if entry & LITERAL:
                        op = put_literal(op, entry)
                        entry = lit[buf & lit_mask]
                        ip = refill_word(ip, &buf, &nbits)
                        continue
                if entry & EXCEPTION:
                    status = -<int>(entry >> 16) if entry >> 16 else 1
                    break
            length = extra_value(entry, saved)
            entry = dtab[buf & dist_mask]
            if rarely(<uint8_t>nbits < DIST_BITS + 13 + LITLEN_BITS):
                ip = refill_word(ip, &buf, &nbits)
            if rarely(entry & EXCEPTION):
                if entry & SUB:
                    if <uint8_t>nbits < 15 + 13 + LITLEN_BITS:
                        ip = refill_word(ip, &buf, &nbits)
                    buf >>= DIST_BITS
                    nbits -= DIST_BITS
                    entry = sub_entry(dtab, entry, buf)
                if entry & EXCEPTION:
                    status = -<int>(entry >> 16)
                    break
            consume(entry, &buf, &nbits, &saved)
            dist = extra_value(entry, saved)
            entry = lit[buf & lit_mask]
            ip = refill_word(ip, &buf, &nbits)
            if rarely(dist > op - out):
                status = E_DISTANCE_TOO_FAR
                break
            copy_match_fast(op, dist, length)
            op += length
        self.bits.buf = buf
        self.bits.nbits = nbits & 0xFF
        self.bits.pos = ip - src
        out_pos[0] = op - out
        return status

    cdef int _read_dynamic_header(self) noexcept nogil:
        """Read HLIT, HDIST, HCLEN and the code lengths; build both tables. 0 or an error.

        Phantom bits may be read here; the caller checks for overrun afterwards.
        """
        cdef uint8_t[19] cl_lengths
        cdef uint32_t[128] cl_table
        cdef uint8_t[320] lengths
        cdef uint32_t hlit, hdist, hclen, i, total, entry, sym, rep, L, prev
        cdef int used, cl_bits
        refill(&self.bits, self.src, self.n)
        hlit = take(&self.bits, 5) + 257
        hdist = take(&self.bits, 5) + 1
        hclen = take(&self.bits, 4) + 4
        if hlit > 286 or hdist > 30:
            return E_TOO_MANY_SYMBOLS
        memset(cl_lengths, 0, sizeof(cl_lengths))
        for i in range(hclen):
            if self.bits.nbits < 3:
                refill(&self.bits, self.src, self.n)
            cl_lengths[CODELEN_ORDER[i]] = <uint8_t>take(&self.bits, 3)
        cl_bits = table_primary_bits(cl_lengths, 19, 7)
        used = build_table(cl_lengths, 19, 7, cl_table, 128, False)
        if used < 0:
            return E_OVERSUBSCRIBED if used == TABLE_OVERSUBSCRIBED else E_INCOMPLETE
        total = hlit + hdist
        i = 0
        while i < total:
            if self.bits.nbits < 14:
                refill(&self.bits, self.src, self.n)
            entry = lookup(cl_table, self.bits.buf, cl_bits)
            L = entry & 0xFF
            if L == 0:
                return E_INVALID_CODE
            take(&self.bits, L)
            sym = entry >> 16
            if sym < 16:
                lengths[i] = <uint8_t>sym
                i += 1
                continue
            if sym == 16:
                if i == 0:
                    return E_REPEAT_NO_PREVIOUS
                prev = lengths[i - 1]
                rep = 3 + take(&self.bits, 2)
            elif sym == 17:
                prev = 0
                rep = 3 + take(&self.bits, 3)
            else:
                prev = 0
                rep = 11 + take(&self.bits, 7)
            if i + rep > total:
                return E_REPEAT_OVERFLOW
            memset(lengths + i, prev, rep)
            i += rep
        if lengths[256] == 0:
            return E_NO_END_OF_BLOCK
        used = build_decode_table(lengths, hlit, True, LITLEN_BITS, self.lit_table, LITLEN_TABLE)
        if used < 0:
            return E_OVERSUBSCRIBED if used == TABLE_OVERSUBSCRIBED else E_INCOMPLETE
        used = build_decode_table(lengths + hlit, hdist, False, DIST_BITS, self.dist_table, DIST_TABLE)
        if used < 0:
            return E_OVERSUBSCRIBED if used == TABLE_OVERSUBSCRIBED else E_INCOMPLETE
        self.lit = self.lit_table
        self.dist = self.dist_table
        return 0


# The framings' names by their codes (deflate_format's FRAMING_*; deflate.framing's names), and
# what inflate_plain answers for data it leaves to the general path.
FRAMINGS = ("raw", "zlib", "gzip", "auto")
NOT_PLAIN = 0
# DEFLATE cannot expand by more than 1032:1 (a 258-byte match per two bits, at best).
MAX_RATIO = 1032


cdef inline uint32_t _be32(const uint8_t* p) noexcept nogil:
    return (<uint32_t>p[0] << 24) | (<uint32_t>p[1] << 16) | (<uint32_t>p[2] << 8) | p[3]


cdef inline uint32_t _le32(const uint8_t* p) noexcept nogil:
    return (<uint32_t>p[3] << 24) | (<uint32_t>p[2] << 16) | (<uint32_t>p[1] << 8) | p[0]


cdef Py_ssize_t _plain_head(const uint8_t* p, Py_ssize_t n, int* framing) except -2:
    """The size of the bare header ``p[:n]`` opens with in ``framing`` (told apart first when
    it is FRAMING_AUTO, as deflate.framing.sniff_format does, and set to the one found); -1
    when the header is not a bare one."""
    if not FRAMING_RAW <= framing[0] <= FRAMING_AUTO:
        raise ValueError("framing must index FRAMINGS")
    if framing[0] == FRAMING_AUTO:
        if n >= 2 and p[0] == 0x1F and p[1] == 0x8B:
            framing[0] = FRAMING_GZIP
        elif n >= 2 and p[0] & 0x0F == 8 and p[0] >> 4 <= 7 and ((<uint32_t>p[0] << 8) | p[1]) % 31 == 0:
            framing[0] = FRAMING_ZLIB
        else:
            framing[0] = FRAMING_RAW
    if framing[0] == FRAMING_ZLIB:
        return 2 if n >= 2 and p[0] == 0x78 and not p[1] & 0x20 and ((<uint32_t>0x7800) | p[1]) % 31 == 0 else -1
    if framing[0] == FRAMING_GZIP:
        return 10 if n >= 10 and p[0] == 0x1F and p[1] == 0x8B and p[2] == 8 and p[3] == 0 else -1
    return 0


cdef bint _plain_tail(const uint8_t* after, Py_ssize_t rest, int framing, uint32_t checksum,
                      Py_ssize_t size) noexcept:
    """Whether the ``rest`` bytes after the stream are exactly its framing's trailer."""
    if framing == FRAMING_ZLIB:
        return rest == 4 and _be32(after) == checksum
    if framing == FRAMING_GZIP:
        return rest == 8 and _le32(after) == checksum and _le32(after + 4) == <uint32_t>(size & 0xFFFFFFFF)
    return rest == 0


cdef Inflater _plain_inflater(int framing):
    return Inflater("adler32" if framing == FRAMING_ZLIB else ("crc32" if framing == FRAMING_GZIP else None))


def inflate_plain(const uint8_t[::1] data, int framing, Py_ssize_t limit, Py_ssize_t size_hint):
    """Decode ``data`` when it is one plain stream, in one native call: raw, or a zlib or gzip
    member with a bare header (zlib: a 32 KiB window, no dictionary; gzip: no optional field)
    and its trailer right, nothing after it. ``framing`` indexes FRAMINGS ("auto" tells them
    apart as deflate.framing.sniff_format does). For a message of a few hundred bytes the
    framing's steps in Python took as long as the decoding; anything else (another member,
    padding, a wrong trailer, a header with fields) is left to the general path, which reads
    the framing in full and names what is wrong.

    Returns ``(status, data)``: DONE and the bytes; NOT_PLAIN and None; NEED_OUTPUT (over
    ``limit``) or a negative DEFLATE error (the stream itself is bad) and None.
    """
    cdef Py_ssize_t n = data.shape[0], head, used = 0
    cdef const uint8_t* p = &data[0] if n else NULL
    cdef int status = 0
    cdef Inflater inflater
    head = _plain_head(p, n, &framing)
    if head < 0:
        return NOT_PLAIN, None
    if framing == FRAMING_GZIP and size_hint <= 0 and n >= 18:
        size_hint = _le32(p + n - 4)  # ISIZE, if this is the member's trailer
    if size_hint > MAX_RATIO * n + 64:
        size_hint = MAX_RATIO * n + 64
    inflater = _plain_inflater(framing)
    out = inflater._to_bytes(p + head, n - head, limit, size_hint, &used, &status)
    if status != DONE:
        return status, None
    if not _plain_tail(p + head + used, n - head - used, framing, inflater.sum_value, len(out)):
        return NOT_PLAIN, None
    return DONE, out


def inflate_plain_into(const uint8_t[::1] data, int framing, uint8_t[::1] out):
    """:func:`inflate_plain` into ``out`` (its size the limit): ``(status, bytes written)``,
    the status DONE, NOT_PLAIN, NEED_OUTPUT or a DEFLATE error. Whatever the status, ``out``
    may hold bytes decoded before it was known."""
    cdef Py_ssize_t n = data.shape[0], head, pos = 0
    cdef const uint8_t* p = &data[0] if n else NULL
    cdef uint8_t* op = &out[0] if out.shape[0] else NULL
    cdef int status
    cdef Inflater inflater
    head = _plain_head(p, n, &framing)
    if head < 0:
        return NOT_PLAIN, 0
    inflater = _plain_inflater(framing)
    inflater.bits.pos = 0
    with nogil:
        status = inflater._run_summed(p + head, n - head, True, op, out.shape[0], &pos)
    inflater.src = NULL
    if status != DONE:
        return status, pos
    if not _plain_tail(p + head + inflater.bits.pos, n - head - inflater.bits.pos, framing, inflater.sum_value, pos):
        return NOT_PLAIN, pos
    return DONE, pos
