"""fastzip's JPEG decoder against Pillow's: its files decode to within a grey level of Pillow's
own decode, fastzip's files round-trip, and hostile input only ever raises fastzip errors."""

import io
import itertools
import struct

import numpy as np
import pytest

from fastzip import FormatError, OutputLimitError, UnsupportedError, dct, jpeg

PIL = pytest.importorskip("PIL.Image")
from common import mutants, outcomes
from test_jpeg_encode import PIL_SUBSAMPLING, photos, pillow_open  # noqa: E402


@pytest.fixture(scope="module")
def images():
    return photos()


def pillow_jpeg(img, **options):
    buf = io.BytesIO()
    PIL.fromarray(img).save(buf, "JPEG", **options)
    return buf.getvalue()


def assert_close_to_pillow(data):
    ours, theirs = jpeg.decode(data), pillow_open(data)
    assert ours.shape == theirs.shape
    diff = np.abs(ours.astype(np.int16) - theirs)
    assert diff.mean() <= 0.5 and diff.max() <= 3, (diff.mean(), diff.max())


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4"])
def test_decodes_pillow_files_like_pillow(images, subsampling):
    for name, img in images.items():
        for quality in (30, 75, 95):
            assert_close_to_pillow(pillow_jpeg(img, quality=quality, subsampling=PIL_SUBSAMPLING[subsampling]))


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (9, 17), (101, 77), (33, 250)])
def test_odd_sizes_grayscale_and_restarts(images, shape):
    img = images["chelsea"][:shape[0], :shape[1]]
    for sub in (0, 1, 2):
        assert_close_to_pillow(pillow_jpeg(img, quality=85, subsampling=sub))
    assert_close_to_pillow(pillow_jpeg(np.ascontiguousarray(img[..., 0]), quality=85))
    for restart in (1, 3):
        data = jpeg.encode(img, quality=85, restart_interval=restart)
        assert_close_to_pillow(data)


def test_pillow_restart_markers_when_supported(images):
    img = images["coffee"]
    try:
        data = pillow_jpeg(img, quality=80, restart_marker_blocks=2)
    except (TypeError, OSError):
        pytest.skip("this Pillow cannot write restart markers")
    assert b"\xff\xdd" in data
    assert_close_to_pillow(data)


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4"])
def test_non_interleaved_scans(images, subsampling):
    for shape in ((101, 77), (512, 512)):
        img = images["astronaut"][:shape[0], :shape[1]]
        data = jpeg.encode(img, quality=80, subsampling=subsampling, interleave=False, restart_interval=5)
        assert data.count(b"\xff\xda") == 3  # one scan per component
        assert_close_to_pillow(data)
        interleaved = jpeg.encode(img, quality=80, subsampling=subsampling, restart_interval=5)
        assert (pillow_open(data) == pillow_open(interleaved)).all()


def test_round_trip_of_fastzip_files(images):
    for subsampling in ("4:2:0", "4:4:4"):
        data = jpeg.encode(images["astronaut"], quality=90, subsampling=subsampling, optimize=True)
        assert_close_to_pillow(data)
        header = jpeg.read_header(data)
        assert (header.height, header.width) == (512, 512)
        assert header.sampling[0] == {"4:2:0": (2, 2), "4:4:4": (1, 1)}[subsampling]
        assert (header.quant_tables[0] == dct.quality_table(90)).all()


def test_unsupported_kinds_say_why(images):
    img = images["coffee"][:64, :64]
    buf = io.BytesIO()
    PIL.fromarray(img).convert("CMYK").save(buf, "JPEG")
    with pytest.raises(UnsupportedError, match="CMYK"):
        jpeg.decode(buf.getvalue())
    data = bytearray(jpeg.encode(img))
    sof = data.index(b"\xff\xc0")
    data[sof + 4] = 12  # 12-bit precision
    with pytest.raises(UnsupportedError, match="12-bit"):
        jpeg.decode(bytes(data))
    data[sof + 4], data[sof + 1] = 8, 0xC9  # arithmetic coding
    with pytest.raises(UnsupportedError, match="arithmetic"):
        jpeg.decode(bytes(data))
    data[sof + 1] = 0xC3  # lossless
    with pytest.raises(UnsupportedError, match="lossless"):
        jpeg.decode(bytes(data))


def without_dht(data: bytes) -> bytes:
    """``data`` with every DHT segment cut out, as Motion-JPEG frames come."""
    out, pos = bytearray(data[:2]), 2
    while data[pos + 1] != 0xDA:
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if data[pos + 1] != 0xC4:
            out += data[pos:pos + 2 + length]
        pos += 2 + length
    return bytes(out + data[pos:])


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:4:4"])
def test_files_without_huffman_tables_use_annex_k_like_libjpeg(images, subsampling):
    img = images["chelsea"]
    data = pillow_jpeg(img, quality=85, subsampling=PIL_SUBSAMPLING[subsampling])  # standard tables
    bare = without_dht(data)
    assert b"\xff\xc4" not in bare[:bare.index(b"\xff\xda")]
    assert np.array_equal(jpeg.decode(bare), jpeg.decode(data))
    assert np.array_equal(pillow_open(bare), pillow_open(data))  # libjpeg does the same
    gray = without_dht(pillow_jpeg(img[..., 0].copy(), quality=85))
    assert_close_to_pillow(gray)
    optimized = without_dht(pillow_jpeg(img, quality=85, optimize=True))  # its own tables gone: garbage or error
    try:
        jpeg.decode(optimized, strict=True)
    except FormatError:
        pass


def segments(data: bytes):
    """Offsets where each marker segment starts (up to and including SOS)."""
    out, pos = [], 2
    while pos < len(data):
        marker = data[pos + 1]
        out.append(pos)
        if marker == 0xDA:
            break
        pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
    return out


def test_truncated_at_every_segment_boundary_and_in_the_scan(images):
    data = jpeg.encode(images["astronaut"][:48, :40], quality=75, restart_interval=2)
    cuts = segments(data) + list(range(segments(data)[-1] + 1, len(data) - 2, 7))
    for cut in cuts:
        with pytest.raises(FormatError):
            jpeg.decode(data[:cut], strict=True)


def test_hostile_headers(images):
    good = jpeg.encode(images["chelsea"][:32, :32], quality=75)
    with pytest.raises(FormatError, match="SOI"):
        jpeg.decode(b"\x89PNG" + good[4:])
    sof = good.index(b"\xff\xc0")
    bad = bytearray(good)
    bad[sof + 7:sof + 9] = b"\x00\x00"  # width 0
    with pytest.raises(FormatError, match="width"):
        jpeg.decode(bytes(bad))
    huge = bytearray(good)
    huge[sof + 5:sof + 9] = b"\xff\xff\xff\xff"  # 65535 x 65535
    with pytest.raises(OutputLimitError):
        jpeg.decode(bytes(huge))
    dht = good.index(b"\xff\xc4")
    sos = good.index(b"\xff\xda")
    table_two = bytearray(good)
    table_two[sos + 6] = 0x22  # the first component's scan tables: DC2/AC2, which no file defines here
    with pytest.raises(FormatError, match="never defined"):
        jpeg.decode(bytes(table_two))
    oversub = bytearray(good)
    oversub[dht + 5:dht + 7] = b"\x05\x05"  # five 1-bit and five 2-bit DC codes
    with pytest.raises(FormatError):
        jpeg.decode(bytes(oversub))
    no_dqt = bytearray(good)
    q = good.index(b"\xff\xdb")
    no_dqt[q + 5] = 0  # a zero quantization step
    with pytest.raises(FormatError, match="zero"):
        jpeg.decode(bytes(no_dqt))


def test_thousands_of_mutated_files_only_raise_fastzip_errors(images):
    rng = np.random.default_rng(81)
    base = jpeg.encode(images["coffee"][:40, :56], quality=60, restart_interval=3)

    def check(out):
        assert out.dtype == np.uint8

    streams = mutants(base, rng, 2000, changes=(1, 5), first=2, cut_every=7)
    assert outcomes(lambda s: jpeg.decode(s, max_pixels=1 << 22, strict=True), streams, check)["error"] > 100


def test_lenient_decoding_of_mutated_files_warns_or_raises_fastzip_errors_only(images):
    """The default decodes past what libjpeg decodes past: mutants give pictures with warnings,
    or fastzip errors; nothing else, and the pipelined path alike."""
    import warnings

    from fastzip import CorruptDataWarning

    def check(out):  # a header mutant may well name another size
        assert out.dtype == np.uint8 and out.ndim in (2, 3) and out.size <= 3 << 22

    for base in (jpeg.encode(images["coffee"][:40, :56], quality=60, restart_interval=3),
                 jpeg.encode(images["astronaut"][:256, :256], quality=60)):

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CorruptDataWarning)
            anywhere = outcomes(lambda b: jpeg.decode(b, max_pixels=1 << 22),
                                mutants(base, np.random.default_rng(9), 300, changes=(1, 5), first=2, cut_every=5),
                                check)
            in_scan = outcomes(jpeg.decode, mutants(base, np.random.default_rng(8), 300, changes=(1, 5),
                                                    first=base.index(b"\xff\xda") + 14, cut_every=5), check)
        # header damage stays fatal, as in libjpeg (a bogus table); damage in the scan mostly decodes
        assert anywhere["ok"] > 0 and in_scan["ok"] > 4 * in_scan["error"] and caught
        assert all(issubclass(w.category, CorruptDataWarning) for w in caught)


@pytest.mark.parametrize("factors", [(1, 1), (2, 1), (1, 2), (2, 2)])
@pytest.mark.parametrize("size", [(1, 1), (2, 9), (7, 13), (5, 33)])
def test_native_upsampling_is_the_reference(factors, size):
    """libjpeg's fancy upsampling, SIMD body and scalar edges, equals the pixel-by-pixel twin."""
    from fastzip._native import jpeg_color
    from fastzip.reference import jpeg_color as reference

    plane = np.random.default_rng(sum(size)).integers(0, 256, size, dtype=np.uint8)
    fx, fy = factors
    out = np.empty((size[0] * fy, size[1] * fx), np.uint8)
    jpeg_color.upsample(plane, fx, fy, out)
    assert out.tolist() == reference.upsample(plane.tolist(), fx, fy)


@pytest.mark.parametrize("factors", [(1, 1), (2, 1), (2, 2)])
@pytest.mark.parametrize("size", [(1, 1), (3, 16), (7, 17), (6, 50), (5, 77)])
def test_native_colour_conversion_is_the_reference(factors, size):
    """Upsampling + YCbCr -> RGB in one pass, over any split of the rows, equals the twin, exactly;
    the sizes cross the 16-pixel vector steps, and extreme samples exercise the clamps."""
    from fastzip._native import jpeg_color
    from fastzip.reference import jpeg_color as reference

    rng = np.random.default_rng(sum(size) + factors[0])
    height, width = size
    fx, fy = factors
    y = rng.choice(np.array([0, 1, 17, 128, 200, 254, 255], np.uint8), (height, width))
    cb, cr = (rng.integers(0, 256, (-(-height // fy), -(-width // fx)), dtype=np.uint8) for _ in range(2))
    up = [[row[:width] for row in reference.upsample(p.tolist(), fx, fy)[:height]] for p in (cb, cr)]
    expected = np.array(reference.ycbcr_to_rgb(y.tolist(), *up), np.uint8).reshape(height, width, 3)
    out = np.zeros_like(expected)
    split = height // 2
    jpeg_color.upsampled_ycbcr_to_rgb(y, cb, cr, fx, fy, out, split, height)
    jpeg_color.upsampled_ycbcr_to_rgb(y, cb, cr, fx, fy, out, 0, split)
    assert np.array_equal(out, expected)
    if factors == (1, 1):
        jpeg_color.ycbcr_to_rgb(y, cb, cr, out)
        assert np.array_equal(out, expected)


@pytest.fixture
def sequential(monkeypatch):
    """Decode without the pixel pipeline: every scan first, then the pixels (the path that
    small images and uncommon layouts take)."""
    from fastzip.jpeg import decoder as jpeg_decode

    def decode(data):
        with monkeypatch.context() as m:
            m.setattr(jpeg_decode._pipeline, "PIPELINE", False)
            return jpeg.decode(data)
    return decode


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4", "gray"])
def test_pixels_made_during_the_scan_equal_pixels_made_after(images, sequential, subsampling, monkeypatch):
    """The pipeline (both threads claiming rows while the scan is read) changes no pixel, on
    sizes with partial MCUs and with restart markers."""
    from fastzip.jpeg import decoder as jpeg_decode

    jobs = []
    make_job = jpeg_decode._pixel_pipeline
    monkeypatch.setattr(jpeg_decode, "_pixel_pipeline", lambda *a: jobs.append(make_job(*a)) or jobs[-1])
    for name, img in images.items():
        crop = img[:333, :301] if name == "astronaut" else img
        if subsampling == "gray":
            crop = crop[..., 1].copy()
        for options in ({}, {"restart_interval": 5}):
            data = jpeg.encode(crop, quality=80, subsampling="4:2:0" if subsampling == "gray" else subsampling,
                               **options)
            assert np.array_equal(jpeg.decode(data), sequential(data))
    made = [job is not None for job in jobs]
    assert made == [True, False] * (len(made) // 2)  # each pipelined decode, then the sequential one


def test_pipelined_decode_of_corrupt_big_scans_raises(images):
    """Big enough for the pipeline: a failing scan stops both threads and raises, every time."""
    base = jpeg.encode(images["astronaut"][:256, :256], quality=60)
    sos = base.index(b"\xff\xda")
    rng = np.random.default_rng(5)

    def check(out):
        assert out.shape == (256, 256, 3)

    streams = mutants(base, rng, 300, changes=(3, 4), first=sos + 14, last=len(base) - 2, cut_every=3)
    assert outcomes(lambda s: jpeg.decode(s, strict=True), streams, check)["error"] > 50


def test_decodes_side_by_side_in_many_threads(images):
    """Callers on several threads share the one pool; each gets its own image."""
    from concurrent.futures import ThreadPoolExecutor

    files = [jpeg.encode(img, quality=70) for img in images.values()] * 4
    expected = [jpeg.decode(f) for f in files]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(jpeg.decode, files))
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4"])
def test_images_smaller_than_a_block_or_an_mcu_decode_like_libjpeg(images, subsampling):
    """Every size from 1x1 to 17x17, Pillow's files and fastzip's, decoded as libjpeg does (which
    repeats chroma samples instead of interpolating them in planes 2 samples wide or less)."""
    img = images["astronaut"]
    for h, w, top in itertools.product(range(1, 18), range(1, 18), (0, 200)):
        crop = np.ascontiguousarray(img[top:top + h, top:top + w])
        for data in (pillow_jpeg(crop, quality=90, subsampling=PIL_SUBSAMPLING[subsampling]),
                     jpeg.encode(crop, quality=90, subsampling=subsampling)):
            ours, theirs = jpeg.decode(data), pillow_open(data)
            assert ours.shape == theirs.shape and np.abs(ours.astype(int) - theirs).max() <= 3, (h, w, top)


@pytest.mark.parametrize("threads", [1, 2])
def test_decode_into_the_callers_array(images, threads):
    img = images["astronaut"]
    for data in (jpeg.encode(img[:301, :333], subsampling="4:2:0"), jpeg.encode(img, subsampling="4:4:4"),
                 jpeg.encode(img[..., 1].copy()), jpeg.encode(img[:99, :77], interleave=False),
                 pillow_jpeg(img[:64, :48], subsampling=1)):
        expected = jpeg.decode(data, threads=threads)
        out = np.full(expected.shape, 7, np.uint8)
        assert jpeg.decode(data, out=out, threads=threads) is out and np.array_equal(out, expected)
    with pytest.raises(ValueError, match="shape"):
        jpeg.decode(data, out=np.empty((64, 48), np.uint8))
    for bad in (np.empty((48, 64, 3), np.uint8).transpose(1, 0, 2), np.empty((64, 48, 3), np.int16), bytearray(9)):
        with pytest.raises(ValueError):
            jpeg.decode(data, out=bad)


def test_decode_many_decodes_a_batch_on_several_threads(images):
    files = [jpeg.encode(img[:200, :150], quality=q) for q in (50, 90) for img in images.values()]
    expected = [jpeg.decode(f) for f in files]
    for threads in (1, 2, 3):
        got = jpeg.decode_many(files, threads=threads)
        assert all(np.array_equal(a, b) for a, b in zip(got, expected))
    assert jpeg.decode_many([]) == []
    with pytest.raises(FormatError, match="file 3"):
        jpeg.decode_many(files[:3] + [files[3][:100]] + files[4:], threads=2)
