# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""JPEG pixel kernels: colour conversion and chroma resampling.

Encoder side (the step-by-step twin of jpeg_forward.pyx, and the path of non-interleaved
scans): RGB -> level-shifted YCbCr planes (JFIF's full-range BT.601), padded by edge
replication to whole MCUs; box-filter downsampling. Decoder side (planes come from
jpeg_inverse.pyx): libjpeg's "fancy" (triangular) upsampling; libjpeg's 16-bit fixed-point
YCbCr -> RGB (jdcolor.c), so that the output is Pillow's to within rounding.
"""

from libc.stdint cimport int16_t, int32_t, uint8_t
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy


def rgb_to_ycbcr(const uint8_t[:, :, ::1] rgb, float[:, :, ::1] out, Py_ssize_t first=0, Py_ssize_t end=-1):
    """``out[0..2]`` = Y - 128, Cb - 128, Cr - 128 of ``rgb``, its last row and column repeated
    to fill ``out``'s (larger or equal) size; rows ``first .. end - 1`` of ``out`` only (all
    by default), so that threads can share them."""
    cdef Py_ssize_t height = rgb.shape[0], width = rgb.shape[1], y, x
    cdef Py_ssize_t out_w = out.shape[2]
    cdef float r, g, b
    cdef const uint8_t* row
    cdef float* py
    cdef float* pcb
    cdef float* pcr
    if end < 0 or end > out.shape[1]:
        end = out.shape[1]
    if height == 0 or width == 0 or first < 0:
        raise ValueError("an empty image, or rows before the first")
    with nogil:
        for y in range(first, end):
            row = &rgb[y if y < height else height - 1, 0, 0]
            py = &out[0, y, 0]
            pcb = &out[1, y, 0]
            pcr = &out[2, y, 0]
            # the row's pixels in a loop without branches, then its last one repeated (in
            # double precision, as the recorded outputs were made: tests/golden)
            for x in range(min(width, out_w)):
                r = row[3 * x]
                g = row[3 * x + 1]
                b = row[3 * x + 2]
                py[x] = 0.299 * r + 0.587 * g + 0.114 * b - 128.0
                pcb[x] = -0.168735892 * r - 0.331264108 * g + 0.5 * b
                pcr[x] = 0.5 * r - 0.418687589 * g - 0.081312411 * b
            for x in range(width, out_w):
                py[x] = py[width - 1]
                pcb[x] = pcb[width - 1]
                pcr[x] = pcr[width - 1]


def gray_to_plane(const uint8_t[:, ::1] gray, float[:, ::1] out, Py_ssize_t first=0, Py_ssize_t end=-1):
    """``out`` = gray - 128, edge-replicated to ``out``'s size; rows ``first .. end - 1`` only
    (all by default)."""
    cdef Py_ssize_t height = gray.shape[0], width = gray.shape[1], y, x
    if end < 0 or end > out.shape[0]:
        end = out.shape[0]
    if height == 0 or width == 0 or first < 0:
        raise ValueError("an empty image, or rows before the first")
    with nogil:
        for y in range(first, end):
            for x in range(out.shape[1]):
                out[y, x] = <float>gray[y if y < height else height - 1, x if x < width else width - 1] - 128.0


def downsample(const float[:, ::1] plane, int h, int v, float[:, ::1] out, Py_ssize_t first=0, Py_ssize_t end=-1):
    """Average h x v groups of ``plane`` into ``out`` (shape divided by v, h); rows ``first ..
    end - 1`` of ``out`` only (all by default)."""
    cdef Py_ssize_t y, x, i, j
    cdef float acc, norm = 1.0 / (h * v)
    if end < 0 or end > out.shape[0]:
        end = out.shape[0]
    if h < 1 or v < 1 or out.shape[0] * v > plane.shape[0] or out.shape[1] * h > plane.shape[1] or first < 0:
        raise ValueError("out larger than the plane over h x v, or rows before the first")
    with nogil:
        for y in range(first, end):
            for x in range(out.shape[1]):
                acc = 0
                for i in range(v):
                    for j in range(h):
                        acc = acc + plane[y * v + i, x * h + j]
                out[y, x] = acc * norm


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    #define FZ_SSE2 1
    #endif

    /* t[x] = 3 near[x] + far[x], h2v2's vertical blend; far == NULL: t[x] = near[x] (h2v1). */
    static void fz_blend_rows(const uint8_t *near, const uint8_t *far, Py_ssize_t cols, int16_t *t) {
        Py_ssize_t x = 0;
    #ifdef FZ_SSE2
        const __m128i zero = _mm_setzero_si128();
        for (; x + 8 <= cols; x += 8) {
            __m128i n = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(near + x)), zero);
            if (far) {
                __m128i f = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(far + x)), zero);
                n = _mm_add_epi16(_mm_add_epi16(n, _mm_add_epi16(n, n)), f);
            }
            _mm_storeu_si128((__m128i *)(t + x), n);
        }
    #endif
        for (; x < cols; x++)
            t[x] = far ? (int16_t)(3 * near[x] + far[x]) : near[x];
    }

    /* Fancy upsampling by 2 across a row of cols >= 1 samples t[0 .. cols-1]:
       out[2x] = (3 t[x] + t[x-1] + even_bias) >> shift, out[2x+1] = (3 t[x] + t[x+1] + odd_bias) >> shift,
       with t repeated past both ends, which is libjpeg's edge rule. t needs room at t[-1] and up
       to t[cols+8], out 2 cols + 16 bytes: the last vector step computes past the row. */
    static void fz_h2_row(int16_t *t, Py_ssize_t cols, int even_bias, int odd_bias, int shift, uint8_t *out) {
        Py_ssize_t x = 0;
        t[-1] = t[0];
        t[cols] = t[cols - 1];
    #ifdef FZ_SSE2
        const __m128i be = _mm_set1_epi16((int16_t)even_bias), bo = _mm_set1_epi16((int16_t)odd_bias);
        const __m128i sh = _mm_cvtsi32_si128(shift);
        for (; x < cols; x += 8) {
            __m128i c = _mm_loadu_si128((const __m128i *)(t + x));
            __m128i c3 = _mm_add_epi16(c, _mm_add_epi16(c, c));
            __m128i l = _mm_loadu_si128((const __m128i *)(t + x - 1));
            __m128i r = _mm_loadu_si128((const __m128i *)(t + x + 1));
            __m128i even = _mm_srl_epi16(_mm_add_epi16(_mm_add_epi16(c3, l), be), sh);
            __m128i odd = _mm_srl_epi16(_mm_add_epi16(_mm_add_epi16(c3, r), bo), sh);
            _mm_storeu_si128((__m128i *)(out + 2 * x),
                             _mm_packus_epi16(_mm_unpacklo_epi16(even, odd), _mm_unpackhi_epi16(even, odd)));
        }
    #endif
        for (; x < cols; x++) {
            int c3 = 3 * t[x];
            out[2 * x] = (uint8_t)((c3 + t[x - 1] + even_bias) >> shift);
            out[2 * x + 1] = (uint8_t)((c3 + t[x + 1] + odd_bias) >> shift);
        }
    }

    static inline uint8_t fz_clamp(int v) { return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v)); }

    /* libjpeg's YCbCr -> RGB (jdcolor.c: 16-bit fixed point, rounded) for one row, exactly.
       The SSE2 body restates the constants as libjpeg-turbo's SIMD does, 1.402 = 1 + 0.402,
       1.772 = 2 - 0.228, -0.71414 = 0.28586 - 1, so that products fit 16-bit lanes; the
       rounding (2x * F >> 16, + 1, >> 1) equals (x * F + 32768) >> 16. */
    static void fz_ycc_row(const uint8_t *py, const uint8_t *pcb, const uint8_t *pcr, Py_ssize_t width, uint8_t *po) {
        Py_ssize_t j = 0;
    #ifdef FZ_SSE2
        const __m128i zero = _mm_setzero_si128(), c128 = _mm_set1_epi16(128), one = _mm_set1_epi16(1);
        const __m128i f0402 = _mm_set1_epi16(26345), fm0228 = _mm_set1_epi16(-14942);
        const __m128i fg = _mm_set1_epi32((int32_t)(((uint32_t)18734 << 16) | (uint16_t)-22554));
        const __m128i half = _mm_set1_epi32(32768);
        const __m128i keep0 = _mm_set_epi32(0, 0x00FFFFFF, 0, 0x00FFFFFF);
        const __m128i keep1 = _mm_set_epi32(0xFFFF, (int32_t)0xFF000000, 0xFFFF, (int32_t)0xFF000000);
        /* 16 pixels a step; a step's last store runs 2 bytes into the next pixel, so the loop
           stops while at least one is left for the scalar tail. */
        for (; j + 16 < width; j += 16) {
            __m128i Y = _mm_loadu_si128((const __m128i *)(py + j));
            __m128i CB = _mm_loadu_si128((const __m128i *)(pcb + j));
            __m128i CR = _mm_loadu_si128((const __m128i *)(pcr + j));
            __m128i rgb[3][2];
            for (int h = 0; h < 2; h++) {
                __m128i y = h ? _mm_unpackhi_epi8(Y, zero) : _mm_unpacklo_epi8(Y, zero);
                __m128i cb = _mm_sub_epi16(h ? _mm_unpackhi_epi8(CB, zero) : _mm_unpacklo_epi8(CB, zero), c128);
                __m128i cr = _mm_sub_epi16(h ? _mm_unpackhi_epi8(CR, zero) : _mm_unpacklo_epi8(CR, zero), c128);
                __m128i b = _mm_srai_epi16(_mm_add_epi16(_mm_mulhi_epi16(_mm_add_epi16(cb, cb), fm0228), one), 1);
                __m128i r = _mm_srai_epi16(_mm_add_epi16(_mm_mulhi_epi16(_mm_add_epi16(cr, cr), f0402), one), 1);
                __m128i glo = _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(_mm_unpacklo_epi16(cb, cr), fg), half), 16);
                __m128i ghi = _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(_mm_unpackhi_epi16(cb, cr), fg), half), 16);
                rgb[0][h] = _mm_add_epi16(y, _mm_add_epi16(r, cr));
                rgb[1][h] = _mm_add_epi16(y, _mm_sub_epi16(_mm_packs_epi32(glo, ghi), cr));
                rgb[2][h] = _mm_add_epi16(y, _mm_add_epi16(_mm_add_epi16(b, cb), cb));
            }
            __m128i R = _mm_packus_epi16(rgb[0][0], rgb[0][1]);  /* packus clamps to 0..255 */
            __m128i G = _mm_packus_epi16(rgb[1][0], rgb[1][1]);
            __m128i B = _mm_packus_epi16(rgb[2][0], rgb[2][1]);
            __m128i rg[2] = {_mm_unpacklo_epi8(R, G), _mm_unpackhi_epi8(R, G)};
            __m128i b0[2] = {_mm_unpacklo_epi8(B, zero), _mm_unpackhi_epi8(B, zero)};
            uint8_t *dst = po + 3 * j;
            for (int q = 0; q < 4; q++) {
                /* four pixels as (r, g, b, 0) words, then each 64-bit lane's two packed into six bytes */
                __m128i p = (q & 1) ? _mm_unpackhi_epi16(rg[q >> 1], b0[q >> 1])
                                    : _mm_unpacklo_epi16(rg[q >> 1], b0[q >> 1]);
                p = _mm_or_si128(_mm_and_si128(p, keep0), _mm_and_si128(_mm_srli_epi64(p, 8), keep1));
                _mm_storel_epi64((__m128i *)(dst + 12 * q), p);
                _mm_storel_epi64((__m128i *)(dst + 12 * q + 6), _mm_srli_si128(p, 8));
            }
        }
    #endif
        for (; j < width; j++) {
            int y = py[j], cb = pcb[j] - 128, cr = pcr[j] - 128;
            po[3 * j] = fz_clamp(y + ((91881 * cr + 32768) >> 16));
            po[3 * j + 1] = fz_clamp(y + ((-22554 * cb - 46802 * cr + 32768) >> 16));
            po[3 * j + 2] = fz_clamp(y + ((116130 * cb + 32768) >> 16));
        }
    }
    """
    void fz_blend_rows(const uint8_t* near, const uint8_t* far, Py_ssize_t cols, int16_t* t) noexcept nogil
    void fz_h2_row(int16_t* t, Py_ssize_t cols, int even_bias, int odd_bias, int shift, uint8_t* out) noexcept nogil
    void fz_ycc_row(const uint8_t* py, const uint8_t* pcb, const uint8_t* pcr, Py_ssize_t width,
                    uint8_t* po) noexcept nogil


cdef bint scratch_init(Scratch* s, Py_ssize_t cols) noexcept nogil:
    """Room for upsampling rows ``cols`` samples wide: the blended row (with the slack that
    fz_h2_row reads on both sides) and two upsampled rows (with the slack it writes)."""
    cdef Py_ssize_t row = 2 * cols + 16
    s.memory = calloc(1, (cols + 24) * sizeof(int16_t) + 2 * row)
    if s.memory == NULL:
        return False
    s.blend = <int16_t*>s.memory + 8
    s.up_cb = <uint8_t*>s.memory + (cols + 24) * sizeof(int16_t)
    s.up_cr = s.up_cb + row
    return True


cdef void scratch_free(Scratch* s) noexcept nogil:
    free(s.memory)
    s.memory = NULL


cdef inline void _h2_upsample(const uint8_t* near, const uint8_t* far, Py_ssize_t cols, int16_t* t,
                              uint8_t* out) noexcept nogil:
    """One row upsampled by 2 across: h2v2 when ``far`` (the other source row this output row
    leans to) is given, with libjpeg's +8/+7 rounding; h2v1 when it is NULL, with +1/+2."""
    fz_blend_rows(near, far, cols, t)
    if far != NULL:
        fz_h2_row(t, cols, 8, 7, 4, out)
    else:
        fz_h2_row(t, cols, 1, 2, 2, out)


cdef inline Py_ssize_t _far_row(Py_ssize_t out_row, Py_ssize_t rows) noexcept nogil:
    """The source row that output row ``out_row`` of a 2x vertical upsampling blends with its own
    (the one above for even rows, below for odd), clamped to the plane."""
    cdef Py_ssize_t near = out_row // 2
    cdef Py_ssize_t far = near - 1 if out_row % 2 == 0 else near + 1
    return 0 if far < 0 else (rows - 1 if far >= rows else far)


def upsample(const uint8_t[:, ::1] src, int fx, int fy, uint8_t[:, ::1] out,
             Py_ssize_t first_row=0, Py_ssize_t end_row=-1):
    """libjpeg's fancy upsampling by ``fx``, ``fy`` (each 1 or 2): ``out`` is src's size times them.

    h2v1/h1v2: 3/4 of the nearer sample and 1/4 of the farther, alternately rounded;
    h2v2: the same triangle in both directions at once, with libjpeg's +8/+7 rounding.
    Only source rows ``first_row .. end_row - 1`` (all by default) are upsampled, so that
    threads can share an image; neighbours outside the range are still read.
    """
    cdef Py_ssize_t rows = src.shape[0], cols = src.shape[1], x, i
    cdef const uint8_t* near
    cdef const uint8_t* far
    cdef int bias
    if fx not in (1, 2) or fy not in (1, 2) or out.shape[0] < rows * fy or out.shape[1] < cols * fx:
        raise ValueError("factors must be 1 or 2 and out at least src's size times them")
    if end_row < 0 or end_row > rows:
        end_row = rows
    if first_row < 0:
        first_row = 0
    if rows == 0 or cols == 0:
        return
    cdef Scratch scratch
    if not scratch_init(&scratch, cols):
        raise MemoryError()
    with nogil:
        for i in range(first_row * fy, end_row * fy):  # output rows
            near = &src[i // fy, 0]
            far = &src[_far_row(i, rows), 0] if fy == 2 else NULL
            if fx == 2:
                _h2_upsample(near, far, cols, scratch.blend, scratch.up_cb)
                memcpy(&out[i, 0], scratch.up_cb, 2 * cols)
            elif far != NULL:  # h1v2: the vertical triangle alone, +1/+2 as h2v1 across
                bias = 1 if i % 2 == 0 else 2
                for x in range(cols):
                    out[i, x] = <uint8_t>((3 * near[x] + far[x] + bias) >> 2)
            else:
                memcpy(&out[i, 0], near, cols)
        scratch_free(&scratch)


def ycbcr_to_rgb(const uint8_t[:, ::1] y, const uint8_t[:, ::1] cb, const uint8_t[:, ::1] cr,
                 uint8_t[:, :, ::1] out):
    """libjpeg's YCbCr -> RGB over ``out``'s size (each plane at least that large)."""
    cdef Py_ssize_t i, width = out.shape[1]
    if y.shape[0] < out.shape[0] or cb.shape[0] < out.shape[0] or cr.shape[0] < out.shape[0] or \
            y.shape[1] < width or cb.shape[1] < width or cr.shape[1] < width:
        raise ValueError("planes smaller than the output")
    with nogil:
        for i in range(out.shape[0]):
            fz_ycc_row(&y[i, 0], &cb[i, 0], &cr[i, 0], width, &out[i, 0, 0])


cdef void colour_rows(const uint8_t* y, Py_ssize_t y_stride, const uint8_t* cb, const uint8_t* cr,
                      Py_ssize_t rows, Py_ssize_t cols, int fx, int fy, uint8_t* out, Py_ssize_t width,
                      Py_ssize_t first_row, Py_ssize_t end_row, Scratch* scratch) noexcept nogil:
    """Output rows ``first_row .. end_row - 1`` (``width`` RGB pixels each) from a full-size Y plane
    and ``rows`` x ``cols`` chroma planes sampled ``fx`` x ``fy`` ((1, 1), (2, 1) or (2, 2)):
    each chroma row upsampled into the scratch rows, then converted. Unchecked:
    :func:`upsampled_ycbcr_to_rgb` and the pipeline check the shapes."""
    cdef Py_ssize_t i, cy
    cdef const uint8_t* far_cb
    cdef const uint8_t* far_cr
    for i in range(first_row, end_row):
        if fx == 1:
            fz_ycc_row(y + i * y_stride, cb + i * cols, cr + i * cols, width, out + i * 3 * width)
            continue
        cy = i // fy
        far_cb = cb + _far_row(i, rows) * cols if fy == 2 else NULL
        far_cr = cr + _far_row(i, rows) * cols if fy == 2 else NULL
        _h2_upsample(cb + cy * cols, far_cb, cols, scratch.blend, scratch.up_cb)
        _h2_upsample(cr + cy * cols, far_cr, cols, scratch.blend, scratch.up_cr)
        fz_ycc_row(y + i * y_stride, scratch.up_cb, scratch.up_cr, width, out + i * 3 * width)


def upsampled_ycbcr_to_rgb(const uint8_t[:, ::1] y, const uint8_t[:, ::1] cb, const uint8_t[:, ::1] cr, int fx, int fy,
                           uint8_t[:, :, ::1] out, Py_ssize_t first_row=0, Py_ssize_t end_row=-1):
    """Fancy upsampling of both chroma planes by ``fx`` x ``fy`` ((1, 1), (2, 1) or (2, 2)) and
    colour conversion in one pass over output rows ``first_row .. end_row - 1``: each chroma row
    is upsampled into a row buffer and converted at once, so the full-size chroma planes of
    the two-step path (:func:`upsample`, then :func:`ycbcr_to_rgb`) are never written."""
    cdef Py_ssize_t rows = cb.shape[0], cols = cb.shape[1], width = out.shape[1]
    cdef Scratch scratch
    if (fx, fy) not in ((1, 1), (2, 1), (2, 2)) or cr.shape[0] != rows or cr.shape[1] != cols:
        raise ValueError("sampling must be 1x1, 2x1 or 2x2, and Cb and Cr alike")
    if y.shape[0] < out.shape[0] or y.shape[1] < width or rows * fy < out.shape[0] or cols * fx < width:
        raise ValueError("planes smaller than the output")
    if end_row < 0 or end_row > out.shape[0]:
        end_row = out.shape[0]
    if first_row < 0:
        first_row = 0
    if width == 0 or first_row >= end_row:
        return
    if not scratch_init(&scratch, cols):
        raise MemoryError()
    with nogil:
        colour_rows(&y[0, 0], y.shape[1], &cb[0, 0], &cr[0, 0], rows, cols, fx, fy, &out[0, 0, 0], width,
                    first_row, end_row, &scratch)
        scratch_free(&scratch)
