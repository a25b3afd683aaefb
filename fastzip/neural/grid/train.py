"""Overfitting the latent-grid codec to one image with torch (encoding only).

The loss is distortion plus lambda times rate: MSE on [0, 1] pixels, and the bits the ARM's
discretized Laplace gives the (noisy, then rounded) latents, per pixel. For most of the budget
latents carry uniform noise (a differentiable stand-in for rounding); for the last part they
are rounded with a straight-through gradient, so the networks see exactly what will be coded.
Adam at 5e-2 (2e-2 and 8e-2 ended 1-4 dB lower after 800 steps on a 256x256 crop), the
learning rate on a cosine schedule. Per-pixel layers are ``Linear`` on (pixels,
channels) and the ARM's context is made of shifted slices: on this CPU that ran several times
faster than 1x1 convolutions and ``unfold``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..runtime import Schedule, keep_freed_memory, use_all_cores
from .laplace import B0, SCALES
from .layout import ARM_HIDDEN, CONTEXT, LEVELS, SYNTHESIS, level_shapes

__all__ = ["GridModel", "Fit", "fit", "fit_set"]

_LOG_B_MIN = math.log(B0)
_LOG_B_MAX = math.log(B0) + (SCALES - 1) / 4 * math.log(2)
_MIN_PROBABILITY = 2.0 ** -16


def _mlp(widths, final_bias: float = 0.0) -> nn.Sequential:
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    nn.init.constant_(layers[-1].bias, final_bias)
    return nn.Sequential(*layers)


class GridModel(nn.Module):
    """Latent grids (finest first), the synthesis and the ARM of one H x W image; ``shared``,
    another GridModel, lends its ARM, and its synthesis too unless ``own_synthesis``."""

    def __init__(self, height: int, width: int, seed: int = 0, shared: GridModel | None = None,
                 own_synthesis: bool = False):
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.height, self.width = height, width
            self.noise = torch.Generator().manual_seed(seed)  # training noise: the same encode twice
            self.latents = nn.ParameterList(nn.Parameter(torch.zeros(h, w)) for h, w in level_shapes(height, width))
            self.synthesis = shared.synthesis if shared is not None and not own_synthesis else \
                _mlp((LEVELS,) + SYNTHESIS + (3,), final_bias=0.5)
            self.arm = shared.arm if shared is not None else _mlp((len(CONTEXT),) + ARM_HIDDEN + (2,))

    def quantized(self, mode: str) -> list[torch.Tensor]:
        """The latents as coded: "noise" (uniform, for training), "round" (straight through)."""
        if mode == "noise":
            return [y + torch.empty_like(y).uniform_(-0.5, 0.5, generator=self.noise) for y in self.latents]
        return [y + (torch.round(y) - y).detach() for y in self.latents]

    def bits(self, latents: list[torch.Tensor]) -> torch.Tensor:
        """The ARM's information content of the latents, in bits."""
        total = latents[0].new_zeros(())
        for y in latents:
            padded = F.pad(y, (2, 2, 2, 0))  # two columns each side, two rows above
            h, w = y.shape
            context = torch.stack([padded[2 + dy:2 + dy + h, 2 + dx:2 + dx + w] for dy, dx in CONTEXT], dim=-1)
            mean, log_scale = self.arm(context.reshape(-1, len(CONTEXT))).unbind(-1)
            scale = torch.exp(log_scale.clamp(_LOG_B_MIN, _LOG_B_MAX))
            v = y.reshape(-1) - mean
            probability = _laplace_cdf(v + 0.5, scale) - _laplace_cdf(v - 0.5, scale)
            total = total - torch.log2(probability.clamp_min(_MIN_PROBABILITY)).sum()
        return total

    def image(self, latents: list[torch.Tensor]) -> torch.Tensor:
        """(H * W, 3) float pixels in about [0, 1]."""
        features = [F.interpolate(y[None, None], size=(self.height, self.width), mode="bilinear",
                                  align_corners=False).reshape(-1) for y in latents]
        return self.synthesis(torch.stack(features, dim=1))


def _laplace_cdf(x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    tail = 0.5 * torch.exp(-x.abs() / scale)
    return torch.where(x < 0, tail, 1 - tail)


@dataclass
class Fit:
    steps: int = 0
    seconds: float = 0.0
    history: list = field(default_factory=list)  # (step, seconds, psnr, bpp) every evaluation


def fit(model: GridModel, image: np.ndarray, lam: float, *, steps: int | None = None, minutes: float | None = None,
        **options) -> Fit:
    """Overfit ``model`` to ``image`` (H x W x 3 uint8) minimising MSE + ``lam`` * bits per pixel,
    for ``steps`` or ``minutes`` (the schedule follows whichever is given); ``options`` as
    :func:`fit_set` takes them."""
    return fit_set([model], [image], lam, steps=steps, minutes=minutes, **options)


def fit_set(models: list[GridModel], images: list[np.ndarray], lam: float, *, steps: int | None = None,
            minutes: float | None = None, lr: float = 5e-2, noise_share: float = 0.8, progress: bool = True,
            evaluate_every: int = 100) -> Fit:
    """Overfit ``models`` to ``images`` together, one image per step in turn (a step costs about
    its image's pixels, so turns give each image a share of time in proportion to its pixels, as
    separate encodes would). Models that share networks train them on every image; each image's
    latents move only on its own turns (Adam leaves parameters without gradients alone). ``steps``
    counts every image's turns together. History records the last turn's image."""
    if (steps is None) == (minutes is None):
        raise ValueError("give exactly one of steps and minutes")
    keep_freed_memory()
    use_all_cores()
    targets = [torch.from_numpy(np.array(im, np.float32)).reshape(-1, 3) / 255 for im in images]  # copies: Pillow arrays are read-only
    unique = {id(p): p for model in models for p in model.parameters()}
    optimizer = torch.optim.Adam(list(unique.values()), lr=lr)
    record = Fit()
    schedule = Schedule(optimizer, lr, steps=steps, minutes=minutes, desc="grid codec", progress=progress,
                        evaluate_every=evaluate_every)
    for done in schedule:
        step = schedule.step
        model, target = models[step % len(models)], targets[step % len(models)]
        pixels = target.shape[0]
        latents = model.quantized("noise" if done < noise_share else "round")
        bits = model.bits(latents)
        mse = F.mse_loss(model.image(latents), target)
        loss = mse + lam * bits / pixels
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.record(mse.detach(), bits.detach() / pixels)
    record.steps, record.seconds, record.history = schedule.step, schedule.seconds, schedule.history
    return record
