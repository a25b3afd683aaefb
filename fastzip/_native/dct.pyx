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

ctypedef fused real:
    float
    double


cdef inline void fdct_1d(real* d, Py_ssize_t stride) noexcept nogil:
    cdef real tmp0, tmp1, tmp2, tmp3, tmp4, tmp5, tmp6, tmp7
    cdef real tmp10, tmp11, tmp12, tmp13, z1, z2, z3, z4, z5, z11, z13
    tmp0 = d[0] + d[7 * stride]
    tmp7 = d[0] - d[7 * stride]
    tmp1 = d[stride] + d[6 * stride]
    tmp6 = d[stride] - d[6 * stride]
    tmp2 = d[2 * stride] + d[5 * stride]
    tmp5 = d[2 * stride] - d[5 * stride]
    tmp3 = d[3 * stride] + d[4 * stride]
    tmp4 = d[3 * stride] - d[4 * stride]
    # Even part
    tmp10 = tmp0 + tmp3
    tmp13 = tmp0 - tmp3
    tmp11 = tmp1 + tmp2
    tmp12 = tmp1 - tmp2
    d[0] = tmp10 + tmp11
    d[4 * stride] = tmp10 - tmp11
    z1 = (tmp12 + tmp13) * <real>0.707106781186547524
    d[2 * stride] = tmp13 + z1
    d[6 * stride] = tmp13 - z1
    # Odd part
    tmp10 = tmp4 + tmp5
    tmp11 = tmp5 + tmp6
    tmp12 = tmp6 + tmp7
    z5 = (tmp10 - tmp12) * <real>0.382683432365089772
    z2 = <real>0.541196100146196985 * tmp10 + z5
    z4 = <real>1.306562964876376527 * tmp12 + z5
    z3 = tmp11 * <real>0.707106781186547524
    z11 = tmp7 + z3
    z13 = tmp7 - z3
    d[5 * stride] = z13 + z2
    d[3 * stride] = z13 - z2
    d[stride] = z11 + z4
    d[7 * stride] = z11 - z4


cdef inline void idct_1d(real* d, Py_ssize_t stride) noexcept nogil:
    cdef real tmp0, tmp1, tmp2, tmp3, tmp4, tmp5, tmp6, tmp7
    cdef real tmp10, tmp11, tmp12, tmp13, z5, z10, z11, z12, z13
    # Even part
    tmp10 = d[0] + d[4 * stride]
    tmp11 = d[0] - d[4 * stride]
    tmp13 = d[2 * stride] + d[6 * stride]
    tmp12 = (d[2 * stride] - d[6 * stride]) * <real>1.414213562373095049 - tmp13
    tmp0 = tmp10 + tmp13
    tmp3 = tmp10 - tmp13
    tmp1 = tmp11 + tmp12
    tmp2 = tmp11 - tmp12
    # Odd part
    z13 = d[5 * stride] + d[3 * stride]
    z10 = d[5 * stride] - d[3 * stride]
    z11 = d[stride] + d[7 * stride]
    z12 = d[stride] - d[7 * stride]
    tmp7 = z11 + z13
    tmp11 = (z11 - z13) * <real>1.414213562373095049
    z5 = (z10 + z12) * <real>1.847759065022573512
    tmp10 = <real>1.082392200292393968 * z12 - z5
    tmp12 = <real>-2.613125929752753055 * z10 + z5
    tmp6 = tmp12 - tmp7
    tmp5 = tmp11 - tmp6
    tmp4 = tmp10 + tmp5
    d[0] = tmp0 + tmp7
    d[7 * stride] = tmp0 - tmp7
    d[stride] = tmp1 + tmp6
    d[6 * stride] = tmp1 - tmp6
    d[2 * stride] = tmp2 + tmp5
    d[5 * stride] = tmp2 - tmp5
    d[4 * stride] = tmp3 + tmp4
    d[3 * stride] = tmp3 - tmp4


def forward(real[:, :, ::1] blocks, const real[::1] scale):
    """In place: each 8x8 block becomes its AAN DCT times ``scale`` (row-major, 64 entries)."""
    cdef Py_ssize_t b, k, n = blocks.shape[0]
    cdef real* p
    with nogil:
        for b in range(n):
            p = &blocks[b, 0, 0]
            for k in range(8):
                fdct_1d(p + 8 * k, 1)   # rows
            for k in range(8):
                fdct_1d(p + k, 8)       # columns
            for k in range(64):
                p[k] *= scale[k]


def inverse(real[:, :, ::1] blocks, const real[::1] scale):
    """In place: each 8x8 block is multiplied by ``scale`` and inverse-transformed (AAN)."""
    cdef Py_ssize_t b, k, n = blocks.shape[0]
    cdef real* p
    with nogil:
        for b in range(n):
            p = &blocks[b, 0, 0]
            for k in range(64):
                p[k] *= scale[k]
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
