# cython: language_level=3
from libc.stdint cimport uint8_t, uint64_t

cdef int limited_code_lengths(const uint64_t* freqs, Py_ssize_t n, int max_length, uint8_t* lengths) noexcept nogil
