"""The compressed-sparse weight format (``FZSW``): a state dict in as few bytes as exactness allows.

Every tensor is stored as a sparsity map plus its non-zero values, each stream entropy-coded by
fastzip's own coders (canonical Huffman or DEFLATE, whichever is smaller; raw if neither helps).
"Zero" means all bits zero, so ``-0.0`` and NaN payloads survive. Values are kept exactly: a
float32 tensor whose values all fit float16 is *stored* as float16 and restored as float32;
integers and quantization parameters likewise take the narrowest type that holds them. Values
wider than a byte are byte-shuffled (all low bytes, then the next…) so that the coders see the
slowly varying high bytes together.

Quantized tensors (``torch.qint8``/``quint8``, per-tensor or per-channel affine) keep their
integer values, scales, zero points and axis. The byte layout is in ``docs/formats.md``.

Torch is optional here: :func:`loads_stored` reads a file into :class:`Stored` records (numpy
arrays, and a sparse tensor as positions + values, never densified), which torch-free inference
runs from; :func:`loads` turns them into torch tensors. :func:`dumps` takes torch tensors, numpy
arrays or :class:`Stored` records.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import deflate, huffman
from .._container import Format, Reader
from ..errors import FastzipError, FormatError, OutputLimitError

__all__ = ["save", "load", "dumps", "loads", "loads_stored", "Stored", "Quantization", "to_stored", "to_torch",
           "MAGIC", "VERSION", "DEFAULT_MAX_ELEMENTS"]

FORMAT = Format(b"FZSW", (1,), "fastzip weights file")
MAGIC, VERSION = FORMAT.magic, FORMAT.version
DEFAULT_MAX_ELEMENTS = 1 << 28  # 256 M values: far above any model here, far below a memory bomb
_MAX_DIMS = 8

# Element types: code -> (numpy dtype of the values, name). Quantized types store their integer values.
_DTYPES = {
    1: (np.float32, "float32"), 2: (np.float16, "float16"), 3: (np.float64, "float64"),
    4: (np.int8, "int8"), 5: (np.uint8, "uint8"), 6: (np.int16, "int16"),
    7: (np.int32, "int32"), 8: (np.int64, "int64"), 9: (np.int8, "qint8"),
    10: (np.uint8, "quint8"), 11: (np.bool_, "bool"),
}
_CODE_OF_KIND = {kind: code for code, (_, kind) in _DTYPES.items()}
_QUANTIZED = ("qint8", "quint8")
_CODE_OF_NUMPY = {np.dtype(n): code for code, (n, kind) in _DTYPES.items() if kind not in _QUANTIZED}
# Narrower types tried, in order, for storing each type exactly.
_NARROWER = {np.dtype(np.float32): [np.float16], np.dtype(np.float64): [np.float16, np.float32],
             np.dtype(np.int64): [np.int8, np.int16, np.int32], np.dtype(np.int32): [np.int8, np.int16],
             np.dtype(np.int16): [np.int8]}

_RAW, _HUFFMAN, _DEFLATE = 0, 1, 2
_DENSE, _BITMAP, _ZERO_RUNS = 0, 1, 2
_NOT_QUANTIZED, _PER_TENSOR, _PER_CHANNEL = 0, 1, 2
_STREAM = struct.Struct("<BQQ")  # codec, decoded length, stored length


@dataclass
class Quantization:
    """Affine quantization of a tensor: real = (q - zero_point) * scale, per tensor (one
    scale) or per channel along ``axis``."""
    per_channel: bool
    axis: int
    scales: np.ndarray  # float64
    zero_points: np.ndarray  # int64


@dataclass
class Stored:
    """One tensor as ``FZSW`` holds it, in numpy: ``values`` (1-D) are the non-zero values (all
    of them when ``positions`` is None) in row-major order, ``positions`` their flat indices."""
    kind: str  # "float32", "qint8", ... (the element type)
    shape: tuple
    values: np.ndarray
    positions: np.ndarray | None = None
    quant: Quantization | None = None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def dense(self) -> np.ndarray:
        """All values, zeros included, shaped (a new array when the tensor is sparse)."""
        if self.positions is None:
            return self.values.reshape(self.shape)
        flat = np.zeros(self.size, self.values.dtype)
        flat[self.positions] = self.values
        return flat.reshape(self.shape)

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Compressed sparse rows of the tensor as a matrix (first dimension x the rest):
        (row starts, column of each value, values) of its non-zero values, without densifying."""
        rows = self.shape[0] if self.shape else 1
        cols = max(self.size // rows if rows else 0, 1)
        positions, values = self.positions, self.values
        if positions is None:  # a dense record: its zeros are dropped here
            positions = np.flatnonzero(values)
            values = values[positions]
        starts = np.zeros(rows + 1, np.int64)
        np.cumsum(np.bincount(positions // cols, minlength=rows), out=starts[1:])
        return starts, (positions % cols).astype(np.int32), values


# ---------------------------------------------------------------- writing

def _narrowest(values: np.ndarray) -> np.ndarray:
    """``values`` in the narrowest type that restores them bit-exactly."""
    for dtype in _NARROWER.get(values.dtype, ()):
        narrow = values.astype(dtype)
        back = narrow.astype(values.dtype)
        if np.array_equal(back.view(np.uint8), values.view(np.uint8)):
            return narrow
    return values


def _shuffle(values: np.ndarray) -> bytes:
    width = values.dtype.itemsize
    raw = np.ascontiguousarray(values).view(np.uint8)
    return raw.tobytes() if width == 1 else raw.reshape(-1, width).T.tobytes()


def _unshuffle(raw: bytes, dtype) -> np.ndarray:
    width = np.dtype(dtype).itemsize
    planes = np.frombuffer(raw, np.uint8)
    return (planes if width == 1 else planes.reshape(width, -1).T.copy()).view(dtype).reshape(-1)


def _write_stream(out: io.BytesIO, raw: bytes) -> None:
    """The smallest of raw, Huffman and DEFLATE, tagged so the reader knows which."""
    best, codec = raw, _RAW
    if len(raw) > 64:
        for candidate_codec, coder in ((_HUFFMAN, huffman.compress), (_DEFLATE, lambda b: deflate.compress(b, 6, format="raw"))):
            candidate = coder(raw)
            if len(candidate) < len(best):
                best, codec = candidate, candidate_codec
    out.write(_STREAM.pack(codec, len(raw), len(best)))
    out.write(best)


def _write_array(out: io.BytesIO, values: np.ndarray) -> None:
    """A small 1-D array (scales, zero points): storage type, count, one stream."""
    stored = _narrowest(np.ascontiguousarray(values).reshape(-1))
    out.write(struct.pack("<BQ", _CODE_OF_NUMPY[stored.dtype], stored.size))
    _write_stream(out, _shuffle(stored))


def _zero_runs(nonzero: np.ndarray) -> bytes:
    """Zeros before each non-zero value; a run of 255 or more continues in the next byte."""
    positions = np.flatnonzero(nonzero)
    gaps = np.diff(positions, prepend=-1) - 1
    extra = gaps // 255
    out = np.full(int(gaps.size + extra.sum()), 255, np.uint8)
    ends = np.cumsum(extra + 1) - 1
    out[ends] = (gaps - extra * 255).astype(np.uint8)
    return out.tobytes()


def to_stored(tensor) -> Stored:
    """A torch tensor (quantized or not), a numpy array or a :class:`Stored` as a dense record."""
    if isinstance(tensor, Stored):
        return tensor
    if isinstance(tensor, np.ndarray):
        if tensor.dtype not in _CODE_OF_NUMPY:
            raise TypeError(f"cannot store arrays of dtype {tensor.dtype}")
        return Stored(_DTYPES[_CODE_OF_NUMPY[tensor.dtype]][1], tuple(tensor.shape), np.ascontiguousarray(tensor).reshape(-1))
    import torch

    tensor = tensor.detach().cpu()
    kind = str(tensor.dtype).removeprefix("torch.")
    if kind not in _CODE_OF_KIND:
        raise TypeError(f"cannot store tensors of dtype {tensor.dtype}")
    if not tensor.is_quantized:
        return Stored(kind, tuple(tensor.shape), tensor.contiguous().numpy().reshape(-1))
    scheme = tensor.qscheme()
    if scheme == torch.per_tensor_affine:
        quant = Quantization(False, 0, np.array([tensor.q_scale()], np.float64), np.array([tensor.q_zero_point()], np.int64))
    elif scheme == torch.per_channel_affine:
        quant = Quantization(True, tensor.q_per_channel_axis(), tensor.q_per_channel_scales().numpy().astype(np.float64),
                             tensor.q_per_channel_zero_points().numpy().astype(np.int64))
    else:
        raise TypeError(f"cannot store quantization scheme {scheme}")
    return Stored(kind, tuple(tensor.shape), tensor.int_repr().contiguous().numpy().reshape(-1), quant=quant)


def _write_tensor(out: io.BytesIO, name: str, tensor) -> None:
    record = to_stored(tensor)
    values = record.dense()
    encoded = name.encode("utf-8")
    if len(encoded) > 0xFFFF or values.ndim > _MAX_DIMS:
        raise ValueError(f"tensor {name!r}: name over 65535 bytes or more than {_MAX_DIMS} dimensions")
    out.write(struct.pack("<H", len(encoded)) + encoded)
    out.write(struct.pack(f"<BB{values.ndim}Q", _CODE_OF_KIND[record.kind], values.ndim, *values.shape))
    quant = record.quant
    if quant is None:
        out.write(bytes([_NOT_QUANTIZED]))
    else:
        out.write(struct.pack("<BB", _PER_CHANNEL if quant.per_channel else _PER_TENSOR, quant.axis))
        _write_array(out, quant.scales.astype(np.float64))
        _write_array(out, quant.zero_points.astype(np.int64))
    flat = values.reshape(-1)
    nonzero = flat.view(np.uint8).reshape(flat.size, -1).any(axis=1) if flat.size else np.zeros(0, bool)
    nnz = int(nonzero.sum())
    stored = _narrowest(flat[nonzero] if nnz < flat.size else flat)
    maps = {}
    if nnz < flat.size:
        maps[_BITMAP] = np.packbits(nonzero, bitorder="little").tobytes()
        maps[_ZERO_RUNS] = _zero_runs(nonzero)
    candidates = []
    for kind, raw in maps.items():
        buf = io.BytesIO()
        _write_stream(buf, raw)
        candidates.append((len(buf.getvalue()), kind, buf.getvalue()))
    kind, map_bytes = (min(candidates)[1:] if candidates else (_DENSE, b""))
    out.write(struct.pack("<BQB", kind, nnz, _CODE_OF_NUMPY[stored.dtype]))
    out.write(map_bytes)
    _write_stream(out, _shuffle(stored))


def dumps(state: dict) -> bytes:
    """The ``FZSW`` bytes of a ``{name: tensor}`` mapping (any order; kept as given); values are
    torch tensors, numpy arrays or :class:`Stored` records."""
    out = io.BytesIO()
    out.write(MAGIC + struct.pack("<BBI", VERSION, 0, len(state)))
    for name, tensor in state.items():
        _write_tensor(out, str(name), tensor)
    return FORMAT.seal(out.getvalue())


def save(state: dict, path) -> int:
    """Write :func:`dumps` to ``path``; returns the number of bytes written."""
    blob = dumps(state)
    Path(path).write_bytes(blob)
    return len(blob)


# ---------------------------------------------------------------- reading

class _Reader(Reader):
    """The container's bounds-checked reader, with a budget of elements and coded streams."""

    def __init__(self, body, max_elements: int):
        super().__init__(body, FORMAT.name, 4)
        self.budget = max_elements

    def spend(self, elements: int) -> None:
        if elements > self.budget:
            raise OutputLimitError("weights file holds more than max_elements values")
        self.budget -= elements

    def stream(self, expected: int | None = None, *, limit: int = 0) -> bytes:
        """One coded stream of ``expected`` bytes (or of at most ``limit`` when not known)."""
        codec, length, stored = self.unpack("BQQ", "a stream record")
        if expected is not None and length != expected or expected is None and length > limit:
            raise FormatError(f"a stream decodes to {length} bytes, which does not fit its tensor")
        data = self.take(stored, "a coded stream")
        if codec == _RAW:
            out = bytes(data)
        elif codec == _HUFFMAN:
            out = huffman.decompress(data, max_output_size=length)
        elif codec == _DEFLATE:
            out = deflate.decompress(data, format="raw", max_output_size=length)
        else:
            raise FormatError(f"unknown stream codec {codec}")
        if len(out) != length:
            raise FormatError("a stream decoded to the wrong length")
        return out

    def element(self, code: int, *, stored: bool) -> np.dtype:
        if code not in _DTYPES or (stored and _DTYPES[code][1] in _QUANTIZED):
            raise FormatError(f"unknown element type {code}")
        return np.dtype(_DTYPES[code][0])

    def array(self, dtype) -> np.ndarray:
        code, count = self.unpack("BQ", "quantization parameters")
        stored = self.element(code, stored=True)
        if count > 1 << 24:
            raise FormatError("quantization parameters are implausibly long")
        values = _unshuffle(self.stream(count * stored.itemsize), stored)
        wide = values.astype(dtype)
        if not np.array_equal(wide.astype(stored), values):
            raise FormatError("stored quantization parameters do not fit their type")
        return wide


def _read_tensor(r: _Reader) -> tuple[str, Stored]:
    (name_len,) = r.unpack("H", "a tensor record")
    try:
        name = bytes(r.take(name_len, "a tensor name")).decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("a tensor name is not UTF-8") from None
    code, ndim = r.unpack("BB", "a tensor record")
    dtype = r.element(code, stored=False)
    if ndim > _MAX_DIMS:
        raise FormatError(f"tensor {name!r} has {ndim} dimensions")
    shape = r.unpack(f"{ndim}Q", "a tensor shape")
    numel = 1
    for d in shape:
        numel *= d
    r.spend(numel)
    (scheme,) = r.unpack("B", "a tensor record")
    quant = None
    if scheme in (_PER_TENSOR, _PER_CHANNEL):
        (axis,) = r.unpack("B", "a tensor record")
        scales, zero_points = r.array(np.float64), r.array(np.int64)
        channels = 1 if scheme == _PER_TENSOR else (shape[axis] if axis < ndim else -1)
        if scales.size != channels or zero_points.size != channels or not np.all(np.isfinite(scales)) or np.any(scales <= 0):
            raise FormatError(f"tensor {name!r}: quantization parameters do not match its shape")
        quant = Quantization(scheme == _PER_CHANNEL, axis, scales, zero_points)
    elif scheme != _NOT_QUANTIZED:
        raise FormatError(f"tensor {name!r}: unknown quantization scheme {scheme}")
    kind_name = _DTYPES[code][1]
    if (quant is not None) != (kind_name in _QUANTIZED):
        raise FormatError(f"tensor {name!r}: quantization record and element type disagree")
    kind, nnz, stored_code = r.unpack("BQB", "a tensor record")
    stored = r.element(stored_code, stored=True)
    if nnz > numel or (kind == _DENSE) != (nnz == numel):
        raise FormatError(f"tensor {name!r}: {nnz} non-zero values in {numel}")
    positions = None
    if kind == _BITMAP:
        nonzero = np.unpackbits(np.frombuffer(r.stream((numel + 7) // 8), np.uint8), count=numel, bitorder="little").astype(bool)
        positions = np.flatnonzero(nonzero)
        if positions.size != nnz:
            raise FormatError(f"tensor {name!r}: sparsity map disagrees with its count")
    elif kind == _ZERO_RUNS:
        runs = np.frombuffer(r.stream(limit=numel), np.uint8)  # each byte stands for >= 1 element
        ends = np.flatnonzero(runs != 255)
        if ends.size != nnz or (runs.size and runs[-1] == 255):
            raise FormatError(f"tensor {name!r}: sparsity map disagrees with its count")
        sums = np.cumsum(runs.astype(np.int64))[ends]
        gaps = np.diff(sums, prepend=0)
        positions = np.cumsum(gaps + 1) - 1
        if nnz and positions[-1] >= numel:
            raise FormatError(f"tensor {name!r}: sparsity map runs past the tensor")
    elif kind != _DENSE:
        raise FormatError(f"tensor {name!r}: unknown sparsity map {kind}")
    values = _unshuffle(r.stream(nnz * stored.itemsize), stored)
    wide = values.astype(dtype)
    if not np.array_equal(wide.astype(stored).view(np.uint8), values.view(np.uint8)):
        raise FormatError(f"tensor {name!r}: stored values do not fit its type")
    if positions is not None and nnz and not wide.view(np.uint8).reshape(nnz, -1).any(axis=1).all():
        raise FormatError(f"tensor {name!r}: a 'non-zero' value is zero")
    return name, Stored(kind_name, tuple(shape), wide, positions, quant)


def to_torch(record: Stored):
    """The torch tensor of a record (quantized tensors as torch's quantized types)."""
    import torch

    array = record.dense()
    if not array.flags.c_contiguous:  # (np.ascontiguousarray would make a scalar 1-D)
        array = array.copy()
    if record.quant is None:
        return torch.from_numpy(array)
    quant = record.quant
    ints = torch.from_numpy(array)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch 2.13 deprecates quantized tensors; they are what INT8 layers take
        if not quant.per_channel:
            tensor = torch._make_per_tensor_quantized_tensor(ints, float(quant.scales[0]), int(quant.zero_points[0]))
        else:
            tensor = torch._make_per_channel_quantized_tensor(ints, torch.from_numpy(quant.scales),
                                                              torch.from_numpy(quant.zero_points), quant.axis)
    if str(tensor.dtype) != f"torch.{record.kind}":
        raise FormatError(f"stored as {tensor.dtype}, declared {record.kind}")
    return tensor


def loads_stored(blob, *, max_elements: int = DEFAULT_MAX_ELEMENTS) -> dict[str, Stored]:
    """The ``{name: Stored}`` records of ``FZSW`` bytes, without torch.

    Raises :class:`FormatError` (truncated, corrupt, foreign), :class:`ChecksumError`,
    :class:`UnsupportedError` (a newer version) or :class:`OutputLimitError` when the tensors
    hold more than ``max_elements`` values in all (checked before each is allocated).
    """
    view = memoryview(blob).cast("B")
    FORMAT.check_magic(view)
    if len(view) < 14:
        raise FormatError(f"{FORMAT.name} truncated: {len(view)} bytes")
    FORMAT.check_version(view[4])
    r = _Reader(FORMAT.unseal(view), max_elements)
    _version, _flags, count = r.unpack("BBI", "the header")
    state = {}
    for _ in range(count):
        name, record = _read_tensor(r)
        if name in state:
            raise FormatError(f"tensor {name!r} appears twice")
        state[name] = record
    r.expect_end()
    return state


def loads(blob, *, max_elements: int = DEFAULT_MAX_ELEMENTS) -> dict:
    """The ``{name: torch tensor}`` mapping of ``FZSW`` bytes; errors as :func:`loads_stored`."""
    state = {}
    for name, record in loads_stored(blob, max_elements=max_elements).items():
        try:
            state[name] = to_torch(record)
        except FastzipError as exc:
            raise FormatError(f"tensor {name!r}: {exc}") from None
        except (ValueError, RuntimeError, IndexError) as exc:  # e.g. torch rejecting an axis
            raise FormatError(f"weights file is inconsistent: {exc}") from None
    return state


def load(path, *, max_elements: int = DEFAULT_MAX_ELEMENTS) -> dict:
    """:func:`loads` of the file at ``path``."""
    return loads(Path(path).read_bytes(), max_elements=max_elements)
