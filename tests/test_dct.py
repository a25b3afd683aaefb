"""The DCT: native AAN == the literal formula == scipy, the integer IDCT passes IEEE 1180-1990,
and quantization follows JPEG Annex K with IJG quality scaling."""


import numpy as np
import pytest
import scipy.fft
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fastzip import dct


@given(arrays(np.float64, (3, 8, 8), elements=st.floats(-2048, 2048)))
def test_native_equals_formula_and_scipy(blocks):
    native = dct.forward(blocks)
    np.testing.assert_allclose(native, dct.forward(blocks, impl="reference"), atol=1e-9)
    np.testing.assert_allclose(native, scipy.fft.dctn(blocks, axes=(-2, -1), norm="ortho"), atol=1e-9)
    np.testing.assert_allclose(dct.inverse(native), blocks, atol=1e-9)
    np.testing.assert_allclose(dct.inverse(native[:1], impl="reference"), blocks[:1], atol=1e-9)


def test_float32_shapes_and_batches():
    rng = np.random.default_rng(1)
    image = rng.uniform(-128, 127, (2, 40, 8, 8)).astype(np.float32)
    out = dct.forward(image)
    assert out.dtype == np.float32 and out.shape == image.shape
    np.testing.assert_allclose(out, scipy.fft.dctn(image, axes=(-2, -1), norm="ortho"), atol=2e-3)
    big = rng.uniform(-128, 127, (20000, 8, 8))  # large enough to be split across threads
    np.testing.assert_allclose(dct.inverse(dct.forward(big)), big, atol=1e-9)
    assert dct.forward(np.ones((8, 8), np.uint8))[0, 0] == pytest.approx(8.0)
    with pytest.raises(ValueError, match="shape"):
        dct.forward(np.zeros((8, 7)))


# -- IEEE 1180-1990 ---------------------------------------------------------------------------

class Ieee1180Random:
    """The standard's pseudo-random generator (its C code, with 32-bit wrap-around)."""

    def __init__(self):
        self.randx = 1

    def __call__(self, low: int, high: int) -> int:
        self.randx = (self.randx * 1103515245 + 12345) & 0xFFFFFFFF
        i = self.randx & 0x7FFFFFFE
        x = i / float(0x7FFFFFFF) * (low + high + 1)
        return int(x) - low


def exact_idct(coeffs: np.ndarray) -> np.ndarray:
    return scipy.fft.idctn(coeffs.astype(np.float64), axes=(-2, -1), norm="ortho")


def ieee1180_blocks(low, high, count=10_000):
    rand = Ieee1180Random()
    return np.array([rand(low, high) for _ in range(count * 64)], dtype=np.float64).reshape(count, 8, 8)


def assert_meets_ieee_1180(err):
    """The standard's accuracy limits on (tested - reference) over blocks (n, 8, 8)."""
    assert np.abs(err).max() <= 1, "peak error"
    assert (err ** 2).mean(axis=0).max() <= 0.06, "worst per-position mean square error"
    assert (err ** 2).mean() <= 0.02, "overall mean square error"
    assert np.abs(err.mean(axis=0)).max() <= 0.015, "worst per-position mean error"
    assert abs(err.mean()) <= 0.0015, "overall mean error"


@pytest.mark.parametrize("low, high", [(256, 255), (5, 5), (300, 300)])
@pytest.mark.parametrize("sign", [1, -1])
def test_inverse_int_meets_ieee_1180(low, high, sign):
    blocks = sign * ieee1180_blocks(low, high)
    # The standard's procedure: double-precision FDCT, rounded and clipped to 12 bits ...
    coeffs = np.clip(np.floor(scipy.fft.dctn(blocks, axes=(-2, -1), norm="ortho") + 0.5), -2048, 2047)
    # ... then the reference IDCT (double, rounded) and the one under test, both clipped to 9 bits.
    reference = np.clip(np.floor(exact_idct(coeffs) + 0.5), -256, 255)
    tested = np.clip(dct.inverse_int(coeffs.astype(np.int16)).astype(np.float64), -256, 255)
    assert_meets_ieee_1180(tested - reference)


@pytest.mark.parametrize("low, high", [(256, 255), (5, 5), (300, 300)])
@pytest.mark.parametrize("sign", [1, -1])
def test_the_jpeg_decoders_idct_meets_ieee_1180_on_pixels(low, high, sign):
    """The IDCT the JPEG decoder runs (``_native.jpeg_inverse``: float AAN, rounded, level-shifted
    and clamped straight into 8-bit pixels) passes the same test, with both sides clipped to the
    pixels' range (-128..127 before the shift) instead of 9 bits; the all-zero block gives 128."""
    from fastzip._native import jpeg_inverse

    blocks = sign * ieee1180_blocks(low, high)
    coeffs = np.clip(np.floor(scipy.fft.dctn(blocks, axes=(-2, -1), norm="ortho") + 0.5), -2048, 2047)
    reference = np.clip(np.floor(exact_idct(coeffs) + 0.5), -128, 127)
    plane = np.empty((800, 800), np.uint8)
    multiplier = dct.INVERSE_SCALE.astype(np.float32).ravel()
    jpeg_inverse.idct_to_plane(coeffs.astype(np.int16).reshape(-1, 64), 100, multiplier, 0, 100, plane)
    tested = plane.reshape(100, 8, 100, 8).transpose(0, 2, 1, 3).reshape(-1, 8, 8).astype(np.float64) - 128
    assert_meets_ieee_1180(tested - reference)
    zero = np.empty((8, 8), np.uint8)
    jpeg_inverse.idct_to_plane(np.zeros((1, 64), np.int16), 1, multiplier, 0, 1, zero)
    assert (zero == 128).all()


@pytest.mark.parametrize("scale", [3, 40, 900, 32767])
def test_the_jpeg_decoders_vector_idct_makes_the_scalar_loops_pixels(scale):
    """The decoder's transform (SSE2 vectors where the CPU has them) gives the pixels of the
    scalar AAN loops (``_native.dct.inverse`` in float32, then level shift, clamp and truncate,
    as ``to_pixel``): the same float operations in the same order. Whole blocks and blocks cut
    by the plane's edge (their pixels written by the scalar loop) alike; sparse and dense
    blocks, tables up to 16 bits, values that clamp both ways."""
    from fastzip._native import dct as native_dct
    from fastzip._native import jpeg_inverse

    rng = np.random.default_rng(scale)
    blocks = np.clip(rng.normal(0, scale, (300, 64)) * (rng.random((300, 64)) < rng.random((300, 1))),
                     -32768, 32767).astype(np.int16)
    for table in (rng.integers(1, 100, 64), rng.integers(1, 65536, 64)):
        multiplier = (dct.INVERSE_SCALE.ravel() * table).astype(np.float32)
        floats = np.empty((len(blocks), 8, 8), np.float32)
        native_dct.inverse(blocks.reshape(-1, 8, 8).astype(np.float32), multiplier, floats)
        twin = np.clip(floats + np.float32(128.5), 0, 255).astype(np.uint8)
        for b in range(len(blocks)):
            whole, cut_rows, cut_cols = np.empty((8, 8), np.uint8), np.empty((7, 8), np.uint8), np.empty((8, 7), np.uint8)
            for plane in (whole, cut_rows, cut_cols):
                jpeg_inverse.idct_to_plane(blocks[b:b + 1], 1, multiplier, 0, 1, plane)
            assert np.array_equal(whole, twin[b])
            assert np.array_equal(whole[:7], cut_rows) and np.array_equal(whole[:, :7], cut_cols)


def test_inverse_int_dequantizes_with_a_table():
    rng = np.random.default_rng(5)
    q = rng.integers(-30, 30, (50, 8, 8)).astype(np.int16)
    table = dct.quality_table(60)
    np.testing.assert_array_equal(dct.inverse_int(q, table), dct.inverse_int(dct.dequantize(q, table)))


def test_inverse_int_zero_in_zero_out():
    assert not dct.inverse_int(np.zeros((4, 8, 8), np.int16)).any()


def test_ieee1180_generator_covers_the_range_evenly():
    values = ieee1180_blocks(5, 5, count=200).ravel()
    assert values.min() == -5 and values.max() == 5
    assert abs(values.mean()) < 0.1


# -- quantization ----------------------------------------------------------------------------

def test_quality_scaling_matches_ijg():
    assert (dct.quality_table(50) == dct.LUMINANCE).all()
    assert (dct.quality_table(100) == 1).all()
    assert dct.quality_table(75)[0, 0] == 8  # (16 * 50 + 50) // 100
    assert dct.quality_table(10)[0, 0] == 80  # scale 500
    assert dct.quality_table(1).max() == 255  # clamped for baseline
    assert dct.quality_table(90, dct.CHROMINANCE)[7, 7] == 20  # (99 * 20 + 50) // 100
    with pytest.raises(ValueError):
        dct.quality_table(0)


def test_quantize_round_trip_and_rounding():
    table = dct.quality_table(75)
    coeffs = np.array([[[12.0, -12.0, 4.0, -4.0] + [0.0] * 4] + [[0.0] * 8] * 7])
    q = dct.quantize(coeffs, table)
    assert q[0, 0, :4].tolist() == [2, -2, 1, -1]  # 12/8, -12/6, 4/5, -4/8: halves away from zero
    assert dct.dequantize(q, table)[0, 0, 0] == 16


def test_zigzag_order():
    assert dct.ZIGZAG[:10].tolist() == [0, 1, 8, 16, 9, 2, 3, 10, 17, 24]
    assert sorted(dct.ZIGZAG.tolist()) == list(range(64)) and dct.ZIGZAG[-1] == 63
    blocks = np.arange(128).reshape(2, 8, 8)
    assert (dct.unzigzag(dct.zigzag(blocks)) == blocks).all()
