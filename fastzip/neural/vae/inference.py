"""The VAE archive's decoder without torch: numpy arrays read from ``FZSW`` and Numba kernels.

The bottleneck Linear layer runs from compressed sparse rows (:mod:`fastzip._jit.sparse`),
every upsampling block as one fused kernel (:mod:`fastzip._jit.separable`). Float32 and FP16
archives run in float32 (within float rounding of torch eager); INT8 archives repeat torch.ao's
integer arithmetic (the same uint8 activations, layer after layer). Only the separable decoder
(``yosemite``/``optimized``) runs here; the full-convolution models of the thesis need torch.

Peak memory for one 512x512 image: the Linear output and the block outputs, one at a time
(largest 8 x 256 x 256 in, 3 x 512 x 512 out), plus a row of depthwise results per thread.
"""

from __future__ import annotations

import numpy as np

from ..._jit import numba as _require_numba
from ...errors import FormatError, UnsupportedError
from ..registry import VAEConfig
from ..weights import Stored

__all__ = ["SparseDecoder"]


def _check_float(record: Stored, name: str, shape: tuple) -> Stored:
    if record.quant is not None or record.kind not in ("float32", "float16") or tuple(record.shape) != shape:
        raise FormatError(f"archive tensor {name} is {record.kind} {tuple(record.shape)}, the model needs float {shape}")
    return record


def _float(record: Stored, name: str, shape: tuple) -> np.ndarray:
    return np.ascontiguousarray(_check_float(record, name, shape).dense().astype(np.float32).reshape(shape))


def _qint8(record: Stored, name: str, shape: tuple) -> tuple[Stored, np.ndarray]:
    """The record and its per-output-channel scales; the kernels need symmetric int8 weights."""
    quant = record.quant
    if record.kind != "qint8" or tuple(record.shape) != shape or quant is None or quant.axis != 0:
        raise FormatError(f"archive tensor {name} is {record.kind} {tuple(record.shape)}, the model needs qint8 {shape}")
    if np.any(quant.zero_points != 0):
        raise UnsupportedError(f"archive tensor {name} has asymmetric int8 weights")
    scales = quant.scales if quant.per_channel else np.full(shape[0], quant.scales[0])
    return record, scales


def _scalar(state: dict, name: str) -> float:
    record = state.get(name)
    if record is None or record.size != 1 or record.quant is not None:
        raise FormatError(f"archive tensor {name} is missing or not a scalar")
    return record.dense().reshape(-1)[0].item()


def _zero_point(state: dict, name: str) -> int:
    value = _scalar(state, name)
    if value != int(value) or not 0 <= value <= 255:
        raise FormatError(f"archive tensor {name} is not a uint8 zero point")
    return int(value)


class SparseDecoder:
    """Latents (N, latent) float32 -> images (N, 3, S, S) float32 in [0, 1]."""

    def __init__(self, config: VAEConfig, quant: str, state: dict):
        _require_numba()
        from ..._jit import separable, sparse

        self._separable, self._sparse = separable, sparse
        if config.decoder_conv != "separable":
            raise UnsupportedError(f"the {config.decoder_conv}-convolution decoder runs on torch only")
        self.config, self.int8 = config, quant == "int8"
        widths = config.channels[::-1]
        self.shapes = list(zip(widths[:-1], widths[1:]))
        fc_shape = (widths[0] * config.grid**2, config.latent)
        expected = {"fc.weight", "fc.bias"} | {f"blocks.{i}.{kind}.{p}" for i in range(len(self.shapes))
                                               for kind in ("depthwise", "pointwise") for p in ("weight", "bias")}
        if self.int8:
            expected |= {"quant.scale", "quant.zero_point", "fc.scale", "fc.zero_point"}
            expected |= {f"blocks.{i}.{kind}.{p}" for i in range(len(self.shapes))
                         for kind in ("depthwise", "pointwise") for p in ("scale", "zero_point")}
        if set(state) != expected:
            missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
            raise FormatError(f"archive weights do not fit the model: missing {missing[:3]}, unexpected {extra[:3]}")
        if self.int8:
            self._prepare_int8(state, fc_shape)
        else:
            self._prepare_float(state, fc_shape)

    def _prepare_float(self, state: dict, fc_shape: tuple) -> None:
        starts, columns, values = _check_float(state["fc.weight"], "fc.weight", fc_shape).rows()
        self.fc = (starts, columns, values.astype(np.float32), _float(state["fc.bias"], "fc.bias", (fc_shape[0],)))
        self.blocks = []
        for i, (c_in, c_out) in enumerate(self.shapes):
            p = f"blocks.{i}"
            self.blocks.append((
                self._separable.phase_kernels(
                    _float(state[f"{p}.depthwise.weight"], f"{p}.depthwise.weight", (c_in, 1, 3, 3)).reshape(c_in, 3, 3)),
                _float(state[f"{p}.depthwise.bias"], f"{p}.depthwise.bias", (c_in,)),
                _float(state[f"{p}.pointwise.weight"], f"{p}.pointwise.weight", (c_out, c_in, 1, 1)).reshape(c_out, c_in).copy(),
                _float(state[f"{p}.pointwise.bias"], f"{p}.pointwise.bias", (c_out,)),
            ))

    def _prepare_int8(self, state: dict, fc_shape: tuple) -> None:
        requant = self._separable.requant_factors
        self.in_scale, self.in_zero = _scalar(state, "quant.scale"), _zero_point(state, "quant.zero_point")
        scale, zero = self.in_scale, self.in_zero
        fc, fc_scales = _qint8(state["fc.weight"], "fc.weight", fc_shape)
        starts, columns, values = fc.rows()
        out_scale, out_zero = _scalar(state, "fc.scale"), _zero_point(state, "fc.zero_point")
        bias = _float(state["fc.bias"], "fc.bias", (fc_shape[0],))
        self.fc = (starts, columns, values.astype(np.int32), *requant(scale, fc_scales, bias, out_scale), out_zero)
        scale, zero = out_scale, out_zero
        self.blocks = []
        for i, (c_in, c_out) in enumerate(self.shapes):
            p = f"blocks.{i}"
            dw, dw_scales = _qint8(state[f"{p}.depthwise.weight"], f"{p}.depthwise.weight", (c_in, 1, 3, 3))
            pw, pw_scales = _qint8(state[f"{p}.pointwise.weight"], f"{p}.pointwise.weight", (c_out, c_in, 1, 1))
            dw_scale, dw_zero = _scalar(state, f"{p}.depthwise.scale"), _zero_point(state, f"{p}.depthwise.zero_point")
            pw_scale, pw_zero = _scalar(state, f"{p}.pointwise.scale"), _zero_point(state, f"{p}.pointwise.zero_point")
            dw_bias = _float(state[f"{p}.depthwise.bias"], f"{p}.depthwise.bias", (c_in,))
            pw_bias = _float(state[f"{p}.pointwise.bias"], f"{p}.pointwise.bias", (c_out,))
            if c_in > self._separable.MAX_EXACT_CHANNELS:
                raise UnsupportedError(f"{c_in} input channels: int8 sums would not stay exact in float32")
            self.blocks.append((
                zero, self._separable.phase_kernels(dw.dense().astype(np.float32).reshape(c_in, 3, 3)),
                *requant(scale, dw_scales, dw_bias, dw_scale), dw_zero,
                pw.dense().astype(np.float32).reshape(c_out, c_in), *requant(dw_scale, pw_scales, pw_bias, pw_scale),
                pw_zero,
            ))
            scale, zero = pw_scale, pw_zero
        # The last block's uint8 results dequantized and through the sigmoid: 256 values.
        levels = (np.arange(256, dtype=np.float32) - np.float32(zero)) * np.float32(scale)
        self.sigmoid_table = (np.float32(1.0) / (np.float32(1.0) + np.exp(-levels))).astype(np.float32)
        self.pixel_table = np.rint(np.clip(self.sigmoid_table, 0, 1) * np.float32(255.0)).astype(np.uint8)

    def __call__(self, latents: np.ndarray) -> np.ndarray:
        """The decoder's output, N x 3 x S x S float32 in [0, 1] (what torch's decoder returns)."""
        return self._run(latents, pixels=False)

    def pixels(self, latents: np.ndarray) -> np.ndarray:
        """The pictures, N x S x S x 3 uint8: ``to_uint8(self(latents))`` without the float
        images (the last block writes the pixels)."""
        return self._run(latents, pixels=True)

    def _run(self, latents: np.ndarray, pixels: bool) -> np.ndarray:
        latents = np.ascontiguousarray(latents, dtype=np.float32)
        if latents.ndim != 2 or latents.shape[1] != self.config.latent:
            raise ValueError(f"latents must be N x {self.config.latent}, not {latents.shape}")
        size = self.config.image_size
        shape = (len(latents), size, size, 3) if pixels else (len(latents), 3, size, size)
        out = np.empty(shape, np.uint8 if pixels else np.float32)
        for n, z in enumerate(latents):
            (self._int8_image if self.int8 else self._float_image)(z, out[n], pixels)
        return out

    def _float_image(self, z: np.ndarray, out: np.ndarray, pixels: bool) -> None:
        grid, width = self.config.grid, self.shapes[0][0]
        x = np.empty(width * grid * grid, np.float32)
        self._sparse.linear_f32(z, *self.fc, x)
        x = x.reshape(width, grid, grid)
        last = len(self.blocks) - 1
        for i, (k, dw_bias, pw, pw_bias) in enumerate(self.blocks):
            if i == last:
                self._separable.block_f32(x, k, dw_bias, pw, pw_bias, self._separable.SIGMOID, pixels, out)
            else:
                y = np.empty((pw.shape[0], 2 * x.shape[1], 2 * x.shape[2]), np.float32)
                self._separable.block_f32(x, k, dw_bias, pw, pw_bias, self._separable.RELU, False, y)
                x = y

    def _int8_image(self, z: np.ndarray, out: np.ndarray, pixels: bool) -> None:
        # The input quantizer, as torch.ao's: multiply by the reciprocal of the scale, round half to even.
        inverse = np.float32(1.0) / np.float32(self.in_scale)
        zq = np.clip(np.rint(z * inverse) + self.in_zero, 0, 255).astype(np.uint8)
        grid, width = self.config.grid, self.shapes[0][0]
        x = np.empty(width * grid * grid, np.uint8)
        starts, columns, values, bias_over, multiplier, out_zero = self.fc
        self._sparse.linear_i8(zq, self.in_zero, starts, columns, values, bias_over, multiplier, out_zero, x)
        x = x.reshape(width, grid, grid)
        last = len(self.blocks) - 1
        table = self.pixel_table if pixels else self.sigmoid_table
        for i, block in enumerate(self.blocks):
            if i == last:
                self._separable.block_i8(x, *block, False, True, pixels, table, out)
            else:
                y = np.empty((block[5].shape[0], 2 * x.shape[1], 2 * x.shape[2]), np.uint8)
                self._separable.block_i8(x, *block, True, False, False, table, y)
                x = y
