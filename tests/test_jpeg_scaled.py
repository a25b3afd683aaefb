"""Scaled decoding (``jpeg.decode(data, scale=1/2 | 1/4 | 1/8)``) gives what libjpeg's scaled
decoding gives: Pillow's ``draft`` pictures within a rounding, for every subsampling, baseline
and progressive files, grayscale and odd sizes; the same for any thread count; into ``out``."""

import io
import warnings

import numpy as np
import pytest

from fastzip import CorruptDataWarning, jpeg

Image = pytest.importorskip("PIL.Image")
skimage_data = pytest.importorskip("skimage.data")


def _pillow_file(image, **options) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", **options)
    return buf.getvalue()


def _draft(data: bytes, denominator: int) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        im.draft(im.mode, (max(1, im.width // denominator), max(1, im.height // denominator)))
        return np.asarray(im)


@pytest.mark.parametrize("denominator", [2, 4, 8])
@pytest.mark.parametrize("subsampling", [0, 1, 2])
@pytest.mark.parametrize("progressive", [False, True])
def test_scaled_pictures_are_pillows_draft_pictures(denominator, subsampling, progressive):
    photo = skimage_data.astronaut()
    for image in (photo, photo[3:304, 5:422], photo[200:213, 200:219], np.ascontiguousarray(photo[:133, :97, 1])):
        data = _pillow_file(np.ascontiguousarray(image), quality=85, subsampling=subsampling, progressive=progressive)
        ours, theirs = jpeg.decode(data, scale=1 / denominator), _draft(data, denominator)
        assert ours.shape == theirs.shape == (-(-image.shape[0] // denominator), -(-image.shape[1] // denominator)) \
            + image.shape[2:]
        diff = np.abs(ours.astype(int) - theirs)
        assert diff.max() <= 3 and diff.mean() < 0.1


def test_scaled_decode_threads_out_and_bad_scales():
    photo = skimage_data.coffee()
    data = jpeg.encode(photo, quality=80)
    half = jpeg.decode(data, scale=0.5, threads=1)
    for threads in (2, 3, 8):
        assert np.array_equal(jpeg.decode(data, scale=0.5, threads=threads), half)
    out = np.zeros_like(half)
    assert jpeg.decode(data, scale=0.5, out=out) is out and np.array_equal(out, half)
    with pytest.raises(ValueError, match="shape"):
        jpeg.decode(data, scale=0.25, out=out)
    for bad in (0, 3, 1 / 3, 2, -0.5):
        with pytest.raises(ValueError, match="scale"):
            jpeg.decode(data, scale=bad)
    assert [im.shape for im in jpeg.decode_many([data, data], scale=0.125)] == [(50, 75, 3)] * 2


@pytest.mark.parametrize("denominator", [2, 4, 8])
def test_scaled_pipeline_on_two_threads_makes_the_same_pixels_as_one(denominator):
    """With two threads the reduced planes are made while the scan is decoded: the same
    pixels as one thread's, for every layout, restart intervals, odd sizes and a file cut
    short (decoded leniently, its missing rows grey)."""
    photo = skimage_data.astronaut()
    files = [_pillow_file(np.ascontiguousarray(photo[:301, :419]), quality=q, subsampling=sub) for q, sub in
             [(90, 0), (75, 1), (60, 2)]]
    files.append(_pillow_file(np.ascontiguousarray(photo[:263, :177, 0]), quality=80))
    files.append(jpeg.encode(photo, quality=85, restart_interval=7))
    files.append(files[2][: len(files[2]) * 2 // 3])
    for data in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CorruptDataWarning)
            one = jpeg.decode(data, scale=1 / denominator, threads=1)
            two = jpeg.decode(data, scale=1 / denominator, threads=2)
        assert np.array_equal(one, two)


def test_an_eighth_is_each_blocks_mean():
    """At 1/8 a block's pixel is its DC: the mean of the full-size block's pixels, rounded."""
    gray = np.ascontiguousarray(skimage_data.camera()[:64, :64])
    data = jpeg.encode(gray, quality=95)
    full = jpeg.decode(data).astype(float).reshape(8, 8, 8, 8).mean(axis=(1, 3))
    assert np.abs(jpeg.decode(data, scale=1 / 8) - full).max() <= 1.5
