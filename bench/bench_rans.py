"""rANS (native, numba, reference) side by side with the ``constriction`` package (Rust; ANS
with quantized Laplace models).

    pytest bench/bench_rans.py --benchmark-only --benchmark-columns=min,median

Groups ``rans-encode`` / ``rans-decode``: 500,000 values drawn from discretized Laplace
distributions at 25 scales (0.3 to 10), coded with per-value scales. fastzip codes through
tables (one per scale, built once, outside the timing); constriction evaluates its quantized
Laplace model per value. The reference twin runs on 20,000 values: compare ``values_per_s``.
``bits_per_value`` is in extra_info for each.
"""

import numpy as np
import pytest

from fastzip import rans

from .helpers import record_rate

N = 500_000
HALF_WIDTH = 12
SCALES = np.geomspace(0.3, 10, 25)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(2026)
    which = rng.integers(0, len(SCALES), N).astype(np.int32)
    values = np.clip(np.rint(rng.laplace(0, SCALES[which])), -HALF_WIDTH, HALF_WIDTH).astype(np.int32)
    xs = np.arange(-HALF_WIDTH, HALF_WIDTH + 1)
    probs = []
    for b in SCALES:
        upper, lower = xs + 0.5, xs - 0.5
        cdf = lambda x: np.where(x < 0, 0.5 * np.exp(-np.abs(x) / b), 1 - 0.5 * np.exp(-np.abs(x) / b))
        probs.append(np.append(cdf(upper) - cdf(lower), 1e-9))
    cdf = rans.tables_from_probabilities(np.array(probs))
    return values, which, cdf, np.full(len(SCALES), -HALF_WIDTH)


def _record(benchmark, count, size):
    benchmark.extra_info["bits_per_value"] = round(8 * size / count, 4)
    record_rate(benchmark, "values_per_s", count)


def _warm(impl, problem):
    if impl == "numba":
        pytest.importorskip("numba")
        values, which, cdf, offset = problem
        rans.decode(rans.encode(values[:9], which[:9], cdf, offset, impl=impl), which[:9], cdf, offset, impl=impl)


@pytest.mark.parametrize("impl", ["native", "numba", "reference"])
def test_fastzip_encode(benchmark, problem, impl):
    benchmark.group = "rans-encode"
    values, which, cdf, offset = problem
    _warm(impl, problem)
    n = 20_000 if impl == "reference" else N
    if impl != "reference":
        blob = benchmark(rans.encode, values, which, cdf, offset, impl=impl)
    else:
        blob = benchmark.pedantic(rans.encode, args=(values[:n], which[:n], cdf, offset), kwargs={"impl": impl},
                                  rounds=1, iterations=1)
    _record(benchmark, n, len(blob))


@pytest.mark.parametrize("impl", ["native", "numba", "reference"])
def test_fastzip_decode(benchmark, problem, impl):
    benchmark.group = "rans-decode"
    values, which, cdf, offset = problem
    _warm(impl, problem)
    n = 20_000 if impl == "reference" else N
    blob = rans.encode(values[:n], which[:n], cdf, offset)
    if impl != "reference":
        out = benchmark(rans.decode, blob, which, cdf, offset, impl=impl)
    else:
        out = benchmark.pedantic(rans.decode, args=(blob, which[:n], cdf, offset), kwargs={"impl": impl},
                                 rounds=1, iterations=1)
    assert np.array_equal(out, values[:n])
    _record(benchmark, n, len(blob))


def _constriction():
    constriction = pytest.importorskip("constriction")
    return constriction, constriction.stream.model.QuantizedLaplace(-HALF_WIDTH, HALF_WIDTH + 1)


def test_constriction_encode(benchmark, problem):
    benchmark.group = "rans-encode"
    constriction, model = _constriction()
    values, which, _, _ = problem
    means, scales = np.zeros(N), SCALES[which]

    def encode():
        coder = constriction.stream.stack.AnsCoder()
        coder.encode_reverse(values, model, means, scales)
        return coder.get_compressed()

    words = benchmark(encode)
    _record(benchmark, N, 4 * len(words))


def test_constriction_decode(benchmark, problem):
    benchmark.group = "rans-decode"
    constriction, model = _constriction()
    values, which, _, _ = problem
    means, scales = np.zeros(N), SCALES[which]
    coder = constriction.stream.stack.AnsCoder()
    coder.encode_reverse(values, model, means, scales)
    words = coder.get_compressed()
    out = benchmark(lambda: constriction.stream.stack.AnsCoder(words).decode(model, means, scales))
    assert np.array_equal(out, values)
    _record(benchmark, N, 4 * len(words))
