"""fastzip's numcodecs codecs: found by id through the entry point in a fresh process (no import
of fastzip by the user), round trips on real data with and without ``out``, interchange with
numcodecs' own Zlib and GZip both ways, configs that round-trip, and bad chunks that raise
fastzip errors only."""

import gzip
import subprocess
import sys
import zlib

import numpy as np
import pytest

from fastzip import FastzipError, OutputLimitError, jpeg

numcodecs = pytest.importorskip("numcodecs")
from fastzip.plugins import numcodecs_codecs as codecs  # noqa: E402

from common import mutants, outcomes  # noqa: E402


@pytest.fixture(scope="module")
def chunks(real_corpora):
    """Real chunks: text, machine code, a smooth float32 field with noise, int16 counts."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:256, 0:256] / 40.0
    field = (np.sin(x) * np.cos(y) * 100 + rng.normal(0, 0.5, x.shape)).astype(np.float32)
    return {"text": np.frombuffer(real_corpora["stdlib_text"][:300_000], np.uint8),
            "code": np.frombuffer(real_corpora["machine_code"][:200_000], np.uint8),
            "field": field, "counts": rng.poisson(3, (300, 200)).astype(np.int16)}


def test_get_codec_finds_each_codec_in_a_fresh_process():
    code = ("import sys, numcodecs\n"
            "assert 'fastzip' not in sys.modules\n"
            "for config in ({'id': 'fastzip.deflate', 'level': 9}, {'id': 'fastzip.huffman'},\n"
            "               {'id': 'fastzip.jpeg', 'quality': 80, 'subsampling': '4:4:4'}):\n"
            "    codec = numcodecs.get_codec(config)\n"
            "    assert type(codec).__module__ == 'fastzip.plugins.numcodecs_codecs', codec\n"
            "    assert {k: v for k, v in codec.get_config().items() if k in config} == config\n"
            "print('ok')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


@pytest.mark.parametrize("codec", [codecs.Deflate(1), codecs.Deflate(6, "gzip"), codecs.Deflate(12, "raw"),
                                   codecs.Huffman()], ids=repr)
def test_lossless_round_trips_with_and_without_out(chunks, codec):
    for name, chunk in chunks.items():
        packed = codec.encode(chunk)
        assert len(packed) < chunk.nbytes, name
        assert bytes(codec.decode(packed)) == chunk.tobytes()
        out = np.empty_like(chunk)
        assert codec.decode(packed, out=out) is out and np.array_equal(out, chunk)
        again = numcodecs.get_codec(codec.get_config())
        assert again == codec and again.encode(chunk) == packed  # deterministic: gzip MTIME is 0


@pytest.mark.parametrize("level", [1, 6, 9])
def test_numcodecs_zlib_and_gzip_read_fastzip_and_back(chunks, level):
    chunk = chunks["field"]
    raw = chunk.tobytes()
    assert bytes(numcodecs.Zlib(level).decode(codecs.Deflate(level).encode(chunk))) == raw
    assert bytes(numcodecs.GZip(level).decode(codecs.Deflate(level, "gzip").encode(chunk))) == raw
    assert bytes(codecs.Deflate(level).decode(numcodecs.Zlib(level).encode(chunk))) == raw
    assert bytes(codecs.Deflate(level, "gzip").decode(numcodecs.GZip(level).encode(chunk))) == raw
    assert zlib.decompress(codecs.Deflate(level).encode(chunk)) == raw
    assert gzip.decompress(codecs.Deflate(level, "gzip").encode(chunk)) == raw


def test_jpeg_chunks_are_fastzip_jpeg_files(chunks):
    skimage_data = pytest.importorskip("skimage.data")
    photo = skimage_data.astronaut()
    codec = codecs.JPEG(quality=85)
    packed = codec.encode(photo)
    assert packed == jpeg.encode(photo, quality=85, optimize=True)
    assert np.array_equal(codec.decode(packed), jpeg.decode(packed))
    out = np.empty((1,) + photo.shape, np.uint8)  # a frame of a stack: leading axis of 1
    assert codec.decode(codec.encode(photo[None]), out=out) is out and np.array_equal(out[0], jpeg.decode(packed))
    gray = skimage_data.camera()
    assert codec.decode(codec.encode(gray)).shape == gray.shape
    with pytest.raises(ValueError, match="uint8"):
        codec.encode(chunks["field"])
    with pytest.raises(ValueError, match="one picture"):
        codec.encode(np.zeros((2, 16, 16, 3), np.uint8))
    with pytest.raises(FastzipError, match="out holds"):
        codec.decode(packed, out=np.empty((10, 10), np.uint8))
    for bad in ({"quality": 0}, {"quality": 90.5}, {"subsampling": "4:1:1"}, {"optimize": "yes"}):
        with pytest.raises(ValueError):
            codecs.JPEG(**bad)


@pytest.mark.parametrize("codec", [codecs.Deflate(6), codecs.Huffman(), codecs.JPEG()], ids=repr)
def test_bad_chunks_raise_fastzip_errors(codec, chunks):
    skimage_data = pytest.importorskip("skimage.data")
    chunk = skimage_data.coffee()[:64, :96] if isinstance(codec, codecs.JPEG) else chunks["counts"]
    packed = codec.encode(chunk)
    for cut in range(0, len(packed), max(1, len(packed) // 50)):
        with pytest.raises(FastzipError):
            codec.decode(packed[:cut], out=np.empty_like(chunk))
    rng = np.random.default_rng(1)
    counts = outcomes(lambda b: codec.decode(b, out=np.empty_like(chunk)), mutants(packed, rng, 200, how="flip"))
    assert counts["error"] >= 100
    with pytest.raises(FastzipError):  # one byte too few in out: the chunk is not the array's
        codec.decode(packed, out=np.empty(chunk.nbytes - 1, np.uint8))


def test_decoding_without_out_is_bounded():
    bomb = zlib.compress(bytes(50 << 20), 9)  # 50 MB from 50 KB
    with pytest.raises(OutputLimitError):
        codecs.Deflate(max_output_size=1 << 20).decode(bomb)
    with pytest.raises(OutputLimitError):
        codecs.Huffman(max_output_size=1000).decode(codecs.Huffman().encode(bytes(5000)))
    with pytest.raises(OutputLimitError):
        codecs.JPEG(max_pixels=100).decode(jpeg.encode(np.zeros((16, 16), np.uint8)))
    with pytest.raises(ValueError):
        codecs.Deflate(level=13)
    with pytest.raises(ValueError):
        codecs.Deflate(format="zstd")
