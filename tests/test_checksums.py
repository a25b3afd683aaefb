"""The native Adler-32 and CRC-32 agree with zlib's and with the RFCs' loops (fastzip.reference),
SIMD and portable paths alike; checksums of pieces combine into the whole's as zlib's do."""

import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastzip import deflate
from fastzip._native.checksums import (ADLER32_METHOD, CRC32_METHOD, adler32, adler32_avx2, adler32_portable,
                                      adler32_sse2, crc32, crc32_clmul128, crc32_slicing)
from fastzip.reference import checksums as reference


@given(st.binary(max_size=20000), st.integers(0, 0xFFFFFFFF))
def test_adler32_matches_zlib(data, start):
    start = (start % 65521) | ((start >> 16) % 65521) << 16  # a valid running value
    assert adler32(data, start) == zlib.adler32(data, start) == adler32_portable(data, start) == adler32_sse2(data, start)
    assert adler32_avx2(data, start) == adler32(data, start)


@pytest.mark.parametrize("size", [0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 5503, 5504, 5535, 5536, 5537,
                                  3 * 5536 + 31, 3 * 5536 + 127, 1 << 20])
def test_adler32_worst_case_sums(size):
    # All 0xFF bytes make the sums largest between reductions: no 32-bit lane may overflow.
    data = b"\xff" * size
    assert adler32(data) == zlib.adler32(data) == adler32_portable(data) == adler32_sse2(data)
    assert adler32_avx2(data) == adler32(data)
    assert adler32(data, 0xFFF0FFF0) == zlib.adler32(data, 0xFFF0FFF0)


def test_adler32_accepts_any_buffer():
    arr = np.arange(10000, dtype=np.uint16)
    assert adler32(memoryview(arr).cast("B")) == zlib.adler32(arr.tobytes())


@given(st.binary(max_size=3000), st.binary(max_size=3000), st.integers(0, 2**32 - 1))
def test_combined_checksums_match_zlib(first, second, start):
    """Checksums of pieces summed on their own, combined: what the threaded compressor writes."""
    from fastzip.deflate.framing import combine_checksums

    for fmt, fn in (("zlib", zlib.adler32), ("gzip", zlib.crc32)):
        begin = ((start >> 16) % 65521) << 16 | (start & 0xFFFF) % 65521 if fmt == "zlib" else start  # valid Adler
        whole = fn(first + second, begin)
        assert combine_checksums(fmt, fn(first, begin), fn(second, 1 if fmt == "zlib" else 0), len(second)) == whole
    long = bytes(range(256)) * 4099  # over a MiB: many bits of the length set
    assert combine_checksums("gzip", zlib.crc32(b"head"), zlib.crc32(long), len(long)) == zlib.crc32(b"head" + long)
    assert combine_checksums("raw", 5, 6, 7) == 0


@given(st.binary(max_size=20000), st.integers(0, 0xFFFFFFFF), st.integers(0, 15))
def test_crc32_matches_zlib(data, start, skip):
    """Every length and alignment (the folding path takes 64 bytes or more, then 16 at a time,
    the table loop the rest)."""
    data = data[skip:]
    assert crc32(data, start) == zlib.crc32(data, start) == crc32_slicing(data, start)
    assert crc32_clmul128(data, start) == crc32(data, start)


@pytest.mark.parametrize("size", [0, 1, 15, 16, 63, 64, 65, 79, 80, 127, 128, 129, 255, 256, 257, 1000,
                                  1023, 1024, 1025, 1279, 1280, 1296, 1343, 2048 + 63, 1 << 20, (1 << 20) + 241])
def test_crc32_at_the_folding_boundaries(size):
    """Around the 128-bit folds' steps (64 and 16 bytes) and the 512-bit ones' (from 1 KiB,
    256 bytes a turn), at every alignment; both paths beside zlib."""
    rng = np.random.default_rng(size)
    data = rng.integers(0, 256, size + 7, dtype=np.uint8)
    for offset in range(8):
        piece = data[offset:offset + size]
        assert crc32(piece) == zlib.crc32(piece.tobytes()) == crc32_slicing(piece) == crc32_clmul128(piece)
    assert crc32(b"\xff" * size, 0xFFFFFFFF) == zlib.crc32(b"\xff" * size, 0xFFFFFFFF)


@given(st.binary(max_size=300), st.integers(0, 0xFFFFFFFF))
def test_checksums_match_the_rfcs_loops(data, start):
    assert crc32(data, start) == reference.crc32(data, start)
    start = ((start >> 16) % 65521) << 16 | (start & 0xFFFF) % 65521
    assert adler32(data, start) == reference.adler32(data, start)


def test_checksums_are_public_and_take_any_buffer():
    arr = np.arange(10000, dtype=np.uint16)
    assert deflate.crc32(memoryview(arr).cast("B")) == zlib.crc32(arr.tobytes())
    assert deflate.adler32(bytearray(b"abc")) == zlib.adler32(b"abc")
    # Any C-contiguous buffer is summed as its bytes, as zlib's checksums do; others are refused alike.
    floats = np.linspace(0, 1, 3001)
    for ours, peer in ((deflate.crc32, zlib.crc32), (deflate.adler32, zlib.adler32)):
        assert ours(floats) == peer(floats) and ours(floats, 7) == peer(floats, 7)
        with pytest.raises(ValueError, match="contiguous"):
            ours(floats[::2])
        with pytest.raises(TypeError):
            ours("text")
    assert CRC32_METHOD in ("vpclmulqdq-512", "pclmulqdq", "slicing-by-8", "byte table")
    assert ADLER32_METHOD in ("avx512", "avx2", "sse2")
