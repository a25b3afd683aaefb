# cython: language_level=3
# The resumable scan coder (ScanCoder) as a C struct: jpeg_pipeline.pyx codes pieces of a scan
# on several threads and joins them (coder_start_at, coder_pause, coder_append); the one-shot
# encode_scan is the same coder run from start to end.
from libc.stdint cimport int16_t, int32_t, uint8_t, uint16_t, uint32_t, uint64_t


# The encoder's statuses (ScanCoder.status, and what coder_finish returns instead of a size).
cdef enum:
    CODER_OK = 0
    CODER_OUTPUT_FULL = -1
    CODER_NO_CODE = -2


cdef struct Writer:
    uint64_t acc     # pending bits, the oldest highest; fewer than 32 between puts
    int nbits
    uint8_t* out
    Py_ssize_t pos


cdef struct ScanCoder:  # one scan's entropy coder, resumable block by block
    Writer w
    const int16_t* blocks
    const uint8_t* component
    int blocks_per_mcu
    int restart_interval
    const uint16_t* dc_code
    const uint8_t* dc_size
    const uint16_t* ac_code
    const uint8_t* ac_size
    Py_ssize_t cap
    int32_t[4] pred
    Py_ssize_t next_block
    Py_ssize_t mcu
    int rst
    int status


cdef void coder_init(ScanCoder* s, const int16_t* blocks, const uint8_t* component, int blocks_per_mcu,
                     int restart_interval, const uint16_t* dc_code, const uint8_t* dc_size, const uint16_t* ac_code,
                     const uint8_t* ac_size, uint8_t* out, Py_ssize_t cap) noexcept nogil
cdef void code_blocks(ScanCoder* s, Py_ssize_t end) noexcept nogil
cdef Py_ssize_t coder_finish(ScanCoder* s) noexcept nogil
cdef void coder_start_at(ScanCoder* s, Py_ssize_t block) noexcept nogil
cdef Py_ssize_t coder_pause(ScanCoder* s, uint32_t* tail, int* tail_bits) noexcept nogil
cdef void coder_append(ScanCoder* s, const uint8_t* coded, Py_ssize_t n, uint32_t tail, int tail_bits) noexcept nogil
