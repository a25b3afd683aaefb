"""The thesis's LZ77, exact mode, on 64 KiB of stdlib text: native (Cython), numba (the
brute-force reference compiled) and the reference interpreted, side by side.

    pytest bench/bench_lz77.py --benchmark-only

Group ``lz77-exact``; all produce identical tokens (asserted). The reference takes seconds,
so it runs one round; numba is compiled (or loaded from its cache) before timing.
"""

import pytest

from fastzip import data, lz77

from .helpers import record


@pytest.fixture(scope="module")
def text():
    return data.stdlib_text(64 << 10)


@pytest.mark.parametrize("impl", ["native", "numba", "reference"])
def test_lz77_exact(benchmark, text, impl):
    benchmark.group = "lz77-exact"
    if impl == "numba":
        pytest.importorskip("numba")
        lz77.encode(text[:64], impl=impl)
    rounds = {"reference": 1, "numba": 3, "native": 20}[impl]
    tokens = benchmark.pedantic(lz77.encode, args=(text,), kwargs={"impl": impl}, rounds=rounds, iterations=1)
    assert lz77.decode(tokens) == text
    record(benchmark, len(text), len(lz77.dumps(tokens)))
    benchmark.extra_info["tokens"] = len(tokens)
