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

    /* One MCU's colour in SSE2, for MCUs wholly inside the image: the same float operations in
       the same order as colour_mcu (below), so the same bits. rows[py] points at the MCU's
       first pixel on each of its 8 vmax rows (already clamped to the image). */
    #if defined(__SSE2__) || defined(_M_X64)
    #define FZ_COLOUR_SSE2 1
    /* 8 RGB pixels (24 bytes) as floats per channel, pixels 0-3 in c[k][0], 4-7 in c[k][1]. The
       bytes are widened and masked so that every channel lands in the lane order 0 3 6 1 4 7 2 5
       (G and B after a rotation), converted, and put back in order with four shuffles. */
    static inline void fz_rgb8(const uint8_t *p, __m128 c[3][2]) {
        const __m128i zero = _mm_setzero_si128();
        const __m128i m0 = _mm_setr_epi16(-1, 0, 0, -1, 0, 0, -1, 0);
        const __m128i m1 = _mm_setr_epi16(0, -1, 0, 0, -1, 0, 0, -1);
        const __m128i m2 = _mm_setr_epi16(0, 0, -1, 0, 0, -1, 0, 0);
        __m128i v0 = _mm_loadu_si128((const __m128i *)p), v1 = _mm_loadl_epi64((const __m128i *)(p + 16));
        __m128i w0 = _mm_unpacklo_epi8(v0, zero);  /* r0 g0 b0 r1 g1 b1 r2 g2 */
        __m128i w1 = _mm_unpackhi_epi8(v0, zero);  /* b2 r3 g3 b3 r4 g4 b4 r5 */
        __m128i w2 = _mm_unpacklo_epi8(v1, zero);  /* g5 b5 r6 g6 b6 r7 g7 b7 */
        __m128i ch[3];
        ch[0] = _mm_or_si128(_mm_or_si128(_mm_and_si128(w0, m0), _mm_and_si128(w1, m1)), _mm_and_si128(w2, m2));
        ch[1] = _mm_or_si128(_mm_or_si128(_mm_and_si128(w0, m1), _mm_and_si128(w1, m2)), _mm_and_si128(w2, m0));
        ch[2] = _mm_or_si128(_mm_or_si128(_mm_and_si128(w0, m2), _mm_and_si128(w1, m0)), _mm_and_si128(w2, m1));
        ch[1] = _mm_or_si128(_mm_srli_si128(ch[1], 2), _mm_slli_si128(ch[1], 14));  /* 5 0 3 6 1 4 7 2 -> 0 3 6 1 ... */
        ch[2] = _mm_or_si128(_mm_srli_si128(ch[2], 4), _mm_slli_si128(ch[2], 12));  /* 2 5 0 3 6 1 4 7 -> 0 3 6 1 ... */
        for (int k = 0; k < 3; k++) {
            __m128 a = _mm_cvtepi32_ps(_mm_unpacklo_epi16(ch[k], zero));  /* pixels 0 3 6 1 */
            __m128 b = _mm_cvtepi32_ps(_mm_unpackhi_epi16(ch[k], zero));  /* pixels 4 7 2 5 */
            __m128 t = _mm_shuffle_ps(b, a, _MM_SHUFFLE(1, 0, 0, 2));      /* 2 4 0 1 */
            __m128 u = _mm_shuffle_ps(a, b, _MM_SHUFFLE(1, 0, 0, 2));      /* 6 0 4 5 */
            c[k][0] = _mm_shuffle_ps(a, t, _MM_SHUFFLE(3, 0, 3, 0));       /* 0 1 2 3 */
            c[k][1] = _mm_shuffle_ps(b, u, _MM_SHUFFLE(3, 0, 3, 0));       /* 4 5 6 7 */
        }
    }

    static void fz_colour_mcu(const uint8_t *const *rows, int hmax, int vmax, float (*luma)[64], float *cb, float *cr) {
        const __m128 kyr = _mm_set1_ps(0.299f), kyg = _mm_set1_ps(0.587f), kyb = _mm_set1_ps(0.114f);
        const __m128 kbr = _mm_set1_ps(-0.168735892f), kbg = _mm_set1_ps(0.331264108f), kbb = _mm_set1_ps(0.5f);
        const __m128 krr = _mm_set1_ps(0.5f), krg = _mm_set1_ps(0.418687589f), krb = _mm_set1_ps(0.081312411f);
        const __m128 shift = _mm_set1_ps(128.0f), norm = _mm_set1_ps(1.0f / (float)(hmax * vmax));
        __m128 acc[3][2];
        for (int py = 0; py < 8 * vmax; py++) {
            for (int bx = 0; bx < hmax; bx++) {
                __m128 c[3][2], sum[3];
                fz_rgb8(rows[py] + 24 * bx, c);
                float *y = luma[(py >> 3) * hmax + bx] + (py & 7) * 8;
                for (int h = 0; h < 2; h++)
                    _mm_storeu_ps(y + 4 * h, _mm_sub_ps(_mm_add_ps(_mm_add_ps(_mm_mul_ps(kyr, c[0][h]),
                        _mm_mul_ps(kyg, c[1][h])), _mm_mul_ps(kyb, c[2][h])), shift));
                for (int k = 0; k < 3; k++) {
                    if (hmax == 2) {  /* pairs across: this group's four chroma samples, slot bx */
                        sum[0] = _mm_add_ps(_mm_shuffle_ps(c[k][0], c[k][1], _MM_SHUFFLE(2, 0, 2, 0)),
                                            _mm_shuffle_ps(c[k][0], c[k][1], _MM_SHUFFLE(3, 1, 3, 1)));
                        acc[k][bx] = py % vmax ? _mm_add_ps(acc[k][bx], sum[0]) : sum[0];
                    } else {
                        for (int h = 0; h < 2; h++)
                            acc[k][h] = py % vmax ? _mm_add_ps(acc[k][h], c[k][h]) : c[k][h];
                    }
                }
            }
            if (py % vmax == vmax - 1) {
                int cy = py / vmax;
                for (int h = 0; h < 2; h++) {
                    __m128 r = _mm_mul_ps(acc[0][h], norm), g = _mm_mul_ps(acc[1][h], norm), b = _mm_mul_ps(acc[2][h], norm);
                    _mm_storeu_ps(cb + cy * 8 + 4 * h,
                                  _mm_add_ps(_mm_sub_ps(_mm_mul_ps(kbr, r), _mm_mul_ps(kbg, g)), _mm_mul_ps(kbb, b)));
                    _mm_storeu_ps(cr + cy * 8 + 4 * h,
                                  _mm_sub_ps(_mm_sub_ps(_mm_mul_ps(krr, r), _mm_mul_ps(krg, g)), _mm_mul_ps(krb, b)));
                }
            }
        }
    }
    #else
    #define FZ_COLOUR_SSE2 0
    static void fz_colour_mcu(const uint8_t *const *rows, int hmax, int vmax, float (*luma)[64], float *cb, float *cr) {}
    #endif
    """
    void fz_quantize64(const float* x, const float* m, int16_t* q) nogil
    bint COLOUR_SSE2 "FZ_COLOUR_SSE2"
    void fz_colour_mcu(const uint8_t** rows, int hmax, int vmax, float[4][64] luma, float* cb, float* cr) nogil


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


cdef void forward_mcus(const uint8_t* pixels, Py_ssize_t height, Py_ssize_t width, int channels, int hmax,
                       int vmax, Py_ssize_t row, Py_ssize_t first_mcu, Py_ssize_t end_mcu, const float* mult_t,
                       const int* zig_t, int16_t* out) noexcept nogil:
    """MCUs ``first_mcu .. end_mcu - 1`` of MCU row ``row`` into ``out`` (from its start, 64 per
    block); unchecked: :func:`mcu_coefficients` and the pipeline check the arguments."""
    cdef int mcu_w = 8 * hmax, mcu_h = 8 * vmax, k
    cdef Py_ssize_t stride = width * channels, mx, base
    cdef int per_mcu = hmax * vmax + (2 if channels == 3 else 0)
    cdef float[4][64] luma
    cdef float[64] cb
    cdef float[64] cr
    cdef const uint8_t* rows[16]
    for mx in range(first_mcu, end_mcu):
        base = (mx - first_mcu) * per_mcu
        if channels == 1:
            gray_block(pixels, stride, height, width, row * 8, mx * 8, luma[0])
            transform_quantize(luma[0], mult_t, zig_t, out + 64 * base)
            continue
        if COLOUR_SSE2 and (mx + 1) * mcu_w <= width:
            for k in range(mcu_h):
                rows[k] = pixels + min(row * mcu_h + k, height - 1) * stride + mx * mcu_w * 3
            fz_colour_mcu(rows, hmax, vmax, luma, cb, cr)
        else:
            colour_mcu(pixels, stride, height, width, row * mcu_h, mx * mcu_w, hmax, vmax, luma, cb, cr)
        for k in range(hmax * vmax):
            transform_quantize(luma[k], mult_t, zig_t, out + 64 * (base + k))
        k = hmax * vmax
        transform_quantize(cb, mult_t + 64, zig_t, out + 64 * (base + k))
        transform_quantize(cr, mult_t + 64, zig_t, out + 64 * (base + k + 1))


cdef void forward_rows(const uint8_t* pixels, Py_ssize_t height, Py_ssize_t width, int channels, int hmax,
                       int vmax, Py_ssize_t first_row, Py_ssize_t end_row, const float* mult_t, const int* zig_t,
                       int16_t* out) noexcept nogil:
    """MCU rows ``first_row .. end_row - 1`` into ``out`` (the whole scan's blocks, in order)."""
    cdef Py_ssize_t mcus_x = (width + 8 * hmax - 1) // (8 * hmax), my
    cdef int per_mcu = hmax * vmax + (2 if channels == 3 else 0)
    for my in range(first_row, end_row):
        forward_mcus(pixels, height, width, channels, hmax, vmax, my, 0, mcus_x, mult_t, zig_t,
                     out + 64 * my * mcus_x * per_mcu)


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
