"""Trellis quantization: the native kernel gives its readable twin's choices, which are the
optimum (checked by trying every choice on short blocks); files made with it open in Pillow
and are smaller at equal PSNR than Pillow's best."""

import io
import itertools

import numpy as np
import pytest

from fastzip import jpeg, metrics
from fastzip._native.jpeg_trellis import trellis_blocks
from fastzip.reference.jpeg_trellis import UNCODED, trellis_block

Image = pytest.importorskip("PIL.Image")

# code lengths of a plausible AC table: short codes for short runs and small sizes, none for some
LENGTHS = np.zeros(256, np.uint8)
for run in range(16):
    for size in range(1, 11):
        LENGTHS[(run << 4) | size] = min(16, 2 + run + size)
LENGTHS[0x00], LENGTHS[0xF0], LENGTHS[0x3A] = 4, 11, 0


def _blocks(rng, n, spread):
    x = rng.laplace(0, 1, (n, 64)).astype(np.float32) * np.float32(spread) / (1 + np.arange(64, dtype=np.float32))
    weight = rng.uniform(1, 200, 64).astype(np.float32)
    return x, weight


@pytest.mark.parametrize("lam", [0.0, 5.0, 80.0, 5000.0])
def test_native_trellis_equals_its_twin(lam):
    rng = np.random.default_rng(int(lam) + 1)
    x, weight = _blocks(rng, 40, 60)
    x[0, 40] = 25  # a lone value far down the zigzag: a long run, ZRLs
    out = np.empty((40, 64), np.int16)
    trellis_blocks(x, weight, LENGTHS, lam, out)
    for b in range(40):
        assert out[b].tolist() == trellis_block(x[b].tolist(), weight.tolist(), LENGTHS.tolist(), lam), b
    if lam == 0:  # nothing to save: every value rounded
        rounded = np.where(x >= 0, np.floor(np.abs(x) + 0.5), -np.floor(np.abs(x) + 0.5))
        assert np.array_equal(out[:, 1:], rounded[:, 1:])


def _cost(values, x, weight, lam):
    """Squared error + lam x bits of a block's AC values, coded as JPEG codes them."""
    error = sum(weight[i] * (x[i] - values[i]) ** 2 for i in range(1, 64))
    bits, run, last = 0.0, 0, max([i for i in range(1, 64) if values[i]] or [0])
    for i in range(1, last + 1):
        if values[i] == 0:
            run += 1
            continue
        while run > 15:
            bits += LENGTHS[0xF0] or UNCODED
            run -= 16
        size = abs(values[i]).bit_length()
        bits += (LENGTHS[(run << 4) | size] or UNCODED) + size
        run = 0
    if last < 63:
        bits += LENGTHS[0x00]
    return error + lam * bits


@pytest.mark.parametrize("seed", range(6))
def test_the_trellis_finds_the_optimum(seed):
    """Blocks with six live coefficients: every choice (rounded, one less, zero) tried."""
    rng = np.random.default_rng(seed)
    x = np.zeros(64, np.float32)
    positions = sorted(rng.choice(np.arange(1, 40), 6, replace=False))
    x[positions] = rng.uniform(-4, 4, 6).astype(np.float32)
    weight = rng.uniform(5, 50, 64).astype(np.float32)
    lam = float(rng.uniform(1, 30))
    out = np.empty((1, 64), np.int16)
    trellis_blocks(x[None], weight, LENGTHS, lam, out)
    choices = []
    for p in positions:
        magnitude = int(abs(x[p]) + 0.5)
        choices.append(sorted({magnitude, max(magnitude - 1, 0), 0}))
    best = None
    for picked in itertools.product(*choices):
        values = [0] * 64
        for p, v in zip(positions, picked):
            values[p] = v if x[p] >= 0 else -v
        cost = _cost(values, x, weight, lam)
        best = cost if best is None or cost < best else best
    assert _cost(out[0].tolist(), x, weight, lam) == pytest.approx(best, rel=1e-5)


def test_trellis_files_are_smaller_at_equal_psnr():
    skimage_data = pytest.importorskip("skimage.data")
    photos = [skimage_data.astronaut()[:256, :256], skimage_data.coffee()[:256, :256]]

    def point(encode):
        sizes, errors = 0, []
        for photo in photos:
            data = encode(photo)
            sizes += len(data)
            errors.append(metrics.psnr(photo, np.asarray(Image.open(io.BytesIO(data)))))
        return sizes, float(np.mean(errors))

    def pillow(q):
        def encode(photo):
            buf = io.BytesIO()
            Image.fromarray(photo).save(buf, "JPEG", quality=q, optimize=True, progressive=True)
            return buf.getvalue()
        return encode

    ours = point(lambda p: jpeg.encode(p, quality=80, trellis=True, progressive=True))
    theirs = [point(pillow(q)) for q in range(60, 96, 2)]
    # Pillow's best at the same PSNR (log bytes interpolated) costs more
    psnrs, logs = [t[1] for t in theirs], np.log([t[0] for t in theirs])
    assert ours[0] < 0.97 * np.exp(np.interp(ours[1], psnrs, logs))
    assert ours[0] < point(lambda p: jpeg.encode(p, quality=80, optimize=True))[0]
    baseline = jpeg.encode(photos[0], quality=80, trellis=True)
    assert np.abs(np.asarray(Image.open(io.BytesIO(baseline))).astype(int) - jpeg.decode(baseline)).max() <= 3
