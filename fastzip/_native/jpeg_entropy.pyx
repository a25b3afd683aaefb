# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""JPEG baseline entropy coding (ITU T.81 F.1.2): DC differences and AC run-lengths,
Huffman codes sent most significant bit first, 0xFF bytes stuffed with 0x00, restart markers.

Blocks arrive in scan order as zigzag-ordered int16 coefficients, with the component of each
block; ``blocks_per_mcu`` blocks make one MCU, and every ``restart_interval`` MCUs (0: never)
the bit stream is padded with 1 bits, an RSTn marker written and the DC predictions reset.
"""

from libc.stdint cimport int16_t, int32_t, uint8_t, uint16_t, uint32_t, uint64_t, int64_t
from libc.string cimport memcmp, memcpy

from .row_sync cimport store

cdef extern from *:
    """
    #include <stdint.h>
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline int fz_jpeg_ctz64(uint64_t x) { unsigned long i; _BitScanForward64(&i, x); return (int)i; }
    static inline int fz_jpeg_bits(uint32_t v) { unsigned long i; if (!v) return 0; _BitScanReverse(&i, v); return (int)i + 1; }
    #else
    static inline int fz_jpeg_ctz64(uint64_t x) { return __builtin_ctzll(x); }
    static inline int fz_jpeg_bits(uint32_t v) { return v ? 32 - __builtin_clz(v) : 0; }
    #endif
    static inline uint64_t fz_jpeg_load_be64(const uint8_t *p) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
        return v;
    }
    /* Bit k set when zigzag coefficient k of the block is non-zero. */
    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    static inline uint64_t fz_jpeg_nonzero(const int16_t *blk) {
        const __m128i zero = _mm_setzero_si128();
        uint64_t mask = 0;
        for (int i = 0; i < 8; i += 2) {
            __m128i a = _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(blk + 8 * i)), zero);
            __m128i b = _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(blk + 8 * i + 8)), zero);
            uint64_t m = (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(a, b));
            mask |= (~m & 0xFFFFu) << (8 * i);
        }
        return mask;
    }
    /* Bits k of a band ss..se where |blk[k]| >> al (the point transform) is non-zero (*nonzero)
       and where it is 1 (*newly: what a refinement scan codes as newly non-zero). The absolute
       value of -32768 is 32768 read unsigned, as the scalar loop computes it. */
    static inline void fz_jpeg_band_masks(const int16_t *blk, int ss, int se, int al, uint64_t *nonzero,
                                          uint64_t *newly) {
        const __m128i zero = _mm_setzero_si128(), one = _mm_set1_epi16(1);
        const __m128i shift = _mm_cvtsi32_si128(al);
        uint64_t nz = 0, nw = 0, band = (~0ull << ss) & (~0ull >> (63 - se));
        for (int i = 0; i < 8; i += 2) {
            __m128i a = _mm_loadu_si128((const __m128i *)(blk + 8 * i));
            __m128i b = _mm_loadu_si128((const __m128i *)(blk + 8 * i + 8));
            __m128i sa = _mm_srai_epi16(a, 15), sb = _mm_srai_epi16(b, 15);
            a = _mm_srl_epi16(_mm_sub_epi16(_mm_xor_si128(a, sa), sa), shift);
            b = _mm_srl_epi16(_mm_sub_epi16(_mm_xor_si128(b, sb), sb), shift);
            uint64_t z = (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(_mm_cmpeq_epi16(a, zero), _mm_cmpeq_epi16(b, zero)));
            uint64_t o = (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(_mm_cmpeq_epi16(a, one), _mm_cmpeq_epi16(b, one)));
            nz |= (~z & 0xFFFFu) << (8 * i);
            nw |= o << (8 * i);
        }
        *nonzero = nz & band;
        *newly = nw & band;
    }
    #else
    static inline uint64_t fz_jpeg_nonzero(const int16_t *blk) {
        uint64_t mask = 0;
        for (int k = 0; k < 64; k++) mask |= (uint64_t)(blk[k] != 0) << k;
        return mask;
    }
    static inline void fz_jpeg_band_masks(const int16_t *blk, int ss, int se, int al, uint64_t *nonzero,
                                          uint64_t *newly) {
        uint64_t nz = 0, nw = 0;
        for (int k = ss; k <= se; k++) {
            int v = blk[k], m = (v < 0 ? -v : v) >> al;
            nz |= (uint64_t)(m != 0) << k;
            nw |= (uint64_t)(m == 1) << k;
        }
        *nonzero = nz;
        *newly = nw;
    }
    #endif
    static inline int fz_jpeg_top_bit(uint64_t x) {  /* index of the highest set bit; x != 0 */
    #if defined(_MSC_VER)
        unsigned long i; _BitScanReverse64(&i, x); return (int)i;
    #else
        return 63 - __builtin_clzll(x);
    #endif
    }
    """
    int fz_jpeg_ctz64(uint64_t x) nogil
    int fz_jpeg_bits(uint32_t v) nogil
    uint64_t fz_jpeg_nonzero(const int16_t* blk) nogil
    void fz_jpeg_band_masks(const int16_t* blk, int ss, int se, int al, uint64_t* nonzero, uint64_t* newly) nogil
    int fz_jpeg_top_bit(uint64_t x) nogil
    uint64_t fz_jpeg_load_be64(const uint8_t* p) nogil


cdef inline int magnitude_bits(int v) noexcept nogil:
    """The JPEG size category of v: the number of bits of |v|."""
    return fz_jpeg_bits(<uint32_t>(-v if v < 0 else v))


# A block codes to at most 64 x (16 + 11) bits = 216 bytes, 432 when every byte is stuffed;
# with this much room left, a block needs no further capacity checks.
DEF BLOCK_ROOM = 512


cdef inline void flush32(Writer* w) noexcept nogil:
    """Emit the oldest 32 pending bits as 4 bytes, stuffing 0x00 after any 0xFF."""
    cdef uint32_t word = <uint32_t>(w.acc >> (w.nbits - 32))
    cdef uint32_t inv = ~word
    cdef int i
    cdef uint8_t byte
    w.nbits -= 32
    if ((inv - 0x01010101u) & ~inv & 0x80808080u) == 0:  # no 0xFF byte: the common case
        w.out[w.pos] = <uint8_t>(word >> 24)
        w.out[w.pos + 1] = <uint8_t>(word >> 16)
        w.out[w.pos + 2] = <uint8_t>(word >> 8)
        w.out[w.pos + 3] = <uint8_t>word
        w.pos += 4
        return
    for i in range(4):
        byte = <uint8_t>(word >> (24 - 8 * i))
        w.out[w.pos] = byte
        w.pos += 1
        if byte == 0xFF:
            w.out[w.pos] = 0
            w.pos += 1


cdef inline void put(Writer* w, uint32_t bits, int size) noexcept nogil:
    """Append the low ``size`` (<= 27) bits of ``bits``."""
    w.acc = (w.acc << size) | (bits & ((1u << size) - 1))
    w.nbits += size
    if w.nbits >= 32:
        flush32(w)


cdef inline void emit_whole_bytes(Writer* w) noexcept nogil:
    """Emit every whole pending byte (stuffed); fewer than 8 bits stay pending."""
    cdef uint8_t byte
    while w.nbits >= 8:
        byte = <uint8_t>(w.acc >> (w.nbits - 8))
        w.out[w.pos] = byte
        w.pos += 1
        if byte == 0xFF:
            w.out[w.pos] = 0
            w.pos += 1
        w.nbits -= 8


cdef inline void finish_bytes(Writer* w) noexcept nogil:
    """Pad to a byte boundary with 1 bits (T.81 F.1.2.3) and emit every pending byte."""
    if w.nbits & 7:
        put(w, 0x7F, 8 - (w.nbits & 7))
    emit_whole_bytes(w)


cdef inline int next_ac(uint64_t* nonzero, int* last, int* run) noexcept nogil:
    """Pop the next non-zero AC coefficient from a block's mask: its zigzag index, with ``run``
    the zeros since ``last`` (the previous one's index, updated)."""
    cdef int k = fz_jpeg_ctz64(nonzero[0])
    nonzero[0] &= nonzero[0] - 1
    run[0] = k - last[0] - 1
    last[0] = k
    return k


cdef void coder_init(ScanCoder* s, const int16_t* blocks, const uint8_t* component, int blocks_per_mcu,
                     int restart_interval, const uint16_t* dc_code, const uint8_t* dc_size, const uint16_t* ac_code,
                     const uint8_t* ac_size, uint8_t* out, Py_ssize_t cap) noexcept nogil:
    """A coder at the scan's start. Tables are per component, rows of 16 (DC) and 256 (AC)."""
    s.blocks = blocks
    s.component = component
    s.blocks_per_mcu = blocks_per_mcu
    s.restart_interval = restart_interval
    s.dc_code = dc_code
    s.dc_size = dc_size
    s.ac_code = ac_code
    s.ac_size = ac_size
    s.cap = cap
    s.w.acc = 0
    s.w.nbits = 0
    s.w.out = out
    s.w.pos = 0
    s.pred[0] = s.pred[1] = s.pred[2] = s.pred[3] = 0
    s.next_block = 0
    s.mcu = 0
    s.rst = 0
    s.status = 0


cdef void code_blocks(ScanCoder* s, Py_ssize_t end) noexcept nogil:
    """Code blocks ``s.next_block .. end - 1``; stops early, with ``s.status`` CODER_OUTPUT_FULL or
    CODER_NO_CODE (a symbol without a code), and then codes nothing more."""
    cdef Writer* w = &s.w
    cdef Py_ssize_t b
    cdef int c, k, v, diff, run, size, sym, last
    cdef uint64_t nonzero
    cdef const int16_t* blk
    cdef const uint16_t* dc_code
    cdef const uint8_t* dc_size
    cdef const uint16_t* ac_code
    cdef const uint8_t* ac_size
    if s.status:
        return
    for b in range(s.next_block, end):
        if s.cap - w.pos < BLOCK_ROOM:
            s.status = CODER_OUTPUT_FULL
            return
        if b % s.blocks_per_mcu == 0 and b > 0:
            s.mcu += 1
            if s.restart_interval and s.mcu % s.restart_interval == 0:
                finish_bytes(w)
                w.out[w.pos] = 0xFF
                w.out[w.pos + 1] = <uint8_t>(0xD0 + (s.rst & 7))
                w.pos += 2
                s.rst += 1
                s.pred[0] = s.pred[1] = s.pred[2] = s.pred[3] = 0
        c = s.component[b]
        dc_code = s.dc_code + 16 * c
        dc_size = s.dc_size + 16 * c
        ac_code = s.ac_code + 256 * c
        ac_size = s.ac_size + 256 * c
        blk = s.blocks + 64 * b
        diff = blk[0] - s.pred[c]
        s.pred[c] = blk[0]
        size = magnitude_bits(diff)
        if dc_size[size] == 0:
            s.status = CODER_NO_CODE
            return
        put(w, (<uint32_t>dc_code[size] << size) | (<uint32_t>(diff if diff > 0 else diff - 1) & ((1u << size) - 1)),
            dc_size[size] + size)
        nonzero = fz_jpeg_nonzero(blk) & ~(<uint64_t>1)  # AC coefficients only
        last = 0
        while nonzero:
            k = next_ac(&nonzero, &last, &run)
            if run >= 16 and ac_size[0xF0] == 0:
                s.status = CODER_NO_CODE
                return
            while run >= 16:
                put(w, ac_code[0xF0], ac_size[0xF0])  # ZRL
                run -= 16
            v = blk[k]
            size = magnitude_bits(v)
            sym = (run << 4) | size
            if ac_size[sym] == 0:
                s.status = CODER_NO_CODE
                return
            put(w, (<uint32_t>ac_code[sym] << size) | (<uint32_t>(v if v > 0 else v - 1) & ((1u << size) - 1)),
                ac_size[sym] + size)
        if last != 63:
            if ac_size[0] == 0:
                s.status = CODER_NO_CODE
                return
            put(w, ac_code[0], ac_size[0])  # EOB
        s.next_block = b + 1


cdef Py_ssize_t coder_finish(ScanCoder* s) noexcept nogil:
    """Pad the last byte; the bytes written, or the (negative) status if coding stopped."""
    if s.status == 0 and s.cap - s.w.pos < 16:
        s.status = CODER_OUTPUT_FULL
    if s.status:
        return s.status
    finish_bytes(&s.w)
    return s.w.pos


cdef void coder_start_at(ScanCoder* s, Py_ssize_t block) noexcept nogil:
    """Resume at ``block`` (the first of an MCU) as if every block before it had been coded,
    without restart markers: the DC predictions are the MCU before's last DC of each component,
    and the bit stream starts on its own, at bit 0 (coder_append puts it in place)."""
    cdef Py_ssize_t b
    s.next_block = block
    s.mcu = block // s.blocks_per_mcu - 1 if block else 0
    s.pred[0] = s.pred[1] = s.pred[2] = s.pred[3] = 0
    for b in range(max(block - s.blocks_per_mcu, 0), block):
        s.pred[s.component[b]] = s.blocks[64 * b]


cdef Py_ssize_t coder_pause(ScanCoder* s, uint32_t* tail, int* tail_bits) noexcept nogil:
    """Emit every whole pending byte and hand back the last 0-7 bits (no padding): the bytes
    written, or the status if coding stopped."""
    if s.status == 0 and s.cap - s.w.pos < 16:
        s.status = CODER_OUTPUT_FULL
    if s.status:
        return s.status
    emit_whole_bytes(&s.w)
    tail_bits[0] = s.w.nbits
    tail[0] = <uint32_t>(s.w.acc & ((1u << s.w.nbits) - 1))
    return s.w.pos


cdef void coder_append(ScanCoder* s, const uint8_t* coded, Py_ssize_t n, uint32_t tail, int tail_bits) noexcept nogil:
    """Append another coder's paused output (``coded``: ``n`` stuffed bytes, then ``tail_bits``
    bits) to this coder's bit stream, wherever in a byte it stands. On a byte boundary the
    stuffed bytes are already right and are copied; otherwise they are unstuffed and put bit by
    bit, since shifted bytes need their own stuffing."""
    cdef Writer* w = &s.w
    cdef Py_ssize_t i = 0
    cdef uint8_t byte
    if s.status:
        return
    if w.nbits & 7 == 0:
        emit_whole_bytes(w)
        if s.cap - w.pos < n + BLOCK_ROOM:
            s.status = CODER_OUTPUT_FULL
            return
        memcpy(w.out + w.pos, coded, n)
        w.pos += n
    else:
        while i < n:
            if s.cap - w.pos < 16:
                s.status = CODER_OUTPUT_FULL
                return
            if i + 3 <= n and coded[i] != 0xFF and coded[i + 1] != 0xFF and coded[i + 2] != 0xFF:
                put(w, (<uint32_t>coded[i] << 16) | (<uint32_t>coded[i + 1] << 8) | coded[i + 2], 24)
                i += 3
            else:
                byte = coded[i]
                put(w, byte, 8)
                i += 2 if byte == 0xFF else 1  # skip the stuffed zero
    if s.cap - w.pos < BLOCK_ROOM:
        s.status = CODER_OUTPUT_FULL
        return
    put(w, tail, tail_bits)


def encode_scan(const int16_t[:, ::1] blocks, const uint8_t[::1] component, int blocks_per_mcu,
                int restart_interval, const uint16_t[:, ::1] dc_code, const uint8_t[:, ::1] dc_size,
                const uint16_t[:, ::1] ac_code, const uint8_t[:, ::1] ac_size, uint8_t[::1] out):
    """Entropy-code the blocks into ``out``; returns bytes written, or OUTPUT_FULL if ``out`` is
    too small, NO_CODE if a symbol has no code in its table (ENCODE_ERRORS words them)."""
    cdef ScanCoder s
    cdef Py_ssize_t n = blocks.shape[0], b, written
    check_coder_arguments(blocks, component, blocks_per_mcu, dc_code, dc_size, ac_code, ac_size)
    coder_init(&s, &blocks[0, 0] if n else NULL, &component[0] if n else NULL, blocks_per_mcu, restart_interval,
               &dc_code[0, 0], &dc_size[0, 0], &ac_code[0, 0], &ac_size[0, 0], &out[0], out.shape[0])
    with nogil:
        code_blocks(&s, n)
        written = coder_finish(&s)
    return written


def check_coder_arguments(const int16_t[:, ::1] blocks, const uint8_t[::1] component, int blocks_per_mcu,
                          const uint16_t[:, ::1] dc_code, const uint8_t[:, ::1] dc_size,
                          const uint16_t[:, ::1] ac_code, const uint8_t[:, ::1] ac_size):
    """What :func:`encode_scan` (and the encoding pipeline) require of blocks and tables."""
    cdef Py_ssize_t b, n = blocks.shape[0]
    cdef int tables = min(dc_code.shape[0], dc_size.shape[0], ac_code.shape[0], ac_size.shape[0], 4)
    if blocks.shape[1] != 64 or component.shape[0] < n or blocks_per_mcu < 1 or dc_code.shape[1] != 16 \
            or dc_size.shape[1] != 16 or ac_code.shape[1] != 256 or ac_size.shape[1] != 256:
        raise ValueError("blocks must be n x 64 and tables 16 / 256 wide")
    for b in range(n):
        if component[b] >= tables:
            raise ValueError("component index without tables")


def count_symbols(const int16_t[:, ::1] blocks, const uint8_t[::1] component, int blocks_per_mcu,
                  int restart_interval, int64_t[:, ::1] dc_freq, int64_t[:, ::1] ac_freq,
                  Py_ssize_t first=0, Py_ssize_t end=-1):
    """Add the DC and AC symbol counts of the scan (as encode_scan would code it) per component;
    of blocks ``first .. end - 1`` only (whole MCUs; ``end`` -1: to the last), taking up the
    DC predictions where the MCU before ``first`` left them, so that pieces can be counted apart."""
    cdef Py_ssize_t b, n = blocks.shape[0], mcu
    cdef int c, k, diff, run, last
    cdef int32_t[4] pred
    cdef uint64_t nonzero
    cdef const int16_t* blk
    if end < 0:
        end = n
    if blocks.shape[1] != 64 or component.shape[0] < n or blocks_per_mcu < 1 or dc_freq.shape[1] < 12 \
            or ac_freq.shape[1] < 256:
        raise ValueError("blocks must be n x 64, counts 12+ / 256 wide")
    if not 0 <= first <= end <= n or first % blocks_per_mcu or (end % blocks_per_mcu and end != n):
        raise ValueError("first .. end must be whole MCUs of the scan")
    for b in range(first, end):
        if component[b] >= min(dc_freq.shape[0], ac_freq.shape[0], 4):
            raise ValueError("component index without counts")
    pred[0] = pred[1] = pred[2] = pred[3] = 0
    for b in range(max(first - blocks_per_mcu, 0), first):
        pred[component[b]] = blocks[b, 0]
    mcu = first // blocks_per_mcu - 1 if first else 0
    with nogil:
        for b in range(first, end):
            if b % blocks_per_mcu == 0 and b > 0:
                mcu += 1
                if restart_interval and mcu % restart_interval == 0:
                    pred[0] = pred[1] = pred[2] = pred[3] = 0
            c = component[b]
            blk = &blocks[b, 0]
            diff = blk[0] - pred[c]
            pred[c] = blk[0]
            dc_freq[c, magnitude_bits(diff)] += 1
            nonzero = fz_jpeg_nonzero(blk) & ~(<uint64_t>1)  # as code_blocks walks them
            last = 0
            while nonzero:
                k = next_ac(&nonzero, &last, &run)
                while run >= 16:
                    ac_freq[c, 0xF0] += 1
                    run -= 16
                ac_freq[c, (run << 4) | magnitude_bits(blk[k])] += 1
            if last != 63:
                ac_freq[c, 0] += 1


# -- decoding ----------------------------------------------------------------------------------

cdef int[64] NATURAL  # NATURAL[k]: row-major position of the k-th zigzag coefficient
cdef int _k
_order = sorted(range(64), key=lambda p: (p // 8 + p % 8, p // 8 if (p // 8 + p % 8) % 2 else p % 8))
for _k in range(64):
    NATURAL[_k] = _order[_k]

# encode_scan's (and the encoding pipeline's) statuses, for Python
OUTPUT_FULL = CODER_OUTPUT_FULL
NO_CODE = CODER_NO_CODE
ENCODE_ERRORS = {
    CODER_OUTPUT_FULL: "the output buffer is too small",
    CODER_NO_CODE: "a symbol has no code in its Huffman table",
}


# decode_scan's results
cdef enum:
    _OK = 0
    _INVALID_CODE = -1
    _TRUNCATED = -2
    _BAD_RESTART = -3
    _DC_RANGE = -4
    _AC_RANGE = -5
    _AC_INDEX = -6
SCAN_ERRORS = {
    _INVALID_CODE: "bit pattern that is no code of the Huffman table (or an over-subscribed table)",
    _TRUNCATED: "entropy-coded data ends before the last block (truncated)",
    _BAD_RESTART: "expected restart marker missing or out of sequence",
    _DC_RANGE: "DC coefficient out of range for 8-bit baseline",
    _AC_RANGE: "AC coefficient out of range for 8-bit baseline",
    _AC_INDEX: "AC run past the 64th coefficient",
}


# Combined lookups (as libjpeg-turbo and stb_image do): the next FAST_BITS bits -> a whole
# coefficient when its code and its value bits both fit, value << 16 | run << 8 | bits used.
# For AC tables run is the zero run (ZRL: run 15 and value 0, so that one more step makes 16);
# EOB is the run EOB_RUN. 0: no combined entry, take the symbol path.
DEF FAST_BITS = 10
DEF EOB_RUN = 0xFF


cdef struct Table:
    uint16_t[512] fast       # next 9 bits -> length << 8 | symbol (length 0: longer code)
    int32_t[1 << FAST_BITS] fast_value
    int32_t[18] maxcode      # largest code of each length, -1 if none
    int32_t[17] valoffset    # huffval index of a code of each length, minus that length's first code
    uint8_t[256] huffval


cdef int build_decoder(Table* t, const uint8_t* bits, const uint8_t* huffval, int count, bint dc) noexcept nogil:
    """T.81 Annex C/F.2.2.3 tables from BITS (16 counts) and HUFFVAL; -1 if over-subscribed."""
    cdef int length, i, k = 0, code = 0, j, pad
    for i in range(512):
        t.fast[i] = 0
    for i in range(count):
        t.huffval[i] = huffval[i]
    for length in range(1, 17):
        t.valoffset[length] = k - code
        if bits[length - 1]:
            for i in range(bits[length - 1]):
                if length <= 9:
                    pad = 9 - length
                    for j in range(1 << pad):
                        t.fast[(code << pad) | j] = <uint16_t>((length << 8) | huffval[k])
                code += 1
                k += 1
            t.maxcode[length] = code - 1
        else:
            t.maxcode[length] = -1
        if code > (1 << length):
            return -1
        code <<= 1
    t.maxcode[17] = 0x7FFFFFFF
    _fill_fast_values(t, dc)
    return 0


cdef void _fill_fast_values(Table* t, bint dc) noexcept nogil:
    cdef int i, e, length, sym, s, run, v
    for i in range(1 << FAST_BITS):
        t.fast_value[i] = 0
        e = t.fast[i >> (FAST_BITS - 9)]
        length = e >> 8
        sym = e & 0xFF
        if length == 0:
            continue
        s = sym if dc else sym & 15
        run = 0 if dc else sym >> 4
        if dc and s > 11:
            continue  # out of range for baseline: left to the symbol path, which reports it
        if not dc and s == 0:
            if sym == 0:
                t.fast_value[i] = (EOB_RUN << 8) | length
            elif sym == 0xF0:
                t.fast_value[i] = (15 << 8) | length
            continue
        if not dc and s > 10 or length + s > FAST_BITS:
            continue
        v = extend((i >> (FAST_BITS - length - s)) & ((1 << s) - 1), s)
        t.fast_value[i] = <int32_t>(<uint32_t>v << 16) | (run << 8) | (length + s)


cdef Table* shared_table(Table* tables, int c, const uint8_t[:, ::1] bits, const uint8_t[:, ::1] vals,
                         const int32_t[::1] count) noexcept:
    """The table of an earlier component with the same BITS and HUFFVAL as component ``c``'s,
    or ``&tables[c]`` (to be built)."""
    cdef int e
    for e in range(c):
        if count[e] == count[c] and memcmp(&bits[e, 0], &bits[c, 0], 16) == 0 and \
                memcmp(&vals[e, 0], &vals[c, 0], count[c]) == 0:
            return &tables[e]
    return &tables[c]


cdef struct Reader:
    const uint8_t* data
    Py_ssize_t n
    Py_ssize_t pos
    uint64_t acc
    int nbits
    int phantom       # zero bytes supplied after a marker or the end of the data
    bint at_marker


cdef inline void fill(Reader* r) noexcept nogil:
    cdef uint8_t b
    cdef uint64_t word, inv
    cdef int k
    # Fast path: up to 7 whole bytes at once when none of them is 0xFF (no stuffing, no marker).
    if not r.at_marker and r.pos + 8 <= r.n and r.nbits <= 48:
        k = (63 - r.nbits) >> 3
        word = fz_jpeg_load_be64(r.data + r.pos) >> (64 - 8 * k)
        inv = ~word & ((1ull << (8 * k)) - 1)
        if ((inv - 0x0101010101010101ull) & ~inv & 0x8080808080808080ull & ((1ull << (8 * k)) - 1)) == 0:
            r.acc = (r.acc << (8 * k)) | word
            r.nbits += 8 * k
            r.pos += k
            return
    while r.nbits <= 56:
        if r.at_marker or r.pos >= r.n:
            r.acc <<= 8
            r.nbits += 8
            r.phantom += 1
            continue
        b = r.data[r.pos]
        if b == 0xFF:
            if r.pos + 1 < r.n and r.data[r.pos + 1] == 0:
                r.pos += 2
            else:
                r.at_marker = True
                continue
        else:
            r.pos += 1
        r.acc = (r.acc << 8) | b
        r.nbits += 8


cdef inline uint32_t get_bits(Reader* r, int k) noexcept nogil:
    cdef uint32_t v
    if k == 0:
        return 0
    if r.nbits < k:
        fill(r)
    v = <uint32_t>((r.acc >> (r.nbits - k)) & ((1ull << k) - 1))
    r.nbits -= k
    return v


cdef inline int decode_symbol(Reader* r, const Table* t) noexcept nogil:
    cdef uint32_t look, code
    cdef uint16_t e
    cdef int length
    if r.nbits < 16:
        fill(r)
    look = <uint32_t>((r.acc >> (r.nbits - 9)) & 0x1FF)
    e = t.fast[look]
    if e:
        r.nbits -= e >> 8
        return e & 0xFF
    for length in range(10, 17):
        code = <uint32_t>((r.acc >> (r.nbits - length)) & ((1u << length) - 1))
        if <int32_t>code <= t.maxcode[length]:
            r.nbits -= length
            return t.huffval[t.valoffset[length] + code]
    return -1


cdef inline int extend(uint32_t v, int s) noexcept nogil:
    return <int>v if s == 0 or v >= (1u << (s - 1)) else <int>v - (1 << s) + 1


cdef inline bint overran(Reader* r) noexcept nogil:
    return r.nbits < 8 * r.phantom


cdef int restart(Reader* r) noexcept nogil:
    """Skip to the next marker and reset the bit reader: the restart number it carries (0-7,
    read past), or -1 when it is no restart marker (left for the caller)."""
    r.acc = 0
    r.nbits = 0
    r.phantom = 0
    r.at_marker = False
    while r.pos + 1 < r.n and not (r.data[r.pos] == 0xFF and r.data[r.pos + 1] != 0 and r.data[r.pos + 1] != 0xFF):
        r.pos += 1
    if r.pos + 1 >= r.n or not 0xD0 <= r.data[r.pos + 1] <= 0xD7:
        return -1
    r.pos += 2
    return r.data[r.pos - 1] - 0xD0


cdef void reader_start(Reader* r, const uint8_t* data, Py_ssize_t n, Py_ssize_t start) noexcept nogil:
    r.data = data
    r.n = n
    r.pos = start
    r.acc = 0
    r.nbits = 0
    r.phantom = 0
    r.at_marker = False


cdef void skip_to_scan_end(Reader* r) noexcept nogil:
    """The scan's data ends at the next marker that is not a restart marker."""
    while r.pos + 1 < r.n and not (r.data[r.pos] == 0xFF and r.data[r.pos + 1] != 0 and
                                   r.data[r.pos + 1] != 0xFF and not 0xD0 <= r.data[r.pos + 1] <= 0xD7):
        r.pos += 1


cdef int next_interval(Reader* r, int* rst, int32_t* pred, int ncomp, int* status, int* warned,
                       bint lenient) noexcept nogil:
    """At a restart boundary: the marker must be the next RSTn; DC predictions start again at
    0. Lenient, another RSTn is taken as the place to go on from, and no RSTn at all (the data
    is cut or damaged up to the next marker) ends the scan there, the rest left grey: returns 1."""
    cdef int c, found = restart(r)
    if found != (rst[0] & 7):
        if damaged(status, warned, lenient, _BAD_RESTART):
            return -1
        if found < 0:
            return 1
        rst[0] = found
    rst[0] += 1
    for c in range(ncomp):
        pred[c] = 0
    return 0


def check_block_layout(int mcus_x, int mcus_y, const int32_t[::1] h, const int32_t[::1] v,
                       const int32_t[::1] offset, const int32_t[::1] stride, Py_ssize_t blocks):
    """Every scan component's blocks (``offset + row * stride + col`` over ``mcus_y * v`` rows
    and ``mcus_x * h`` columns) inside a buffer of ``blocks`` blocks."""
    cdef int c
    if not (h.shape[0] == v.shape[0] == offset.shape[0] == stride.shape[0]) or mcus_x < 0 or mcus_y < 0:
        raise ValueError("one sampling, offset and stride per scan component")
    for c in range(h.shape[0]):
        if offset[c] < 0 or h[c] < 1 or v[c] < 1 or stride[c] < mcus_x * h[c] or \
                offset[c] + (<Py_ssize_t>(mcus_y * v[c] - 1)) * stride[c] + mcus_x * h[c] > blocks:
            raise ValueError("component block layout outside the coefficient buffer")


cdef inline bint damaged(int* status, int* warned, bint lenient, int kind) noexcept nogil:
    """Damage of ``kind`` (a key of SCAN_ERRORS) met: strict, it ends the scan with that status
    (True); lenient, it is noted in ``warned`` and the caller repairs it as libjpeg does."""
    if lenient:
        warned[0] |= 1 << (-kind)
        return False
    status[0] = kind
    return True


cdef inline void skip_bad_code(Reader* r) noexcept nogil:
    """libjpeg gives up on a code after 17 bits and takes the symbol as 0: drop those bits."""
    r.nbits -= 17 if r.nbits >= 17 else r.nbits


cdef inline int16_t clamp16(int32_t v) noexcept nogil:
    return <int16_t>(-32768 if v < -32768 else (32767 if v > 32767 else v))


cdef inline bint add_dc_difference(Reader* r, const Table* t, int32_t* pred, int* status, int* warned,
                                   bint lenient) noexcept nogil:
    """Decode a DC difference (its size category, then its bits) into ``pred``; False when
    damage ends the scan (strict)."""
    cdef int s = decode_symbol(r, t)
    if s < 0:
        if damaged(status, warned, lenient, _INVALID_CODE):
            return False
        skip_bad_code(r)
        s = 0
    elif s > 11 and damaged(status, warned, lenient, _DC_RANGE):
        return False
    pred[0] += extend(get_bits(r, s), s)
    return True


cdef inline bint dc_in_range(int32_t* pred, int* status, int* warned, bint lenient) noexcept nogil:
    """The 8-bit range of a DC value (+-2047); lenient, a value beyond is kept (within int16)."""
    if pred[0] < -2048 or pred[0] > 2047:
        if damaged(status, warned, lenient, _DC_RANGE):
            return False
        pred[0] = clamp16(pred[0])
    return True


def decode_scan(const uint8_t[::1] data, Py_ssize_t start, int mcus_x, int mcus_y, int restart_interval,
                const int32_t[::1] h, const int32_t[::1] v, const int32_t[::1] offset, const int32_t[::1] stride,
                const uint8_t[:, ::1] dc_bits, const uint8_t[:, ::1] dc_vals, const int32_t[::1] dc_count,
                const uint8_t[:, ::1] ac_bits, const uint8_t[:, ::1] ac_vals, const int32_t[::1] ac_count,
                int16_t[:, ::1] coeffs, int64_t[::1] progress=None, bint lenient=False):
    """Decode one baseline scan starting at ``data[start]`` into ``coeffs`` (natural order),
    whose blocks must be zero on entry (a sequential JPEG codes each component in one scan;
    zeroing the fresh buffer again block by block cost ~1 ms of a 2048x2048 file's 1/8 decode).

    Per scan component c: sampling ``h[c]`` x ``v[c]`` blocks per MCU, its blocks at
    ``coeffs[offset[c] + row * stride[c] + col]``, and its DC/AC tables (BITS, HUFFVAL,
    count). Returns ``(status, position after the scan's data, warned)``; status 0 or a key of
    SCAN_ERRORS. ``lenient``: damage libjpeg decodes is repaired as libjpeg repairs it (a bad
    code read as symbol 0, a DC value out of range kept, an AC run past the block's end put in
    its last coefficient, the blocks after truncated data left zero: grey) and noted in
    ``warned``, bit ``-status`` for each kind met. With ``progress``, ``progress[0]`` counts the
    MCU rows decoded so far, stored with release order for workers on other threads
    (jpeg_pipeline.pyx).
    """
    cdef int ncomp = h.shape[0], c, by, bx, k, s, rs, run, sym, status = 0, rst = 0, warned = 0
    cdef bint ended = False
    cdef int32_t e
    cdef Py_ssize_t mx, my, mcu = 0, total = <Py_ssize_t>mcus_x * mcus_y, blk
    cdef Table[4] dc
    cdef Table[4] ac
    cdef Table* dcp[4]
    cdef Table* acp[4]
    cdef int32_t[4] pred
    cdef Reader r
    cdef int16_t* out
    cdef int value
    cdef int64_t* rows_done = NULL
    if progress is not None:
        if progress.shape[0] < 1:
            raise ValueError("progress needs one element")
        rows_done = &progress[0]
    if ncomp < 1 or ncomp > 4:
        raise ValueError("a scan has 1 to 4 components")
    check_block_layout(mcus_x, mcus_y, h, v, offset, stride, coeffs.shape[0])
    for c in range(ncomp):
        # components coded with the same tables share one copy (a table is ~5.6 KiB: three
        # copies of each kind would crowd the first-level cache)
        dcp[c] = shared_table(dc, c, dc_bits, dc_vals, dc_count)
        acp[c] = shared_table(ac, c, ac_bits, ac_vals, ac_count)
        if (dcp[c] == &dc[c] and build_decoder(&dc[c], &dc_bits[c, 0], &dc_vals[c, 0], dc_count[c], True) < 0) or \
                (acp[c] == &ac[c] and build_decoder(&ac[c], &ac_bits[c, 0], &ac_vals[c, 0], ac_count[c], False) < 0):
            return _INVALID_CODE, start, 0
        pred[c] = 0
    reader_start(&r, &data[0], data.shape[0], start)
    with nogil:
        for mcu in range(total):
            if restart_interval and mcu and mcu % restart_interval == 0:
                k = next_interval(&r, &rst, pred, ncomp, &status, &warned, lenient)
                if k < 0:
                    break
                if k > 0:
                    if rows_done != NULL:
                        store(rows_done, mcus_y)
                    break
            my = mcu // mcus_x
            mx = mcu % mcus_x
            for c in range(ncomp):
                for by in range(v[c]):
                    for bx in range(h[c]):
                        blk = offset[c] + (my * v[c] + by) * stride[c] + mx * h[c] + bx
                        out = &coeffs[blk, 0]  # zeros on entry: each block is decoded once
                        if r.nbits < 16:
                            fill(&r)
                        e = dcp[c].fast_value[(r.acc >> (r.nbits - FAST_BITS)) & ((1 << FAST_BITS) - 1)]
                        if e:
                            r.nbits -= e & 0xFF
                            pred[c] += e >> 16
                        elif not add_dc_difference(&r, dcp[c], &pred[c], &status, &warned, lenient):
                            break
                        if not dc_in_range(&pred[c], &status, &warned, lenient):
                            break
                        out[0] = <int16_t>pred[c]
                        k = 1
                        while k < 64:
                            if r.nbits < 16:
                                fill(&r)
                            e = acp[c].fast_value[(r.acc >> (r.nbits - FAST_BITS)) & ((1 << FAST_BITS) - 1)]
                            if e:
                                r.nbits -= e & 0xFF
                                run = (e >> 8) & 0xFF
                                if run == EOB_RUN:
                                    break
                                k += run
                                if k > 63:  # libjpeg's order table sends runs past the end to the last
                                    if damaged(&status, &warned, lenient, _AC_INDEX):
                                        break
                                    k = 63
                                out[NATURAL[k]] = <int16_t>(e >> 16)
                                k += 1
                                continue
                            rs = decode_symbol(&r, acp[c])
                            if rs < 0:
                                if damaged(&status, &warned, lenient, _INVALID_CODE):
                                    break
                                skip_bad_code(&r)
                                break  # symbol 0: end of block
                            run = rs >> 4
                            s = rs & 15
                            if s == 0:
                                if run != 15:
                                    break  # EOB
                                k += 16
                                continue
                            k += run
                            if k > 63:
                                if damaged(&status, &warned, lenient, _AC_INDEX):
                                    break
                                k = 63
                            if s > 10 and damaged(&status, &warned, lenient, _AC_RANGE):
                                break
                            out[NATURAL[k]] = <int16_t>extend(get_bits(&r, s), s)
                            k += 1
                        if status == 0 and k > 64:
                            damaged(&status, &warned, lenient, _AC_INDEX)
                        if status == 0 and overran(&r):
                            ended = not damaged(&status, &warned, lenient, _TRUNCATED)
                        if status or ended:
                            break
                    if status or ended:
                        break
                if status or ended:
                    break
            if status:
                break
            if ended:  # the rest stays zero (grey), as libjpeg leaves it
                if rows_done != NULL:
                    store(rows_done, mcus_y)
                break
            if rows_done != NULL and mx == mcus_x - 1:
                store(rows_done, my + 1)
        if status == 0:
            skip_to_scan_end(&r)
    return status, r.pos, warned


cdef inline int refine_bit(Reader* r, int16_t* coef, int p1) noexcept nogil:
    """A correction bit for an already non-zero coefficient: 1 adds ``p1`` to its magnitude
    (unless that bit is set already, as libjpeg tolerates)."""
    if get_bits(r, 1) and (coef[0] & p1) == 0:
        coef[0] = <int16_t>(coef[0] + p1 if coef[0] >= 0 else coef[0] - p1)
    return 0


def decode_progressive_scan(const uint8_t[::1] data, Py_ssize_t start, int mcus_x, int mcus_y,
                            int restart_interval, const int32_t[::1] h, const int32_t[::1] v,
                            const int32_t[::1] offset, const int32_t[::1] stride,
                            const uint8_t[:, ::1] bits, const uint8_t[:, ::1] vals, const int32_t[::1] count,
                            int ss, int se, int ah, int al, int16_t[:, ::1] coeffs, bint lenient=False):
    """Decode one progressive scan (T.81 G.1.2) starting at ``data[start]``, adding what it
    carries to ``coeffs`` (natural order, kept between scans).

    Spectral band ``ss..se`` (0..0: the DC, possibly interleaved; else one component's AC band)
    and successive approximation ``ah`` (0: a first scan) / ``al`` (the bit position). The block
    layout is :func:`decode_scan`'s; ``bits``/``vals``/``count`` are each component's DC table
    (DC first scans) or AC table (AC scans), unused by DC refinement. As libjpeg does: DC first
    scans add the predicted difference shifted by ``al``; refinement scans append one bit; AC
    first scans code runs of zeros and end-of-band runs (EOBRUN, which spans blocks); AC
    refinement scans interleave correction bits for coefficients already non-zero with the new
    ones (each +-1 << al). Returns ``(status, position after the scan's data, warned)``, with
    ``lenient`` as :func:`decode_scan` takes it (a truncated scan leaves the rest of the image
    without what it would have added)."""
    cdef int ncomp = h.shape[0], c, by, bx, k, s, rs, run, status = 0, rst = 0, warned = 0
    cdef bint ended = False
    cdef int p1 = 1 << al, value
    cdef Py_ssize_t mx, my, mcu = 0, total = <Py_ssize_t>mcus_x * mcus_y, blk
    cdef uint32_t eobrun = 0
    cdef Table[4] tables
    cdef int32_t[4] pred
    cdef Reader r
    cdef int16_t* out
    cdef bint dc_scan = ss == 0, first = ah == 0
    if ncomp < 1 or ncomp > 4 or not (0 <= ss <= se <= 63) or (ss == 0) != (se == 0) or (ss > 0 and ncomp != 1) \
            or not 0 <= al <= 13 or not 0 <= ah <= 13:
        raise ValueError("a progressive scan: DC (0..0, 1-4 components) or one component's AC band, al/ah 0..13")
    check_block_layout(mcus_x, mcus_y, h, v, offset, stride, coeffs.shape[0])
    for c in range(ncomp):
        if not (dc_scan and not first) and build_decoder(&tables[c], &bits[c, 0], &vals[c, 0], count[c], dc_scan) < 0:
            return _INVALID_CODE, start, 0
        pred[c] = 0
    reader_start(&r, &data[0], data.shape[0], start)
    with nogil:
        for mcu in range(total):
            if restart_interval and mcu and mcu % restart_interval == 0:
                k = next_interval(&r, &rst, pred, ncomp, &status, &warned, lenient)
                if k != 0:
                    break
                eobrun = 0
            my = mcu // mcus_x
            mx = mcu % mcus_x
            for c in range(ncomp):
                for by in range(v[c]):
                    for bx in range(h[c]):
                        blk = offset[c] + (my * v[c] + by) * stride[c] + mx * h[c] + bx
                        out = &coeffs[blk, 0]
                        if dc_scan and first:
                            if not add_dc_difference(&r, &tables[c], &pred[c], &status, &warned, lenient) or \
                                    not dc_in_range(&pred[c], &status, &warned, lenient):
                                break
                            value = pred[c] * p1
                            if (value < -32768 or value > 32767) and damaged(&status, &warned, lenient, _DC_RANGE):
                                break
                            out[0] = clamp16(value)
                        elif dc_scan:
                            if get_bits(&r, 1):
                                out[0] = <int16_t>(out[0] | p1)
                        elif first:
                            if eobrun:
                                eobrun -= 1
                            else:
                                k = ss
                                while k <= se:
                                    rs = decode_symbol(&r, &tables[c])
                                    if rs < 0:
                                        if damaged(&status, &warned, lenient, _INVALID_CODE):
                                            break
                                        skip_bad_code(&r)
                                        rs = 0  # symbol 0: the band ends here
                                    run = rs >> 4
                                    s = rs & 15
                                    if s == 0:
                                        if run == 15:
                                            k += 16
                                            continue
                                        eobrun = (1u << run) - 1
                                        if run:
                                            eobrun += get_bits(&r, run)
                                        break
                                    k += run
                                    if k > se:  # past the band: libjpeg writes on, up to the last
                                        if damaged(&status, &warned, lenient, _AC_INDEX):
                                            break
                                        k = 63 if k > 63 else k
                                    value = extend(get_bits(&r, s), s) * p1
                                    if (s > 10 or value < -32768 or value > 32767) and \
                                            damaged(&status, &warned, lenient, _AC_RANGE):
                                        break
                                    out[NATURAL[k]] = clamp16(value)
                                    k += 1
                        else:
                            k = ss
                            if eobrun == 0:
                                while k <= se:
                                    rs = decode_symbol(&r, &tables[c])
                                    if rs < 0:
                                        if damaged(&status, &warned, lenient, _INVALID_CODE):
                                            break
                                        skip_bad_code(&r)
                                        rs = 0
                                    run = rs >> 4
                                    s = rs & 15
                                    if s:
                                        # a refinement adds +-1 only; libjpeg takes any size as 1
                                        if s != 1 and damaged(&status, &warned, lenient, _AC_RANGE):
                                            break
                                        s = p1 if get_bits(&r, 1) else -p1
                                    elif run != 15:
                                        eobrun = 1u << run
                                        if run:
                                            eobrun += get_bits(&r, run)
                                        break
                                    # pass over non-zero coefficients (each takes a correction
                                    # bit) and ``run`` zero ones; a new coefficient lands after
                                    while k <= se:
                                        if out[NATURAL[k]] != 0:
                                            refine_bit(&r, &out[NATURAL[k]], p1)
                                        elif run == 0:
                                            break
                                        else:
                                            run -= 1
                                        k += 1
                                    if s:
                                        if k > se:
                                            if damaged(&status, &warned, lenient, _AC_INDEX):
                                                break
                                            k = 63 if k > 63 else k
                                        out[NATURAL[k]] = <int16_t>s
                                    k += 1
                            if status == 0 and eobrun:
                                while k <= se:  # the band's rest: correction bits only
                                    if out[NATURAL[k]] != 0:
                                        refine_bit(&r, &out[NATURAL[k]], p1)
                                    k += 1
                                eobrun -= 1
                        if status == 0 and overran(&r):
                            ended = not damaged(&status, &warned, lenient, _TRUNCATED)
                        if status or ended:
                            break
                    if status or ended:
                        break
                if status or ended:
                    break
            if status or ended:
                break
        if status == 0:
            skip_to_scan_end(&r)
    return status, r.pos, warned


# -- progressive encoding --------------------------------------------------------------------

DEF MAX_CORRECTION_BITS = 1000  # libjpeg's bound on buffered refinement bits before an EOB run is forced out


cdef struct Progressive:
    Writer w
    bint counting            # first pass: count symbols only
    int64_t* freq            # counting: 256 counts per table
    const uint16_t* code     # writing: 256 codes and sizes per table
    const uint8_t* size
    int table
    uint32_t eobrun
    int corrections          # refinement bits waiting for the EOB run
    uint8_t[MAX_CORRECTION_BITS + 64] correction
    int status


cdef inline void p_symbol(Progressive* p, int table, int symbol) noexcept nogil:
    if p.counting:
        p.freq[256 * table + symbol] += 1
    elif p.size[256 * table + symbol] == 0:
        p.status = CODER_NO_CODE
    else:
        put(&p.w, p.code[256 * table + symbol], p.size[256 * table + symbol])


cdef inline void p_bits(Progressive* p, uint32_t bits, int n) noexcept nogil:
    if not p.counting and n:
        put(&p.w, bits, n)


cdef inline void p_corrections(Progressive* p, const uint8_t* bits, int n) noexcept nogil:
    """Correction bits, packed up to 16 a put."""
    cdef int i = 0, j, k
    cdef uint32_t word
    if p.counting:
        return
    while i < n:
        k = min(16, n - i)
        word = 0
        for j in range(k):
            word = (word << 1) | bits[i + j]
        put(&p.w, word, k)
        i += k


cdef void p_eobrun(Progressive* p) noexcept nogil:
    """Code the pending end-of-band run, then the correction bits that waited for it."""
    cdef int nbits = 0
    cdef uint32_t run = p.eobrun
    if run == 0:
        return
    while run > 1:
        run >>= 1
        nbits += 1
    p_symbol(p, p.table, nbits << 4)
    p_bits(p, p.eobrun & ((1u << nbits) - 1), nbits)
    p.eobrun = 0
    p_corrections(p, p.correction, p.corrections)
    p.corrections = 0


cdef void p_ac_first(Progressive* p, const int16_t* blk, int ss, int se, int al) noexcept nogil:
    """An AC first scan's band of one block: only its non-zero coefficients are visited (a
    mask of them, as the baseline coder does), each after the zeros before it."""
    cdef uint64_t nonzero, newly
    cdef int k, run, last = ss - 1, v, magnitude, nbits
    fz_jpeg_band_masks(blk, ss, se, al, &nonzero, &newly)
    while nonzero:
        k = next_ac(&nonzero, &last, &run)
        v = blk[k]
        magnitude = (-v if v < 0 else v) >> al  # the point transform rounds towards zero
        p_eobrun(p)
        while run > 15:
            p_symbol(p, p.table, 0xF0)
            run -= 16
        nbits = magnitude_bits(magnitude)
        p_symbol(p, p.table, (run << 4) | nbits)
        p_bits(p, <uint32_t>(magnitude if v > 0 else ~magnitude) & ((1u << nbits) - 1), nbits)
    if last < se:
        p.eobrun += 1
        if p.eobrun == 0x7FFF:
            p_eobrun(p)


cdef void p_ac_refine(Progressive* p, const int16_t* blk, int ss, int se, int al) noexcept nogil:
    """T.81 G.1.2.3, as libjpeg's encoder: newly non-zero coefficients (magnitude 1 at this bit)
    are coded as run/size symbols; coefficients non-zero before only send their next bit, held
    back until the next symbol (or EOB run) they belong to. Only non-zero coefficients are
    visited; ``run`` counts the zeros since the last newly non-zero one."""
    cdef uint64_t nonzero, newly
    cdef int k, eob = -1, run = 0, zeros, last = ss - 1, held = 0, v, magnitude
    cdef uint8_t[64] bits
    fz_jpeg_band_masks(blk, ss, se, al, &nonzero, &newly)
    if newly:
        eob = fz_jpeg_top_bit(newly)  # the last newly non-zero coefficient
    while nonzero:
        k = next_ac(&nonzero, &last, &zeros)
        run += zeros
        while run > 15 and k <= eob:
            p_eobrun(p)
            p_symbol(p, p.table, 0xF0)
            run -= 16
            p_corrections(p, bits, held)
            held = 0
        v = blk[k]
        magnitude = (-v if v < 0 else v) >> al
        if magnitude > 1:
            bits[held] = magnitude & 1
            held += 1
            continue
        p_eobrun(p)
        p_symbol(p, p.table, (run << 4) | 1)
        p_bits(p, 0 if v < 0 else 1, 1)
        p_corrections(p, bits, held)
        held = 0
        run = 0
    run += se - last
    if run > 0 or held > 0:
        p.eobrun += 1
        for k in range(held):
            p.correction[p.corrections + k] = bits[k]
        p.corrections += held
        if p.eobrun == 0x7FFF or p.corrections > MAX_CORRECTION_BITS - 64:
            p_eobrun(p)


def encode_progressive_scan(const int16_t[:, ::1] blocks, int mcus_x, int mcus_y, const int32_t[::1] h,
                            const int32_t[::1] v, const int32_t[::1] offset, const int32_t[::1] stride,
                            const int32_t[::1] table, int ss, int se, int ah, int al, int restart_interval,
                            const uint16_t[:, ::1] code, const uint8_t[:, ::1] size, int64_t[:, ::1] freq,
                            uint8_t[::1] out):
    """One progressive scan of zigzag-ordered ``blocks`` (laid out as :func:`decode_progressive_scan`
    reads them), the inverse of that function. With ``freq`` (tables x 256, added to) the symbols
    are only counted (the first of two passes: progressive files need tables made for each scan,
    as the standard tables have no end-of-band-run codes); else coded with ``code``/``size``
    (tables x 256) into ``out``. ``table[c]``: the scan component's table row. Returns the bytes
    written, or a negative status of ENCODE_ERRORS."""
    cdef int ncomp = h.shape[0], c, by, bx, diff, nbits, rst = 0
    cdef int32_t[4] pred
    cdef Py_ssize_t mcu, mx, my, total = <Py_ssize_t>mcus_x * mcus_y, blk
    cdef Progressive p
    cdef const int16_t* b
    cdef bint dc_scan = ss == 0, first = ah == 0
    if ncomp < 1 or ncomp > 4 or not (0 <= ss <= se <= 63) or (ss == 0) != (se == 0) or (ss > 0 and ncomp != 1) \
            or not 0 <= al <= 13 or blocks.shape[1] != 64 or out.shape[0] < 1:
        raise ValueError("a progressive scan: DC (0..0, 1-4 components) or one component's AC band, al 0..13")
    if (freq is None) == (code is None) or (code is not None and (code.shape[1] != 256 or size.shape[1] != 256)) \
            or (freq is not None and freq.shape[1] != 256):
        raise ValueError("give counts (tables x 256) or codes and sizes (tables x 256)")
    check_block_layout(mcus_x, mcus_y, h, v, offset, stride, blocks.shape[0])
    for c in range(ncomp):
        if table.shape[0] < ncomp or table[c] < 0 or \
                table[c] >= (freq.shape[0] if freq is not None else min(code.shape[0], size.shape[0])):
            raise ValueError("a component's table outside the arrays")
        pred[c] = 0
    p.counting = freq is not None
    p.freq = &freq[0, 0] if freq is not None else NULL
    p.code = &code[0, 0] if code is not None else NULL
    p.size = &size[0, 0] if code is not None else NULL
    p.table = table[0]
    p.eobrun = 0
    p.corrections = 0
    p.status = 0
    p.w.acc = 0
    p.w.nbits = 0
    p.w.out = &out[0]
    p.w.pos = 0
    with nogil:
        for mcu in range(total):
            if not p.counting and out.shape[0] - p.w.pos < 4 * BLOCK_ROOM + 2 * MAX_CORRECTION_BITS:
                p.status = CODER_OUTPUT_FULL
                break
            if restart_interval and mcu and mcu % restart_interval == 0:
                p_eobrun(&p)
                if not p.counting:
                    finish_bytes(&p.w)
                    p.w.out[p.w.pos] = 0xFF
                    p.w.out[p.w.pos + 1] = <uint8_t>(0xD0 + (rst & 7))
                    p.w.pos += 2
                rst += 1
                for c in range(ncomp):
                    pred[c] = 0
            my = mcu // mcus_x
            mx = mcu % mcus_x
            for c in range(ncomp):
                for by in range(v[c]):
                    for bx in range(h[c]):
                        blk = offset[c] + (my * v[c] + by) * stride[c] + mx * h[c] + bx
                        b = &blocks[blk, 0]
                        if dc_scan and first:
                            diff = (b[0] >> al) - pred[c]  # arithmetic shift, as libjpeg
                            pred[c] = b[0] >> al
                            nbits = magnitude_bits(diff)
                            p_symbol(&p, table[c], nbits)
                            p_bits(&p, <uint32_t>(diff if diff > 0 else diff - 1) & ((1u << nbits) - 1), nbits)
                        elif dc_scan:
                            p_bits(&p, (b[0] >> al) & 1, 1)
                        elif first:
                            p_ac_first(&p, b, ss, se, al)
                        else:
                            p_ac_refine(&p, b, ss, se, al)
            if p.status:
                break
        if p.status == 0:
            p_eobrun(&p)
            if not p.counting:
                finish_bytes(&p.w)
    return p.status if p.status else p.w.pos
