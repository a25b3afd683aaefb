"""zlib (RFC 1950) and gzip (RFC 1952) framing around a DEFLATE stream: headers, trailers,
their checksums, and what may follow a stream. The one place both the whole-buffer functions
and the streaming classes take their framing from.

Writers build the bytes; readers take a :class:`Input` (bytes in memory or a file read in
chunks) and raise :class:`~fastzip.errors.FormatError` (``ChecksumError`` for a checksum,
``DictionaryError`` for a zlib preset dictionary not given) naming what is wrong.
"""

from __future__ import annotations

import functools
import os
import struct
import time
import zlib

from .._native.checksums import adler32, crc32
from ..errors import ChecksumError, DictionaryError, FormatError
from .engine import WINDOW

__all__ = ["FORMATS", "Input", "check_format", "header", "trailer", "TRAILER_SIZE", "checksum_start", "update_checksum",
           "combine_checksums", "joined_checksum", "read_header", "check_trailer", "another_member", "zlib_header", "gzip_header",
           "read_zlib_header", "read_gzip_header", "sniff_format", "dictionary_history"]

FORMATS = ("zlib", "gzip", "raw")

GZIP_MAGIC = b"\x1f\x8b"
_FTEXT, _FHCRC, _FEXTRA, _FNAME, _FCOMMENT = 1, 2, 4, 8, 16
_MAX_GZIP_FIELD = 1 << 16  # longest FNAME/FCOMMENT accepted, so a hostile header cannot grow without bound


class Input:
    """Unconsumed input: all of it (``data``) or a file read ``chunk`` bytes at a time."""

    def __init__(self, data=None, fileobj=None, chunk: int = 1 << 18):
        self.buf = memoryview(data).cast("B") if data is not None else memoryview(b"")
        self.off = 0
        self.file = fileobj
        self.chunk = chunk
        self.eof = fileobj is None
        self.ran_out = False  # a read wanted more than the input holds (a fed decoder waits)

    def available(self) -> memoryview:
        return self.buf[self.off:]

    def consume(self, n: int) -> None:
        self.off += n

    def fill(self) -> bool:
        """Read more input; False at the end of the file."""
        if self.eof:
            return False
        more = self.file.read(self.chunk)
        if not more:
            self.eof = True
            return False
        self.buf = memoryview(bytes(self.buf[self.off:]) + more)
        self.off = 0
        return True

    def fill_all(self) -> None:
        """Read the rest of the file (a raw stream's read() may return less than all of it)."""
        if self.eof:
            return
        parts = [bytes(self.buf[self.off:])] if self.off < len(self.buf) else []
        while more := self.file.read():
            parts.append(more)
        self.buf = memoryview(parts[0] if len(parts) == 1 else b"".join(parts)).cast("B")
        self.off = 0
        self.eof = True

    def peek(self, n: int) -> bytes:
        """Up to ``n`` bytes without consuming them (fewer only at the end of the input)."""
        while len(self.buf) - self.off < n and self.fill():
            pass
        if len(self.buf) - self.off < n:
            self.ran_out = True
        return self.buf[self.off:self.off + n].tobytes()

    def take(self, n: int, what: str) -> bytes:
        got = self.peek(n)
        if len(got) < n:
            raise FormatError(f"{what} truncated: {len(got)} of {n} bytes")
        self.off += n
        return got

    def take_zero_terminated(self, what: str) -> bytes:
        out = bytearray()
        while True:
            view = self.available()
            end = bytes(view[:_MAX_GZIP_FIELD]).find(b"\0")
            if end >= 0:
                out += view[:end]
                self.consume(end + 1)
                return bytes(out)
            out += view
            self.consume(len(view))
            if len(out) > _MAX_GZIP_FIELD:
                raise FormatError(f"{what} longer than {_MAX_GZIP_FIELD} bytes")
            if not self.fill():
                self.ran_out = True
                raise FormatError(f"{what} truncated: no terminating zero byte")

    def at_end(self) -> bool:
        return self.off >= len(self.buf) and not self.fill()


# -- zlib ---------------------------------------------------------------------------------

@functools.cache  # (a small message's compression would spend 5 % of its time here)
def zlib_header(level: int, fdict: bool = False) -> bytes:
    """CMF/FLG for a 32 KiB window, with FLEVEL as zlib sets it for ``level`` (and FDICT: the
    dictionary's DICTID follows, see :func:`header`)."""
    flevel = 0 if level < 2 else 1 if level < 6 else 2 if level == 6 else 3
    cmf = 0x78
    flg = flevel << 6 | (0x20 if fdict else 0)
    flg |= 31 - ((cmf << 8) | flg) % 31
    return bytes([cmf, flg])


def dictionary_history(zdict) -> bytes:
    """What a preset dictionary (any bytes-like object, or None) puts before a stream: its last
    32 KiB, as far back as matches reach."""
    return b"" if zdict is None else bytes(memoryview(zdict).cast("B")[-WINDOW:])


def read_zlib_header(src: Input, zdict=None) -> bytes:
    """Read a zlib header; the history the stream starts from: the last 32 KiB of ``zdict``
    if the stream was made with that preset dictionary, else nothing (zlib also ignores a
    dictionary the stream does not ask for)."""
    cmf, flg = src.take(2, "zlib header")
    if cmf & 0x0F != 8:
        raise FormatError(f"zlib header: compression method {cmf & 0x0F} is not DEFLATE (8)")
    if cmf >> 4 > 7:
        raise FormatError(f"zlib header: window size 2**{(cmf >> 4) + 8} exceeds 32 KiB")
    if ((cmf << 8) | flg) % 31:
        raise FormatError("zlib header check bits (FCHECK) are wrong: not a zlib stream")
    if not flg & 0x20:
        return b""
    dictid, = struct.unpack(">I", src.take(4, "zlib header (DICTID)"))
    if zdict is None:
        raise DictionaryError(f"zlib stream needs a preset dictionary (DICTID {dictid:#010x}): give it as zdict "
                              "to a Decompressor")
    given = adler32(zdict)
    if given != dictid:
        raise DictionaryError(f"zdict is not the stream's preset dictionary (its Adler-32 {given:#010x}, "
                              f"the stream's DICTID {dictid:#010x})")
    return dictionary_history(zdict)


# -- gzip ---------------------------------------------------------------------------------

def gzip_header(level: int, *, mtime: float | None = None, filename: str | bytes | None = None,
                extra: bytes | None = None) -> bytes:
    """A gzip member header: FNAME when ``filename`` is given, MTIME now unless ``mtime`` is set;
    with ``extra``, the FEXTRA field and FHCRC (the header's CRC-16) to protect it."""
    flags = 0
    name = b""
    if filename:
        if isinstance(filename, str):
            filename = os.path.basename(filename).encode("latin-1", "replace")
        name = filename.replace(b"\0", b"") + b"\0"
        flags |= _FNAME
        if name == b"\0":
            name, flags = b"", 0
    if mtime is None:
        mtime = time.time()
    xfl = 2 if level >= 9 else 4 if level == 1 else 0
    fields = b""
    if extra is not None:
        if len(extra) > 0xFFFF:
            raise ValueError("a gzip FEXTRA field holds at most 65535 bytes")
        flags |= _FEXTRA | _FHCRC
        fields = struct.pack("<H", len(extra)) + extra
    head = struct.pack("<2sBBIBB", GZIP_MAGIC, 8, flags, int(mtime) & 0xFFFFFFFF, xfl, 255) + fields + name
    return head + struct.pack("<H", zlib.crc32(head) & 0xFFFF) if extra is not None else head


def read_gzip_header(src: Input) -> dict:
    """Read one member header; returns its fields (mtime, filename, comment, extra)."""
    fixed = src.take(10, "gzip header")
    magic, method, flags, mtime, _xfl, _os = struct.unpack("<2sBBIBB", fixed)
    if magic != GZIP_MAGIC:
        raise FormatError("not a gzip file (bad magic)")
    if method != 8:
        raise FormatError(f"gzip header: compression method {method} is not DEFLATE (8)")
    if flags & 0xE0:
        raise FormatError(f"gzip header: reserved flag bits set ({flags:#04x})")
    header = bytearray(fixed)
    info = {"mtime": mtime, "filename": None, "comment": None, "extra": None}
    if flags & _FEXTRA:
        xlen_raw = src.take(2, "gzip FEXTRA length")
        info["extra"] = src.take(struct.unpack("<H", xlen_raw)[0], "gzip FEXTRA field")
        header += xlen_raw + info["extra"]
    if flags & _FNAME:
        info["filename"] = src.take_zero_terminated("gzip FNAME")
        header += info["filename"] + b"\0"
    if flags & _FCOMMENT:
        info["comment"] = src.take_zero_terminated("gzip FCOMMENT")
        header += info["comment"] + b"\0"
    if flags & _FHCRC:
        stored, = struct.unpack("<H", src.take(2, "gzip header CRC"))
        if stored != zlib.crc32(header) & 0xFFFF:
            raise ChecksumError("gzip header CRC (FHCRC) does not match the header")
    return info


def sniff_format(head: bytes) -> str:
    """"gzip", "zlib" or "raw" from a stream's first two bytes."""
    if head[:2] == GZIP_MAGIC:
        return "gzip"
    if len(head) >= 2 and head[0] & 0x0F == 8 and head[0] >> 4 <= 7 and ((head[0] << 8) | head[1]) % 31 == 0:
        return "zlib"
    return "raw"


# -- one framing, whichever format --------------------------------------------------------

def check_format(format: str, allowed=FORMATS) -> None:
    if format not in allowed:
        raise ValueError(f"format must be one of {allowed}, not {format!r}")


def header(format: str, level: int, mtime=None, filename=None, zdict=None) -> bytes:
    """A stream's header; with a preset dictionary ``zdict`` (zlib), FDICT and its Adler-32."""
    if format == "zlib":
        if zdict is not None:
            return zlib_header(level, True) + struct.pack(">I", adler32(zdict))
        return zlib_header(level)
    if format == "gzip":
        return gzip_header(level, mtime=mtime, filename=filename)
    return b""


def checksum_start(format: str) -> int:
    """The running checksum before any data: Adler-32 starts at 1, CRC-32 at 0."""
    return 1 if format == "zlib" else 0


_CHECKSUM_NAMES = {"zlib": "adler32", "gzip": "crc32"}


def checksum_name(format: str) -> str | None:
    """The checksum in the format's trailer, by the name ``Inflater(checksum=...)`` takes."""
    return _CHECKSUM_NAMES.get(format)


def update_checksum(format: str, data, value: int) -> int:
    if format == "zlib":
        return adler32(data, value)
    if format == "gzip":
        return crc32(data, value)
    return 0


def combine_checksums(format: str, first: int, second: int, second_size: int) -> int:
    """The checksum of A + B from A's (``first``), B's on its own (``second``, from
    :func:`checksum_start`) and B's length: what lets pieces be summed on separate threads."""
    if format == "zlib":
        return _adler32_combine(first, second, second_size)
    if format == "gzip":
        return _multiply_mod_p(_x_power_8n(second_size), first) ^ second
    return 0


def joined_checksum(format: str, sums, piece: int, total: int) -> int:
    """The checksum of ``total`` bytes from the checksums of its ``piece``-sized pieces in order
    (the last one shorter), each taken on its own."""
    checksum = sums[0]
    for i in range(1, len(sums)):
        checksum = combine_checksums(format, checksum, sums[i], min(piece, total - i * piece))
    return checksum


_ADLER_BASE = 65521
_CRC_POLY = 0xEDB88320  # CRC-32's polynomial, bit-reflected as zlib stores it


def _adler32_combine(first: int, second: int, second_size: int) -> int:
    # Adler-32 = (sum2 << 16) | sum1; shifting B behind A adds len(B) * sum1(A) to sum2.
    rem = second_size % _ADLER_BASE
    sum1 = ((first & 0xFFFF) + (second & 0xFFFF) + _ADLER_BASE - 1) % _ADLER_BASE
    sum2 = (rem * (first & 0xFFFF) + (first >> 16) + (second >> 16) + _ADLER_BASE - rem) % _ADLER_BASE
    return sum1 | (sum2 << 16)


def _multiply_mod_p(a: int, b: int) -> int:
    """a * b modulo CRC-32's polynomial, both bit-reflected (x^0 is bit 31)."""
    product = 0
    for bit in range(31, -1, -1):
        if a & (1 << bit):
            product ^= b
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1
    return product


def _x_power_table() -> list[int]:
    table = [1 << 30]  # x^1
    for _ in range(31):
        table.append(_multiply_mod_p(table[-1], table[-1]))  # x^(2^k)
    return table


_X_POWERS = _x_power_table()


def _x_power_8n(n: int) -> int:
    """x^(8n) modulo the polynomial: appending n zero bytes to a message multiplies its CRC by it."""
    p, k = 1 << 31, 3  # x^0; 8n = n << 3
    while n:
        if n & 1:
            p = _multiply_mod_p(_X_POWERS[k & 31], p)
        n >>= 1
        k += 1
    return p


TRAILER_SIZE = {"zlib": 4, "gzip": 8, "raw": 0}  # what :func:`trailer` gives, in bytes


def trailer(format: str, checksum: int, size: int) -> bytes:
    """What follows the DEFLATE data: Adler-32 (zlib, big-endian) or CRC-32 and ISIZE (gzip)."""
    if format == "zlib":
        return struct.pack(">I", checksum)
    if format == "gzip":
        return struct.pack("<II", checksum, size & 0xFFFFFFFF)
    return b""


def starts_with_trailer(after, format: str, checksum: int, size: int) -> bool:
    """Whether ``after`` (bytes or a byte memoryview) opens with the trailer of a stream of this
    checksum and size: :func:`check_trailer`'s test, without reading or raising."""
    expected = trailer(format, checksum, size)
    return after[:len(expected)] == expected


def gzip_size(rest) -> int:
    """The ISIZE at the end of ``rest`` (a gzip member's body and trailer, and whatever
    follows it): the member's size modulo 2**32 when it is the last, a guess otherwise."""
    return int.from_bytes(rest[-4:], "little") if len(rest) >= 4 else 0


def read_header(src: Input, format: str, zdict=None) -> tuple[dict | None, bytes]:
    """Reads a zlib or gzip header (nothing for raw); returns the gzip header's fields and the
    history the stream starts from (a preset dictionary: see :func:`read_zlib_header`; a raw
    stream's is ``zdict``'s last 32 KiB, as zlib's)."""
    if format == "gzip":
        return read_gzip_header(src), b""
    if format == "zlib":
        return None, read_zlib_header(src, zdict)
    return None, dictionary_history(zdict)


def check_trailer(src: Input, format: str, checksum: int, size: int) -> None:
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


def another_member(src: Input, format: str) -> bool:
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
