"""The package surface: errors, metrics, data, the CLI, and imports that must stay light."""

import subprocess
import sys

import numpy as np
import pytest

import fastzip
from fastzip import cli, data, metrics


def test_errors_are_value_errors():
    for cls in (fastzip.FormatError, fastzip.ChecksumError, fastzip.OutputLimitError, fastzip.UnsupportedError):
        assert issubclass(cls, fastzip.FastzipError) and issubclass(cls, ValueError)
    assert issubclass(fastzip.ChecksumError, fastzip.FormatError)


def test_import_does_not_import_torch():
    code = "import sys, fastzip, fastzip.huffman, fastzip.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


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


def test_cli_huffman_round_trip(tmp_path, capsys):
    src = tmp_path / "in.txt"
    src.write_bytes(data.stdlib_text(20000))
    assert cli.main(["huffman", "compress", str(src), str(tmp_path / "c.fzh")]) == 0
    assert cli.main(["huffman", "decompress", str(tmp_path / "c.fzh"), str(tmp_path / "out.txt")]) == 0
    assert (tmp_path / "out.txt").read_bytes() == src.read_bytes()
    assert cli.main(["huffman", "decompress", str(src), str(tmp_path / "bad")]) == 1
    assert "bad magic" in capsys.readouterr().err
    assert cli.main(["huffman", "decompress", str(tmp_path / "c.fzh"), str(tmp_path / "x"),
                     "--max-output-size", "10"]) == 1


def test_cli_entry_points():
    out = subprocess.run([sys.executable, "-m", "fastzip", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"fastzip {fastzip.__version__}"
    out = subprocess.run([sys.executable, "-m", "fastzip", "--help"], capture_output=True, text=True, check=True)
    assert "huffman" in out.stdout and "tour" in out.stdout
    raw = b"hello hello hello"
    packed = subprocess.run([sys.executable, "-m", "fastzip", "huffman", "compress", "-", "-"],
                            input=raw, capture_output=True, check=True).stdout
    back = subprocess.run([sys.executable, "-m", "fastzip", "huffman", "decompress", "-", "-"],
                          input=packed, capture_output=True, check=True).stdout
    assert back == raw


def test_tour_rows_are_measured():
    from fastzip import tour

    rows = list(tour.huffman_rows(data.stdlib_text(1 << 16), "text", repeat=1))
    names = [r.codec for r in rows]
    assert names[0] == "fastzip huffman (native)" and "zlib Z_HUFFMAN_ONLY" in names
    assert all(r.ratio > 1.3 and r.compress_mbps > 0 and r.decompress_mbps > 0 for r in rows)


def test_cli_gzip_like_commands(tmp_path, capsys):
    import gzip

    src = tmp_path / "notes.txt"
    payload = data.stdlib_text(50_000)
    src.write_bytes(payload)
    assert cli.main(["compress", "-12", str(src)]) == 0
    packed = tmp_path / "notes.txt.gz"
    assert not src.exists() and gzip.decompress(packed.read_bytes()) == payload
    assert packed.read_bytes()[10:20] == b"notes.txt\0"
    assert cli.main(["decompress", "-t", str(packed)]) == 0
    assert cli.main(["decompress", "-k", str(packed)]) == 0
    assert src.read_bytes() == payload and packed.exists()
    assert cli.main(["decompress", str(packed)]) == 1  # notes.txt exists: refuse without -f
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["decompress", "-f", str(packed)]) == 0 and not packed.exists()
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"\x1f\x8b" + b"\0" * 30)
    assert cli.main(["decompress", "-t", str(bad)]) == 1
    out = subprocess.run([sys.executable, "-m", "fastzip", "compress", "-1"], input=payload,
                         capture_output=True, check=True).stdout
    assert gzip.decompress(out) == payload
    back = subprocess.run([sys.executable, "-m", "fastzip", "decompress"], input=out,
                          capture_output=True, check=True).stdout
    assert back == payload


def test_cli_jpeg(tmp_path, capsys):
    PIL = pytest.importorskip("PIL.Image")
    skimage_data = pytest.importorskip("skimage.data")
    src = tmp_path / "astronaut.png"
    PIL.fromarray(skimage_data.astronaut()).save(src)
    out = tmp_path / "a.jpg"
    assert cli.main(["jpeg", "encode", str(src), str(out), "-q", "80", "--subsampling", "4:4:4", "--optimize"]) == 0
    with PIL.open(out) as im:
        assert im.size == (512, 512)
    assert cli.main(["jpeg", "info", str(out)]) == 0
    assert "512x512, 3 component(s), sampling 1x1 1x1 1x1" in capsys.readouterr().out
    assert cli.main(["jpeg", "decode", str(out), str(tmp_path / "back.png")]) == 0
    assert metrics.psnr(skimage_data.astronaut(), np.asarray(PIL.open(tmp_path / "back.png"))) > 33
    assert cli.main(["jpeg", "decode", str(src), str(tmp_path / "x.png")]) == 1
    assert "SOI" in capsys.readouterr().err
