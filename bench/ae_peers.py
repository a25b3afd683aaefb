"""What the autoencoder codecs are measured against, one small image at a time: Pillow's JPEG
(its whole file, and its entropy-coded scan alone), WebP, PNG and DEFLATE on the raw pixels."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from fastzip import deflate
from fastzip.metrics import psnr

QUALITIES = range(1, 101)


def _pil(image: np.ndarray) -> Image.Image:
    return Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)


def _decoded(data: bytes, like: np.ndarray) -> np.ndarray:
    picture = Image.open(io.BytesIO(data))
    return np.asarray(picture.convert("L" if like.shape[-1] == 1 else "RGB")).reshape(like.shape)


def jpeg(image: np.ndarray, quality: int) -> bytes:
    """Pillow JPEG at ``quality``, optimized Huffman tables (4:2:0 for colour)."""
    out = io.BytesIO()
    _pil(image).save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def webp(image: np.ndarray, quality: int) -> bytes:
    out = io.BytesIO()
    _pil(image).save(out, "WEBP", quality=quality, method=6)
    return out.getvalue()


def scan_bytes(data: bytes) -> int:
    """The bytes of a baseline JPEG's entropy-coded scan: after the SOS segment, before EOI
    (headers, tables and markers are what the small-image codec avoids paying)."""
    sos = data.index(b"\xff\xda")
    start = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")
    return len(data) - 2 - start


def at_psnr(image: np.ndarray, target: float, codec=jpeg) -> tuple[bytes, float]:
    """The smallest file of ``codec`` (over its qualities) whose PSNR reaches ``target``, and
    that PSNR (the best quality's when none reaches it)."""
    lo, hi = 0, len(QUALITIES) - 1
    best = None
    while lo <= hi:  # PSNR rises with quality (nearly always); bisect on it
        mid = (lo + hi) // 2
        data = codec(image, QUALITIES[mid])
        quality = psnr(image, _decoded(data, image))
        if quality >= target:
            best, hi = (data, quality), mid - 1
        else:
            lo = mid + 1
    if best is None:
        data = codec(image, QUALITIES[-1])
        best = (data, psnr(image, _decoded(data, image)))
    return best


def at_scan_bytes(image: np.ndarray, budget: float) -> tuple[bytes, float]:
    """JPEG at the highest quality whose scan fits ``budget`` bytes (quality 1 if none does)."""
    chosen = jpeg(image, 1)
    for q in QUALITIES:
        data = jpeg(image, q)
        if scan_bytes(data) > budget:
            break
        chosen = data
    return chosen, psnr(image, _decoded(chosen, image))


def png(image: np.ndarray) -> bytes:
    out = io.BytesIO()
    _pil(image).save(out, "PNG", optimize=True)
    return out.getvalue()


def deflate_raw(image: np.ndarray) -> bytes:
    """fastzip DEFLATE level 9 (zlib framing) of the raw pixels."""
    return deflate.compress(np.ascontiguousarray(image).tobytes(), 9)
