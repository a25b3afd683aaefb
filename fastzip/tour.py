"""The tour: every fastzip codec beside its peers on sample data, as rows of ratio and speed.

Peers that are not installed are left out of the table, not faked. Timings are the best of
a few warm runs on one thread; compare rows within one run, not across machines.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from typing import Callable, Iterator

from . import data, deflate, huffman, jpeg, lz77, metrics

__all__ = ["Row", "huffman_rows", "deflate_rows", "lz77_rows", "jpeg_rows", "vae_rows", "grid_rows", "ae_rows",
           "corpora", "pillow_jpegs", "pillow_jpegs_within"]


@dataclass
class Row:
    corpus: str
    codec: str
    ratio: float
    compress_mbps: float
    decompress_mbps: float
    note: str = ""


def _best_time(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _measure(corpus: str, codec: str, raw: bytes, enc, dec, *, repeat: int = 5, note: str = "") -> Row:
    start = time.perf_counter()
    packed = enc(raw)
    if time.perf_counter() - start > 0.5:  # a slow codec: its first run is measurement enough
        repeat = 1
    if dec(packed) != raw:
        raise AssertionError(f"{codec} did not round-trip {corpus}")
    t_enc = _best_time(lambda: enc(raw), repeat)
    t_dec = _best_time(lambda: dec(packed), repeat)
    mb = len(raw) / 1e6
    return Row(corpus, codec, metrics.compression_ratio(len(raw), len(packed)), mb / t_enc, mb / t_dec, note)


def corpora(size: int = 1 << 20) -> dict[str, bytes]:
    """The tour's byte corpora, keyed by their description (name, size, sha256)."""
    text = data.stdlib_text(size)
    code = data.shared_library_code(size)
    return {data.describe("stdlib text", text): text, data.describe("numpy machine code", code): code}


def sample_photo():
    """scikit-image's astronaut (512x512 RGB) and its description, or (None, "") without scikit-image."""
    try:
        from skimage import data as skimage_data
    except ImportError:
        return None, ""
    photo = skimage_data.astronaut()
    return photo, data.describe("astronaut 512x512 RGB photo (scikit-image)", photo.tobytes())


def _bitarray_codec():
    try:
        from bitarray import bitarray
        from bitarray.util import canonical_decode, canonical_huffman
    except ImportError:
        return None

    def enc(raw):
        counts = {b: c for b, c in enumerate(huffman.histogram(raw).tolist()) if c}
        codes, count, symbols = canonical_huffman(counts)
        bits = bitarray()
        bits.encode(codes, raw)
        return bits, count, symbols, len(raw)

    def dec(packed):
        bits, count, symbols, _ = packed
        return bytes(canonical_decode(bits, count, symbols))

    return enc, dec


def huffman_rows(raw: bytes, corpus: str, *, repeat: int = 5) -> Iterator[Row]:
    """Huffman coders on ``raw``: fastzip native, fastzip reference (on 64 KiB), zlib's
    Huffman-only strategy and bitarray's canonical Huffman when installed."""
    entropy = metrics.order0_entropy(raw)
    bound = f"entropy bound {8 / entropy:.3f}" if entropy else ""
    yield _measure(corpus, "fastzip huffman (native)", raw, huffman.compress, huffman.decompress,
                   repeat=repeat, note=bound)
    piece = raw[:65536]
    yield _measure(corpus, "fastzip huffman (reference, 64 KiB)", piece,
                   lambda b: huffman.compress(b, impl="reference"),
                   lambda b: huffman.decompress(b, impl="reference"), repeat=1)

    def zlib_huffman_only(b):
        c = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_HUFFMAN_ONLY)
        return c.compress(b) + c.flush()

    yield _measure(corpus, "zlib Z_HUFFMAN_ONLY", raw, zlib_huffman_only, zlib.decompress, repeat=repeat)
    bitarray_codec = _bitarray_codec()
    if bitarray_codec is not None:
        enc, dec = bitarray_codec
        row = _measure(corpus, "bitarray canonical_huffman", raw, enc, dec, repeat=repeat)
        packed = enc(raw)
        row.ratio = len(raw) / ((len(packed[0]) + 7) // 8)  # payload only: bitarray has no container
        row.note = "payload only"
        yield row


def deflate_rows(raw: bytes, corpus: str, *, repeat: int = 5) -> Iterator[Row]:
    """fastzip's DEFLATE (zlib format) at levels 1, 6, 9 and 12 beside zlib, and beside
    libdeflate and zlib-ng when installed."""
    for level in (1, 6, 9, 12):
        yield _measure(corpus, f"fastzip deflate -{level}", raw, lambda b, lv=level: deflate.compress(b, lv),
                       deflate.decompress, repeat=repeat)
        if level <= 9:
            yield _measure(corpus, f"zlib -{level}", raw, lambda b, lv=level: zlib.compress(b, lv),
                           zlib.decompress, repeat=repeat)
    try:
        import deflate as libdeflate
    except ImportError:
        libdeflate = None
    if libdeflate is not None:
        for level in (6, 12):
            yield _measure(corpus, f"libdeflate -{level}", raw, lambda b, lv=level: libdeflate.zlib_compress(b, lv),
                           lambda b: bytes(libdeflate.zlib_decompress(b, len(raw))), repeat=repeat)


def lz77_rows(raw: bytes, corpus: str) -> Iterator[Row]:
    """The thesis's LZ77 (window 4096, lookahead 15, 25-bit tokens), native exact matcher."""
    piece = raw[:1 << 16]
    yield _measure(corpus, "fastzip lz77 thesis (64 KiB)", piece, lambda b: lz77.dumps(lz77.encode(b)),
                   lambda b: lz77.decode(lz77.loads(b)[0]), repeat=1, note="tokens, no entropy coding")


def jpeg_rows(image, name: str, *, repeat: int = 5) -> Iterator[Row]:
    """JPEG at quality 75, 4:2:0: fastzip (standard and optimized tables, and its smallest:
    progressive with trellis quantization) beside Pillow (standard, and its smallest: optimize +
    progressive) when installed. Ratio and MB/s count the raw RGB bytes; the note has bpp and
    PSNR."""
    raw = image.tobytes()

    def quality_note(packed, decoded):
        return f"{metrics.bpp(len(packed), image.shape):.3f} bpp, PSNR {metrics.psnr(image, decoded):.2f} dB"

    for codec, enc in (("fastzip jpeg q75", lambda im: jpeg.encode(im, quality=75)),
                       ("fastzip jpeg q75 optimize", lambda im: jpeg.encode(im, quality=75, optimize=True)),
                       ("fastzip jpeg q75 progressive trellis",
                        lambda im: jpeg.encode(im, quality=75, progressive=True, trellis=True))):
        packed = enc(image)
        decoded = jpeg.decode(packed)
        t_enc = _best_time(lambda: enc(image), repeat)
        t_dec = _best_time(lambda: jpeg.decode(packed), repeat)
        yield Row(name, codec, len(raw) / len(packed), len(raw) / t_enc / 1e6, len(raw) / t_dec / 1e6,
                  quality_note(packed, decoded))
    try:
        import io

        from PIL import Image
    except ImportError:
        return

    def pil_enc(im, **options):
        buf = io.BytesIO()
        Image.fromarray(im).save(buf, "JPEG", quality=75, subsampling=2, **options)
        return buf.getvalue()

    def pil_dec(packed):
        import numpy as np

        with Image.open(io.BytesIO(packed)) as im:
            return np.asarray(im)

    for codec, options in (("Pillow jpeg q75 (libjpeg-turbo)", {}),
                           ("Pillow jpeg q75 optimize progressive", {"optimize": True, "progressive": True})):
        packed = pil_enc(image, **options)
        t_enc = _best_time(lambda: pil_enc(image, **options), repeat)
        t_dec = _best_time(lambda: pil_dec(packed), repeat)
        yield Row(name, codec, len(raw) / len(packed), len(raw) / t_enc / 1e6, len(raw) / t_dec / 1e6,
                  quality_note(packed, pil_dec(packed)))


def vae_rows(seconds: float = 20.0, size: int = 64) -> Iterator[Row]:
    """The overfit-VAE archive on the package-shipped photos at ``size`` px, trained for
    ``seconds`` (a small yosemite-shaped model, 50 % pruned, INT8), beside Pillow JPEG at the
    largest quality that fits the same bytes. Needs torch, scikit-image and scikit-learn;
    yields nothing without them. "compress MB/s" is raw bytes over training time."""
    try:
        from .neural import archive
        from .neural.vae import overfit
        from .neural.images import fit_square
        photos = data.sample_photos()
    except ImportError:
        return
    import numpy as np

    names = sorted(photos)
    images = np.stack([fit_square(photos[n], size) for n in names])
    corpus = data.describe(f"{len(names)} sample photos at {size}x{size}", images.tobytes())
    start = time.perf_counter()
    made = overfit.create(names, [photos[n].shape[:2] for n in names], images, prune=0.5, quant="int8",
                          minutes=seconds / 60, progress=False, channels=(3, 8, 16, 32), latent=16)
    t_enc = time.perf_counter() - start
    blob = archive.dumps(made)
    t_dec = _best_time(lambda: archive.reconstruct(archive.loads(blob)), 3)
    decoded = archive.reconstruct(archive.loads(blob))
    mb = images.nbytes / 1e6
    yield Row(corpus, "fastzip VAE archive (50% pruned, INT8)", images.nbytes / len(blob), mb / t_enc, mb / t_dec,
              f"PSNR {metrics.psnr(images, decoded):.2f} dB after {t_enc:.0f} s of training")
    try:
        import io

        from PIL import Image
    except ImportError:
        return

    fitting = pillow_jpegs_within(images, len(blob), max_quality=95)
    if fitting:
        quality, blobs = fitting
        t_enc = _best_time(lambda: pillow_jpegs(images, quality), 3)
        t_dec = _best_time(lambda: [np.asarray(Image.open(io.BytesIO(b))) for b in blobs], 3)
        decoded = np.stack([np.asarray(Image.open(io.BytesIO(b))) for b in blobs])
        yield Row(corpus, f"Pillow jpeg q{quality} (same bytes or fewer)", images.nbytes / sum(map(len, blobs)),
                  mb / t_enc, mb / t_dec, f"PSNR {metrics.psnr(images, decoded):.2f} dB")


def grid_rows(seconds: float, crop: int = 256) -> Iterator[Row]:
    """The latent-grid codec on a ``crop`` x ``crop`` piece of the sample photo, overfitted for
    ``seconds``, beside Pillow JPEG at the largest quality that fits the same bytes. Needs
    torch and numba; yields nothing without them. A few seconds of training is far from the
    codec's minutes: see docs/grid_rd.md for what it reaches."""
    try:
        from .neural.grid import codec
    except ImportError:
        return
    photo, name = sample_photo()
    if photo is None:
        return
    import numpy as np

    image = np.ascontiguousarray(photo[:crop, :crop])
    corpus = data.describe(f"{name}, {image.shape[1]}x{image.shape[0]} crop", image.tobytes())
    start = time.perf_counter()
    made = codec.encode(image, lam=0.002, minutes=seconds / 60, progress=False)
    t_enc = time.perf_counter() - start
    t_dec = _best_time(lambda: codec.decode(made.data), 3)
    mb = image.nbytes / 1e6
    yield Row(corpus, "fastzip grid codec", image.nbytes / len(made.data), mb / t_enc, mb / t_dec,
              f"PSNR {made.info['psnr']:.2f} dB at {made.info['bpp']:.3f} bpp after {t_enc:.0f} s")
    fitting = pillow_jpegs_within(image[None], len(made.data), max_quality=95)
    if fitting:
        import io

        from PIL import Image

        quality, blobs = fitting
        decoded = np.asarray(Image.open(io.BytesIO(blobs[0])))
        t_enc = _best_time(lambda: pillow_jpegs(image[None], quality), 3)
        t_dec = _best_time(lambda: np.asarray(Image.open(io.BytesIO(blobs[0]))), 3)
        yield Row(corpus, f"Pillow jpeg q{quality} (same bytes or fewer)", image.nbytes / len(blobs[0]),
                  mb / t_enc, mb / t_dec, f"PSNR {metrics.psnr(image, decoded):.2f} dB")


def ae_rows(seconds: float) -> Iterator[Row]:
    """An autoencoder codec (the dense model) trained for ``seconds`` on scikit-learn's digits,
    coding the 180 held-out ones (8x8 grey) in one file, lossy and lossless, beside Pillow JPEG
    (one quality for the set: the lowest whose PSNR reaches the codec's), PNG per image, and
    DEFLATE-9 of the whole set. Needs torch, numba and scikit-learn; yields nothing without them.
    Training time is not in the speeds (it is said in the note)."""
    try:
        from .neural.ae import train
        images, _ = data.digits()
    except ImportError:
        return
    import io

    import numpy as np

    made = train.train(images, "dense", minutes=seconds / 60, progress=False)
    codec, held = made.codec, images[made.heldout_index]
    corpus = data.describe(f"{len(held)} held-out digits, 8x8 grey", held.tobytes())
    mb = held.nbytes / 1e6
    lossy = codec.encode(held)
    decoded = codec.decode(lossy)[..., 0]
    quality = metrics.psnr(held, decoded)
    for name, blob, note in (("fastzip ae dense", lossy, f"PSNR {quality:.2f} dB, {len(lossy) / len(held):.1f} B/image"),
                             ("fastzip ae dense lossless", codec.encode(held, lossless=True), "exact")):
        lossless = "lossless" in name
        t_enc = _best_time(lambda: codec.encode(held, lossless=lossless), 3)
        t_dec = _best_time(lambda: codec.decode(blob), 3)
        yield Row(corpus, name, held.nbytes / len(blob), mb / t_enc, mb / t_dec,
                  note + f" (trained {made.seconds:.0f} s on {len(made.train_index)} digits)")
    try:
        from PIL import Image
    except ImportError:
        return

    def files(fmt, **options):
        out = []
        for image in held:
            buf = io.BytesIO()
            Image.fromarray(image).save(buf, fmt, **options)
            out.append(buf.getvalue())
        return out

    for q in range(1, 101):
        jpegs = files("JPEG", quality=q, optimize=True)
        got = np.stack([np.asarray(Image.open(io.BytesIO(b))) for b in jpegs])
        if metrics.psnr(held, got) >= quality or q == 100:
            break
    for name, blobs, options, note in (
            (f"Pillow jpeg q{q} optimize", jpegs, ("JPEG", {"quality": q, "optimize": True}),
             f"PSNR {metrics.psnr(held, got):.2f} dB, {sum(map(len, jpegs)) / len(held):.1f} B/image"),
            ("Pillow png optimize", files("PNG", optimize=True), ("PNG", {"optimize": True}), "exact")):
        t_enc = _best_time(lambda: files(options[0], **options[1]), 3)
        t_dec = _best_time(lambda: [np.asarray(Image.open(io.BytesIO(b))) for b in blobs], 3)
        yield Row(corpus, name, held.nbytes / sum(map(len, blobs)), mb / t_enc, mb / t_dec, note)
    raw = held.tobytes()
    yield _measure(corpus, "fastzip deflate -9 (whole set)", raw, lambda b: deflate.compress(b, 9), deflate.decompress,
                   repeat=3, note="exact")


def pillow_jpegs(images, quality: int) -> list[bytes]:
    """Pillow's 4:2:0 JPEG of each image (N x H x W x 3 uint8) at ``quality``."""
    import io

    from PIL import Image

    blobs = []
    for im in images:
        buf = io.BytesIO()
        Image.fromarray(im).save(buf, "JPEG", quality=quality, subsampling=2)
        blobs.append(buf.getvalue())
    return blobs


def pillow_jpegs_within(images, budget: int, *, max_quality: int = 100) -> tuple[int, list[bytes]] | None:
    """(quality, files) at the largest quality, counting up until the files of all images
    together first exceed ``budget`` bytes; None when even quality 1 does not fit."""
    best = None
    for quality in range(1, max_quality + 1):
        blobs = pillow_jpegs(images, quality)
        if sum(map(len, blobs)) > budget:
            break
        best = (quality, blobs)
    return best
