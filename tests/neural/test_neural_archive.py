"""The FZVA archive end to end on tiny models: create, round trip, extract, CLI, hostile files."""

import json
import struct
import zlib

import numpy as np
import pytest

from fastzip import ChecksumError, FastzipError, FormatError, UnsupportedError
from fastzip.cli import main
from fastzip.metrics import psnr
from fastzip.neural import archive
from fastzip.neural.vae import overfit

from .conftest import TINY

Image = pytest.importorskip("PIL.Image")


@pytest.fixture(scope="module", params=["int8", "fp16", "none"])
def made(request, tiny_images):
    names, images = tiny_images
    result = overfit.create([f"{n}.png" for n in names], [(512, 512)] * len(names), images, quant=request.param,
                            prune=0.5, steps=160, progress=False, model="yosemite", **_tiny_overrides())
    return result, images


def _tiny_overrides():
    return {k: v for k, v in TINY.items() if k != "image_size"}


def test_round_trip_reproduces_the_same_pixels(made):
    result, images = made
    blob = archive.dumps(result)
    back = archive.loads(blob)
    assert back.names == result.names and back.quant == result.quant and back.config == result.config
    assert np.array_equal(archive.reconstruct(back), archive.reconstruct(result))
    assert back.info["psnr"] == pytest.approx(psnr(images, archive.reconstruct(back)), abs=1e-3)
    assert back.info["psnr"] > 14  # tiny model, 160 steps: far from memorized, far from noise
    assert back.info["sparsity"] == pytest.approx(0.5, abs=0.01)


def test_quantized_archives_are_smaller(tiny_images):
    names, images = tiny_images
    sizes = {}
    for quant in ("none", "fp16", "int8"):
        made = overfit.create(names, [(32, 32)] * 4, images, quant=quant, prune=0.5, steps=8, progress=False,
                              **_tiny_overrides())
        sizes[quant] = len(archive.dumps(made))
    assert sizes["int8"] < sizes["fp16"] < sizes["none"]


def test_extract_writes_pngs_pillow_reads(made, tmp_path):
    result, _ = made
    path = tmp_path / "set.fzv"
    archive.save(result, path)
    written = archive.extract(path, tmp_path / "out")
    assert [p.name for p in written] == [n for n in result.names]
    expected = archive.reconstruct(result)
    for p, pixels in zip(written, expected):
        assert np.array_equal(np.asarray(Image.open(p)), pixels)


def _resealed(body: bytes) -> bytes:
    return body + struct.pack("<I", zlib.crc32(body))


@pytest.fixture(scope="module")
def blob(made):
    return archive.dumps(made[0])


def test_truncation_and_corruption_are_rejected(blob):
    for n in list(range(0, 64)) + list(range(64, len(blob), max(1, len(blob) // 200))):
        with pytest.raises(FormatError):
            archive.loads(blob[:n])
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 1
    with pytest.raises(ChecksumError):
        archive.loads(bytes(flipped))
    with pytest.raises(FormatError, match="magic"):
        archive.loads(b"FZSW" + blob[4:])


def _with_header(blob: bytes, edit) -> bytes:
    (meta_len,) = struct.unpack_from("<I", blob, 6)
    header = json.loads(blob[10 : 10 + meta_len])
    edit(header)
    meta = json.dumps(header).encode()
    return _resealed(blob[:6] + struct.pack("<I", len(meta)) + meta + blob[10 + meta_len : -4])


def test_hostile_headers_raise_format_errors(blob):
    def huge(h):
        h["model"]["channels"] = [3, 4096, 4096]
        h["model"]["image_size"] = 1 << 20

    for edit in (huge, lambda h: h.update(quant="int4"), lambda h: h["model"].update(latent=-1),
                 lambda h: h["images"].pop(), lambda h: h.pop("model"), lambda h: h["model"].update(decoder_conv="full")):
        with pytest.raises(FormatError):
            archive.decoder(archive.loads(_with_header(blob, edit)))
    newer = bytearray(blob[:-4])
    newer[4] = 9
    with pytest.raises(UnsupportedError):
        archive.loads(_resealed(bytes(newer)))


def test_mutated_archives_raise_only_fastzip_errors(blob):
    rng = np.random.default_rng(0)
    body = blob[:-4]
    for _ in range(300):
        mutant = bytearray(body)
        mutant[rng.integers(10, len(mutant))] = rng.integers(0, 256)
        try:
            archive.decoder(archive.loads(_resealed(bytes(mutant))))
        except FastzipError:
            pass


def test_cli_create_info_extract(tmp_path, tiny_images, capsys):
    names, images = tiny_images
    src = tmp_path / "photos"
    src.mkdir()
    for name, pixels in zip(names, images):
        Image.fromarray(pixels).save(src / f"{name}.png")
    (src / "notes.txt").write_text("not an image")
    out = tmp_path / "set.fzv"
    assert main(["archive", "create", str(src), "-o", str(out), "--size", "32", "--steps", "6", "--prune", "0.3"]) == 0
    assert "ratio" in capsys.readouterr().out
    assert main(["archive", "info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "4 images at 32x32" in info and "astronaut.png" in info
    assert main(["archive", "extract", str(out), "-o", str(tmp_path / "x")]) == 0
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == sorted(f"{n}.png" for n in names)
    (tmp_path / "bad.fzv").write_bytes(b"FZVA" + bytes(40))
    assert main(["archive", "info", str(tmp_path / "bad.fzv")]) == 1
    assert "fastzip: error" in capsys.readouterr().err


@pytest.mark.parametrize("quant", ["int8", "none"])
def test_golden_archives_still_read(quant):
    """Archives written by format version 1 keep decoding (to within one level: float kernels
    may round differently on other CPUs)."""
    from pathlib import Path

    golden = Path(__file__).resolve().parents[1] / "golden"
    made = archive.load(golden / f"archive_v1_{quant}.fzv")
    assert made.names == ["astronaut.png", "coffee.png"] and made.quant == quant
    expected = np.load(golden / f"archive_v1_{quant}.npy")
    assert np.abs(archive.reconstruct(made).astype(int) - expected).max() <= 1
