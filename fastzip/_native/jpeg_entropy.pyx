# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""JPEG baseline entropy coding (ITU T.81 F.1.2): DC differences and AC run-lengths,
Huffman codes sent most significant bit first, 0xFF bytes stuffed with 0x00, restart markers.

Blocks arrive in scan order as zigzag-ordered int16 coefficients, with the component of each
block; ``blocks_per_mcu`` blocks make one MCU, and every ``restart_interval`` MCUs (0: never)
the bit stream is padded with 1 bits, an RSTn marker written and the DC predictions reset.
"""

from libc.stdint cimport int16_t, int32_t, uint8_t, uint16_t, uint32_t, uint64_t, int64_t


cdef inline int magnitude_bits(int v) noexcept nogil:
    """The JPEG size category of v: the number of bits of |v|."""
    cdef int n = 0
    if v < 0:
        v = -v
    while v:
        n += 1
        v >>= 1
    return n


cdef struct Writer:
    uint64_t acc
    int nbits
    uint8_t* out
    Py_ssize_t pos
    Py_ssize_t cap
    bint overflow


cdef inline void put(Writer* w, uint32_t code, int size) noexcept nogil:
    cdef uint8_t byte
    w.acc = (w.acc << size) | (code & ((1u << size) - 1))
    w.nbits += size
    while w.nbits >= 8:
        if w.pos + 2 > w.cap:
            w.overflow = True
            w.nbits = 0
            return
        byte = <uint8_t>(w.acc >> (w.nbits - 8))
        w.out[w.pos] = byte
        w.pos += 1
        if byte == 0xFF:
            w.out[w.pos] = 0  # byte stuffing
            w.pos += 1
        w.nbits -= 8


cdef inline void pad_to_byte(Writer* w) noexcept nogil:
    if w.nbits & 7:
        put(w, 0x7F, 8 - (w.nbits & 7))  # fill with 1 bits (T.81 F.1.2.3)


def encode_scan(const int16_t[:, ::1] blocks, const uint8_t[::1] component, int blocks_per_mcu,
                int restart_interval, const uint16_t[:, ::1] dc_code, const uint8_t[:, ::1] dc_size,
                const uint16_t[:, ::1] ac_code, const uint8_t[:, ::1] ac_size, uint8_t[::1] out):
    """Entropy-code the blocks into ``out``; returns bytes written, -1 if ``out`` is too small,
    -2 if a symbol has no code in its table."""
    cdef Writer w
    cdef Py_ssize_t b, n = blocks.shape[0], mcu = 0
    cdef int c, k, v, diff, run, size, sym, rst = 0, missing = 0
    cdef int32_t[4] pred
    w.acc = 0
    w.nbits = 0
    w.out = &out[0]
    w.pos = 0
    w.cap = out.shape[0]
    w.overflow = False
    pred[0] = pred[1] = pred[2] = pred[3] = 0
    with nogil:
        for b in range(n):
            if b % blocks_per_mcu == 0 and b > 0:
                mcu += 1
                if restart_interval and mcu % restart_interval == 0:
                    pad_to_byte(&w)
                    if w.pos + 2 > w.cap:
                        w.overflow = True
                        break
                    w.out[w.pos] = 0xFF
                    w.out[w.pos + 1] = <uint8_t>(0xD0 + (rst & 7))
                    w.pos += 2
                    rst += 1
                    pred[0] = pred[1] = pred[2] = pred[3] = 0
            c = component[b]
            diff = blocks[b, 0] - pred[c]
            pred[c] = blocks[b, 0]
            size = magnitude_bits(diff)
            if dc_size[c, size] == 0:
                missing = 1
                break
            put(&w, dc_code[c, size], dc_size[c, size])
            if size:
                put(&w, <uint32_t>(diff if diff > 0 else diff - 1), size)
            run = 0
            for k in range(1, 64):
                v = blocks[b, k]
                if v == 0:
                    run += 1
                    continue
                while run >= 16:
                    put(&w, ac_code[c, 0xF0], ac_size[c, 0xF0])  # ZRL
                    run -= 16
                size = magnitude_bits(v)
                sym = (run << 4) | size
                if ac_size[c, sym] == 0:
                    missing = 1
                    break
                put(&w, ac_code[c, sym], ac_size[c, sym])
                put(&w, <uint32_t>(v if v > 0 else v - 1), size)
                run = 0
            if missing:
                break
            if run:
                put(&w, ac_code[c, 0], ac_size[c, 0])  # EOB
        if not missing:
            pad_to_byte(&w)
    if missing:
        return -2
    return -1 if w.overflow else w.pos


def count_symbols(const int16_t[:, ::1] blocks, const uint8_t[::1] component, int blocks_per_mcu,
                  int restart_interval, int64_t[:, ::1] dc_freq, int64_t[:, ::1] ac_freq):
    """Add the DC and AC symbol counts of the scan (as encode_scan would code it) per component."""
    cdef Py_ssize_t b, n = blocks.shape[0], mcu = 0
    cdef int c, k, v, diff, run
    cdef int32_t[4] pred
    pred[0] = pred[1] = pred[2] = pred[3] = 0
    with nogil:
        for b in range(n):
            if b % blocks_per_mcu == 0 and b > 0:
                mcu += 1
                if restart_interval and mcu % restart_interval == 0:
                    pred[0] = pred[1] = pred[2] = pred[3] = 0
            c = component[b]
            diff = blocks[b, 0] - pred[c]
            pred[c] = blocks[b, 0]
            dc_freq[c, magnitude_bits(diff)] += 1
            run = 0
            for k in range(1, 64):
                v = blocks[b, k]
                if v == 0:
                    run += 1
                    continue
                while run >= 16:
                    ac_freq[c, 0xF0] += 1
                    run -= 16
                ac_freq[c, (run << 4) | magnitude_bits(v)] += 1
                run = 0
            if run:
                ac_freq[c, 0] += 1
