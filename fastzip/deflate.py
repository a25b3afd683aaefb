"""DEFLATE (RFC 1951) inside zlib (RFC 1950) or gzip (RFC 1952) framing, interoperable with
Python's :mod:`zlib` and :mod:`gzip`.

- :func:`compress` / :func:`decompress` work on whole buffers;
- :class:`Compressor` / :class:`Decompressor` take a stream piece by piece in bounded memory;
- :func:`open` reads and writes gzip files the way :func:`gzip.open` does.

Levels 0-9 mean what they mean to zlib: 0 stores, 1-3 match greedily, 4-9 lazily, with
zlib's good/lazy/nice/chain parameters; 10-12 search harder and parse near-optimally, like
libdeflate's levels of the same numbers (see ``LEVELS``).

Decoding policy: every error is a :class:`~fastzip.errors.FastzipError` naming the problem;
``max_output_size`` bounds the output before it is produced. After a zlib or raw stream,
any further byte is an error. After a gzip member another member may follow (its output is
appended, as gzip does); zero bytes after the last member are ignored as padding, anything
else is an error.
"""

from __future__ import annotations

import struct
import sys
import zlib

from ._native.checksums import adler32
from ._native.deflate import Deflater
from ._native.inflate import ERRORS, STATUS_DONE, STATUS_NEED_OUTPUT, Inflater
from .errors import ChecksumError, FormatError, OutputLimitError
from .framing import GZIP_MAGIC, Input, gzip_header, read_gzip_header, read_zlib_header, sniff_format, zlib_header

__all__ = ["compress", "decompress", "Compressor", "Decompressor", "open", "LEVELS", "FORMATS"]

FORMATS = ("zlib", "gzip", "raw")

# level: (strategy, good, lazy or max_insert_length, nice, chain, passes). Levels 0-9 are
# zlib's configuration_table; 10-12 parse near-optimally (cost-model passes over all matches
# found within ``chain`` candidates), trading speed for size as libdeflate's do.
STORE, GREEDY, LAZY, OPTIMAL = 0, 1, 2, 3
LEVELS = {
    0: (STORE, 0, 0, 0, 0, 0),
    1: (GREEDY, 4, 4, 8, 4, 0),
    2: (GREEDY, 4, 5, 16, 8, 0),
    3: (GREEDY, 4, 6, 32, 32, 0),
    4: (LAZY, 4, 4, 16, 16, 0),
    5: (LAZY, 8, 16, 32, 32, 0),
    6: (LAZY, 8, 16, 128, 128, 0),
    7: (LAZY, 8, 32, 128, 256, 0),
    8: (LAZY, 32, 128, 258, 1024, 0),
    9: (LAZY, 32, 258, 258, 4096, 0),
    10: (OPTIMAL, 0, 0, 128, 64, 2),
    11: (OPTIMAL, 0, 0, 258, 256, 3),
    12: (OPTIMAL, 0, 0, 258, 1024, 4),
}

_BLOCK_TOKENS = 16383


def _check_format(format: str, allowed=FORMATS) -> None:
    if format not in allowed:
        raise ValueError(f"format must be one of {allowed}, not {format!r}")


def new_deflater(level: int) -> Deflater:
    if level not in LEVELS:
        raise ValueError(f"level must be 0..12, not {level!r}")
    return Deflater(*LEVELS[level])


def compressed_bound(size: int, segments: int = 1) -> int:
    """Most bytes a raw DEFLATE stream of ``size`` input bytes can take: every block stored."""
    blocks = size // _BLOCK_TOKENS + 2 * segments
    return size + 5 * (size // 65535 + blocks) + 16


def header(format: str, level: int, mtime=None, filename=None) -> bytes:
    if format == "zlib":
        return zlib_header(level)
    if format == "gzip":
        return gzip_header(level, mtime=mtime, filename=filename)
    return b""


def trailer(format: str, data) -> bytes:
    if format == "zlib":
        return struct.pack(">I", adler32(data))
    if format == "gzip":
        return struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return b""


def compress(data, level: int = 6, *, format: str = "zlib", mtime: float | None = None,
             filename: str | bytes | None = None) -> bytes:
    """Compress a bytes-like object; ``zlib.decompress`` (zlib), ``gzip.decompress`` (gzip) or
    ``zlib.decompress(..., wbits=-15)`` (raw) reads the result.

    ``mtime`` and ``filename`` go into the gzip header (MTIME, FNAME); MTIME defaults to now.
    """
    _check_format(format)
    view = memoryview(data).cast("B")
    deflater = new_deflater(level)
    out = deflater.compress_framed(view, header(format, level, mtime, filename), trailer(format, view),
                                   compressed_bound(len(view)))
    assert out is not None, "compressed_bound was too small"
    return out


def _limit(max_output_size) -> int:
    if max_output_size is None:
        return sys.maxsize
    if max_output_size < 0:
        raise ValueError("max_output_size must be non-negative")
    return max_output_size


def _raise_inflate_error(status: int) -> None:
    raise FormatError(f"invalid DEFLATE data: {ERRORS[status]}")


def _read_header(src: Input, format: str) -> None:
    if format == "gzip":
        read_gzip_header(src)
    elif format == "zlib":
        read_zlib_header(src)


def _check_trailer(src: Input, format: str, checksum: int, size: int) -> None:
    if format == "zlib":
        stored, = struct.unpack(">I", src.take(4, "zlib trailer (Adler-32)"))
        if stored != checksum:
            raise ChecksumError("Adler-32 of the decompressed data does not match the zlib trailer")
    elif format == "gzip":
        crc, isize = struct.unpack("<II", src.take(8, "gzip trailer (CRC-32, ISIZE)"))
        if crc != checksum:
            raise ChecksumError("CRC-32 of the decompressed data does not match the gzip trailer")
        if isize != size & 0xFFFFFFFF:
            raise FormatError(f"gzip trailer ISIZE {isize} does not match the {size} bytes decompressed")


def _another_member(src: Input, format: str) -> bool:
    """After a member: True if a gzip member follows; raise on trailing data the policy rejects."""
    if src.at_end():
        return False
    if format == "gzip":
        if src.peek(2) == GZIP_MAGIC:
            return True
        while True:
            rest = src.available()
            if any(rest):
                raise FormatError("trailing garbage after the last gzip member")
            src.consume(len(rest))
            if not src.fill():
                return False
    raise FormatError(f"trailing data after the {format} stream")


def _update_checksum(format: str, data, value: int) -> int:
    if format == "zlib":
        return adler32(data, value)
    if format == "gzip":
        return zlib.crc32(data, value)
    return 0


def decompress(data, *, format: str = "auto", max_output_size: int | None = None) -> bytes:
    """Decompress a whole zlib, gzip or raw DEFLATE stream (``"auto"`` tells them apart).

    Raises :class:`OutputLimitError` once the output would exceed ``max_output_size``,
    :class:`ChecksumError` for a wrong Adler-32/CRC-32, :class:`UnsupportedError` for a zlib
    preset dictionary, and :class:`FormatError` for anything else that is not valid.
    """
    _check_format(format, FORMATS + ("auto",))
    limit = _limit(max_output_size)
    src = Input(data)
    if format == "auto":
        format = sniff_format(src.peek(2))
    parts, total = [], 0
    while True:
        _read_header(src, format)
        status, used, out = Inflater().inflate_to_bytes(src.available(), limit - total)
        src.consume(used)
        if status == STATUS_NEED_OUTPUT:
            raise OutputLimitError(f"decompressed data exceeds max_output_size={max_output_size}")
        if status != STATUS_DONE:
            _raise_inflate_error(status)
        _check_trailer(src, format, _update_checksum(format, out, 0 if format == "gzip" else 1), len(out))
        parts.append(out)
        total += len(out)
        if not _another_member(src, format):
            break
    return parts[0] if len(parts) == 1 else b"".join(parts)


from .deflate_stream import Compressor, Decompressor, open  # noqa: E402  (they build on the above)
