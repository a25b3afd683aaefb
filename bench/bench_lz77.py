"""The thesis's LZ77, exact mode: native vs the brute-force reference on 64 KiB of stdlib text.

    pytest bench/bench_lz77.py --benchmark-only

Group ``lz77-exact``; both produce identical tokens (asserted). The reference takes seconds,
so it runs one round.
"""

import pytest

from fastzip import data, lz77

from .helpers import record


@pytest.fixture(scope="module")
def text():
    return data.stdlib_text(64 << 10)


@pytest.mark.parametrize("impl", ["native", "reference"])
def test_lz77_exact(benchmark, text, impl):
    benchmark.group = "lz77-exact"
    rounds = 1 if impl == "reference" else 20
    tokens = benchmark.pedantic(lz77.encode, args=(text,), kwargs={"impl": impl}, rounds=rounds, iterations=1)
    assert lz77.decode(tokens) == text
    record(benchmark, len(text), len(lz77.dumps(tokens)))
    benchmark.extra_info["tokens"] = len(tokens)
