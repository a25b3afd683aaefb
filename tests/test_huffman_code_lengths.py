"""code_lengths and canonical_codes: optimal, limited, canonical, and native == reference."""

import heapq
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastzip import huffman

freq_lists = st.lists(st.integers(0, 10**6), min_size=0, max_size=320)


def unlimited_huffman_cost(freqs):
    """Total bits of an optimal prefix code: the sum of all merge weights (an independent formula)."""
    heap = [f for f in freqs if f > 0]
    if len(heap) == 1:
        return heap[0]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


def brute_force_limited_cost(freqs, max_length):
    """Cheapest complete code of at most max_length bits, by trying every length assignment."""
    used = sorted((f for f in freqs if f > 0), reverse=True)
    best = None
    # Optimal codes give heavier symbols shorter (or equal) codes, so non-decreasing lengths suffice.
    for lengths in itertools.combinations_with_replacement(range(1, max_length + 1), len(used)):
        if sum(2.0 ** -n for n in lengths) == 1.0:
            cost = sum(f * n for f, n in zip(used, lengths))
            best = cost if best is None else min(best, cost)
    return best


def cost(freqs, lengths):
    return int(np.dot(np.asarray(freqs, dtype=np.int64), lengths.astype(np.int64)))


def kraft_is_complete(lengths):
    used = [int(n) for n in lengths if n]
    return len(used) == 1 or sum(2.0 ** -n for n in used) == 1.0


@given(freq_lists, st.integers(9, 16))
def test_native_equals_reference(freqs, max_length):
    native = huffman.code_lengths(freqs, max_length, impl="native")
    reference = huffman.code_lengths(freqs, max_length, impl="reference")
    assert native.tolist() == reference.tolist()


@given(freq_lists)
def test_unlimited_lengths_are_optimal_and_complete(freqs):
    lengths = huffman.code_lengths(freqs, 16)
    if max(lengths, default=0) < 16:  # the limit did not bind
        assert cost(freqs, lengths) == unlimited_huffman_cost(freqs)
    assert kraft_is_complete(lengths) or not any(lengths)


@given(st.lists(st.integers(1, 1000), min_size=2, max_size=7), st.integers(3, 4))
def test_limited_lengths_are_optimal(freqs, max_length):
    for impl in ("native", "reference"):
        lengths = huffman.code_lengths(freqs, max_length, impl=impl)
        assert max(lengths) <= max_length
        assert cost(freqs, lengths) == brute_force_limited_cost(freqs, max_length)


@pytest.mark.parametrize("impl", ["native", "reference"])
def test_fibonacci_frequencies_are_limited(impl):
    # Fibonacci weights make the deepest possible Huffman tree (n-1 levels).
    fib = [1, 1]
    while len(fib) < 40:
        fib.append(fib[-1] + fib[-2])
    unlimited = huffman.code_lengths(fib, 16, impl=impl)
    assert max(unlimited) == 16  # limit binds: the free tree would be 39 deep
    for max_length in (6, 7, 15):
        lengths = huffman.code_lengths(fib, max_length, impl=impl)
        assert max(lengths) == max_length and kraft_is_complete(lengths)


@pytest.mark.parametrize("impl", ["native", "reference"])
def test_edge_alphabets(impl):
    assert huffman.code_lengths([], 15, impl=impl).tolist() == []
    assert huffman.code_lengths([0] * 256, 15, impl=impl).tolist() == [0] * 256
    one = huffman.code_lengths([0, 0, 7, 0], 15, impl=impl)
    assert one.tolist() == [0, 0, 1, 0]
    two = huffman.code_lengths([5, 0, 1000], 15, impl=impl)
    assert two.tolist() == [1, 0, 1]
    flat = huffman.code_lengths([3] * 256, 15, impl=impl)
    assert flat.tolist() == [8] * 256
    wide = huffman.code_lengths(list(range(1, 321)), 15, impl=impl)
    assert kraft_is_complete(wide) and max(wide) <= 15
    full = huffman.code_lengths([1] * 256, 8, impl=impl)
    assert full.tolist() == [8] * 256


def test_too_many_symbols_for_the_limit():
    with pytest.raises(ValueError, match="cannot have codes"):
        huffman.code_lengths([1] * 257, 8)
    with pytest.raises(ValueError, match="max_length"):
        huffman.code_lengths([1, 2], 17)
    with pytest.raises(ValueError, match="non-negative"):
        huffman.code_lengths([1, -2])


def test_canonical_codes_match_rfc1951_example():
    # RFC 1951 §3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4) for A..H.
    lengths = [3, 3, 3, 3, 3, 2, 4, 4]
    expected = [0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111]
    for impl in ("native", "reference"):
        assert huffman.canonical_codes(lengths, impl=impl).tolist() == expected


@given(freq_lists)
def test_canonical_codes_are_prefix_free_and_agree(freqs):
    lengths = huffman.code_lengths(freqs, 15)
    native = huffman.canonical_codes(lengths, impl="native")
    assert native.tolist() == huffman.canonical_codes(lengths, impl="reference").tolist()
    words = sorted(format(int(c), f"0{int(n)}b") for c, n in zip(native, lengths) if n)
    for shorter, longer in zip(words, words[1:]):
        assert not longer.startswith(shorter)
