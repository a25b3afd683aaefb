# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Adler-32 (RFC 1950) and CRC-32 (RFC 1952), with SIMD where the CPU has it.

Adler-32. The textbook loop (``s1 += byte; s2 += s1``) is one long dependency chain (~1 byte
per cycle, what zlib 1.2's does). Over a block of ``n`` bytes the same sums are
``s1 += sum(b)`` and ``s2 += n * s1 + sum((n - i) * b[i])``: fixed weights, which SSE2
computes 32 bytes at a time with ``psadbw`` (byte sums) and ``pmaddwd`` (weighted sums),
and AVX2, where the CPU has it (checked at run time), 64 bytes at a time with ``vpsadbw``
and ``vpmaddubsw`` (bytes times weights straight to 16 bits), as libdeflate does, and with
AVX-512 (where VPCLMULQDQ is there too) 128 bytes a step (1.6x AVX2 on Zen 5). Elsewhere the
portable loop runs. The modulo is taken every NMAX bytes, the most that cannot
overflow 32 bits.

CRC-32 (the reflected polynomial 0xEDB88320, as zlib): a byte-at-a-time table loop is one
dependency chain through a table lookup per byte. Slicing-by-8 looks up eight tables for eight
bytes at once. Where the CPU has carry-less multiplication (PCLMULQDQ, checked at run time, so
one build serves every x86-64 CPU), 64 bytes at a time are folded into four 128-bit remainders:
multiplying a remainder by x^k mod P moves it k bits down the message, so folding is two
carry-less products and two XORs per 16 bytes, with no dependency between the four lanes. The
last 128 bits are reduced to 32 by two more folds and a Barrett reduction (Intel's white paper
"Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", the method libdeflate and the
Linux kernel use); the constants are x^k mod P for the fold distances, bit-reflected. Where
the CPU also has VPCLMULQDQ and AVX-512 (Ice Lake, Zen 4 and later), inputs from 1 KiB fold four
lanes to an instruction in 512-bit registers, 256 bytes a turn (~4x the 128-bit loop's speed on
Zen 5, libdeflate's speed), and finish in the 128-bit code.

The AVX functions clear the registers' upper halves before returning (``vzeroupper``): left
dirty, every legacy-SSE instruction after them in the process ran 2-4x slower on Zen 5 (this
module's own SSE2 and 128-bit paths included).
"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
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
    static uint32_t fz_adler32_sse2(uint32_t adler, const uint8_t *p, size_t n) {
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
    #define fz_adler32_sse2 fz_adler32_portable
    #endif

    #if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    #include <immintrin.h>
    #define FZ_ADLER_AVX2 1
    /* 64 bytes a step in 256-bit lanes: byte sums by vpsadbw, weighted sums by vpmaddubsw
       (bytes times weights 64..1, pairs added into 16 bits: at most 2 * 255 * 64) and vpmaddwd. */
    __attribute__((target("avx2")))
    static uint32_t fz_adler32_avx2(uint32_t adler, const uint8_t *p, size_t n) {
        uint64_t s1 = adler & 0xFFFF, s2 = adler >> 16;
        const __m256i zero = _mm256_setzero_si256();
        const __m256i ones = _mm256_set1_epi16(1);
        const __m256i w_a = _mm256_setr_epi8(64, 63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49,
                                             48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33);
        const __m256i w_b = _mm256_setr_epi8(32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
                                             16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
        while (n >= 64) {
            size_t steps = (n < FZ_NMAX ? n : FZ_NMAX) / 64;
            __m256i v_s1 = zero, v_s2 = zero, v_s1_sums = zero;
            n -= steps * 64;
            s2 += s1 * 64 * steps;
            while (steps--) {
                __m256i a = _mm256_loadu_si256((const __m256i *)p);
                __m256i b = _mm256_loadu_si256((const __m256i *)(p + 32));
                v_s1_sums = _mm256_add_epi32(v_s1_sums, v_s1);  /* each earlier step's s1 counts 64 more times */
                v_s1 = _mm256_add_epi32(v_s1, _mm256_add_epi32(_mm256_sad_epu8(a, zero), _mm256_sad_epu8(b, zero)));
                v_s2 = _mm256_add_epi32(v_s2, _mm256_madd_epi16(_mm256_maddubs_epi16(a, w_a), ones));
                v_s2 = _mm256_add_epi32(v_s2, _mm256_madd_epi16(_mm256_maddubs_epi16(b, w_b), ones));
                p += 64;
            }
            v_s2 = _mm256_add_epi32(v_s2, _mm256_slli_epi32(v_s1_sums, 6));
            {
                uint32_t t1[8], t2[8];
                int i;
                _mm256_storeu_si256((__m256i *)t1, v_s1);
                _mm256_storeu_si256((__m256i *)t2, v_s2);
                for (i = 0; i < 8; i++) { s1 += t1[i]; s2 += t2[i]; }
            }
            s1 %= FZ_BASE; s2 %= FZ_BASE;
        }
        /* Clean upper halves before any legacy-SSE code runs (this function's tail, the
           caller's, other libraries'): left dirty, it ran at a quarter of its speed on Zen 5. */
        _mm256_zeroupper();
        return fz_adler32_sse2((uint32_t)((s2 << 16) | s1), p, n);
    }
    static int fz_adler_has_avx2(void) { __builtin_cpu_init(); return __builtin_cpu_supports("avx2"); }

    /* The same sums in 512-bit lanes, 128 bytes a step as two 64-byte halves weighted 64..1
       (a signed byte holds no 128), the first half's plain sum added 64 times over at the end. */
    __attribute__((target("avx512f,avx512bw")))
    static uint32_t fz_adler32_avx512(uint32_t adler, const uint8_t *p, size_t n) {
        uint64_t s1 = adler & 0xFFFF, s2 = adler >> 16;
        const __m512i zero = _mm512_setzero_si512();
        const __m512i ones = _mm512_set1_epi16(1);
        const __m512i w = _mm512_set_epi8(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                          17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
                                          33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
                                          49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64);
        while (n >= 128) {
            size_t steps = (n < FZ_NMAX ? n : FZ_NMAX) / 128;
            __m512i v_s1 = zero, v_s2 = zero, v_s1_sums = zero, v_first = zero;
            n -= steps * 128;
            s2 += s1 * 128 * steps;
            while (steps--) {
                __m512i a = _mm512_loadu_si512(p), b = _mm512_loadu_si512(p + 64);
                __m512i sa = _mm512_sad_epu8(a, zero);
                v_s1_sums = _mm512_add_epi32(v_s1_sums, v_s1);  /* each earlier step's s1 counts 128 more times */
                v_first = _mm512_add_epi32(v_first, sa);
                v_s1 = _mm512_add_epi32(v_s1, _mm512_add_epi32(sa, _mm512_sad_epu8(b, zero)));
                v_s2 = _mm512_add_epi32(v_s2, _mm512_madd_epi16(_mm512_maddubs_epi16(a, w), ones));
                v_s2 = _mm512_add_epi32(v_s2, _mm512_madd_epi16(_mm512_maddubs_epi16(b, w), ones));
                p += 128;
            }
            v_s2 = _mm512_add_epi32(v_s2, _mm512_add_epi32(_mm512_slli_epi32(v_s1_sums, 7),
                                                           _mm512_slli_epi32(v_first, 6)));
            {
                uint32_t t1[16], t2[16];
                int i;
                _mm512_storeu_si512(t1, v_s1);
                _mm512_storeu_si512(t2, v_s2);
                for (i = 0; i < 16; i++) { s1 += t1[i]; s2 += t2[i]; }
            }
            s1 %= FZ_BASE; s2 %= FZ_BASE;
        }
        _mm256_zeroupper();  /* (see fz_adler32_avx2) */
        return fz_adler32_avx2((uint32_t)((s2 << 16) | s1), p, n);
    }
    /* Only where VPCLMULQDQ is there too (Ice Lake, Zen 4 and later): on the first AVX-512
       CPUs the 512-bit units slowed the clock for what followed. */
    static int fz_adler_has_avx512(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f")
            && __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("avx2");
    }
    #else
    #define FZ_ADLER_AVX2 0
    static uint32_t fz_adler32_avx2(uint32_t adler, const uint8_t *p, size_t n) { return fz_adler32_sse2(adler, p, n); }
    static uint32_t fz_adler32_avx512(uint32_t adler, const uint8_t *p, size_t n) { return fz_adler32_sse2(adler, p, n); }
    static int fz_adler_has_avx2(void) { return 0; }
    static int fz_adler_has_avx512(void) { return 0; }
    #endif

    static int fz_adler_use_avx2 = 0;
    static int fz_adler_use_avx512 = 0;
    static uint32_t fz_adler32(uint32_t adler, const uint8_t *p, size_t n) {
        if (fz_adler_use_avx512) return fz_adler32_avx512(adler, p, n);
        return fz_adler_use_avx2 ? fz_adler32_avx2(adler, p, n) : fz_adler32_sse2(adler, p, n);
    }
    """
    uint32_t fz_adler32(uint32_t adler, const uint8_t* p, size_t n) nogil
    uint32_t fz_adler32_sse2(uint32_t adler, const uint8_t* p, size_t n) nogil
    uint32_t fz_adler32_avx2(uint32_t adler, const uint8_t* p, size_t n) nogil
    uint32_t fz_adler32_portable(uint32_t adler, const uint8_t* p, size_t n) nogil
    int fz_adler_has_avx2() nogil
    int fz_adler_has_avx512() nogil
    int fz_adler_use_avx2
    int fz_adler_use_avx512


cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #include <string.h>
    static uint32_t fz_crc_table[8][256];

    static void fz_crc32_init(void) {
        for (uint32_t b = 0; b < 256; b++) {
            uint32_t c = b;
            for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
            fz_crc_table[0][b] = c;
        }
        for (uint32_t b = 0; b < 256; b++)
            for (int t = 1; t < 8; t++)
                fz_crc_table[t][b] = (fz_crc_table[t - 1][b] >> 8) ^ fz_crc_table[0][fz_crc_table[t - 1][b] & 0xFF];
    }

    /* crc is the running register (already inverted). */
    static uint32_t fz_crc32_slice8(uint32_t crc, const uint8_t *p, size_t n) {
        while (n && ((uintptr_t)p & 7)) { crc = (crc >> 8) ^ fz_crc_table[0][(crc ^ *p++) & 0xFF]; n--; }
        while (n >= 8) {
            uint32_t lo, hi;
            memcpy(&lo, p, 4); memcpy(&hi, p + 4, 4);  /* little-endian hosts; see fz_crc32 */
            lo ^= crc;
            crc = fz_crc_table[7][lo & 0xFF] ^ fz_crc_table[6][(lo >> 8) & 0xFF] ^
                  fz_crc_table[5][(lo >> 16) & 0xFF] ^ fz_crc_table[4][lo >> 24] ^
                  fz_crc_table[3][hi & 0xFF] ^ fz_crc_table[2][(hi >> 8) & 0xFF] ^
                  fz_crc_table[1][(hi >> 16) & 0xFF] ^ fz_crc_table[0][hi >> 24];
            p += 8; n -= 8;
        }
        while (n--) crc = (crc >> 8) ^ fz_crc_table[0][(crc ^ *p++) & 0xFF];
        return crc;
    }

    static uint32_t fz_crc32_bytewise(uint32_t crc, const uint8_t *p, size_t n) {
        while (n--) crc = (crc >> 8) ^ fz_crc_table[0][(crc ^ *p++) & 0xFF];
        return crc;
    }

    #if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    #define FZ_CRC_CLMUL 1
    #include <immintrin.h>
    #define FZ_FOLD(x, k, next) _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), \
                                                            _mm_clmulepi64_si128(x, k, 0x11)), next)
    /* Four 128-bit remainders, 16 bytes apart (x0 the first), before p[:n]: folded into one,
       then on 16 bytes at a time, reduced to 32 bits; the table loop takes the last bytes. */
    __attribute__((target("pclmul,sse2")))
    static inline uint32_t fz_crc32_clmul_finish(__m128i x0, __m128i x1, __m128i x2, __m128i x3,
                                                 const uint8_t *p, size_t n) {
        const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009eLL, 0x1751997d0LL);  /* fold 128 bits */
        const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124LL);                /* 64 -> 32 */
        const __m128i poly = _mm_set_epi64x(0x1F7011641LL, 0x1DB710641LL);  /* mu, P (Barrett) */
        const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
        x0 = FZ_FOLD(x0, k3k4, x1);
        x0 = FZ_FOLD(x0, k3k4, x2);
        x0 = FZ_FOLD(x0, k3k4, x3);
        while (n >= 16) {
            x0 = FZ_FOLD(x0, k3k4, _mm_loadu_si128((const __m128i *)p));
            p += 16; n -= 16;
        }
        /* 128 -> 64 bits (appending 32 zero bits), then 64 -> 32, then Barrett */
        x0 = _mm_xor_si128(_mm_srli_si128(x0, 8), _mm_clmulepi64_si128(k3k4, x0, 0x01));
        x1 = _mm_clmulepi64_si128(_mm_and_si128(x0, mask32), k5, 0x00);
        x0 = _mm_xor_si128(_mm_srli_si128(x0, 4), x1);
        x1 = _mm_clmulepi64_si128(_mm_and_si128(x0, mask32), poly, 0x10);
        x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly, 0x00);
        x0 = _mm_xor_si128(x0, x1);
        return fz_crc32_slice8((uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(x0, 4)), p, n);
    }

    __attribute__((target("pclmul,sse2")))
    static uint32_t fz_crc32_clmul(uint32_t crc, const uint8_t *p, size_t n) {
        /* n >= 64 */
        const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596LL, 0x154442bd4LL);  /* fold 512 bits */
        __m128i x0 = _mm_loadu_si128((const __m128i *)p), x1 = _mm_loadu_si128((const __m128i *)(p + 16));
        __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32)), x3 = _mm_loadu_si128((const __m128i *)(p + 48));
        x0 = _mm_xor_si128(x0, _mm_cvtsi32_si128((int)crc));
        p += 64; n -= 64;
        while (n >= 64) {
            x0 = FZ_FOLD(x0, k1k2, _mm_loadu_si128((const __m128i *)p));
            x1 = FZ_FOLD(x1, k1k2, _mm_loadu_si128((const __m128i *)(p + 16)));
            x2 = FZ_FOLD(x2, k1k2, _mm_loadu_si128((const __m128i *)(p + 32)));
            x3 = FZ_FOLD(x3, k1k2, _mm_loadu_si128((const __m128i *)(p + 48)));
            p += 64; n -= 64;
        }
        return fz_crc32_clmul_finish(x0, x1, x2, x3, p, n);
    }

    #if defined(__clang__) || __GNUC__ >= 10  /* (_mm512_zextsi128_si512) */
    #define FZ_CRC_VCLMUL 1
    /* The same folds four 128-bit lanes to an instruction (VPCLMULQDQ on 512-bit registers):
       four registers, 256 bytes a turn, folded 2048 bits on; then into one register and its
       four lanes into the finish above. The constants are x^(2048 +- 32) mod P, reflected. */
    __attribute__((target("avx512f,vpclmulqdq,pclmul,sse2")))
    static uint32_t fz_crc32_vclmul(uint32_t crc, const uint8_t *p, size_t n) {
        /* n >= 256 */
        const __m512i k2048 = _mm512_broadcast_i32x4(_mm_set_epi64x(0x1322d1430LL, 0x11542778aLL));
        const __m512i k512 = _mm512_broadcast_i32x4(_mm_set_epi64x(0x1c6e41596LL, 0x154442bd4LL));
        __m512i z0 = _mm512_loadu_si512(p), z1 = _mm512_loadu_si512(p + 64);
        __m512i z2 = _mm512_loadu_si512(p + 128), z3 = _mm512_loadu_si512(p + 192);
        z0 = _mm512_xor_si512(z0, _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)crc)));
        p += 256; n -= 256;
    #define FZ_FOLD512(z, k, next) _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(z, k, 0x00), \
                                                             _mm512_clmulepi64_epi128(z, k, 0x11), next, 0x96)
        while (n >= 256) {
            z0 = FZ_FOLD512(z0, k2048, _mm512_loadu_si512(p));
            z1 = FZ_FOLD512(z1, k2048, _mm512_loadu_si512(p + 64));
            z2 = FZ_FOLD512(z2, k2048, _mm512_loadu_si512(p + 128));
            z3 = FZ_FOLD512(z3, k2048, _mm512_loadu_si512(p + 192));
            p += 256; n -= 256;
        }
        z0 = FZ_FOLD512(z0, k512, z1);
        z0 = FZ_FOLD512(z0, k512, z2);
        z0 = FZ_FOLD512(z0, k512, z3);
    #undef FZ_FOLD512
        crc = fz_crc32_clmul_finish(_mm512_extracti32x4_epi32(z0, 0), _mm512_extracti32x4_epi32(z0, 1),
                                    _mm512_extracti32x4_epi32(z0, 2), _mm512_extracti32x4_epi32(z0, 3), p, n);
        /* Clean upper halves: left dirty, every legacy-SSE instruction after (the 128-bit
           folds, other libraries' code) ran at half speed here. */
        _mm256_zeroupper();
        return crc;
    }
    static int fz_crc_has_vclmul(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("avx512f")
            && __builtin_cpu_supports("pclmul");
    }
    #else
    #define FZ_CRC_VCLMUL 0
    static uint32_t fz_crc32_vclmul(uint32_t crc, const uint8_t *p, size_t n) { return fz_crc32_clmul(crc, p, n); }
    static int fz_crc_has_vclmul(void) { return 0; }
    #endif
    #undef FZ_FOLD
    static int fz_crc_has_clmul(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
    }
    #else
    #define FZ_CRC_CLMUL 0
    static uint32_t fz_crc32_clmul(uint32_t crc, const uint8_t *p, size_t n) { return fz_crc32_slice8(crc, p, n); }
    static int fz_crc_has_clmul(void) { return 0; }
    static uint32_t fz_crc32_vclmul(uint32_t crc, const uint8_t *p, size_t n) { return fz_crc32_slice8(crc, p, n); }
    static int fz_crc_has_vclmul(void) { return 0; }
    #endif

    /* Below this many bytes the 512-bit loop would run a turn or two: the 128-bit one then. */
    #define VCLMUL_FROM 1024
    static int fz_crc_use_clmul = 0;
    static int fz_crc_use_vclmul = 0;
    static int fz_crc_little = 1;

    static uint32_t fz_crc32(uint32_t value, const uint8_t *p, size_t n) {
        uint32_t crc = ~value;
        if (fz_crc_use_vclmul && n >= VCLMUL_FROM) crc = fz_crc32_vclmul(crc, p, n);
        else if (fz_crc_use_clmul && n >= 64) crc = fz_crc32_clmul(crc, p, n);
        else if (fz_crc_little) crc = fz_crc32_slice8(crc, p, n);
        else crc = fz_crc32_bytewise(crc, p, n);
        return ~crc;
    }
    """
    void fz_crc32_init() nogil
    int fz_crc_has_clmul() nogil
    int fz_crc_has_vclmul() nogil
    int fz_crc_use_clmul
    int fz_crc_use_vclmul
    uint32_t fz_crc32_clmul(uint32_t crc, const uint8_t* p, size_t n) nogil
    int fz_crc_little
    uint32_t fz_crc32(uint32_t value, const uint8_t* p, size_t n) nogil
    uint32_t fz_crc32_slice8(uint32_t crc, const uint8_t* p, size_t n) nogil
    uint32_t fz_crc32_bytewise(uint32_t crc, const uint8_t* p, size_t n) nogil


cdef uint32_t adler32_update(uint32_t value, const uint8_t* p, size_t n) noexcept nogil:
    return fz_adler32(value, p, n)


cdef uint32_t crc32_update(uint32_t value, const uint8_t* p, size_t n) noexcept nogil:
    return fz_crc32(value, p, n)


ctypedef uint32_t (*Sum)(uint32_t value, const uint8_t* p, size_t n) noexcept nogil

cdef enum:
    NOGIL_FROM = 4096  # below this many bytes, releasing the GIL takes longer than the sum


cdef uint32_t _sum(object data, uint32_t value, Sum update) except? 0xFFFFFFFF:
    """``update`` over any C-contiguous buffer taken as bytes, as zlib's checksums take it (a
    plain buffer request: a typed memoryview argument cost three times zlib's whole call on a
    short message)."""
    cdef Py_buffer view
    cdef uint32_t out
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        if view.len < NOGIL_FROM:
            out = update(value, <const uint8_t*>view.buf, view.len)
        else:
            with nogil:
                out = update(value, <const uint8_t*>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)
    return out


cdef uint32_t _adler32_portable(uint32_t value, const uint8_t* p, size_t n) noexcept nogil:
    return fz_adler32_portable(value, p, n)


cdef uint32_t _adler32_sse2(uint32_t value, const uint8_t* p, size_t n) noexcept nogil:
    return fz_adler32_sse2(value, p, n)


def adler32(data, uint32_t value=1):
    """Adler-32 of ``data`` (any C-contiguous buffer) continuing from ``value`` (as
    ``zlib.adler32``); the method this CPU runs is ``ADLER32_METHOD``."""
    return _sum(data, value, adler32_update)


def adler32_portable(data, uint32_t value=1):
    """The portable loop alone (what runs without SSE2), for testing it everywhere."""
    return _sum(data, value, _adler32_portable)


cdef uint32_t _adler32_avx2(uint32_t value, const uint8_t* p, size_t n) noexcept nogil:
    return fz_adler32_avx2(value, p, n) if fz_adler_use_avx2 else fz_adler32_sse2(value, p, n)


def adler32_avx2(data, uint32_t value=1):
    """The AVX2 loop alone (what runs without AVX-512; SSE2 where there is no AVX2), for testing
    it on CPUs with AVX-512 too."""
    return _sum(data, value, _adler32_avx2)


def adler32_sse2(data, uint32_t value=1):
    """The SSE2 loop alone (what runs without AVX2; the portable loop where there is no SSE2),
    for testing it on CPUs with AVX2 too."""
    return _sum(data, value, _adler32_sse2)


fz_adler_use_avx2 = fz_adler_has_avx2()
fz_adler_use_avx512 = fz_adler_use_avx2 and fz_adler_has_avx512()
ADLER32_METHOD = "avx512" if fz_adler_use_avx512 else "avx2" if fz_adler_use_avx2 else "sse2"


import sys as _sys

fz_crc32_init()
fz_crc_use_clmul = fz_crc_has_clmul()
fz_crc_use_vclmul = fz_crc_use_clmul and fz_crc_has_vclmul()
fz_crc_little = _sys.byteorder == "little"
CRC32_METHOD = ("vpclmulqdq-512" if fz_crc_use_vclmul else "pclmulqdq" if fz_crc_use_clmul
                else "slicing-by-8" if fz_crc_little else "byte table")


cdef uint32_t _crc32_slicing(uint32_t value, const uint8_t* p, size_t n) noexcept nogil:
    if fz_crc_little:
        return ~fz_crc32_slice8(~value, p, n)
    return ~fz_crc32_bytewise(~value, p, n)


def crc32(data, uint32_t value=0):
    """CRC-32 of ``data`` (any C-contiguous buffer) continuing from ``value`` (as
    ``zlib.crc32``); the method this CPU runs is ``CRC32_METHOD``."""
    return _sum(data, value, crc32_update)


cdef uint32_t _crc32_clmul128(uint32_t value, const uint8_t* p, size_t n) noexcept nogil:
    if fz_crc_use_clmul and n >= 64:
        return ~fz_crc32_clmul(~value, p, n)
    return _crc32_slicing(value, p, n)


def crc32_clmul128(data, uint32_t value=0):
    """The 128-bit PCLMULQDQ folds alone (what runs without VPCLMULQDQ, and on short inputs),
    for testing them on CPUs with it too; the table loop where there is no PCLMULQDQ."""
    return _sum(data, value, _crc32_clmul128)


def crc32_slicing(data, uint32_t value=0):
    """Slicing-by-8 alone (what runs without PCLMULQDQ), for testing it everywhere."""
    return _sum(data, value, _crc32_slicing)
