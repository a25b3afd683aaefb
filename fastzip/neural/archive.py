"""The overfit-VAE archive (``FZVA``): a decoder, one latent per image, and what was done.

Layout (``docs/formats.md``): magic ``FZVA``, version, a JSON header (model configuration,
weight precision, image names and original sizes, the preprocessing rule, training figures),
the decoder's weights and the latents as two ``FZSW`` blobs (:mod:`.weights`), and a CRC-32
of everything before it. Extraction needs no encoder: latents -> decoder -> PNG files.

Reading and extraction need neither torch nor the encoder: the decoder runs on Numba kernels
straight from the stored (sparse, INT8) weights (:mod:`.vae.inference`). torch runs it too
(``engine="torch"``), and remains the only way to make an archive.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._container import Format
from ..errors import FastzipError, FormatError, OutputLimitError
from . import weights
from .registry import QUANTS, VAEConfig, decoder_parameters

__all__ = ["Archive", "dumps", "loads", "load", "save", "decoder", "reconstruct", "extract", "ENGINES", "QUANTS",
           "MAGIC", "VERSION"]

ENGINES = ("auto", "numba", "torch")

FORMAT = Format(b"FZVA", (1,), "fastzip VAE archive")
MAGIC, VERSION = FORMAT.magic, FORMAT.version
_HEAD = struct.Struct("<4sBBI")  # magic, version, flags, JSON length
_MAX_JSON = 1 << 24
_MAX_IMAGES = 1 << 16
_MAX_SIZE = 8192


@dataclass
class Archive:
    config: VAEConfig
    quant: str  # "int8" | "fp16" | "none"
    names: list[str]
    sizes: list[tuple[int, int]]  # original (height, width) of each image
    latents: np.ndarray  # N x latent, float32
    state: dict  # decoder tensors as weights.Stored records, as the chosen precision stores them
    info: dict = field(default_factory=dict)  # preprocessing and training figures, free-form


def dumps(archive: Archive) -> bytes:
    if archive.quant not in QUANTS:
        raise ValueError(f"quant must be one of {QUANTS}")
    header = {"model": archive.config.to_dict(), "quant": archive.quant,
              "images": [{"name": n, "height": int(h), "width": int(w)} for n, (h, w) in zip(archive.names, archive.sizes)],
              "info": archive.info}
    meta = json.dumps(header, sort_keys=True).encode("utf-8")
    blobs = [weights.dumps(archive.state), weights.dumps({"latents": np.asarray(archive.latents, np.float32)})]
    return FORMAT.seal(_HEAD.pack(MAGIC, VERSION, 0, len(meta)) + meta + b"".join(struct.pack("<Q", len(b)) + b for b in blobs))


def save(archive: Archive, path) -> int:
    blob = dumps(archive)
    Path(path).write_bytes(blob)
    return len(blob)


def loads(blob) -> Archive:
    """Parse ``FZVA`` bytes; :class:`FormatError` / :class:`ChecksumError` / :class:`UnsupportedError` otherwise."""
    view = memoryview(blob).cast("B")
    FORMAT.check_magic(view)
    r = FORMAT.reader(view)
    _, version, flags, meta_len = r.unpack(_HEAD, "the header")
    FORMAT.check_version(version)
    r = FORMAT.reader(FORMAT.unseal(view), _HEAD.size)
    if flags or meta_len > _MAX_JSON:
        raise FormatError("archive header is corrupt")
    try:
        header = json.loads(bytes(r.take(meta_len, "the JSON header")).decode("utf-8"))
        config = VAEConfig.from_dict(header["model"])
        quant = header["quant"]
        images = header["images"]
        names = [str(im["name"]) for im in images]
        sizes = [(int(im["height"]), int(im["width"])) for im in images]
        info = dict(header.get("info", {}))
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"archive header is not valid: {exc}") from None
    if quant not in QUANTS or len(names) > _MAX_IMAGES:
        raise FormatError(f"archive header is not valid: quant {quant!r}, {len(names)} images")
    blobs = [r.take(r.unpack("Q", "a blob length")[0], "a blob") for _ in range(2)]
    r.expect_end()
    # The decoder's size follows from the config; a hostile header cannot ask for more.
    limit = 2 * decoder_parameters(config) + 1024
    if limit > weights.DEFAULT_MAX_ELEMENTS or config.image_size > _MAX_SIZE:
        raise FormatError("archive model is implausibly large")
    try:
        state = weights.loads_stored(blobs[0], max_elements=limit)
        latents = weights.loads_stored(blobs[1], max_elements=len(names) * config.latent).get("latents")
    except OutputLimitError:
        raise FormatError("archive holds more values than its model and images need") from None
    if latents is None or latents.kind != "float32" or tuple(latents.shape) != (len(names), config.latent):
        raise FormatError("archive latents do not match its images and model")
    return Archive(config, quant, names, sizes, latents.dense(), state, info)


def load(path) -> Archive:
    return loads(Path(path).read_bytes())


def decoder(archive: Archive):
    """The archive's decoder as a torch module (INT8 runs quantized by torch.ao; FP16 runs in
    float32): the oracle the Numba path is tested against. Needs torch."""
    from .vae.models import Decoder
    from .vae.quantize import fp16_decoder, int8_decoder

    try:
        state = {name: weights.to_torch(record) for name, record in archive.state.items()}
        if archive.quant == "int8":
            return int8_decoder(archive.config, state)
        if archive.quant == "fp16":
            return fp16_decoder(archive.config, state)
        model = Decoder(archive.config)
        model.load_state_dict(state)
        return model.eval()
    except FastzipError:
        raise
    except (RuntimeError, ValueError, KeyError) as exc:
        raise FormatError(f"archive weights do not fit its model: {exc}") from None


def _engine(archive: Archive, engine: str) -> str:
    """"auto": Numba when it is installed and runs this decoder, else torch."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if engine != "auto":
        return engine
    import importlib.util

    if archive.config.decoder_conv == "separable" and importlib.util.find_spec("numba"):
        return "numba"
    if importlib.util.find_spec("torch"):
        return "torch"
    raise ImportError("decoding an archive needs Numba (pip install 'fastzip[extract]') or, for the full-convolution "
                      "models, torch")


def reconstruct(archive: Archive, *, engine: str = "auto", batch_size: int = 4,
                threads: int | None = None) -> np.ndarray:
    """Every image of the archive, N x S x S x 3 uint8. ``engine``: "numba" (torch-free, one
    image at a time, its kernels on ``threads`` threads: ``fastzip.get_threads()`` when None),
    "torch" (``batch_size`` at a time, on torch's own threads), or "auto" (Numba where it can,
    torch otherwise)."""
    size = archive.config.image_size
    if not len(archive.latents):
        return np.zeros((0, size, size, 3), np.uint8)
    if _engine(archive, engine) == "numba":
        from .._jit import thread_scope
        from .vae.inference import SparseDecoder

        with thread_scope(threads):
            return SparseDecoder(archive.config, archive.quant, archive.state).pixels(archive.latents)
    import torch

    from .images import to_uint8 as tensor_to_uint8

    model = decoder(archive)
    latents = torch.from_numpy(np.ascontiguousarray(archive.latents, np.float32))
    with torch.no_grad():
        return np.concatenate([tensor_to_uint8(model(latents[i:i + batch_size]).float())
                               for i in range(0, len(latents), batch_size)])


def extract(path, out_dir, *, engine: str = "auto", threads: int | None = None) -> list[Path]:
    """Decode every image of the archive at ``path`` into ``out_dir`` as PNG; returns the paths.

    Images come out at the model's size (the archive stores what it trained on, not the
    original pixels); names are the originals' stems, so no path in the archive escapes ``out_dir``.
    """
    from PIL import Image

    from .images import png_names

    archive = load(path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = png_names(archive.names, out_dir)
    for target, pixels in zip(written, reconstruct(archive, engine=engine, threads=threads)):
        Image.fromarray(pixels).save(target)
    return written
