# cython: language_level=3
# The near-optimal parser's match record and entry points, shared with deflate.pyx, which
# runs levels 10-12 through it; 4-byte matches keep a block's whole match list cache-friendly.
from libc.stdint cimport uint8_t, uint16_t, uint32_t, int32_t

from .match_finders cimport Trees

cdef struct Match:
    uint16_t length
    uint16_t offset

cdef struct CostModel:
    float[256] lit             # bits of each literal ...
    float[29] len_sym          # ... each length symbol (its extra bits apart) ...
    float[30] dist             # ... and each distance symbol, extra bits included

cdef struct OptimalBuffers:
    Py_ssize_t capacity        # positions per optimization block
    int per_position           # matches kept per position
    uint32_t* first            # matches of position i: matches[first[i]:first[i + 1]]
    Match* matches
    float* cost                # cost[i]: bits to code positions i.. of the block
    uint32_t* choice           # chosen token at i: length << 16 | offset, length 1 = literal
    bint has_model             # the model holds the last block's code lengths
    CostModel model
    uint32_t* prefix           # symbol counts of the path's tokens before each SEG_STEP (_step_prefix)
    CostModel* seg_models      # a model per segment, and the last round's

cdef size_t buffers_size(Py_ssize_t capacity, int per_position) noexcept nogil
cdef void place_buffers(OptimalBuffers* b, char* at, Py_ssize_t capacity, int per_position) noexcept nogil
cdef void collect_matches(OptimalBuffers* b, const uint8_t* data, Py_ssize_t n, Py_ssize_t begin,
                          Py_ssize_t end, Trees* trees, int depth, int nice, Py_ssize_t insert_end) noexcept nogil
cdef void optimize(OptimalBuffers* b, const uint8_t* data, Py_ssize_t begin, Py_ssize_t end, int passes,
                   bint alone) noexcept nogil
