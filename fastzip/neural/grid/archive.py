"""A set of images as one file of latent-grid streams (``FZGS``).

Two layouts (``docs/formats.md``), told apart by the header's flags:

- **separate** (flags 0): each image its own ``FZGC`` stream with its own networks, unchanged,
  so any one of them can be cut out and decoded alone;
- **shared** (flags 1): one synthesis and one ARM for the whole set (trained on every image,
  :func:`.codec.encode_set`), stored once, and per image only its size and latent stream: the
  networks' bytes are paid once, and training them sees every image.

Each image keeps its own size (nothing is resized: extraction restores the original pixels'
size). Reading and extraction need numpy and Numba only; :func:`create` needs torch (it encodes).
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
SHARED = 1  # flag: one pair of networks for every image
_HEAD = struct.Struct("<4sBBI")  # magic, version, flags, image count
_ENTRY = struct.Struct("<HI")  # name length, stream length
_NETWORK_LENGTHS = struct.Struct("<II")  # shared: synthesis and ARM stream lengths
_SIZE = struct.Struct("<II")  # shared: an image's height and width, before its latent stream


@dataclass
class Archive:
    names: list[str]
    streams: list[bytes]  # separate: one FZGC stream per image; shared: size + latent stream
    networks: tuple[bytes, bytes, bytes] | None = None  # shared: stream.networks_parts of the one pair

    def sizes(self) -> list[tuple[int, int]]:
        """(height, width) of each image, from its stream's header."""
        if self.networks is None:
            return [stream.loads(s)[:2] for s in self.streams]
        return [_SIZE.unpack_from(s) for s in self.streams]

    def network_bytes(self) -> int:
        """Bytes the networks take (shared: once; separate: summed over the streams)."""
        if self.networks is not None:
            return sum(map(len, self.networks)) + _NETWORK_LENGTHS.size
        total = 0
        for s in self.streams:
            _, _, params, steps, _ = stream.loads(s)
            total += sum(map(len, stream.networks_parts(params, steps)))
        return total


def dumps(archive: Archive) -> bytes:
    if len(archive.names) != len(archive.streams):
        raise ValueError("one name per stream")
    if len(archive.names) > MAX_IMAGES:
        raise ValueError(f"at most {MAX_IMAGES} images")
    flags = 0 if archive.networks is None else SHARED
    parts = [_HEAD.pack(FORMAT.magic, FORMAT.version, flags, len(archive.names))]
    encoded = [name.encode("utf-8") for name in archive.names]
    for name, data in zip(encoded, archive.streams):
        if len(name) > 0xFFFF:
            raise ValueError("an image name is longer than 65535 bytes")
        parts += [_ENTRY.pack(len(name), len(data)), name]
    if archive.networks is not None:
        tables, synth_stream, arm_stream = archive.networks
        parts += [tables, _NETWORK_LENGTHS.pack(len(synth_stream), len(arm_stream)), synth_stream, arm_stream]
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
    if flags & ~SHARED:
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
    networks = None
    if flags & SHARED:
        tables = stream.read_network_tables(r)
        synth_length, arm_length = r.unpack(_NETWORK_LENGTHS, "the network stream lengths")
        networks = (tables, bytes(r.take(synth_length, "the synthesis stream")),
                    bytes(r.take(arm_length, "the ARM stream")))
    streams = [bytes(r.take(n, "a stream")) for n in lengths]
    r.expect_end()
    if networks is not None and any(len(s) < _SIZE.size for s in streams):
        raise FormatError(f"{FORMAT.name}: an image stream shorter than its size")
    return Archive(names, streams, networks)


def save(archive: Archive, path) -> int:
    data = dumps(archive)
    Path(path).write_bytes(data)
    return len(data)


def load(path) -> Archive:
    return loads(Path(path).read_bytes())


def create(names, images, *, lam: float | None = 0.002, bpp: float | None = None, minutes: float | None = None,
           steps: int | None = None, share: bool = False, progress: bool = True,
           **training) -> tuple[Archive, list[dict]]:
    """Encode each image (H x W x 3 uint8, any sizes) at ``lam`` or, given ``bpp``, at a lambda
    searched for that rate. ``minutes`` is the whole set's budget, shared in proportion to pixels;
    ``steps`` is per image. ``share``: one synthesis and ARM for the set (trained on every image
    in turn) instead of a pair per image. Returns the archive and each image's info."""
    from tqdm.auto import tqdm

    from . import codec

    if (minutes is None) == (steps is None):
        raise ValueError("give exactly one of minutes and steps")
    if share:
        budget = {"steps": steps} if steps is not None else {"minutes": minutes}
        made = (codec.encode_set_at_bpp(images, bpp, progress=progress, **budget, **training) if bpp is not None
                else codec.encode_set(images, lam, progress=progress, **budget, **training))
        streams = [_SIZE.pack(*im.shape[:2]) + s for im, s in zip(images, made.latent_streams)]
        archive = Archive(list(names), streams, stream.networks_parts(made.params, made.steps))
        summary = {k: v for k, v in made.info.items() if k != "history"}
        return archive, [{**info, "set": summary} for info in made.infos]
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


def extract(path, out_dir, *, max_pixels: int = stream.MAX_PIXELS, threads: int | None = None) -> list[Path]:
    """Decode every image of the archive at ``path`` into ``out_dir`` as PNG, at its own size,
    each on ``threads`` threads; returns the paths. Names are the originals' stems, so no path
    in the archive escapes ``out_dir``."""
    from PIL import Image

    from ..images import png_names

    archive = load(path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for target, pixels in zip(png_names(archive.names, out_dir),
                              _decoded(archive, max_pixels=max_pixels, threads=threads)):
        Image.fromarray(pixels).save(target)
        written.append(target)
    return written


def decode_all(archive: Archive, *, max_pixels: int = stream.MAX_PIXELS,
               threads: int | None = None) -> list[np.ndarray]:
    """Every image of ``archive`` (H x W x 3 uint8 each), each on ``threads`` threads."""
    return list(_decoded(archive, max_pixels=max_pixels, threads=threads))


def _decoded(archive: Archive, *, max_pixels: int, threads: int | None):
    """The archive's pictures one at a time (so extraction holds one at once)."""
    from . import decoder

    if archive.networks is None:
        for data in archive.streams:
            yield decoder.decode(data, max_pixels=max_pixels, threads=threads)
        return
    params, steps = stream.networks_from_parts(*archive.networks)
    for data in archive.streams:
        height, width = _SIZE.unpack_from(data)
        stream.check_size(height, width, max_pixels)
        latents = decoder.decode_latents(height, width, params, data[_SIZE.size:])
        yield decoder.synthesize(height, width, latents, params, steps, threads)
