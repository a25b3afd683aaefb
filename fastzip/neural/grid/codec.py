"""The latent-grid codec: :func:`encode` an image (torch, minutes of overfitting) into an
``FZGC`` stream, :func:`decode` it back without torch.

Encoding: overfit (:mod:`.train`), round the latents, round the ARM's weights to its fixed
point, and give each synthesis tensor the power-of-two step that minimises distortion plus
lambda times its bits; then code everything with rANS, the latents under the tables the
integer ARM selects. The reconstruction reported is the decoder's own output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import rans
from . import arm, decoder, laplace, stream
from .layout import arm_shapes

__all__ = ["SHARES", "Encoded", "SetEncoded", "encode", "encode_set", "encode_at_bpp", "encode_set_at_bpp", "decode",
           "latent_stream", "synthesis_steps"]

_STEP_EXPONENTS = range(4, 16)


@dataclass
class Encoded:
    data: bytes
    reconstruction: np.ndarray  # what decode(data) returns
    info: dict


def latent_stream(grids: list[np.ndarray], arm_ints: list[np.ndarray]) -> bytes:
    """The rANS stream of integer latent grids (finest first), coarsest level first, each latent
    under the table the integer ARM picks from its decoded neighbours."""
    values, tables = [], []
    for grid in reversed(grids):
        grid = np.ascontiguousarray(grid, dtype=np.int64)
        which = np.empty(grid.size, np.int32)
        bases = np.empty(grid.size, np.int64)
        arm.level_tables(grid, arm.CONTEXT_OFFSETS, *arm_ints, which, bases)
        values.append(grid.reshape(-1) - bases)
        tables.append(which)
    cdf, offset = laplace.tables()
    return rans.encode(np.concatenate(values), np.concatenate(tables), cdf, offset)


def _bits_estimate(ints: np.ndarray) -> float:
    """Bits of integers under a zero-mean Laplace fitted to them (what the stream will spend)."""
    b = max(float(np.abs(ints).mean()), 0.05)
    return ints.size * (np.log2(2 * np.e * b) if b > 0.5 else 1.0 + np.log2(1 + b))


def synthesis_steps(models, latents, targets, lam: float) -> dict:
    """For each synthesis tensor (the one synthesis ``models`` share), the step 2**-e (e in
    4..15) minimising MSE + lam * bits per pixel over every image (``latents`` and ``targets``
    one per model), tensor by tensor (the others as already chosen, or still float)."""
    import torch

    pixels = sum(t.shape[0] for t in targets)
    steps = {}
    with torch.no_grad():
        for name, tensor in models[0].synthesis.named_parameters():
            original = tensor.detach().clone()
            best = None
            for e in _STEP_EXPONENTS:
                ints = torch.round(original * 2.0 ** e)
                tensor.copy_(ints * 2.0 ** -e)
                squared = sum(float(torch.sum((m.image(y) - t) ** 2)) / 3 for m, y, t in zip(models, latents, targets))
                cost = (squared + lam * _bits_estimate(ints.numpy())) / pixels
                if best is None or cost < best[0]:
                    best = (cost, e)
            steps[f"synthesis.{_layer_name(name)}"] = best[1]
            tensor.copy_(torch.round(original * 2.0 ** best[1]) * 2.0 ** -best[1])
    return steps


def _layer_name(torch_name: str) -> str:
    """"2.weight" in the Sequential -> "1.weight" among its Linear layers."""
    index, kind = torch_name.split(".")
    return f"{int(index) // 2}.{kind}"


def encode(image, lam: float = 0.002, *, steps: int | None = None, minutes: float | None = None, seed: int = 0,
           progress: bool = True, **training) -> Encoded:
    """Overfit the codec to ``image`` (H x W x 3 uint8) and code it. ``lam`` trades bits for
    distortion (larger: fewer bits); give ``steps`` or ``minutes``; ``training`` goes to
    :func:`.train.fit` (lr, noise_share, evaluate_every)."""
    from .train import GridModel, fit

    image = _checked_image(image)
    height, width = image.shape[:2]
    model = GridModel(height, width, seed=seed)
    record = fit(model, image, lam, steps=steps, minutes=minutes, progress=progress, **training)
    params, step_of, arm_ints = _coded_networks([model], [image], lam)
    grids = _integer_latents(model)
    coded = stream.Coded(height, width, params, step_of)
    data = stream.dumps(coded, latent_stream(grids, arm_ints))
    reconstruction = decoder.synthesize(height, width, grids, params, step_of)
    info = {"bytes": len(data), "bpp": 8 * len(data) / (height * width), "psnr": _psnr(reconstruction, image),
            "steps": record.steps, "seconds": record.seconds, "lambda": lam, "history": record.history}
    return Encoded(data, reconstruction, info)


def _checked_image(image) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be H x W x 3 uint8, not {image.dtype} {image.shape}")
    height, width = image.shape[:2]
    if not (1 <= height <= 65535 and 1 <= width <= 65535) or height * width > stream.MAX_PIXELS:
        raise ValueError(f"image size {width}x{height} is out of range")
    return image


def _integer_latents(model) -> list[np.ndarray]:
    return [np.rint(y.detach().numpy()).astype(np.int64) for y in model.latents]


def _psnr(reconstruction: np.ndarray, image: np.ndarray) -> float:
    mse = float(np.mean((reconstruction.astype(np.float64) - image) ** 2))
    return float(10 * np.log10(255 ** 2 / max(mse, 1e-12)))


def _coded_networks(models, images, lam: float) -> tuple[dict, dict, list[np.ndarray]]:
    """The trained networks ``models`` share as the stream's integers: (params, synthesis step
    exponents, the ARM's integer weights)."""
    import torch

    targets = [torch.from_numpy(np.array(im, np.float32)).reshape(-1, 3) / 255 for im in images]  # copies: Pillow arrays are read-only
    rounded = [[y.detach() for y in m.quantized("round")] for m in models]
    model = models[0]
    arm_layers = [(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in model.arm if hasattr(m, "weight")]
    arm_ints = arm.quantize_weights(arm_layers)
    step_of = synthesis_steps(models, rounded, targets, lam)
    params = {}
    for name, tensor in model.synthesis.named_parameters():
        key = f"synthesis.{_layer_name(name)}"
        params[key] = np.rint(tensor.detach().double().numpy() * 2.0 ** step_of[key]).astype(np.int64)
    for i in range(len(arm_shapes())):
        params[f"arm.{i}.weight"], params[f"arm.{i}.bias"] = arm_ints[2 * i], arm_ints[2 * i + 1]
    return params, step_of, arm_ints


SHARES = ("arm", "all")


@dataclass
class SetEncoded:
    """A set coded with shared networks: ``share`` "arm" (one ARM; a synthesis per image, in
    ``synthesis``: (params, steps) each) or "all" (one ARM and one synthesis); ``params`` /
    ``steps`` hold the shared networks' integers; then each image's latent stream,
    reconstruction and info, and the set's info."""
    share: str
    params: dict
    steps: dict
    synthesis: list[tuple[dict, dict]] | None
    latent_streams: list[bytes]
    reconstructions: list[np.ndarray]
    infos: list[dict]
    info: dict


def encode_set(images, lam: float = 0.002, *, share: str = "arm", steps: int | None = None,
               minutes: float | None = None, seed: int = 0, progress: bool = True, **training) -> SetEncoded:
    """Overfit shared networks and per-image latents to every image of ``images`` (each H x W x 3
    uint8, any sizes), trained together, and code them. ``share`` "arm": one entropy model for
    the set, a synthesis per image (the ARM generalises across photos, the synthesis does
    not: docs/grid_share.md); "all": the synthesis too. ``steps`` per image, or ``minutes`` for
    the whole set, as :func:`.archive.create` shares them between separate encodes."""
    from .train import GridModel, fit_set

    if share not in SHARES:
        raise ValueError(f"share must be one of {SHARES}, not {share!r}")
    images = [_checked_image(im) for im in images]
    if not images:
        raise ValueError("no images")
    first = GridModel(*images[0].shape[:2], seed=seed)
    models = [first] + [GridModel(*im.shape[:2], seed=seed + k, shared=first, own_synthesis=share == "arm")
                        for k, im in enumerate(images[1:], 1)]
    record = fit_set(models, images, lam, steps=None if steps is None else steps * len(images), minutes=minutes,
                     progress=progress, **training)
    if share == "all":
        params, step_of, arm_ints = _coded_networks(models, images, lam)
        each = [(params, step_of)] * len(images)
        head, synth_stream, arm_stream = stream.networks_parts(params, step_of)
        network_bytes = len(head) + 8 + len(synth_stream) + len(arm_stream)
        per_image = [0] * len(images)
    else:
        each = []
        for model, image in zip(models, images):
            params, step_of, arm_ints = _coded_networks([model], [image], lam)
            each.append((params, step_of))
        params, step_of = {k: v for k, v in params.items() if k.startswith("arm")}, {}
        arm_tables, arm_stream = stream.arm_part(params)
        network_bytes = len(arm_tables) + 4 + len(arm_stream)
        per_image = [sum(map(len, stream.synthesis_part(*pair))) + 4 for pair in each]
    streams, reconstructions, infos = [], [], []
    for model, image, (image_params, image_steps), synth_bytes in zip(models, images, each, per_image):
        grids = _integer_latents(model)
        streams.append(latent_stream(grids, arm_ints))
        reconstructions.append(decoder.synthesize(*image.shape[:2], grids, image_params, image_steps))
        infos.append({"latent_bytes": len(streams[-1]), "synthesis_bytes": synth_bytes,
                      "psnr": _psnr(reconstructions[-1], image)})
    total = network_bytes + sum(8 + len(s) + b for s, b in zip(streams, per_image))  # as stored, less names
    pixels = sum(im.shape[0] * im.shape[1] for im in images)
    info = {"bytes": total, "network_bytes": network_bytes + sum(per_image), "bpp": 8 * total / pixels,
            "share": share, "steps": record.steps, "seconds": record.seconds, "lambda": lam, "history": record.history}
    return SetEncoded(share, params, step_of, None if share == "all" else each, streams, reconstructions, infos, info)


def encode_at_bpp(image, bpp: float, *, steps: int | None = None, minutes: float | None = None, probes: int = 3,
                  probe_share: float = 0.3, progress: bool = True, **training) -> Encoded:
    """:func:`encode` with lambda found for a target rate: ``probes`` short encodes (together
    ``probe_share`` of the budget) walk lambda along a log-log line fitted to them (bits per
    pixel against lambda: nearly straight), then the rest of the budget encodes at the lambda
    the fit gives (see :func:`_next_lambda`). Short runs spend more bits than long ones at
    the same lambda, so the result lands near the target, not on it; ``info["probes"]`` lists
    what each probe gave."""
    return _at_rate(lambda lam, **run: encode(image, lam, **run, **training), bpp, steps, minutes, probes,
                    probe_share, progress)


def encode_set_at_bpp(images, bpp: float, *, steps: int | None = None, minutes: float | None = None,
                      probes: int = 3, probe_share: float = 0.3, progress: bool = True, **training) -> SetEncoded:
    """:func:`encode_set` with lambda searched for the set's rate (networks included), as
    :func:`encode_at_bpp` searches it for one image."""
    return _at_rate(lambda lam, **run: encode_set(images, lam, **run, **training), bpp, steps, minutes, probes,
                    probe_share, progress)


def _at_rate(run, bpp: float, steps, minutes, probes: int, probe_share: float, progress: bool):
    if (steps is None) == (minutes is None):
        raise ValueError("give exactly one of steps and minutes")
    if bpp <= 0:
        raise ValueError("bpp must be positive")
    share = (lambda part: {"steps": max(1, int(steps * part))}) if steps is not None else \
        (lambda part: {"minutes": minutes * part})
    lam, seen = 0.002, []
    for _ in range(probes):
        made = run(lam, progress=False, **share(probe_share / probes))
        seen.append((lam, made.info["bpp"]))
        lam = _next_lambda(seen, bpp)
    final = run(lam, progress=progress, **share(1 - probe_share))
    final.info["probes"] = seen
    return final


def _next_lambda(seen: list[tuple[float, float]], target: float) -> float:
    """Lambda for ``target`` bpp from the (lambda, bpp) probes so far: from the probe nearest the
    target, along the log-log slope fitted to all probes (bpp ~ lambda**slope; the usual -0.5
    when the fit has the wrong sign or too few points: short probes are noisy), moving at most
    4x; kept within 1e-6..1."""
    lams = np.log([lam for lam, _ in seen])
    bpps = np.log([max(b, 1e-6) for _, b in seen])
    slope = -0.5
    if len(set(lams.tolist())) > 1:
        fitted = float(np.polyfit(lams, bpps, 1)[0])
        if fitted < -0.1:
            slope = min(max(fitted, -1.5), -0.2)
    nearest = int(np.argmin(np.abs(bpps - np.log(target))))
    step = float(np.clip((np.log(target) - bpps[nearest]) / slope, -np.log(4), np.log(4)))
    return min(max(float(np.exp(lams[nearest] + step)), 1e-6), 1.0)


def decode(data, *, max_pixels: int = stream.MAX_PIXELS, threads: int | None = None) -> np.ndarray:
    """The H x W x 3 uint8 picture of a stream (torch-free); the pixels on ``threads`` threads
    (``fastzip.get_threads()`` when None), the same for any number."""
    return decoder.decode(data, max_pixels=max_pixels, threads=threads)
