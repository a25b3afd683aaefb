"""A set of images as one file of latent-grid streams (``FZGS``): names and ``FZGC`` streams.

Each image keeps its own size (nothing is resized: extraction restores the original pixels'
size) and its own networks; the streams are the codec's, unchanged, so any one of them can be
cut out and decoded alone. Layout in ``docs/formats.md``. Reading and extraction need numpy
and Numba only; :func:`create` needs torch (it encodes).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..._container import Format
from ...errors import FormatError
from . import stream

__all__ = ["FORMAT", "Archive", "dumps", "loads", "save", "load", "create", "extract", "decode_all", "MAX_IMAGES"]

FORMAT = Format(b"FZGS", (1,), "fastzip grid-codec archive")
MAX_IMAGES = 1 << 16
_HEAD = struct.Struct("<4sBBI")  # magic, version, flags, image count
_ENTRY = struct.Struct("<HI")  # name length, stream length


@dataclass
class Archive:
    names: list[str]
    streams: list[bytes]  # one FZGC stream per image

    def sizes(self) -> list[tuple[int, int]]:
        """(height, width) of each image, from its stream's header."""
        return [stream.loads(s)[:2] for s in self.streams]


def dumps(archive: Archive) -> bytes:
    if len(archive.names) != len(archive.streams):
        raise ValueError("one name per stream")
    if len(archive.names) > MAX_IMAGES:
        raise ValueError(f"at most {MAX_IMAGES} images")
    parts = [_HEAD.pack(FORMAT.magic, FORMAT.version, 0, len(archive.names))]
    encoded = [name.encode("utf-8") for name in archive.names]
    for name, data in zip(encoded, archive.streams):
        if len(name) > 0xFFFF:
            raise ValueError("an image name is longer than 65535 bytes")
        parts += [_ENTRY.pack(len(name), len(data)), name]
    parts += archive.streams
    return FORMAT.seal(b"".join(parts))


def loads(blob) -> Archive:
    """The archive in ``blob``; the streams are checked when decoded. FormatError /
    ChecksumError / UnsupportedError / OutputLimitError."""
    view = memoryview(blob).cast("B")
    FORMAT.check_magic(view)
    _, version, flags, count = FORMAT.reader(view).unpack(_HEAD, "the header")
    FORMAT.check_version(version)
    r = FORMAT.reader(FORMAT.unseal(view), _HEAD.size)
    if flags:
        raise FormatError(f"{FORMAT.name}: unknown flags {flags:#x}")
    r.count(count, MAX_IMAGES, "the image count")
    names, lengths = [], []
    for _ in range(count):
        name_length, length = r.unpack(_ENTRY, "an entry")
        try:
            names.append(bytes(r.take(name_length, "a name")).decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise FormatError(f"{FORMAT.name}: a name is not UTF-8") from exc
        lengths.append(length)
    streams = [bytes(r.take(n, "a stream")) for n in lengths]
    r.expect_end()
    return Archive(names, streams)


def save(archive: Archive, path) -> int:
    data = dumps(archive)
    Path(path).write_bytes(data)
    return len(data)


def load(path) -> Archive:
    return loads(Path(path).read_bytes())


def create(names, images, *, lam: float | None = 0.002, bpp: float | None = None, minutes: float | None = None,
           steps: int | None = None, progress: bool = True, **training) -> tuple[Archive, list[dict]]:
    """Encode each image (H x W x 3 uint8, any sizes) at ``lam`` or, given ``bpp``, at a lambda
    searched for that rate. ``minutes`` is the whole set's budget, shared in proportion to pixels;
    ``steps`` is per image. Returns the archive and each encode's info."""
    from tqdm.auto import tqdm

    from . import codec

    if (minutes is None) == (steps is None):
        raise ValueError("give exactly one of minutes and steps")
    pixels = [im.shape[0] * im.shape[1] for im in images]
    streams, infos = [], []
    for name, image, n in zip(names, tqdm(images, desc="grid archive", unit="image", disable=not progress), pixels):
        budget = {"steps": steps} if steps is not None else {"minutes": minutes * n / sum(pixels)}
        if bpp is not None:
            made = codec.encode_at_bpp(image, bpp, progress=False, **budget, **training)
        else:
            made = codec.encode(image, lam, progress=False, **budget, **training)
        streams.append(made.data)
        infos.append({k: v for k, v in made.info.items() if k != "history"})
    return Archive(list(names), streams), infos


def extract(path, out_dir, *, max_pixels: int = stream.MAX_PIXELS) -> list[Path]:
    """Decode every image of the archive at ``path`` into ``out_dir`` as PNG, at its own size;
    returns the paths. Names are the originals' stems, so no path in the archive escapes
    ``out_dir``."""
    from PIL import Image

    from ..images import png_names
    from .codec import decode

    archive = load(path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for target, data in zip(png_names(archive.names, out_dir), archive.streams):
        Image.fromarray(decode(data, max_pixels=max_pixels)).save(target)
        written.append(target)
    return written


def decode_all(archive: Archive, *, max_pixels: int = stream.MAX_PIXELS) -> list[np.ndarray]:
    """Every image of ``archive`` (H x W x 3 uint8 each)."""
    from .codec import decode

    return [decode(data, max_pixels=max_pixels) for data in archive.streams]
