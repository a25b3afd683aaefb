"""fastzip's codecs for Zarr format 3 (zarr-python 3), found through the ``zarr.codecs`` entry
point under the names they have in ``zarr.json``:

- ``fastzip.deflate`` (bytes to bytes): ``{"level": 0..12, "format": "zlib" | "gzip" | "raw"}``;
- ``fastzip.huffman`` (bytes to bytes): no configuration;
- ``fastzip.jpeg`` (array to bytes, lossy): uint8 chunks holding one picture, (H, W) or
  (H, W, 3) after leading axes of 1; ``{"quality": 1..100, "subsampling": "4:2:0" | "4:2:2" |
  "4:4:4", "optimize": bool}``. A decoded chunk is what ``fastzip.jpeg.decode`` gives: the
  JPEG's error (astronaut: 34.0 dB at quality 75, 36.7 dB at 90, whatever the chunk size).

Decoding is bounded by the chunk: a DEFLATE or Huffman chunk may decode to at most twice the
array chunk's bytes plus 64 KiB (room for codecs that grow the bytes before this one), a JPEG
chunk must be exactly the chunk's picture (and is decoded strictly: damage libjpeg would
decode past raises here); anything else is a corrupt chunk and raises a fastzip error. The work runs in worker threads (``asyncio.to_thread``) and the native kernels
release the GIL, so chunks compress in parallel.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np
from zarr.abc.codec import ArrayBytesCodec, BytesBytesCodec
from zarr.core.common import parse_named_configuration

from .. import deflate, huffman, jpeg
from ..deflate import FORMATS, LEVELS
from ..errors import FormatError
from .chunks import check_jpeg_settings, picture_of, picture_shape

__all__ = ["DeflateCodec", "HuffmanCodec", "JPEGCodec"]


def _output_limit(chunk_spec) -> int:
    """The most bytes a bytes-to-bytes chunk may decode to (see the module's docstring)."""
    itemsize = chunk_spec.dtype.to_native_dtype().itemsize
    return 2 * int(np.prod(chunk_spec.shape, dtype=np.int64)) * itemsize + (1 << 16)


class _BytesCodec(BytesBytesCodec):
    """What both bytes-to-bytes codecs share: numpy in, bytes out, in a worker thread."""

    is_fixed_size = False

    def _encode_bytes(self, data: np.ndarray) -> bytes:
        raise NotImplementedError

    def _decode_bytes(self, data: np.ndarray, limit: int) -> bytes:
        raise NotImplementedError

    def _encode_sync(self, chunk_bytes, chunk_spec):
        data = chunk_bytes.as_numpy_array()
        return chunk_spec.prototype.buffer.from_bytes(self._encode_bytes(data))

    def _decode_sync(self, chunk_bytes, chunk_spec):
        data = chunk_bytes.as_numpy_array()
        return chunk_spec.prototype.buffer.from_bytes(self._decode_bytes(data, _output_limit(chunk_spec)))

    async def _encode_single(self, chunk_bytes, chunk_spec):
        return await asyncio.to_thread(self._encode_sync, chunk_bytes, chunk_spec)

    async def _decode_single(self, chunk_bytes, chunk_spec):
        return await asyncio.to_thread(self._decode_sync, chunk_bytes, chunk_spec)

    def compute_encoded_size(self, input_byte_length, chunk_spec):
        raise NotImplementedError  # variable: only fixed-size codecs can say


@dataclass(frozen=True)
class DeflateCodec(_BytesCodec):
    level: int = 6
    format: str = "zlib"

    def __init__(self, *, level: int = 6, format: str = "zlib") -> None:
        if isinstance(level, bool) or level not in LEVELS:
            raise ValueError(f"level must be 0..12, not {level!r}")
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "format", format)

    @classmethod
    def from_dict(cls, data):
        _, configuration = parse_named_configuration(data, "fastzip.deflate", require_configuration=False)
        return cls(**(configuration or {}))

    def to_dict(self):
        return {"name": "fastzip.deflate", "configuration": {"level": self.level, "format": self.format}}

    def _encode_bytes(self, data):
        return deflate.compress(data, self.level, format=self.format, mtime=0)

    def _decode_bytes(self, data, limit):
        return deflate.decompress(data, format=self.format, max_output_size=limit)


@dataclass(frozen=True)
class HuffmanCodec(_BytesCodec):
    @classmethod
    def from_dict(cls, data):
        _, configuration = parse_named_configuration(data, "fastzip.huffman", require_configuration=False)
        if configuration:
            raise ValueError(f"fastzip.huffman takes no configuration, not {configuration!r}")
        return cls()

    def to_dict(self):
        return {"name": "fastzip.huffman"}

    def _encode_bytes(self, data):
        return huffman.compress(data)

    def _decode_bytes(self, data, limit):
        return huffman.decompress(data, max_output_size=limit)


@dataclass(frozen=True)
class JPEGCodec(ArrayBytesCodec):
    is_fixed_size = False

    quality: int = 90
    subsampling: str = "4:2:0"
    optimize: bool = True

    def __init__(self, *, quality: int = 90, subsampling: str = "4:2:0", optimize: bool = True) -> None:
        check_jpeg_settings(quality, subsampling, optimize)
        object.__setattr__(self, "quality", quality)
        object.__setattr__(self, "subsampling", subsampling)
        object.__setattr__(self, "optimize", optimize)

    @classmethod
    def from_dict(cls, data):
        _, configuration = parse_named_configuration(data, "fastzip.jpeg", require_configuration=False)
        return cls(**(configuration or {}))

    def to_dict(self):
        return {"name": "fastzip.jpeg",
                "configuration": {"quality": self.quality, "subsampling": self.subsampling, "optimize": self.optimize}}

    def validate(self, *, shape, dtype, chunk_grid):
        if dtype.to_native_dtype() != np.uint8:
            raise ValueError(f"fastzip.jpeg stores uint8 arrays, not {dtype.to_native_dtype()}")
        chunk_shape = getattr(chunk_grid, "chunk_shape", None)
        if chunk_shape is not None:
            picture_shape(chunk_shape)

    def _encode_sync(self, chunk_array, chunk_spec):
        picture = picture_of(chunk_array.as_numpy_array())
        data = jpeg.encode(picture, quality=self.quality, subsampling=self.subsampling, optimize=self.optimize)
        return chunk_spec.prototype.buffer.from_bytes(data)

    def _decode_sync(self, chunk_bytes, chunk_spec):
        expected = picture_shape(chunk_spec.shape)
        picture = jpeg.decode(chunk_bytes.as_numpy_array(), max_pixels=expected[0] * expected[1], strict=True)
        if picture.shape != expected:
            raise FormatError(f"the chunk holds a {picture.shape} picture; the array's chunks are {expected}")
        return chunk_spec.prototype.nd_buffer.from_numpy_array(picture.reshape(chunk_spec.shape))

    async def _encode_single(self, chunk_array, chunk_spec):
        return await asyncio.to_thread(self._encode_sync, chunk_array, chunk_spec)

    async def _decode_single(self, chunk_bytes, chunk_spec):
        return await asyncio.to_thread(self._decode_sync, chunk_bytes, chunk_spec)

    def compute_encoded_size(self, input_byte_length, chunk_spec):
        raise NotImplementedError
