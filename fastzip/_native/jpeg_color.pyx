# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""JPEG pixel kernels: colour conversion and chroma resampling.

Encoder side (the step-by-step twin of jpeg_forward.pyx, and the path of non-interleaved
scans): RGB -> level-shifted YCbCr planes (JFIF's full-range BT.601), padded by edge
replication to whole MCUs; box-filter downsampling. Decoder side (planes come from
jpeg_inverse.pyx): libjpeg's "fancy" (triangular) upsampling; libjpeg's 16-bit fixed-point
YCbCr -> RGB (jdcolor.c), so that the output is Pillow's to within rounding.
"""

from libc.stdint cimport int32_t, uint8_t
from libc.stdlib cimport free, malloc


def rgb_to_ycbcr(const uint8_t[:, :, ::1] rgb, float[:, :, ::1] out):
    """``out[0..2]`` = Y - 128, Cb - 128, Cr - 128 of ``rgb``, its last row and column repeated
    to fill ``out``'s (larger or equal) size."""
    cdef Py_ssize_t height = rgb.shape[0], width = rgb.shape[1], y, x, sx
    cdef Py_ssize_t out_w = out.shape[2]
    cdef float r, g, b
    cdef const uint8_t* row
    cdef float* py
    cdef float* pcb
    cdef float* pcr
    with nogil:
        for y in range(out.shape[1]):
            row = &rgb[y if y < height else height - 1, 0, 0]
            py = &out[0, y, 0]
            pcb = &out[1, y, 0]
            pcr = &out[2, y, 0]
            for x in range(out_w):
                sx = 3 * (x if x < width else width - 1)
                r = row[sx]
                g = row[sx + 1]
                b = row[sx + 2]
                py[x] = 0.299 * r + 0.587 * g + 0.114 * b - 128.0
                pcb[x] = -0.168735892 * r - 0.331264108 * g + 0.5 * b
                pcr[x] = 0.5 * r - 0.418687589 * g - 0.081312411 * b


def gray_to_plane(const uint8_t[:, ::1] gray, float[:, ::1] out):
    """``out`` = gray - 128, edge-replicated to ``out``'s size."""
    cdef Py_ssize_t height = gray.shape[0], width = gray.shape[1], y, x
    with nogil:
        for y in range(out.shape[0]):
            for x in range(out.shape[1]):
                out[y, x] = <float>gray[y if y < height else height - 1, x if x < width else width - 1] - 128.0


def downsample(const float[:, ::1] plane, int h, int v, float[:, ::1] out):
    """Average h x v groups of ``plane`` into ``out`` (shape divided by v, h)."""
    cdef Py_ssize_t y, x, i, j
    cdef float acc, norm = 1.0 / (h * v)
    with nogil:
        for y in range(out.shape[0]):
            for x in range(out.shape[1]):
                acc = 0
                for i in range(v):
                    for j in range(h):
                        acc = acc + plane[y * v + i, x * h + j]
                out[y, x] = acc * norm


cdef inline void _h2v2_row(const uint8_t* near, const uint8_t* far, Py_ssize_t cols, uint8_t* out) noexcept nogil:
    """One output row of h2v2 fancy upsampling: column sums 3*near + far, then the same
    triangle horizontally, with libjpeg's +8/+7 rounding and its edge rules."""
    cdef Py_ssize_t x
    cdef int32_t here, prev, nxt
    here = 3 * near[0] + far[0]
    prev = here
    for x in range(cols):
        nxt = 3 * near[x + 1] + far[x + 1] if x + 1 < cols else here
        out[2 * x] = <uint8_t>(((4 * here + 8) >> 4) if x == 0 else ((3 * here + prev + 8) >> 4))
        out[2 * x + 1] = <uint8_t>(((4 * here + 7) >> 4) if x == cols - 1 else ((3 * here + nxt + 7) >> 4))
        prev = here
        here = nxt


cdef inline void _h2v1_row(const uint8_t* src, Py_ssize_t cols, uint8_t* out) noexcept nogil:
    """One row of h2v1 fancy upsampling: 3/4 of the nearer sample and 1/4 of the farther."""
    cdef Py_ssize_t x
    cdef int32_t here, left, right
    for x in range(cols):
        here = src[x]
        left = src[x - 1] if x > 0 else here
        right = src[x + 1] if x + 1 < cols else here
        out[2 * x] = <uint8_t>(here if x == 0 else (3 * here + left + 1) >> 2)
        out[2 * x + 1] = <uint8_t>(here if x == cols - 1 else (3 * here + right + 2) >> 2)


def upsample(const uint8_t[:, ::1] src, int fx, int fy, uint8_t[:, ::1] out,
             Py_ssize_t first_row=0, Py_ssize_t end_row=-1):
    """libjpeg's fancy upsampling by ``fx``, ``fy`` (each 1 or 2): ``out`` is src's size times them.

    h2v1/h1v2: 3/4 of the nearer sample and 1/4 of the farther, alternately rounded;
    h2v2: the same triangle in both directions at once, with libjpeg's +8/+7 rounding.
    Only source rows ``first_row .. end_row - 1`` (all by default) are upsampled, so that
    threads can share an image; neighbours outside the range are still read.
    """
    cdef Py_ssize_t rows = src.shape[0], cols = src.shape[1], y, x, ya, yb, xl, xr
    cdef int32_t here, left, right, a, c, l2, r2
    if fx not in (1, 2) or fy not in (1, 2) or out.shape[0] < rows * fy or out.shape[1] < cols * fx:
        raise ValueError("factors must be 1 or 2 and out at least src's size times them")
    if end_row < 0 or end_row > rows:
        end_row = rows
    if first_row < 0:
        first_row = 0
    with nogil:
        if fx == 2 and fy == 2:
            for y in range(first_row, end_row):
                ya = y - 1 if y > 0 else 0
                yb = y + 1 if y + 1 < rows else rows - 1
                _h2v2_row(&src[y, 0], &src[ya, 0], cols, &out[2 * y, 0])
                _h2v2_row(&src[y, 0], &src[yb, 0], cols, &out[2 * y + 1, 0])
        elif fx == 2:
            for y in range(first_row, end_row):
                _h2v1_row(&src[y, 0], cols, &out[y, 0])
        elif fy == 2:
            for y in range(first_row, end_row):
                ya = y - 1 if y > 0 else 0
                yb = y + 1 if y + 1 < rows else rows - 1
                for x in range(cols):
                    here = src[y, x]
                    out[2 * y, x] = <uint8_t>((3 * here + src[ya, x] + 1) >> 2)
                    out[2 * y + 1, x] = <uint8_t>((3 * here + src[yb, x] + 2) >> 2)
        else:
            for y in range(first_row, end_row):
                for x in range(cols):
                    out[y, x] = src[y, x]


cdef enum:
    SCALEBITS = 16
    ONE_HALF = 1 << 15

cdef int32_t[256] CR_R
cdef int32_t[256] CB_B
cdef int32_t[256] CR_G
cdef int32_t[256] CB_G


# RANGE[v + 384] = v clamped to 0..255, for v in -384..639: every sum below, without a branch.
cdef uint8_t[1024] RANGE


cdef void _init_tables():
    cdef int i, x
    for i in range(1024):
        RANGE[i] = <uint8_t>(0 if i < 384 else (255 if i > 384 + 255 else i - 384))
    for i in range(256):
        x = i - 128
        CR_R[i] = (<int32_t>(1.40200 * 65536 + 0.5) * x + ONE_HALF) >> SCALEBITS
        CB_B[i] = (<int32_t>(1.77200 * 65536 + 0.5) * x + ONE_HALF) >> SCALEBITS
        CR_G[i] = -<int32_t>(0.71414 * 65536 + 0.5) * x
        CB_G[i] = -<int32_t>(0.34414 * 65536 + 0.5) * x + ONE_HALF

_init_tables()


cdef inline void _ycbcr_row(const uint8_t* py, const uint8_t* pcb, const uint8_t* pcr, Py_ssize_t width,
                            uint8_t* po) noexcept nogil:
    cdef Py_ssize_t j
    cdef int32_t yy, b, r
    for j in range(width):
        yy = py[j] + 384
        b = pcb[j]
        r = pcr[j]
        po[3 * j] = RANGE[yy + CR_R[r]]
        po[3 * j + 1] = RANGE[yy + ((CB_G[b] + CR_G[r]) >> SCALEBITS)]
        po[3 * j + 2] = RANGE[yy + CB_B[b]]


def ycbcr_to_rgb(const uint8_t[:, ::1] y, const uint8_t[:, ::1] cb, const uint8_t[:, ::1] cr,
                 uint8_t[:, :, ::1] out):
    """libjpeg's YCbCr -> RGB over ``out``'s size (each plane at least that large)."""
    cdef Py_ssize_t i, width = out.shape[1]
    if y.shape[0] < out.shape[0] or cb.shape[0] < out.shape[0] or cr.shape[0] < out.shape[0] or \
            y.shape[1] < width or cb.shape[1] < width or cr.shape[1] < width:
        raise ValueError("planes smaller than the output")
    with nogil:
        for i in range(out.shape[0]):
            _ycbcr_row(&y[i, 0], &cb[i, 0], &cr[i, 0], width, &out[i, 0, 0])


def upsampled_ycbcr_to_rgb(const uint8_t[:, ::1] y, const uint8_t[:, ::1] cb, const uint8_t[:, ::1] cr, int fx, int fy,
                           uint8_t[:, :, ::1] out, Py_ssize_t first_row=0, Py_ssize_t end_row=-1):
    """Fancy upsampling of both chroma planes by ``fx`` x ``fy`` ((1, 1), (2, 1) or (2, 2)) and
    colour conversion in one pass over output rows ``first_row .. end_row - 1``: each chroma row
    is upsampled into a row buffer and converted at once, so the full-size chroma planes of
    the two-step path (:func:`upsample`, then :func:`ycbcr_to_rgb`) are never written."""
    cdef Py_ssize_t rows = cb.shape[0], cols = cb.shape[1], width = out.shape[1], i, cy, far
    cdef uint8_t* buf
    if (fx, fy) not in ((1, 1), (2, 1), (2, 2)) or cr.shape[0] != rows or cr.shape[1] != cols:
        raise ValueError("sampling must be 1x1, 2x1 or 2x2, and Cb and Cr alike")
    if y.shape[0] < out.shape[0] or y.shape[1] < width or rows * fy < out.shape[0] or cols * fx < width:
        raise ValueError("planes smaller than the output")
    if end_row < 0 or end_row > out.shape[0]:
        end_row = out.shape[0]
    if first_row < 0:
        first_row = 0
    buf = <uint8_t*>malloc(2 * (2 * cols + 16))
    if buf == NULL:
        raise MemoryError()
    with nogil:
        for i in range(first_row, end_row):
            if fx == 1:
                _ycbcr_row(&y[i, 0], &cb[i, 0], &cr[i, 0], width, &out[i, 0, 0])
                continue
            cy = i // fy
            if fy == 2:
                far = cy - 1 if i % 2 == 0 else cy + 1  # the other chroma row this output row leans to
                far = 0 if far < 0 else (rows - 1 if far >= rows else far)
                _h2v2_row(&cb[cy, 0], &cb[far, 0], cols, buf)
                _h2v2_row(&cr[cy, 0], &cr[far, 0], cols, buf + 2 * cols + 16)
            else:
                _h2v1_row(&cb[cy, 0], cols, buf)
                _h2v1_row(&cr[cy, 0], cols, buf + 2 * cols + 16)
            _ycbcr_row(&y[i, 0], buf, buf + 2 * cols + 16, width, &out[i, 0, 0])
    free(buf)
