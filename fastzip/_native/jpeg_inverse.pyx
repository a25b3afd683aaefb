# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The JPEG decoder's inverse transform in one pass: dequantize, float AAN IDCT (libjpeg's
jidctflt.c), level shift, round and clamp, written straight into the component's uint8 plane.

The batched ``dct.inverse_int`` (double precision, IEEE 1180 accurate) plus a clamp-and-place
pass cost two buffers and 0.8 ms on a 512x512 4:2:0 image; this kernel writes each pixel
once. Blocks whose AC coefficients are all zero (common in smooth areas) are filled with their
DC value without a transform. The caller splits block rows between threads; the GIL is released.
"""

from libc.stdint cimport int16_t, uint8_t, uint64_t

from .dct_kernels cimport idct_1d, transpose8

cdef extern from *:
    """
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ || defined(_M_X64) || defined(_M_ARM64)
    #define FZ_LITTLE_ENDIAN 1
    #else
    #define FZ_LITTLE_ENDIAN 0
    #endif
    """
    bint FZ_LITTLE_ENDIAN


cdef inline bint only_dc(const int16_t* blk) noexcept nogil:
    """No AC coefficient: 16 eight-byte words ORed (the DC is the low 16 bits of the first, on
    little-endian machines; big-endian ones take the plain loop)."""
    cdef const uint64_t* words = <const uint64_t*>blk
    cdef uint64_t acc
    cdef int k
    if FZ_LITTLE_ENDIAN:
        acc = words[0] & ~(<uint64_t>0xFFFF)
        for k in range(1, 16):
            acc |= words[k]
        return acc == 0
    for k in range(1, 64):
        if blk[k]:
            return False
    return True


cdef inline uint8_t to_pixel(float x) noexcept nogil:
    x = x + <float>128.5  # level shift, and +0.5 so that truncation rounds
    if x <= 0:
        return 0
    if x >= 255:
        return 255
    return <uint8_t><int>x


cdef inline void inverse_block(const int16_t* src, const float* multiplier, float* work) noexcept nogil:
    """Dequantize and inverse-transform one block into ``work``, left transposed: pixel (row,
    col) at ``work[col * 8 + row]``. Both passes run down columns, eight at a time (the compiler
    vectorizes across them); the transpose between makes the second pass the rows'."""
    cdef int k
    for k in range(64):
        work[k] = src[k] * multiplier[k]
    for k in range(8):
        idct_1d(work + k, 8)
    transpose8(work)
    for k in range(8):
        idct_1d(work + k, 8)


cdef void idct_rows(const int16_t* blocks, Py_ssize_t cols, const float* multiplier, Py_ssize_t first_row,
                    Py_ssize_t end_row, uint8_t* plane, Py_ssize_t rows_px, Py_ssize_t cols_px,
                    Py_ssize_t stride) noexcept nogil:
    """Block rows ``first_row .. end_row - 1`` of a grid ``cols`` blocks wide into a plane of
    ``rows_px`` x ``cols_px`` pixels (row ``stride`` bytes apart), cropped to it. Unchecked:
    :func:`idct_to_plane` and the pipeline check the shapes."""
    cdef Py_ssize_t by, bx, y, x, h, w
    cdef const int16_t* src
    cdef float[64] work
    cdef uint8_t v
    cdef uint8_t* dst
    for by in range(first_row, end_row):
        if by * 8 >= rows_px:
            break
        h = min(8, rows_px - by * 8)
        for bx in range(min(cols, (cols_px + 7) // 8)):
            w = min(8, cols_px - bx * 8)
            src = blocks + (by * cols + bx) * 64
            if only_dc(src):
                v = to_pixel(src[0] * multiplier[0])
                for y in range(h):
                    dst = plane + (by * 8 + y) * stride + bx * 8
                    for x in range(w):
                        dst[x] = v
                continue
            inverse_block(src, multiplier, work)
            for y in range(h):
                dst = plane + (by * 8 + y) * stride + bx * 8
                for x in range(w):
                    dst[x] = to_pixel(work[x * 8 + y])  # still transposed


def idct_to_plane(const int16_t[:, ::1] blocks, Py_ssize_t cols, const float[::1] multiplier,
                  Py_ssize_t first_row, Py_ssize_t end_row, uint8_t[:, ::1] plane):
    """Block rows ``first_row .. end_row - 1`` of a component (blocks row-major over a grid
    ``cols`` wide, coefficients in natural order) into ``plane``, cropped to its size.

    ``multiplier`` (64, natural order) is the quantization table times the inverse AAN scale.
    """
    if multiplier.shape[0] != 64 or blocks.shape[1] != 64 or cols < 1 or first_row < 0 or \
            end_row * cols > blocks.shape[0]:
        raise ValueError("blocks, grid or multiplier do not fit")
    if (plane.shape[0] + 7) // 8 > blocks.shape[0] // cols or (plane.shape[1] + 7) // 8 > cols:
        raise ValueError("plane larger than the block grid")
    if plane.shape[0] == 0 or plane.shape[1] == 0 or first_row >= end_row:
        return
    with nogil:
        idct_rows(&blocks[0, 0], cols, &multiplier[0], first_row, end_row, &plane[0, 0], plane.shape[0],
                  plane.shape[1], plane.shape[1])


cdef void reduced_rows(const int16_t* blocks, Py_ssize_t cols, const float* multiplier, int n,
                       Py_ssize_t first_row, Py_ssize_t end_row, uint8_t* plane, Py_ssize_t rows_px,
                       Py_ssize_t cols_px, Py_ssize_t stride) noexcept nogil:
    """Block rows ``first_row .. end_row - 1`` at ``n`` (1, 2 or 4) pixels a block side into a
    plane of ``rows_px`` x ``cols_px`` pixels (rows ``stride`` bytes apart), cropped to it.
    Unchecked: :func:`reduced_to_plane` and the pipeline check the shapes."""
    cdef Py_ssize_t by, bx, y, x, h, w
    cdef const int16_t* src
    cdef float[64] work
    cdef float acc, norm
    cdef uint8_t value
    cdef int f = 8 // n, dy, dx
    norm = <float>1.0 / (f * f)
    for by in range(first_row, min(end_row, (rows_px + n - 1) // n)):
        h = min(n, rows_px - by * n)
        for bx in range(min(cols, (cols_px + n - 1) // n)):
            src = blocks + (by * cols + bx) * 64
            w = min(n, cols_px - bx * n)
            if n == 1 or only_dc(src):
                value = to_pixel(src[0] * multiplier[0])
                for y in range(h):
                    for x in range(w):
                        plane[(by * n + y) * stride + bx * n + x] = value
                continue
            inverse_block(src, multiplier, work)
            for y in range(h):
                for x in range(w):
                    acc = 0
                    for dx in range(f):  # work is transposed: pixel (row, col) at work[col * 8 + row]
                        for dy in range(f):
                            acc = acc + work[(x * f + dx) * 8 + y * f + dy]
                    plane[(by * n + y) * stride + bx * n + x] = to_pixel(acc * norm)


def reduced_to_plane(const int16_t[:, ::1] blocks, Py_ssize_t cols, const float[::1] multiplier, int n,
                     Py_ssize_t first_row, Py_ssize_t end_row, uint8_t[:, ::1] plane):
    """Block rows ``first_row .. end_row - 1`` of a component at ``n`` (1, 2 or 4) pixels a
    block side: each block's full inverse transform (as :func:`idct_to_plane`, ``multiplier``
    the same) averaged over squares of 8/n x 8/n pixels, then level-shifted, rounded and clamped,
    written into ``plane`` cropped to its size. The averages are what libjpeg-turbo's reduced
    transforms approximate; a block without AC coefficients is one value, and n = 1 needs only
    the DC."""
    if n not in (1, 2, 4) or multiplier.shape[0] != 64 or blocks.shape[1] != 64 or cols < 1 \
            or first_row < 0 or end_row * cols > blocks.shape[0]:
        raise ValueError("blocks, grid, multiplier or size do not fit")
    if (plane.shape[0] + n - 1) // n > blocks.shape[0] // cols or (plane.shape[1] + n - 1) // n > cols:
        raise ValueError("plane larger than the block grid")
    if plane.shape[0] == 0 or plane.shape[1] == 0 or first_row >= end_row:
        return
    with nogil:
        reduced_rows(&blocks[0, 0], cols, &multiplier[0], n, first_row, end_row, &plane[0, 0], plane.shape[0],
                     plane.shape[1], plane.shape[1])
