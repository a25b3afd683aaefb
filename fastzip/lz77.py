"""The thesis's LZ77: (offset, length, next literal) tokens from a sliding window.

:func:`encode` follows the thesis's Algorithm 2 (see :mod:`fastzip.reference.lz77` for the
rules: farthest of equally long matches, overlap allowed, every token carries a literal,
so a match stops one byte before the end of the input). ``impl="native"`` returns the
same tokens as the brute-force ``impl="reference"``, much faster; ``impl="numba"`` is the
brute-force source compiled.

Tokens are a NumPy structured array with fields ``offset``, ``length`` and ``literal``.
:func:`dumps` packs them into the documented byte format (``docs/formats.md``), so that
sizes can be compared with the thesis's figures.

DEFLATE does not use this matcher: its tokens have no literal and its levels need zlib's
bounded hash chains (``fastzip._native.deflate``).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from ._native import lz77 as _native
from ._container import Format
from ._jit import check_impl, compiled
from .errors import ChecksumError, FormatError, OutputLimitError
from .reference import lz77 as _reference

__all__ = ["encode", "decode", "dumps", "loads", "TOKEN_DTYPE"]

TOKEN_DTYPE = np.dtype([("offset", "<u4"), ("length", "<u4"), ("literal", "u1")])
FORMAT = Format(b"FZL7", (1,), "fastzip LZ77 token stream")
MAGIC, VERSION = FORMAT.magic, FORMAT.version
_HEADER = struct.Struct("<4sBIIQ")  # magic, version, window, lookahead, token count


def encode(data, *, window: int = 4096, lookahead: int = 15, impl: str = "native") -> np.ndarray:
    """Tokens of ``data`` with a search buffer of ``window`` bytes and a lookahead buffer of
    ``lookahead`` bytes (the longest match). ``impl``: "native" (Cython), "numba" (the
    reference compiled) or "reference" (interpreted): the same tokens from each."""
    check_impl(impl)
    if not 1 <= window <= 1 << 24 or not 1 <= lookahead <= 1 << 16:
        raise ValueError("window must be 1..2**24 and lookahead 1..2**16")
    view = memoryview(data).cast("B")
    n = len(view)
    offsets = np.empty(n, np.uint32)
    lengths = np.empty(n, np.uint32)
    literals = np.empty(n, np.uint8)
    if impl == "native":
        count = _native.encode_exact(view, window, lookahead, offsets, lengths, literals)
    elif impl == "numba":
        count = compiled(_reference.encode)(np.frombuffer(view, np.uint8), window, lookahead, offsets, lengths, literals)
    else:
        count = _reference.encode(bytes(view), window, lookahead, offsets, lengths, literals)
    tokens = np.empty(count, dtype=TOKEN_DTYPE)
    tokens["offset"], tokens["length"], tokens["literal"] = offsets[:count], lengths[:count], literals[:count]
    return tokens


def decode(tokens, *, max_output_size: int | None = None) -> bytes:
    """The bytes the tokens describe. Raises FormatError for an offset reaching before the
    start, or a zero offset with a non-zero length; OutputLimitError past ``max_output_size``."""
    tokens = np.asarray(tokens, dtype=TOKEN_DTYPE)
    offsets, lengths = tokens["offset"].astype(np.int64), tokens["length"].astype(np.int64)
    total = int(lengths.sum()) + len(tokens)
    if max_output_size is not None and total > max_output_size:
        raise OutputLimitError(f"tokens describe {total} bytes, more than max_output_size={max_output_size}")
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]) if len(tokens) else np.zeros(0, np.int64)
    bad = (lengths > 0) & ((offsets == 0) | (offsets > starts))
    if bad.any():
        t = int(np.argmax(bad))
        raise FormatError(f"token {t} copies from offset {int(offsets[t])} with only {int(starts[t])} bytes before it")
    return _reference.decode(tokens.tolist())


def _widths(window: int, lookahead: int) -> tuple[int, int]:
    return window.bit_length(), lookahead.bit_length()


def _field_bits(values: np.ndarray, width: int) -> np.ndarray:
    """Each value as ``width`` bits, least significant first: shape (len(values), width)."""
    return ((values[:, None] >> np.arange(width, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)


def dumps(tokens, *, window: int = 4096, lookahead: int = 15) -> bytes:
    """Pack tokens as fixed-width bit fields: offset in ``window.bit_length()`` bits, length
    in ``lookahead.bit_length()`` bits, the literal in 8 (LSB-first), after a header and
    before a CRC-32 of the packed fields (``docs/formats.md``)."""
    tokens = np.asarray(tokens, dtype=TOKEN_DTYPE)
    ob, lb = _widths(window, lookahead)
    if len(tokens) and (tokens["offset"].max() > window or tokens["length"].max() > lookahead):
        raise ValueError("a token does not fit the window or lookahead it is serialized with")
    fields = np.stack([tokens["offset"].astype(np.uint64), tokens["length"].astype(np.uint64),
                       tokens["literal"].astype(np.uint64)], axis=1) if len(tokens) else np.zeros((0, 3), np.uint64)
    bits = np.concatenate([_field_bits(fields[:, 0], ob), _field_bits(fields[:, 1], lb),
                           _field_bits(fields[:, 2], 8)], axis=1)
    body = np.packbits(bits.reshape(-1), bitorder="little").tobytes()
    return _HEADER.pack(MAGIC, VERSION, window, lookahead, len(tokens)) + body + struct.pack("<I", zlib.crc32(body))


def loads(blob) -> tuple[np.ndarray, int, int]:
    """Tokens, window and lookahead from :func:`dumps`'s bytes; FormatError if malformed."""
    blob = bytes(blob)
    FORMAT.check_magic(blob)
    if len(blob) < _HEADER.size + 4:
        raise FormatError(f"LZ77 token stream truncated: {len(blob)} bytes")
    _, version, window, lookahead, count = _HEADER.unpack_from(blob)
    FORMAT.check_version(version)
    ob, lb = _widths(window, lookahead)
    width = ob + lb + 8
    size = (count * width + 7) // 8
    if len(blob) != _HEADER.size + size + 4:
        raise FormatError(f"LZ77 token stream holds {len(blob)} bytes, its header declares {_HEADER.size + size + 4}")
    body = blob[_HEADER.size:_HEADER.size + size]
    if zlib.crc32(body) != struct.unpack("<I", blob[-4:])[0]:
        raise ChecksumError("CRC-32 of the LZ77 token stream does not match")
    bits = np.unpackbits(np.frombuffer(body, np.uint8), bitorder="little")[: count * width].reshape(count, width)
    weights = np.uint64(1) << np.arange(max(ob, lb, 8), dtype=np.uint64)
    tokens = np.empty(count, dtype=TOKEN_DTYPE)
    tokens["offset"] = bits[:, :ob].astype(np.uint64) @ weights[:ob]
    tokens["length"] = bits[:, ob:ob + lb].astype(np.uint64) @ weights[:lb]
    tokens["literal"] = bits[:, ob + lb:].astype(np.uint64) @ weights[:8]
    return tokens, window, lookahead
