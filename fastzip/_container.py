"""What every one of fastzip's own container formats (FZHF, FZL7, FZSW, FZVA, ...) checks the
same way: the magic, the version, the CRC-32 and reads that never run past the end.

One rule for versions, everywhere: a version newer than this fastzip reads is an
:class:`UnsupportedError` (the file may be fine; upgrade), version 0 or a version this
fastzip never wrote is a :class:`FormatError`. A format whose layout changes bumps its
version and keeps reading the older ones.

File-level functions follow one naming rule: ``dumps``/``loads`` for bytes, ``save``/``load``
for paths (as :mod:`pickle`, :mod:`json`, numpy and torch name them).
"""

from __future__ import annotations

import struct
import zlib

from .errors import ChecksumError, FormatError, OutputLimitError, UnsupportedError

__all__ = ["Format", "Reader"]

_CRC = struct.Struct("<I")


class Format:
    """One container format: its 4-byte ``magic``, the ``versions`` this fastzip reads (the
    newest is written), and the ``name`` errors call it by."""

    def __init__(self, magic: bytes, versions, name: str):
        if len(magic) != 4:
            raise ValueError("a magic is 4 bytes")
        self.magic = magic
        self.versions = tuple(versions)
        self.version = max(self.versions)
        self.name = name

    def check_magic(self, view) -> None:
        """FormatError unless ``view`` starts with this format's magic (a prefix of it when shorter)."""
        head = bytes(view[:4])
        if head != self.magic:
            if len(head) < 4 and self.magic.startswith(head):
                raise FormatError(f"{self.name} truncated: {len(head)} bytes")
            raise FormatError(f"not a {self.name} (bad magic; expected {self.magic.decode('ascii')})")

    def check_version(self, version: int) -> int:
        if version > self.version:
            raise UnsupportedError(f"{self.name} version {version}; this fastzip reads versions up to {self.version}")
        if version not in self.versions:
            raise FormatError(f"{self.name}: version {version} was never written")
        return version

    def seal(self, body: bytes) -> bytes:
        """``body`` followed by its CRC-32 (little-endian)."""
        return body + _CRC.pack(zlib.crc32(body))

    def unseal(self, view) -> memoryview:
        """The bytes before a trailing CRC-32, once it matches them; ChecksumError otherwise."""
        view = memoryview(view).cast("B")
        if len(view) < 4:
            raise FormatError(f"{self.name} truncated: {len(view)} bytes")
        body = view[:-4]
        if zlib.crc32(body) != _CRC.unpack_from(view, len(view) - 4)[0]:
            raise ChecksumError(f"{self.name} checksum mismatch (corrupt or truncated)")
        return body

    def reader(self, view, offset: int = 0) -> "Reader":
        return Reader(view, self.name, offset)


class Reader:
    """Reads fields from untrusted bytes in order; every read is checked against the end, so a
    declared length can never make it read (or allocate) past what is there."""

    def __init__(self, view, name: str, offset: int = 0):
        self.view = memoryview(view).cast("B")
        self.name = name
        self.pos = offset

    def remaining(self) -> int:
        return len(self.view) - self.pos

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or n > self.remaining():
            raise FormatError(f"{self.name} truncated: {what} needs {n} bytes, {self.remaining()} remain")
        out = self.view[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str | struct.Struct, what: str) -> tuple:
        layout = fmt if isinstance(fmt, struct.Struct) else struct.Struct("<" + fmt)
        return layout.unpack(self.take(layout.size, what))

    def count(self, n: int, limit: int, what: str) -> int:
        """``n`` items declared by the data, refused before anything is allocated if over ``limit``."""
        if n > limit:
            raise OutputLimitError(f"{self.name}: {what} declares {n}, more than the limit {limit}")
        return n

    def expect_end(self) -> None:
        if self.remaining():
            raise FormatError(f"{self.name}: {self.remaining()} unexpected bytes after the end")
