"""The thesis's LZ77 (Algorithm 2), exactly as its pseudo-code reads.

At each position the search buffer (the last ``window`` bytes) is scanned from its farthest
byte to its nearest for the longest match with the lookahead buffer. A candidate replaces
the best so far only if it is strictly longer, so among equally long matches the farthest
wins. A match may run past the current position (overlap), and is cut one byte short of
the end of the input so that every token carries a real next literal. The token is
(offset, length, next literal); offset and length are 0 when nothing matches.

:func:`encode` is written in the subset of Python that Numba compiles (loops over arrays,
results into the caller's arrays): ``impl="numba"`` runs this source compiled.
"""

from __future__ import annotations

__all__ = ["encode", "decode"]


def encode(data, window: int, lookahead: int, offsets, lengths, literals) -> int:
    """Tokens of ``data`` into ``offsets``, ``lengths`` and ``literals`` (each at least
    ``len(data)`` long: a token covers at least one byte); returns how many there are."""
    n = len(data)
    count = 0
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
        offsets[count] = best_offset
        lengths[count] = best_length
        literals[count] = data[i + best_length]
        count += 1
        i += best_length + 1
    return count


def decode(tokens) -> bytes:
    out = bytearray()
    for offset, length, literal in tokens:
        start = len(out) - offset
        for k in range(length):  # byte by byte: the source may overlap what is being written
            out.append(out[start + k])
        out.append(literal)
    return bytes(out)
