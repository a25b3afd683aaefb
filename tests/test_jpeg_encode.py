"""fastzip's JPEG encoder against Pillow (libjpeg-turbo): Pillow opens every file, and the
quality and size match Pillow's own encoder at the same settings."""

import io

import numpy as np
import pytest

from fastzip import dct, jpeg, metrics
from fastzip.jpeg import encoder

PIL = pytest.importorskip("PIL.Image")
PIL_SUBSAMPLING = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}


def photos():
    skimage_data = pytest.importorskip("skimage.data")
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    images = {"astronaut": skimage_data.astronaut(), "coffee": skimage_data.coffee(),
              "chelsea": skimage_data.chelsea()}
    china, flower = sklearn_datasets.load_sample_images().images
    images["china"] = china
    images["flower"] = flower
    return images


@pytest.fixture(scope="module")
def images():
    return photos()


def pillow_open(data: bytes) -> np.ndarray:
    with PIL.open(io.BytesIO(data)) as im:
        im.load()
        return np.asarray(im)


def pillow_jpeg(img, quality, subsampling):
    buf = io.BytesIO()
    PIL.fromarray(img).save(buf, "JPEG", quality=quality, subsampling=PIL_SUBSAMPLING[subsampling])
    return buf.getvalue()


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4"])
def test_same_quality_and_size_as_pillow(images, subsampling):
    for name, img in images.items():
        ours = jpeg.encode(img, quality=75, subsampling=subsampling)
        theirs = pillow_jpeg(img, 75, subsampling)
        ours_psnr = metrics.psnr(img, pillow_open(ours))
        assert abs(ours_psnr - metrics.psnr(img, pillow_open(theirs))) <= 0.2, name
        assert abs(len(ours) / len(theirs) - 1) <= 0.03, name
        optimized = jpeg.encode(img, quality=75, subsampling=subsampling, optimize=True)
        assert len(optimized) < len(theirs), name
        assert metrics.psnr(img, pillow_open(optimized)) == pytest.approx(ours_psnr, abs=1e-9), name


@pytest.mark.parametrize("quality", [1, 10, 50, 90, 100])
def test_pillow_opens_every_quality(images, quality):
    img = images["coffee"]
    out = pillow_open(jpeg.encode(img, quality=quality))
    assert out.shape == img.shape
    theirs = pillow_open(pillow_jpeg(img, quality, "4:2:0"))
    assert abs(metrics.psnr(img, out) - metrics.psnr(img, theirs)) <= 0.2


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (9, 17), (101, 77), (16, 16), (33, 250)])
@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4"])
def test_odd_sizes_and_restart_markers(images, shape, subsampling):
    img = images["astronaut"][100:100 + shape[0], 200:200 + shape[1]]
    for restart in (0, 1, 3):
        out = pillow_open(jpeg.encode(img, quality=90, subsampling=subsampling, restart_interval=restart))
        assert out.shape == img.shape
        assert metrics.psnr(img, out) > 28


def test_grayscale(images):
    skimage_data = pytest.importorskip("skimage.data")
    for gray in (skimage_data.camera(), skimage_data.moon(), images["flower"][..., 1][:99, :131]):
        for optimize in (False, True):
            data = jpeg.encode(gray, quality=80, optimize=optimize, restart_interval=2)
            out = pillow_open(data)
            assert out.shape == gray.shape and metrics.psnr(gray, out) > 30


def test_bad_arguments():
    with pytest.raises(ValueError, match="uint8"):
        jpeg.encode(np.zeros((8, 8), np.float32))
    with pytest.raises(ValueError, match="HxW"):
        jpeg.encode(np.zeros((8, 8, 4), np.uint8))
    with pytest.raises(ValueError, match="subsampling"):
        jpeg.encode(np.zeros((8, 8, 3), np.uint8), subsampling="4:1:1")
    with pytest.raises(ValueError, match="quality"):
        jpeg.encode(np.zeros((8, 8), np.uint8), quality=0)


def test_incompressible_noise_at_quality_100():
    # ~88 bytes a block: more than the entropy coder's first output guess, so the retry runs.
    noise = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    data = jpeg.encode(noise, quality=100, subsampling="4:4:4")
    assert len(data) > 64 * 32 * 32 * 3
    assert metrics.psnr(noise, pillow_open(data)) > 40


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4", "gray"])
@pytest.mark.parametrize("shape", [(512, 512), (101, 77), (1, 1), (16, 33)])
def test_fused_pixel_pass_matches_the_step_by_step_path(images, subsampling, shape):
    """_native.jpeg_forward (one pass, MCU by MCU, two threads) against colour planes + DCT +
    quantization + reorder done step by step: the same coefficients but for ties at +-1."""
    img = images["astronaut"][: shape[0], : shape[1]]
    if subsampling == "gray":
        img = np.ascontiguousarray(img[:, :, 1])
    h, v = (1, 1) if subsampling == "gray" else jpeg.SUBSAMPLING[subsampling]
    mcus_y, mcus_x = -(-shape[0] // (8 * v)), -(-shape[1] // (8 * h))
    tables = [dct.quality_table(75, dct.LUMINANCE), dct.quality_table(75, dct.CHROMINANCE)]
    fused, comp, per_mcu, _ = encoder.FusedScan(np.ascontiguousarray(img), h, v, mcus_y, mcus_x, tables).fill()
    sampling = [(h, v)] + ([] if img.ndim == 2 else [(1, 1)] * 2)
    steps = encoder.component_blocks(np.ascontiguousarray(img), h, v, mcus_y * 8 * v, mcus_x * 8 * h, tables)
    expected, expected_comp, expected_per_mcu, _ = encoder.interleaved_scan(steps, sampling, mcus_x, mcus_y)[0]
    assert per_mcu == expected_per_mcu and np.array_equal(comp, expected_comp)
    diff = np.abs(fused.astype(np.int32) - expected)
    assert diff.max() <= 1 and (diff != 0).mean() < 1e-3


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4", "gray"])
def test_scans_coded_in_pieces_join_into_the_one_coders_bytes(images, subsampling, monkeypatch):
    """The encoding pipeline codes pieces of the scan apart (each from bit 0, on any thread) and
    joins them shifted into place: the file must be the one a single coder writes over blocks
    made first (PIPELINE off), byte for byte, for 1 to 8 threads (up to 32 pieces, so joins
    at every bit offset), odd sizes, tables made for the image, one scan per component, and
    noise at quality 100, which overflows the first output bound and is coded again."""
    from fastzip._native import jpeg_pipeline

    noise = np.random.default_rng(3).integers(0, 256, (400, 360, 3), dtype=np.uint8)
    cases = [(images["astronaut"][:, :301], 75, {}), (images["coffee"], 90, {"optimize": True}),
             (images["chelsea"], 60, {"interleave": False}), (noise, 100, {})]
    jobs = []
    real = jpeg_pipeline.Encoding
    monkeypatch.setattr(jpeg_pipeline, "Encoding",
                        lambda *a: jobs.append("pixels" if a[0] is not None else "blocks") or real(*a))
    for img, quality, extra in cases:
        if subsampling == "gray":
            img = np.ascontiguousarray(img[..., 0])
        options = dict(quality=quality, subsampling="4:2:0" if subsampling == "gray" else subsampling, **extra)
        with monkeypatch.context() as m:
            m.setattr(jpeg_pipeline, "PIPELINE", False)
            expected = jpeg.encode(img, **options)
        assert not jobs
        for threads in (1, 2, 3, 8):
            assert jpeg.encode(img, threads=threads, **options) == expected, threads
        # blocks made as they are coded, unless tables need them counted first (or the scans
        # are made by the step-by-step path: one per component, but gray's one is the fused)
        made_as_coded = not extra or (subsampling == "gray" and "interleave" in extra)
        assert set(jobs) == {"pixels" if made_as_coded else "blocks"}
        jobs.clear()


def test_encodes_side_by_side_in_many_threads(images):
    """Callers on several threads share the one helper thread; each gets its own file."""
    from concurrent.futures import ThreadPoolExecutor

    work = list(images.values()) * 4
    expected = [jpeg.encode(img) for img in work]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(jpeg.encode, work)) == expected


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4"])
def test_vector_colour_pass_equals_the_scalar_edge_pass(images, subsampling):
    """MCUs wholly inside the image take the SSE2 colour pass, MCUs on the right edge the scalar
    one. An image whose last column repeats the one before codes the same pixels either way:
    cut that column off and the last MCU column goes through the scalar pass instead, and every
    coefficient must come out the same, bit for bit."""
    h, v = jpeg.SUBSAMPLING[subsampling]
    tables = [dct.quality_table(100, dct.LUMINANCE), dct.quality_table(100, dct.CHROMINANCE)]  # all ones
    noise = np.random.default_rng(11).integers(0, 256, (96, 128, 3), dtype=np.uint8)
    for img in (images["chelsea"][:37, :64], noise, np.full((16, 32, 3), 255, np.uint8)):
        img = img.copy()
        img[:, -1] = img[:, -2]
        mcus_y, mcus_x = -(-img.shape[0] // (8 * v)), img.shape[1] // (8 * h)
        whole = encoder.FusedScan(img, h, v, mcus_y, mcus_x, tables).fill()[0]
        cut = np.ascontiguousarray(img[:, :-1])
        edge = encoder.FusedScan(cut, h, v, mcus_y, mcus_x, tables).fill()[0]
        assert np.array_equal(whole, edge)
