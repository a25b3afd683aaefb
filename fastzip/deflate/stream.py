"""Streaming DEFLATE in bounded memory: :class:`Compressor`, :class:`Decompressor` and :func:`open`.

The compressor hands the native Deflater segments of at most ``SEGMENT`` new bytes (what a
flush holds, or a whole segment) appended to a buffer of what came before, whose positions
the Deflater's finder keeps from call to call; the buffer is cut back to its last 32 KiB
once ``APPENDED`` bytes more have come. The decompressor, fed or reading a file, keeps the
last 32 KiB of output as the window matches reach into (``_Member``). Memory stays near
``SEGMENT`` plus a few windows and, compressing, the native deflater's match-finder tables,
whatever the stream's length (a stream compressed at level 1 / 6 / 12 raises a process's
peak RSS by about 4 / 5 / 6 MiB).

:func:`inflate_members` decodes a whole stream held in memory, member by member, straight
into its output: :func:`fastzip.deflate.decompress` and ``open(...).read()`` of a whole file
both end there.
"""

from __future__ import annotations

import builtins
import io
import os
import zlib

from .._native.deflate import OUTPUT_FULL
from ..errors import FormatError, OutputLimitError
from .._parallel import resolve, split_rows
from .engine import (STATUS_DONE, STATUS_NEED_INPUT, STATUS_NEED_OUTPUT, WINDOW, Inflater, bound_exceeded,
                     compressed_bound, deflate_pieces, inflate_error, new_deflater, output_limit, plausible_size)
from .framing import (FORMATS, TRAILER_SIZE, Input, another_member, check_format, check_trailer, checksum_name,
                      checksum_start, dictionary_history, gzip_size, header, joined_checksum, read_gzip_header,
                      read_header, sniff_format, starts_with_trailer, trailer, update_checksum)
from .indexed import decode_piece, inflate_pieces, read_index

__all__ = ["Compressor", "Decompressor", "open", "inflate_members"]

SEGMENT = 1 << 20        # new input per native call when compressing
OUTPUT_CHUNK = 1 << 18   # output produced per native call when decompressing
APPENDED = 1 << 18       # input a compressor's buffer takes after its history before it is cut back


def inflate_members(src: Input, format: str, limit: int, threads, size_hint, max_output_size) -> bytes:
    """Every member of a whole stream held in ``src`` as one bytes object (``format`` may be
    "auto"): :func:`fastzip.deflate.decompress`'s general path, and reading a whole file. Each
    member decodes straight into its output (an indexed gzip member on ``threads`` threads);
    ``limit`` bounds the output (``max_output_size`` is what the error names)."""
    if format == "auto":
        format = sniff_format(src.peek(2))
    parts, total = [], 0
    while True:
        fields, _ = read_header(src, format)
        index = read_index(fields["extra"]) if fields else None
        if index is not None and index[1] <= limit - total:
            decoded = inflate_pieces(src.available(), index, resolve(threads))
            # Kept only when the trailer vouches for it; else the index does not describe the
            # stream (or the stream is damaged): decode it from its start as any other.
            if decoded is not None and starts_with_trailer(src.available()[decoded[1]:], "gzip", decoded[2],
                                                           len(decoded[0])):
                out, used, crc = decoded
                src.consume(used)
                check_trailer(src, format, crc, len(out))
                parts.append(out)
                total += len(out)
                if not another_member(src, format):
                    break
                continue
        rest = src.available()
        hint = size_hint if size_hint is not None else (gzip_size(rest) if format == "gzip" else 0)
        inflater = Inflater(checksum_name(format))
        status, used, out = inflater.inflate_to_bytes(rest, limit - total, plausible_size(hint, len(rest)))
        src.consume(used)
        if status == STATUS_NEED_OUTPUT:
            raise OutputLimitError(f"decompressed data exceeds max_output_size={max_output_size}")
        if status != STATUS_DONE:
            raise inflate_error(status)
        check_trailer(src, format, inflater.checksum, len(out))
        parts.append(out)
        total += len(out)
        if not another_member(src, format):
            break
    return parts[0] if len(parts) == 1 else b"".join(parts)


class Compressor:
    """Compress a stream piece by piece, like ``zlib.compressobj``: :meth:`compress` returns
    what is ready, :meth:`flush` the rest with the trailer (or, with zlib's sync and full
    flush modes, everything so far in a form a reader can decode). ``zdict``: a preset
    dictionary, bytes the data is likely to repeat, which matches may copy from (zlib and raw
    formats; a reader needs the same bytes). ``strategy``: zlib's, as :func:`compress` takes it."""

    def __init__(self, level: int = 6, *, format: str = "zlib", mtime=None, filename=None, threads: int | None = None,
                 zdict=None, strategy="default"):
        check_format(format)
        if zdict is not None and format == "gzip":
            raise ValueError("a preset dictionary (zdict) needs the zlib or raw format: gzip has none")
        self._deflater = new_deflater(level, strategy)
        self._level = level
        self._strategy = strategy
        # Several threads: SEGMENT-sized pieces side by side, each ending on a byte boundary
        # (engine.deflate_pieces); one: one deflater carrying its bits from segment to segment.
        self._workers = resolve(threads, asked_only=True)  # split streams differ: only when asked
        self._format = format
        self._header = header(format, level, mtime, filename, zdict)
        # What is given is appended to one buffer, up to WINDOW + APPENDED bytes (or one larger
        # segment), then cut back to its last 32 KiB: the deflater's finder keeps the positions
        # of all before from one call to the next (resume), and hashes the history again only
        # at each cut. A preset dictionary opens it, as history.
        self._buffer = bytearray(dictionary_history(zdict))
        self._resume = True  # (a new deflater has nothing to resume: it only learns the offsets)
        self._pending = bytearray()
        self._checksum = checksum_start(format)
        self._size = 0
        self._done = False

    def _run(self, new, final: bool, sync: bool = False) -> bytes:
        if self._workers > 1:
            return self._run_pieces(new, final)  # (every piece but a final one ends synced)
        buffer = self._buffer
        if len(buffer) + len(new) > WINDOW + APPENDED and len(buffer) > WINDOW:
            del buffer[:len(buffer) - WINDOW]  # positions move: the history is hashed again
            self._resume = False
        start = len(buffer)
        buffer += new
        out = bytearray(compressed_bound(len(new)))
        with memoryview(buffer) as view:
            written = self._deflater.compress(view, start, final, out, sync=sync, resume=self._resume)
        self._resume = True
        if written == OUTPUT_FULL:
            raise bound_exceeded()
        del out[written:]
        prefix, self._header = self._header, b""
        return prefix + bytes(out)

    def _run_pieces(self, new, final: bool) -> bytes:
        history = bytes(self._buffer[-WINDOW:])
        segment = history + bytes(new)
        outputs, _ = deflate_pieces(memoryview(segment), len(history), self._level, final, self._workers,
                                    strategy=self._strategy)
        self._buffer = bytearray(segment[-WINDOW:])
        prefix, self._header = self._header, b""
        return b"".join([prefix, *outputs])

    def copy(self) -> "Compressor":
        """A Compressor in this one's state that goes on apart from it, as ``zlib``'s
        ``Compress.copy``: compress a shared start once, then each ending from a copy. The
        deflater's tables are copied whole (up to 6 MiB at levels 10-12)."""
        if self._done:
            raise ValueError("copy() after flush()")
        twin = object.__new__(Compressor)
        twin.__dict__.update(self.__dict__)
        twin._deflater = self._deflater.copy()
        twin._buffer = bytearray(self._buffer)
        twin._pending = bytearray(self._pending)
        return twin

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    @property
    def finished(self) -> bool:
        """Whether ``flush()`` (Z_FINISH) has ended the stream."""
        return self._done

    def compress(self, data) -> bytes:
        if self._done:
            raise ValueError("compress() after flush()")
        view = memoryview(data).cast("B")
        self._checksum = update_checksum(self._format, view, self._checksum)
        self._size += len(view)
        self._pending += view
        parts = []
        batch = SEGMENT * self._workers  # a segment per thread at a time
        while len(self._pending) >= batch:
            new = bytes(self._pending[:batch])
            del self._pending[:batch]
            parts.append(self._run(new, False))
        return b"".join(parts)

    def flush(self, mode: int = zlib.Z_FINISH) -> bytes:
        """What is held, compressed; ``mode`` as :meth:`zlib.Compress.flush`'s. ``Z_FINISH``: the
        rest of the stream with its trailer, and the compressor is finished. ``Z_SYNC_FLUSH``:
        the output ends on a byte boundary after an empty stored block, so a reader decodes all
        given so far (what network protocols flush with); ``Z_FULL_FLUSH`` also forgets the
        history, so decoding can start afresh there. ``Z_NO_FLUSH``: nothing."""
        if mode not in (zlib.Z_NO_FLUSH, zlib.Z_SYNC_FLUSH, zlib.Z_FULL_FLUSH, zlib.Z_FINISH):
            raise ValueError(f"unsupported flush mode {mode!r}")
        if self._done or mode == zlib.Z_NO_FLUSH:
            return b""
        final = mode == zlib.Z_FINISH
        body = self._run(bytes(self._pending), final, sync=not final)
        self._pending.clear()
        if mode == zlib.Z_FULL_FLUSH:
            self._buffer.clear()
            self._resume = False
        if not final:
            return body
        self._done = True
        return body + trailer(self._format, self._checksum, self._size)


class _Member:
    """One member's DEFLATE data decoded into a sliding window, whose last 32 KiB are the
    history of what follows; the inflater sums what it writes while it is in cache."""

    def __init__(self, fmt: str, history: bytes = b""):
        self.inflater = Inflater(checksum_name(fmt))
        self.window = bytearray(WINDOW + OUTPUT_CHUNK)
        self.window[:len(history)] = history  # a preset dictionary: matches reach into it
        self.pos = len(history)
        self.size = 0

    @property
    def checksum(self) -> int:
        return self.inflater.checksum or 0

    def copy(self) -> "_Member":
        twin = object.__new__(_Member)
        twin.inflater = self.inflater.copy()
        twin.window = bytearray(self.window)
        twin.pos, twin.size = self.pos, self.size
        return twin

    def step(self, data, start: int, final: bool, room: int = -1) -> tuple[int, int, bytes]:
        """One native call on ``data[start:]`` (``final``: no input follows it), making at most
        ``room`` bytes of output if ``room`` >= 0: the status, the input used and the output."""
        status, used, self.pos, piece = self.inflater.inflate_window(data, start, final, self.window, self.pos, room)
        self.size += len(piece)
        return status, used, piece


class Decompressor:
    """Decompress a zlib, gzip or raw stream, raising the errors :func:`fastzip.deflate.decompress`
    raises, in bounded memory.

    With a file object, ``chunks()`` yields the output in pieces of at most ``OUTPUT_CHUNK``
    bytes (every gzip member, as :func:`decompress` reads them). Without one it is fed like
    ``zlib.decompressobj()``: :meth:`decompress` returns the output each piece of input
    completes, or at most ``max_length`` bytes of it, the input left over then in
    :attr:`unconsumed_tail` to be given again; at the end of the stream (one gzip member)
    :attr:`eof` turns True and what follows goes to :attr:`unused_data`.

    ``zdict`` is the preset dictionary a zlib stream made with one names (a
    :class:`~fastzip.errors.DictionaryError` without it, or with another), or that a raw stream
    was compressed with.
    """

    def __init__(self, fileobj=None, *, format: str = "auto", max_output_size: int | None = None, zdict=None):
        check_format(format, FORMATS + ("auto",))
        self._zdict = zdict
        self._src = Input(fileobj=fileobj) if fileobj is not None else None
        self._format = format
        self._limit = output_limit(max_output_size)
        self._max_output_size = max_output_size
        self._total = 0
        # Fed (no file): the input held, and the member once its header is read.
        self._held = bytearray()
        self._member = None
        self.eof = False
        self.unused_data = b""
        self.unconsumed_tail = b""

    def copy(self) -> "Decompressor":
        """A fed Decompressor in this one's state that goes on apart from it, as ``zlib``'s
        ``Decompress.copy``: decode a shared start once, then try each continuation on a copy.
        (One reading a file shares the file: it has no copy.)"""
        if self._src is not None:
            raise ValueError("copy() needs a fed Decompressor: this one reads a file")
        twin = object.__new__(Decompressor)
        twin.__dict__.update(self.__dict__)
        twin._held = bytearray(self._held)
        if self._member is not None:
            fmt, member = self._member
            twin._member = (fmt, member.copy())
        return twin

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def _count(self, size: int) -> None:
        self._total += size
        if self._total > self._limit:
            raise OutputLimitError(f"decompressed data exceeds max_output_size={self._max_output_size}")

    def whole(self) -> bytes:
        """All the output at once (instead of :meth:`chunks`), the whole input read first."""
        if self._zdict is not None:
            return b"".join(self.chunks())  # (the whole-stream path knows no dictionary)
        self._src.fill_all()
        return inflate_members(self._src, self._format, self._limit, None, None, self._max_output_size)

    def chunks(self):
        if self._src is None:
            raise ValueError("chunks() reads from a file: give Decompressor one, or feed decompress()")
        src = self._src
        fmt = sniff_format(src.peek(2)) if self._format == "auto" else self._format
        while True:
            _, history = read_header(src, fmt, self._zdict)
            member = _Member(fmt, history)
            while True:
                if not src.available() and not src.eof:
                    src.fill()
                status, used, piece = member.step(src.available(), 0, src.eof)
                src.consume(used)
                if piece:
                    self._count(len(piece))
                    yield piece
                if status == STATUS_DONE:
                    break
                if status == STATUS_NEED_INPUT:
                    src.fill()
                elif status < 0:
                    raise inflate_error(status)
            check_trailer(src, fmt, member.checksum, member.size)
            if not another_member(src, fmt):
                return

    def decompress(self, data, max_length: int = 0) -> bytes:
        """The output that ``data``, the next piece of the stream, completes (fed mode); with
        ``max_length`` (> 0) at most that many bytes, and the input not yet used is left in
        :attr:`unconsumed_tail` (as zlib's ``Decompress.decompress``)."""
        if self._src is not None:
            raise ValueError("this Decompressor reads its file: use chunks()")
        if max_length < 0:
            raise ValueError("max_length must be non-negative")
        self.unconsumed_tail = b""
        if self.eof:
            self.unused_data += bytes(data)
            return b""
        self._held += memoryview(data).cast("B")  # (not ``+= data``: a numpy array would add itself)
        if self._member is None and not self._read_header():
            return b""
        fmt, member = self._member
        held = self._held
        room = max_length or -1
        parts, off = [], 0
        try:
            while not member.inflater.finished:
                if room == 0:
                    # Bounded: the rest is the caller's to give again, as zlib leaves it.
                    with memoryview(held) as view:
                        self.unconsumed_tail = bytes(view[off:])
                    off = len(held)
                    break
                status, used, piece = member.step(held, off, False, room)
                off += used
                if piece:
                    self._count(len(piece))
                    parts.append(piece)
                    if room > 0:
                        room -= len(piece)
                if status == STATUS_NEED_INPUT:
                    break
                if status < 0:
                    raise inflate_error(status)
        finally:
            del held[:off]  # once a call: a large piece is not shifted at every step
        out = parts[0] if len(parts) == 1 else b"".join(parts)
        if not member.inflater.finished:
            return out
        size = TRAILER_SIZE[fmt]
        if len(held) >= size:
            check_trailer(Input(bytes(held[:size])), fmt, member.checksum, member.size)
            self.eof = True
            self.unused_data = bytes(held[size:])
            held.clear()
        return out

    def _read_header(self) -> bool:
        """Read the header if it has all come; whether it had."""
        fmt = self._format
        if fmt == "auto":
            if len(self._held) < 2:
                return False
            fmt = sniff_format(bytes(self._held[:2]))
        src = Input(bytes(self._held))
        try:
            _, history = read_header(src, fmt, self._zdict)
        except FormatError:
            if src.ran_out:
                return False
            raise
        del self._held[:src.off]
        self._member = (fmt, _Member(fmt, history))
        return True

    def flush(self, length: int = 1) -> bytes:
        """All the output a bounded :meth:`decompress` held back, as zlib's: that of
        :attr:`unconsumed_tail`, and what the input already taken still owes (a bound can fall
        inside a match whose input has all been read, leaving no tail). ``length``, zlib's
        first output-buffer size, is only checked."""
        if length <= 0:
            raise ValueError("length must be greater than zero")
        if self._src is not None:
            return b""
        tail, self.unconsumed_tail = self.unconsumed_tail, b""
        return self.decompress(tail)


class _Reader(io.RawIOBase):
    def __init__(self, fileobj, format, max_output_size):
        self._decompressor = Decompressor(fileobj, format=format, max_output_size=max_output_size)
        self._chunks = None  # its chunks, once reading has begun
        self._pending = memoryview(b"")

    def readable(self):
        return True

    def readinto(self, b):
        if self._chunks is None:
            self._chunks = self._decompressor.chunks()
        while not self._pending:
            piece = next(self._chunks, None)
            if piece is None:
                return 0
            self._pending = memoryview(piece)
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def readall(self):
        if self._chunks is not None:
            return super().readall()
        # read() of a whole file: the file in memory, decoded as decompress() would (straight
        # into the result, ISIZE its size: 1.7x the speed of reading the chunks 8 KiB at a time).
        self._chunks = iter(())
        return self._decompressor.whole()


class _IndexedReader(io.RawIOBase):
    """An indexed gzip member read from any position: the piece holding it is decoded alone and
    checked against its CRC-32 (the index's), so a seek costs one piece, never the file; read
    on, the next ``workers`` pieces are decoded side by side."""

    def __init__(self, fileobj, start: int, index: tuple, max_output_size, workers: int = 1):
        self._file, self._start, self._index, self._workers = fileobj, start, index, workers
        piece, total, sizes, _ = index
        self._offsets = [0]
        for size in sizes:
            self._offsets.append(self._offsets[-1] + size)
        if total > output_limit(max_output_size):
            raise OutputLimitError(f"decompressed data exceeds max_output_size={max_output_size}")
        self._pos, self._pieces = 0, {}

    @classmethod
    def open(cls, fileobj, max_output_size, workers: int = 1):
        """The reader, or None (the file rewound) unless ``fileobj`` is seekable and holds one
        indexed gzip member whose index agrees with its trailer."""
        try:
            if not fileobj.seekable():
                return None
            begin = fileobj.tell()
            end = fileobj.seek(0, io.SEEK_END)
            fileobj.seek(begin)
        except (OSError, AttributeError, ValueError):
            return None
        try:
            src = Input(fileobj.read(1 << 18))  # more than any header: FEXTRA, FNAME, FCOMMENT at 64 KiB each
            index = read_index(read_gzip_header(src)["extra"])
            start = begin + src.off
        except FormatError:
            index = None
        if index is not None and start + sum(index[2]) + 8 == end:
            fileobj.seek(end - 8)
            tail = fileobj.read(8)
            if tail == trailer("gzip", joined_checksum("gzip", index[3], index[0], index[1]), index[1]):
                return cls(fileobj, start, index, max_output_size, workers)
        fileobj.seek(begin)
        return None

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._index[1]}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _decode(self, first: int) -> None:
        """Pieces ``first`` .. ``first + workers - 1`` (as many as exist), decoded side by side."""
        last = min(first + self._workers, len(self._index[2]))
        self._file.seek(self._start + self._offsets[first])
        data = memoryview(self._file.read(self._offsets[last] - self._offsets[first]))
        pieces = {}

        def decode(begin, end):
            for i in range(first + begin, first + end):
                pieces[i] = decode_piece(data[self._offsets[i] - self._offsets[first]:
                                              self._offsets[i + 1] - self._offsets[first]], self._index, i)

        split_rows(decode, last - first, self._workers, pieces_per_worker=1)
        self._pieces = pieces

    def readall(self):
        if self._pos:
            return super().readall()
        # All of it: every piece side by side straight into one output, as decompress() does.
        self._file.seek(self._start)
        decoded = inflate_pieces(self._file.read(self._offsets[-1]), self._index, self._workers)
        if decoded is None:
            raise FormatError("indexed gzip: a piece does not decode to what its index says (damaged data or index)")
        self._pos = self._index[1]
        return decoded[0]

    def readinto(self, b):
        piece, total = self._index[0], self._index[1]
        if self._pos >= total:
            return 0
        i = self._pos // piece
        if i not in self._pieces:
            self._decode(i)
        if self._pieces[i] is None:
            raise FormatError(f"indexed gzip: piece {i} does not decode to what its index says "
                              "(damaged data or index)")
        data = self._pieces[i]
        at = self._pos - i * piece
        n = min(len(b), len(data) - at)
        b[:n] = memoryview(data)[at:at + n]
        self._pos += n
        return n


class DeflateFile(io.BufferedIOBase):
    """A gzip (or zlib/raw) file opened by :func:`open`: read or write, never both."""

    def __init__(self, fileobj, mode: str, *, owns: bool, level=6, format="gzip", max_output_size=None,
                 mtime=None, filename=None, threads=None, strategy="default"):
        self._file = fileobj
        self._owns = owns
        self.mode = mode
        if mode == "rb":
            raw = _IndexedReader.open(fileobj, max_output_size, resolve(threads)) if format in ("gzip", "auto") else None
            self._reader = io.BufferedReader(raw or _Reader(fileobj, format, max_output_size), 1 << 16)
            self._compressor = None
        else:
            self._reader = None
            self._compressor = Compressor(level, format=format, mtime=mtime, filename=filename, threads=threads,
                                          strategy=strategy)

    def readable(self):
        return self._reader is not None

    def seekable(self):
        """True for an indexed gzip file (``compress(..., index=True)``) read from a seekable file."""
        return self._reader is not None and self._reader.seekable()

    def seek(self, offset, whence=io.SEEK_SET):
        self._check("read")
        if not self._reader.seekable():
            raise io.UnsupportedOperation("seek needs an indexed gzip file (deflate.compress(..., index=True))")
        return self._reader.seek(offset, whence)

    def tell(self):
        self._check("read")
        if not self._reader.seekable():
            raise io.UnsupportedOperation("tell needs an indexed gzip file")
        return self._reader.tell()

    def writable(self):
        return self._compressor is not None

    def read(self, size=-1):
        self._check("read")
        return self._reader.read(size)

    def read1(self, size=-1):
        self._check("read")
        return self._reader.read1(size)

    def readinto(self, b):
        self._check("read")
        return self._reader.readinto(b)

    def peek(self, n=0):
        self._check("read")
        return self._reader.peek(n)

    def readline(self, size=-1):
        self._check("read")
        return self._reader.readline(size)

    def write(self, data):
        if self._compressor is None:
            raise io.UnsupportedOperation("not writable")
        if self.closed:
            raise ValueError("write to closed file")
        view = memoryview(data).cast("B")
        out = self._compressor.compress(view)
        if out:
            self._file.write(out)
        return len(view)

    def _check(self, what):
        if self._reader is None:
            raise io.UnsupportedOperation(f"not {what}able")
        if self.closed:
            raise ValueError(f"{what} from closed file")

    def flush(self, mode: int = zlib.Z_SYNC_FLUSH):
        """Writing: all written so far, compressed and handed to the file, which is flushed too,
        as :meth:`gzip.GzipFile.flush` does (``Z_SYNC_FLUSH``, or ``Z_FULL_FLUSH``: see
        :meth:`Compressor.flush`); the file decodes up to here. Reading: nothing."""
        if self.closed:
            raise ValueError("flush of closed file")
        if mode == zlib.Z_FINISH:
            raise ValueError("close() ends the stream; flush with Z_SYNC_FLUSH or Z_FULL_FLUSH")
        if self._compressor is None or self._compressor.finished:  # (close() calls flush() last)
            return
        out = self._compressor.flush(mode)
        if out:
            self._file.write(out)
        self._file.flush()

    def close(self):
        if self.closed:
            return
        try:
            if self._compressor is not None:
                self._file.write(self._compressor.flush())
        finally:
            if self._owns:
                self._file.close()
            super().close()


def open(file, mode: str = "rb", level: int = 6, *, format: str = "gzip", max_output_size: int | None = None,
         encoding=None, errors=None, newline=None, mtime=None, filename=None, threads: int | None = None,
         strategy="default"):
    """Open a gzip file (or zlib/raw with ``format``) like :func:`gzip.open`.

    ``file`` is a path or a binary file object. Modes: ``rb``/``r``, ``wb``/``w``, ``ab``/``a``
    (appends a member), ``xb``/``x``; add ``t`` for text (``encoding``, ``errors``, ``newline``
    as for :func:`io.TextIOWrapper`). Reading raises the errors :func:`decompress` raises;
    reads of a given size stream in bounded memory, while ``read()`` of a whole file reads all
    of the file and decodes it as :func:`decompress` does, at its speed. Writing puts
    ``filename`` (default: a path's name without ``.gz``) and ``mtime`` (default: now) in the
    gzip header, and compresses on ``threads`` threads as :func:`~fastzip.deflate.compress`
    does, with zlib's ``strategy`` as it takes it; ``flush()`` syncs as
    :meth:`gzip.GzipFile.flush`. Reading a seekable indexed gzip file (``compress(...,
    index=True)``) decodes its pieces on ``threads`` threads and can ``seek``.
    """
    text = "t" in mode
    kind = mode.replace("t", "").replace("b", "")
    if kind not in ("r", "w", "a", "x") or ("t" in mode and "b" in mode):
        raise ValueError(f"invalid mode {mode!r}")
    if not text and (encoding is not None or errors is not None or newline is not None):
        raise ValueError("encoding, errors and newline are for text mode only")
    if isinstance(file, (str, bytes, os.PathLike)):
        fileobj, owns, name = builtins.open(file, kind + "b"), True, os.fspath(file)
        if isinstance(name, bytes):
            name = os.fsdecode(name)
        if filename is None:
            filename = os.path.basename(name[:-3] if name.endswith(".gz") else name)
    elif hasattr(file, "read") or hasattr(file, "write"):
        fileobj, owns = file, False
    else:
        raise TypeError("file must be a path or a file object")
    binary = DeflateFile(fileobj, "rb" if kind == "r" else "wb", owns=owns, level=level, format=format,
                         max_output_size=max_output_size, mtime=mtime, filename=filename, threads=threads,
                         strategy=strategy)
    if text:
        return io.TextIOWrapper(binary, encoding=encoding, errors=errors, newline=newline)
    return binary
