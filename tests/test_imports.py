"""Every module imports on its own (no import cycle can hide behind an import order), and
``import fastzip`` stays light: no torch, numba or zarr."""

import pkgutil
import subprocess
import sys

import pytest

import fastzip


def _modules():
    names = ["fastzip"]
    for info in pkgutil.walk_packages(fastzip.__path__, "fastzip."):
        names.append(info.name)
    return sorted(names)


MODULES = _modules()


def test_the_walk_sees_the_whole_package():
    for name in ("fastzip.deflate.stream", "fastzip.deflate.framing", "fastzip.jpeg.decoder", "fastzip.neural.vae.models",
                 "fastzip._native.inflate", "fastzip.reference.huffman"):
        assert name in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone_in_a_fresh_process(module):
    if module.startswith(("fastzip.neural.vae", "fastzip.neural.archive", "fastzip.neural.weights")):
        pytest.importorskip("torch")
    if module == "fastzip._native.inflate_bmi2":
        from fastzip._native.inflate import BMI2_RUNS_HERE
        if not BMI2_RUNS_HERE:
            pytest.skip("built for CPUs with BMI2; this one has none")
    out = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_import_fastzip_stays_light():
    code = ("import sys, fastzip, fastzip.huffman, fastzip.deflate, fastzip.jpeg, fastzip.cli, fastzip.neural.registry; "
            "print(sorted(m for m in ('torch', 'numba', 'zarr', 'dask') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
