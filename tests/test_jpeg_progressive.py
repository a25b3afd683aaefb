"""Progressive JPEG (SOF2), both ways: Pillow's progressive files decode as Pillow decodes them;
fastzip's progressive files (libjpeg's scan script, or any other the standard allows) open in
Pillow, and every script carries the same coefficients, so it decodes to the same pixels as a
sequential file of them; damaged progressive files raise fastzip errors only."""

import functools
import io
import warnings

import numpy as np
import pytest

from fastzip import CorruptDataWarning, FastzipError, FormatError, jpeg
from fastzip.jpeg import encoder

from common import assert_every_cut_fails, mutants, outcomes

Image = pytest.importorskip("PIL.Image")
skimage_data = pytest.importorskip("skimage.data")

PILLOW_SUBSAMPLING = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}


@pytest.fixture(scope="module")
def photo():
    return skimage_data.astronaut()


def _pillow(image, **options) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", **options)
    return buf.getvalue()


def _close_to_pillow(data: bytes):
    ours = jpeg.decode(data).astype(int)
    theirs = np.asarray(Image.open(io.BytesIO(data))).astype(int)
    assert ours.shape == theirs.shape
    diff = np.abs(ours - theirs)
    assert diff.max() <= 3 and (diff.size < 3000 or diff.mean() <= 0.5)  # a few pixels make no mean
    return ours


@pytest.mark.parametrize("subsampling", list(PILLOW_SUBSAMPLING))
@pytest.mark.parametrize("quality", [20, 75, 95])
@pytest.mark.parametrize("shape", [(512, 512), (101, 77), (17, 17), (3, 4), (1, 1)])
def test_pillows_progressive_files_decode_as_pillow_decodes_them(photo, subsampling, quality, shape):
    image = np.ascontiguousarray(photo[:shape[0], :shape[1]])
    data = _pillow(image, quality=quality, progressive=True, subsampling=PILLOW_SUBSAMPLING[subsampling])
    assert jpeg.read_header(data).progressive
    _close_to_pillow(data)
    _close_to_pillow(_pillow(np.ascontiguousarray(image[..., 1]), quality=quality, progressive=True))


@pytest.mark.parametrize("restart", [{"restart_marker_blocks": 5}, {"restart_marker_rows": 1}])
def test_progressive_restart_intervals(photo, restart):
    data = _pillow(photo[:200, :150], quality=80, progressive=True, **restart)
    assert b"\xff\xdd" in data
    _close_to_pillow(data)


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4", "gray"])
@pytest.mark.parametrize("shape", [(512, 512), (101, 77), (9, 13), (1, 1)])
def test_fastzips_progressive_files_open_in_pillow(photo, subsampling, shape):
    image = np.ascontiguousarray(photo[:shape[0], :shape[1]])
    if subsampling == "gray":
        image = np.ascontiguousarray(image[..., 0])
    options = {"subsampling": "4:2:0" if subsampling == "gray" else subsampling, "quality": 85}
    data = jpeg.encode(image, progressive=True, **options)
    assert data[:2] == b"\xff\xd8" and b"\xff\xc2" in data
    pixels = _close_to_pillow(data)
    # the same coefficients a sequential file of one scan per component carries
    assert np.array_equal(pixels, jpeg.decode(jpeg.encode(image, interleave=False, optimize=True, **options)))


_SCRIPTS = {
    # spectral selection only: every coefficient at full precision, in bands
    "spectral": (((0, 1, 2), 0, 0, 0, 0), ((0,), 1, 2, 0, 0), ((0,), 3, 9, 0, 0), ((0,), 10, 63, 0, 0),
                 ((1,), 1, 63, 0, 0), ((2,), 1, 63, 0, 0)),
    # successive approximation only: the whole band, two bits at a time then one by one
    "approximation": (((0, 1, 2), 0, 0, 0, 3), ((0, 1, 2), 0, 0, 3, 2), ((0, 1, 2), 0, 0, 2, 1),
                      ((0, 1, 2), 0, 0, 1, 0), ((0,), 1, 63, 0, 3), ((1,), 1, 63, 0, 1), ((2,), 1, 63, 0, 1),
                      ((0,), 1, 63, 3, 2), ((0,), 1, 63, 2, 1), ((0,), 1, 63, 1, 0), ((1,), 1, 63, 1, 0),
                      ((2,), 1, 63, 1, 0)),
    # DC of each component in its own scan, AC bands interleaved across components' turns
    "one_at_a_time": (((1,), 0, 0, 0, 0), ((0,), 0, 0, 0, 1), ((2,), 0, 0, 0, 0), ((2,), 1, 63, 0, 0),
                      ((0,), 1, 20, 0, 1), ((1,), 1, 63, 0, 0), ((0,), 21, 63, 0, 1), ((0,), 0, 0, 1, 0),
                      ((0,), 1, 63, 1, 0)),
}


@pytest.mark.parametrize("script", list(_SCRIPTS))
@pytest.mark.parametrize("restart_interval", [0, 3])
@pytest.mark.parametrize("subsampling", ["4:2:0", "4:4:4"])
def test_every_scan_script_gives_the_same_pixels(photo, script, restart_interval, subsampling):
    """Scan scripts the standard allows, written by fastzip's encoder: Pillow reads them, and
    fastzip decodes each to exactly the pixels of libjpeg's default script."""
    image = np.ascontiguousarray(photo[100:179, 200:301])
    hmax, vmax = jpeg.SUBSAMPLING[subsampling]
    sampling = [(hmax, vmax), (1, 1), (1, 1)]
    mcus_x, mcus_y = -(-image.shape[1] // (8 * hmax)), -(-image.shape[0] // (8 * vmax))
    blocks = encoder.component_blocks(image, hmax, vmax, mcus_y * 8 * vmax, mcus_x * 8 * hmax,
                                      encoder._quality_tables(90))
    data = encoder._encode_progressive(blocks, *image.shape[:2], sampling, mcus_x, mcus_y, 90, restart_interval,
                                       script=_SCRIPTS[script])
    assert data.count(b"\xff\xda") == len(_SCRIPTS[script])
    pixels = _close_to_pillow(data)
    assert np.array_equal(pixels, jpeg.decode(jpeg.encode(image, quality=90, subsampling=subsampling,
                                                          progressive=True)))


def test_progressive_is_usually_smaller_than_optimized_baseline(photo):
    for quality in (75, 90):
        assert len(jpeg.encode(photo, quality=quality, progressive=True)) < \
            len(jpeg.encode(photo, quality=quality, optimize=True))


def test_scan_parameters_the_standard_forbids_are_refused(photo):
    data = bytearray(jpeg.encode(photo[:32, :32], progressive=True))
    sos = data.index(b"\xff\xda")
    length = int.from_bytes(data[sos + 2:sos + 4], "big")
    params = sos + 2 + length - 3  # Ss, Se, Ah/Al of the first scan (DC, three components)
    for ss, se, ahal in ((0, 5, 0x01), (1, 63, 0x01), (0, 0, 0x31), (0, 0, 0xE0), (5, 2, 0x00)):
        bad = bytearray(data)
        bad[params:params + 3] = bytes([ss, se, ahal])
        with pytest.raises(FormatError, match="progressive scan"):
            jpeg.decode(bytes(bad))


def test_damaged_progressive_files_raise_fastzip_errors_only(photo):
    data = jpeg.encode(photo[:64, :80], quality=80, progressive=True)
    strict = functools.partial(jpeg.decode, strict=True)
    assert_every_cut_fails(data, strict, step=97, error=FastzipError)
    counts = outcomes(strict, mutants(data, np.random.default_rng(2), 300, how="set", first=2))
    assert set(counts) <= {"ok", "error"} and counts["error"] > 0


def test_damaged_progressive_files_decode_leniently_as_libjpeg_would(photo):
    """The default: damage is decoded past with a warning; a file cut in its last scans still
    gives the whole picture from the scans before (only the lost refinement is missing)."""
    data = jpeg.encode(photo[:64, :80], quality=80, progressive=True)
    last_scan = data.rindex(b"\xff\xda")
    with pytest.warns(CorruptDataWarning):
        early = jpeg.decode(data[:last_scan + 40])
    assert early.shape == (64, 80, 3) and np.abs(early.astype(int) - jpeg.decode(data)).mean() < 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptDataWarning)
        counts = outcomes(jpeg.decode, mutants(data, np.random.default_rng(3), 300, how="set", first=2))
    assert set(counts) <= {"ok", "error"} and counts["ok"] > counts["error"]


def _outcome(data, **options):
    """What a decode gives: its pixels, or its error; and the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CorruptDataWarning)
        try:
            result = jpeg.decode(data, **options)
        except FastzipError as exc:
            result = (type(exc), str(exc))
    return result, sorted(str(w.message) for w in caught)


def test_scans_decoded_on_two_threads_give_what_one_gives(photo):
    """On two threads a progressive file's scans wait until every marker is read and are then
    decoded side by side (a refinement after the scans it refines): the same pixels, errors and
    warnings as one thread, for good, cut and damaged files, strict or not."""
    image = np.ascontiguousarray(photo[:160, :200])
    files = [jpeg.encode(image, quality=80, progressive=True), _pillow(image, quality=70, progressive=True),
             jpeg.encode(image[..., 0], quality=90, progressive=True, restart_interval=5)]
    rng = np.random.default_rng(11)
    for data in files:
        cases = [data, data[:len(data) // 2], data[:data.rindex(b"\xff\xda") + 30]]
        cases += list(mutants(data, rng, 40, how="set", first=2))
        for case in cases:
            for strict in (False, True):
                one, two = _outcome(case, threads=1, strict=strict), _outcome(case, threads=2, strict=strict)
                if isinstance(one[0], np.ndarray) and isinstance(two[0], np.ndarray):
                    assert np.array_equal(one[0], two[0]) and one[1] == two[1]
                else:
                    assert one == two


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:4:4", "gray"])
@pytest.mark.parametrize("restart_interval", [0, 7])
def test_optimized_scan_scripts_are_smaller_and_carry_the_same_coefficients(photo, subsampling, restart_interval):
    """``optimize_scans`` picks each component's split of its coefficients into scans by size:
    never larger than libjpeg's script, the same pixels (the coefficients are the same), and
    files Pillow decodes as it decodes the others."""
    image = np.ascontiguousarray(photo[:200, :232])
    if subsampling == "gray":
        image = np.ascontiguousarray(image[..., 1])
    options = {"subsampling": "4:2:0" if subsampling == "gray" else subsampling, "quality": 80,
               "restart_interval": restart_interval, "progressive": True}
    plain, tuned = jpeg.encode(image, **options), jpeg.encode(image, optimize_scans=True, **options)
    assert len(tuned) <= len(plain)
    assert np.array_equal(_close_to_pillow(tuned), jpeg.decode(plain))
    with pytest.raises(ValueError, match="progressive"):
        jpeg.encode(image, optimize_scans=True)
