"""Every parallel path against its thread count, so the scaling curve can be read off one run
(and extended on a bigger machine).

    pytest bench/bench_threads.py --benchmark-only --benchmark-columns=min,median,ops

Groups ``threads-jpeg-encode``, ``threads-jpeg-decode`` (a 2048 x 2048 mosaic of the shipped
photos, 4:2:0, quality 75), ``threads-dct-forward`` (65,536 float32 blocks),
``threads-deflate-compress-L{1,6,9}`` (16 MiB of stdlib text and machine code, in 1 MiB pieces
when split; beside pgzip, mgzip and the pigz command on 2 threads in 1 MiB blocks),
``threads-deflate-decompress-indexed`` (the same corpus as one gzip member with ``index=True``,
beside zlib and libdeflate on one thread, pigz, and pgzip and mgzip on 2 threads, each reading
the file its own compressor made for parallel reading), ``threads-vae-decode`` (the golden INT8 archive's Numba decoder) and
``threads-grid-synthesis`` (the grid codec's fused Numba pixel pass, 768 x 512), each with
``threads`` = 1, 2, 3, 4 (more than this machine's cores shows what over-subscription costs). The small-input
threshold: ``threads-threshold-jpeg-encode/decode[side]`` time 1 against 2 threads on squares of
64 to 512 pixels; the side where 2 threads start to win is the threshold. extra_info has the
workers actually started.
"""

from pathlib import Path

import shutil
import subprocess

import numpy as np
import pytest

from fastzip import _parallel, data, deflate, dct, jpeg

from .helpers import record_rate

THREADS = [1, 2, 3, 4]
SIDES = [64, 96, 128, 192, 256, 384, 512]


@pytest.fixture(scope="module")
def mosaic():
    pytest.importorskip("skimage")
    pytest.importorskip("sklearn")
    return data.photo_mosaic(2048, 2048)


def _workers(benchmark):
    benchmark.extra_info["workers"] = _parallel.last_workers()


@pytest.mark.parametrize("threads", THREADS)
def test_jpeg_encode(benchmark, mosaic, threads):
    benchmark.group = "threads-jpeg-encode"
    benchmark(jpeg.encode, mosaic, threads=threads)
    _workers(benchmark)
    record_rate(benchmark, "megapixels_per_s", mosaic.shape[0] * mosaic.shape[1], 1e-6)


@pytest.mark.parametrize("threads", THREADS)
def test_jpeg_decode(benchmark, mosaic, threads):
    benchmark.group = "threads-jpeg-decode"
    encoded = jpeg.encode(mosaic)
    benchmark(jpeg.decode, encoded, threads=threads)
    _workers(benchmark)
    record_rate(benchmark, "megapixels_per_s", mosaic.shape[0] * mosaic.shape[1], 1e-6)


@pytest.mark.parametrize("threads", THREADS)
def test_dct_forward(benchmark, threads):
    benchmark.group = "threads-dct-forward"
    blocks = np.random.default_rng(0).normal(0, 50, (65536, 8, 8)).astype(np.float32)
    benchmark(dct.forward, blocks, threads=threads)
    _workers(benchmark)
    record_rate(benchmark, "blocks_per_s", len(blocks))


@pytest.fixture(scope="module")
def corpus():
    return data.stdlib_text(8 << 20) + data.shared_library_code(8 << 20)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("level", [1, 6, 9])
def test_deflate_compress(benchmark, corpus, level, threads):
    benchmark.group = f"threads-deflate-compress-L{level}"
    packed = benchmark.pedantic(deflate.compress, (corpus, level), {"threads": threads}, rounds=3, iterations=1)
    _workers(benchmark)
    benchmark.extra_info["ratio"] = round(len(corpus) / len(packed), 4)
    record_rate(benchmark, "MB/s", len(corpus) / 1e6)


def _pigz(*args):
    if shutil.which("pigz") is None:
        pytest.skip("no pigz command (Debian: apt-get install pigz)")
    return lambda data: subprocess.run(["pigz", *args], input=data, capture_output=True, check=True).stdout


@pytest.mark.parametrize("peer", ["pgzip", "mgzip", "pigz"])
@pytest.mark.parametrize("level", [1, 6, 9])
def test_deflate_compress_peers(benchmark, corpus, level, peer):
    """pigz's method elsewhere, on 2 threads in 1 MiB blocks like fastzip's pieces: pgzip and
    mgzip (Python threads over zlib) and the pigz command (its time includes starting it)."""
    benchmark.group = f"threads-deflate-compress-L{level}"
    if peer == "pigz":
        run = _pigz(f"-{level}", "-p", "2", "-b", "1024", "-c")
    else:
        module = pytest.importorskip(peer)
        run = lambda data: module.compress(data, level, thread=2, blocksize=1 << 20)  # noqa: E731
    packed = benchmark.pedantic(run, (corpus,), rounds=3, iterations=1)
    assert deflate.decompress(packed) == corpus
    benchmark.extra_info["ratio"] = round(len(corpus) / len(packed), 4)
    record_rate(benchmark, "MB/s", len(corpus) / 1e6)


@pytest.fixture(scope="module")
def indexed(corpus):
    return deflate.compress(corpus, 6, format="gzip", index=True, threads=2)


@pytest.mark.parametrize("threads", THREADS)
def test_deflate_decompress_indexed(benchmark, corpus, indexed, threads):
    benchmark.group = "threads-deflate-decompress-indexed"
    out = benchmark.pedantic(deflate.decompress, (indexed,), {"threads": threads}, rounds=5, iterations=1)
    assert len(out) == len(corpus)
    _workers(benchmark)
    record_rate(benchmark, "MB/s", len(corpus) / 1e6)


@pytest.mark.parametrize("peer", ["zlib", "libdeflate", "pigz", "pgzip", "mgzip"])
def test_deflate_decompress_indexed_peers(benchmark, corpus, indexed, peer):
    """The same file by one-thread peers (libdeflate: the fastest single-thread inflate here;
    pigz decodes on one thread, checking on others); pgzip and mgzip on 2 threads, each reading
    what it wrote itself on 2 threads in 1 MiB blocks (its own index, in the header)."""
    benchmark.group = "threads-deflate-decompress-indexed"
    if peer == "zlib":
        import zlib

        run = lambda: zlib.decompress(indexed, wbits=31)  # noqa: E731
    elif peer == "libdeflate":
        libdeflate = pytest.importorskip("deflate")
        run = lambda: libdeflate.gzip_decompress(indexed)  # noqa: E731
    elif peer == "pigz":
        run = lambda pigz=_pigz("-dc"): pigz(indexed)  # noqa: E731
    else:
        module = pytest.importorskip(peer)
        own = module.compress(corpus, 6, thread=2, blocksize=1 << 20)
        run = lambda: module.decompress(own, thread=2)  # noqa: E731
    assert benchmark.pedantic(run, rounds=5, iterations=1) == corpus
    record_rate(benchmark, "MB/s", len(corpus) / 1e6)


@pytest.mark.parametrize("threads", THREADS)
def test_vae_decode(benchmark, threads):
    pytest.importorskip("numba")
    from fastzip.neural import archive

    golden = archive.load(Path(__file__).resolve().parents[1] / "tests" / "golden" / "archive_v1_int8.fzv")
    benchmark.group = "threads-vae-decode"
    archive.reconstruct(golden, engine="numba", threads=threads)  # compiled before timing
    benchmark(archive.reconstruct, golden, engine="numba", threads=threads)


@pytest.mark.parametrize("threads", THREADS)
def test_grid_synthesis(benchmark, threads):
    """The grid codec's pixels (upsampling and synthesis, fused in Numba) of a 768 x 512 picture:
    the golden stream's networks over generated latents."""
    pytest.importorskip("numba")
    from fastzip.neural.grid import decoder, stream
    from fastzip.neural.grid.layout import level_shapes

    golden = Path(__file__).resolve().parents[1] / "tests" / "golden" / "grid_v1.fzg"
    _, _, params, steps, _ = stream.loads(golden.read_bytes())
    rng = np.random.default_rng(0)
    latents = [rng.integers(-3, 4, shape) for shape in level_shapes(512, 768)]
    benchmark.group = "threads-grid-synthesis"
    decoder.synthesize(512, 768, latents, params, steps, threads=threads)  # compiled before timing
    benchmark(decoder.synthesize, 512, 768, latents, params, steps, threads=threads)
    record_rate(benchmark, "megapixels_per_s", 512 * 768, 1e-6)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("side", SIDES)
def test_threshold_jpeg_encode(benchmark, mosaic, side, threads):
    benchmark.group = f"threads-threshold-jpeg-encode[{side}]"
    image = np.ascontiguousarray(mosaic[:side, :side])
    benchmark(jpeg.encode, image, threads=threads)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("side", SIDES)
def test_threshold_jpeg_decode(benchmark, mosaic, side, threads):
    benchmark.group = f"threads-threshold-jpeg-decode[{side}]"
    encoded = jpeg.encode(np.ascontiguousarray(mosaic[:side, :side]))
    benchmark(jpeg.decode, encoded, threads=threads)
