"""Zarr arrays written with fastzip's codecs, format 3 (codec names in zarr.json, found through
the ``zarr.codecs`` entry point) and format 2 (numcodecs configs): they read back identical
(lossless) or as fastzip.jpeg decodes (lossy) from a LocalStore reopened in a fresh process and
from a MemoryStore; numcodecs' Zlib reads fastzip's chunks and the reverse; damaged chunks
raise fastzip errors through Zarr."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from fastzip import FastzipError, jpeg

zarr = pytest.importorskip("zarr")
numcodecs = pytest.importorskip("numcodecs")
from fastzip.plugins import numcodecs_codecs, zarr_codecs  # noqa: E402


@pytest.fixture(scope="module")
def field():
    rng = np.random.default_rng(2)
    y, x = np.mgrid[0:300, 0:500] / 30.0
    return (np.sin(x) * np.cos(y) * 50 + rng.normal(0, 0.2, x.shape)).astype(np.float32)


@pytest.fixture(scope="module")
def photo():
    skimage_data = pytest.importorskip("skimage.data")
    return skimage_data.astronaut()


V3_LOSSLESS = [{"name": "fastzip.deflate", "configuration": {"level": 9, "format": "zlib"}},
               {"name": "fastzip.deflate", "configuration": {"level": 1, "format": "gzip"}},
               {"name": "fastzip.huffman"}]


def _read_in_fresh_process(path: str) -> np.ndarray:
    code = textwrap.dedent(f"""
        import sys, numpy as np, zarr
        assert "fastzip" not in sys.modules
        array = zarr.open_array({path!r}, mode="r")
        np.save(sys.stdout.buffer, array[:])
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    import io

    return np.load(io.BytesIO(run.stdout))


@pytest.mark.parametrize("codec", V3_LOSSLESS, ids=lambda c: json.dumps(c.get("configuration", {})) + c["name"])
def test_format_3_lossless_arrays_reopen_identical_in_a_fresh_process(tmp_path, field, codec):
    path = str(tmp_path / "a.zarr")
    array = zarr.create_array(path, shape=field.shape, chunks=(128, 128), dtype="float32", compressors=[codec])
    array[:] = field
    meta = json.loads((tmp_path / "a.zarr" / "zarr.json").read_text())
    assert meta["codecs"][1]["name"] == codec["name"]
    assert np.array_equal(_read_in_fresh_process(path), field)
    stored = sum(p.stat().st_size for p in (tmp_path / "a.zarr" / "c").rglob("*") if p.is_file())
    assert stored < field.nbytes


def test_format_3_in_a_memory_store(field):
    store = zarr.storage.MemoryStore()
    array = zarr.create_array(store, shape=field.shape, chunks=(100, 256), dtype="float32",
                              compressors=[zarr_codecs.DeflateCodec(level=12)])
    array[:] = field
    again = zarr.open_array(store, mode="r")
    assert again.compressors == (zarr_codecs.DeflateCodec(level=12, format="zlib"),)
    assert np.array_equal(again[:], field) and np.array_equal(again[17:211, 300:499], field[17:211, 300:499])


def test_format_3_jpeg_chunks_decode_as_fastzip_jpeg(tmp_path, photo):
    path = str(tmp_path / "photo.zarr")
    array = zarr.create_array(path, shape=photo.shape, chunks=(128, 192, 3), dtype="uint8",
                              serializer={"name": "fastzip.jpeg", "configuration": {"quality": 90}}, compressors=None)
    array[:] = photo
    back = _read_in_fresh_process(path)
    chunk = photo[128:256, 192:384]
    assert np.array_equal(back[128:256, 192:384], jpeg.decode(jpeg.encode(chunk, quality=90, optimize=True)))
    from fastzip.metrics import psnr

    assert psnr(photo, back) > 35  # measured 36.7 dB for astronaut at quality 90 in 128x192 chunks
    with pytest.raises(ValueError, match="uint8"):
        zarr.create_array(zarr.storage.MemoryStore(), shape=(64, 64), chunks=(64, 64), dtype="float32",
                          serializer=zarr_codecs.JPEGCodec(), compressors=None)
    with pytest.raises(ValueError, match="one picture"):
        zarr.create_array(zarr.storage.MemoryStore(), shape=(4, 64, 64), chunks=(2, 64, 64), dtype="uint8",
                          serializer=zarr_codecs.JPEGCodec(), compressors=None)


def test_a_stack_of_frames_one_frame_per_chunk(photo):
    frames = np.stack([photo[:, :, 0], photo[:, :, 1], photo[:, :, 2]])  # (3, 512, 512)
    array = zarr.create_array(zarr.storage.MemoryStore(), shape=frames.shape, chunks=(1, 512, 512), dtype="uint8",
                              serializer=zarr_codecs.JPEGCodec(quality=95), compressors=None)
    array[:] = frames
    assert np.array_equal(array[1], jpeg.decode(jpeg.encode(frames[1], quality=95, optimize=True)))


@pytest.mark.parametrize("compressor", [numcodecs_codecs.Deflate(6), numcodecs_codecs.Deflate(9, "gzip"),
                                        numcodecs_codecs.Huffman()], ids=repr)
def test_format_2_arrays_reopen_identical_in_a_fresh_process(tmp_path, field, compressor):
    path = str(tmp_path / "v2.zarr")
    array = zarr.create_array(path, shape=field.shape, chunks=(128, 128), dtype="float32", zarr_format=2,
                              compressors=compressor)
    array[:] = field
    meta = json.loads((tmp_path / "v2.zarr" / ".zarray").read_text())
    assert meta["compressor"]["id"] == compressor.codec_id
    assert np.array_equal(_read_in_fresh_process(path), field)


def test_format_2_in_a_memory_store(field, photo):
    store = zarr.storage.MemoryStore()
    array = zarr.create_array(store, shape=field.shape, chunks=(64, 512), dtype="float32", zarr_format=2,
                              compressors=numcodecs.get_codec({"id": "fastzip.deflate", "level": 12}))
    array[:] = field
    assert np.array_equal(zarr.open_array(store, mode="r")[:], field)
    photos = zarr.create_array(zarr.storage.MemoryStore(), shape=(2,) + photo.shape, chunks=(1,) + photo.shape,
                               dtype="uint8", zarr_format=2, compressors=numcodecs_codecs.JPEG(quality=80))
    photos[:] = np.stack([photo, photo[::-1]])
    assert np.array_equal(photos[1], jpeg.decode(jpeg.encode(photo[::-1].copy(), quality=80, optimize=True)))


def test_format_2_chunks_interchange_with_numcodecs_zlib(tmp_path, field):
    """The same store read with the other codec named in .zarray: fastzip's zlib chunks by
    numcodecs' Zlib, and numcodecs' by fastzip's."""
    for writer, reader in ((numcodecs_codecs.Deflate(6), numcodecs.Zlib(6)),
                           (numcodecs.Zlib(6), numcodecs_codecs.Deflate(6))):
        path = tmp_path / f"{writer.codec_id}.zarr"
        array = zarr.create_array(str(path), shape=field.shape, chunks=(100, 100), dtype="float32", zarr_format=2,
                                  compressors=writer)
        array[:] = field
        meta = json.loads((path / ".zarray").read_text())
        meta["compressor"] = reader.get_config()
        (path / ".zarray").write_text(json.dumps(meta))
        assert np.array_equal(zarr.open_array(str(path), mode="r")[:], field)


@pytest.mark.parametrize("codec", [V3_LOSSLESS[0], V3_LOSSLESS[2]], ids=["deflate", "huffman"])
def test_damaged_chunks_raise_fastzip_errors_through_zarr(tmp_path, field, codec):
    path = tmp_path / "bad.zarr"
    array = zarr.create_array(str(path), shape=field.shape, chunks=(128, 128), dtype="float32", compressors=[codec])
    array[:] = field
    chunk = path / "c" / "1" / "2"
    good = chunk.read_bytes()
    rng = np.random.default_rng(4)
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x10
    bomb = (zarr_codecs.DeflateCodec(level=9)._encode_bytes(np.zeros(2 << 20, np.uint8)) if "deflate" in codec["name"]
            else zarr_codecs.HuffmanCodec()._encode_bytes(np.zeros(2 << 20, np.uint8)))
    for damaged in (good[: len(good) // 3], bytes(flipped), rng.integers(0, 256, 500, np.uint8).tobytes(), bomb):
        chunk.write_bytes(damaged)
        with pytest.raises(FastzipError):
            zarr.open_array(str(path), mode="r")[:]
    chunk.write_bytes(good)
    assert np.array_equal(zarr.open_array(str(path), mode="r")[:], field)


def test_damaged_jpeg_chunk_raises_a_fastzip_error(photo):
    store = zarr.storage.MemoryStore()
    array = zarr.create_array(store, shape=photo.shape, chunks=(256, 256, 3), dtype="uint8",
                              serializer=zarr_codecs.JPEGCodec(), compressors=None)
    array[:] = photo
    other = jpeg.encode(photo[:128, :128])  # a valid JPEG of the wrong size
    import asyncio

    from zarr.core.buffer import default_buffer_prototype

    key = "c/0/1/0"
    good = asyncio.run(store.get(key, default_buffer_prototype())).to_bytes()
    for damaged in (good[:200], other):
        asyncio.run(store.set(key, default_buffer_prototype().buffer.from_bytes(damaged)))
        with pytest.raises(FastzipError):
            zarr.open_array(store, mode="r")[:]


def test_codec_configs_are_checked():
    for bad in ({"level": 13}, {"format": "zstd"}, {"level": True}):
        with pytest.raises(ValueError):
            zarr_codecs.DeflateCodec(**bad)
    with pytest.raises(ValueError):
        zarr_codecs.HuffmanCodec.from_dict({"name": "fastzip.huffman", "configuration": {"level": 1}})
    assert zarr_codecs.JPEGCodec.from_dict(zarr_codecs.JPEGCodec(quality=70).to_dict()) == zarr_codecs.JPEGCodec(quality=70)
