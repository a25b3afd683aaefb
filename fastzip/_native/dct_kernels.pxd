# The AAN 1-D passes (libjpeg jfdctflt.c / jidctflt.c), inline, for every kernel that
# transforms 8x8 blocks: dct.pyx (batched) and jpeg_forward.pyx (fused into the encoder).

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


cdef inline void transpose8(float* w) noexcept nogil:
    """In place: between two column passes it makes the second one the rows'."""
    cdef int i, j
    cdef float t
    for i in range(8):
        for j in range(i + 1, 8):
            t = w[i * 8 + j]
            w[i * 8 + j] = w[j * 8 + i]
            w[j * 8 + i] = t
