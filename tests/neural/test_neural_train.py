"""Overfit training, pruning and quantization on tiny models."""

import copy

import numpy as np
import pytest
import torch

from fastzip.neural import weights
from fastzip.neural.vae import prune, quantize
from fastzip.neural.images import to_tensor
from fastzip.neural.vae.models import build
from fastzip.neural.vae.train import fine_tune, latent_means, psnr_of_mse, reconstruct, train_vae

from .conftest import TINY


@pytest.fixture(scope="module")
def trained(tiny_images):
    _, images = tiny_images
    x = to_tensor(images)
    model = build("yosemite", **TINY)
    result = train_vae(model, x, steps=300, progress=False, eval_every=25)
    return model, x, result


def test_the_loss_falls(trained):
    _, _, result = trained
    first, last = result.history[0][2], result.history[-1][2]
    assert last < 0.5 * first
    assert result.psnr == pytest.approx(psnr_of_mse(result.mse))
    assert result.psnr > 16


def test_training_is_deterministic(tiny_images):
    x = to_tensor(tiny_images[1])
    runs = []
    for _ in range(2):
        model = build("yosemite", **TINY)
        train_vae(model, x, steps=15, progress=False)
        runs.append(model.state_dict())
    assert all(torch.equal(runs[0][k], runs[1][k]) for k in runs[0])


def test_resume_from_a_checkpoint_continues_the_same_run(tiny_images, tmp_path):
    x = to_tensor(tiny_images[1])
    straight = build("yosemite", **TINY)
    train_vae(straight, x, steps=20, progress=False, eval_every=5)
    resumed = build("yosemite", **TINY)
    train_vae(resumed, x, steps=10, progress=False, eval_every=5, checkpoint=tmp_path / "ck.pt")
    again = build("yosemite", seed=99, **TINY)  # a different start: everything must come from the checkpoint
    result = train_vae(again, x, steps=20, progress=False, eval_every=5, checkpoint=tmp_path / "ck.pt")
    assert result.steps == 20
    for k, v in straight.state_dict().items():
        assert torch.allclose(v, again.state_dict()[k], atol=1e-6), k


def test_stop_rules(tiny_images):
    x = to_tensor(tiny_images[1])
    model = build("yosemite", **TINY)
    assert train_vae(model, x, target_psnr=1.0, progress=False).steps == 0
    assert train_vae(model, x, minutes=0, progress=False).steps == 0
    with pytest.raises(ValueError):
        train_vae(model, x, progress=False)


def test_pruned_weights_stay_zero_through_fine_tuning(trained):
    model, x, _ = trained
    decoder = copy.deepcopy(model.decoder)
    assert prune.prune_l1(decoder, 0.5) == pytest.approx(0.5, abs=1e-3)
    zeros = decoder.fc.weight == 0
    latents, result = fine_tune(decoder, latent_means(model, x), x, steps=30, progress=False)
    assert bool((decoder.fc.weight[zeros] == 0).all())
    prune.make_permanent(decoder)
    assert prune.sparsity(decoder) == pytest.approx(0.5, abs=1e-3)
    assert prune.prune_to(decoder, 0.8) == pytest.approx(0.8, abs=1e-3)
    assert latents.shape == (4, 8) and np.isfinite(result.mse)


def test_layer_scope_prunes_every_layer_alike(trained):
    decoder = copy.deepcopy(trained[0].decoder)
    prune.prune_l1(decoder, 0.25, scope="layer")
    for m in (decoder.fc, decoder.blocks[0].pointwise):
        assert float((m.weight == 0).float().mean()) == pytest.approx(0.25, abs=0.03)


def _psnr(a, b):
    return psnr_of_mse(float(((a - b) ** 2).mean()))


def test_int8_output_stays_close_to_float(trained):
    model, x, _ = trained
    latents = latent_means(model, x)
    reference = reconstruct(model.decoder, latents)
    ptq = quantize.quantize_int8(model.decoder, latents)
    assert _psnr(reconstruct(ptq, latents), reference) > 30
    qat = quantize.prepare_int8_training(model.decoder)
    tuned, _ = fine_tune(qat, latents, x, steps=40, progress=False)
    qat_int8 = quantize.convert_int8(qat)
    assert _psnr(reconstruct(qat_int8, tuned), x) > _psnr(reference, x) - 1.0


def test_int8_state_survives_the_weight_format(trained):
    model, x, _ = trained
    latents = latent_means(model, x)
    decoder = copy.deepcopy(model.decoder)
    prune.prune_l1(decoder, 0.5)
    int8 = quantize.convert_int8(quantize.prepare_int8_training(decoder))
    state = quantize.int8_state(int8)
    assert float((state["fc.weight"].int_repr() == 0).float().mean()) >= 0.5  # zeros stay zeros
    rebuilt = quantize.int8_decoder(model.config, weights.loads(weights.dumps(state)))
    assert torch.equal(reconstruct(rebuilt, latents), reconstruct(int8, latents))
    with pytest.raises(ValueError):
        quantize.int8_decoder(model.config, {k: v for k, v in state.items() if k != "fc.bias"})


def test_fp16_halves_and_restores(trained):
    model, x, _ = trained
    latents = latent_means(model, x)
    state = quantize.fp16_state(model.decoder)
    assert all(v.dtype == torch.float16 for v in state.values())
    half = quantize.fp16_decoder(model.config, weights.loads(weights.dumps(state)))
    assert _psnr(reconstruct(half, latents), reconstruct(model.decoder, latents)) > 45
