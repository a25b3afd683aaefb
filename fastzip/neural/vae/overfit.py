"""From an image set to an archive: train, prune, fine-tune, quantize (``fastzip archive create``).

The phases and how a time budget is split between them:

1. train the VAE (encoder + decoder) — half the budget (55 % without INT8);
2. keep the encoder's mean latent per image, then prune the decoder in four rounds of L1
   pruning, fine-tuning decoder and latents after each round — 30 % (45 % without INT8). Each
   round removes the same *fraction of the surviving* weights (kept 100 % -> 22 % -> 5 % at
   95 % sparsity, not 37 % -> 5 % in one step: a linear schedule lost 8 dB in its last round);
3. INT8: quantization-aware fine-tuning with the pruning masks kept, then conversion — 20 %.
   FP16 simply halves the stored weights.

Without pruning the four rounds still fine-tune decoder and latents. With ``steps`` instead of
``minutes`` (what tests use) the VAE trains ``steps`` steps, the rounds share ``steps // 2`` and
quantization-aware training gets ``steps // 4``.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from ...metrics import psnr
from .. import archive as fzva
from .. import weights
from ..images import PREPROCESS, to_tensor
from .models import build, count_parameters, decoder_parameters
from .prune import make_permanent, prune_to, sparsity
from .quantize import convert_int8, fp16_state, int8_state, prepare_int8_training
from .train import fine_tune, latent_means, train_vae

__all__ = ["create"]

_ROUNDS = 4


def _shares(quant: str) -> tuple[float, float, float]:
    return (0.5, 0.3, 0.2) if quant == "int8" else (0.55, 0.45, 0.0)


def create(names, sizes, images: np.ndarray, *, model: str = "yosemite", prune: float = 0.5, scope: str = "global",
           quant: str = "int8", minutes: float | None = None, steps: int | None = None, target_psnr: float | None = None,
           seed: int = 0, batch_size: int = 4, progress: bool = True, **model_overrides) -> fzva.Archive:
    """An archive of ``images`` (N x S x S x 3 uint8, already fitted to the model size).

    Give ``minutes`` (the whole training budget) or ``steps``; ``target_psnr`` ends the VAE
    phase early. ``prune`` is the fraction of decoder weights set to zero (0 keeps all).
    """
    if quant not in fzva.QUANTS:
        raise ValueError(f"quant must be one of {fzva.QUANTS}, not {quant!r}")
    if (minutes is None) == (steps is None):
        raise ValueError("give exactly one of minutes and steps")
    if not 0.0 <= prune < 1.0:
        raise ValueError("prune must be in [0, 1)")
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[3] != 3 or images.shape[1] != images.shape[2] or images.dtype != np.uint8:
        raise ValueError(f"images must be N x S x S x 3 uint8, not {images.dtype} {images.shape}")
    size = images.shape[1]
    net = build(model, seed=seed, image_size=size, **model_overrides)
    x = to_tensor(images)
    share = _shares(quant)

    def phase(i: int, parts: int = 1) -> dict:  # budget of phase i, split into ``parts`` runs
        if minutes is not None:
            return {"minutes": minutes * share[i] / parts}
        return {"steps": max(1, (steps, steps // 2, steps // 4)[i] // parts)}

    common = dict(batch_size=batch_size, seed=seed, progress=progress)
    start = time.perf_counter()

    vae = train_vae(net, x, target_psnr=target_psnr, **phase(0), **common)
    decoder = net.decoder
    latents = latent_means(net, x)
    for r in range(1, _ROUNDS + 1):
        if prune > 0:
            prune_to(decoder, 1.0 - (1.0 - prune) ** (r / _ROUNDS), scope=scope)
        latents, _ = fine_tune(decoder, latents, x, **phase(1, _ROUNDS), **common)
    if quant == "int8":
        qat = prepare_int8_training(decoder)
        latents, _ = fine_tune(qat, latents, x, **phase(2), **common)
        state = int8_state(convert_int8(qat))
    else:
        make_permanent(decoder)
        state = fp16_state(decoder) if quant == "fp16" else {k: v.detach().clone() for k, v in decoder.state_dict().items()}
    seconds = time.perf_counter() - start
    reached = sparsity(decoder) if quant != "int8" else _int8_sparsity(state)
    info = {"preprocess": PREPROCESS, "size": size, "seed": seed, "prune": prune, "scope": scope,
            "sparsity": round(reached, 6), "train_seconds": round(seconds, 1), "vae_steps": vae.steps,
            "vae_psnr": round(vae.psnr, 3), "parameters": count_parameters(net),
            "decoder_parameters": decoder_parameters(net.config)}
    stored = {name: weights.to_stored(tensor) for name, tensor in state.items()}
    result = fzva.Archive(net.config, quant, list(names), [tuple(s) for s in sizes],
                          latents.detach().float().numpy(), stored, info)
    result.info["psnr"] = round(float(psnr(images, fzva.reconstruct(result))), 3)
    return result


def _int8_sparsity(state: dict) -> float:
    zeros = total = 0
    for name, t in state.items():
        if name.endswith(".weight"):
            ints = t.int_repr() if t.is_quantized else t
            zeros += int((ints == 0).sum())
            total += t.numel()
    return zeros / total if total else 0.0
