"""DEFLATE (RFC 1951) inside zlib (RFC 1950) or gzip (RFC 1952) framing, interoperable with
Python's :mod:`zlib` and :mod:`gzip`.

- :func:`compress` / :func:`decompress` work on whole buffers; :func:`decompress_into` decodes
  into the caller's buffer (no copy: what array stores want for a chunk of known size);
- :class:`Compressor` / :class:`Decompressor` take a stream piece by piece in bounded memory;
- :func:`open` reads and writes gzip files the way :func:`gzip.open` does;
- :func:`crc32` and :func:`adler32` are the framings' checksums (native: PCLMULQDQ folding and
  AVX2 or SSE2 sums where the CPU has them), called like :func:`zlib.crc32` / :func:`zlib.adler32`;
- ``INFLATE_KERNEL`` names the inflate build this CPU runs (``"bmi2"`` or ``"portable"``).

Levels trade speed for size as zlib's do (0 stores, 9 is the smallest of the quick ones), with
libdeflate's kind of match finders: 1 greedy over two candidates per 4-byte hash, 2 greedy,
3-7 lazy, 8-9 lazy over two positions, on 4-byte hash chains searched deeper at each level;
10-12 parse near-optimally (see ``engine.LEVELS``). Levels 4-9 are never larger than zlib's of
the same number on text, code and pixels (``tests/test_deflate_interop.py``).

The family: :mod:`.framing` (zlib/gzip headers, trailers, checksums), :mod:`.engine` (levels,
bounds, the native engines' errors), :mod:`.indexed` (gzip members in pieces), :mod:`.stream`
(bounded-memory classes, and the member loop whole streams go through). Each imports only
those before it, and this module imports them all.

Decoding policy: every error is a :class:`~fastzip.errors.FastzipError` naming the problem;
``max_output_size`` bounds the output before it is produced. After a zlib or raw stream,
any further byte is an error. After a gzip member another member may follow (its output is
appended, as gzip does); zero bytes after the last member are ignored as padding, anything
else is an error.
"""

from __future__ import annotations

from .._native.checksums import adler32, crc32
from .._parallel import resolve
from ..errors import FormatError, OutputLimitError
from .engine import (FRAMING, INFLATE_KERNEL, LEVELS, PIECE, STATUS_DONE, STATUS_NEED_INPUT,
                     STATUS_NEED_OUTPUT, STATUS_NOT_PLAIN, Inflater, bound_exceeded, compressed_bound,
                     deflate_pieces, inflate_error, inflate_plain, inflate_plain_into, new_deflater, output_limit)
from .framing import (FORMATS, Input, another_member, check_format, check_trailer, checksum_name, checksum_start,
                      gzip_header, header, joined_checksum, read_header, sniff_format, trailer, update_checksum)
from .indexed import compress_pieces, index_field, piece_size
from .stream import Compressor, Decompressor, inflate_members, open

__all__ = ["compress", "decompress", "decompress_into", "Compressor", "Decompressor", "open", "crc32", "adler32",
           "LEVELS", "FORMATS", "INFLATE_KERNEL"]


_PIECES_PER_THREAD = 2  # by default a thread per two pieces at most: below that, one thread
_FORMATS_OR_AUTO = FORMATS + ("auto",)
_SMALL = 1 << 16  # inputs up to this size try the short path for one plain member first


def compress(data, level: int = 6, *, format: str = "zlib", mtime: float | None = None,
             filename: str | bytes | None = None, threads: int | None = None, index: bool = False,
             strategy="default") -> bytes:
    """Compress a bytes-like object; ``zlib.decompress`` (zlib), ``gzip.decompress`` (gzip) or
    ``zlib.decompress(..., wbits=-15)`` (raw) reads the result.

    ``mtime`` and ``filename`` go into the gzip header (MTIME, FNAME); MTIME defaults to now.
    ``threads``: with more than one, the input is cut into 1 MiB pieces compressed side by side,
    each with the 32 KiB before it as history and ending in an empty stored block, and the
    pieces are joined into one ordinary stream (pigz's method). That stream differs from one
    thread's (by a few bytes per MiB; it is the same for any number of threads above one), so
    without ``threads`` only an explicit ``fastzip.threads(n)`` / ``set_threads(n)`` /
    FASTZIP_NUM_THREADS splits, never the automatic default; a default is capped at a thread
    per 2 MiB.

    ``index=True`` (gzip only): the pieces are compressed without the history before them and
    their sizes and CRC-32s go into the header (:mod:`.indexed`), so that :func:`decompress`
    decodes them on every core and :func:`open` seeks in them; any gzip reader still reads one
    ordinary member (0.18 % larger than one thread's on 16 MiB of text and code). The bytes
    are the same for any thread count.

    ``strategy``: zlib's, by name or by zlib's number (``zlib.Z_RLE``...): "default",
    "filtered" (levels 4-9 take no match shorter than 6 bytes), "huffman_only" (literals
    only), "rle" (literals and runs of a byte) or "fixed" (no dynamic codes); see
    ``engine.STRATEGIES``.
    """
    check_format(format)
    view = memoryview(data).cast("B")
    if index:
        if format != "gzip":
            raise ValueError("index=True needs format='gzip'")
        return _compress_indexed(view, level, mtime, filename, resolve(threads), strategy)
    workers = resolve(threads, cap=len(view) // (_PIECES_PER_THREAD * PIECE), asked_only=True)
    if workers > 1 and len(view) > PIECE:
        return _compress_pieces(view, level, format, mtime, filename, workers, strategy)
    deflater = new_deflater(level, strategy)
    out = deflater.compress_framed(view, header(format, level, mtime, filename), FRAMING[format],
                                   compressed_bound(len(view)))
    if out is None:
        raise bound_exceeded()
    return out


def _compress_pieces(view, level: int, format: str, mtime, filename, workers: int, strategy) -> bytes:
    """One stream made of pieces compressed on ``workers`` threads (see :func:`compress`)."""
    outputs, sums = deflate_pieces(view, 0, level, True, workers,
                                   lambda piece: update_checksum(format, piece, checksum_start(format)),
                                   strategy=strategy)
    checksum = joined_checksum(format, sums, PIECE, len(view))
    return b"".join([header(format, level, mtime, filename), *outputs, trailer(format, checksum, len(view))])


def _compress_indexed(view, level: int, mtime, filename, workers: int, strategy) -> bytes:
    piece = piece_size(len(view), PIECE)
    outputs, crcs = compress_pieces(view, level, workers, piece, strategy)
    head = gzip_header(level, mtime=mtime, filename=filename,
                       extra=index_field(piece, len(view), [len(o) for o in outputs], crcs))
    return b"".join([head, *outputs, trailer("gzip", joined_checksum("gzip", crcs, piece, len(view)), len(view))])


def decompress(data, *, format: str = "auto", max_output_size: int | None = None, threads: int | None = None,
               size_hint: int | None = None) -> bytes:
    """Decompress a whole zlib, gzip or raw DEFLATE stream (``"auto"`` tells them apart).

    ``size_hint`` is the output size expected (like :func:`zlib.decompress`'s ``bufsize``):
    the output buffer starts that large, so a right hint decodes without regrowing it. A gzip
    member's trailer gives one (ISIZE) when none is given; any hint is only a hint.

    Raises :class:`OutputLimitError` once the output would exceed ``max_output_size``,
    :class:`ChecksumError` for a wrong Adler-32/CRC-32, :class:`DictionaryError` for a zlib
    stream made with a preset dictionary (a :class:`Decompressor` takes one as ``zdict``), and
    :class:`FormatError` for anything else that is not valid.
    A gzip member written with ``index=True`` decodes on ``threads`` threads (fastzip's policy
    when None); any other stream on one.
    """
    check_format(format, _FORMATS_OR_AUTO)
    limit = output_limit(max_output_size)
    view = data if type(data) is bytes else memoryview(data).cast("B")
    if len(view) <= _SMALL:
        out = _one_plain_member(view, format, limit, size_hint)
        if out is not None:
            return out
    return inflate_members(Input(view), format, limit, threads, size_hint, max_output_size)


def _one_plain_member(data, format: str, limit: int, size_hint: int | None) -> bytes | None:
    """Small ``data`` (bytes or a byte memoryview) that is one stream with a bare header and
    nothing after its trailer, decoded in one native call (engine.inflate_plain): for a few
    hundred bytes the general path's steps took as long as the decoding. A DEFLATE error is
    raised here as the general path would; None for anything else (another gzip member,
    padding, garbage, a wrong trailer, a header with fields): the general path then decodes it
    again and sorts that out, which costs at most a small input decoded twice."""
    status, out = inflate_plain(data, FRAMING[format], limit, size_hint or 0)
    if status == STATUS_DONE:
        return out
    if status == STATUS_NOT_PLAIN:
        return None
    if status == STATUS_NEED_OUTPUT:
        raise OutputLimitError(f"decompressed data exceeds max_output_size={limit}")
    raise inflate_error(status)


def decompress_into(data, out, *, format: str = "auto") -> int:
    """Decompress a whole stream straight into ``out`` (a writable C-contiguous buffer) and
    return the number of bytes written; ``out``'s size is the output limit
    (:class:`OutputLimitError` when the stream holds more). Errors as :func:`decompress`; after
    an error ``out`` holds whatever was decoded before it."""
    check_format(format, _FORMATS_OR_AUTO)
    target = memoryview(out).cast("B")
    if target.readonly:
        raise ValueError("out must be writable")
    view = data if type(data) is bytes else memoryview(data).cast("B")
    if len(view) <= _SMALL:
        # One small plain stream in one native call (as _one_plain_member); an error, or
        # anything but its trailer after the stream, sends it down the general path, which
        # decodes it again and says why.
        status, written = inflate_plain_into(view, FRAMING[format], target)
        if status == STATUS_DONE:
            return written
    if format == "auto":
        format = sniff_format(view)
    src = Input(view)
    total = 0
    while True:
        read_header(src, format)
        member = target[total:]
        inflater = Inflater(checksum_name(format))
        status, used, written = inflater.inflate(src.available(), True, member, 0)
        src.consume(used)
        if status == STATUS_NEED_OUTPUT:
            raise OutputLimitError(f"decompressed data exceeds the output buffer ({len(target)} bytes)")
        if status == STATUS_NEED_INPUT:  # final_input makes this E_TRUNCATED; a guard all the same
            raise FormatError("invalid DEFLATE data: truncated")
        if status != STATUS_DONE:
            raise inflate_error(status)
        check_trailer(src, format, inflater.checksum, written)
        total += written
        if not another_member(src, format):
            return total
