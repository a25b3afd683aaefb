"""Gzip files that carry their own index, so that every core can decompress them and a reader
can start anywhere (BGZF's and mgzip's idea, kept in one ordinary gzip member).

The input is cut into pieces of ``piece`` bytes, each compressed *without* the history before
it and ending on a byte boundary (an empty stored block), the last one ending the stream; the
header's FEXTRA field holds subfield ``FZ`` with each piece's compressed size and the CRC-32
of its output, and FHCRC protects the header. Every gzip reader decodes the file as one member; fastzip's reader
decodes the pieces side by side, each straight into its place in the output, and
:func:`fastzip.deflate.open` seeks in them (a seek decodes one piece).

An index that lies cannot produce wrong bytes: each piece must decode to exactly its size,
end exactly where the index says, reach no byte before its start (an independent piece has no
history), and the whole output must match the trailer's CRC-32 and size. Any failure falls
back to decoding the stream from its start, which returns the right bytes or the right error.

Subfield ``FZ`` (little-endian): version ``1`` (u8), piece size (u32), total uncompressed size
(u64), piece count *n* (u32), then per piece its compressed size and the CRC-32 of its output
(u32 each), so that a reader that starts at a piece can check what it decodes.
docs/formats.md has it too.
"""

from __future__ import annotations

import struct

from .._native.checksums import crc32
from .._native.inflate import new_output
from .._parallel import split_rows
from .engine import STATUS_DONE, STATUS_NEED_INPUT, WINDOW, Inflater, deflate_pieces
from .framing import joined_checksum

__all__ = ["SUBFIELD", "index_field", "read_index", "inflate_pieces", "decode_piece", "compress_pieces",
           "piece_size", "MAX_PIECES"]

SUBFIELD = b"FZ"
_HEAD = struct.Struct("<BIQI")  # version, piece size, total size, count
_VERSION = 1
MAX_PIECES = (0xFFFF - 4 - _HEAD.size) // 8  # what FEXTRA's 16-bit length leaves room for
_MIN_PIECE = 1 << 16


def piece_size(total: int, piece: int) -> int:
    """``piece`` grown (in whole multiples) until the index fits FEXTRA."""
    while -(-total // piece) > MAX_PIECES:
        piece *= 2
    return piece


def index_field(piece: int, total: int, sizes: list[int], crcs: list[int]) -> bytes:
    """The FEXTRA field (subfield ``FZ``) for pieces of these compressed ``sizes`` and output ``crcs``."""
    pairs = [v for pair in zip(sizes, crcs) for v in pair]
    body = _HEAD.pack(_VERSION, piece, total, len(sizes)) + struct.pack(f"<{len(pairs)}I", *pairs)
    return SUBFIELD + struct.pack("<H", len(body)) + body


def read_index(extra) -> tuple[int, int, list[int], list[int]] | None:
    """(piece, total, compressed sizes, CRC-32s) from a FEXTRA field, or None when it holds no usable
    ``FZ`` subfield (another writer's fields are skipped; a malformed one is ignored: the
    stream then decodes as any other)."""
    if extra is None:
        return None
    view = bytes(extra)
    pos = 0
    while pos + 4 <= len(view):
        name, length = view[pos:pos + 2], struct.unpack_from("<H", view, pos + 2)[0]
        body = view[pos + 4:pos + 4 + length]
        pos += 4 + length
        if name != SUBFIELD or len(body) < _HEAD.size:
            continue
        version, piece, total, count = _HEAD.unpack_from(body)
        if version != _VERSION or len(body) != _HEAD.size + 8 * count or not 1 <= count <= MAX_PIECES:
            return None
        if piece < _MIN_PIECE or not (count - 1) * piece < total <= count * piece:
            return None
        pairs = struct.unpack_from(f"<{2 * count}I", body, _HEAD.size)
        return piece, total, list(pairs[0::2]), list(pairs[1::2])
    return None


def inflate_pieces(data, index: tuple, workers: int) -> tuple[bytes, int, int] | None:
    """(output, bytes of ``data`` used, the output's CRC-32) of the indexed pieces at the start of
    ``data``, decoded on ``workers`` threads straight into the bytes returned; None if the index
    does not describe the stream (the caller then decodes it from the start). Each piece's CRC-32
    is checked as it is decoded, so the whole output's is joined from them, not summed again.
    The caller checks it and the size against the trailer."""
    piece, total, sizes, crcs = index
    starts = [0]
    for size in sizes:
        starts.append(starts[-1] + size)
    if starts[-1] > len(data) or total > 1032 * starts[-1] + WINDOW:  # DEFLATE expands at most 1032:1
        return None
    out = new_output(total)
    source = memoryview(data).cast("B")
    failed = []

    def decode(first, end):
        for i in range(first, end):
            if not _decode_into(source[starts[i]:starts[i + 1]], index, i, out, i * piece):
                failed.append(i)
                return

    split_rows(decode, len(sizes), workers, pieces_per_worker=max(1, len(sizes) // max(workers, 1)))
    if failed:
        return None
    return out, starts[-1], joined_checksum("gzip", crcs, piece, total)


def _decode_into(data, index: tuple, i: int, out: bytes, start: int) -> bool:
    """Decode piece ``i`` (``data`` its compressed bytes) into ``out`` (from :func:`new_output`)
    at ``start``: whether it filled its size there using exactly its bytes, ended as a piece
    there ends and matched its CRC-32 (summed while it is decoded)."""
    piece, total = index[0], index[1]
    last = i == len(index[2]) - 1
    stop = start + min(piece, total - i * piece)
    inflater = Inflater("crc32")
    status, used, produced = inflater.inflate_into_new(data, last, out, start, stop)
    return status == (STATUS_DONE if last else STATUS_NEED_INPUT) and used == index[2][i] == len(data) \
        and produced == stop - start and inflater.checksum == index[3][i]


def decode_piece(data, index: tuple, i: int) -> bytes | None:
    """Piece ``i`` alone (``data`` its compressed bytes), or None unless it decodes to exactly
    its size and CRC-32, using exactly its bytes."""
    piece, total = index[0], index[1]
    out = new_output(min(piece, total - i * piece))
    return out if _decode_into(data, index, i, out, 0) else None


def compress_pieces(view, level: int, workers: int, piece: int, strategy="default") -> tuple[list, list]:
    """Raw DEFLATE of ``view`` in independent pieces (no history), each ending on a byte
    boundary, the last ending the stream; and each piece's CRC-32."""
    return deflate_pieces(view, 0, level, True, workers, crc32, piece=piece, history=False, strategy=strategy)
