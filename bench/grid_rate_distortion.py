"""Rate-distortion of the latent-grid codec beside Pillow's JPEG (4:2:0, optimize), WebP, AVIF and
JPEG 2000 at equal bytes, on photos that ship with scikit-image and scikit-learn, at their own sizes.

    python -m bench.grid_rate_distortion --minutes 4 --lambdas 0.008 0.002 0.0005 --photos astronaut coffee

``--keep`` keeps the rows of other photos from the last run (``docs/grid_rd.json``), so photos
can be measured one at a time on an otherwise idle machine; ``--peers-only`` measures the Pillow
codecs again for those rows without encoding.

For every photo and lambda: one encode with the time budget, then the largest JPEG and WebP
quality whose file is no larger than the grid stream, and their PSNR. Writes
``docs/grid_rd.md`` (the table, with the settings) and ``docs/grid_rd.png`` (PSNR against bpp
per photo). Every rate counts every byte of every file (the grid stream holds its networks).
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parents[1] / "docs"


PEERS = ("JPEG", "WEBP", "AVIF", "JPEG2000")  # Pillow's codecs; AVIF and JPEG 2000 where Pillow has them
_OPTIONS = {"JPEG": lambda q: {"quality": q, "optimize": True, "subsampling": "4:2:0"},
            "WEBP": lambda q: {"quality": q, "method": 6},
            "AVIF": lambda q: {"quality": q}}


def available_peers() -> list[str]:
    from PIL import features

    return [f for f in PEERS if f in ("JPEG", "WEBP") or features.check({"AVIF": "avif", "JPEG2000": "jpg_2000"}[f])]


def _decoded(blob: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(blob)).convert("RGB"))


def pillow_at_most(image: np.ndarray, nbytes: int, fmt: str):
    """(bytes, PSNR, decoded picture) of the best Pillow file of ``fmt`` not larger than
    ``nbytes``: the largest quality (JPEG, WebP, AVIF), or JPEG 2000 at the rate that fits
    (OpenJPEG's rate control, tightened until the file fits); None when nothing fits."""
    from PIL import Image

    from fastzip.metrics import psnr

    if fmt == "JPEG2000":
        ratio = image.nbytes / nbytes
        for _ in range(12):
            buf = io.BytesIO()
            Image.fromarray(image).save(buf, "JPEG2000", quality_mode="rates", quality_layers=[ratio], irreversible=True,
                                        mct=1)  # the colour transform: Pillow leaves it off by default
            if len(buf.getvalue()) <= nbytes:
                decoded = _decoded(buf.getvalue())
                return len(buf.getvalue()), psnr(image, decoded), decoded
            ratio *= len(buf.getvalue()) / nbytes * 1.002
        return None
    best = None
    lo, hi = 1, 100
    while lo <= hi:  # file size grows with quality: binary search
        q = (lo + hi) // 2
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, fmt, **_OPTIONS[fmt](q))
        if len(buf.getvalue()) <= nbytes:
            decoded = _decoded(buf.getvalue())
            best = (len(buf.getvalue()), psnr(image, decoded), decoded)
            lo = q + 1
        else:
            hi = q - 1
    return best


def add_peers(rows: list[dict], photos: dict) -> None:
    """Each row's peers at no more than its bytes (``bpp`` of the row's photo)."""
    for row in rows:
        image = photos[row["photo"]]
        pixels = image.shape[0] * image.shape[1]
        for fmt in available_peers():
            found = pillow_at_most(image, int(row["bpp"] * pixels / 8 + 0.5), fmt)
            row[fmt] = None if found is None else found[1]
            row[fmt + "_bpp"] = None if found is None else 8 * found[0] / pixels


def run(photos: list[str], lambdas: list[float], minutes: float) -> list[dict]:
    from tqdm.auto import tqdm

    from fastzip.data import sample_photos
    from fastzip.neural.grid import codec

    available = sample_photos()
    rows = []
    with tqdm(total=len(photos) * len(lambdas), desc="grid codec RD", unit="encode") as bar:
        for name in photos:
            image = available[name]
            pixels = image.shape[0] * image.shape[1]
            for lam in lambdas:
                start = time.perf_counter()
                made = codec.encode(image, lam=lam, minutes=minutes, progress=False)
                seconds = time.perf_counter() - start
                start = time.perf_counter()
                assert np.array_equal(codec.decode(made.data), made.reconstruction)
                decode_seconds = time.perf_counter() - start
                row = {"photo": name, "size": f"{image.shape[1]}x{image.shape[0]}", "lambda": lam,
                       "bpp": 8 * len(made.data) / pixels, "psnr": made.info["psnr"], "steps": made.info["steps"],
                       "encode_s": seconds, "decode_s": decode_seconds}
                add_peers([row], available)
                rows.append(row)
                bar.set_postfix(photo=name, bpp=f"{row['bpp']:.3f}", dB=f"{row['psnr']:.2f}")
                bar.update()
    return rows


def write(rows: list[dict], minutes: float, out_dir: Path = DOCS) -> None:
    (out_dir / "grid_rd.json").write_text(json.dumps(rows, indent=1) + "\n")
    lines = ["# Latent-grid codec: rate-distortion beside JPEG, WebP, AVIF and JPEG 2000 at equal bytes", "",
             f"Each encode: {minutes:g} minutes of overfitting on 2 cores (`python -m bench.grid_rate_distortion`). "
             "JPEG is Pillow's (libjpeg-turbo), 4:2:0 with optimized Huffman tables; WebP is Pillow's (method 6); AVIF "
             "is Pillow's (libavif, default speed); each at the largest quality whose file is no larger than the grid "
             "stream. JPEG 2000 is Pillow's (OpenJPEG, 9/7 wavelet, colour transform on) at the rate that fits the "
             "same bytes. PSNR on RGB, all bytes counted.", "",
             "| photo | size | lambda | grid bpp | grid dB | JPEG dB (bpp) | WebP dB (bpp) | AVIF dB (bpp) | "
             "JPEG 2000 dB (bpp) | grid - JPEG | steps | encode s | decode s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    def peer(r, fmt):
        return f"{r[fmt]:.2f} ({r[fmt + '_bpp']:.3f})" if r.get(fmt) is not None else "-"

    for r in rows:
        delta = f"{r['psnr'] - r['JPEG']:+.2f}" if r["JPEG"] is not None else "-"
        lines.append(f"| {r['photo']} | {r['size']} | {r['lambda']:g} | {r['bpp']:.3f} | {r['psnr']:.2f} | "
                     f"{' | '.join(peer(r, fmt) for fmt in PEERS)} | {delta} | {r['steps']} | {r['encode_s']:.0f} | "
                     f"{r['decode_s']:.2f} |")
    (out_dir / "grid_rd.md").write_text("\n".join(lines) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    photos = sorted({r["photo"] for r in rows})
    fig, axes = plt.subplots(1, len(photos), figsize=(5 * len(photos), 4), squeeze=False)
    for ax, name in zip(axes[0], photos):
        mine = sorted((r for r in rows if r["photo"] == name), key=lambda r: r["bpp"])
        ax.plot([r["bpp"] for r in mine], [r["psnr"] for r in mine], "o-", label="fastzip grid")
        for fmt, label, style in (("JPEG", "Pillow JPEG", "s--"), ("WEBP", "Pillow WebP", "^--"),
                                  ("AVIF", "Pillow AVIF", "v--"), ("JPEG2000", "Pillow JPEG 2000", "d--")):
            points = sorted((r[fmt + "_bpp"], r[fmt]) for r in mine if r.get(fmt) is not None)
            if not points:
                continue
            ax.plot([p[0] for p in points], [p[1] for p in points], style, label=f"{label} (equal bytes or fewer)")
        ax.set_title(f"{name} ({mine[0]['size']})")
        ax.set_xlabel("bits per pixel")
        ax.set_ylabel("PSNR (dB)")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "grid_rd.png", dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", nargs="+", default=["astronaut", "coffee"])
    parser.add_argument("--lambdas", nargs="+", type=float, default=[0.008, 0.002, 0.0005])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--keep", action="store_true", help="keep other photos' rows from docs/grid_rd.json")
    parser.add_argument("--peers-only", action="store_true",
                        help="no encoding: measure the peers again for the rows in docs/grid_rd.json")
    args = parser.parse_args()
    if args.peers_only:
        from fastzip.data import sample_photos

        rows = json.loads((DOCS / "grid_rd.json").read_text())
        add_peers(rows, sample_photos())
        write(rows, args.minutes)
        return
    rows = run(args.photos, args.lambdas, args.minutes)
    if args.keep and (DOCS / "grid_rd.json").exists():
        rows = [r for r in json.loads((DOCS / "grid_rd.json").read_text()) if r["photo"] not in args.photos] + rows
    write(rows, args.minutes)


if __name__ == "__main__":
    main()
