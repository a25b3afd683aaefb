"""Training an autoencoder codec on a dataset with torch (the only part of the codec that needs it).

The loss is distortion plus lambda times rate, per pixel: MSE on [0, 1] samples plus ``lam``
times the latents' bits per pixel under the training rate model (a Laplace per latent
channel, :mod:`.models`); the variational model adds ``beta * lam`` times its KL divergence
per pixel. Latents carry uniform noise for the first 80 % of the steps, then are rounded with a
straight-through gradient, so that the decoder learns from what will be coded. Adam on a
cosine schedule, mini-batches drawn from the training split only (less a tenth kept for
calibrating the lossless predictor); a held-out split (by a seeded shuffle) is coded with the
finished codec and reported.

Once trained, the weights are rounded to float16 values (stored exactly in half the bytes;
the encoder and decoder both run from the rounded weights), and the coding tables are counted
on the training split through the torch-free network, the one the codec uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from ..registry import ae_config
from ..runtime import Schedule, keep_freed_memory, use_all_cores
from . import lossless, prior
from .codec import Codec, as_images
from .models import AutoEncoder

__all__ = ["train", "Trained", "split", "psnr", "finish", "measure"]

_MIX_SAMPLE = 2000  # images the lossless predictor's mix is chosen on, at most
_CALIBRATION = 0.1  # share of the training split kept from the networks (for that choice)


@dataclass
class Trained:
    codec: Codec
    train_index: np.ndarray  # which of the given images trained it
    heldout_index: np.ndarray  # which were held out (measured in ``codec.meta["heldout"]``)
    steps: int = 0
    seconds: float = 0.0
    history: list = field(default_factory=list)  # (step, seconds, psnr, bits per pixel) of training batches


def split(count: int, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) indices: a seeded shuffle, ``holdout`` of it held out (at least one
    image when holdout > 0 and there are two or more)."""
    if not 0 <= holdout < 1:
        raise ValueError("holdout must be in [0, 1)")
    order = np.random.default_rng(seed).permutation(count)
    held = 0 if holdout == 0 or count < 2 else max(1, int(round(count * holdout)))
    return np.sort(order[held:]), np.sort(order[:held])


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 arrays, pooled over every sample."""
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return float("inf") if mse == 0 else 10 * math.log10(255**2 / mse)


def train(images, model: str = "conv", *, lam: float = 0.002, steps: int | None = None, minutes: float | None = None,
          holdout: float = 0.1, batch: int = 64, lr: float = 3e-3, beta: float = 0.1, seed: int = 0,
          latent: int | None = None, hidden=None, progress: bool = True, evaluate_every: int = 100) -> Trained:
    """A codec for images like ``images`` ((N, H, W) or (N, H, W, C) uint8, all one shape),
    trained on all but the held-out share for ``steps`` or ``minutes``."""
    if (steps is None) == (minutes is None):
        raise ValueError("give exactly one of steps and minutes")  # before any work
    if lam < 0 or beta < 0:
        raise ValueError("lam and beta must be non-negative")
    images = as_images(images)
    config = ae_config(model, images.shape[1:], latent=latent, hidden=hidden)
    train_index, heldout_index = split(len(images), holdout, seed)
    if len(train_index) == 0:
        raise ValueError("no images left to train on")
    # A share of the training split the networks never see: the lossless predictor is chosen on
    # it, since the networks reconstruct their own training images better than new ones.
    fit_part, calibration = split(len(train_index), _CALIBRATION if len(train_index) >= 10 else 0, seed + 1)
    fit_index, calibration_index = train_index[fit_part], train_index[calibration]
    keep_freed_memory()
    use_all_cores()
    net = AutoEncoder(config, seed=seed)
    data = torch.from_numpy(images[fit_index].astype(np.float32) / 255)
    pixels = config.shape[0] * config.shape[1]
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    record = Trained(None, train_index, heldout_index)
    schedule = Schedule(optimizer, lr, steps=steps, minutes=minutes, desc=f"ae {model}", progress=progress,
                        evaluate_every=evaluate_every)
    for done in schedule:
        x = data[torch.randint(len(data), (min(batch, len(data)),), generator=generator)]
        reconstruction, bits, kl = net(x, "noise" if done < 0.8 else "round")
        mse = F.mse_loss(reconstruction, x)
        bpp = bits.mean() / pixels
        loss = mse + lam * bpp + (beta * lam * kl.mean() / pixels if kl is not None else 0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.record(mse.detach(), bpp.detach())
    record.steps, record.seconds, record.history = schedule.step, schedule.seconds, schedule.history
    meta = {"model": model, "lambda": lam, "steps": record.steps, "seconds": round(record.seconds, 1), "seed": seed,
            "train_images": int(len(train_index))}
    record.codec = finish(net, images[train_index], meta, calibration=images[calibration_index])
    if len(heldout_index):
        record.codec.meta["heldout"] = measure(record.codec, images[heldout_index])
    return record


def finish(net: AutoEncoder, training_images: np.ndarray, meta: dict, *, calibration=None) -> Codec:
    """The codec of a trained ``net``: weights rounded to float16 values, tables counted on the
    training images through the torch-free network, the lossless predictor's mix chosen on
    ``calibration`` (images the networks did not train on; the training images if None)."""
    weights = {k: v.numpy().astype(np.float16).astype(np.float32) if k != "step" else v.numpy()
               for k, v in net.stored_state().items()}
    config = net.config
    from .network import Network

    network = Network(config, weights)
    latents = network.latents(training_images)
    latent_cdf, latent_offset = prior.tables(*prior.contexts(latents), prior.table_count(config.latent))
    reconstruction = network.pixels(latents)
    if calibration is None or not len(calibration):
        calibration = training_images
    calibration = calibration[np.random.default_rng(0).permutation(len(calibration))[:_MIX_SAMPLE]]
    mix = lossless.choose_mix(calibration, network.pixels(network.latents(calibration)))
    residual_cdf, residual_offset = lossless.tables(*lossless.contexts(training_images, reconstruction, *mix),
                                                    config.shape[2])
    return Codec(config, weights, latent_cdf, latent_offset, residual_cdf, residual_offset, mix, dict(meta))


def measure(codec: Codec, images: np.ndarray) -> dict:
    """Bytes and quality of ``images`` coded by ``codec`` (batch files, rANS): per image,
    bits per pixel, PSNR of the lossy reconstruction, and the lossless mode's bits per pixel."""
    lossy = codec.encode(images)
    lossless = codec.encode(images, lossless=True)
    decoded = codec.decode(lossy)
    pixels = images.shape[0] * images.shape[1] * images.shape[2]
    return {"images": int(len(images)), "bytes_per_image": round(len(lossy) / len(images), 2),
            "bpp": round(8 * len(lossy) / pixels, 4), "psnr": round(psnr(decoded, as_images(images)), 3),
            "lossless_bpp": round(8 * len(lossless) / pixels, 4)}
