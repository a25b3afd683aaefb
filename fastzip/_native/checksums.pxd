# cython: language_level=3
"""The checksums for other kernels: inflate sums its output while it is still in cache."""

from libc.stdint cimport uint8_t, uint32_t

cdef uint32_t adler32_update(uint32_t value, const uint8_t* p, size_t n) noexcept nogil
cdef uint32_t crc32_update(uint32_t value, const uint8_t* p, size_t n) noexcept nogil
