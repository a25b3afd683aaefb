"""A trained autoencoder codec (``FZAC``) and the images it codes (``FZAA``): numpy + Numba only.

:class:`Codec` holds the networks (weights in ``FZSW``), the latent tables and the residual
tables; its id is the CRC-32 of its config, networks and tables, so a codes file names the codec it needs in 4 bytes
instead of carrying tables. ``encode`` runs the encoder once per image, rounds the latents and
codes all of a batch's latents in one rANS stream (or DEFLATE, for comparison); ``lossless=True``
adds the residual (image minus the rounded reconstruction) under the context tables of
:mod:`.prior` and the CRC-32 of the pixels, which decoding checks. Byte layouts:
``docs/formats.md``.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ... import deflate, rans
from ..._container import Format
from ...errors import ChecksumError, FastzipError, FormatError, OutputLimitError
from .. import weights as fzsw
from ..registry import AEConfig
from . import lossless as _lossless
from . import prior
from .network import Network, weight_names

__all__ = ["Codec", "CODEC_FORMAT", "CODES_FORMAT", "Codes", "read_codes", "as_images", "MAX_SAMPLES", "CODERS",
           "SHIPPED"]

CODEC_FORMAT = Format(b"FZAC", (1,), "fastzip autoencoder codec")
CODES_FORMAT = Format(b"FZAA", (1,), "fastzip autoencoder codes")
CODERS = ("rans", "deflate")
MAX_SAMPLES = 1 << 28  # decoded samples (images x pixels x channels) allowed unless the caller says more
# Codecs trained by ``python -m bench.ae_shipped`` and shipped in the package, by name: the dense
# model on scikit-learn's 8x8 digits, the conv model on scikit-image's 25x25 lfw_subset faces.
SHIPPED = ("digits", "faces")
_SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"
_MAX_CODEC_ELEMENTS = 1 << 26
_CODEC_HEAD = struct.Struct("<4sBI")  # magic, version, metadata length
_CODES_HEAD = struct.Struct("<4sBBII")  # magic, version, flags, codec id, image count
_U32 = struct.Struct("<I")
_LOSSLESS, _DEFLATE = 1, 2
_WIDTHS = {0: np.int8, 1: np.int16, 2: np.int32}  # flags bits 2-3: integer width under DEFLATE


def as_images(images, shape=None) -> np.ndarray:
    """(N, H, W) or (N, H, W, C) uint8 -> (N, H, W, C) uint8 (no copy when possible); ValueError
    for anything else, or a shape other than ``shape`` (H, W, C) when given."""
    a = np.asarray(images)
    if a.dtype != np.uint8 or a.ndim not in (3, 4):
        raise ValueError(f"images must be uint8 (N, H, W) or (N, H, W, C), not {a.dtype} {a.shape}")
    if a.ndim == 3:
        a = a[..., None]
    if a.shape[-1] not in (1, 3):
        raise ValueError(f"images have 1 or 3 channels, not {a.shape[-1]}")
    if shape is not None and a.shape[1:] != tuple(shape):
        raise ValueError(f"this codec codes {tuple(shape)} images (height, width, channels), not {a.shape[1:]}")
    return np.ascontiguousarray(a)


def _shuffled(values: np.ndarray) -> bytes:
    """Little-endian integers, all low bytes first, then the next: DEFLATE sees the slowly
    varying high bytes together."""
    raw = np.ascontiguousarray(values).astype(values.dtype.newbyteorder("<"), copy=False)
    return raw.view(np.uint8).reshape(-1, raw.dtype.itemsize).T.tobytes()


def _unshuffled(raw: bytes, dtype, count: int) -> np.ndarray:
    width = np.dtype(dtype).itemsize
    if len(raw) != count * width:
        raise FormatError(f"{CODES_FORMAT.name}: DEFLATE stream holds {len(raw)} bytes, expected {count * width}")
    planes = np.frombuffer(raw, np.uint8).reshape(width, count)
    return np.ascontiguousarray(planes.T).view(np.dtype(dtype).newbyteorder("<")).reshape(count).astype(np.int32)


@dataclass
class Codes:
    """A codes file's fields: what :meth:`Codec.decode` reads, and what ``info`` shows."""
    codec_id: int
    count: int
    lossless: bool
    coder: str
    latent_stream: bytes
    residual_stream: bytes = b""
    pixels_crc: int = 0
    width: int = 0  # DEFLATE: the integer width code of the latents

    def describe(self) -> str:
        mode = "lossless" if self.lossless else "lossy"
        parts = f"latents {len(self.latent_stream)} bytes"
        if self.lossless:
            parts += f", residuals {len(self.residual_stream)} bytes"
        return f"{self.count} images, {mode}, {self.coder}, codec id {self.codec_id:08x} ({parts})"


def read_codes(blob, *, max_images: int = 1 << 24) -> Codes:
    """The fields of an ``FZAA`` file, checked (magic, version, flags, CRC-32, lengths)."""
    view = memoryview(blob).cast("B")
    CODES_FORMAT.check_magic(view)
    _, version, flags, codec_id, count = CODES_FORMAT.reader(view).unpack(_CODES_HEAD, "the header")
    CODES_FORMAT.check_version(version)
    r = CODES_FORMAT.reader(CODES_FORMAT.unseal(view), _CODES_HEAD.size)
    if flags & ~0b1111 or (flags >> 2) not in _WIDTHS or (flags >> 2 and not flags & _DEFLATE):
        raise FormatError(f"{CODES_FORMAT.name}: unknown flags {flags:#x}")
    r.count(count, max_images, "the image count")
    n, = r.unpack(_U32, "the latent stream length")
    latent = bytes(r.take(n, "the latent stream"))
    codes = Codes(codec_id, count, bool(flags & _LOSSLESS), CODERS[bool(flags & _DEFLATE)], latent,
                  width=flags >> 2)
    if codes.lossless:
        n, = r.unpack(_U32, "the residual stream length")
        codes.residual_stream = bytes(r.take(n, "the residual stream"))
        codes.pixels_crc, = r.unpack(_U32, "the pixels' CRC-32")
    r.expect_end()
    return codes


@dataclass
class Codec:
    """A trained codec: ``config``, ``weights`` (torch's names, numpy arrays), the latent tables
    (one row per latent channel and neighbourhood size, :mod:`.prior`), the lossless tables (one
    per context) and predictor ``mix`` (:mod:`.lossless`), and ``meta`` (the model's name, how
    it was trained, what it measured on held-out images)."""
    config: AEConfig
    weights: dict
    latent_cdf: np.ndarray
    latent_offset: np.ndarray
    residual_cdf: np.ndarray
    residual_offset: np.ndarray
    mix: tuple[int, int] = (0, 0)  # the lossless predictor's (alpha in quarters, beta in halves)
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self._network: Network | None = None
        self._blob: bytes | None = None

    # -- the file ---------------------------------------------------------------------------------
    def _tensors(self) -> bytes:
        """The ``FZSW`` part: networks and tables, everything that decides the bytes and pixels."""
        if self._blob is None:
            state = {name: np.asarray(self.weights[name], np.float32) for name in weight_names(self.config)}
            state.update({"latent.cdf": self.latent_cdf.astype(np.int32), "latent.offset": self.latent_offset,
                          "residual.cdf": self.residual_cdf.astype(np.int32), "residual.offset": self.residual_offset,
                          "residual.mix": np.array(self.mix, np.int32)})
            self._blob = fzsw.dumps(state)
        return self._blob

    def dumps(self) -> bytes:
        meta = json.dumps({"config": self.config.to_dict(), **self.meta}, sort_keys=True).encode()
        body = _CODEC_HEAD.pack(CODEC_FORMAT.magic, CODEC_FORMAT.version, len(meta)) + meta + self._tensors()
        return CODEC_FORMAT.seal(body)

    @property
    def id(self) -> int:
        """The CRC-32 of the networks and tables (not of the notes in ``meta``): what a codes file names."""
        return zlib.crc32(json.dumps(self.config.to_dict(), sort_keys=True).encode() + self._tensors())

    def save(self, path) -> int:
        data = self.dumps()
        Path(path).write_bytes(data)
        return len(data)

    @classmethod
    def loads(cls, blob) -> "Codec":
        view = memoryview(blob).cast("B")
        CODEC_FORMAT.check_magic(view)
        _, version, meta_length = CODEC_FORMAT.reader(view).unpack(_CODEC_HEAD, "the header")
        CODEC_FORMAT.check_version(version)
        r = CODEC_FORMAT.reader(CODEC_FORMAT.unseal(view), _CODEC_HEAD.size)
        try:
            meta = json.loads(bytes(r.take(meta_length, "the metadata")).decode("utf-8"))
            config = AEConfig.from_dict(meta.pop("config"))
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, AttributeError, TypeError, ValueError) as exc:
            raise FormatError(f"{CODEC_FORMAT.name}: bad metadata ({exc})") from None
        tensors = bytes(r.take(r.remaining(), "the weights"))
        records = fzsw.loads_stored(tensors, max_elements=_MAX_CODEC_ELEMENTS)
        try:
            arrays = {name: _dense(record) for name, record in records.items()}
            codec = cls(config, {k: arrays[k] for k in weight_names(config)}, arrays["latent.cdf"],
                        arrays["latent.offset"], arrays["residual.cdf"], arrays["residual.offset"],
                        tuple(int(v) for v in arrays["residual.mix"].reshape(-1)), meta)
            codec._check()
        except KeyError as exc:
            raise FormatError(f"{CODEC_FORMAT.name}: missing tensor {exc}") from None
        except FastzipError:
            raise
        except ValueError as exc:
            raise FormatError(f"{CODEC_FORMAT.name}: {exc}") from None
        codec._blob = tensors
        return codec

    @classmethod
    def load(cls, path) -> "Codec":
        """A codec file, or one shipped with fastzip by name (:data:`SHIPPED`: ``"digits"``,
        ``"faces"``) when ``path`` is such a name and no file of that name exists."""
        if isinstance(path, str) and path in SHIPPED and not Path(path).exists():
            path = _SHIPPED_DIR / f"{path}.fzc"
        return cls.loads(Path(path).read_bytes())

    def _check(self) -> None:
        """ValueError unless the tables fit the model and the rANS coder."""
        self.latent_cdf, self.latent_offset = rans.check_tables(self.latent_cdf, self.latent_offset)
        self.residual_cdf, self.residual_offset = rans.check_tables(self.residual_cdf, self.residual_offset)
        if len(self.latent_cdf) != prior.table_count(self.config.latent):
            raise ValueError(f"{len(self.latent_cdf)} latent tables, expected {prior.table_count(self.config.latent)}")
        if len(self.residual_cdf) != self.config.shape[2] * _lossless.CONTEXTS_PER_CHANNEL:
            raise ValueError(f"{len(self.residual_cdf)} residual tables, expected "
                             f"{self.config.shape[2] * _lossless.CONTEXTS_PER_CHANNEL}")
        if len(self.mix) != 2 or not (0 <= self.mix[0] < _lossless.ALPHAS and 0 <= self.mix[1] < _lossless.BETAS):
            raise ValueError(f"bad lossless mix {self.mix}")
        self.network  # builds it: checks every weight's shape

    @property
    def network(self) -> Network:
        if self._network is None:
            self._network = Network(self.config, self.weights)
        return self._network

    # -- coding -----------------------------------------------------------------------------------
    def encode(self, images, *, lossless: bool = False, coder: str = "rans", threads: int | None = None) -> bytes:
        """The ``FZAA`` file of ``images`` ((N, H, W) or (N, H, W, C) uint8 of the codec's shape)."""
        if coder not in CODERS:
            raise ValueError(f"coder must be one of {CODERS}, not {coder!r}")
        images = as_images(images, self.config.shape)
        latents = self.network.latents(images, threads=threads)
        q = latents.reshape(-1)
        flags = (_LOSSLESS if lossless else 0)
        if coder == "rans":
            latent_stream = rans.encode(*prior.contexts(latents), self.latent_cdf, self.latent_offset)
        else:
            width = next(w for w, t in _WIDTHS.items() if q.size == 0 or (np.iinfo(t).min <= q.min() and q.max() <= np.iinfo(t).max))
            latent_stream = deflate.compress(_shuffled(q.astype(_WIDTHS[width])), 9, format="raw")
            flags |= _DEFLATE | width << 2
        parts = [_CODES_HEAD.pack(CODES_FORMAT.magic, CODES_FORMAT.version, flags, self.id, len(images)),
                 _U32.pack(len(latent_stream)), latent_stream]
        if lossless:
            reconstruction = self.network.pixels(latents, threads=threads)
            if coder == "rans":
                values, tables = _lossless.contexts(images, reconstruction, *self.mix)
                stream = rans.encode(values, tables, self.residual_cdf, self.residual_offset)
            else:  # the plain residual under DEFLATE, for comparison
                residual = (images.astype(np.int16) - reconstruction).reshape(-1)
                stream = deflate.compress(_shuffled(residual), 9, format="raw")
            parts += [_U32.pack(len(stream)), stream, _U32.pack(zlib.crc32(images))]
        return CODES_FORMAT.seal(b"".join(parts))

    def decode(self, blob, *, max_samples: int = MAX_SAMPLES, threads: int | None = None) -> np.ndarray:
        """(N, H, W, C) uint8 from an ``FZAA`` file this codec made (C = 1 for grey codecs: use
        ``[..., 0]`` for (N, H, W)). ``max_samples`` bounds N times the larger of an image's
        samples and its latents, checked before anything is allocated. Raises FormatError /
        ChecksumError / OutputLimitError."""
        codes = read_codes(blob)
        if codes.codec_id != self.id:
            raise FormatError(f"{CODES_FORMAT.name}: made by codec {codes.codec_id:08x}, not this one ({self.id:08x})")
        samples = codes.count * max(int(np.prod(self.config.shape)), int(np.prod(self.config.latent_shape)))
        if samples > max_samples:
            raise OutputLimitError(f"{CODES_FORMAT.name}: {codes.count} images of {self.config.shape} are "
                                   f"{samples} samples, more than the limit {max_samples}")
        shape = (codes.count,) + self.config.latent_shape
        if codes.coder == "rans":
            q = prior.decode(codes.latent_stream, shape, self.latent_cdf, self.latent_offset)
        else:
            count = int(np.prod(shape))
            raw = deflate.decompress(codes.latent_stream, format="raw",
                                     max_output_size=count * np.dtype(_WIDTHS[codes.width]).itemsize)
            q = _unshuffled(raw, _WIDTHS[codes.width], count).reshape(shape)
        images = self.network.pixels(q, threads=threads)
        if codes.lossless:
            if codes.coder == "rans":
                images = _lossless.decode(codes.residual_stream, images, *self.mix, self.residual_cdf,
                                          self.residual_offset)
            else:
                raw = deflate.decompress(codes.residual_stream, format="raw", max_output_size=2 * images.size)
                pixels = images.reshape(-1).astype(np.int32) + _unshuffled(raw, np.int16, images.size)
                if pixels.size and (pixels.min() < 0 or pixels.max() > 255):
                    raise FormatError(f"{CODES_FORMAT.name}: residuals leave the 0-255 range (damaged stream)")
                images = pixels.astype(np.uint8).reshape(images.shape)
            if zlib.crc32(images) != codes.pixels_crc:
                raise ChecksumError(f"{CODES_FORMAT.name}: the decoded pixels' CRC-32 differs from the encoder's "
                                    "(the reconstruction differs from the one the residuals were coded against)")
        return images

    def describe(self) -> str:
        cfg = self.config
        params = sum(int(np.prod(s)) for s in weight_names(cfg).values())
        h, w, c = cfg.shape
        name = self.meta.get("model", cfg.kind)
        return (f"autoencoder codec {self.id:08x}: model {name!r} ({cfg.kind}, hidden {list(cfg.hidden)}, "
                f"latent {cfg.latent}), images {h}x{w}x{c}, latent shape {cfg.latent_shape}, {params} weights, "
                f"{len(self.dumps())} bytes")


def _dense(record: fzsw.Stored) -> np.ndarray:
    """A stored tensor as a dense numpy array (codec tensors are small)."""
    if record.kind in ("qint8", "quint8"):
        raise ValueError("quantized tensors are not used by autoencoder codecs")
    return record.dense()
