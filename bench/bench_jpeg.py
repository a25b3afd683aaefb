"""JPEG side by side: fastzip vs Pillow (libjpeg-turbo) at quality 75, on a 512x512 photo.

    pytest bench/bench_jpeg.py --benchmark-only --benchmark-columns=min,median,ops

Groups ``jpeg-encode[4:2:0|4:4:4]`` (standard tables, and ``optimize`` beside Pillow's
``optimize``); ``jpeg-decode[4:2:0|4:4:4]`` and ``jpeg-decode-batch[threads]`` (64 files of
256x256: ``decode_many``, the peers mapped over a thread pool of the same size), each beside
Pillow and simplejpeg (libjpeg-turbo without Pillow's overhead); ``jpeg-encode-progressive`` and
``jpeg-decode-progressive`` (4:2:0); ``jpeg-decode-scaled[1/2|1/4|1/8]`` (beside Pillow's
``draft`` and a full decode then a box reduction) and ``jpeg-decode-scaled-progressive[1/8]``.
extra_info holds megapixels per second, bits per pixel and PSNR. The decode rows decode the same
Pillow file.
"""

import io

import numpy as np
import pytest

from fastzip import jpeg, metrics

from .helpers import record_rate

PIL = pytest.importorskip("PIL.Image")
SUBSAMPLING = {"4:2:0": 2, "4:4:4": 0}


@pytest.fixture(scope="module")
def photo():
    return pytest.importorskip("skimage.data").astronaut()


def _pillow_encode(img, subsampling, optimize=False, progressive=False):
    buf = io.BytesIO()
    PIL.fromarray(img).save(buf, "JPEG", quality=75, subsampling=SUBSAMPLING[subsampling], optimize=optimize,
                            progressive=progressive)
    return buf.getvalue()


def _pillow_decode(data):
    with PIL.open(io.BytesIO(data)) as im:
        return np.asarray(im)


def _record(benchmark, img, data):
    record_rate(benchmark, "megapixels_per_s", img.shape[0] * img.shape[1], 1e-6)
    benchmark.extra_info["bpp"] = round(metrics.bpp(len(data), img.shape), 4)


@pytest.mark.parametrize("subsampling", list(SUBSAMPLING))
@pytest.mark.parametrize("codec", ["fastzip", "fastzip-optimize", "pillow", "pillow-optimize"])
def test_encode(benchmark, photo, subsampling, codec):
    benchmark.group = f"jpeg-encode[{subsampling}]"
    if codec.startswith("pillow"):
        data = benchmark(_pillow_encode, photo, subsampling, codec.endswith("optimize"))
    else:
        data = benchmark(jpeg.encode, photo, quality=75, subsampling=subsampling, optimize=codec.endswith("optimize"))
    _record(benchmark, photo, data)
    benchmark.extra_info["psnr"] = round(metrics.psnr(photo, _pillow_decode(data)), 3)


def _simplejpeg_decode(data):
    return pytest.importorskip("simplejpeg").decode_jpeg(data)


_DECODERS = {"fastzip": jpeg.decode, "pillow": _pillow_decode, "simplejpeg": _simplejpeg_decode}


@pytest.mark.parametrize("subsampling", list(SUBSAMPLING))
@pytest.mark.parametrize("codec", list(_DECODERS))
def test_decode(benchmark, photo, subsampling, codec):
    benchmark.group = f"jpeg-decode[{subsampling}]"
    data = _pillow_encode(photo, subsampling)
    out = benchmark(_DECODERS[codec], data)
    assert out.shape == photo.shape
    _record(benchmark, photo, data)


@pytest.mark.parametrize("codec", ["fastzip", "fastzip-trellis", "pillow"])
def test_encode_progressive(benchmark, photo, codec):
    """Progressive files (libjpeg's scan script, tables made for each scan) beside Pillow's; and
    with trellis quantization (smaller at equal PSNR: docs/jpeg_smaller.md)."""
    benchmark.group = "jpeg-encode-progressive[4:2:0]"
    if codec == "pillow":
        data = benchmark(_pillow_encode, photo, "4:2:0", True, True)
    else:
        data = benchmark(jpeg.encode, photo, quality=75, subsampling="4:2:0", progressive=True,
                         trellis=codec.endswith("trellis"))
    _record(benchmark, photo, data)
    benchmark.extra_info["psnr"] = round(metrics.psnr(photo, _pillow_decode(data)), 3)


@pytest.mark.parametrize("codec", ["fastzip", "pillow"])
def test_decode_progressive(benchmark, photo, codec):
    """The same Pillow progressive file (4:2:0, quality 75) decoded by each."""
    benchmark.group = "jpeg-decode-progressive[4:2:0]"
    data = _pillow_encode(photo, "4:2:0", progressive=True)
    out = benchmark(jpeg.decode if codec == "fastzip" else _pillow_decode, data)
    assert out.shape == photo.shape
    _record(benchmark, photo, data)


@pytest.mark.parametrize("denominator", [2, 4, 8])
@pytest.mark.parametrize("codec", ["fastzip", "pillow-draft", "fastzip-full-then-reduce"])
def test_decode_scaled(benchmark, photo, codec, denominator):
    """A 1/2, 1/4 or 1/8 picture of a 2048x2048 file (the photo tiled, 4:2:0, q75): fastzip's
    scaled decode, Pillow's ``draft``, and the full decode then Pillow's ``reduce`` (a box filter)."""
    benchmark.group = f"jpeg-decode-scaled[1/{denominator}]"
    big = np.ascontiguousarray(np.tile(photo, (4, 4, 1)))
    data = _pillow_encode(big, "4:2:0")

    def draft():
        with PIL.open(io.BytesIO(data)) as im:
            im.draft("RGB", (big.shape[1] // denominator, big.shape[0] // denominator))
            return np.asarray(im)

    def full_then_reduce():
        return np.asarray(PIL.fromarray(jpeg.decode(data)).reduce(denominator))

    run = {"fastzip": lambda: jpeg.decode(data, scale=1 / denominator), "pillow-draft": draft,
           "fastzip-full-then-reduce": full_then_reduce}[codec]
    out = benchmark(run)
    assert out.shape == (big.shape[0] // denominator, big.shape[1] // denominator, 3)
    record_rate(benchmark, "source_megapixels_per_s", big.shape[0] * big.shape[1], 1e-6)


@pytest.mark.parametrize("codec", ["fastzip", "pillow-draft"])
def test_decode_scaled_progressive(benchmark, photo, codec):
    """1/8 of a 2048x2048 progressive file: fastzip skips the AC scans of components whose
    blocks become one pixel (their DC is all they give)."""
    benchmark.group = "jpeg-decode-scaled-progressive[1/8]"
    big = np.ascontiguousarray(np.tile(photo, (4, 4, 1)))
    data = _pillow_encode(big, "4:2:0", progressive=True)

    def draft():
        with PIL.open(io.BytesIO(data)) as im:
            im.draft("RGB", (big.shape[1] // 8, big.shape[0] // 8))
            return np.asarray(im)

    out = benchmark(lambda: jpeg.decode(data, scale=1 / 8)) if codec == "fastzip" else benchmark(draft)
    assert out.shape == (big.shape[0] // 8, big.shape[1] // 8, 3)
    record_rate(benchmark, "source_megapixels_per_s", big.shape[0] * big.shape[1], 1e-6)


@pytest.fixture(scope="module")
def batch(photo):
    """64 files of 256x256 crops (quality 85, 4:2:0): a data loader's batch."""
    crops = [np.ascontiguousarray(np.roll(photo, 7 * k, axis=1)[:256, :256]) for k in range(64)]
    return [_pillow_encode(c, "4:2:0") for c in crops]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("codec", list(_DECODERS))
def test_decode_batch(benchmark, batch, codec, threads):
    """``jpeg.decode_many`` beside Pillow's and simplejpeg's (libjpeg-turbo, the GIL released)
    decodes mapped over a thread pool of the same size."""
    from concurrent.futures import ThreadPoolExecutor

    benchmark.group = f"jpeg-decode-batch[{threads} threads]"
    if codec == "fastzip":
        benchmark(jpeg.decode_many, batch, threads=threads)
    else:
        with ThreadPoolExecutor(threads) as pool:
            benchmark(lambda: list(pool.map(_DECODERS[codec], batch)))
    record_rate(benchmark, "images_per_s", len(batch))
