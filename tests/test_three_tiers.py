"""One source, two tiers, plus the hand-written kernel: for Huffman bit packing, the LZ77
matcher and the DCT + quantization, ``impl="reference"`` (the twin interpreted),
``impl="numba"`` (the same source compiled) and ``impl="native"`` (Cython) agree: the same
bytes and tokens, the same quantized values, DCT coefficients within float rounding."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastzip
from fastzip import FormatError, dct, huffman, lz77

pytest.importorskip("numba")
TIERS = ["native", "numba", "reference"]


def _all_equal(results: dict):
    values = list(results.values())
    return all(v == values[0] for v in values[1:])


# -- Huffman bit packing -----------------------------------------------------------------------

def test_huffman_streams_are_the_same_bytes_on_real_data(real_corpora):
    for name, raw in real_corpora.items():
        piece = raw[: 1 << 15]
        streams = {impl: huffman.compress(piece, impl=impl) for impl in TIERS}
        assert _all_equal(streams), name
        for impl in TIERS:
            assert huffman.decompress(streams["native"], impl=impl) == piece


@given(st.lists(st.integers(0, 299), min_size=1, max_size=400), st.integers(9, 16))
def test_symbol_packing_agrees_on_any_alphabet(symbols, max_length):
    freqs = np.bincount(symbols, minlength=300)
    lengths = huffman.code_lengths(freqs, max_length)
    packed = {impl: huffman.encode(symbols, lengths, impl=impl) for impl in TIERS}
    assert _all_equal(packed)
    for impl in TIERS:
        assert huffman.decode(packed["native"], lengths, len(symbols), impl=impl).tolist() == symbols


@pytest.mark.parametrize("cut", [1, 3])
def test_decoders_report_the_same_errors(cut):
    lengths = [1, 2, 3, 3]
    packed = huffman.encode([3, 2, 1, 0] * 10, lengths)
    for impl in TIERS:
        with pytest.raises(FormatError, match="truncated"):
            huffman.decode(packed[:-cut], lengths, 40, impl=impl)
        with pytest.raises(FormatError, match="no code"):
            huffman.decode(b"\x02", [1, 0], 2, impl=impl)


# -- LZ77 ----------------------------------------------------------------------------------------

def test_lz77_tokens_are_the_same_on_real_data(real_corpora):
    for name, raw in real_corpora.items():
        piece = raw[:3000]
        tokens = {impl: lz77.encode(piece, window=512, lookahead=18, impl=impl) for impl in TIERS}
        assert all(np.array_equal(tokens["native"], t) for t in tokens.values()), name
        assert lz77.decode(tokens["numba"]) == piece


@given(st.binary(max_size=300), st.integers(1, 64), st.integers(1, 20))
def test_lz77_tokens_agree_on_any_input(data, window, lookahead):
    tokens = {impl: lz77.encode(data, window=window, lookahead=lookahead, impl=impl) for impl in TIERS}
    assert all(np.array_equal(tokens["native"], t) for t in tokens.values())


# -- DCT and quantization ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def photo_blocks():
    skimage_data = pytest.importorskip("skimage.data")
    plane = skimage_data.astronaut()[:64, :128, 0].astype(np.float64) - 128
    return plane.reshape(8, 8, 16, 8).transpose(0, 2, 1, 3).reshape(-1, 8, 8).copy()


def test_dct_tiers_agree_on_a_photo(photo_blocks):
    table = dct.quality_table(75)
    coeffs = {impl: dct.forward(photo_blocks, impl=impl) for impl in TIERS}
    for impl in ("numba", "reference"):
        np.testing.assert_allclose(coeffs[impl], coeffs["native"], atol=1e-9)
        np.testing.assert_allclose(dct.inverse(coeffs["native"], impl=impl), photo_blocks, atol=1e-9)
    quantized = {impl: dct.quantize(coeffs["reference"], table, impl=impl) for impl in TIERS}
    assert all(np.array_equal(quantized["native"], q) for q in quantized.values())
    assert np.array_equal(coeffs["numba"], coeffs["reference"])  # the same source, the same float64 steps


@given(st.lists(st.floats(-3000, 3000, allow_nan=False), min_size=64, max_size=64),
       st.integers(1, 100))
def test_quantized_values_are_identical_for_any_coefficients(values, quality):
    coeffs = np.array(values).reshape(1, 8, 8)
    coeffs[0, 0, :4] = [0.5, -0.5, 1.5, -2.5]  # exact halves: rounded away from zero by all
    table = dct.quality_table(quality)
    results = [dct.quantize(coeffs, table, impl=impl) for impl in TIERS]
    assert all(np.array_equal(results[0], r) for r in results[1:])


def test_quantize_refuses_what_it_cannot_round():
    with pytest.raises(ValueError, match="finite"):
        dct.quantize(np.full((8, 8), np.nan), np.ones((8, 8)))


# -- Numba as an optional dependency, and its cache --------------------------------------------

def test_asking_for_numba_without_it_names_the_extra():
    code = ("import sys; sys.modules['numba'] = None\n"
            "from fastzip import huffman\n"
            "assert huffman.compress(b'abc') == huffman.compress(b'abc', impl='reference')\n"
            "try:\n    huffman.compress(b'abc', impl='numba')\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "fastzip[numba]" in out.stdout


def _read_only_command(install: Path, argv: list) -> list:
    """``argv`` run where ``install`` cannot be written: permission bits stop other users, and
    root (whom they do not stop) gets a private mount namespace with ``install`` read-only."""
    for path in [install, *install.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    if os.geteuid() != 0:
        return argv
    if not shutil.which("unshare"):
        pytest.skip("running as root without unshare: no way to make a directory read-only")
    return ["unshare", "-rm", "sh", "-c", 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"',
            str(install), *argv]


def test_a_read_only_install_caches_in_the_user_directory(tmp_path):
    """With the package where nothing may be written, the first process compiles into the
    user's cache directory and the second loads from it."""
    install = tmp_path / "site"
    shutil.copytree(Path(fastzip.__file__).parent, install / "fastzip",
                    ignore=shutil.ignore_patterns("__pycache__", "*.c", "*.pyx", "*.pxd"))
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(PYTHONPATH=str(install), HOME=str(cache), XDG_CACHE_HOME=str(cache))
    code = ("import fastzip, fastzip._jit as jit, fastzip.reference.lz77 as ref\n"
            "from fastzip import lz77\n"
            "assert fastzip.__file__.startswith(%r), fastzip.__file__\n"
            "assert len(lz77.encode(b'abracadabra' * 20, impl='numba')) > 3\n"
            "print(sum(jit.compiled(ref.encode).stats.cache_hits.values()))\n") % str(install)
    try:
        command = _read_only_command(install, [sys.executable, "-c", code])
        runs = [subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path) for _ in range(2)]
    finally:
        for path in [install, *install.rglob("*")]:
            path.chmod(0o755)
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert [r.stdout.strip() for r in runs] == ["0", "1"]  # compiled, then loaded from the cache
    assert not list(install.rglob("*.nbi"))
    assert list(cache.rglob("*.nbi"))
