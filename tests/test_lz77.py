"""The thesis's LZ77: native tokens identical to the brute-force reference, round trips, serialization."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastzip import ChecksumError, FormatError, OutputLimitError, lz77


def as_tuples(tokens):
    return [tuple(int(v) for v in t) for t in tokens.tolist()]


@given(st.binary(max_size=400).map(lambda b: b * 3), st.integers(1, 64), st.integers(1, 20))
def test_native_tokens_equal_reference(data, window, lookahead):
    native = lz77.encode(data, window=window, lookahead=lookahead)
    reference = lz77.encode(data, window=window, lookahead=lookahead, impl="reference")
    assert as_tuples(native) == as_tuples(reference)
    assert lz77.decode(native) == data


def test_native_equals_reference_on_real_text(stdlib_text):
    data = stdlib_text[:6000]
    assert as_tuples(lz77.encode(data)) == as_tuples(lz77.encode(data, impl="reference"))


def test_rules_of_the_algorithm():
    # Overlap: "aaaa..." becomes one literal then one long overlapping match.
    tokens = as_tuples(lz77.encode(b"a" * 10, lookahead=15))
    assert tokens == [(0, 0, 97), (1, 8, 97)]  # the match stops one byte early: the last token has a literal
    # Ties: the farthest of equally long matches wins (offset 6, not 3).
    tokens = as_tuples(lz77.encode(b"abXabYabZ", window=16))
    assert tokens[-1] == (6, 2, ord("Z"))
    # The window bounds the offset.
    tokens = lz77.encode(bytes(range(50)) * 2, window=40)
    assert tokens["offset"].max() <= 40
    assert as_tuples(lz77.encode(b"")) == []


def test_decode_rejects_bad_tokens():
    bad = np.array([(5, 3, 65)], dtype=lz77.TOKEN_DTYPE)
    with pytest.raises(FormatError, match="offset"):
        lz77.decode(bad)
    tokens = lz77.encode(b"abc" * 1000)
    with pytest.raises(OutputLimitError):
        lz77.decode(tokens, max_output_size=100)


def test_serialization_round_trip_and_size(stdlib_text):
    data = stdlib_text[:20000]
    tokens = lz77.encode(data)
    blob = lz77.dumps(tokens)
    back, window, lookahead = lz77.loads(blob)
    assert (window, lookahead) == (4096, 15)
    assert as_tuples(back) == as_tuples(tokens)
    assert len(blob) == 21 + (len(tokens) * 25 + 7) // 8 + 4  # 13 + 4 + 8 bits a token


def test_loads_rejects_corruption():
    blob = bytearray(lz77.dumps(lz77.encode(b"hello hello hello")))
    with pytest.raises(FormatError, match="magic"):
        lz77.loads(b"XXXX" + blob[4:])
    with pytest.raises(FormatError, match="declares"):
        lz77.loads(blob[:-1])
    blob[-5] ^= 1
    with pytest.raises(ChecksumError):
        lz77.loads(blob)
