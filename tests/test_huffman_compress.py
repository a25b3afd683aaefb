"""The Huffman byte codec: round trips on real data, native == reference byte for byte, near-optimal size."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastzip import huffman, metrics

EDGE_INPUTS = {
    "empty": b"",
    "one byte": b"x",
    "one symbol repeated": b"\x00" * 65536,
    "two symbols": b"ab" * 1000,
    "all 256 values": bytes(range(256)),
    "random": np.random.default_rng(0).integers(0, 256, 100_000, dtype=np.uint8).tobytes(),
}


@pytest.mark.parametrize("name", EDGE_INPUTS)
@pytest.mark.parametrize("impl", ["native", "reference"])
def test_round_trip_edge_inputs(name, impl):
    data = EDGE_INPUTS[name]
    assert huffman.decompress(huffman.compress(data, impl=impl), impl=impl) == data


@given(st.binary(max_size=5000))
def test_native_equals_reference(data):
    native = huffman.compress(data)
    assert native == huffman.compress(data, impl="reference")
    assert huffman.decompress(native, impl="reference") == data
    assert huffman.decompress(native) == data


@pytest.mark.parametrize("corpus", ["stdlib_text", "machine_code", "image"])
def test_real_data_round_trip_and_identical_twins(real_corpora, corpus):
    data = real_corpora[corpus]
    packed = huffman.compress(data)
    assert huffman.decompress(packed) == data
    # The reference twin is slow: compare the two on a 64 KiB slice of the same corpus.
    piece = data[:65536]
    assert huffman.compress(piece, impl="reference") == huffman.compress(piece)
    assert huffman.decompress(huffman.compress(piece), impl="reference") == piece


@pytest.mark.parametrize("corpus", ["stdlib_text", "machine_code", "image"])
def test_payload_within_entropy_and_optimal_huffman(real_corpora, corpus):
    data = real_corpora[corpus]
    counts = huffman.histogram(data)
    limited = huffman.code_lengths(counts, 15)
    unlimited = huffman.code_lengths(counts, 16)  # Huffman itself unless 16 bits were not enough
    bits_limited = int(np.dot(counts, limited.astype(np.uint64)))
    bits_unlimited = int(np.dot(counts, unlimited.astype(np.uint64)))
    assert bits_limited <= bits_unlimited * 1.001
    entropy_bits = metrics.order0_entropy(data) * len(data)
    assert entropy_bits <= bits_limited <= entropy_bits + len(data)  # Huffman is within 1 bit/symbol
    assert len(huffman.compress(data)) == 154 + (bits_limited + 7) // 8


def test_stream_layout_matches_the_documented_format():
    packed = huffman.compress(b"abracadabra")
    magic, version, max_length, size, payload = struct.unpack_from("<4sBBQQ", packed)
    assert (magic, version, max_length, size) == (b"FZHF", 1, 15, 11)
    assert len(packed) == 22 + 128 + payload + 4
    assert struct.unpack("<I", packed[-4:])[0] == zlib.crc32(b"abracadabra")


def test_accepts_any_contiguous_buffer():
    data = np.arange(1000, dtype=np.uint16)
    assert huffman.decompress(huffman.compress(data)) == data.tobytes()
    assert huffman.decompress(huffman.compress(bytearray(b"xyz"))) == b"xyz"


GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name, original", [("huffman_abracadabra.fzh", b"abracadabra"),
                                            ("huffman_stdlib_4k.fzh", (GOLDEN / "huffman_stdlib_4k.txt").read_bytes())])
def test_golden_streams_still_decode_and_encode_the_same(name, original):
    # Streams written by fastzip 0.1.0: the format must stay readable, and the encoder stable.
    golden = (GOLDEN / name).read_bytes()
    assert huffman.decompress(golden) == original
    assert huffman.compress(original) == golden
