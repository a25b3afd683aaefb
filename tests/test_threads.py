"""One thread policy for every parallel path: per-call ``threads=``, ``fastzip.threads(n)``
scopes, ``set_threads`` and FASTZIP_NUM_THREADS, an automatic default of one thread outside the
main thread and in multiprocessing children; and the same bytes and pixels for any number of
threads, more threads than cores and odd row counts included, from concurrent callers too."""

import os
import subprocess
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import fastzip
from fastzip import _parallel, dct, jpeg

COUNTS = [1, 2, 3, 4, 8]


@pytest.fixture(autouse=True)
def automatic():
    fastzip.set_threads(None)
    yield
    fastzip.set_threads(None)


@pytest.fixture(scope="module")
def photos():
    skimage_data = pytest.importorskip("skimage.data")
    astronaut = skimage_data.astronaut()
    return {"astronaut": astronaut, "odd": np.ascontiguousarray(astronaut[:437, :301]),
            "gray": skimage_data.camera()[:333, :509], "tall": np.ascontiguousarray(astronaut[:, :24])}


def test_the_order_of_the_rules():
    cores = _parallel.cores()
    assert fastzip.get_threads() == cores  # the main thread of a process nobody forked
    fastzip.set_threads(3)
    assert fastzip.get_threads() == 3
    with fastzip.threads(5):
        assert fastzip.get_threads() == 5 and _parallel.resolve(2) == 2
        with fastzip.threads(1):
            assert fastzip.get_threads() == 1
        assert _parallel.resolve(None, cap=2) == 2 and _parallel.resolve(7, cap=2) == 7  # asked: taken as asked
    assert fastzip.get_threads() == 3
    for bad in (0, -1, 2.5, True, "4"):
        with pytest.raises(ValueError):
            fastzip.set_threads(bad)
        with pytest.raises(ValueError):
            jpeg.encode(np.zeros((8, 8), np.uint8), threads=bad)


def test_other_threads_default_to_one_unless_they_ask():
    seen = {}

    def worker():
        seen["auto"] = fastzip.get_threads()
        with fastzip.threads(3):
            seen["scoped"] = fastzip.get_threads()

    t = threading.Thread(target=worker)
    t.start(), t.join()
    assert seen == {"auto": 1, "scoped": 3}
    fastzip.set_threads(2)  # a process-wide choice is an ask: it holds in every thread
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(fastzip.get_threads).result() == 2


def test_multiprocessing_children_default_to_one():
    import multiprocessing

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(fastzip.get_threads).result() == 1


@pytest.mark.parametrize("value, expected", [("3", 3), ("zero", None)])
def test_the_environment_variable_is_read_at_import(value, expected):
    code = "import fastzip, warnings; print(fastzip.get_threads())"
    env = {**os.environ, _parallel.ENV: value}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert int(run.stdout) == (expected or _parallel.cores())
    assert ("not a positive integer" in run.stderr) == (expected is None)


@pytest.mark.parametrize("name", ["astronaut", "odd", "gray", "tall"])
@pytest.mark.parametrize("subsampling, optimize, interleave",
                         [("4:2:0", False, True), ("4:4:4", False, True), ("4:2:0", True, True),
                          ("4:2:0", False, False)])
def test_encode_gives_the_same_bytes_for_any_thread_count(photos, name, subsampling, optimize, interleave):
    image = photos[name]
    options = dict(subsampling=subsampling, optimize=optimize, interleave=interleave)
    expected = jpeg.encode(image, threads=1, **options)
    for n in COUNTS[1:]:
        assert jpeg.encode(image, threads=n, **options) == expected, n
        rows = -(-image.shape[0] // (16 if subsampling == "4:2:0" and image.ndim == 3 else 8))
        assert _parallel.last_workers() == min(n, rows)


@pytest.mark.parametrize("name", ["astronaut", "odd", "gray", "tall"])
@pytest.mark.parametrize("interleave", [True, False])
def test_decode_gives_the_same_pixels_for_any_thread_count(photos, name, interleave):
    data = jpeg.encode(photos[name], subsampling="4:2:0", interleave=interleave, restart_interval=3)
    expected = jpeg.decode(data, threads=1)
    for n in COUNTS[1:]:
        assert np.array_equal(jpeg.decode(data, threads=n), expected), n
        assert _parallel.last_workers() > 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dct_batches_are_the_same_for_any_thread_count(dtype):
    blocks = np.random.default_rng(5).normal(0, 60, (9001, 8, 8)).astype(dtype)
    forward, inverse = dct.forward(blocks, threads=1), dct.inverse(blocks, threads=1)
    for n in COUNTS[1:]:
        assert np.array_equal(dct.forward(blocks, threads=n), forward)
        assert _parallel.last_workers() == n
        assert np.array_equal(dct.inverse(blocks, threads=n), inverse)


def test_defaults_are_capped_by_the_size_of_the_work(photos):
    fastzip.set_threads(8)
    jpeg.encode(photos["astronaut"][:16, :16])
    assert _parallel.last_workers() == 1  # 4 blocks: not worth a hand-off
    dct.forward(np.zeros((5000, 8, 8), np.float32))
    assert _parallel.last_workers() == 1
    dct.forward(np.zeros((3 * 4096, 8, 8), np.float32))
    assert _parallel.last_workers() == 3
    jpeg.decode(jpeg.encode(photos["astronaut"]))  # 262,144 pixels: eight threads
    assert _parallel.last_workers() == 8


def test_concurrent_callers_with_their_own_settings(photos):
    image = photos["odd"]
    expected_jpeg = jpeg.encode(image, threads=1)
    expected_pixels = jpeg.decode(expected_jpeg, threads=1)

    def call(n):
        with fastzip.threads(n):
            for _ in range(10):
                assert jpeg.encode(image) == expected_jpeg
                assert np.array_equal(jpeg.decode(expected_jpeg, threads=5 - n), expected_pixels)
        return True

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(call, [1, 2, 3, 4]))


def test_numba_kernels_follow_the_setting():
    pytest.importorskip("numba")
    from fastzip.neural import archive

    golden = archive.load(Path(__file__).parent / "golden" / "archive_v1_int8.fzv")
    one = archive.reconstruct(golden, engine="numba", threads=1)
    import numba

    before = numba.get_num_threads()
    for n in (2, 3, 8):
        assert np.array_equal(archive.reconstruct(golden, engine="numba", threads=n), one)
        assert numba.get_num_threads() == before  # restored after the call


@pytest.fixture(scope="module")
def big_corpus():
    from fastzip import data

    return data.stdlib_text(3 << 20) + data.shared_library_code(2 << 20) + b"tail" * 1000


@pytest.mark.parametrize("format", ["zlib", "gzip", "raw"])
def test_deflate_on_several_threads_is_one_ordinary_stream(big_corpus, format):
    import gzip
    import zlib

    from fastzip import deflate

    peer = {"zlib": zlib.decompress, "gzip": gzip.decompress, "raw": lambda b: zlib.decompress(b, wbits=-15)}[format]
    single = deflate.compress(big_corpus, 6, format=format, mtime=0, threads=1)
    split = deflate.compress(big_corpus, 6, format=format, mtime=0, threads=2)
    assert peer(split) == big_corpus and deflate.decompress(split, format=format) == big_corpus
    assert len(split) <= len(single) * 1.005  # pieces primed with the 32 KiB before them
    pieces = -(-len(big_corpus) // deflate.PIECE)
    for n in COUNTS[2:]:
        assert deflate.compress(big_corpus, 6, format=format, mtime=0, threads=n) == split  # any count above one
        assert _parallel.last_workers() == min(n, pieces)
    assert deflate.compress(big_corpus, 6, format=format, mtime=0) == single  # the automatic default never splits
    with fastzip.threads(2):
        assert deflate.compress(big_corpus, 6, format=format, mtime=0) == split  # asked for: splits
        assert deflate.compress(big_corpus[:100_000], 6, format=format, mtime=0) == \
            deflate.compress(big_corpus[:100_000], 6, format=format, mtime=0, threads=1)  # too small to split


@pytest.mark.parametrize("level", [0, 1, 9, 12])
def test_deflate_pieces_at_every_kind_of_level(big_corpus, level):
    import zlib

    from fastzip import deflate

    data = big_corpus[: 3 * deflate.PIECE + 12345]
    assert zlib.decompress(deflate.compress(data, level, threads=3)) == data


def test_streaming_compression_on_several_threads(big_corpus, tmp_path):
    import gzip

    from fastzip import deflate
    from fastzip.cli import main

    path = tmp_path / "a.gz"
    with path.open("wb") as raw, deflate.open(raw, "wb", threads=2, mtime=0) as f:
        for i in range(0, len(big_corpus), 700_001):
            f.write(big_corpus[i:i + 700_001])
    assert gzip.decompress(path.read_bytes()) == big_corpus
    assert path.read_bytes() == deflate.compress(big_corpus, format="gzip", threads=2, mtime=0)  # same pieces
    exact = big_corpus[: 4 * deflate.PIECE]  # a multiple of the batch: flush() ends with an empty final block
    c = deflate.Compressor(9, format="zlib", threads=2)
    assert deflate.decompress(c.compress(exact) + c.flush()) == exact
    (tmp_path / "b").write_bytes(big_corpus)
    assert main(["compress", "-p", "2", "-k", str(tmp_path / "b")]) == 0
    assert gzip.decompress((tmp_path / "b.gz").read_bytes()) == big_corpus
