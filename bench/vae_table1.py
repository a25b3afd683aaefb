"""The thesis's Table 1, reproduced on this machine: VAE archives of real photos beside JPEG.

    python bench/vae_table1.py --minutes 6     # writes docs/table1.md, docs/table1_grid.png, docs/table1_rd.png

The set: the eleven RGB photos scikit-image and scikit-learn ship (``fastzip.data.sample_photos``),
fitted to 512x512 by the archive's rule (shorter side resized with Lanczos, centre crop). Each
variant is a real ``fastzip.neural.vae.overfit.create`` run with its share of the time budget; its
archive is written, read back and decoded, and every figure comes from that decode. JPEG
(Pillow, 4:2:0) is measured at the largest quality whose files together fit the archive's bytes.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fastzip.tour import pillow_jpegs, pillow_jpegs_within

DOCS = Path(__file__).resolve().parent.parent / "docs"
# The one point of the thesis's Table 1 the issue quotes: its best archive.
THESIS_BEST = {"ratio": 16.43, "psnr": 20.9}


@dataclass(frozen=True)
class Variant:
    label: str
    model: str
    prune: float
    quant: str
    weight: float = 1.0  # share of the time budget, in units of --minutes
    latent: int | None = None  # None: the model's own


VARIANTS = [
    Variant("original (dense bottleneck, full convs)", "original", 0.0, "none"),
    Variant("reduced (fewer channels)", "reduced", 0.0, "none"),
    Variant("optimized = yosemite", "optimized", 0.0, "none"),
    Variant("yosemite, 50% pruned, INT8", "optimized", 0.5, "int8"),
    Variant("yosemite, 95% pruned, INT8", "optimized", 0.95, "int8", weight=3.0),
    # The Linear layer (latent x 32,768) is 99 % of the archive; 11 images need far fewer than
    # 128 latent dimensions.
    Variant("yosemite with latent 32, 85% pruned, INT8", "optimized", 0.85, "int8", weight=3.0, latent=32),
]


def photo_set(size: int):
    """(names, original sizes, N x size x size x 3 uint8) of the package-shipped photos."""
    from fastzip.data import sample_photos
    from fastzip.neural.images import fit_square

    photos = sample_photos()
    names = sorted(photos)
    return names, [photos[n].shape[:2] for n in names], np.stack([fit_square(photos[n], size) for n in names])


def _set_psnr(images: np.ndarray, blobs) -> float:
    from PIL import Image

    from fastzip.metrics import psnr

    return psnr(images, np.stack([np.asarray(Image.open(io.BytesIO(b))) for b in blobs]))


def jpeg_point(images: np.ndarray, quality: int) -> tuple[int, float]:
    """(total bytes, PSNR over the set) of Pillow JPEG at ``quality``."""
    blobs = pillow_jpegs(images, quality)
    return sum(map(len, blobs)), _set_psnr(images, blobs)


def jpeg_at_bytes(images: np.ndarray, budget: int) -> tuple[int, int, float] | None:
    """(quality, bytes, PSNR) of the largest quality whose files fit ``budget`` bytes in all."""
    fitting = pillow_jpegs_within(images, budget)
    if fitting is None:
        return None
    quality, blobs = fitting
    return quality, sum(map(len, blobs)), _set_psnr(images, blobs)


def run_variant(variant: Variant, names, sizes, images, *, minutes=None, steps=None, out_dir: Path, **overrides):
    from fastzip.metrics import mse, psnr
    from fastzip.neural import archive
    from fastzip.neural.vae import overfit

    budget = {"minutes": minutes * variant.weight} if minutes is not None else {"steps": steps}
    if variant.latent is not None:
        overrides = {"latent": variant.latent, **overrides}  # --tiny's latent wins
    start = time.perf_counter()
    made = overfit.create(names, sizes, images, model=variant.model, prune=variant.prune, quant=variant.quant,
                          **budget, **overrides)
    seconds = time.perf_counter() - start
    path = out_dir / f"{variant.model}-latent{made.config.latent}-{variant.quant}-{int(variant.prune * 100)}.fzv"
    size = archive.save(made, path)
    decoded = archive.reconstruct(archive.load(path))
    return {"variant": variant, "seconds": seconds, "mse": mse(images, decoded), "psnr": psnr(images, decoded),
            "parameters": made.info["parameters"], "decoder_parameters": made.info["decoder_parameters"],
            "sparsity": made.info["sparsity"], "bytes": size, "ratio": images.nbytes / size, "decoded": decoded}


def plots(rows, jpeg_curve, names, images, out_dir: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot([r for r, _ in jpeg_curve], [p for _, p in jpeg_curve], "-", color="tab:gray", label="Pillow JPEG 4:2:0 (q 5-95)")
    for row in rows:
        ax.plot(row["ratio"], row["psnr"], "o", label=f"fastzip: {row['variant'].label}")
    ax.plot(THESIS_BEST["ratio"], THESIS_BEST["psnr"], "k*", markersize=12, label="thesis, best archive")
    ax.set_xscale("log")
    ax.set_xlabel("compression ratio (raw 512x512 RGB set / bytes)")
    ax.set_ylabel("PSNR over the set (dB)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "table1_rd.png", dpi=120)
    plt.close(fig)

    best = max(rows, key=lambda r: (r["ratio"] >= THESIS_BEST["ratio"], r["psnr"]))
    show = range(min(6, len(names)))
    fig, axes = plt.subplots(2, len(show), figsize=(2.2 * len(show), 4.8), squeeze=False)
    for col, i in enumerate(show):
        for row_axes, pixels, title in ((axes[0], images[i], names[i]), (axes[1], best["decoded"][i], "reconstruction")):
            row_axes[col].imshow(pixels)
            row_axes[col].set_title(title, fontsize=7)
            row_axes[col].axis("off")
    fig.suptitle(f"originals (top) and {best['variant'].label}: ratio {best['ratio']:.1f}, {best['psnr']:.1f} dB", fontsize=9)
    fig.tight_layout()
    fig.savefig(out_dir / "table1_grid.png", dpi=110)
    plt.close(fig)


def write_table(rows, jpeg_rows, upscaled, args, out_dir: Path, size: int, wall: float):
    import torch

    lines = [
        "# Table 1, reproduced: overfit-VAE archives of real photos, beside JPEG", "",
        f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), no GPU, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, glibc allocator told to keep freed memory "
        "(`fastzip.neural.runtime.keep_freed_memory`). "
        f"Budget: {args.minutes:g} min per unit (the last two rows have 3 units each); whole run {wall / 60:.1f} min.",
        "",
        f"Set: {len(rows[0]['decoded'])} photos at {size}x{size} ({len(rows[0]['decoded']) * size * size * 3:,} raw bytes). "
        f"Upscaled to reach {size} px (easy for every codec): {', '.join(upscaled) or 'none'}.",
        f"Command: `python bench/vae_table1.py {' '.join(args.argv)}`. Every figure is measured on the archive "
        "read back from disk and decoded (uint8 pixels).", "",
        "| variant | training | MSE | PSNR (dB) | parameters (decoder) | sparsity | bytes on disk | ratio | JPEG at ≤ same bytes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row, jp in zip(rows, jpeg_rows):
        jtxt = f"q{jp[0]}: {jp[2]:.2f} dB ({jp[1]:,} B)" if jp else "does not fit"
        lines.append(f"| {row['variant'].label} | {row['seconds'] / 60:.1f} min | {row['mse']:.1f} | {row['psnr']:.2f} | "
                     f"{row['parameters']:,} ({row['decoder_parameters']:,}) | {row['sparsity']:.0%} | {row['bytes']:,} | "
                     f"{row['ratio']:.2f} | {jtxt} |")
    lines += ["", f"The thesis's best archive: ratio {THESIS_BEST['ratio']}, {THESIS_BEST['psnr']} dB. "
              "(The issue quotes only this point of the thesis's Table 1, so it is the only thesis point on the plot.)", "",
              "![PSNR against ratio](table1_rd.png)", "", "![originals and reconstructions](table1_grid.png)", ""]
    (out_dir / "table1.md").write_text("\n".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=6.0, help="training budget per unit of a variant's weight")
    parser.add_argument("--steps", type=int, default=None, help="train for steps instead (smoke tests)")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument("--work", type=Path, default=None, help="where the archives go (default: OUT/table1_archives)")
    parser.add_argument("--tiny", action="store_true", help="tiny models (smoke tests)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    from tqdm.auto import tqdm

    from fastzip.neural.images import fit_square  # noqa: F401  (fails early without torch/Pillow)

    start = time.perf_counter()
    names, sizes, images = photo_set(args.size)
    upscaled = [n for n, (h, w) in zip(names, sizes) if min(h, w) < args.size]
    work = args.work or args.out / "table1_archives"
    work.mkdir(parents=True, exist_ok=True)
    overrides = {"channels": (3, 8, 16), "latent": 8} if args.tiny else {}
    budget = {"steps": args.steps} if args.steps is not None else {"minutes": args.minutes}
    rows = [run_variant(v, names, sizes, images, out_dir=work, **budget, **overrides)
            for v in tqdm(VARIANTS, desc="variants")]
    jpeg_rows = [jpeg_at_bytes(images, row["bytes"]) for row in tqdm(rows, desc="JPEG at the same bytes")]
    jpeg_curve = []
    for q in tqdm(range(5, 100, 5), desc="JPEG curve"):
        total, p = jpeg_point(images, q)
        jpeg_curve.append((images.nbytes / total, p))
    args.out.mkdir(parents=True, exist_ok=True)
    plots(rows, jpeg_curve, names, images, args.out)
    write_table(rows, jpeg_rows, upscaled, args, args.out, args.size, time.perf_counter() - start)
    print((args.out / "table1.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
