"""The ``FZGC`` container of the latent-grid codec (layout in ``docs/formats.md``).

Everything is integers: the synthesis weights as multiples of a power-of-two step per tensor,
the ARM weights in units of 2**-ARM_SHIFT, the latents; each group rANS-coded with one table
of :mod:`.laplace` per tensor (latents: a table per latent, chosen by the integer ARM). The
header holds the image size, each tensor's step and table, and the three streams' lengths.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from ... import rans
from ..._container import Format
from ...errors import FormatError, OutputLimitError
from . import laplace
from .layout import arm_shapes, synthesis_shapes

__all__ = ["FORMAT", "Coded", "dumps", "loads", "MAX_PIXELS", "param_shapes", "networks_parts",
           "read_network_tables", "networks_from_parts", "synthesis_part", "arm_part", "synthesis_from_part",
           "arm_from_part", "SYNTHESIS_HEAD", "ARM_HEAD", "check_size"]

FORMAT = Format(b"FZGC", (1,), "fastzip grid-codec stream")
MAX_PIXELS = 1 << 26  # 64 megapixels, checked before anything is allocated
_HEAD = struct.Struct("<4sBBII")  # magic, version, flags, height, width
_LENGTHS = struct.Struct("<III")  # synthesis, ARM and latent stream lengths


def param_shapes() -> list[tuple[str, tuple]]:
    """(name, shape) of every network tensor, in stream order: synthesis, then ARM."""
    shapes = []
    for group, layers in (("synthesis", synthesis_shapes()), ("arm", arm_shapes())):
        for i, (a, b) in enumerate(layers):
            shapes += [(f"{group}.{i}.weight", (b, a)), (f"{group}.{i}.bias", (b,))]
    return shapes


@dataclass
class Coded:
    """One image's networks as integers (its latents travel as their rANS stream)."""
    height: int
    width: int
    params: dict  # name -> int64 array (synthesis: multiples of 2**-step; ARM: of 2**-ARM_SHIFT)
    steps: dict  # synthesis tensor name -> exponent e (the step is 2**-e)


def _params_stream(ints: list[np.ndarray]) -> tuple[bytes, bytes]:
    """(per-tensor table bytes, the rANS stream): each tensor under the zero-centred table whose
    scale fits its mean magnitude."""
    cdf, offset = laplace.tables()
    scale_bins = []
    for values in ints:
        mean_abs = float(np.abs(values).mean()) if values.size else 0.0
        j = int(np.clip(np.rint(np.log2(max(mean_abs, 1e-9) / laplace.B0) * 4), 0, laplace.SCALES - 1))
        scale_bins.append(j)
    tables = np.concatenate([np.full(v.size, j * laplace.FRACTIONS, np.int32) for v, j in zip(ints, scale_bins)])
    values = np.concatenate([v.ravel() for v in ints]) if ints else np.zeros(0, np.int64)
    return bytes(scale_bins), rans.encode(values, tables, cdf, offset)


def _groups() -> tuple[list, list]:
    """(name, shape) of the synthesis tensors and of the ARM tensors."""
    shapes = param_shapes()
    return [(n, s) for n, s in shapes if n.startswith("synthesis")], [(n, s) for n, s in shapes if n.startswith("arm")]


def synthesis_part(params: dict, steps: dict) -> tuple[bytes, bytes]:
    """The synthesis as (its steps and tables, its rANS stream)."""
    names = [n for n, _ in _groups()[0]]
    tables, coded = _params_stream([params[n] for n in names])
    return bytes(steps[n] for n in names) + tables, coded


def arm_part(params: dict) -> tuple[bytes, bytes]:
    """The ARM as (its tables, its rANS stream)."""
    return _params_stream([params[n] for n, _ in _groups()[1]])


SYNTHESIS_HEAD = 2 * 2 * len(synthesis_shapes())  # a step and a table byte per tensor (weight, bias a layer)
ARM_HEAD = 2 * len(arm_shapes())  # a table byte per tensor


def synthesis_from_part(head: bytes, coded: bytes) -> tuple[dict, dict]:
    """(params, steps) of the synthesis from :func:`synthesis_part`'s two parts."""
    group = _groups()[0]
    steps = dict(zip((n for n, _ in group), head[:len(group)]))
    if any(e > 30 for e in steps.values()):
        raise FormatError(f"{FORMAT.name}: a synthesis step below 2**-30")
    return _params_from_stream(group, head[len(group):], coded), steps


def arm_from_part(tables: bytes, coded: bytes) -> dict:
    """The ARM's params from :func:`arm_part`'s two parts."""
    return _params_from_stream(_groups()[1], tables, coded)


def _params_from_stream(group, tables: bytes, coded: bytes) -> dict:
    if any(j >= laplace.SCALES for j in tables):
        raise FormatError(f"{FORMAT.name}: a tensor names scale bin beyond {laplace.SCALES - 1}")
    cdf, offset = laplace.tables()
    sizes = [int(np.prod(shape)) for _, shape in group]
    which = np.concatenate([np.full(n, j * laplace.FRACTIONS, np.int32) for n, j in zip(sizes, tables)])
    values = rans.decode(coded, which, cdf, offset).astype(np.int64)
    return {name: values[start:start + size].reshape(shape)
            for (name, shape), start, size in zip(group, np.cumsum([0] + sizes[:-1]), sizes)}


def networks_parts(params: dict, steps: dict) -> tuple[bytes, bytes, bytes]:
    """Both networks as ``FZGC`` lays them out: (synthesis steps and tables + ARM tables,
    synthesis stream, ARM stream)."""
    synth_head, synth_stream = synthesis_part(params, steps)
    arm_tables, arm_stream = arm_part(params)
    return synth_head + arm_tables, synth_stream, arm_stream


def read_network_tables(r) -> bytes:
    """The steps and tables :func:`networks_parts` writes first, from reader ``r``."""
    return bytes(r.take(SYNTHESIS_HEAD + ARM_HEAD, "the network steps and tables"))


def networks_from_parts(tables: bytes, synth_stream: bytes, arm_stream: bytes) -> tuple[dict, dict]:
    """(params, steps) back from :func:`networks_parts`' three parts; FormatError if damaged."""
    params, steps = synthesis_from_part(tables[:SYNTHESIS_HEAD], synth_stream)
    return {**params, **arm_from_part(tables[SYNTHESIS_HEAD:], arm_stream)}, steps


def check_size(height: int, width: int, max_pixels: int) -> None:
    if not (1 <= height <= 65535 and 1 <= width <= 65535):
        raise FormatError(f"{FORMAT.name}: image size {width}x{height}")
    if height * width > max_pixels:
        raise OutputLimitError(f"{FORMAT.name}: {width}x{height} is more than max_pixels={max_pixels}")


def dumps(coded: Coded, latent_stream: bytes) -> bytes:
    """The stream of ``coded``; ``latent_stream`` is its latents' rANS stream (made with the
    integer ARM, :mod:`.codec`)."""
    tables, synth_stream, arm_stream = networks_parts(coded.params, coded.steps)
    body = (_HEAD.pack(FORMAT.magic, FORMAT.version, 0, coded.height, coded.width) + tables
            + _LENGTHS.pack(len(synth_stream), len(arm_stream), len(latent_stream))
            + synth_stream + arm_stream + latent_stream)
    return FORMAT.seal(body)


def loads(blob, *, max_pixels: int = MAX_PIXELS):
    """(height, width, params, steps, latent stream) of a stream; the latents need the ARM to
    decode (:mod:`.decoder`). FormatError / ChecksumError / UnsupportedError / OutputLimitError."""
    view = memoryview(blob).cast("B")
    FORMAT.check_magic(view)
    r = FORMAT.reader(view)
    _, version, flags, height, width = r.unpack(_HEAD, "the header")
    FORMAT.check_version(version)
    r = FORMAT.reader(FORMAT.unseal(view), _HEAD.size)
    if flags:
        raise FormatError(f"{FORMAT.name}: unknown flags {flags:#x}")
    check_size(height, width, max_pixels)
    tables = read_network_tables(r)
    lengths = r.unpack(_LENGTHS, "the stream lengths")
    streams = [bytes(r.take(n, "a stream")) for n in lengths]
    r.expect_end()
    params, steps = networks_from_parts(tables, streams[0], streams[1])
    return height, width, params, steps, streams[2]
