# cython: language_level=3
"""Decode tables for canonical prefix codes, shared by the Huffman codec and inflate.

A table holds ``1 << primary_bits`` primary entries indexed by the next bits of an
LSB-first stream, then one subtable per long-code prefix. An entry is
``symbol << 16 | length``, or ``k << 16 | SUBTABLE | index_bits`` for the k-th subtable,
which starts at ``primary + (k << index_bits)`` (see :func:`lookup`); length 0 marks a bit
pattern that is no code.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memset

cdef enum:
    SUBTABLE = 0x100
    MAX_CODE_BITS = 16
    # build_table's results
    TABLE_OVERSUBSCRIBED = -1
    TABLE_INCOMPLETE = -2
    TABLE_TOO_SMALL = -3


cdef inline uint32_t reverse_bits(uint32_t code, int n) noexcept nogil:
    """The low ``n`` (1-16) bits of ``code`` in reverse order: swaps of halves, bytes,
    nibbles, pairs and bits of a 16-bit word, then a shift (no loop, no branch)."""
    code = ((code >> 8) & 0x00FF) | ((code & 0x00FF) << 8)
    code = ((code >> 4) & 0x0F0F) | ((code & 0x0F0F) << 4)
    code = ((code >> 2) & 0x3333) | ((code & 0x3333) << 2)
    code = ((code >> 1) & 0x5555) | ((code & 0x5555) << 1)
    return (code & 0xFFFF) >> (16 - n)


cdef inline void assign_canonical(const uint8_t* lengths, Py_ssize_t n, uint16_t* codes, bint reverse) noexcept nogil:
    """Canonical codes (RFC 1951 §3.2.2) for ``lengths`` (<= 16): most significant bit first,
    or bit-reversed (``reverse``) for an LSB-first writer; 0 for unused symbols."""
    cdef uint32_t[MAX_CODE_BITS + 2] count
    cdef uint32_t[MAX_CODE_BITS + 2] next_code
    cdef uint32_t code = 0
    cdef Py_ssize_t s
    cdef int bits, L
    memset(count, 0, sizeof(count))
    for s in range(n):
        count[lengths[s]] += 1
    count[0] = 0
    for bits in range(1, MAX_CODE_BITS + 1):
        code = (code + count[bits - 1]) << 1
        next_code[bits] = code
    for s in range(n):
        L = lengths[s]
        if L:
            codes[s] = <uint16_t>(reverse_bits(next_code[L], L) if reverse else next_code[L])
            next_code[L] += 1
        else:
            codes[s] = 0


cdef inline void fill_every(uint32_t* table, uint32_t k, uint32_t end, uint32_t step, uint32_t entry) noexcept nogil:
    """``table[k], table[k + step], ...`` below ``end`` get ``entry``: every index whose low
    bits are one code's (a code of L bits owns every ``1 << L``-th entry)."""
    while k < end:
        table[k] = entry
        k += step


cdef inline int count_lengths(const uint8_t* lengths, int n, uint32_t* count, bint allow_single) noexcept nogil:
    """Count the codes of each length into ``count`` (MAX_CODE_BITS + 2 entries) and check
    the code: the longest length, or TABLE_OVERSUBSCRIBED, or TABLE_INCOMPLETE except for the
    empty code and, with ``allow_single``, a lone code of length 1 (RFC 1951 allows both for
    distances)."""
    cdef int s, L, max_len = 0, used_syms = 0
    cdef long long left = 1
    memset(count, 0, (MAX_CODE_BITS + 2) * sizeof(uint32_t))
    for s in range(n):
        count[lengths[s]] += 1
        if lengths[s] > max_len:
            max_len = lengths[s]
    count[0] = 0
    for L in range(1, MAX_CODE_BITS + 1):
        used_syms += count[L]
        left = (left << 1) - count[L]
        if left < 0:
            return TABLE_OVERSUBSCRIBED
    if left > 0 and used_syms > 0 and not (allow_single and used_syms == 1 and max_len == 1):
        return TABLE_INCOMPLETE
    return max_len


cdef inline int build_table(const uint8_t* lengths, int n, int primary_bits, uint32_t* table,
                            int capacity, bint allow_single) noexcept nogil:
    """Fill ``table`` for the canonical code of ``lengths`` (each <= 16); returns entries used.

    Over-subscribed codes are refused; so are incomplete ones, except the empty code and,
    with ``allow_single``, a lone code of length 1 (RFC 1951 allows both for distances).
    """
    cdef uint32_t[MAX_CODE_BITS + 2] count
    cdef uint32_t[MAX_CODE_BITS + 2] next_code
    cdef int s, L, max_len, sub_bits
    cdef uint32_t code, rcode, k, prefix, base, entry, primary, used
    max_len = count_lengths(lengths, n, count, allow_single)
    if max_len < 0:
        return max_len
    if primary_bits > max_len:
        primary_bits = max_len if max_len > 0 else 1
    primary = 1u << primary_bits
    sub_bits = max_len - primary_bits if max_len > primary_bits else 0
    if <int>primary > capacity:
        return TABLE_TOO_SMALL
    memset(table, 0, primary * sizeof(uint32_t))
    code = 0
    next_code[0] = 0
    for L in range(1, MAX_CODE_BITS + 1):
        code = (code + count[L - 1]) << 1
        next_code[L] = code
    used = primary
    for s in range(n):
        L = lengths[s]
        if L == 0:
            continue
        rcode = reverse_bits(next_code[L], L)
        next_code[L] += 1
        entry = (<uint32_t>s << 16) | <uint32_t>L
        if L <= primary_bits:
            fill_every(table, rcode, primary, 1u << L, entry)
        else:
            prefix = rcode & (primary - 1)
            if table[prefix] == 0:
                if used + (1u << sub_bits) > <uint32_t>capacity:
                    return TABLE_TOO_SMALL
                memset(table + used, 0, (1u << sub_bits) * sizeof(uint32_t))
                table[prefix] = (((used - primary) >> sub_bits) << 16) | SUBTABLE | <uint32_t>sub_bits
                used += 1u << sub_bits
            base = primary + ((table[prefix] >> 16) << sub_bits)
            fill_every(table + base, rcode >> primary_bits, 1u << sub_bits, 1u << (L - primary_bits), entry)
    return <int>used


cdef inline uint32_t lookup(const uint32_t* table, uint64_t bits, int primary_bits) noexcept nogil:
    """The entry for the code at the low end of ``bits`` (which must hold 16 valid bits)."""
    cdef uint32_t entry = table[bits & ((1u << primary_bits) - 1)]
    cdef uint32_t sub_bits
    if entry & SUBTABLE:
        sub_bits = entry & 0xFF
        entry = table[(1u << primary_bits) + ((entry >> 16) << sub_bits)
                      + ((bits >> primary_bits) & ((1u << sub_bits) - 1))]
    return entry


cdef inline int table_primary_bits(const uint8_t* lengths, int n, int primary_bits) noexcept nogil:
    """The primary width build_table actually uses: no wider than the longest code."""
    cdef int s, max_len = 0
    for s in range(n):
        if lengths[s] > max_len:
            max_len = lengths[s]
    if primary_bits > max_len:
        return max_len if max_len > 0 else 1
    return primary_bits
