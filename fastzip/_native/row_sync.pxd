# cython: language_level=3
"""Row counters shared by two threads of one native job (a producer publishing rows done, and
workers claiming rows): acquire/release loads and stores, compare-and-swap, and a polite spin.

GCC and Clang builtins; elsewhere ROW_SYNC is 0 and callers keep to one thread.
"""

from libc.stdint cimport int64_t

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define FZ_ROW_SYNC 1
    #define fz_load(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
    #define fz_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
    static inline int fz_claim(int64_t *p, int64_t expected) {
        return __atomic_compare_exchange_n(p, &expected, expected + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    }
    #else
    #define FZ_ROW_SYNC 0
    #define fz_load(p) (*(volatile int64_t *)(p))
    #define fz_store(p, v) (*(volatile int64_t *)(p) = (v))
    static inline int fz_claim(int64_t *p, int64_t expected) { if (*p != expected) return 0; *p = expected + 1; return 1; }
    #endif
    #if defined(_WIN32)
    #include <windows.h>
    #define fz_yield() SwitchToThread()
    #else
    #include <sched.h>
    #define fz_yield() sched_yield()
    #endif
    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    #define fz_pause() _mm_pause()
    #else
    #define fz_pause() ((void)0)
    #endif
    /* Wait a moment for another thread: spin briefly, then give the core away. */
    static inline void fz_backoff(int *spins) {
        if (++*spins < 64) fz_pause(); else fz_yield();
    }
    """
    bint ROW_SYNC "FZ_ROW_SYNC"
    int64_t load "fz_load"(const int64_t* p) noexcept nogil
    void store "fz_store"(int64_t* p, int64_t v) noexcept nogil
    bint claim "fz_claim"(int64_t* p, int64_t expected) noexcept nogil
    void backoff "fz_backoff"(int* spins) noexcept nogil
