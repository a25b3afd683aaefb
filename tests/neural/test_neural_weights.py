"""The compressed-sparse weight format FZSW: exact round trips, real compression, hostile input."""

import contextlib
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from fastzip import ChecksumError, FastzipError, FormatError, OutputLimitError, UnsupportedError
from fastzip.neural import weights

GOLDEN = Path(__file__).parent.parent / "golden"


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.is_quantized:
        assert a.qscheme() == b.qscheme() and torch.equal(a.int_repr(), b.int_repr())
        if a.qscheme() == torch.per_channel_affine:
            assert torch.equal(a.q_per_channel_scales(), b.q_per_channel_scales())
            assert torch.equal(a.q_per_channel_zero_points(), b.q_per_channel_zero_points())
            assert a.q_per_channel_axis() == b.q_per_channel_axis()
        else:
            assert a.q_scale() == b.q_scale() and a.q_zero_point() == b.q_zero_point()
    elif a.dtype == torch.bool:
        assert torch.equal(a, b)
    else:  # bit patterns: -0.0 and NaN payloads included
        assert a.numpy().tobytes() == b.numpy().tobytes()


def _sparse(shape, fraction, seed=0):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(shape, generator=g)
    w[torch.rand(shape, generator=g) < fraction] = 0
    return w


@contextlib.contextmanager
def _nowarn():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quantized tensor constructors are deprecated in torch 2.13
        yield


def _quantized(w):
    scales = (w.abs().amax(dim=1) / 127).clamp_min(1e-6).double()
    with _nowarn():
        return torch.quantize_per_channel(w, scales, torch.zeros(len(scales), dtype=torch.long), 0, torch.qint8)


def _state():
    with _nowarn():
        per_tensor = torch.quantize_per_tensor(torch.randn(7, 5), 0.05, 3, torch.quint8)
    return {
        "dense": torch.randn(33, 17),
        "sparse": _sparse((64, 96), 0.5),
        "very_sparse": _sparse((300, 40), 0.97),
        "half": torch.randn(10, 3).half(),
        "fits_fp16": torch.randn(50).half().float(),
        "signed_zero_nan": torch.tensor([0.0, -0.0, float("nan"), float("inf"), 1e-40]),
        "ints": torch.arange(-5, 300, dtype=torch.int64),
        "int32": torch.tensor([[1, -2], [3, 1 << 30]], dtype=torch.int32),
        "bytes": torch.tensor([0, 255, 0, 7], dtype=torch.uint8),
        "flags": torch.tensor([True, False, False, True]),
        "scalar": torch.tensor(3.25),
        "empty": torch.zeros(0, 4),
        "all_zero": torch.zeros(20, 20),
        "qint8_per_channel": _quantized(_sparse((40, 24), 0.5)),
        "quint8_per_tensor": per_tensor,
        "double": torch.randn(6, dtype=torch.float64),
    }


def test_every_tensor_comes_back_bit_exact():
    state = _state()
    back = weights.loads(weights.dumps(state))
    assert list(back) == list(state)
    for name in state:
        _same(state[name], back[name])


def test_save_and_load_files(tmp_path):
    state = {"w": _sparse((10, 10), 0.5)}
    n = weights.save(state, tmp_path / "w.fzsw")
    assert n == (tmp_path / "w.fzsw").stat().st_size
    _same(weights.load(tmp_path / "w.fzsw")["w"], state["w"])


def test_sparse_int8_is_smaller_than_its_dense_bytes():
    w = _quantized(_sparse((512, 128), 0.5))
    size = len(weights.dumps({"w": w}))
    # 1 bit of map + at most a byte per survivor, plus scales: well under one byte per parameter
    assert size < 0.75 * w.numel()
    very = _quantized(_sparse((512, 128), 0.95))
    assert len(weights.dumps({"w": very})) < 0.2 * w.numel()


def test_float16_exact_values_are_stored_narrow():
    exact = torch.randn(4096).half().float()
    generic = torch.randn(4096)
    assert len(weights.dumps({"w": exact})) < 0.6 * len(weights.dumps({"w": generic}))


def test_golden_file_still_reads():
    golden = (GOLDEN / "weights_v1.fzsw").read_bytes()
    state = weights.loads(golden)
    with warnings.catch_warnings():
        # torch's own loader rebuilds the quantized tensors through TypedStorage and warns
        # about it; nothing here uses storages.
        warnings.filterwarnings("ignore", "TypedStorage is deprecated", UserWarning)
        expected = torch.load(GOLDEN / "weights_v1.pt", weights_only=True)
    assert list(state) == list(expected)
    for name in state:
        _same(state[name], expected[name])


def test_truncated_at_every_length_is_rejected():
    blob = weights.dumps({"a": _sparse((20, 20), 0.5), "b": torch.arange(10)})
    for n in range(len(blob)):
        with pytest.raises(FormatError):
            weights.loads(blob[:n])


def _resealed(body: bytes) -> bytes:
    return body + struct.pack("<I", zlib.crc32(body))


def test_corruption_is_caught_by_the_checksum():
    blob = bytearray(weights.dumps({"a": torch.randn(30)}))
    blob[20] ^= 0x40
    with pytest.raises(ChecksumError):
        weights.loads(bytes(blob))


def test_mutants_with_valid_checksums_raise_only_fastzip_errors():
    body = weights.dumps(_state())[:-4]
    rng = np.random.default_rng(1)
    outcomes = {"rejected": 0, "accepted": 0}
    for _ in range(1500):
        mutant = bytearray(body)
        for _ in range(rng.integers(1, 4)):
            mutant[rng.integers(8, len(mutant))] = rng.integers(0, 256)
        try:
            weights.loads(_resealed(bytes(mutant)))
            outcomes["accepted"] += 1
        except FastzipError:
            outcomes["rejected"] += 1
    assert outcomes["rejected"] > 500


def test_foreign_newer_and_oversized():
    with pytest.raises(FormatError, match="magic"):
        weights.loads(b"PK\x03\x04" + bytes(20))
    blob = bytearray(weights.dumps({"a": torch.randn(3)}))
    blob[4] = 2
    with pytest.raises(UnsupportedError):
        weights.loads(_resealed(bytes(blob[:-4])))
    with pytest.raises(OutputLimitError):
        weights.loads(weights.dumps({"a": torch.zeros(1000)}), max_elements=999)


def test_declared_giant_shape_is_refused_before_allocation():
    # one tensor claiming 2**40 float32 values, with nothing behind it
    name = b"x"
    body = b"FZSW" + struct.pack("<BBI", 1, 0, 1) + struct.pack("<H", 1) + name
    body += struct.pack("<BBQQ", 1, 2, 1 << 20, 1 << 20) + bytes([0])
    with pytest.raises(OutputLimitError):
        weights.loads(_resealed(body))


def test_unsupported_dtypes_are_refused_when_saving():
    with pytest.raises(TypeError):
        weights.dumps({"c": torch.zeros(2, dtype=torch.complex64)})
