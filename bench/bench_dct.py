"""8x8 DCT and quantization side by side: native AAN (Cython), the literal formula compiled by
numba and interpreted (reference), and scipy.fft.dctn.

    pytest bench/bench_dct.py --benchmark-only --benchmark-columns=min,median,ops

Groups ``dct-forward`` / ``dct-inverse`` (float32 and float64 rows), plus ``dct-inverse-int``,
on the 12,288 blocks of a 512x512 RGB photo (scikit-image's astronaut). The reference
evaluates the formula in Python on 96 blocks only: compare ``blocks_per_s`` in extra_info.
Group ``dct-quantize``: the three tiers of rounding to the JPEG q75 table.
"""

import numpy as np
import pytest
import scipy.fft

from fastzip import dct

from .helpers import record_rate


@pytest.fixture(scope="module")
def blocks():
    skimage_data = pytest.importorskip("skimage.data")
    image = skimage_data.astronaut().astype(np.float64) - 128.0  # 512 x 512 x 3
    planes = image.transpose(2, 0, 1)  # 3 x 512 x 512
    return planes.reshape(3, 64, 8, 64, 8).transpose(0, 1, 3, 2, 4).reshape(-1, 8, 8).copy()


def _record(benchmark, n_blocks):
    benchmark.extra_info["blocks"] = n_blocks
    record_rate(benchmark, "blocks_per_s", n_blocks)


@pytest.mark.parametrize("direction", ["forward", "inverse"])
@pytest.mark.parametrize("impl", ["native-float32", "native-float64", "scipy-float32", "scipy-float64", "numba",
                                  "reference"])
def test_dct(benchmark, blocks, direction, impl):
    benchmark.group = f"dct-{direction}"
    fn = dct.forward if direction == "forward" else dct.inverse
    if impl == "numba":
        pytest.importorskip("numba")
        fn(blocks[:1], impl=impl)  # compile (or load from the cache) outside the timing
        out = benchmark(fn, blocks, impl=impl)
        assert out.shape == blocks.shape
        _record(benchmark, len(blocks))
        return
    if impl == "reference":
        data = blocks[:96]
        benchmark.pedantic(fn, args=(data,), kwargs={"impl": "reference"}, rounds=1, iterations=1)
        _record(benchmark, len(data))
        return
    kind, dtype = impl.split("-")
    data = blocks.astype(dtype)
    if kind == "native":
        out = benchmark(fn, data)
    else:
        fn = scipy.fft.dctn if direction == "forward" else scipy.fft.idctn
        out = benchmark(fn, data, axes=(-2, -1), norm="ortho")
    assert out.shape == data.shape
    _record(benchmark, len(data))


def test_dct_inverse_int(benchmark, blocks):
    benchmark.group = "dct-inverse-int"
    coeffs = np.clip(np.round(scipy.fft.dctn(blocks, axes=(-2, -1), norm="ortho")), -2048, 2047).astype(np.int16)
    out = benchmark(dct.inverse_int, coeffs)
    assert out.shape == coeffs.shape
    _record(benchmark, len(coeffs))


@pytest.mark.parametrize("impl", ["native", "numba", "reference"])
def test_dct_quantize(benchmark, blocks, impl):
    benchmark.group = "dct-quantize"
    coeffs = dct.forward(blocks)
    table = dct.quality_table(75)
    if impl == "numba":
        pytest.importorskip("numba")
        dct.quantize(coeffs[:1], table, impl=impl)
    if impl == "reference":
        coeffs = coeffs[:960]
        out = benchmark.pedantic(dct.quantize, args=(coeffs, table), kwargs={"impl": impl}, rounds=1, iterations=1)
    else:
        out = benchmark(dct.quantize, coeffs, table, impl=impl)
    assert np.array_equal(out, dct.quantize(coeffs, table))
    _record(benchmark, len(coeffs))
