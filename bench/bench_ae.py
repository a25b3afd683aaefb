"""The autoencoder codecs' throughput beside Pillow's JPEG and PNG, on held-out digits.

    pytest bench/bench_ae.py --benchmark-only --benchmark-columns=min,median

A dense codec (fastzip's ``dense`` model) is trained briefly on scikit-learn's digits (outside
the timing); 1,000 held-out-style 8x8 digits are then coded as one batch. Groups:
``ae-networks`` (encoder + decoder only: the Numba kernels against their numpy twins),
``ae-encode`` / ``ae-decode`` (the whole codec, lossy and lossless, against Pillow JPEG and
PNG one image at a time, as a loader would). ``images_per_s`` and ``bytes_per_image`` are in
extra_info. Compare within one run.
"""

import io

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("numba")
pytest.importorskip("sklearn")
from PIL import Image  # noqa: E402

from fastzip.data import digits  # noqa: E402
from fastzip.neural.ae import train  # noqa: E402
from fastzip.neural.ae.network import Network  # noqa: E402

from .helpers import record_rate  # noqa: E402

COUNT = 1000


@pytest.fixture(scope="module")
def setup():
    images, _ = digits()
    codec = train.train(images[:797], "dense", steps=200, progress=False, holdout=0).codec
    batch = images[797:797 + COUNT]
    codec.decode(codec.encode(batch, lossless=True))  # compile the kernels
    return codec, batch


def _record(benchmark, size=None):
    if size is not None:
        benchmark.extra_info["bytes_per_image"] = round(size / COUNT, 2)
    record_rate(benchmark, "images_per_s", COUNT)


@pytest.mark.parametrize("impl", ["numba", "reference"])
def test_networks(benchmark, setup, impl):
    benchmark.group = "ae-networks"
    codec, batch = setup
    network = Network(codec.config, codec.weights, impl=impl)
    pixels = benchmark(lambda: network.pixels(network.latents(batch[..., None])))
    assert pixels.shape == batch[..., None].shape
    _record(benchmark)


@pytest.mark.parametrize("lossless", [False, True], ids=["lossy", "lossless"])
def test_fastzip_encode(benchmark, setup, lossless):
    benchmark.group = "ae-encode"
    codec, batch = setup
    data = benchmark(codec.encode, batch, lossless=lossless)
    _record(benchmark, len(data))


@pytest.mark.parametrize("lossless", [False, True], ids=["lossy", "lossless"])
def test_fastzip_decode(benchmark, setup, lossless):
    benchmark.group = "ae-decode"
    codec, batch = setup
    data = codec.encode(batch, lossless=lossless)
    out = benchmark(codec.decode, data)
    if lossless:
        assert np.array_equal(out[..., 0], batch)
    _record(benchmark, len(data))


def _pillow_files(batch, fmt, **options):
    files = []
    for image in batch:
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, fmt, **options)
        files.append(buf.getvalue())
    return files


@pytest.mark.parametrize("fmt,options", [("JPEG", {"quality": 75, "optimize": True}), ("PNG", {"optimize": True})],
                         ids=["jpeg-q75", "png"])
def test_pillow_encode(benchmark, setup, fmt, options):
    benchmark.group = "ae-encode"
    _, batch = setup
    files = benchmark(_pillow_files, batch, fmt, **options)
    _record(benchmark, sum(map(len, files)))


@pytest.mark.parametrize("fmt,options", [("JPEG", {"quality": 75, "optimize": True}), ("PNG", {"optimize": True})],
                         ids=["jpeg-q75", "png"])
def test_pillow_decode(benchmark, setup, fmt, options):
    benchmark.group = "ae-decode"
    _, batch = setup
    files = _pillow_files(batch, fmt, **options)
    out = benchmark(lambda: np.stack([np.asarray(Image.open(io.BytesIO(f))) for f in files]))
    assert out.shape == batch.shape
    _record(benchmark, sum(map(len, files)))
