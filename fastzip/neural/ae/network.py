"""An autoencoder codec's networks run without torch: the encoder to quantized latents, the
decoder back to pixels, from the weights a codec file holds (torch's names and layouts).

``impl="numba"`` runs :mod:`.layers`' kernels (the same bits on every run and thread count;
what the codec uses), ``impl="reference"`` their numpy twins (equal within rounding). Images go
through in chunks, so memory stays a few megabytes whatever the batch.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..._jit import check_impl, thread_scope
from ..registry import AEConfig

__all__ = ["Network", "weight_names", "GDN_WIDTHS", "CHUNK"]

CHUNK = 256  # images per pass through the layers


def weight_names(config: AEConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor a codec of ``config`` stores, with its shape (torch's layout), the encoder's
    log-variance head of a variational model excepted (coding uses the mean)."""
    h, w, c = config.shape
    shapes: dict[str, tuple[int, ...]] = {"step": (config.latent,)}
    if config.kind == "dense":
        (hidden,) = config.hidden
        layers = {"encoder.0": (hidden, h * w * c), "encoder.1": (config.latent, hidden),
                  "decoder.0": (hidden, config.latent), "decoder.1": (h * w * c, hidden)}
    else:
        c1, c2 = config.hidden
        layers = {"encoder.0": (c1, c, 3, 3), "encoder.1": (c2, c1, 3, 3), "encoder.2": (config.latent, c2, 3, 3),
                  "decoder.0": (c2, config.latent, 3, 3), "decoder.1": (4 * c1, c2, 3, 3),
                  "decoder.2": (c1, c1, 3, 3), "decoder.3": (4 * c, c1, 3, 3)}
        for k, width in enumerate(GDN_WIDTHS(c1, c2)):
            shapes[f"gdn.{k}.beta"] = (width,)
            shapes[f"gdn.{k}.gamma"] = (width, width)
    for name, shape in layers.items():
        shapes[name + ".weight"] = shape
        shapes[name + ".bias"] = (shape[0],)
    return shapes


def GDN_WIDTHS(c1: int, c2: int) -> tuple[int, ...]:
    """The normalizations of a convolutional model, in order: GDN after the encoder's first two
    convolutions, inverse GDN after the decoder's first three (its second after the shuffle)."""
    return (c1, c2, c2, c1, c1)


class Network:
    """The encoder and decoder of ``config`` with ``weights`` (name -> numpy array, as
    :func:`weight_names` lists them; ValueError if any is missing or misshapen)."""

    def __init__(self, config: AEConfig, weights: dict, *, impl: str = "numba"):
        check_impl(impl, ("numba", "reference"))
        self.config, self.impl = config, impl
        expected = weight_names(config)
        for name, shape in expected.items():
            if name not in weights or tuple(np.shape(weights[name])) != shape:
                got = None if name not in weights else tuple(np.shape(weights[name]))
                raise ValueError(f"autoencoder weight {name!r}: expected shape {shape}, got {got}")
        f32 = {name: np.ascontiguousarray(weights[name], np.float32) for name in expected}
        self.step = f32["step"]  # stored, not exp() of the trained log: the same bits on every machine
        self._layers = {}
        for name in expected:
            if name.endswith(".weight"):
                w = f32[name]
                # Linear (out, in) -> (in, out); Conv2d (out, in, 3, 3) -> (3, 3, in, out)
                layout = w.T if w.ndim == 2 else w.transpose(2, 3, 1, 0)
                self._layers[name[:-7]] = (np.ascontiguousarray(layout), f32[name[:-7] + ".bias"])
        self._gdn = [(f32[f"gdn.{k}.beta"], f32[f"gdn.{k}.gamma"]) for k in range(5)] if config.kind != "dense" else []
        from . import layers  # imports Numba

        if impl == "numba":
            self._dense, self._conv, self._norm = layers.dense, layers.conv3x3, layers.gdn
        else:
            self._dense, self._conv, self._norm = layers.dense_reference, layers.conv3x3_reference, layers.gdn_reference

    def _threads(self, threads):
        return thread_scope(threads) if self.impl == "numba" else contextlib.nullcontext()

    # -- the two halves, on float32 batches -------------------------------------------------------
    def _analyse(self, x: np.ndarray) -> np.ndarray:
        """(n, H, W, C) float32 in [0, 1] -> latents in steps, before rounding."""
        cfg, L = self.config, self._layers
        if cfg.kind == "dense":
            h = self._dense(x.reshape(len(x), -1), *L["encoder.0"], True)
            y = self._dense(h, *L["encoder.1"], False)
        else:
            ph, pw = cfg.padded
            x = np.pad(x, ((0, 0), (0, ph - x.shape[1]), (0, pw - x.shape[2]), (0, 0)), mode="edge")
            G = self._gdn
            h = self._norm(self._conv(x, *L["encoder.0"], 2, False), *G[0], False)
            h = self._norm(self._conv(h, *L["encoder.1"], 2, False), *G[1], False)
            y = self._conv(h, *L["encoder.2"], 1, False)
        return y / self.step

    def _synthesise(self, q: np.ndarray) -> np.ndarray:
        """Integer latents -> (n, H, W, C) float32 pixels in [0, 1] units (not clipped)."""
        from .layers import depth_to_space

        cfg, L = self.config, self._layers
        y = q.astype(np.float32) * self.step
        height, width, channels = cfg.shape
        if cfg.kind == "dense":
            h = self._dense(y, *L["decoder.0"], True)
            return self._dense(h, *L["decoder.1"], False).reshape(len(q), height, width, channels)
        G = self._gdn
        h = self._norm(self._conv(y, *L["decoder.0"], 1, False), *G[2], True)
        h = self._norm(depth_to_space(self._conv(h, *L["decoder.1"], 1, False)), *G[3], True)
        h = self._norm(self._conv(h, *L["decoder.2"], 1, False), *G[4], True)
        x = depth_to_space(self._conv(h, *L["decoder.3"], 1, False))
        return x[:, :height, :width]

    # -- public: uint8 images in, integer latents out, and back -----------------------------------
    def latents(self, images: np.ndarray, *, threads: int | None = None) -> np.ndarray:
        """(N, H, W, C) uint8 -> (N, *latent_shape) int32: the encoder's output rounded to steps."""
        out = np.empty((len(images),) + self.config.latent_shape, np.int32)
        with self._threads(threads):
            for start in range(0, len(images), CHUNK):
                x = images[start:start + CHUNK].astype(np.float32) / np.float32(255)
                y = self._analyse(x)
                out[start:start + CHUNK] = np.clip(np.rint(y), -(1 << 30), 1 << 30)
        return out

    def pixels(self, latents: np.ndarray, *, threads: int | None = None) -> np.ndarray:
        """(N, *latent_shape) integers -> (N, H, W, C) uint8, the decoder's output rounded."""
        out = np.empty((len(latents),) + self.config.shape, np.uint8)
        with self._threads(threads):
            for start in range(0, len(latents), CHUNK):
                x = self._synthesise(latents[start:start + CHUNK])
                x = np.nan_to_num(np.rint(x * np.float32(255)), nan=0.0)
                out[start:start + CHUNK] = np.clip(x, 0, 255)
        return out
