# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The thesis's LZ77 matcher, exact: the same tokens as the brute-force reference, faster.

Instead of comparing every position of the search buffer, only the positions holding the
same byte as the current one are visited, farthest first, through per-byte forward links
(``next_same``) whose heads advance as the window slides. Visiting in that order with the
reference's strict ``>`` keeps its tie rule (the farthest of equally long matches); a match
of the maximal length ends the search, since nothing later can be strictly longer.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, int64_t
from libc.stdlib cimport malloc, free


def encode_exact(const uint8_t[::1] data, Py_ssize_t window, Py_ssize_t lookahead,
                 uint32_t[::1] offsets, uint32_t[::1] lengths, uint8_t[::1] literals):
    """Fill the token arrays (each at least len(data) long); returns the number of tokens."""
    cdef Py_ssize_t n = data.shape[0], i = 0, j, k, ntok = 0, best_len, best_off, max_len, lo
    cdef int64_t* next_same
    cdef int64_t[256] head
    cdef int64_t[256] last
    cdef int c
    if n == 0:
        return 0
    next_same = <int64_t*>malloc(n * sizeof(int64_t))
    if next_same == NULL:
        raise MemoryError()
    with nogil:
        for c in range(256):
            head[c] = -1
            last[c] = -1
        for j in range(n):
            next_same[j] = n  # n: no later occurrence
            c = data[j]
            if last[c] >= 0:
                next_same[last[c]] = j
            else:
                head[c] = j
            last[c] = j
        while i < n:
            best_len = 0
            best_off = 0
            max_len = lookahead if lookahead < n - i - 1 else n - i - 1
            lo = i - window if i > window else 0
            c = data[i]
            while head[c] < lo:  # slide: drop occurrences that left the window
                head[c] = next_same[head[c]]
            j = head[c]
            while j < i and best_len < max_len:
                k = 1
                while k < max_len and data[j + k] == data[i + k]:
                    k += 1
                if k > best_len:
                    best_len = k
                    best_off = i - j
                j = next_same[j]
            offsets[ntok] = <uint32_t>best_off
            lengths[ntok] = <uint32_t>best_len
            literals[ntok] = data[i + best_len]
            ntok += 1
            i += best_len + 1
    free(next_same)
    return ntok
