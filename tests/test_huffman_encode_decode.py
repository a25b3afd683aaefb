"""The symbol-level API: encode/decode round trips, native == reference, alphabets up to 320."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastzip import FormatError, huffman


@given(st.lists(st.integers(0, 319), min_size=0, max_size=3000), st.integers(10, 16))
def test_round_trip_and_native_equals_reference(symbols, max_length):
    freqs = np.bincount(np.array(symbols, dtype=np.int64), minlength=320)
    lengths = huffman.code_lengths(freqs, max_length)
    packed = huffman.encode(symbols, lengths)
    assert packed == huffman.encode(symbols, lengths, impl="reference")
    for impl in ("native", "reference"):
        assert huffman.decode(packed, lengths, len(symbols), impl=impl).tolist() == symbols


def test_long_codes_use_subtables():
    # 16-bit codes exercise the decoder's second-level tables.
    fib = [1, 1]
    while len(fib) < 30:
        fib.append(fib[-1] + fib[-2])
    lengths = huffman.code_lengths(fib, 16)
    assert lengths.max() == 16
    rng = np.random.default_rng(1)
    symbols = rng.integers(0, 30, 5000)
    packed = huffman.encode(symbols, lengths)
    assert huffman.decode(packed, lengths, symbols.size).tolist() == symbols.tolist()


@pytest.mark.parametrize("impl", ["native", "reference"])
def test_decode_rejects_truncated_data(impl):
    lengths = huffman.code_lengths([5, 3, 1, 1], 15)
    packed = huffman.encode([0, 1, 2, 3] * 10, lengths)
    with pytest.raises(FormatError, match="truncated"):
        huffman.decode(packed[:-2], lengths, 40, impl=impl)


@pytest.mark.parametrize("impl", ["native", "reference"])
def test_decode_rejects_a_pattern_that_is_no_code(impl):
    # One symbol of length 1: the bit pattern 1 is no code.
    with pytest.raises(FormatError, match="no code"):
        huffman.decode(b"\x02", [1, 0], 2, impl=impl)


def test_decode_rejects_invalid_lengths():
    with pytest.raises(FormatError, match="over-subscribed"):
        huffman.decode(b"\x00", [1, 1, 1], 1)
    with pytest.raises(FormatError, match="incomplete"):
        huffman.decode(b"\x00", [1, 2], 1)


def test_encode_rejects_symbols_without_code():
    with pytest.raises(ValueError, match="no|non-zero"):
        huffman.encode([0, 2], [1, 1, 0])
