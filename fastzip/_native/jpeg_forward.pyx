# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The JPEG encoder's pixel half in one pass, MCU by MCU: RGB (or gray) -> level-shifted
YCbCr -> box-filtered chroma -> AAN DCT -> quantization -> zigzag, written straight into the
scan-ordered coefficient array the entropy coder reads.

Why fused: the step-by-step path (jpeg_color + dct + quantize + a numpy reorder) writes three
float planes, block copies and a reordered copy, 40+ bytes per pixel of traffic and first-touch
page faults. Here one MCU's pixels live in stack blocks, and chroma is converted from RGB
already averaged (a quarter of the work at 4:2:0). Float rounding in that order differs from
the step-by-step path's by a unit in the last place, so quantized coefficients may differ by
one on exact rounding ties (a test bounds it). The caller splits MCU rows between threads; the
GIL is released.
"""

from libc.stdint cimport int16_t, uint8_t

from .dct_kernels cimport fdct_1d, transpose8

cdef extern from *:
    """
    #include <stdint.h>
    #include <math.h>
    /* q[k] = round-half-away(x[k] * m[k]) clamped to +-1023 (DC: -1024..1023), natural order. */
    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    static inline void fz_quantize64(const float *x, const float *m, int16_t *q) {
        const __m128 sign = _mm_set1_ps(-0.0f), half = _mm_set1_ps(0.5f);
        const __m128i lo = _mm_set1_epi16(-1023), hi = _mm_set1_epi16(1023);
        for (int k = 0; k < 64; k += 8) {
            __m128 a = _mm_mul_ps(_mm_loadu_ps(x + k), _mm_loadu_ps(m + k));
            __m128 b = _mm_mul_ps(_mm_loadu_ps(x + k + 4), _mm_loadu_ps(m + k + 4));
            a = _mm_add_ps(a, _mm_or_ps(half, _mm_and_ps(a, sign)));
            b = _mm_add_ps(b, _mm_or_ps(half, _mm_and_ps(b, sign)));
            __m128i v = _mm_packs_epi32(_mm_cvttps_epi32(a), _mm_cvttps_epi32(b));
            _mm_storeu_si128((__m128i *)(q + k), _mm_min_epi16(_mm_max_epi16(v, lo), hi));
        }
        { float dc = x[0] * m[0]; long r = (long)(dc + copysignf(0.5f, dc));
          q[0] = (int16_t)(r < -1024 ? -1024 : (r > 1023 ? 1023 : r)); }
    }
    #else
    static inline void fz_quantize64(const float *x, const float *m, int16_t *q) {
        for (int k = 0; k < 64; k++) {
            float v = x[k] * m[k]; long r = (long)(v + copysignf(0.5f, v));
            long lim = k ? -1023 : -1024;
            q[k] = (int16_t)(r < lim ? lim : (r > 1023 ? 1023 : r));
        }
    }
    #endif
    """
    void fz_quantize64(const float* x, const float* m, int16_t* q) nogil


cdef inline void transform_quantize(float* blk, const float* multiplier, const int* zigzag,
                                    int16_t* out) noexcept nogil:
    """AAN DCT of one level-shifted block, times ``multiplier`` (AAN scale / q), rounded (halves
    away from zero), clamped to baseline's ranges (DC -1024..1023, AC +-1023), zigzagged.

    Both passes run down columns, eight at a time (the compiler vectorizes across them), with a
    transpose between: the result stays transposed, so ``multiplier`` and ``zigzag`` come
    transposed too (see :func:`mcu_coefficients`)."""
    cdef int k
    cdef int16_t[64] transposed
    for k in range(8):
        fdct_1d(blk + k, 8)
    transpose8(blk)
    for k in range(8):
        fdct_1d(blk + k, 8)
    fz_quantize64(blk, multiplier, transposed)
    for k in range(64):
        out[k] = transposed[zigzag[k]]


cdef inline void gray_block(const uint8_t* pixels, Py_ssize_t stride, Py_ssize_t height, Py_ssize_t width,
                            Py_ssize_t y0, Py_ssize_t x0, float* blk) noexcept nogil:
    cdef int py, px
    cdef Py_ssize_t sy, sx
    cdef const uint8_t* row
    for py in range(8):
        sy = y0 + py
        row = pixels + (sy if sy < height else height - 1) * stride
        for px in range(8):
            sx = x0 + px
            blk[py * 8 + px] = <float>row[sx if sx < width else width - 1] - <float>128.0


cdef inline void colour_mcu(const uint8_t* pixels, Py_ssize_t stride, Py_ssize_t height, Py_ssize_t width, Py_ssize_t y0,
                            Py_ssize_t x0, int hmax, int vmax, float[4][64] luma, float* cb, float* cr) noexcept nogil:
    """One MCU's level-shifted Y blocks, and its Cb and Cr blocks from RGB averaged over each
    ``hmax x vmax`` group (the conversion is linear: averaging RGB first is the same filter,
    and converts a quarter of the pixels at 4:2:0)."""
    cdef int py, px, bx, cy, cx
    cdef Py_ssize_t sy, sx
    cdef const uint8_t* row
    cdef const uint8_t* p
    cdef float r, g, b
    cdef float[256] rs
    cdef float[256] gs
    cdef float[256] bs
    cdef float norm = <float>1.0 / <float>(hmax * vmax)
    cdef int mcu_w = 8 * hmax
    cdef bint inside = x0 + mcu_w <= width
    for py in range(8 * vmax):
        sy = y0 + py
        row = pixels + (sy if sy < height else height - 1) * stride
        for bx in range(hmax):
            for px in range(8):
                sx = x0 + 8 * bx + px
                if not inside and sx >= width:
                    sx = width - 1
                p = row + 3 * sx
                r = p[0]
                g = p[1]
                b = p[2]
                luma[(py >> 3) * hmax + bx][(py & 7) * 8 + px] = (
                    <float>0.299 * r + <float>0.587 * g + <float>0.114 * b - <float>128.0)
                rs[py * mcu_w + 8 * bx + px] = r
                gs[py * mcu_w + 8 * bx + px] = g
                bs[py * mcu_w + 8 * bx + px] = b
    for cy in range(8):
        for cx in range(8):
            r = g = b = 0
            for py in range(cy * vmax, cy * vmax + vmax):
                for px in range(cx * hmax, cx * hmax + hmax):
                    r += rs[py * mcu_w + px]
                    g += gs[py * mcu_w + px]
                    b += bs[py * mcu_w + px]
            r *= norm
            g *= norm
            b *= norm
            cb[cy * 8 + cx] = <float>-0.168735892 * r - <float>0.331264108 * g + <float>0.5 * b
            cr[cy * 8 + cx] = <float>0.5 * r - <float>0.418687589 * g - <float>0.081312411 * b


cdef void transposed_tables(const float* multiplier, const Py_ssize_t* zigzag, float* mult_t,
                            int* zig_t) noexcept nogil:
    """The quantization multipliers (2 x 64, natural order) and zigzag order as
    :func:`transform_quantize` takes them: for blocks left transposed. Zigzag entries 0..63."""
    cdef int k, p
    for k in range(64):
        p = (k % 8) * 8 + k // 8  # k's place in a transposed block
        mult_t[p] = multiplier[k]
        mult_t[64 + p] = multiplier[64 + k]
        zig_t[k] = <int>((zigzag[k] % 8) * 8 + zigzag[k] // 8)


cdef void forward_rows(const uint8_t* pixels, Py_ssize_t height, Py_ssize_t width, int channels, int hmax,
                       int vmax, Py_ssize_t first_row, Py_ssize_t end_row, const float* mult_t, const int* zig_t,
                       int16_t* out) noexcept nogil:
    """MCU rows ``first_row .. end_row - 1`` into ``out`` (scan order, 64 per block); unchecked:
    :func:`mcu_coefficients` and the pipeline check the arguments."""
    cdef int mcu_w = 8 * hmax, mcu_h = 8 * vmax, k
    cdef Py_ssize_t mcus_x = (width + mcu_w - 1) // mcu_w, stride = width * channels, my, mx, base
    cdef int per_mcu = hmax * vmax + (2 if channels == 3 else 0)
    cdef float[4][64] luma
    cdef float[64] cb
    cdef float[64] cr
    for my in range(first_row, end_row):
        for mx in range(mcus_x):
            base = (my * mcus_x + mx) * per_mcu
            if channels == 1:
                gray_block(pixels, stride, height, width, my * 8, mx * 8, luma[0])
                transform_quantize(luma[0], mult_t, zig_t, out + 64 * base)
                continue
            colour_mcu(pixels, stride, height, width, my * mcu_h, mx * mcu_w, hmax, vmax, luma, cb, cr)
            for k in range(hmax * vmax):
                transform_quantize(luma[k], mult_t, zig_t, out + 64 * (base + k))
            k = hmax * vmax
            transform_quantize(cb, mult_t + 64, zig_t, out + 64 * (base + k))
            transform_quantize(cr, mult_t + 64, zig_t, out + 64 * (base + k + 1))


def check_forward_arguments(const uint8_t[:, ::1] pixels, int channels, int hmax, int vmax, Py_ssize_t end_row,
                            const float[:, ::1] multiplier, const Py_ssize_t[::1] zigzag, int16_t[:, ::1] out):
    """What :func:`mcu_coefficients` (and the encoding pipeline) require of their arguments."""
    cdef Py_ssize_t height = pixels.shape[0], width = pixels.shape[1] // channels if channels else 0
    cdef int mcu_w = 8 * hmax
    cdef int k
    if channels not in (1, 3) or not (1 <= hmax <= 2 and 1 <= vmax <= 2) or (channels == 1 and hmax * vmax != 1):
        raise ValueError("channels must be 1 or 3, sampling 1..2 (1x1 for gray)")
    cdef Py_ssize_t mcus_x = (width + mcu_w - 1) // mcu_w
    cdef int per_mcu = hmax * vmax + (2 if channels == 3 else 0)
    if out.shape[0] < end_row * mcus_x * per_mcu or out.shape[1] != 64 or multiplier.shape[0] != 2 \
            or multiplier.shape[1] != 64 or zigzag.shape[0] != 64 or height < 1 or width < 1 \
            or pixels.shape[1] != width * channels:
        raise ValueError("output or tables too small")
    for k in range(64):
        if not 0 <= zigzag[k] < 64:
            raise ValueError("zigzag entries must be 0..63")


def mcu_coefficients(const uint8_t[:, ::1] pixels, int channels, int hmax, int vmax,
                     Py_ssize_t first_row, Py_ssize_t end_row, const float[:, ::1] multiplier,
                     const Py_ssize_t[::1] zigzag, int16_t[:, ::1] out):
    """Coefficients of MCU rows ``first_row`` .. ``end_row - 1`` into ``out`` (scan order).

    ``pixels`` is the image as rows of ``width * channels`` bytes (channels 1 or 3). A colour MCU
    is ``hmax x vmax`` luma blocks in raster order, then one Cb and one Cr block (chroma averaged
    over ``hmax x vmax`` pixels); a gray MCU is one block. Pixels past the right and bottom edges
    repeat the last column and row. ``multiplier`` holds, in natural order, the forward AAN
    scale divided by the luma (row 0) and chroma (row 1) quantization tables.
    """
    cdef float[128] mult_t
    cdef int[64] zig_t
    check_forward_arguments(pixels, channels, hmax, vmax, end_row, multiplier, zigzag, out)
    if first_row < 0 or first_row >= end_row:
        return
    transposed_tables(&multiplier[0, 0], &zigzag[0], mult_t, zig_t)
    with nogil:
        forward_rows(&pixels[0, 0], pixels.shape[0], pixels.shape[1] // channels, channels, hmax, vmax,
                     first_row, end_row, mult_t, zig_t, &out[0, 0])
