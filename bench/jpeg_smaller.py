"""Smaller JPEG files at equal quality: progressive scans and trellis quantization against
Pillow's (libjpeg-turbo's) best settings, on the eleven package photos.

    python -m bench.jpeg_smaller      # writes docs/jpeg_smaller.md and docs/jpeg_smaller.png

Each photo at each quality (4:2:0) by Pillow (``optimize``; ``optimize`` + ``progressive``, its
best) and by fastzip (``progressive``; ``progressive`` + ``trellis``, and with ``optimize_scans``;
``trellis`` alone, baseline).
Bytes are summed over the set; PSNR pools the set's squared error; SSIM (scikit-image, on RGB)
is the mean over the photos; all measured on Pillow's decode of each file. A fastzip point's
saving is against Pillow's best at the same PSNR (or SSIM): its bytes against Pillow's curve
interpolated there (log bytes, linear between qualities).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parents[1] / "docs"
QUALITIES = [30, 50, 65, 75, 85, 92]
BEST = "Pillow optimize + progressive"


def _pillow(**options):
    from PIL import Image

    def encode(image, quality):
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, "JPEG", quality=quality, subsampling=2, **options)
        return buf.getvalue()
    return encode


def codecs():
    from fastzip import jpeg

    return {
        "Pillow optimize": _pillow(optimize=True),
        BEST: _pillow(optimize=True, progressive=True),
        "fastzip progressive": lambda im, q: jpeg.encode(im, quality=q, progressive=True),
        "fastzip trellis": lambda im, q: jpeg.encode(im, quality=q, trellis=True),
        "fastzip progressive + trellis": lambda im, q: jpeg.encode(im, quality=q, progressive=True, trellis=True),
        "fastzip progressive + trellis + optimized scans": lambda im, q: jpeg.encode(
            im, quality=q, progressive=True, trellis=True, optimize_scans=True),
    }


def measure(photos: dict, qualities) -> dict:
    """{codec: [(quality, bytes, PSNR, SSIM), ...]} over the set."""
    from PIL import Image
    from skimage.metrics import structural_similarity
    from tqdm.auto import tqdm

    rows = {}
    for name, encode in tqdm(codecs().items(), desc="JPEG settings", unit="codec"):
        rows[name] = []
        for q in qualities:
            total, squared, count, ssim = 0, 0.0, 0, []
            for image in photos.values():
                data = encode(image, q)
                decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
                total += len(data)
                squared += float(((decoded.astype(np.float64) - image) ** 2).sum())
                count += image.size
                ssim.append(structural_similarity(image, decoded, channel_axis=2, data_range=255))
            rows[name].append((q, total, 10 * np.log10(255 ** 2 / (squared / count)), float(np.mean(ssim))))
    return rows


def saving(points, reference, column: int) -> list[float | None]:
    """Per point: 1 - bytes / the reference's bytes at the same value of ``column`` (2 PSNR,
    3 SSIM), None outside the reference's range."""
    xs = np.array([r[column] for r in reference])
    logs = np.log([r[1] for r in reference])
    return [1 - p[1] / np.exp(np.interp(p[column], xs, logs)) if xs.min() <= p[column] <= xs.max() else None
            for p in points]


def report(rows: dict, photos: dict, argv) -> str:
    pixels = sum(im.shape[0] * im.shape[1] for im in photos.values())
    lines = ["# Smaller JPEG files at equal quality", "",
             f"`python -m bench.jpeg_smaller {' '.join(argv)}`: the {len(photos)} package photos "
             "(`fastzip.data.sample_photos`), 4:2:0; bytes summed over the set, PSNR of the pooled squared "
             "error, SSIM the mean over photos, on Pillow's decode. Saving: against "
             f"{BEST} at the same PSNR / SSIM (log bytes interpolated between its qualities; - outside its range).",
             "", "| settings | quality | bpp | PSNR (dB) | SSIM | saving at equal PSNR | saving at equal SSIM |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, points in rows.items():
        at_psnr = saving(points, rows[BEST], 2)
        at_ssim = saving(points, rows[BEST], 3)
        for (q, size, psnr, ssim), a, b in zip(points, at_psnr, at_ssim):
            fmt = lambda v: "-" if v is None or name == BEST else f"{100 * v:+.1f} %"  # noqa: E731
            lines.append(f"| {name} | {q} | {8 * size / pixels:.3f} | {psnr:.2f} | {ssim:.4f} | {fmt(a)} | {fmt(b)} |")
    for name in ("fastzip progressive + trellis + optimized scans", "fastzip progressive + trellis", "fastzip progressive"):
        values = [v for v in saving(rows[name], rows[BEST], 2) if v is not None]
        ssim_values = [v for v in saving(rows[name], rows[BEST], 3) if v is not None]
        lines += ["", f"{name}: {100 * np.mean(values):.1f} % fewer bytes than {BEST} at equal PSNR on average "
                      f"({100 * min(values):.1f} to {100 * max(values):.1f} %), {100 * np.mean(ssim_values):.1f} % at "
                      "equal SSIM."]
    lines += ["", "![bits per pixel against PSNR](jpeg_smaller.png)", ""]
    return "\n".join(lines)


def plot(rows: dict, photos: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pixels = sum(im.shape[0] * im.shape[1] for im in photos.values())
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, points in rows.items():
        bpp = [8 * p[1] / pixels for p in points]
        axes[0].plot(bpp, [p[2] for p in points], marker="o", label=name)
        axes[1].plot(bpp, [p[3] for p in points], marker="o", label=name)
    axes[0].set(xlabel="bits per pixel", ylabel="PSNR (dB)", title="PSNR")
    axes[1].set(xlabel="bits per pixel", ylabel="SSIM", title="SSIM")
    axes[0].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qualities", type=int, nargs="+", default=QUALITIES)
    parser.add_argument("--photos", type=int, default=None, help="the first N photos only (a quick look)")
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    argv = list(sys.argv[1:] if argv is None else argv)
    from fastzip.data import sample_photos

    photos = dict(sorted(sample_photos().items())[:args.photos])
    rows = measure(photos, args.qualities)
    args.out.mkdir(parents=True, exist_ok=True)
    text = report(rows, photos, argv)
    (args.out / "jpeg_smaller.md").write_text(text)
    plot(rows, photos, args.out / "jpeg_smaller.png")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
