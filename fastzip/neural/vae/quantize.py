"""INT8 and FP16 decoders. The only module that touches ``torch.ao.quantization``.

INT8 is eager-mode post-training static quantization for the x86 backend: per-channel symmetric
int8 weights, uint8 activations, calibrated on the very latents the archive stores. Because the
calibration data *is* the data, activation ranges come from min/max observers (the default
histogram observer clips what it takes for outliers, and cost 5 dB here). Weight scales are
rounded up to float16 values, so that the archive stores the Linear layer's 32,768 per-row
scales in two bytes each instead of four or eight (rounding up never clips); biases are
rounded to float16 values for the same reason. ``torch.ao.quantization`` is deprecated in torch
2.13 in favour of torchao; its warnings are silenced here, and moving to torchao means changing
this file only. FP16 stores weights in half precision; inference upcasts them to float32, which
is what the CPU runs fastest.
"""

from __future__ import annotations

import copy
import warnings
from contextlib import contextmanager

import torch
from torch import nn

from .models import Decoder, SeparableUpBlock, VAEConfig
from .prune import split_masks

__all__ = ["quantize_int8", "prepare_int8_training", "convert_int8", "int8_state", "int8_decoder", "fp16_state", "fp16_decoder"]

_BACKEND = "x86"


@contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.ao\..*")
        warnings.filterwarnings("ignore", message=r".*(quantiz|deprecat).*")
        yield


class _QuantizedDecoder(nn.Module):
    """The decoder between a QuantStub and a DeQuantStub; the sigmoid stays in float."""

    def __init__(self, decoder: Decoder):
        super().__init__()
        from torch.ao.quantization import DeQuantStub, QuantStub

        self.quant = QuantStub()
        self.fc = decoder.fc
        self.unflatten = decoder.unflatten
        self.blocks = decoder.blocks
        self.dequant = DeQuantStub()
        self.out = decoder.out

    def forward(self, z):
        return self.out(self.dequant(self.blocks(self.unflatten(self.fc(self.quant(z))))))


def _fusions(decoder: _QuantizedDecoder) -> list[list[str]]:
    groups = []
    for i, block in enumerate(decoder.blocks):
        if isinstance(block.relu, nn.ReLU):
            conv = "pointwise" if isinstance(block, SeparableUpBlock) else "conv"
            groups.append([f"blocks.{i}.{conv}", f"blocks.{i}.relu"])
    return groups


def _float16_scales(scales: torch.Tensor) -> torch.Tensor:
    """Each scale rounded up to the nearest float16 value (kept in the scales' dtype)."""
    half = scales.to(torch.float16)
    up = torch.where(half.to(scales.dtype) < scales, torch.nextafter(half, torch.full_like(half, torch.inf)), half)
    return up.to(scales.dtype)


def _weight_observer():
    from torch.ao import quantization as tq

    class Float16ScaleObserver(tq.PerChannelMinMaxObserver):
        def calculate_qparams(self):
            scales, zero_points = super().calculate_qparams()
            return _float16_scales(scales), zero_points

    return Float16ScaleObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric)


def _qconfig(*, training: bool):
    from torch.ao import quantization as tq

    # reduce_range: fbgemm's uint8 x int8 products may saturate int16 with all 8 activation bits.
    if training:
        activation = tq.FakeQuantize.with_args(observer=tq.MovingAverageMinMaxObserver, quant_min=0, quant_max=127,
                                               dtype=torch.quint8, reduce_range=False)
        weight = tq.FakeQuantize.with_args(observer=_weight_observer(), quant_min=-128, quant_max=127,
                                           dtype=torch.qint8, qscheme=torch.per_channel_symmetric, ch_axis=0)
        return tq.QConfig(activation=activation, weight=weight)
    activation = tq.MinMaxObserver.with_args(dtype=torch.quint8, reduce_range=True)
    return tq.QConfig(activation=activation, weight=_weight_observer())


def _float16_biases(model: nn.Module) -> None:
    """Round every bias to a float16 value: quantized layers keep float32 biases, and the
    Linear layer's 32,768 of them would otherwise cost 128 KiB, a quarter of a pruned archive.
    The rounding (relative 2**-11) is far below the activations' 7-bit quantization."""
    with torch.no_grad():
        for m in model.modules():
            bias = getattr(m, "bias", None)
            if isinstance(bias, torch.Tensor) and bias.is_floating_point():
                bias.copy_(bias.half().float())


def quantize_int8(decoder: Decoder, calibration: torch.Tensor) -> nn.Module:
    """An INT8 copy of ``decoder`` (float, pruning made permanent), calibrated on ``calibration`` latents."""
    from torch.ao import quantization as tq

    with _quiet():
        torch.backends.quantized.engine = _BACKEND
        model = _QuantizedDecoder(split_masks(decoder)[0]).eval()
        _float16_biases(model)
        model = tq.fuse_modules(model, _fusions(model))
        model.qconfig = _qconfig(training=False)
        tq.prepare(model, inplace=True)
        with torch.no_grad():
            for i in range(0, len(calibration), 4):
                model(calibration[i : i + 4])
        tq.convert(model, inplace=True)
    return model


def prepare_int8_training(decoder: Decoder) -> nn.Module:
    """A copy of ``decoder`` with fake quantization, to fine-tune before :func:`convert_int8`.

    Post-training quantization alone lost 5 dB on a freshly overfit decoder: its Linear layer's
    outputs span +-145, and each later layer compounds the rounding. Training through the
    rounding (quantization-aware training) lets the weights and latents adapt to it. Pruning
    masks on ``decoder`` are carried over, so pruned weights stay zero.
    """
    from torch.ao import quantization as tq
    from torch.nn.utils import prune as torch_prune

    plain, masks = split_masks(decoder)
    with _quiet():
        torch.backends.quantized.engine = _BACKEND
        model = _QuantizedDecoder(plain).train()
        model = tq.fuse_modules_qat(model, _fusions(model))
        model.qconfig = _qconfig(training=True)
        tq.prepare_qat(model, inplace=True)
    modules = dict(model.named_modules())
    for name, mask in masks.items():
        torch_prune.custom_from_mask(modules[name], "weight", mask)
    return model


def convert_int8(model: nn.Module) -> nn.Module:
    """The INT8 decoder of a :func:`prepare_int8_training` model.

    Folds ``model``'s pruning masks into its weights (in place), then converts a copy.
    """
    from torch.ao import quantization as tq
    from torch.nn.utils import prune as torch_prune

    for m in model.modules():
        if hasattr(m, "weight_mask"):
            torch_prune.remove(m, "weight")
    model = copy.deepcopy(model).eval()
    _float16_biases(model)
    with _quiet():
        tq.convert(model, inplace=True)
    return model


def _quantized_layers(model: nn.Module):
    for name, module in model.named_modules():
        if hasattr(module, "weight") and hasattr(module, "set_weight_bias"):
            yield name, module


def int8_state(model: nn.Module) -> dict:
    """Plain tensors of a :func:`quantize_int8` model: per layer its qint8 weight, float bias and
    output scale / zero point, and the input quantizer's scale / zero point."""
    state = {"quant.scale": model.quant.scale.detach().clone().float().reshape(1),
             "quant.zero_point": model.quant.zero_point.detach().clone().to(torch.int64).reshape(1)}
    with _quiet():
        for name, module in _quantized_layers(model):
            state[f"{name}.weight"] = module.weight()
            bias = module.bias()
            if bias is not None:
                state[f"{name}.bias"] = bias.detach().clone()
            state[f"{name}.scale"] = torch.tensor([module.scale], dtype=torch.float64)
            state[f"{name}.zero_point"] = torch.tensor([module.zero_point], dtype=torch.int64)
    return state


def int8_decoder(config: VAEConfig, state: dict) -> nn.Module:
    """Rebuild the INT8 decoder of ``config`` from :func:`int8_state` tensors."""
    with torch.random.fork_rng(devices=[]):
        skeleton = quantize_int8(Decoder(config), torch.zeros(1, config.latent))
    expected = set(int8_state(skeleton))
    if set(state) != expected:
        missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
        raise ValueError(f"INT8 state does not fit the model: missing {missing[:3]}, unexpected {extra[:3]}")
    with _quiet(), torch.no_grad():
        skeleton.quant.scale.copy_(state["quant.scale"].reshape(skeleton.quant.scale.shape))
        skeleton.quant.zero_point.copy_(state["quant.zero_point"].reshape(skeleton.quant.zero_point.shape))
        for name, module in _quantized_layers(skeleton):
            weight = state[f"{name}.weight"]
            if weight.shape != module.weight().shape or weight.dtype != torch.qint8:
                raise ValueError(f"INT8 weight {name} has shape {tuple(weight.shape)}, the model needs {tuple(module.weight().shape)}")
            module.set_weight_bias(weight, state.get(f"{name}.bias"))
            module.scale = float(state[f"{name}.scale"].reshape(-1)[0])
            module.zero_point = int(state[f"{name}.zero_point"].reshape(-1)[0])
    return skeleton


def fp16_state(decoder: Decoder) -> dict:
    """The decoder's parameters in float16."""
    return {k: v.detach().half() for k, v in decoder.state_dict().items()}


def fp16_decoder(config: VAEConfig, state: dict) -> Decoder:
    """A float32 decoder holding the float16 values of ``state``."""
    decoder = Decoder(config)
    decoder.load_state_dict({k: v.float() for k, v in state.items()})
    return decoder.eval()
