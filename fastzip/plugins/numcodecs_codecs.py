"""fastzip's codecs for numcodecs (and through it Zarr format 2): ``fastzip.deflate``,
``fastzip.huffman`` and ``fastzip.jpeg``, found by ``numcodecs.get_codec`` through the
``numcodecs.codecs`` entry point.

Decoding is bounded: into ``out`` the output can never exceed ``out``; without it, by the
codec's ``max_output_size`` (DEFLATE, Huffman) or ``max_pixels`` (JPEG). Errors are fastzip's
(``ValueError`` subclasses). The native kernels release the GIL, so a thread pool compresses
chunks in parallel.
"""

from __future__ import annotations

import numpy as np
from numcodecs.abc import Codec
from numcodecs.compat import ensure_contiguous_ndarray

from .. import deflate, huffman, jpeg
from ..deflate import FORMATS, LEVELS
from ..errors import FormatError
from .chunks import check_jpeg_settings, picture_of

__all__ = ["Deflate", "Huffman", "JPEG", "DEFAULT_MAX_OUTPUT"]

DEFAULT_MAX_OUTPUT = 1 << 31  # a decoded chunk over 2 GiB is refused unless the config says more


def _check_limit(max_output_size) -> None:
    if isinstance(max_output_size, bool) or not isinstance(max_output_size, int) or max_output_size < 0:
        raise ValueError(f"max_output_size must be a non-negative integer, not {max_output_size!r}")


def _writable_bytes(out) -> np.ndarray:
    view = ensure_contiguous_ndarray(out)
    if not view.flags.writeable:
        raise ValueError("out must be writable")
    return view.reshape(-1).view(np.uint8)


class Deflate(Codec):
    """DEFLATE in zlib (readable by numcodecs' ``Zlib``), gzip (``GZip``) or raw framing, levels
    0-12 (0-9 as zlib's, 10-12 near-optimal). gzip headers carry MTIME 0, so equal chunks give
    equal bytes."""

    codec_id = "fastzip.deflate"

    def __init__(self, level: int = 6, format: str = "zlib", max_output_size: int = DEFAULT_MAX_OUTPUT):
        if level not in LEVELS:
            raise ValueError(f"level must be 0..12, not {level!r}")
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
        _check_limit(max_output_size)
        self.level, self.format, self.max_output_size = level, format, max_output_size

    def encode(self, buf):
        return deflate.compress(ensure_contiguous_ndarray(buf), self.level, format=self.format, mtime=0)

    def decode(self, buf, out=None):
        buf = ensure_contiguous_ndarray(buf)
        if out is None:
            return deflate.decompress(buf, format=self.format, max_output_size=self.max_output_size)
        target = _writable_bytes(out)
        written = deflate.decompress_into(buf, target, format=self.format)
        if written != target.size:
            raise FormatError(f"the chunk decompresses to {written} bytes; out holds {target.size}")
        return out


class Huffman(Codec):
    """fastzip's canonical-Huffman byte stream (``fastzip.huffman.compress``): order-0 entropy
    coding, for chunks whose bytes are skewed but not repetitive."""

    codec_id = "fastzip.huffman"

    def __init__(self, max_output_size: int = DEFAULT_MAX_OUTPUT):
        _check_limit(max_output_size)
        self.max_output_size = max_output_size

    def encode(self, buf):
        return huffman.compress(ensure_contiguous_ndarray(buf))

    def decode(self, buf, out=None):
        buf = ensure_contiguous_ndarray(buf)
        if out is None:
            return huffman.decompress(buf, max_output_size=self.max_output_size)
        target = _writable_bytes(out)
        data = huffman.decompress(buf, max_output_size=target.size)
        if len(data) != target.size:
            raise FormatError(f"the chunk decompresses to {len(data)} bytes; out holds {target.size}")
        target[:] = np.frombuffer(data, np.uint8)
        return out


class JPEG(Codec):
    """Lossy: a uint8 chunk holding one picture, (H, W) or (H, W, 3) after leading axes of 1,
    as a baseline JPEG at ``quality``; decodes to the picture's shape, as ``fastzip.jpeg``
    decodes it (any JPEG reader opens the chunk). A damaged chunk raises (``strict``): an array
    store should not hand back a half-grey chunk as if it were whole."""

    codec_id = "fastzip.jpeg"

    def __init__(self, quality: int = 90, subsampling: str = "4:2:0", optimize: bool = True,
                 max_pixels: int = jpeg.MAX_IMAGE_PIXELS):
        check_jpeg_settings(quality, subsampling, optimize)
        _check_limit(max_pixels)
        self.quality, self.subsampling, self.optimize, self.max_pixels = quality, subsampling, optimize, max_pixels

    def encode(self, buf):
        if not hasattr(buf, "shape") or not hasattr(buf, "dtype"):
            raise ValueError("the JPEG codec needs the chunk as an array (its shape tells the picture's)")
        return jpeg.encode(picture_of(buf), quality=self.quality, subsampling=self.subsampling,
                           optimize=self.optimize)

    def decode(self, buf, out=None):
        buf = ensure_contiguous_ndarray(buf)
        if out is None:
            return jpeg.decode(buf, max_pixels=self.max_pixels, strict=True)
        target = _writable_bytes(out)
        header = jpeg.read_header(buf, max_pixels=self.max_pixels, strict=True)
        shape = (header.height, header.width) + ((3,) if len(header.components) == 3 else ())
        if int(np.prod(shape)) != target.size:
            raise FormatError(f"the chunk is a {header.width}x{header.height}x{len(header.components)} picture; "
                              f"out holds {target.size} bytes")
        jpeg.decode(buf, max_pixels=self.max_pixels, out=target.reshape(shape), strict=True)  # into out
        return out
