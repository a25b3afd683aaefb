"""The thesis's LZ77 (Algorithm 2), exactly as its pseudo-code reads.

At each position the search buffer (the last ``window`` bytes) is scanned from its farthest
byte to its nearest for the longest match with the lookahead buffer. A candidate replaces
the best so far only if it is strictly longer, so among equally long matches the farthest
wins. A match may run past the current position (overlap), and is cut one byte short of
the end of the input so that every token carries a real next literal. The token is
(offset, length, next literal); offset and length are 0 when nothing matches.
"""

from __future__ import annotations

__all__ = ["encode", "decode"]


def encode(data: bytes, window: int, lookahead: int) -> list[tuple[int, int, int]]:
    tokens = []
    n = len(data)
    i = 0
    while i < n:
        best_length, best_offset = 0, 0
        max_length = min(lookahead, n - i - 1)  # keep one byte for the literal
        for j in range(max(0, i - window), i):  # farthest candidate first
            k = 0
            while k < max_length and data[j + k] == data[i + k]:
                k += 1
            if k > best_length:  # strictly longer: ties keep the farther match
                best_length, best_offset = k, i - j
        tokens.append((best_offset, best_length, data[i + best_length]))
        i += best_length + 1
    return tokens


def decode(tokens) -> bytes:
    out = bytearray()
    for offset, length, literal in tokens:
        start = len(out) - offset
        for k in range(length):  # byte by byte: the source may overlap what is being written
            out.append(out[start + k])
        out.append(literal)
    return bytes(out)
