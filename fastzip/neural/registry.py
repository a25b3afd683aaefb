"""The one list of fastzip's learned codecs, their named model configurations and weight
precisions: what the CLI offers, what archives record, and what the models are built from.
Torch-free, so that the CLI and the readers can name and check them without it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["CODECS", "QUANTS", "VAEConfig", "MODELS", "get_config", "decoder_parameters"]

# Learned codecs: "vae" is the thesis's overfit VAE archive (one latent vector per image);
# "grid" the latent-grid codec (a pyramid of latent grids per image, fastzip.neural.grid).
CODECS = ("vae", "grid")
# How an archive stores its decoder's weights.
QUANTS = ("int8", "fp16", "none")


@dataclass(frozen=True)
class VAEConfig:
    """Shape of a VAE: ``channels[0]`` is the image's (3), one stride-2 stage per later entry."""

    image_size: int = 512
    channels: tuple[int, ...] = (3, 8, 16, 32, 64, 128)
    latent: int = 128
    bottleneck: str = "gap"  # "gap" | "dense"
    decoder_conv: str = "separable"  # "separable" | "full"

    def __post_init__(self):
        stages = len(self.channels) - 1
        if stages < 1 or any(c < 1 for c in self.channels):
            raise ValueError("channels needs the image channels and at least one stage, all positive")
        if self.image_size < 2**stages or self.image_size % 2**stages:
            raise ValueError(f"image_size {self.image_size} is not a multiple of 2**{stages}")
        if self.latent < 1:
            raise ValueError("latent must be positive")
        if self.bottleneck not in ("gap", "dense"):
            raise ValueError(f"bottleneck must be 'gap' or 'dense', not {self.bottleneck!r}")
        if self.decoder_conv not in ("separable", "full"):
            raise ValueError(f"decoder_conv must be 'separable' or 'full', not {self.decoder_conv!r}")

    @property
    def grid(self) -> int:
        """Side of the smallest feature map (16 for 512 px and five stages)."""
        return self.image_size >> (len(self.channels) - 1)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "VAEConfig":
        fields = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(d, dict) or set(d) != fields:
            raise ValueError(f"a model config needs exactly the fields {sorted(fields)}")
        return cls(**{**d, "channels": tuple(d["channels"])})


# The rows of the thesis's Table 1. `yosemite` is the final design (= `optimized`).
MODELS: dict[str, VAEConfig] = {
    "original": VAEConfig(latent=192, bottleneck="dense", decoder_conv="full"),
    "reduced": VAEConfig(channels=(3, 8, 16, 32, 64, 64), bottleneck="dense", decoder_conv="full"),
    "optimized": VAEConfig(),
    "yosemite": VAEConfig(),
}


def get_config(name: str, **overrides) -> VAEConfig:
    """The named configuration, with fields replaced by ``overrides`` (e.g. ``image_size=32``)."""
    try:
        config = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose from {sorted(MODELS)}") from None
    if "channels" in overrides:
        overrides["channels"] = tuple(overrides["channels"])
    return dataclasses.replace(config, **overrides)


def decoder_parameters(config: VAEConfig) -> int:
    """Parameters of ``Decoder(config)``, computed without building it (for untrusted configs)."""
    widths = config.channels[::-1]
    total = (config.latent + 1) * widths[0] * config.grid**2
    for a, b in zip(widths[:-1], widths[1:]):
        total += (a * 9 + a) + (a * b + b) if config.decoder_conv == "separable" else a * b * 9 + b
    return total
