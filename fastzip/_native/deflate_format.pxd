# cython: language_level=3
"""RFC 1951's constant tables, in one place for the inflater, the block writer and the
near-optimal parser (each module that cimports this gets its own static copy: a few
hundred bytes). Call ``init_symbol_tables()`` once at import before ``LENGTH_SYMBOL`` is used.
Also the codes of the framings around a stream, as both native sides take them."""

from libc.stdint cimport uint8_t, uint16_t, uint32_t

# The framings (inflate.FRAMINGS names them in this order): none (raw DEFLATE), RFC 1950 (zlib),
# RFC 1952 (gzip), and, where a stream is read, whichever its first bytes say.
cdef enum:
    FRAMING_RAW = 0
    FRAMING_ZLIB = 1
    FRAMING_GZIP = 2
    FRAMING_AUTO = 3

cdef extern from *:
    """
    #include <stdint.h>
    static const uint16_t FZ_LENGTH_BASE[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
        35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const uint8_t FZ_LENGTH_EXTRA[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
        3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static const uint16_t FZ_DIST_BASE[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
        257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static const uint8_t FZ_DIST_EXTRA[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
        7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    /* the order in which code-length code lengths are sent (RFC 1951 3.2.7) */
    static const uint8_t FZ_CODELEN_ORDER[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    /* The fixed code's lengths (RFC 1951 3.2.6): literal/length symbols 0-287, then distance
       symbols at 288-319 (all 32 five-bit patterns, 30 and 31 unused). */
    static inline uint8_t fz_fixed_length(int sym) {
        return sym < 144 ? 8 : sym < 256 ? 9 : sym < 280 ? 7 : sym < 288 ? 8 : 5;
    }
    /* length 3..258 -> length symbol 0..28 (a distance's symbol is computed: fz_dist_symbol) */
    static uint8_t FZ_LENGTH_SYMBOL[259];
    static void fz_init_symbol_tables(void) {
        int sym, v;
        for (sym = 0; sym < 29; sym++)
            for (v = FZ_LENGTH_BASE[sym]; v < (sym < 28 ? FZ_LENGTH_BASE[sym + 1] : 259); v++)
                FZ_LENGTH_SYMBOL[v] = (uint8_t)sym;
        FZ_LENGTH_SYMBOL[258] = 28;
    }
    """
    const uint16_t LENGTH_BASE "FZ_LENGTH_BASE"[29]
    const uint8_t LENGTH_EXTRA "FZ_LENGTH_EXTRA"[29]
    const uint16_t DIST_BASE "FZ_DIST_BASE"[30]
    const uint8_t DIST_EXTRA "FZ_DIST_EXTRA"[30]
    const uint8_t CODELEN_ORDER "FZ_CODELEN_ORDER"[19]
    uint8_t LENGTH_SYMBOL "FZ_LENGTH_SYMBOL"[259]
    void init_symbol_tables "fz_init_symbol_tables"() nogil
    uint8_t fixed_length "fz_fixed_length"(int sym) nogil

cdef extern from *:
    """
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline uint32_t fz_top_bit(uint32_t x) { unsigned long i; _BitScanReverse(&i, x); return (uint32_t)i; }
    #else
    static inline uint32_t fz_top_bit(uint32_t x) { return 31 - (uint32_t)__builtin_clz(x); }
    #endif
    /* A distance's symbol without a branch: past 4, two symbols per power of two, the bit below
       the top one choosing. (A table lookup with a near/far branch mispredicted on the mixes of
       near and far distances real data has.) */
    static inline uint32_t fz_dist_symbol(uint32_t dist) {
        uint32_t d = dist - 1, k = fz_top_bit(d | 1);
        uint32_t far = 2 * k + ((d >> ((k - 1) & 31)) & 1);
        return d < 4 ? d : far;
    }
    """
    uint32_t dist_symbol "fz_dist_symbol"(uint32_t dist) nogil
    uint32_t top_bit "fz_top_bit"(uint32_t x) nogil
