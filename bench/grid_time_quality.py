"""What more encoding time buys the latent-grid codec: one photo at one lambda, encoded with
budgets of 1, 2, 5 and 10 minutes (separate runs: the learning-rate schedule follows the
budget), each beside Pillow's JPEG and WebP at equal bytes; and the longest run's picture
beside theirs, with crops.

    python -m bench.grid_time_quality --photo astronaut --lam 0.002 --minutes 1 2 5 10

Writes ``docs/grid_time_quality.md``, ``docs/grid_time_quality.png`` and
``docs/grid_reconstructions.png``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from .grid_rate_distortion import pillow_at_most

DOCS = Path(__file__).resolve().parents[1] / "docs"


def run(photo: str, lam: float, budgets: list[float]):
    from tqdm.auto import tqdm

    from fastzip.data import sample_photos
    from fastzip.neural.grid import codec

    image = sample_photos()[photo]
    rows, last = [], None
    for minutes in tqdm(budgets, desc="grid codec budgets", unit="encode"):
        start = time.perf_counter()
        made = codec.encode(image, lam=lam, minutes=minutes, progress=False)
        row = {"minutes": minutes, "seconds": time.perf_counter() - start, "steps": made.info["steps"],
               "bpp": made.info["bpp"], "psnr": made.info["psnr"]}
        for fmt in ("JPEG", "WEBP"):
            found = pillow_at_most(image, len(made.data), fmt)
            row[fmt] = None if found is None else found[1]
        rows.append(row)
        last = made
    return image, rows, last


def write(photo: str, lam: float, image, rows, last, out_dir: Path = DOCS) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = [f"# Latent-grid codec: quality against encoding time ({photo}, lambda {lam:g})", "",
             "Separate encodes per budget on 2 cores (`python -m bench.grid_time_quality`); Pillow at equal bytes or "
             "fewer.", "", "| budget (min) | steps | bpp | grid dB | JPEG dB | WebP dB | grid - JPEG |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        delta = f"{r['psnr'] - r['JPEG']:+.2f}" if r["JPEG"] is not None else "-"
        jpeg = f"{r['JPEG']:.2f}" if r["JPEG"] is not None else "-"
        webp = f"{r['WEBP']:.2f}" if r["WEBP"] is not None else "-"
        lines.append(f"| {r['minutes']:g} | {r['steps']} | {r['bpp']:.3f} | {r['psnr']:.2f} | {jpeg} | {webp} | {delta} |")
    (out_dir / "grid_time_quality.md").write_text("\n".join(lines) + "\n")

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([r["minutes"] for r in rows], [r["psnr"] for r in rows], "o-", label="fastzip grid")
    for fmt, label, style in (("JPEG", "Pillow JPEG", "s--"), ("WEBP", "Pillow WebP", "^--")):
        ax.plot([r["minutes"] for r in rows if r[fmt]], [r[fmt] for r in rows if r[fmt]], style,
                label=f"{label}, same bytes")
    ax.set_xscale("log")
    ax.set_xlabel("encoding budget (minutes, 2 cores)")
    ax.set_ylabel("PSNR (dB)")
    ax.set_title(f"{photo}, lambda {lam:g} (~{np.mean([r['bpp'] for r in rows]):.2f} bpp)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "grid_time_quality.png", dpi=110)

    pictures = [("original", image), (f"fastzip grid {last.info['bpp']:.3f} bpp", last.reconstruction)]
    for fmt, label in (("JPEG", "Pillow JPEG"), ("WEBP", "Pillow WebP")):
        found = pillow_at_most(image, len(last.data), fmt)
        if found is not None:
            pictures.append((f"{label}, same bytes", found[2]))
    h, w = image.shape[:2]
    crop = (slice(h // 4, h // 4 + h // 3), slice(w // 3, w // 3 + w // 3))
    fig, axes = plt.subplots(2, len(pictures), figsize=(4 * len(pictures), 8))
    for col, (title, picture) in enumerate(pictures):
        axes[0, col].imshow(picture)
        axes[0, col].set_title(title)
        axes[1, col].imshow(picture[crop], interpolation="nearest")
        for row in (0, 1):
            axes[row, col].axis("off")
    fig.tight_layout()
    fig.savefig(out_dir / "grid_reconstructions.png", dpi=90)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", default="astronaut")
    parser.add_argument("--lam", type=float, default=0.002)
    parser.add_argument("--minutes", nargs="+", type=float, default=[1, 2, 5, 10])
    args = parser.parse_args(argv)
    image, rows, last = run(args.photo, args.lam, args.minutes)
    write(args.photo, args.lam, image, rows, last)


if __name__ == "__main__":
    main()
