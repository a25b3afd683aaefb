"""Rate-distortion of fastzip's JPEG beside Pillow's, qualities 10-95, on the sample photos.

    python bench/jpeg_rate_distortion.py      # writes docs/jpeg_rd.md and docs/jpeg_rd.png

Every photo is encoded at each quality (4:2:0) by fastzip (standard and optimized Huffman
tables, and progressive with trellis quantization) and by Pillow (standard, and its best:
optimize + progressive); bits per pixel and PSNR are averaged over the photos, the PSNR
measured on Pillow's decode of each file.
"""

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_jpeg_encode import photos  # noqa: E402

from fastzip import jpeg, metrics  # noqa: E402

QUALITIES = [10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95]
DOCS = Path(__file__).resolve().parent.parent / "docs"


def pillow(img, quality, **options):
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality, subsampling=2, **options)
    return buf.getvalue()


def measure(encode, images):
    bpp, psnr = [], []
    for img in images:
        data = encode(img)
        with Image.open(io.BytesIO(data)) as im:
            decoded = np.asarray(im)
        bpp.append(metrics.bpp(len(data), img.shape))
        psnr.append(metrics.psnr(img, decoded))
    return float(np.mean(bpp)), float(np.mean(psnr))


if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tqdm import tqdm

    images = list(photos().values())
    codecs = {
        "fastzip": lambda q: (lambda img: jpeg.encode(img, quality=q)),
        "fastzip optimize": lambda q: (lambda img: jpeg.encode(img, quality=q, optimize=True)),
        "fastzip progressive + trellis": lambda q: (lambda img: jpeg.encode(img, quality=q, progressive=True,
                                                                             trellis=True)),
        "Pillow (libjpeg-turbo)": lambda q: (lambda img: pillow(img, q)),
        "Pillow optimize + progressive": lambda q: (lambda img: pillow(img, q, optimize=True, progressive=True)),
    }
    rows = {name: [] for name in codecs}
    for q in tqdm(QUALITIES, desc="qualities"):
        for name, make in codecs.items():
            rows[name].append((q,) + measure(make(q), images))
    lines = ["# JPEG rate-distortion: fastzip vs Pillow", "",
             f"Photos: {len(images)} (scikit-image astronaut, coffee, chelsea; scikit-learn china, flower), "
             "4:2:0, PSNR on Pillow's decode, averaged. Made by `python bench/jpeg_rate_distortion.py`.", "",
             "| quality | " + " | ".join(f"{n} bpp | {n} PSNR" for n in codecs) + " |",
             "| --- |" + " --- | --- |" * len(codecs)]
    for i, q in enumerate(QUALITIES):
        cells = " | ".join(f"{rows[n][i][1]:.3f} | {rows[n][i][2]:.2f}" for n in codecs)
        lines.append(f"| {q} | {cells} |")
    (DOCS / "jpeg_rd.md").write_text("\n".join(lines) + "\n")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, style in zip(codecs, ["o-", "s--", "D-", "^:", "v--"]):
        ax.plot([r[1] for r in rows[name]], [r[2] for r in rows[name]], style, label=name)
    ax.set_xlabel("bits per pixel")
    ax.set_ylabel("PSNR (dB)")
    ax.set_title("JPEG, 4:2:0, qualities 10-95 (mean of 5 photos)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(DOCS / "jpeg_rd.png", dpi=120)
    print((DOCS / "jpeg_rd.md").read_text())
