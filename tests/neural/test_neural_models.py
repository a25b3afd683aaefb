"""The model registry: the thesis's shapes and parameter counts, and tiny configurations."""

import pytest
import torch

from fastzip.neural.vae import models
from fastzip.neural.vae.models import VAEConfig, build, count_parameters, decoder_parameters, get_config

from .conftest import TINY


def test_yosemite_is_the_thesis_design():
    model = build("yosemite")
    assert 4_400_000 < count_parameters(model) < 4_500_000
    assert count_parameters(model.decoder.fc) > 0.99 * count_parameters(model.decoder)
    assert get_config("yosemite") == get_config("optimized")
    x = torch.rand(1, 3, 512, 512)
    mu, logvar = model.encoder(x)
    assert mu.shape == logvar.shape == (1, 128)
    assert model.encoder.features(x).shape == (1, 128, 16, 16)
    with torch.no_grad():
        out = model.eval()(x)[0]
    assert out.shape == x.shape and 0 <= float(out.min()) and float(out.max()) <= 1


def test_table_one_rows_shrink_from_original_to_optimized():
    sizes = {name: count_parameters(build(name)) for name in ("original", "reduced", "optimized")}
    assert 17_000_000 < sizes["original"] < 20_000_000
    assert sizes["original"] > sizes["reduced"] > sizes["optimized"]


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_decoder_size_is_known_without_building_it(name):
    config = get_config(name, **TINY)
    assert decoder_parameters(config) == count_parameters(build(config).decoder)
    assert decoder_parameters(get_config(name)) == count_parameters(build(name).decoder)


def test_tiny_configurations_run_end_to_end():
    model = build("yosemite", **TINY)
    recon, mu, logvar = model(torch.rand(2, 3, 32, 32))
    assert recon.shape == (2, 3, 32, 32) and mu.shape == (2, 8)


def test_same_seed_same_weights():
    a, b = build("reduced", seed=3, **TINY), build("reduced", seed=3, **TINY)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = build("reduced", seed=4, **TINY)
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


@pytest.mark.parametrize("bad", [dict(image_size=30), dict(channels=(3,)), dict(latent=0),
                                 dict(bottleneck="mean"), dict(decoder_conv="deformable")])
def test_impossible_configurations_are_refused(bad):
    with pytest.raises(ValueError):
        VAEConfig(**{**TINY, **bad})


def test_unknown_model_name():
    with pytest.raises(ValueError, match="unknown model"):
        get_config("resnet")


def test_config_dict_round_trip_and_strictness():
    config = get_config("original", **TINY)
    assert VAEConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError):
        VAEConfig.from_dict({**config.to_dict(), "extra": 1})
