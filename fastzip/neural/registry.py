"""The one list of fastzip's learned codecs, their named model configurations and weight
precisions: what the CLI offers, what archives record, and what the models are built from.
Torch-free, so that the CLI and the readers can name and check them without it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["CODECS", "QUANTS", "VAEConfig", "MODELS", "get_config", "decoder_parameters", "AEConfig", "AE_MODELS",
           "ae_config"]

# Learned codecs: "vae" is the thesis's overfit VAE archive (one latent vector per image);
# "grid" the latent-grid codec (a pyramid of latent grids per image, fastzip.neural.grid); "ae"
# the autoencoder codecs (trained once on a dataset, then one forward pass per image, fastzip.neural.ae).
CODECS = ("vae", "grid", "ae")
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


@dataclass(frozen=True)
class AEConfig:
    """An autoencoder codec's shape: ``kind`` "dense" (flattened pixels through Linear layers of
    ``hidden`` widths to ``latent`` numbers, ReLU between), "conv" (two stride-2 3x3 convolutions
    of ``hidden`` channels, each followed by GDN, to a grid of ``latent`` channels at a quarter of
    the side; the decoder mirrors it with inverse GDN and pixel shuffles) or "variational" (the
    conv one whose encoder also gives a log-variance: trained as a VAE, coded by its mean).
    ``shape`` is the images' (height, width, channels): a codec serves one shape."""

    kind: str
    shape: tuple[int, int, int]
    hidden: tuple[int, ...]
    latent: int

    def __post_init__(self):
        if self.kind not in ("dense", "conv", "variational"):
            raise ValueError(f"kind must be 'dense', 'conv' or 'variational', not {self.kind!r}")
        if len(self.shape) != 3 or not 1 <= self.shape[0] <= 4096 or not 1 <= self.shape[1] <= 4096 \
                or self.shape[2] not in (1, 3):
            raise ValueError(f"shape must be (height, width, 1 or 3) with sides up to 4096, not {self.shape}")
        if len(self.hidden) != (1 if self.kind == "dense" else 2) or any(not 1 <= h <= 4096 for h in self.hidden):
            raise ValueError(f"a {self.kind} model takes {1 if self.kind == 'dense' else 2} hidden widths "
                             f"from 1 to 4096, not {self.hidden}")
        if not 1 <= self.latent <= 4096:
            raise ValueError("latent must be from 1 to 4096")

    @property
    def padded(self) -> tuple[int, int]:
        """The sides the convolutional models run at: the image's, rounded up to a multiple of 4
        (edges repeated), so that two stride-2 stages divide them."""
        return (-(-self.shape[0] // 4) * 4, -(-self.shape[1] // 4) * 4)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        if self.kind == "dense":
            return (self.latent,)
        height, width = self.padded
        return (height // 4, width // 4, self.latent)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "AEConfig":
        fields = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(d, dict) or set(d) != fields:
            raise ValueError(f"an autoencoder config needs exactly the fields {sorted(fields)}")
        try:
            return cls(kind=d["kind"], shape=tuple(int(v) for v in d["shape"]),
                       hidden=tuple(int(v) for v in d["hidden"]), latent=int(d["latent"]))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"bad autoencoder config: {exc}") from None


# The autoencoder models by name: kind, hidden widths and latent size for images of any shape.
AE_MODELS: dict[str, dict] = {
    "dense": {"kind": "dense", "hidden": (256,), "latent": 24},
    "conv": {"kind": "conv", "hidden": (32, 64), "latent": 8},
    "vae": {"kind": "variational", "hidden": (32, 64), "latent": 8},
}


def ae_config(name: str, shape, **overrides) -> AEConfig:
    """The named autoencoder model for images of ``shape`` (H, W, C), fields replaced by
    ``overrides`` (``latent=``, ``hidden=``)."""
    try:
        fields = dict(AE_MODELS[name])
    except KeyError:
        raise ValueError(f"unknown autoencoder model {name!r}; choose from {sorted(AE_MODELS)}") from None
    fields.update({k: v for k, v in overrides.items() if v is not None})
    return AEConfig(kind=fields["kind"], shape=tuple(shape), hidden=tuple(fields["hidden"]), latent=fields["latent"])
