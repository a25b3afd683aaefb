# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Canonical Huffman kernels: histogram, length-limited code lengths, bit packing, table decoding.

Bit order is DEFLATE's: bytes fill from their least significant bit, codes are stored
bit-reversed so that the next code is always the low bits of the bit buffer.

The encoder keeps a 64-bit buffer and, after every three codes (at most 7 + 3*16 bits),
stores all eight bytes at once and advances by the whole bytes filled; near the end of
the output it falls back to byte stores, so the output needs no slack.

The decoder refills its buffer eight bytes at a time (libdeflate's branch-free refill,
leaving 56 to 63 valid bits), enough for three codes of up to 16 bits between refills.
A code is looked up in a primary table indexed by the next ``primary_bits`` bits; longer
codes go through one subtable. Near the end of the input it reads zeros past the end and
counts them, so that a truncated stream is reported, never over-read.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int64_t
from libc.string cimport memcpy, memset
from libc.stdlib cimport malloc, free, qsort
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING

from .prefix_codes cimport assign_canonical, build_table, lookup

ctypedef fused symbol_t:
    uint8_t
    uint16_t

# Status codes returned by the decoder.
cdef enum:
    _OK = 0
    _INVALID_CODE = -1
    _TRUNCATED = -2
DECODE_OK, DECODE_INVALID_CODE, DECODE_TRUNCATED = _OK, _INVALID_CODE, _TRUNCATED


cdef inline uint64_t load_le64(const uint8_t* p) noexcept nogil:
    cdef uint64_t v
    memcpy(&v, p, 8)  # x86 and ARM64 Linux/macOS/Windows are little-endian
    return v


cdef inline void store_le64(uint8_t* p, uint64_t v) noexcept nogil:
    memcpy(p, &v, 8)


def histogram(const uint8_t[::1] data, uint64_t[::1] counts):
    """Add the byte counts of ``data`` into ``counts`` (length 256)."""
    cdef Py_ssize_t i, n = data.shape[0]
    cdef uint64_t[4][256] c
    if counts.shape[0] < 256:
        raise ValueError("counts must hold 256 entries")
    with nogil:
        memset(c, 0, sizeof(c))
        # Four interleaved tables avoid stalls on runs of the same byte.
        i = 0
        while i + 4 <= n:
            c[0][data[i]] += 1
            c[1][data[i + 1]] += 1
            c[2][data[i + 2]] += 1
            c[3][data[i + 3]] += 1
            i += 4
        while i < n:
            c[0][data[i]] += 1
            i += 1
        for i in range(256):
            counts[i] += c[0][i] + c[1][i] + c[2][i] + c[3][i]


cdef enum:
    SMALL_ALPHABET = 320


cdef struct Leaf:
    uint64_t weight
    uint32_t symbol


cdef int compare_leaves(const void* a, const void* b) noexcept nogil:
    cdef const Leaf* x = <const Leaf*>a
    cdef const Leaf* y = <const Leaf*>b
    if x.weight != y.weight:
        return -1 if x.weight < y.weight else 1
    return -1 if x.symbol < y.symbol else (1 if x.symbol > y.symbol else 0)


cdef void _shell_sort(uint64_t* a, Py_ssize_t n) noexcept nogil:
    """Ascending; inline compares (no callback per compare), few moves for DEFLATE's alphabets."""
    cdef Py_ssize_t[8] gaps = [701, 301, 132, 57, 23, 10, 4, 1]
    cdef Py_ssize_t g, gap, i, j
    cdef uint64_t v
    for g in range(8):
        gap = gaps[g]
        for i in range(gap, n):
            v = a[i]
            j = i
            while j >= gap and a[j - gap] > v:
                a[j] = a[j - gap]
                j -= gap
            a[j] = v


cdef void _sort_leaves(Leaf* leaves, Py_ssize_t used, Py_ssize_t n) noexcept nogil:
    """Leaves (given in symbol order) by weight, then symbol.

    Most weights of a DEFLATE block are below its alphabet's size: a counting sort on
    ``min(weight, n - 1)`` puts those in order at once (stable, so equal weights stay in symbol
    order), and only the last bucket, the heavy ones, is sorted by (weight, symbol) keys inline.
    (Sorting every key took a third of the time of planning a block.)
    Weights too large for the keys, or alphabets over SMALL_ALPHABET, go to qsort."""
    cdef int sym_bits = 1
    cdef Py_ssize_t k, b, heavy_start, heavy
    cdef uint64_t heaviest = 0
    cdef uint64_t[SMALL_ALPHABET] keys
    cdef uint32_t[SMALL_ALPHABET + 1] start
    cdef Leaf[SMALL_ALPHABET] given
    while (<Py_ssize_t>1 << sym_bits) < n:
        sym_bits += 1
    for k in range(used):
        if leaves[k].weight > heaviest:
            heaviest = leaves[k].weight
    if used > SMALL_ALPHABET or n > SMALL_ALPHABET or sym_bits > 32 or heaviest >> (64 - sym_bits):
        qsort(leaves, used, sizeof(Leaf), compare_leaves)
        return
    memset(start, 0, (n + 1) * sizeof(uint32_t))
    for k in range(used):
        b = <Py_ssize_t>leaves[k].weight if leaves[k].weight < <uint64_t>(n - 1) else n - 1
        start[b + 1] += 1
    for b in range(n):
        start[b + 1] += start[b]
    heavy_start = start[n - 1]
    memcpy(given, leaves, used * sizeof(Leaf))
    for k in range(used):
        b = <Py_ssize_t>given[k].weight if given[k].weight < <uint64_t>(n - 1) else n - 1
        leaves[start[b]] = given[k]
        start[b] += 1
    heavy = used - heavy_start
    for k in range(heavy):
        keys[k] = (leaves[heavy_start + k].weight << sym_bits) | leaves[heavy_start + k].symbol
    _shell_sort(keys, heavy)
    for k in range(heavy):
        leaves[heavy_start + k].weight = keys[k] >> sym_bits
        leaves[heavy_start + k].symbol = <uint32_t>(keys[k] & ((<uint64_t>1 << sym_bits) - 1))


cdef int huffman_depths(const uint64_t* weights, Py_ssize_t n, uint32_t* depths) noexcept nogil:
    """Depths of the Huffman tree over ``weights`` (ascending, n >= 2). 0, or -1 out of memory.

    Two queues replace the priority queue: leaves in the given order, internal nodes in
    the order they are made (their weights never decrease). Taking the leaf on equal
    weights reproduces the reference's heap order exactly.
    """
    cdef Py_ssize_t leaf = 0, node = 0, made, k, pick
    cdef Py_ssize_t[2] child
    cdef uint64_t[SMALL_ALPHABET] small_w
    cdef Py_ssize_t[2 * SMALL_ALPHABET] small_parent
    cdef uint32_t[2 * SMALL_ALPHABET] small_depth
    cdef uint64_t* w = small_w
    cdef Py_ssize_t* parent = small_parent
    cdef uint32_t* depth = small_depth
    if n > SMALL_ALPHABET:
        w = <uint64_t*>malloc(n * sizeof(uint64_t))
        parent = <Py_ssize_t*>malloc(2 * n * sizeof(Py_ssize_t))
        depth = <uint32_t*>malloc(2 * n * sizeof(uint32_t))
        if w == NULL or parent == NULL or depth == NULL:
            free(w); free(parent); free(depth)
            return LENGTHS_NO_MEMORY
    # Node ids: leaves 0..n-1, internal nodes n..2n-2 in creation order.
    for made in range(n - 1):
        for k in range(2):
            if leaf < n and (node >= made or weights[leaf] <= w[node]):
                pick = leaf
                leaf += 1
            else:
                pick = n + node
                node += 1
            child[k] = pick
        w[made] = (weights[child[0]] if child[0] < n else w[child[0] - n]) + \
                  (weights[child[1]] if child[1] < n else w[child[1] - n])
        parent[child[0]] = n + made
        parent[child[1]] = n + made
    depth[2 * n - 2] = 0
    for k in range(2 * n - 3, -1, -1):
        depth[k] = depth[parent[k]] + 1
    for k in range(n):
        depths[k] = depth[k]
    if n > SMALL_ALPHABET:
        free(w); free(parent); free(depth)
    return 0


cdef int package_merge(const uint64_t* weights, Py_ssize_t n, int max_length, uint32_t* lengths) noexcept nogil:
    """Optimal lengths of at most ``max_length`` for ``weights`` (ascending, 2 <= n <= 2**max_length).

    Same algorithm and tie rule as the reference: level lists from the deepest up, each the
    merge of the leaves with the packages (adjacent pairs) of the level below, a leaf first
    on equal weight; then walk back from the 2n-2 cheapest items of level 1.
    Returns 0, or -1 out of memory.
    """
    cdef Py_ssize_t cap = 2 * n, level, i, j, k, npack, count, take, leaves_taken, packs_taken
    cdef uint64_t* item_w = <uint64_t*>malloc(max_length * cap * sizeof(uint64_t))
    cdef uint8_t* is_pack = <uint8_t*>malloc(max_length * cap)
    cdef Py_ssize_t* sizes = <Py_ssize_t*>malloc(max_length * sizeof(Py_ssize_t))
    cdef uint64_t* prev
    cdef uint64_t* cur
    cdef uint64_t pw = 0
    if item_w == NULL or is_pack == NULL or sizes == NULL:
        free(item_w); free(is_pack); free(sizes)
        return LENGTHS_NO_MEMORY
    for i in range(n):
        item_w[i] = weights[i]
        is_pack[i] = 0
        lengths[i] = 0
    sizes[0] = n
    for level in range(1, max_length):
        prev = item_w + (level - 1) * cap
        cur = item_w + level * cap
        npack = sizes[level - 1] // 2
        i = 0
        j = 0
        count = 0
        while i < n or j < npack:
            if j < npack:
                pw = prev[2 * j] + prev[2 * j + 1]
            if j == npack or (i < n and weights[i] <= pw):
                cur[count] = weights[i]
                is_pack[level * cap + count] = 0
                i += 1
            else:
                cur[count] = pw
                is_pack[level * cap + count] = 1
                j += 1
            count += 1
        sizes[level] = count
    take = 2 * n - 2
    for level in range(max_length - 1, -1, -1):
        leaves_taken = 0
        packs_taken = 0
        for k in range(take):
            if is_pack[level * cap + k]:
                packs_taken += 1
            else:
                leaves_taken += 1
        for k in range(leaves_taken):
            lengths[k] += 1
        take = 2 * packs_taken
    free(item_w); free(is_pack); free(sizes)
    return 0


cdef int limited_code_lengths(const uint64_t* freqs, Py_ssize_t n, int max_length, uint8_t* lengths) noexcept nogil:
    """Optimal code lengths of at most ``max_length`` (<= 16) bits: the Huffman tree when it
    fits, else package-merge; a lone symbol gets 1. Returns 0, -1 out of memory, -2 if more
    symbols are used than ``2**max_length`` codes can name."""
    cdef Py_ssize_t s, used = 0, k
    cdef Leaf* leaves
    cdef uint64_t* weights
    cdef uint32_t* depths
    cdef uint32_t deepest = 0
    cdef int status = 0
    cdef Leaf[SMALL_ALPHABET] small_leaves
    cdef uint64_t[SMALL_ALPHABET] small_weights
    cdef uint32_t[SMALL_ALPHABET] small_depths
    for s in range(n):
        lengths[s] = 0
        if freqs[s]:
            used += 1
    if used > (1 << max_length):
        return LENGTHS_TOO_MANY_SYMBOLS
    if used <= 1:
        for s in range(n):
            if freqs[s]:
                lengths[s] = 1
        return 0
    if used <= SMALL_ALPHABET:  # DEFLATE's and JPEG's alphabets: no allocation per call
        leaves = small_leaves
        weights = small_weights
        depths = small_depths
    else:
        leaves = <Leaf*>malloc(used * sizeof(Leaf))
        weights = <uint64_t*>malloc(used * sizeof(uint64_t))
        depths = <uint32_t*>malloc(used * sizeof(uint32_t))
        if leaves == NULL or weights == NULL or depths == NULL:
            free(leaves); free(weights); free(depths)
            return LENGTHS_NO_MEMORY
    k = 0
    for s in range(n):
        if freqs[s]:
            leaves[k].weight = freqs[s]
            leaves[k].symbol = <uint32_t>s
            k += 1
    _sort_leaves(leaves, used, n)
    for k in range(used):
        weights[k] = leaves[k].weight
    status = huffman_depths(weights, used, depths)
    if status == 0:
        for k in range(used):
            if depths[k] > deepest:
                deepest = depths[k]
        if deepest > <uint32_t>max_length:
            status = package_merge(weights, used, max_length, depths)
    if status == 0:
        for k in range(used):
            lengths[leaves[k].symbol] = <uint8_t>depths[k]
    if used > SMALL_ALPHABET:
        free(leaves); free(weights); free(depths)
    return status


# For Python callers.
LENGTHS_TOO_MANY = LENGTHS_TOO_MANY_SYMBOLS
OUTPUT_FULL = PACK_OUTPUT_FULL


def code_lengths(const uint64_t[::1] freqs, int max_length, uint8_t[::1] lengths):
    """Fill ``lengths`` (same size as ``freqs``) with optimal codes of at most ``max_length`` bits.

    Returns LENGTHS_OK, or LENGTHS_TOO_MANY_SYMBOLS if more symbols are used than the limit allows.
    """
    cdef int status
    with nogil:
        status = limited_code_lengths(&freqs[0] if freqs.shape[0] else NULL, freqs.shape[0], max_length,
                                      &lengths[0] if lengths.shape[0] else NULL)
    if status == LENGTHS_NO_MEMORY:
        raise MemoryError()
    return status


def canonical_codes(const uint8_t[::1] lengths, uint16_t[::1] codes, bint reverse):
    """Canonical codes (RFC 1951 §3.2.2) for ``lengths`` (<= 16), most significant bit first,
    or bit-reversed over their lengths (``reverse``): what the LSB-first bit writer sends."""
    with nogil:
        assign_canonical(&lengths[0] if lengths.shape[0] else NULL, lengths.shape[0],
                         &codes[0] if codes.shape[0] else NULL, reverse)


cdef Py_ssize_t pack_codes(const symbol_t* src, Py_ssize_t n, const uint16_t* rcodes,
                           const uint8_t* lens, uint8_t* dst, Py_ssize_t cap) noexcept nogil:
    """Write the codes of ``src`` into ``dst``; returns bytes written, or -1 if ``cap`` is short."""
    cdef uint64_t buf = 0
    cdef uint32_t nbits = 0
    cdef Py_ssize_t i = 0, pos = 0
    cdef symbol_t s
    # Fast path: three codes, then an 8-byte store, while 8 bytes of room remain.
    while i + 3 <= n and pos + 8 <= cap:
        s = src[i]
        buf |= (<uint64_t>rcodes[s]) << nbits
        nbits += lens[s]
        s = src[i + 1]
        buf |= (<uint64_t>rcodes[s]) << nbits
        nbits += lens[s]
        s = src[i + 2]
        buf |= (<uint64_t>rcodes[s]) << nbits
        nbits += lens[s]
        i += 3
        store_le64(dst + pos, buf)
        pos += nbits >> 3
        buf >>= nbits & ~7
        nbits &= 7
    while i < n:
        s = src[i]
        buf |= (<uint64_t>rcodes[s]) << nbits
        nbits += lens[s]
        i += 1
        while nbits >= 8:
            if pos >= cap:
                return PACK_OUTPUT_FULL
            dst[pos] = <uint8_t>buf
            pos += 1
            buf >>= 8
            nbits -= 8
    if nbits:
        if pos >= cap:
            return PACK_OUTPUT_FULL
        dst[pos] = <uint8_t>buf
        pos += 1
    return pos


def encode_into(const symbol_t[::1] symbols, const uint16_t[::1] rcodes, const uint8_t[::1] lengths,
                uint8_t[::1] out):
    """Pack the codes of ``symbols`` into ``out``; returns the number of bytes written, PACK_OUTPUT_FULL if ``out`` is short.

    Every symbol must have a non-zero length (the caller checks); lengths are at most 16.
    """
    cdef Py_ssize_t written
    with nogil:
        written = pack_codes(&symbols[0] if symbols.shape[0] else NULL, symbols.shape[0],
                             &rcodes[0], &lengths[0], &out[0] if out.shape[0] else NULL, out.shape[0])
    return written


def encode_framed(const uint8_t[::1] data, const uint16_t[::1] rcodes, const uint8_t[::1] lengths,
                  bytes prefix, bytes suffix, Py_ssize_t payload_size):
    """``prefix + packed codes of data + suffix`` as one new bytes object, built in place.

    ``payload_size`` must be the exact packed size; returns ``None`` if it is not.
    """
    cdef Py_ssize_t np = len(prefix), ns = len(suffix), written
    cdef object result = PyBytes_FromStringAndSize(NULL, np + payload_size + ns)
    cdef uint8_t* dst = <uint8_t*>PyBytes_AS_STRING(result)
    memcpy(dst, <const char*>prefix, np)
    memcpy(dst + np + payload_size, <const char*>suffix, ns)
    with nogil:
        written = pack_codes(&data[0] if data.shape[0] else NULL, data.shape[0],
                             &rcodes[0], &lengths[0], dst + np, payload_size)
    if written != payload_size:
        return None
    return result


def build_decode_table(const uint8_t[::1] lengths, int primary_bits, uint32_t[::1] table):
    """Fill ``table`` for ``lengths`` (see prefix_codes.pxd); returns the entries used, or a
    negative ``TABLE_*`` code for over-subscribed, incomplete or too-large codes."""
    cdef int used
    with nogil:
        used = build_table(&lengths[0], lengths.shape[0], primary_bits, &table[0], table.shape[0], True)
    return used


cdef int unpack_codes(const uint8_t* src, Py_ssize_t srclen, const uint32_t* table,
                      int primary_bits, symbol_t* out, Py_ssize_t count,
                      Py_ssize_t* bits_read) noexcept nogil:
    cdef uint64_t buf = 0
    cdef uint32_t nbits = 0, entry, L
    cdef Py_ssize_t pos = 0, i = 0
    cdef int64_t phantom = 0  # zero bits supplied past the end of the input
    cdef int k
    while i < count:
        if pos + 8 <= srclen:
            buf |= load_le64(src + pos) << nbits
            pos += (63 - nbits) >> 3
            nbits |= 56
        else:
            while nbits <= 56:
                if pos < srclen:
                    buf |= (<uint64_t>src[pos]) << nbits
                    pos += 1
                else:
                    phantom += 8
                nbits += 8
            if phantom > 64:
                bits_read[0] = srclen * 8 + 1
                return _TRUNCATED
        # At least 56 bits are buffered: three codes of at most 16 bits each.
        for k in range(3):
            if i >= count:
                break
            entry = lookup(table, buf, primary_bits)
            L = entry & 0xFF
            if L == 0:
                bits_read[0] = pos * 8 + phantom - nbits
                return _INVALID_CODE
            out[i] = <symbol_t>(entry >> 16)
            buf >>= L
            nbits -= L
            i += 1
    bits_read[0] = pos * 8 + phantom - nbits
    if bits_read[0] > srclen * 8:
        return _TRUNCATED
    return _OK


def decode_into(const uint8_t[::1] data, const uint32_t[::1] table, int primary_bits, symbol_t[::1] out):
    """Decode ``len(out)`` symbols of ``data`` with a table from :func:`build_decode_table`.

    Returns ``(status, bits_read)``: status 0 (ok), -1 (a bit pattern that is no code) or
    -2 (the data ends before the last code does).
    """
    cdef Py_ssize_t bits_read = 0
    cdef int status
    with nogil:
        status = unpack_codes(&data[0] if data.shape[0] else NULL, data.shape[0], &table[0], primary_bits,
                              &out[0] if out.shape[0] else NULL, out.shape[0], &bits_read)
    return status, bits_read


def decode_bytes(const uint8_t[::1] data, const uint32_t[::1] table, int primary_bits, Py_ssize_t count):
    """Like :func:`decode_into` for byte symbols, into a new bytes object: ``(status, bits_read, result)``."""
    cdef Py_ssize_t bits_read = 0
    cdef int status
    cdef object result = PyBytes_FromStringAndSize(NULL, count)
    cdef uint8_t* dst = <uint8_t*>PyBytes_AS_STRING(result)
    with nogil:
        status = unpack_codes(&data[0] if data.shape[0] else NULL, data.shape[0], &table[0], primary_bits,
                              dst, count, &bits_read)
    return status, bits_read, result
