# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""8x8 DCT kernels, batched over (n, 8, 8) arrays.

Float transforms: Arai-Agui-Nakajima (AAN), as in libjpeg's jfdctflt.c / jidctflt.c: each
1-D pass is 5 multiplications and 29 additions, with the output (forward) or input
(inverse) left scaled per frequency; the caller's ``scale`` table (64 entries, row-major)
folds those factors and the orthonormal normalization into one multiply per coefficient.

Integer inverse: the same AAN inverse in double precision, rounded once at the end; far
inside the IEEE 1180-1990 accuracy limits, and as fast as a fixed-point matrix IDCT is slow.
"""

from libc.math cimport copysign, copysignf
from libc.stdint cimport int16_t
from libc.string cimport memcpy

from .dct_kernels cimport fdct_1d, idct_1d, real


def forward(const real[:, :, ::1] blocks, const real[::1] scale, real[:, :, ::1] out):
    """Each 8x8 block's AAN DCT times ``scale`` (row-major, 64 entries) into ``out`` (which may
    be ``blocks``): a block is read once and written once, while it is in cache."""
    cdef Py_ssize_t b, k, n = blocks.shape[0]
    cdef real* p
    if out.shape[0] != n or scale.shape[0] != 64:
        raise ValueError("out must have the blocks' shape, scale 64 entries")
    with nogil:
        for b in range(n):
            p = &out[b, 0, 0]
            if p != &blocks[b, 0, 0]:
                memcpy(p, &blocks[b, 0, 0], 64 * sizeof(real))
            for k in range(8):
                fdct_1d(p + 8 * k, 1)   # rows
            for k in range(8):
                fdct_1d(p + k, 8)       # columns
            for k in range(64):
                p[k] *= scale[k]


def inverse(const real[:, :, ::1] blocks, const real[::1] scale, real[:, :, ::1] out):
    """Each 8x8 block multiplied by ``scale`` and inverse-transformed (AAN) into ``out`` (which
    may be ``blocks``), as :func:`forward` does."""
    cdef Py_ssize_t b, k, n = blocks.shape[0]
    cdef real* p
    cdef const real* q
    if out.shape[0] != n or scale.shape[0] != 64:
        raise ValueError("out must have the blocks' shape, scale 64 entries")
    with nogil:
        for b in range(n):
            p = &out[b, 0, 0]
            q = &blocks[b, 0, 0]
            for k in range(64):
                p[k] = q[k] * scale[k]
            for k in range(8):
                idct_1d(p + k, 8)       # columns
            for k in range(8):
                idct_1d(p + 8 * k, 1)   # rows


def inverse_int(const int16_t[:, :, ::1] coeffs, const double[::1] scale, int16_t[:, :, ::1] out):
    """Integer-in, integer-out IDCT: AAN in double precision (``scale`` as for :func:`inverse`),
    rounded to the nearest integer and saturated to int16."""
    cdef Py_ssize_t b, k, n = coeffs.shape[0]
    cdef double[64] work
    cdef double x
    cdef const int16_t* src
    cdef int16_t* dst
    cdef long r
    with nogil:
        for b in range(n):
            src = &coeffs[b, 0, 0]
            dst = &out[b, 0, 0]
            for k in range(64):
                work[k] = src[k] * scale[k]
            for k in range(8):
                idct_1d(work + k, 8)
            for k in range(8):
                idct_1d(work + 8 * k, 1)
            for k in range(64):
                x = work[k]
                r = <long>(x + copysign(0.5, x))  # halves away from zero, without a branch on the sign
                dst[k] = <int16_t>(32767 if r > 32767 else (-32768 if r < -32768 else r))


def quantize(const double[:, :, ::1] coeffs, const double[::1] table, int16_t[:, :, ::1] out):
    """``out`` = coeffs / table (64 entries, row-major), rounded with halves away from zero,
    within int16: the reference's arithmetic, in the same order."""
    cdef Py_ssize_t k, n = coeffs.shape[0] * 64
    cdef const double* src = &coeffs[0, 0, 0] if n else NULL
    cdef const double* q = &table[0]
    cdef int16_t* dst = &out[0, 0, 0] if n else NULL
    cdef double x
    with nogil:
        for k in range(n):
            x = src[k] / q[k & 63]
            x = -32768.0 if x < -32768.0 else (32767.0 if x > 32767.0 else x)
            dst[k] = <int16_t>(x + copysign(0.5, x))  # truncating the half-shifted value: floor(|x| + 0.5) with x's sign


def quantize_zigzag(const float[:, :, ::1] coeffs, const float[::1] reciprocal, const Py_ssize_t[::1] zigzag,
                    int lo_dc, int hi_dc, int limit_ac, int16_t[:, ::1] out):
    """``out[b, i]`` = coeffs[b] at zigzag position i times ``reciprocal`` (1/q, natural order),
    rounded with halves away from zero; DC clamped to [lo_dc, hi_dc], AC to +-limit_ac."""
    cdef Py_ssize_t b, i, p, n = coeffs.shape[0]
    cdef const float* src
    cdef float x
    cdef long r
    with nogil:
        for b in range(n):
            src = &coeffs[b, 0, 0]
            for i in range(64):
                p = zigzag[i]
                x = src[p] * reciprocal[p]
                r = <long>(x + copysignf(0.5, x))
                if i == 0:
                    r = lo_dc if r < lo_dc else (hi_dc if r > hi_dc else r)
                else:
                    r = -limit_ac if r < -limit_ac else (limit_ac if r > limit_ac else r)
                out[b, i] = <int16_t>r
