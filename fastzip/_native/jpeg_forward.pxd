# cython: language_level=3
# The encoder's fused pixel pass over MCU rows or part of one, callable without the GIL from the
# encoding pipeline (jpeg_forward.pyx says why fusing beats the step-by-step planes).
from libc.stdint cimport int16_t, uint8_t


cdef void transposed_tables(const float* multiplier, const Py_ssize_t* zigzag, float* mult_t,
                            int* zig_t) noexcept nogil
cdef void forward_rows(const uint8_t* pixels, Py_ssize_t height, Py_ssize_t width, int channels, int hmax,
                       int vmax, Py_ssize_t first_row, Py_ssize_t end_row, const float* mult_t, const int* zig_t,
                       int16_t* out) noexcept nogil
cdef void forward_mcus(const uint8_t* pixels, Py_ssize_t height, Py_ssize_t width, int channels, int hmax,
                       int vmax, Py_ssize_t row, Py_ssize_t first_mcu, Py_ssize_t end_mcu, const float* mult_t,
                       const int* zig_t, int16_t* out) noexcept nogil
