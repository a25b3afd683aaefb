"""Zarr arrays compressed with fastzip's codecs beside numcodecs' own, chunks in parallel.

    pytest bench/bench_zarr.py --benchmark-only --benchmark-columns=min,median,ops

A 256 MiB float32 array (``fastzip.data.sensor_field``, 2048 x 2048 chunks of 16 MiB) written to
and read from a Zarr format 2 MemoryStore through Dask's threaded scheduler with 1 or 2 threads
(one chunk per task: the codecs release the GIL, so 2 threads compress two chunks at once).
Groups ``zarr-write[threads]`` and ``zarr-read[threads]`` hold fastzip.deflate at levels 1, 6
and 9, numcodecs' Zlib and GZip at the same levels, Blosc (zstd, level 5, byte shuffle) and
fastzip.huffman; ``zarr-jpeg-write/read[threads]`` hold fastzip.jpeg and imagecodecs' JPEG
(libjpeg-turbo) at quality 90 on a 4096 x 4096 RGB mosaic of the shipped photos, 512 x 512
chunks. extra_info has the ratio and MB/s. Under ``--benchmark-disable`` (CI) the arrays are
64x smaller, so every row still runs once.
"""

import numpy as np
import pytest

pytest.importorskip("zarr")
pytest.importorskip("dask")
import dask.array as da  # noqa: E402
import numcodecs  # noqa: E402
import zarr  # noqa: E402

from fastzip import data  # noqa: E402
from fastzip.plugins import numcodecs_codecs as fz  # noqa: E402

from .helpers import record_rate  # noqa: E402

CODECS = {
    **{f"fastzip.deflate-{level}": fz.Deflate(level) for level in (1, 6, 9)},
    **{f"numcodecs.Zlib-{level}": numcodecs.Zlib(level) for level in (1, 6, 9)},
    "numcodecs.GZip-6": numcodecs.GZip(6),
    "fastzip.deflate-gzip-6": fz.Deflate(6, "gzip"),
    "numcodecs.Blosc-zstd-5": numcodecs.Blosc("zstd", 5, numcodecs.Blosc.SHUFFLE),
    "fastzip.huffman": fz.Huffman(),
}
THREADS = [1, 2]


def _jpeg_codecs():
    codecs = {"fastzip.jpeg-90": fz.JPEG(quality=90, subsampling="4:2:0", optimize=True)}
    try:
        from imagecodecs.numcodecs import Jpeg
    except ImportError:
        return codecs
    from imagecodecs.numcodecs import register_codecs

    register_codecs()  # so that reading finds "imagecodecs_jpeg" by its id
    codecs["imagecodecs.Jpeg-90"] = Jpeg(level=90, subsampling="420", optimize=True)
    return codecs


JPEG_CODECS = _jpeg_codecs()


def _scale(request) -> int:
    return 8 if request.config.getoption("benchmark_disable") else 1


@pytest.fixture(scope="module")
def field(request):
    side = 8192 // _scale(request)
    chunk = 2048 // _scale(request)
    blocks = [[data.sensor_field(chunk, chunk, top=i, left=j) for j in range(0, side, chunk)]
              for i in range(0, side, chunk)]
    return np.block(blocks), (chunk, chunk)


@pytest.fixture(scope="module")
def mosaic(request):
    side = 4096 // _scale(request)
    return data.photo_mosaic(side, side), (512, 512, 3)


def _write(array, chunks, codec, threads):
    store = zarr.storage.MemoryStore()
    target = zarr.create_array(store, shape=array.shape, chunks=chunks, dtype=array.dtype, zarr_format=2,
                               compressors=codec)
    da.from_array(array, chunks=chunks).store(target, lock=False, scheduler="threads", num_workers=threads)
    return store


def _read(store, threads):
    return da.from_zarr(zarr.open_array(store, mode="r")).compute(scheduler="threads", num_workers=threads)


_STORES = {}  # the last store each codec wrote: what the read benchmarks read


def _bench_write(benchmark, array, chunks, codec, threads):
    benchmark.group = f"zarr-write[{threads} threads]" if array.dtype != np.uint8 else f"zarr-jpeg-write[{threads} threads]"
    store = benchmark.pedantic(_write, (array, chunks, codec, threads), rounds=2, iterations=1)
    _STORES[id(array), repr(codec)] = store
    benchmark.extra_info["ratio"] = round(array.nbytes / zarr.open_array(store, mode="r").nbytes_stored(), 3)
    record_rate(benchmark, "MB/s", array.nbytes / 1e6)


def _bench_read(benchmark, array, chunks, codec, threads, exact=True):
    benchmark.group = f"zarr-read[{threads} threads]" if array.dtype != np.uint8 else f"zarr-jpeg-read[{threads} threads]"
    store = _STORES.get((id(array), repr(codec))) or _write(array, chunks, codec, threads)
    back = benchmark.pedantic(_read, (store, threads), rounds=2, iterations=1)
    if exact:
        assert np.array_equal(back, array)
    else:
        from fastzip.metrics import psnr

        benchmark.extra_info["psnr"] = round(psnr(array, back), 2)
    record_rate(benchmark, "MB/s", array.nbytes / 1e6)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("name", CODECS)
def test_write(benchmark, field, name, threads):
    _bench_write(benchmark, *field, CODECS[name], threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("name", CODECS)
def test_read(benchmark, field, name, threads):
    _bench_read(benchmark, *field, CODECS[name], threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("name", JPEG_CODECS)
def test_jpeg_write(benchmark, mosaic, name, threads):
    _bench_write(benchmark, *mosaic, JPEG_CODECS[name], threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("name", JPEG_CODECS)
def test_jpeg_read(benchmark, mosaic, name, threads):
    _bench_read(benchmark, *mosaic, JPEG_CODECS[name], threads, exact=False)
