"""Canonical Huffman coding with length-limited codes: a byte codec and the symbol-level API.

The byte codec (:func:`compress` / :func:`decompress`) writes a self-describing stream,
documented in ``docs/formats.md``: magic ``FZHF``, version, sizes, 256 code lengths, the
packed codes and a CRC32 of the original bytes.

The symbol-level functions are the pieces other codecs build on: :func:`code_lengths`
(optimal, limited to ``max_length`` bits), :func:`canonical_codes`, :func:`encode` and
:func:`decode`. Bits are packed as DEFLATE packs them (least significant bit first).

Three tiers, identical results: ``impl="native"`` (Cython kernels), ``impl="reference"``
(the readable twin in :mod:`fastzip.reference.huffman`, interpreted) and, for the bit packing
(:func:`encode`, :func:`decode`, :func:`compress`, :func:`decompress`), ``impl="numba"``:
the twin's very source compiled by Numba (``fastzip[numba]``). The code lengths have no
Numba tier; with ``impl="numba"`` they are the native ones.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from ._native import huffman as _native
from ._container import Format
from ._jit import check_impl, compiled
from .errors import ChecksumError, FormatError, OutputLimitError
from .reference import huffman as _reference

__all__ = [
    "compress",
    "decompress",
    "histogram",
    "code_lengths",
    "canonical_codes",
    "validate_code_lengths",
    "encode",
    "decode",
    "MAX_CODE_LENGTH",
]

FORMAT = Format(b"FZHF", (1,), "fastzip Huffman stream")
MAGIC, VERSION = FORMAT.magic, FORMAT.version
# The byte format's length limit: what DEFLATE uses, and what a 4-bit field holds.
MAX_CODE_LENGTH = 15
_HEADER = struct.Struct("<4sBBQQ")  # magic, version, max code length, original size, payload size
_LENGTHS_SIZE = 128  # 256 lengths, two per byte
_TRAILER = struct.Struct("<I")  # CRC32 of the original data
# Primary decode-table width: 2**11 entries (8 KiB) stay in L1; longer codes take one more lookup.
_PRIMARY_BITS = 11
# Tiers of the bit packing (encode/decode, compress/decompress). The code lengths have two:
# with impl="numba" they are computed natively (native and reference agree exactly, tested).
_LENGTH_IMPLS = ("native", "reference")


def _lengths_impl(impl: str) -> str:
    return "native" if impl == "numba" else impl


def _byte_view(data) -> memoryview:
    return memoryview(data).cast("B")


def histogram(data, *, impl: str = "native") -> np.ndarray:
    """Counts of each byte value in ``data`` (any bytes-like object), as 256 uint64."""
    check_impl(impl, _LENGTH_IMPLS)
    view = _byte_view(data)
    if impl == "reference":
        return np.array(_reference.histogram(view), dtype=np.uint64)
    counts = np.zeros(256, dtype=np.uint64)
    _native.histogram(view, counts)
    return counts


def code_lengths(freqs, max_length: int = MAX_CODE_LENGTH, *, impl: str = "native") -> np.ndarray:
    """Optimal prefix-code lengths of at most ``max_length`` bits (1..16) for symbol frequencies.

    Unused symbols get length 0; a lone used symbol gets length 1. The code is the Huffman
    code when its longest length fits, else the optimal length-limited code (package-merge).
    Raises ``ValueError`` if more symbols are used than ``2**max_length`` codes can name.
    """
    check_impl(impl, _LENGTH_IMPLS)
    freqs = np.asarray(freqs)
    if freqs.ndim != 1 or (freqs.size and (freqs.dtype.kind not in "iu" or freqs.min() < 0)):
        raise ValueError("freqs must be a 1-D sequence of non-negative integers")
    if not 1 <= max_length <= 16:
        raise ValueError(f"max_length must be 1..16, not {max_length}")
    used = int(np.count_nonzero(freqs))
    if used > 1 << max_length:
        raise ValueError(f"{used} symbols cannot have codes of at most {max_length} bits")
    if impl == "reference":
        return np.array(_reference.code_lengths([int(f) for f in freqs], max_length), dtype=np.uint8)

    lengths = np.empty(freqs.size, dtype=np.uint8)
    _native.code_lengths(np.ascontiguousarray(freqs, dtype=np.uint64), max_length, lengths)
    return lengths


def validate_code_lengths(lengths, max_length: int = 16) -> None:
    """Raise :class:`FormatError` unless ``lengths`` describe a usable prefix code.

    Usable means complete (Kraft sum exactly 1), or a single symbol of length 1 (as
    RFC 1951 allows), or no symbol at all. Over-subscribed codes cannot be decoded
    unambiguously; incomplete ones leave bit patterns that decode to nothing.
    """
    lengths = np.asarray(lengths)
    if lengths.size and int(lengths.max()) > max_length:
        raise FormatError(f"code length {int(lengths.max())} exceeds the limit of {max_length} bits")
    used = lengths[lengths > 0].astype(np.int64)
    if used.size == 0:
        return
    if used.size == 1:
        if used[0] != 1:
            raise FormatError(f"a code of one symbol must have length 1, not {int(used[0])}")
        return
    kraft = int(np.sum(np.left_shift(np.int64(1), max_length - used)))
    if kraft > 1 << max_length:
        raise FormatError("code lengths are over-subscribed (Kraft sum above 1)")
    if kraft < 1 << max_length:
        raise FormatError("code lengths are incomplete (Kraft sum below 1)")


def canonical_codes(lengths, *, impl: str = "native") -> np.ndarray:
    """Canonical codes (RFC 1951 §3.2.2) as uint16, to be sent most significant bit first."""
    check_impl(impl, _LENGTH_IMPLS)
    lengths = np.ascontiguousarray(lengths, dtype=np.uint8)
    if lengths.size and lengths.max() > 16:
        raise ValueError("code lengths must be at most 16")
    if impl == "reference":
        return np.array(_reference.canonical_codes(lengths.tolist()), dtype=np.uint16)
    codes = np.empty(lengths.size, dtype=np.uint16)
    _native.canonical_codes(lengths, codes, False)
    return codes


def _reversed_codes(lengths: np.ndarray) -> np.ndarray:
    rcodes = np.empty(lengths.size, dtype=np.uint16)
    _native.canonical_codes(lengths, rcodes, True)
    return rcodes


def _symbols_array(symbols) -> np.ndarray:
    if isinstance(symbols, (bytes, bytearray, memoryview)):
        return np.frombuffer(symbols, dtype=np.uint8)
    arr = np.asarray(symbols)
    if arr.dtype == np.uint8:
        return np.ascontiguousarray(arr)
    if arr.size and (arr.dtype.kind not in "iu" or arr.min() < 0 or arr.max() > 0xFFFF):
        raise ValueError("symbols must be integers 0..65535")
    return np.ascontiguousarray(arr, dtype=np.uint16)


def encode(symbols, lengths, *, impl: str = "native") -> bytes:
    """Pack the canonical codes of ``symbols`` (least significant bit of each byte first).

    Every symbol must have a non-zero length in ``lengths`` (at most 16). The last byte is
    padded with zero bits; the number of symbols is not stored. ``impl``: "native" (Cython),
    "numba" (the reference compiled) or "reference" (interpreted); the same bytes from each.
    """
    check_impl(impl)
    lengths = np.ascontiguousarray(lengths, dtype=np.uint8)
    symbols = _symbols_array(symbols)
    if symbols.size:
        if int(symbols.max()) >= lengths.size or not lengths[symbols].all():
            raise ValueError("every symbol must have a code (a non-zero length)")
    nbits = int(np.sum(lengths[symbols], dtype=np.uint64)) if symbols.size else 0
    if impl != "native":
        return _twin_encode(symbols, lengths, nbits, impl)
    out = np.empty((nbits + 7) // 8, dtype=np.uint8)
    written = _native.encode_into(symbols, _reversed_codes(lengths), lengths, out)
    if written != out.size:
        raise RuntimeError(f"encoder wrote {written} bytes of {out.size} (a fastzip bug)")
    return out.tobytes()


def _twin_encode(symbols: np.ndarray, lengths: np.ndarray, nbits: int, impl: str) -> bytes:
    """The reference's bit packing, interpreted (on lists: what the interpreter reads fastest)
    or compiled by Numba (on the arrays)."""
    codes = canonical_codes(lengths)
    if impl == "reference":
        out = bytearray((nbits + 7) // 8)
        written = _reference.encode(symbols.tolist(), codes.tolist(), lengths.tolist(), out)
    else:
        out = np.zeros((nbits + 7) // 8, np.uint8)
        written = compiled(_reference.encode)(symbols, codes, lengths, out)
    if written != nbits:
        raise RuntimeError(f"encoder wrote {written} bits of {nbits} (a fastzip bug)")
    return bytes(out)


def _twin_decode(data, lengths: np.ndarray, out: np.ndarray, impl: str) -> int:
    """The reference's decoder into ``out``, interpreted or compiled; the bits read."""
    if impl == "reference":
        status, bits = _reference.decode(bytes(data), lengths.tolist(), out)
    else:
        status, bits = compiled(_reference.decode)(np.frombuffer(data, np.uint8), lengths, out)
    _raise_for_status(status)
    return bits


def _decode_table(lengths: np.ndarray) -> tuple[np.ndarray, int]:
    max_len = int(lengths.max())
    primary = min(max_len, _PRIMARY_BITS)
    n_long = int(np.count_nonzero(lengths > primary))
    table = np.empty((1 << primary) + (n_long << (max_len - primary)), dtype=np.uint32)
    used = _native.build_decode_table(lengths, primary, table)
    if used <= 0:  # the lengths were validated before: this is a fastzip bug
        raise RuntimeError("decode table built from validated code lengths failed")
    return table, primary


def _raise_for_status(status: int) -> None:
    """The decoders' statuses (native and twin share them) as errors."""
    if status == _native.DECODE_INVALID_CODE:
        raise FormatError("Huffman data holds a bit pattern that is no code")
    if status == _native.DECODE_TRUNCATED:
        raise FormatError("Huffman data ends in the middle of a code (truncated)")


def decode(data, lengths, count: int, *, impl: str = "native") -> np.ndarray:
    """Decode ``count`` symbols packed by :func:`encode`; returns them as uint16.

    Raises :class:`FormatError` for invalid ``lengths``, a bit pattern that is no code, or
    data that ends before ``count`` symbols are read.
    """
    check_impl(impl)
    lengths = np.ascontiguousarray(lengths, dtype=np.uint8)
    validate_code_lengths(lengths)
    view = _byte_view(data)
    if count < 0:
        raise ValueError("count must be non-negative")
    if count == 0:
        return np.empty(0, dtype=np.uint16)
    if not lengths.any():
        raise FormatError("no symbol has a code, but symbols were asked for")
    out = np.empty(count, dtype=np.uint16)
    if impl != "native":
        _twin_decode(view, lengths, out, impl)
        return out
    table, primary = _decode_table(lengths)
    status, _ = _native.decode_into(view, table, primary, out)
    _raise_for_status(status)
    return out


# -- the byte codec -------------------------------------------------------------------------

def _pack_lengths(lengths: np.ndarray) -> bytes:
    return (lengths[0::2] | (lengths[1::2] << 4)).astype(np.uint8).tobytes()


def _unpack_lengths(packed: bytes) -> np.ndarray:
    b = np.frombuffer(packed, dtype=np.uint8)
    lengths = np.empty(256, dtype=np.uint8)
    lengths[0::2] = b & 0x0F
    lengths[1::2] = b >> 4
    return lengths


def compress(data, *, impl: str = "native") -> bytes:
    """Compress a bytes-like object into fastzip's Huffman stream (``docs/formats.md``);
    ``impl`` as for :func:`encode`, the same bytes from each."""
    check_impl(impl)
    view = _byte_view(data)
    counts = histogram(view, impl=_lengths_impl(impl))
    lengths = code_lengths(counts, MAX_CODE_LENGTH, impl=_lengths_impl(impl))
    payload_size = (int(np.dot(counts, lengths.astype(np.uint64))) + 7) // 8
    prefix = _HEADER.pack(MAGIC, VERSION, MAX_CODE_LENGTH, len(view), payload_size) + _pack_lengths(lengths)
    suffix = _TRAILER.pack(zlib.crc32(view))
    if impl != "native":
        symbols = np.frombuffer(view, np.uint8)
        return prefix + _twin_encode(symbols, lengths, int(np.dot(counts, lengths.astype(np.uint64))), impl) + suffix
    out = _native.encode_framed(view, _reversed_codes(lengths), lengths, prefix, suffix, payload_size)
    if out is None:
        raise RuntimeError("payload size disagrees with the code lengths (a fastzip bug)")
    return out


def decompress(data, *, max_output_size: int | None = None, impl: str = "native") -> bytes:
    """Decompress a stream made by :func:`compress`.

    Raises :class:`OutputLimitError` if the stream declares more than ``max_output_size``
    bytes (checked before anything is allocated), :class:`ChecksumError` if the CRC32 does
    not match, and :class:`FormatError` for anything else wrong: bad magic or version,
    invalid code lengths, a payload that is truncated, too long, or not a valid code.
    """
    check_impl(impl)
    view = _byte_view(data)
    fixed = _HEADER.size + _LENGTHS_SIZE
    FORMAT.check_magic(view)
    if len(view) < fixed + _TRAILER.size:
        raise FormatError(f"Huffman stream truncated: {len(view)} bytes, the header alone needs {fixed + _TRAILER.size}")
    _, version, max_length, size, payload_size = _HEADER.unpack_from(view)
    FORMAT.check_version(version)
    if not 1 <= max_length <= MAX_CODE_LENGTH:
        raise FormatError(f"invalid maximum code length {max_length}")
    if max_output_size is not None and size > max_output_size:
        raise OutputLimitError(f"stream declares {size} bytes, more than max_output_size={max_output_size}")
    expected = fixed + payload_size + _TRAILER.size
    if len(view) < expected:
        raise FormatError(f"Huffman stream truncated: {len(view)} bytes of {expected} declared")
    if len(view) > expected:
        raise FormatError(f"{len(view) - expected} unexpected bytes after the Huffman stream")
    if size > payload_size * 8:
        raise FormatError(f"declared size {size} cannot fit in {payload_size} payload bytes")
    lengths = _unpack_lengths(view[_HEADER.size:fixed])
    validate_code_lengths(lengths, max_length)
    if size and not lengths.any():
        raise FormatError("no byte has a code, but the stream declares data")
    payload = view[fixed:fixed + payload_size]
    crc, = _TRAILER.unpack_from(view, fixed + payload_size)

    if size == 0:
        out, bits_read = b"", 0
    elif impl != "native":
        symbols = np.empty(size, np.uint8)
        bits_read = _twin_decode(payload, lengths, symbols, impl)
        out = symbols.tobytes()
    else:
        table, primary = _decode_table(lengths)
        status, bits_read, out = _native.decode_bytes(payload, table, primary, size)
        _raise_for_status(status)
    if (bits_read + 7) // 8 != payload_size:
        raise FormatError(f"payload holds {payload_size} bytes but its codes end after {(bits_read + 7) // 8}")
    if zlib.crc32(out) != crc:
        raise ChecksumError("CRC32 of the decompressed data does not match the stream")
    return out
