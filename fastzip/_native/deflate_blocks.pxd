# cython: language_level=3
# The block writer's cdef face: what deflate.pyx and deflate_optimal.pyx call to cost and
# write a block without a Python call per block (deflate_blocks.pyx says how each block type is costed).
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

from .bitwriter cimport BitWriter

cdef enum:
    BLOCK_STORED = 0
    BLOCK_FIXED = 1
    BLOCK_DYNAMIC = 2

cdef enum:
    SEQ_LEN_SHIFT = 23           # Sequence.lits_len: the literals below this bit, the match's length above


cdef struct Sequence:
    # Some literals (taken from the data in order), then a match (length 0: none).
    uint32_t lits_len            # the number of literals | the match's length << SEQ_LEN_SHIFT
    uint16_t dist                # its distance ...
    uint16_t dist_sym            # ... and distance symbol (the parse computed it to count it)


cdef struct BlockPlan:
    uint64_t[286] lit_freq
    uint64_t[30] dist_freq
    uint64_t extra_bits          # length and distance extra bits
    uint64_t nbytes              # input bytes the block covers
    uint64_t fixed_bits          # its cost under the fixed code (kept as counts are taken and merged)
    uint8_t[316] lengths         # hlit literal/length lengths, then hdist distance lengths
    int hlit, hdist, hclen, nrle
    uint8_t[316] rle_sym         # the lengths run-length coded with symbols 0-18 ...
    uint8_t[316] rle_extra       # ... and their extra-bit values
    uint8_t[19] cl_len
    uint64_t[3] bits             # cost in bits of each block type
    uint64_t header_bits         # of the dynamic block's header
    int kind                     # the cheapest type

cdef void take_counts(BlockPlan* plan, const uint32_t* lit_freq, const uint32_t* dist_freq,
                      uint64_t nbytes) noexcept nogil
cdef void merge_counts(BlockPlan* out, const BlockPlan* a, const BlockPlan* b) noexcept nogil
cdef uint64_t plan_block(BlockPlan* plan) noexcept nogil
cdef double estimate_block(const BlockPlan* plan, double header_bits) noexcept nogil
cdef void write_block(const BlockPlan* plan, const Sequence* seqs, Py_ssize_t s0, Py_ssize_t s1, const uint8_t* data,
                      bint final, BitWriter* w) noexcept nogil
cdef void write_stored(const uint8_t* data, Py_ssize_t size, bint final, BitWriter* w) noexcept nogil
cdef void write_empty_final(BitWriter* w) noexcept nogil
