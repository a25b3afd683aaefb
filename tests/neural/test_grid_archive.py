"""The grid archive (``FZGS``): streams and names round-trip, extraction writes each image at its
own size as the codec decodes it, names never escape the output directory, damaged and hostile
archives raise fastzip errors, and the CLI creates, describes and extracts one."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from fastzip import ChecksumError, FastzipError, FormatError, OutputLimitError, UnsupportedError

pytest.importorskip("numba")
Image = pytest.importorskip("PIL.Image")
from fastzip.neural.grid import archive, codec  # noqa: E402

from common import assert_every_cut_fails, mutants, outcomes  # noqa: E402

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.fixture(scope="module")
def golden_stream():
    return (GOLDEN / "grid_v1.fzg").read_bytes()


def _reseal(body: bytes) -> bytes:
    return body + struct.pack("<I", zlib.crc32(body))


def test_round_trip_keeps_names_and_streams(golden_stream):
    made = archive.Archive(["é.png", "../../etc/passwd", "b"], [golden_stream, golden_stream[:], golden_stream])
    back = archive.loads(archive.dumps(made))
    assert back.names == made.names and back.streams == made.streams
    assert back.sizes() == [codec.decode(golden_stream).shape[:2]] * 3
    empty = archive.loads(archive.dumps(archive.Archive([], [])))
    assert empty.names == [] and empty.streams == []


def test_extract_writes_each_image_at_its_size_inside_the_directory(golden_stream, tmp_path):
    path = tmp_path / "set.fzg"
    archive.save(archive.Archive(["../up.jpg", "/abs/a.png", "a.jpg"], [golden_stream] * 3), path)
    out = tmp_path / "out"
    written = archive.extract(path, out)
    assert [p.name for p in written] == ["up.png", "a.png", "a_2.png"]
    assert all(p.parent == out for p in written)
    expected = codec.decode(golden_stream)
    for p in written:
        assert np.array_equal(np.asarray(Image.open(p)), expected)


def test_damaged_archives_raise_fastzip_errors(golden_stream):
    blob = archive.dumps(archive.Archive(["x", "y"], [golden_stream, golden_stream]))
    assert_every_cut_fails(blob, archive.loads, step=7, error=FastzipError)
    counts = outcomes(archive.loads, mutants(blob, np.random.default_rng(3), 100, how="xor"))
    assert counts["error"] == 100  # the CRC catches every change
    with pytest.raises(ChecksumError):
        archive.loads(blob[:-1] + bytes([blob[-1] ^ 1]))
    with pytest.raises(FormatError, match="magic"):
        archive.loads(b"FZGC" + blob[4:])


def test_hostile_headers_are_refused_before_allocation(golden_stream):
    body = archive.dumps(archive.Archive(["x"], [golden_stream]))[:-4]
    newer = bytearray(body)
    newer[4] = 2
    with pytest.raises(UnsupportedError):
        archive.loads(_reseal(bytes(newer)))
    huge = bytearray(body)
    huge[6:10] = struct.pack("<I", 0xFFFFFFFF)
    with pytest.raises(OutputLimitError):
        archive.loads(_reseal(bytes(huge)))
    long_stream = bytearray(body)
    long_stream[12:16] = struct.pack("<I", 0xFFFFFFF0)  # a stream length past the end
    with pytest.raises(FormatError, match="truncated"):
        archive.loads(_reseal(bytes(long_stream)))
    bad_name = bytearray(body)
    bad_name[16] = 0xFF
    with pytest.raises(FormatError, match="UTF-8"):
        archive.loads(_reseal(bytes(bad_name)))
    flags = bytearray(body)
    flags[5] = 3
    with pytest.raises(FormatError, match="flags"):
        archive.loads(_reseal(bytes(flags)))
    for shared in (archive.SHARED, archive.SHARED_ARM):  # separate streams read as shared: refused
        flags[5] = shared
        with pytest.raises(FastzipError):
            archive.decode_all(archive.loads(_reseal(bytes(flags))), max_pixels=1 << 16)
    # Resealed mutants of the streams: the codec's checks answer, with fastzip errors only.
    rng = np.random.default_rng(5)
    for mutant in mutants(body, rng, 60, how="set", first=17):
        try:
            archive.decode_all(archive.loads(_reseal(mutant)), max_pixels=1 << 16)
        except FastzipError:
            pass


@pytest.fixture(scope="module", params=["arm", "all"])
def shared_set(request):
    pytest.importorskip("torch")
    skimage_data = pytest.importorskip("skimage.data")
    images = [skimage_data.astronaut()[100:124, 200:240], skimage_data.coffee()[50:67, 80:103]]
    made, infos = archive.create(["a.png", "b.png"], images, lam=0.002, steps=80, share=request.param,
                                 progress=False)
    return images, made, infos


def test_a_shared_set_decodes_without_torch_to_the_encoders_pictures(shared_set, tmp_path):
    """Networks shared by the set (the ARM, or both): stored once, each image with its size (its
    synthesis) and its latents; a fresh process without torch decodes exactly the encoder's
    reconstructions."""
    import subprocess
    import sys

    images, made, infos = shared_set
    path = tmp_path / "set.fzg"
    written = archive.save(made, path)
    back = archive.load(path)
    assert back.networks == made.networks and back.share == made.share
    assert back.sizes() == [im.shape[:2] for im in images]
    assert written == len(archive.dumps(back)) and back.network_bytes() < written
    code = ("import sys; sys.modules['torch'] = None\n"
            "import numpy as np\n"
            "from fastzip.neural.grid import archive\n"
            f"np.savez({str(tmp_path / 'out.npz')!r}, *archive.decode_all(archive.load({str(path)!r}), threads=1))\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    decoded = np.load(tmp_path / "out.npz")
    for k, image in enumerate(images):
        pixels = decoded[f"arr_{k}"]
        assert pixels.shape == image.shape
        grey = 10 * np.log10(255 ** 2 / np.mean((image.astype(float) - 128) ** 2))
        assert infos[k]["psnr"] > grey + 2  # trained: better than the untrained network's grey
    # the encoder's own figures describe what the archive decodes to
    reconstructions = archive.decode_all(back, threads=2)
    for k, image in enumerate(images):
        assert np.array_equal(decoded[f"arr_{k}"], reconstructions[k])
        mse = np.mean((reconstructions[k].astype(float) - image) ** 2)
        assert abs(10 * np.log10(255 ** 2 / mse) - infos[k]["psnr"]) < 1e-6


def test_damaged_shared_sets_raise_fastzip_errors(shared_set):
    _, made, _ = shared_set
    blob = archive.dumps(made)
    assert_every_cut_fails(blob, archive.loads, step=5, error=FastzipError)
    body = blob[:-4]
    for mutant in mutants(body, np.random.default_rng(9), 80, how="set", first=10):
        try:
            archive.decode_all(archive.loads(_reseal(mutant)), max_pixels=1 << 16)
        except FastzipError:
            pass
    tiny = archive.Archive(made.names, [s[:5] for s in made.streams], made.networks, made.share)
    with pytest.raises(FormatError, match="shorter than its size"):
        archive.loads(archive.dumps(tiny))
    big = archive.Archive(made.names, [struct.pack("<II", 60000, 60000) + s[8:] for s in made.streams], made.networks,
                          made.share)
    with pytest.raises(OutputLimitError):
        archive.decode_all(archive.loads(archive.dumps(big)))


def test_cli_create_info_extract(tmp_path, capsys):
    pytest.importorskip("torch")
    skimage_data = pytest.importorskip("skimage.data")
    from fastzip.cli import main

    src = tmp_path / "photos"
    src.mkdir()
    shapes = {"coffee": (40, 56), "chelsea": (33, 47)}  # any size: nothing is resized
    Image.fromarray(skimage_data.coffee()[:40, :56]).save(src / "coffee.png")
    Image.fromarray(skimage_data.chelsea()[:33, :47]).save(src / "chelsea.png")
    (src / "notes.txt").write_text("not an image")
    out = tmp_path / "set.fzg"
    assert main(["archive", "create", str(src), "-o", str(out), "--codec", "grid", "--steps", "20"]) == 0
    assert "ratio" in capsys.readouterr().out
    assert main(["archive", "info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "grid archive" in info and "coffee.png: 56x40" in info and "chelsea.png: 47x33" in info
    assert main(["archive", "extract", str(out), "-o", str(tmp_path / "x")]) == 0
    made = archive.load(out)
    for name, data in zip(made.names, made.streams):
        pixels = np.asarray(Image.open(tmp_path / "x" / name))
        assert pixels.shape[:2] == shapes[Path(name).stem] and np.array_equal(pixels, codec.decode(data))
    shared = tmp_path / "shared.fzg"
    assert main(["archive", "create", str(src), "-o", str(shared), "--codec", "grid", "--steps", "20", "--share"]) == 0
    assert "the shared ARM and each synthesis" in capsys.readouterr().out
    assert main(["archive", "info", str(shared)]) == 0
    assert "one ARM for the set" in capsys.readouterr().out
    assert main(["archive", "extract", str(shared), "-o", str(tmp_path / "y")]) == 0
    expected = archive.decode_all(archive.load(shared))
    for name, pixels in zip(archive.load(shared).names, expected):
        assert np.array_equal(np.asarray(Image.open(tmp_path / "y" / name)), pixels)
    (tmp_path / "bad.fzg").write_bytes(b"FZGS" + bytes(40))
    assert main(["archive", "info", str(tmp_path / "bad.fzg")]) == 1
    assert "fastzip: error" in capsys.readouterr().err
