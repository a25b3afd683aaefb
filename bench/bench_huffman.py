"""Huffman coders side by side: fastzip native (Cython), numba (the reference's bit packing
compiled) and reference (interpreted), bitarray (C), dahuffman (pure Python).

    pytest bench/bench_huffman.py --benchmark-only --benchmark-columns=min,median,ops

Groups ``huffman-encode[text|binary]`` and ``huffman-decode[text|binary]``; each row's
extra_info holds the ratio. The reference twin runs 3 rounds only (it takes about a second);
numba is compiled (or loaded from its cache) before timing.
"""

import numpy as np
import pytest

from fastzip import data, huffman, metrics
from fastzip.reference import huffman as reference_huffman

from .helpers import record

CORPORA = ["text", "binary"]


def _warm(impl: str) -> None:
    """Compile (or load from the cache) the numba tier outside the timings."""
    if impl == "numba":
        pytest.importorskip("numba")
        huffman.decompress(huffman.compress(b"warm up", impl=impl), impl=impl)


def _bitarray():
    bitarray = pytest.importorskip("bitarray")
    util = pytest.importorskip("bitarray.util")
    return bitarray.bitarray, util.canonical_huffman, util.canonical_decode


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("impl", ["native", "numba", "reference"])
def test_fastzip_encode(benchmark, corpora, corpus, impl):
    raw = corpora[corpus]
    benchmark.group = f"huffman-encode[{corpus}]"
    benchmark.extra_info["corpus"] = data.describe(corpus, raw)
    _warm(impl)
    if impl == "reference":
        packed = benchmark.pedantic(huffman.compress, args=(raw,), kwargs={"impl": impl}, rounds=3)
    else:
        packed = benchmark(huffman.compress, raw, impl=impl)
    record(benchmark, len(raw), len(packed))


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("impl", ["native", "numba", "reference"])
def test_fastzip_decode(benchmark, corpora, corpus, impl):
    raw = corpora[corpus]
    packed = huffman.compress(raw)
    benchmark.group = f"huffman-decode[{corpus}]"
    _warm(impl)
    if impl == "reference":
        out = benchmark.pedantic(huffman.decompress, args=(packed,), kwargs={"impl": impl}, rounds=3)
    else:
        out = benchmark(huffman.decompress, packed, impl=impl)
    assert out == raw
    record(benchmark, len(raw), len(packed))


@pytest.mark.parametrize("corpus", CORPORA)
def test_bitarray_encode(benchmark, corpora, corpus):
    bitarray, canonical_huffman, _ = _bitarray()
    raw = corpora[corpus]
    benchmark.group = f"huffman-encode[{corpus}]"

    def encode():
        counts = {b: c for b, c in enumerate(np.bincount(np.frombuffer(raw, np.uint8), minlength=256).tolist()) if c}
        codes, _, _ = canonical_huffman(counts)
        bits = bitarray(endian="little")
        bits.encode(codes, raw)
        return bits

    bits = benchmark(encode)
    record(benchmark, len(raw), (len(bits) + 7) // 8)


@pytest.mark.parametrize("corpus", CORPORA)
def test_bitarray_decode(benchmark, corpora, corpus):
    bitarray, canonical_huffman, canonical_decode = _bitarray()
    raw = corpora[corpus]
    counts = {b: c for b, c in enumerate(np.bincount(np.frombuffer(raw, np.uint8), minlength=256).tolist()) if c}
    codes, count, symbols = canonical_huffman(counts)
    bits = bitarray()
    bits.encode(codes, raw)
    benchmark.group = f"huffman-decode[{corpus}]"
    out = benchmark(lambda: bytes(canonical_decode(bits, count, symbols)))
    assert out == raw
    record(benchmark, len(raw), (len(bits) + 7) // 8)


@pytest.mark.parametrize("corpus", CORPORA)
def test_dahuffman_encode(benchmark, corpora, corpus):
    dahuffman = pytest.importorskip("dahuffman")
    raw = corpora[corpus]
    benchmark.group = f"huffman-encode[{corpus}]"

    def encode():
        codec = dahuffman.HuffmanCodec.from_data(raw)
        return codec.encode(raw)

    packed = benchmark.pedantic(encode, rounds=3)
    record(benchmark, len(raw), len(packed))


@pytest.mark.parametrize("corpus", CORPORA)
def test_dahuffman_decode(benchmark, corpora, corpus):
    dahuffman = pytest.importorskip("dahuffman")
    raw = corpora[corpus]
    codec = dahuffman.HuffmanCodec.from_data(raw)
    packed = codec.encode(raw)
    benchmark.group = f"huffman-decode[{corpus}]"
    out = benchmark.pedantic(codec.decode, args=(packed,), rounds=3)
    assert out == raw
    record(benchmark, len(raw), len(packed))


@pytest.mark.parametrize("corpus", CORPORA)
def test_length_limit_cost(benchmark, corpora, corpus):
    """Not a speed race: times code_lengths and records how far the 15-bit limited payload is from
    the unrestricted Huffman payload and from the order-0 entropy."""
    raw = corpora[corpus]
    counts = huffman.histogram(raw)
    benchmark.group = "huffman-code-lengths"
    limited = benchmark(huffman.code_lengths, counts, 15)
    unlimited = np.array(reference_huffman.huffman_code_lengths(counts.tolist()))  # no length limit
    bits = lambda lengths: int(np.dot(counts, lengths.astype(np.uint64)))
    benchmark.extra_info["gap_to_unrestricted_huffman_pct"] = 100 * (bits(limited) / bits(unlimited) - 1)
    benchmark.extra_info["gap_to_entropy_pct"] = 100 * (bits(limited) / (metrics.order0_entropy(raw) * len(raw)) - 1)
