"""The ``fastzip`` command: gzip-like compress/decompress, huffman, jpeg, and the entry points."""

import subprocess
import sys

import numpy as np
import pytest

import fastzip
from fastzip import cli, data, deflate, metrics


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


def test_cli_compress_with_zlibs_strategies(tmp_path):
    """``--strategy`` (pigz's -H is huffman_only, -U rle) writes what ``compress`` does with
    it, streamed or indexed; gzip reads both."""
    import gzip

    payload = data.stdlib_text(120_000)
    src = tmp_path / "notes.txt"
    for strategy in ("huffman_only", "rle"):
        for extra in ([], ["--index"]):
            src.write_bytes(payload)
            assert cli.main(["compress", "-f", "--strategy", strategy, *extra, str(src)]) == 0
            packed = (tmp_path / "notes.txt.gz").read_bytes()
            assert gzip.decompress(packed) == payload
            assert packed[:-8].endswith(deflate.compress(payload, 6, format="raw", strategy=strategy))


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
    tuned = tmp_path / "p.jpg"
    assert cli.main(["jpeg", "encode", str(src), str(tuned), "--optimize-scans"]) == 0
    assert b"\xff\xc2" in tuned.read_bytes()  # progressive (SOF2)
    with PIL.open(tuned) as im:
        assert metrics.psnr(skimage_data.astronaut(), np.asarray(im)) > 30


def test_a_reader_that_leaves_early_stops_it_quietly(tmp_path):
    """``fastzip decompress -c big.gz | head -c 1``: the write into the closed pipe ends the
    program as it ends cat and gzip (status 141, SIGPIPE's), without an error message."""
    import gzip

    big = tmp_path / "big.gz"
    big.write_bytes(gzip.compress(bytes(range(256)) * 40000))  # 10 MB out, far more than a pipe holds
    proc = subprocess.Popen([sys.executable, "-m", "fastzip", "decompress", "-c", str(big)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(1) == b"\x00"
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141 and err == b""
