# cython: language_level=3
# The decoder's fused dequantize + IDCT + clamp over a range of block rows, at full size or
# reduced (scaled decoding), callable without the GIL from the decoding pipeline's workers.
from libc.stdint cimport int16_t, uint8_t

cdef void idct_rows(const int16_t* blocks, Py_ssize_t cols, const float* multiplier, Py_ssize_t first_row,
                    Py_ssize_t end_row, uint8_t* plane, Py_ssize_t rows_px, Py_ssize_t cols_px,
                    Py_ssize_t stride) noexcept nogil

cdef void reduced_rows(const int16_t* blocks, Py_ssize_t cols, const float* multiplier, int n,
                       Py_ssize_t first_row, Py_ssize_t end_row, uint8_t* plane, Py_ssize_t rows_px,
                       Py_ssize_t cols_px, Py_ssize_t stride) noexcept nogil
