# cython: language_level=3
# Length-limited code lengths as a cdef function, so that DEFLATE's block planner builds its
# codes in C without a Python call per block (huffman.pyx holds the algorithm and its proof of limits).
from libc.stdint cimport uint8_t, uint64_t

# limited_code_lengths' statuses, and the bit packer's.
cdef enum:
    LENGTHS_OK = 0
    LENGTHS_NO_MEMORY = -1
    LENGTHS_TOO_MANY_SYMBOLS = -2
    PACK_OUTPUT_FULL = -1

cdef int limited_code_lengths(const uint64_t* freqs, Py_ssize_t n, int max_length, uint8_t* lengths) noexcept nogil
