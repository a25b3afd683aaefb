"""The framings' checksums: fastzip's native CRC-32 and Adler-32 beside zlib's, side by side.

    pytest bench/bench_checksums.py --benchmark-only --benchmark-columns=min,median,ops

Groups ``checksum-crc32[SIZE]`` and ``checksum-adler32[SIZE]`` on random bytes: ``native`` (what
``fastzip.deflate.crc32``/``adler32`` run here: VPCLMULQDQ or PCLMULQDQ folding, AVX-512 or AVX2
sums where the CPU has them), ``clmul128`` (the 128-bit folds alone), ``slicing`` (the table
fallback, CRC-32 only), ``avx2``, ``sse2`` and ``portable`` (Adler-32's fallbacks), ``zlib``,
``libdeflate`` where the ``deflate`` package is installed, and at 16 KiB the RFCs' loops
(``fastzip.reference.checksums``). extra_info has GB/s.
"""

import zlib

import numpy as np
import pytest

from fastzip._native import checksums
from fastzip.reference import checksums as reference

from .helpers import record_rate

SIZES = {"16KiB": 1 << 14, "1MiB": 1 << 20}
CRC = {"native": checksums.crc32, "clmul128": checksums.crc32_clmul128, "slicing": checksums.crc32_slicing,
       "zlib": zlib.crc32, "reference": reference.crc32}
ADLER = {"native": checksums.adler32, "avx2": checksums.adler32_avx2, "sse2": checksums.adler32_sse2,
         "portable": checksums.adler32_portable,
         "zlib": zlib.adler32, "reference": reference.adler32}
try:
    import deflate as _libdeflate

    CRC["libdeflate"] = _libdeflate.crc32
    ADLER["libdeflate"] = _libdeflate.adler32
except ImportError:
    pass


def _data(size: int) -> bytes:
    return np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()


def _cases(table: dict) -> list[tuple[str, str]]:
    """(name, size) pairs: the reference loops on 16 KiB only (a MiB takes them seconds)."""
    return [(name, size) for size in SIZES for name in table if name != "reference" or size == "16KiB"]


def _run(benchmark, fn, name: str, size_name: str):
    data = _data(SIZES[size_name])
    if name == "reference":
        benchmark.pedantic(fn, (data,), rounds=3, iterations=1)
    else:
        benchmark(fn, data)
    record_rate(benchmark, "GB/s", len(data), 1e-9)


@pytest.mark.parametrize("name, size_name", _cases(CRC))
def test_crc32(benchmark, name, size_name):
    benchmark.group = f"checksum-crc32[{size_name}]"
    _run(benchmark, CRC[name], name, size_name)
    assert CRC[name](_data(64)) == zlib.crc32(_data(64))


@pytest.mark.parametrize("name, size_name", _cases(ADLER))
def test_adler32(benchmark, name, size_name):
    benchmark.group = f"checksum-adler32[{size_name}]"
    _run(benchmark, ADLER[name], name, size_name)
    assert ADLER[name](_data(64)) == zlib.adler32(_data(64))
