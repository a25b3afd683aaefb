"""Canonical Huffman coding, the textbook way.

1. Count symbols (:func:`histogram`).
2. Build the Huffman tree with a priority queue, repeatedly joining the two lightest nodes,
   and read each symbol's code length off as its depth (:func:`huffman_code_lengths`).
3. If the deepest leaf is deeper than ``max_length``, solve the length-limited problem
   optimally with package-merge instead (:func:`package_merge_code_lengths`).
4. Assign canonical codes from the lengths alone (:func:`canonical_codes`, RFC 1951 §3.2.2).
5. Write and read codes one bit at a time, least significant bit of each byte first and each
   code's most significant bit first, as DEFLATE does (:func:`encode`, :func:`decode`).

Steps 5 are written in the subset of Python that Numba compiles (loops over arrays, integer
statuses instead of exceptions, no containers built in the loop): ``impl="numba"`` runs this
very source compiled, ``impl="reference"`` runs it in the interpreter.

Ties are broken by a fixed rule so the native kernels can reproduce the same lengths exactly:
leaves are ordered by (frequency, symbol); a leaf is taken before an internal node of the same
weight, and earlier internal nodes before later ones.
"""

from __future__ import annotations

import heapq

import numpy as np

__all__ = [
    "histogram",
    "code_lengths",
    "huffman_code_lengths",
    "package_merge_code_lengths",
    "canonical_codes",
    "encode",
    "decode",
    "DECODE_OK",
    "DECODE_INVALID_CODE",
    "DECODE_TRUNCATED",
]

# decode's statuses (the native decoder's, too)
DECODE_OK, DECODE_INVALID_CODE, DECODE_TRUNCATED = 0, -1, -2


def histogram(symbols, alphabet_size: int = 256) -> list[int]:
    """How often each symbol in ``0 .. alphabet_size-1`` occurs in ``symbols``."""
    counts = [0] * alphabet_size
    for s in symbols:
        counts[s] += 1
    return counts


def _leaves_in_order(freqs) -> list[tuple[int, int]]:
    """The used symbols as (frequency, symbol), lightest first, ties by symbol."""
    return sorted((f, s) for s, f in enumerate(freqs) if f > 0)


def huffman_code_lengths(freqs) -> list[int]:
    """Optimal (unlimited) code lengths: the depths of the Huffman tree's leaves.

    A single used symbol gets length 1 (a decoder needs at least one bit to read); an
    alphabet with no used symbol gets all zeros.
    """
    leaves = _leaves_in_order(freqs)
    lengths = [0] * len(freqs)
    if len(leaves) == 1:
        lengths[leaves[0][1]] = 1
    if len(leaves) <= 1:
        return lengths

    # Heap entries are (weight, order, node); order makes ties deterministic: leaves by
    # their rank, then internal nodes in the order they were made. A node is a symbol
    # (leaf) or a pair of nodes (internal).
    heap = [(f, rank, s) for rank, (f, s) in enumerate(leaves)]
    heapq.heapify(heap)
    order = len(leaves)
    while len(heap) > 1:
        w1, _, left = heapq.heappop(heap)
        w2, _, right = heapq.heappop(heap)
        heapq.heappush(heap, (w1 + w2, order, (left, right)))
        order += 1

    stack = [(heap[0][2], 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            stack.append((node[0], depth + 1))
            stack.append((node[1], depth + 1))
        else:
            lengths[node] = depth
    return lengths


def package_merge_code_lengths(freqs, max_length: int) -> list[int]:
    """Optimal code lengths no longer than ``max_length`` (Larmore & Hirschberg's package-merge).

    Think of each leaf as a coin of denomination 2**-level for every level 1..max_length,
    worth its frequency. Starting from the deepest level, pair up adjacent items into
    packages and merge the packages with a fresh copy of the leaves (a leaf first on equal
    weight); the cheapest 2n-2 items of level 1 are the optimal solution, and a symbol's
    code length is how many of its coins the solution spends.
    """
    leaves = _leaves_in_order(freqs)
    n = len(leaves)
    lengths = [0] * len(freqs)
    if n <= 1:
        return huffman_code_lengths(freqs)
    if n > 1 << max_length:
        raise ValueError(f"{n} symbols cannot have codes of at most {max_length} bits")

    weights = [f for f, _ in leaves]
    levels = []  # levels[0] is the deepest level's list; items are (weight, is_package)
    items = [(w, False) for w in weights]
    levels.append(items)
    for _ in range(max_length - 1):
        packages = [items[2 * k][0] + items[2 * k + 1][0] for k in range(len(items) // 2)]
        merged, i, j = [], 0, 0
        while i < n or j < len(packages):
            if j == len(packages) or (i < n and weights[i] <= packages[j]):
                merged.append((weights[i], False))
                i += 1
            else:
                merged.append((packages[j], True))
                j += 1
        items = merged
        levels.append(items)

    rank_lengths = [0] * n
    take = 2 * n - 2
    for items in reversed(levels):  # level 1 first
        chosen = items[:take]
        for rank in range(sum(1 for _, is_package in chosen if not is_package)):
            rank_lengths[rank] += 1  # the chosen leaves are always the lightest ones
        take = 2 * sum(1 for _, is_package in chosen if is_package)
    for rank, (_, s) in enumerate(leaves):
        lengths[s] = rank_lengths[rank]
    return lengths


def code_lengths(freqs, max_length: int) -> list[int]:
    """Optimal code lengths of at most ``max_length`` bits for the given symbol frequencies.

    The Huffman tree when it fits (the usual case), package-merge when it does not.
    """
    lengths = huffman_code_lengths(freqs)
    if max(lengths, default=0) > max_length:
        lengths = package_merge_code_lengths(freqs, max_length)
    return lengths


def canonical_codes(lengths) -> list[int]:
    """Canonical code of each symbol (RFC 1951 §3.2.2): shorter codes first, then by symbol.

    Codes are returned as integers to be sent most significant bit first; symbols of
    length 0 get code 0 and are never sent.
    """
    max_len = max(lengths, default=0)
    bl_count = [0] * (max_len + 1)
    for n in lengths:
        if n:
            bl_count[n] += 1
    next_code = [0] * (max_len + 2)
    code = 0
    for bits in range(1, max_len + 1):
        code = (code + bl_count[bits - 1]) << 1
        next_code[bits] = code
    codes = [0] * len(lengths)
    for s, n in enumerate(lengths):
        if n:
            codes[s] = next_code[n]
            next_code[n] += 1
    return codes


def encode(symbols, codes, lengths, out) -> int:
    """Pack the codes of ``symbols`` into ``out`` (zeroed, long enough): bytes fill from their
    least significant bit, each code goes in from its most significant bit (DEFLATE's order).
    ``codes`` and ``lengths`` are indexed by symbol; every symbol has a length. Returns the
    number of bits written; the last byte keeps its zero padding."""
    pos = 0
    for t in range(len(symbols)):
        symbol = symbols[t]
        code = codes[symbol]
        for i in range(lengths[symbol] - 1, -1, -1):
            out[pos >> 3] |= ((code >> i) & 1) << (pos & 7)
            pos += 1
    return pos


def decode(data, lengths, out) -> tuple[int, int]:
    """Read ``len(out)`` symbols from ``data`` into ``out``; returns (status, bits read).

    Decodes canonically, one bit at a time: after reading ``length`` bits the code is valid
    if it falls among the ``count[length]`` codes that start at ``first``. The status is
    DECODE_INVALID_CODE for a bit pattern that is no code and DECODE_TRUNCATED when the data
    runs out before the last symbol.
    """
    count = np.zeros(17, np.int64)  # codes of each length
    longest = 0
    for s in range(len(lengths)):
        count[lengths[s]] += 1
        longest = max(longest, lengths[s])
    count[0] = 0
    in_code_order = np.zeros(len(lengths), np.int64)  # symbols by (length, symbol)
    k = 0
    for length in range(1, 17):
        for s in range(len(lengths)):
            if lengths[s] == length:
                in_code_order[k] = s
                k += 1

    pos = 0
    total_bits = 8 * len(data)
    for t in range(len(out)):
        code = 0
        first = 0  # the first code of this length
        index = 0  # how many symbols have shorter codes
        found = False
        for length in range(1, longest + 1):
            if pos >= total_bits:
                return DECODE_TRUNCATED, pos
            code |= (data[pos >> 3] >> (pos & 7)) & 1
            pos += 1
            if code - first < count[length]:
                out[t] = in_code_order[index + code - first]
                found = True
                break
            index += count[length]
            first = (first + count[length]) << 1
            code <<= 1
        if not found:
            return DECODE_INVALID_CODE, pos
    return DECODE_OK, pos
