"""The VAE family of the thesis, as named configurations of one piece of code.

A model is a :class:`~fastzip.neural.registry.VAEConfig` (data, named in the registry) turned
into modules by :func:`build`. The encoder is a
stack of 4x4 stride-2 convolutions; its bottleneck is either ``"gap"`` (global average pooling,
then Linear layers for mu and log-variance: tiny) or ``"dense"`` (the whole feature map
flattened into those Linear layers: the thesis's original, heavy design). The decoder maps a
latent through one Linear layer to a ``channels[-1] x grid x grid`` feature map, then doubles the
resolution per block, each block being nearest upsampling and either a depthwise-separable
convolution (``"separable"``: depthwise 3x3 then pointwise 1x1) or a full 3x3 convolution.

Only the decoder and one latent per image go into an archive, so the decoder is its own module
and needs nothing from the encoder.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from ..registry import MODELS, VAEConfig, decoder_parameters, get_config

__all__ = ["VAEConfig", "MODELS", "get_config", "build", "VAE", "Encoder", "Decoder", "SeparableUpBlock", "count_parameters",
           "decoder_parameters"]


_INITIAL_LOGVAR = -10.0


class Encoder(nn.Module):
    """Image in [0, 1], (N, 3, S, S) -> (mu, logvar), each (N, latent)."""

    def __init__(self, config: VAEConfig):
        super().__init__()
        layers = []
        for c_in, c_out in zip(config.channels[:-1], config.channels[1:]):
            layers += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        if config.bottleneck == "gap":
            self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
            width = config.channels[-1]
        else:
            self.pool = nn.Flatten()
            width = config.channels[-1] * config.grid**2
        self.mu = nn.Linear(width, config.latent)
        self.logvar = nn.Linear(width, config.latent)
        # Start nearly deterministic (sigma ~ 0.007): with unit noise on a fresh latent, the decoder
        # sees noise only and memorization stalls; the KL term then sets the variance it wants.
        nn.init.zeros_(self.logvar.weight)
        nn.init.constant_(self.logvar.bias, _INITIAL_LOGVAR)

    def forward(self, x):
        h = self.pool(self.features(x))
        return self.mu(h), self.logvar(h)


class SeparableUpBlock(nn.Module):
    """Nearest x2 upsampling, depthwise 3x3, pointwise 1x1, then ReLU unless it is the last block."""

    def __init__(self, c_in: int, c_out: int, *, relu: bool):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.depthwise = nn.Conv2d(c_in, c_in, 3, padding=1, groups=c_in)
        self.pointwise = nn.Conv2d(c_in, c_out, 1)
        self.relu = nn.ReLU(inplace=True) if relu else nn.Identity()

    def forward(self, x):
        return self.relu(self.pointwise(self.depthwise(self.up(x))))


class FullUpBlock(nn.Module):
    """Nearest x2 upsampling and a full 3x3 convolution (the thesis's original decoder)."""

    def __init__(self, c_in: int, c_out: int, *, relu: bool):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.relu = nn.ReLU(inplace=True) if relu else nn.Identity()

    def forward(self, x):
        return self.relu(self.conv(self.up(x)))


class Decoder(nn.Module):
    """Latent (N, latent) -> image in [0, 1], (N, 3, S, S)."""

    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        widths = config.channels[::-1]
        self.fc = nn.Linear(config.latent, widths[0] * config.grid**2)
        self.unflatten = nn.Unflatten(1, (widths[0], config.grid, config.grid))
        block = SeparableUpBlock if config.decoder_conv == "separable" else FullUpBlock
        last = len(widths) - 2
        self.blocks = nn.Sequential(*(block(a, b, relu=i < last) for i, (a, b) in enumerate(zip(widths[:-1], widths[1:]))))
        self.out = nn.Sigmoid()

    def forward(self, z):
        return self.out(self.blocks(self.unflatten(self.fc(z))))


class VAE(nn.Module):
    """Encoder, reparameterization, decoder. ``forward`` returns (reconstruction, mu, logvar)."""

    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)

    def forward(self, x):
        mu, logvar = self.encoder(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        return self.decoder(z), mu, logvar


def build(config: VAEConfig | str, *, seed: int = 0, **overrides) -> VAE:
    """A freshly initialised VAE for a config or a registered name; the seed fixes the weights."""
    if isinstance(config, str):
        config = get_config(config, **overrides)
    elif overrides:
        config = dataclasses.replace(config, **overrides)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return VAE(config)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
