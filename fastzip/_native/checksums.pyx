# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Adler-32 (RFC 1950), with SSE2 where the compiler has it.

The textbook loop (``s1 += byte; s2 += s1``) is one long dependency chain (~1 byte per
cycle, what zlib 1.2's does). Over a block of ``n`` bytes the same sums are
``s1 += sum(b)`` and ``s2 += n * s1 + sum((n - i) * b[i])``: fixed weights, which SSE2
computes 32 bytes at a time with ``psadbw`` (byte sums) and ``pmaddwd`` (weighted sums),
as libdeflate does. Elsewhere the portable loop runs. The modulo is taken every NMAX
bytes, the most that cannot overflow 32 bits.
"""

from libc.stdint cimport uint8_t, uint32_t

cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #define FZ_BASE 65521u
    #define FZ_NMAX 5536   /* 173 groups of 32: keeps s2 below 2**32 between reductions */

    static uint32_t fz_adler32_portable(uint32_t adler, const uint8_t *p, size_t n) {
        uint32_t s1 = adler & 0xFFFF, s2 = adler >> 16;
        while (n) {
            size_t chunk = n < FZ_NMAX ? n : FZ_NMAX;
            n -= chunk;
            while (chunk--) { s1 += *p++; s2 += s1; }
            s1 %= FZ_BASE; s2 %= FZ_BASE;
        }
        return (s2 << 16) | s1;
    }

    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    static uint32_t fz_adler32(uint32_t adler, const uint8_t *p, size_t n) {
        uint64_t s1 = adler & 0xFFFF, s2 = adler >> 16;  /* 64 bits: the lane sums below add up to ~2**32 */
        const __m128i zero = _mm_setzero_si128();
        const __m128i w_hi = _mm_setr_epi16(32, 31, 30, 29, 28, 27, 26, 25);
        const __m128i w_hi2 = _mm_setr_epi16(24, 23, 22, 21, 20, 19, 18, 17);
        const __m128i w_lo = _mm_setr_epi16(16, 15, 14, 13, 12, 11, 10, 9);
        const __m128i w_lo2 = _mm_setr_epi16(8, 7, 6, 5, 4, 3, 2, 1);
        while (n >= 32) {
            size_t groups = (n < FZ_NMAX ? n : FZ_NMAX) / 32;
            __m128i v_s1 = zero, v_s2 = zero, v_s1_sums = zero;
            n -= groups * 32;
            s2 += s1 * 32 * groups;
            while (groups--) {
                __m128i a = _mm_loadu_si128((const __m128i *)p);
                __m128i b = _mm_loadu_si128((const __m128i *)(p + 16));
                v_s1_sums = _mm_add_epi32(v_s1_sums, v_s1);  /* each earlier group's s1 counts 32 more times */
                v_s1 = _mm_add_epi32(v_s1, _mm_add_epi32(_mm_sad_epu8(a, zero), _mm_sad_epu8(b, zero)));
                v_s2 = _mm_add_epi32(v_s2, _mm_madd_epi16(_mm_unpacklo_epi8(a, zero), w_hi));
                v_s2 = _mm_add_epi32(v_s2, _mm_madd_epi16(_mm_unpackhi_epi8(a, zero), w_hi2));
                v_s2 = _mm_add_epi32(v_s2, _mm_madd_epi16(_mm_unpacklo_epi8(b, zero), w_lo));
                v_s2 = _mm_add_epi32(v_s2, _mm_madd_epi16(_mm_unpackhi_epi8(b, zero), w_lo2));
                p += 32;
            }
            v_s2 = _mm_add_epi32(v_s2, _mm_slli_epi32(v_s1_sums, 5));
            {
                uint32_t t1[4], t2[4];
                _mm_storeu_si128((__m128i *)t1, v_s1);
                _mm_storeu_si128((__m128i *)t2, v_s2);
                s1 += (uint64_t)t1[0] + t1[1] + t1[2] + t1[3];
                s2 += (uint64_t)t2[0] + t2[1] + t2[2] + t2[3];
            }
            s1 %= FZ_BASE; s2 %= FZ_BASE;
        }
        return fz_adler32_portable((uint32_t)((s2 << 16) | s1), p, n);
    }
    #else
    #define fz_adler32 fz_adler32_portable
    #endif
    """
    uint32_t fz_adler32(uint32_t adler, const uint8_t* p, size_t n) nogil
    uint32_t fz_adler32_portable(uint32_t adler, const uint8_t* p, size_t n) nogil


def adler32(const uint8_t[::1] data, uint32_t value=1):
    """Adler-32 of ``data`` continuing from ``value`` (as ``zlib.adler32``)."""
    cdef uint32_t out
    with nogil:
        out = fz_adler32(value, &data[0] if data.shape[0] else NULL, data.shape[0])
    return out


def adler32_portable(const uint8_t[::1] data, uint32_t value=1):
    """The portable loop alone (what runs without SSE2), for testing it everywhere."""
    cdef uint32_t out
    with nogil:
        out = fz_adler32_portable(value, &data[0] if data.shape[0] else NULL, data.shape[0])
    return out
