# cython: language_level=3
# The decoder's per-row colour stage as cdef functions, so that jpeg_pipeline.pyx colours a row
# the moment its neighbours are transformed, with per-thread scratch rows (no allocation per row).
from libc.stdint cimport int16_t, uint8_t


cdef struct Scratch:  # one thread's row buffers for colour_rows
    void* memory
    int16_t* blend
    uint8_t* up_cb
    uint8_t* up_cr


cdef bint scratch_init(Scratch* s, Py_ssize_t cols) noexcept nogil
cdef void scratch_free(Scratch* s) noexcept nogil
cdef void colour_rows(const uint8_t* y, Py_ssize_t y_stride, const uint8_t* cb, const uint8_t* cr,
                      Py_ssize_t rows, Py_ssize_t cols, int fx, int fy, uint8_t* out, Py_ssize_t width,
                      Py_ssize_t first_row, Py_ssize_t end_row, Scratch* scratch) noexcept nogil
