# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Inflate (RFC 1951) as one resumable loop.

:class:`Inflater` decodes raw DEFLATE data from whatever input it is given into an output
buffer whose first ``out_pos`` bytes are history (the sliding window, or everything so far).
It stops when the final block ends, when the output is full, or when the input runs out,
and can be called again with more of either: the same kernel serves one-shot decompression
and bounded-memory streaming.

Reading past the input. The bit buffer is refilled to at least 57 bits before every symbol,
enough for a whole length/distance pair (15 + 5 + 15 + 13 bits). Past the end of the input
it is filled with zero bytes that are counted ("phantom" bytes); once a step has consumed
any phantom bit, everything it decided is void: the state is rolled back to the last symbol
boundary and the caller is told the input ran out. So a truncated stream never yields
output decoded from bits that do not exist, and the loop never reads outside its buffers.

Speed. Inside a block, while 8 input bytes and 258 + 8 output bytes remain, refills are
single unaligned 8-byte loads and matches are copied 8 bytes at a time.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int64_t
from libc.string cimport memcpy, memmove, memset
from libc.stdlib cimport malloc, free
from cpython.bytes cimport PyBytes_FromStringAndSize

from .deflate_format cimport CODELEN_ORDER, DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA
from .prefix_codes cimport build_table, lookup, table_primary_bits, SUBTABLE, TABLE_OVERSUBSCRIBED

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
    FAST_OUT = 258 + 8
    WINDOW = 32768
    PIECE = 1 << 20          # output decoded between bulk copies by inflate_to_bytes

# Entries of the literal/length and distance tables, rewritten after build_table (see
# prefix_codes.pxd) so that the decoder needs no second lookup: bits 0-7 the code length,
# bit 8 SUBTABLE (pointer entries, left alone), bits 9-10 the kind, bits 12-15 the number of
# extra bits, bits 16-31 the literal byte or the length or distance base.
cdef enum:
    KIND_MASK = 3 << 9
    KIND_LITERAL = 0 << 9     # literal, or a valid distance
    KIND_LENGTH = 1 << 9
    KIND_END = 2 << 9
    KIND_INVALID = 3 << 9     # literal/length 286, 287 or distance 30, 31


cdef void predecode(uint32_t* table, int used, bint litlen) noexcept nogil:
    cdef int k
    cdef uint32_t e, sym, L
    for k in range(used):
        e = table[k]
        L = e & 0xFF
        if e & SUBTABLE or L == 0:
            continue
        sym = e >> 16
        if litlen:
            if sym < 256:
                table[k] = (sym << 16) | KIND_LITERAL | L
            elif sym == 256:
                table[k] = KIND_END | L
            elif sym <= 285:
                table[k] = (<uint32_t>LENGTH_BASE[sym - 257] << 16) | (<uint32_t>LENGTH_EXTRA[sym - 257] << 12) \
                    | KIND_LENGTH | L
            else:
                table[k] = KIND_INVALID | L
        elif sym < 30:
            table[k] = (<uint32_t>DIST_BASE[sym] << 16) | (<uint32_t>DIST_EXTRA[sym] << 12) | KIND_LITERAL | L
        else:
            table[k] = KIND_INVALID | L




cdef struct Bits:
    uint64_t buf
    uint32_t nbits       # valid bits in buf
    uint32_t phantom     # zero bytes appended past the end of the input, still in buf
    Py_ssize_t pos       # next input byte


cdef inline void refill(Bits* b, const uint8_t* src, Py_ssize_t n) noexcept nogil:
    """Bring b.nbits to at least 57."""
    cdef uint64_t word
    if b.pos + 8 <= n and b.phantom == 0:
        memcpy(&word, src + b.pos, 8)
        b.buf |= word << b.nbits
        b.pos += (63 - b.nbits) >> 3
        b.nbits |= 56
        return
    while b.nbits <= 56:
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


cdef class Inflater:
    """State of one raw DEFLATE stream being decoded; feed it with :meth:`inflate`."""
    cdef Bits bits
    cdef int mode
    cdef bint final_block
    cdef uint32_t stored_left
    cdef bint fixed_loaded
    cdef int lit_bits, dist_bits
    cdef uint32_t[LITLEN_TABLE] lit_table
    cdef uint32_t[DIST_TABLE] dist_table
    cdef const uint8_t* src      # the input of the call under way (set by _run)
    cdef Py_ssize_t n

    def __cinit__(self):
        self.mode = MODE_HEADER
        self.fixed_loaded = False
        memset(&self.bits, 0, sizeof(Bits))

    @property
    def finished(self):
        return self.mode == MODE_DONE

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
            status = self._run(sp, src.shape[0], final_input, op, out.shape[0], &pos)
        self.src = NULL
        return status, self.bits.pos, pos

    def inflate_to_bytes(self, const uint8_t[::1] src, Py_ssize_t limit):
        """Decode a whole stream from ``src`` (all of the input) into a new bytes object.

        Decoding happens in a small window buffer that stays in cache; each filled piece is
        copied out in bulk, and the pieces are joined once at the end into an object of the
        exact size. (Decoding straight into a growing result was slower: stores to cold
        memory, and copies on every growth.) Returns ``(status, in_used, data)``: status
        DONE, NEED_OUTPUT if ``limit`` bytes were not enough, or a negative error; ``data``
        holds what was decoded.
        """
        cdef Py_ssize_t total = 0, in_pos = 0, wpos = 0, start, piece, wcap = WINDOW + PIECE
        cdef int status
        cdef list pieces = []
        cdef const uint8_t* sp = &src[0] if src.shape[0] else NULL
        cdef uint8_t* window = <uint8_t*>malloc(wcap)
        if window == NULL:
            raise MemoryError()
        try:
            while True:
                self.bits.pos = 0
                start = wpos
                with nogil:
                    status = self._run(sp + in_pos, src.shape[0] - in_pos, True, window, wcap, &wpos)
                in_pos += self.bits.pos
                piece = wpos - start
                if total + piece > limit:
                    piece = limit - total
                    status = NEED_OUTPUT
                pieces.append(PyBytes_FromStringAndSize(<char*>window + start, piece))
                total += piece
                if status != NEED_OUTPUT or total == limit:
                    break
                if wpos > WINDOW:  # keep the last 32 KiB as history
                    memmove(window, window + wpos - WINDOW, WINDOW)
                    wpos = WINDOW
        finally:
            free(window)
        return status, in_pos, pieces[0] if len(pieces) == 1 else b"".join(pieces)

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
                    self._load_fixed()
                    self.mode = MODE_HUFFMAN
                elif btype == 2:
                    self.fixed_loaded = False
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
        cdef uint32_t entry, sym, length = 0, dist, L, kind
        cdef const uint32_t* lit = self.lit_table
        cdef const uint32_t* dtab = self.dist_table
        cdef int lit_bits = self.lit_bits, dist_bits = self.dist_bits
        cdef int status
        while True:
            if self.bits.phantom == 0 and self.bits.pos + 8 <= n and cap - pos >= FAST_OUT:
                status = self._decode_fast(src, n, out, cap, &pos)
                if status != 0:
                    out_pos[0] = pos
                    return 0 if status == 1 else status
                continue  # near the end of the input or output: one symbol the careful way
            saved = self.bits
            refill(&self.bits, src, n)
            entry = lookup(lit, self.bits.buf, lit_bits)
            L = entry & 0xFF
            if L == 0:
                out_pos[0] = pos
                return self._fail(&saved, E_INVALID_CODE, final_input)
            kind = entry & KIND_MASK
            if kind == KIND_LENGTH:
                length = (entry >> 16) + <uint32_t>((self.bits.buf >> L) & ((1ull << ((entry >> 12) & 0xF)) - 1))
                L += (entry >> 12) & 0xF
            self.bits.buf >>= L
            self.bits.nbits -= L
            sym = entry >> 16
            if kind == KIND_LITERAL:
                if overran(&self.bits):
                    out_pos[0] = pos
                    return self._stop(&saved, final_input)
                if pos == cap:
                    self.bits = saved
                    normalize(&self.bits)
                    out_pos[0] = pos
                    return NEED_OUTPUT
                out[pos] = <uint8_t>sym
                pos += 1
                continue
            if kind == KIND_END:
                if overran(&self.bits):
                    out_pos[0] = pos
                    return self._stop(&saved, final_input)
                out_pos[0] = pos
                return 0
            if kind == KIND_INVALID:
                out_pos[0] = pos
                return self._fail(&saved, E_LITLEN_SYMBOL, final_input)
            entry = lookup(dtab, self.bits.buf, dist_bits)
            L = entry & 0xFF
            if L == 0:
                out_pos[0] = pos
                return self._fail(&saved, E_INVALID_CODE, final_input)
            if entry & KIND_MASK == KIND_INVALID:
                out_pos[0] = pos
                return self._fail(&saved, E_DISTANCE_SYMBOL, final_input)
            dist = (entry >> 16) + <uint32_t>((self.bits.buf >> L) & ((1ull << ((entry >> 12) & 0xF)) - 1))
            L += (entry >> 12) & 0xF
            self.bits.buf >>= L
            self.bits.nbits -= L
            if overran(&self.bits):
                out_pos[0] = pos
                return self._stop(&saved, final_input)
            if dist > pos:
                out_pos[0] = pos
                return E_DISTANCE_TOO_FAR
            if length > cap - pos:
                self.bits = saved
                normalize(&self.bits)
                out_pos[0] = pos
                return NEED_OUTPUT
            copy_match(out + pos, dist, length, cap - pos)
            pos += length

    cdef int _decode_fast(self, const uint8_t* src, Py_ssize_t n, uint8_t* out, Py_ssize_t cap,
                          Py_ssize_t* out_pos) noexcept nogil:
        """Decode while 8 input bytes and FAST_OUT output bytes remain: no phantom bits and no
        output check can occur, so nothing needs saving. Returns 0 when that no longer holds,
        1 at the end of the block, or an error."""
        cdef uint64_t buf = self.bits.buf, word
        cdef uint32_t nbits = self.bits.nbits, entry, sym, L, e, length, dist, kind
        cdef int more
        cdef Py_ssize_t ip = self.bits.pos, pos = out_pos[0]
        cdef Py_ssize_t in_end = n - 8, out_end = cap - FAST_OUT
        cdef const uint32_t* lit = self.lit_table
        cdef const uint32_t* dtab = self.dist_table
        cdef int lit_bits = self.lit_bits, dist_bits = self.dist_bits, status = 0
        while ip <= in_end and pos <= out_end:
            memcpy(&word, src + ip, 8)
            buf |= word << nbits
            ip += (63 - nbits) >> 3
            nbits |= 56
            entry = lookup(lit, buf, lit_bits)
            L = entry & 0xFF
            if L == 0:
                status = E_INVALID_CODE
                break
            kind = entry & KIND_MASK
            if kind == KIND_LITERAL:
                buf >>= L
                nbits -= L
                out[pos] = <uint8_t>(entry >> 16)
                pos += 1
                # At least 42 bits remain: up to two more literals need no refill.
                for more in range(2):
                    entry = lookup(lit, buf, lit_bits)
                    if entry & KIND_MASK != KIND_LITERAL or (entry & 0xFF) == 0:
                        break
                    L = entry & 0xFF
                    buf >>= L
                    nbits -= L
                    out[pos] = <uint8_t>(entry >> 16)
                    pos += 1
                continue
            if kind == KIND_END:
                buf >>= L
                nbits -= L
                status = 1
                break
            if kind == KIND_INVALID:
                status = E_LITLEN_SYMBOL
                break
            # A length: its extra bits follow the code; the entry holds base and extra count.
            e = (entry >> 12) & 0xF
            length = (entry >> 16) + <uint32_t>((buf >> L) & ((1ull << e) - 1))
            buf >>= L + e
            nbits -= L + e
            entry = lookup(dtab, buf, dist_bits)
            L = entry & 0xFF
            if L == 0:
                status = E_INVALID_CODE
                break
            if entry & KIND_MASK == KIND_INVALID:
                status = E_DISTANCE_SYMBOL
                break
            e = (entry >> 12) & 0xF
            dist = (entry >> 16) + <uint32_t>((buf >> L) & ((1ull << e) - 1))
            buf >>= L + e
            nbits -= L + e
            if dist > pos:
                status = E_DISTANCE_TOO_FAR
                break
            copy_match(out + pos, dist, length, cap - pos)
            pos += length
        self.bits.buf = buf
        self.bits.nbits = nbits
        self.bits.pos = ip
        out_pos[0] = pos
        return status

    cdef void _load_fixed(self) noexcept nogil:
        cdef uint8_t[320] lengths
        cdef int i
        if self.fixed_loaded:
            return
        for i in range(144):
            lengths[i] = 8
        for i in range(144, 256):
            lengths[i] = 9
        for i in range(256, 280):
            lengths[i] = 7
        for i in range(280, 288):
            lengths[i] = 8
        for i in range(30):
            lengths[288 + i] = 5
        # The fixed distance code has 30 used symbols of 32 five-bit patterns: build it with
        # all 32 (codes 30 and 31 are then caught as invalid symbols, as RFC 1951 says).
        lengths[318] = 5
        lengths[319] = 5
        self.lit_bits = table_primary_bits(lengths, 288, LITLEN_BITS)
        self.dist_bits = table_primary_bits(lengths + 288, 32, 5)
        predecode(self.lit_table, build_table(lengths, 288, LITLEN_BITS, self.lit_table, LITLEN_TABLE, True), True)
        predecode(self.dist_table, build_table(lengths + 288, 32, 5, self.dist_table, DIST_TABLE, True), False)
        self.fixed_loaded = True

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
        self.lit_bits = table_primary_bits(lengths, hlit, LITLEN_BITS)
        used = build_table(lengths, hlit, LITLEN_BITS, self.lit_table, LITLEN_TABLE, True)
        if used < 0:
            return E_OVERSUBSCRIBED if used == TABLE_OVERSUBSCRIBED else E_INCOMPLETE
        predecode(self.lit_table, used, True)
        self.dist_bits = table_primary_bits(lengths + hlit, hdist, DIST_BITS)
        used = build_table(lengths + hlit, hdist, DIST_BITS, self.dist_table, DIST_TABLE, True)
        if used < 0:
            return E_OVERSUBSCRIBED if used == TABLE_OVERSUBSCRIBED else E_INCOMPLETE
        predecode(self.dist_table, used, False)
        return 0
