"""A set of images as one file of latent-grid streams (``FZGS``).

Three layouts (``docs/formats.md``), told apart by the header's flags:

- **separate** (flags 0): each image its own ``FZGC`` stream with its own networks, unchanged,
  so any one of them can be cut out and decoded alone;
- **shared ARM** (flags 2, ``share="arm"``): one entropy model for the set, stored once, and
  per image its size, its synthesis and its latents (the ARM generalises across photos: a
  third fewer bytes at the same quality on small photos);
- **shared** (flags 1, ``share="all"``): one synthesis and one ARM for the whole set, and per
  image only its size and latents (pays for sets of similar images only).

Shared networks are trained on every image at once (:func:`.codec.encode_set`).

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
SHARED = 1  # flag: one synthesis and one ARM for every image
SHARED_ARM = 2  # flag: one ARM for every image, a synthesis each
_FLAGS = {None: 0, "all": SHARED, "arm": SHARED_ARM}
_HEAD = struct.Struct("<4sBBI")  # magic, version, flags, image count
_ENTRY = struct.Struct("<HI")  # name length, stream length
_NETWORK_LENGTHS = struct.Struct("<II")  # shared: synthesis and ARM stream lengths
_LENGTH = struct.Struct("<I")  # shared ARM: the ARM stream's length; an image's synthesis stream's
_SIZE = struct.Struct("<II")  # shared: an image's height and width, before the rest of its stream


@dataclass
class Archive:
    names: list[str]
    streams: list[bytes]  # separate: FZGC streams; shared: size (+ synthesis part) + latent stream
    networks: tuple[bytes, ...] | None = None  # shared: stream.networks_parts, or (ARM) stream.arm_part
    share: str | None = None  # None (separate), "all" or "arm"

    def sizes(self) -> list[tuple[int, int]]:
        """(height, width) of each image, from its stream's header."""
        if self.share is None:
            return [stream.loads(s)[:2] for s in self.streams]
        return [_SIZE.unpack_from(s) for s in self.streams]

    def network_bytes(self) -> int:
        """Bytes the networks take: shared ones once, plus (shared ARM) each image's synthesis;
        separate: summed over the streams."""
        if self.share == "all":
            return sum(map(len, self.networks)) + _NETWORK_LENGTHS.size
        if self.share == "arm":
            return sum(map(len, self.networks)) + _LENGTH.size + sum(
                stream.SYNTHESIS_HEAD + _LENGTH.size + _LENGTH.unpack_from(s, _SIZE.size + stream.SYNTHESIS_HEAD)[0]
                for s in self.streams)
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
    if archive.share not in _FLAGS or (archive.networks is None) != (archive.share is None):
        raise ValueError("share must be None, 'all' or 'arm', with networks exactly when shared")
    parts = [_HEAD.pack(FORMAT.magic, FORMAT.version, _FLAGS[archive.share], len(archive.names))]
    encoded = [name.encode("utf-8") for name in archive.names]
    for name, data in zip(encoded, archive.streams):
        if len(name) > 0xFFFF:
            raise ValueError("an image name is longer than 65535 bytes")
        parts += [_ENTRY.pack(len(name), len(data)), name]
    if archive.share == "all":
        tables, synth_stream, arm_stream = archive.networks
        parts += [tables, _NETWORK_LENGTHS.pack(len(synth_stream), len(arm_stream)), synth_stream, arm_stream]
    elif archive.share == "arm":
        arm_tables, arm_stream = archive.networks
        parts += [arm_tables, _LENGTH.pack(len(arm_stream)), arm_stream]
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
    if flags not in (0, SHARED, SHARED_ARM):
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
    networks, share = None, {0: None, SHARED: "all", SHARED_ARM: "arm"}[flags]
    if share == "all":
        tables = stream.read_network_tables(r)
        synth_length, arm_length = r.unpack(_NETWORK_LENGTHS, "the network stream lengths")
        networks = (tables, bytes(r.take(synth_length, "the synthesis stream")),
                    bytes(r.take(arm_length, "the ARM stream")))
    elif share == "arm":
        arm_tables = bytes(r.take(stream.ARM_HEAD, "the ARM tables"))
        arm_length, = r.unpack(_LENGTH, "the ARM stream length")
        networks = (arm_tables, bytes(r.take(arm_length, "the ARM stream")))
    streams = [bytes(r.take(n, "a stream")) for n in lengths]
    r.expect_end()
    least = {None: 0, "all": _SIZE.size, "arm": _SIZE.size + stream.SYNTHESIS_HEAD + _LENGTH.size}[share]
    if any(len(s) < least for s in streams):
        raise FormatError(f"{FORMAT.name}: an image stream shorter than its size and networks")
    return Archive(names, streams, networks, share)


def save(archive: Archive, path) -> int:
    data = dumps(archive)
    Path(path).write_bytes(data)
    return len(data)


def load(path) -> Archive:
    return loads(Path(path).read_bytes())


def create(names, images, *, lam: float | None = 0.002, bpp: float | None = None, minutes: float | None = None,
           steps: int | None = None, share: str | None = None, progress: bool = True,
           **training) -> tuple[Archive, list[dict]]:
    """Encode each image (H x W x 3 uint8, any sizes) at ``lam`` or, given ``bpp``, at a lambda
    searched for that rate. ``minutes`` is the whole set's budget, shared in proportion to pixels;
    ``steps`` is per image. ``share`` "arm" (one entropy model for the set) or "all" (the
    synthesis too), trained on every image in turn; None: networks per image. Returns the
    archive and each image's info."""
    from tqdm.auto import tqdm

    from . import codec

    if (minutes is None) == (steps is None):
        raise ValueError("give exactly one of minutes and steps")
    if share is not None:
        budget = {"steps": steps} if steps is not None else {"minutes": minutes}
        made = (codec.encode_set_at_bpp(images, bpp, share=share, progress=progress, **budget, **training)
                if bpp is not None else
                codec.encode_set(images, lam, share=share, progress=progress, **budget, **training))
        if share == "all":
            streams = [_SIZE.pack(*im.shape[:2]) + s for im, s in zip(images, made.latent_streams)]
            networks = stream.networks_parts(made.params, made.steps)
        else:
            streams = []
            for image, latents, pair in zip(images, made.latent_streams, made.synthesis):
                head, coded = stream.synthesis_part(*pair)
                streams.append(_SIZE.pack(*image.shape[:2]) + head + _LENGTH.pack(len(coded)) + coded + latents)
            networks = stream.arm_part(made.params)
        summary = {k: v for k, v in made.info.items() if k != "history"}
        return Archive(list(names), streams, networks, share), [{**info, "set": summary} for info in made.infos]
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

    if archive.share is None:
        for data in archive.streams:
            yield decoder.decode(data, max_pixels=max_pixels, threads=threads)
        return
    if archive.share == "all":
        params, steps = stream.networks_from_parts(*archive.networks)
    else:
        arm = stream.arm_from_part(*archive.networks)
    for data in archive.streams:
        height, width = _SIZE.unpack_from(data)
        stream.check_size(height, width, max_pixels)
        rest = memoryview(data)[_SIZE.size:]
        if archive.share == "arm":  # this image's synthesis, then its latents
            head = bytes(rest[:stream.SYNTHESIS_HEAD])
            length, = _LENGTH.unpack_from(rest, stream.SYNTHESIS_HEAD)
            start = stream.SYNTHESIS_HEAD + _LENGTH.size
            if start + length > len(rest):
                raise FormatError(f"{FORMAT.name}: an image's synthesis runs past its stream")
            synthesis, steps = stream.synthesis_from_part(head, bytes(rest[start:start + length]))
            params, rest = {**synthesis, **arm}, rest[start + length:]
        latents = decoder.decode_latents(height, width, params, bytes(rest))
        yield decoder.synthesize(height, width, latents, params, steps, threads)
