"""Overfitting on purpose: train a VAE until it memorizes a small image set.

:func:`train_vae` trains encoder and decoder on MSE + beta * KL (Adam, seeded, both cores, the
allocator set to keep freed activations). :func:`fine_tune` then trains only what an archive
keeps, the decoder and one latent per image (the encoder's means, from then on free
parameters), on MSE alone; it is how quality comes back after pruning.

Both stop at whichever comes first of ``steps``, ``minutes`` and ``target_psnr`` (measured on
the whole set, decoded from the means, every ``eval_every`` steps), show a progress bar with the
loss and PSNR, and can checkpoint and resume.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from .models import VAE
from ..runtime import keep_freed_memory, use_all_cores

__all__ = ["TrainResult", "train_vae", "fine_tune", "reconstruct", "psnr_of_mse", "latent_means"]


@dataclass
class TrainResult:
    steps: int
    seconds: float
    mse: float  # on the whole set, decoded from the means
    psnr: float
    history: list = field(default_factory=list)  # (step, seconds, mse) at every evaluation


def psnr_of_mse(mse: float) -> float:
    """PSNR in dB of a mean squared error on [0, 1] images."""
    return math.inf if mse <= 0 else 10 * math.log10(1.0 / mse)


def reconstruct(decoder: nn.Module, latents: torch.Tensor, *, batch_size: int = 4) -> torch.Tensor:
    """Decode ``latents`` in batches, in eval mode, as float32 in [0, 1]."""
    with _evaluating(decoder):
        return torch.cat([decoder(latents[i : i + batch_size]).float() for i in range(0, len(latents), batch_size)])


@contextmanager
def _evaluating(module: nn.Module):
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        module.train(was_training)


def latent_means(model: VAE, images: torch.Tensor, *, batch_size: int = 4) -> torch.Tensor:
    """The encoder's mu for every image: what an archive stores."""
    with _evaluating(model):
        return torch.cat([model.encoder(images[i : i + batch_size])[0] for i in range(0, len(images), batch_size)])


def _set_mse(decoder, latents, images, batch_size) -> float:
    total = 0.0
    with _evaluating(decoder):
        for i in range(0, len(images), batch_size):
            total += float(((decoder(latents[i : i + batch_size]) - images[i : i + batch_size]) ** 2).sum())
    return total / images.numel()


def _check_stops(steps, minutes, target_psnr):
    if steps is None and minutes is None and target_psnr is None:
        raise ValueError("give at least one of steps, minutes, target_psnr")
    if steps is not None and steps < 0 or minutes is not None and minutes < 0:
        raise ValueError("steps and minutes must be non-negative")


def _loop(params, batch_loss, evaluate, n_images, *, steps, minutes, target_psnr, batch_size, lr,
          seed, eval_every, progress, checkpoint, state_for_checkpoint, load_checkpoint, desc):
    """The shared training loop: batches, stop rules, evaluation, progress, checkpoints."""
    _check_stops(steps, minutes, target_psnr)
    keep_freed_memory()
    use_all_cores()
    optimizer = torch.optim.Adam(params, lr=lr)
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    step, elapsed, history = 0, 0.0, []
    order = torch.empty(0, dtype=torch.long)  # what is left of this epoch's permutation
    if checkpoint is not None and Path(checkpoint).exists():
        saved = torch.load(checkpoint, weights_only=False)
        load_checkpoint(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        generator.set_state(saved["generator"])
        torch.set_rng_state(saved["rng"])
        step, elapsed, history, order = saved["step"], saved["seconds"], saved["history"], saved["order"]

    def save():
        if checkpoint is not None:
            tmp = Path(str(checkpoint) + ".tmp")
            torch.save({"model": state_for_checkpoint(), "optimizer": optimizer.state_dict(), "generator": generator.get_state(),
                        "rng": torch.get_rng_state(), "order": order, "step": step, "seconds": elapsed, "history": history}, tmp)
            tmp.replace(checkpoint)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, initial=step, desc=desc, unit="step", dynamic_ncols=True)
    mse = history[-1][2] if history else evaluate()
    start = time.perf_counter() - elapsed
    try:
        while True:
            elapsed = time.perf_counter() - start
            if (steps is not None and step >= steps) or (minutes is not None and elapsed >= 60 * minutes) \
                    or (target_psnr is not None and psnr_of_mse(mse) >= target_psnr):
                break
            if len(order) < batch_size:  # a fresh permutation each epoch: every image as often
                order = torch.cat([order, torch.randperm(n_images, generator=generator)])
            batch, order = order[:batch_size], order[batch_size:]
            loss = batch_loss(batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            if step % eval_every == 0:
                mse = evaluate()
                history.append((step, time.perf_counter() - start, mse))
                if checkpoint is not None and step % (eval_every * 10) == 0:
                    elapsed = time.perf_counter() - start
                    save()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.5f}", psnr=f"{psnr_of_mse(mse):.2f}dB", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    mse = evaluate()
    elapsed = time.perf_counter() - start
    history.append((step, elapsed, mse))
    save()
    return TrainResult(step, elapsed, mse, psnr_of_mse(mse), history)


def train_vae(model: VAE, images: torch.Tensor, *, steps: int | None = None, minutes: float | None = None,
              target_psnr: float | None = None, batch_size: int = 4, lr: float = 2e-3, beta: float = 0.01,
              seed: int = 0, eval_every: int = 50, progress: bool = True, checkpoint=None) -> TrainResult:
    """Train ``model`` on ``images`` (N x 3 x S x S float in [0, 1]) in place.

    The loss is the per-value MSE plus ``beta`` times the KL divergence per value (the KL of one
    image divided by 3 * S * S), so ``beta`` does not depend on the image size.
    """
    per_image = images[0].numel()

    def batch_loss(batch):
        x = images[batch]
        recon, mu, logvar = model(x)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1).mean()
        return nn.functional.mse_loss(recon, x) + beta * kl / per_image

    def evaluate():
        return _set_mse(model.decoder, latent_means(model, images, batch_size=batch_size), images, batch_size)

    model.train()
    return _loop(list(model.parameters()), batch_loss, evaluate, len(images), steps=steps, minutes=minutes,
                 target_psnr=target_psnr, batch_size=batch_size, lr=lr, seed=seed, eval_every=eval_every,
                 progress=progress, checkpoint=checkpoint, state_for_checkpoint=model.state_dict,
                 load_checkpoint=model.load_state_dict, desc="train")


def fine_tune(decoder: nn.Module, latents: torch.Tensor, images: torch.Tensor, *, steps: int | None = None,
              minutes: float | None = None, target_psnr: float | None = None, batch_size: int = 4,
              lr: float = 5e-4, seed: int = 0, eval_every: int = 50, progress: bool = True,
              checkpoint=None) -> tuple[torch.Tensor, TrainResult]:
    """Train ``decoder`` and the per-image ``latents`` on MSE; returns (new latents, result).

    Pruning masks registered with ``torch.nn.utils.prune`` stay in force: pruned weights stay zero.
    """
    table = nn.Parameter(latents.detach().clone())

    def batch_loss(batch):
        return nn.functional.mse_loss(decoder(table[batch]), images[batch])

    def evaluate():
        return _set_mse(decoder, table.detach(), images, batch_size)

    def state():
        return {"decoder": decoder.state_dict(), "latents": table.detach().clone()}

    def load(saved):
        decoder.load_state_dict(saved["decoder"])
        table.data.copy_(saved["latents"])

    decoder.train()
    result = _loop(list(decoder.parameters()) + [table], batch_loss, evaluate, len(images), steps=steps,
                   minutes=minutes, target_psnr=target_psnr, batch_size=batch_size, lr=lr, seed=seed,
                   eval_every=eval_every, progress=progress, checkpoint=checkpoint, state_for_checkpoint=state,
                   load_checkpoint=load, desc="fine-tune")
    return table.detach().clone(), result
