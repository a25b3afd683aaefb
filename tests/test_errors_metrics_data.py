"""The errors every decoder raises, and the metrics and sample data the tour and tests measure with."""

import numpy as np
import pytest

import fastzip
from fastzip import data, metrics


def test_errors_are_value_errors():
    for cls in (fastzip.FormatError, fastzip.ChecksumError, fastzip.OutputLimitError, fastzip.UnsupportedError):
        assert issubclass(cls, fastzip.FastzipError) and issubclass(cls, ValueError)
    assert issubclass(fastzip.ChecksumError, fastzip.FormatError)


def test_metrics():
    assert metrics.order0_entropy(b"") == 0.0
    assert metrics.order0_entropy(b"aaaa") == 0.0
    assert metrics.order0_entropy(bytes(range(256))) == pytest.approx(8.0)
    assert metrics.order0_entropy(b"ab" * 10) == pytest.approx(1.0)
    assert metrics.compression_ratio(100, 25) == 4.0
    assert metrics.bits_per_byte(100, 25) == 2.0
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    assert metrics.psnr(a, b) == float("inf")
    b[0, 0, 0] = 255
    assert metrics.mse(a, b) == pytest.approx(255**2 / 48)
    assert metrics.psnr(a, b) == pytest.approx(10 * np.log10(48))
    assert metrics.bpp(1024, (64, 128, 3)) == 1.0
    with pytest.raises(ValueError):
        metrics.mse(a, b[:2])


def test_sample_data_is_real_and_stable():
    text = data.stdlib_text(4096)
    assert len(text) == 4096 and text.isascii() and b"def " in data.stdlib_text(1 << 16)
    code = data.shared_library_code(4096)
    assert len(code) == 4096
    assert data.describe("x", b"abc").startswith("x (3 bytes, sha256 ba7816bf8f01")
    with pytest.raises(ValueError, match="fewer than"):
        data.stdlib_text(1 << 40)
