"""Hostile Huffman streams: every failure is a fastzip error, never a crash, hang or over-read."""

import struct
import zlib

import numpy as np
import pytest

from fastzip import ChecksumError, FastzipError, FormatError, OutputLimitError, UnsupportedError, data, huffman

from common import assert_every_cut_fails, mutants, outcomes

HEADER = struct.Struct("<4sBBQQ")


def build(lengths, payload, size, *, crc=0, version=1, max_length=15, magic=b"FZHF", payload_size=None):
    lengths = np.asarray(lengths, dtype=np.uint8)
    packed = (lengths[0::2] | (lengths[1::2] << 4)).astype(np.uint8).tobytes()
    if payload_size is None:
        payload_size = len(payload)
    return HEADER.pack(magic, version, max_length, size, payload_size) + packed + payload + struct.pack("<I", crc)


@pytest.fixture(scope="module")
def valid_stream():
    return huffman.compress(data.stdlib_text(4096))


@pytest.mark.parametrize("impl", ["native", "reference"])
def test_truncated_at_every_byte(valid_stream, impl):
    assert_every_cut_fails(valid_stream, lambda b: huffman.decompress(b, impl=impl))


def test_trailing_bytes_rejected(valid_stream):
    with pytest.raises(FormatError, match="unexpected bytes"):
        huffman.decompress(valid_stream + b"\0")


def test_bad_magic_and_version(valid_stream):
    with pytest.raises(FormatError, match="magic"):
        huffman.decompress(b"GZIP" + valid_stream[4:])
    with pytest.raises(FormatError, match="magic"):
        huffman.decompress(b"\x1f\x8b")
    with pytest.raises(UnsupportedError, match="version 2"):
        huffman.decompress(valid_stream[:4] + b"\x02" + valid_stream[5:])
    with pytest.raises(FormatError, match="maximum code length"):
        huffman.decompress(valid_stream[:5] + b"\x00" + valid_stream[6:])


@pytest.mark.parametrize("impl", ["native", "reference"])
def test_over_subscribed_and_incomplete_codes(impl):
    over = [1, 1, 1] + [0] * 253
    with pytest.raises(FormatError, match="over-subscribed"):
        huffman.decompress(build(over, b"\0", 8), impl=impl)
    incomplete = [1, 2] + [0] * 254
    with pytest.raises(FormatError, match="incomplete"):
        huffman.decompress(build(incomplete, b"\0", 8), impl=impl)
    lone_long = [3] + [0] * 255
    with pytest.raises(FormatError, match="one symbol"):
        huffman.decompress(build(lone_long, b"\0", 2), impl=impl)
    empty_code = [0] * 256
    with pytest.raises(FormatError, match="no byte has a code"):
        huffman.decompress(build(empty_code, b"\0", 2), impl=impl)


def test_declared_size_beyond_output_limit_is_refused_before_allocation():
    # Declares 2**62 bytes: must fail on the header, not try to allocate.
    stream = build([1, 1] + [0] * 254, b"\0" * 16, 1 << 62)
    with pytest.raises(OutputLimitError):
        huffman.decompress(stream, max_output_size=1 << 20)
    with pytest.raises(FormatError, match="cannot fit"):
        huffman.decompress(stream)
    ok = huffman.compress(b"x" * 1000)
    assert huffman.decompress(ok, max_output_size=1000) == b"x" * 1000
    with pytest.raises(OutputLimitError):
        huffman.decompress(ok, max_output_size=999)


@pytest.mark.parametrize("impl", ["native", "reference"])
def test_payload_shorter_than_declared(impl):
    lengths = [1, 1] + [0] * 254
    # 100 symbols need 100 bits = 13 bytes; declare 100 symbols in a 13-byte payload of which 12 exist.
    with pytest.raises(FormatError, match="truncated"):
        huffman.decompress(build(lengths, b"\0" * 12, 100, payload_size=13), impl=impl)
    # A payload longer than its codes need is rejected too.
    payload = b"\0" * 14
    with pytest.raises(FormatError, match="codes end after"):
        huffman.decompress(build(lengths, payload, 100, crc=zlib.crc32(b"\0" * 100)), impl=impl)


@pytest.mark.parametrize("impl", ["native", "reference"])
def test_checksum_mismatch(valid_stream, impl):
    corrupt = valid_stream[:-1] + bytes([valid_stream[-1] ^ 1])
    with pytest.raises(ChecksumError):
        huffman.decompress(corrupt, impl=impl)


def test_thousands_of_mutated_streams_native():
    rng = np.random.default_rng(2026)
    streams = mutants(huffman.compress(data.stdlib_text(2048)), rng, 5000, changes=(1, 8), how="xor", cut_every=5)

    def check(out):
        assert len(out) <= 1 << 16

    counts = outcomes(lambda s: huffman.decompress(s, max_output_size=1 << 16), streams, check)
    assert counts["error"] > 4000  # nearly every mutation is caught, most by the CRC


def test_mutated_streams_native_and_reference_agree():
    rng = np.random.default_rng(7)
    for stream in mutants(huffman.compress(data.stdlib_text(512)), rng, 300, changes=(2, 3), how="xor"):
        results = []
        for impl in ("native", "reference"):
            try:
                results.append(huffman.decompress(stream, impl=impl))
            except FastzipError as exc:
                results.append(type(exc))
        assert results[0] == results[1]
