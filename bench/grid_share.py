"""A set with shared networks against networks per image, at equal training time.

    python -m bench.grid_share --size 256 --steps 600 --lambda 0.002     # writes docs/grid_share.md

The eleven package photos, each fitted to ``--size`` square (``bench.vae_table1.photo_set``),
are coded three times at one lambda: as separate streams (``archive.create``: each photo
``--steps`` steps on its own networks), with one shared ARM (``share="arm"``: a synthesis per
photo) and with both networks shared (``share="all"``); shared sets train every photo in turn,
the same number of steps a photo, each turn updating its latents and the shared networks. A step
costs the same in all three (same networks, same pixels), so equal steps are equal time; the wall
times are reported too. Both archives are written, read back and decoded without torch; JPEG and WebP
(Pillow, one quality for the set) are measured at no more than each archive's bytes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from bench.grid_table1 import webp_at_bytes
from bench.vae_table1 import DOCS, jpeg_at_bytes, photo_set


def run(names, images, lam: float, steps: int, share: str | None, work: Path) -> dict:
    from fastzip.metrics import psnr
    from fastzip.neural.grid import archive

    start = time.perf_counter()
    made, infos = archive.create(names, list(images), lam=lam, steps=steps, share=share)
    seconds = time.perf_counter() - start
    path = work / f"{share or 'separate'}.fzg"
    size = archive.save(made, path)
    decoded = np.stack(archive.decode_all(archive.load(path)))
    return {"share": share, "bytes": size, "seconds": seconds, "psnr": psnr(images, decoded),
            "network_bytes": archive.load(path).network_bytes(),
            "per_photo": [psnr(im, d) for im, d in zip(images, decoded)], "infos": infos}


def report(names, images, rows, args) -> str:
    lines = ["# Latent-grid archives: one pair of networks for the set, or a pair per photo", "",
             f"`python -m bench.grid_share {' '.join(args.argv)}`: the eleven package photos at "
             f"{args.size}x{args.size}, lambda {args.lam:g}, {args.steps} training steps per photo in both "
             "(a step costs the same either way, so equal steps are equal time). Every figure is measured on "
             "the archive read back from disk and decoded without torch. JPEG (4:2:0, optimized) and WebP "
             "(method 6): Pillow, one quality for the set, the largest whose files fit the archive's bytes.", "",
             "| networks | training (min) | bytes | of which networks | bpp | PSNR over the set (dB) | "
             "JPEG at ≤ same bytes | WebP at ≤ same bytes |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    pixels = images.shape[0] * images.shape[1] * images.shape[2]
    labels = {None: "a pair per photo", "arm": "one ARM for the set, a synthesis per photo",
              "all": "one pair for the set"}
    for row in rows:
        jpeg, webp = jpeg_at_bytes(images, row["bytes"]), webp_at_bytes(images, row["bytes"])
        lines.append(
            f"| {labels[row['share']]} | {row['seconds'] / 60:.1f} | "
            f"{row['bytes']:,} | {row['network_bytes']:,} | {8 * row['bytes'] / pixels:.3f} | {row['psnr']:.2f} | "
            + (f"q{jpeg[0]}: {jpeg[2]:.2f} dB ({jpeg[1]:,} B)" if jpeg else "does not fit") + " | "
            + (f"q{webp[0]}: {webp[2]:.2f} dB ({webp[1]:,} B)" if webp else "does not fit") + " |")
    per_photo = (" / ".join(f"{row['per_photo'][k]:.2f}" for row in rows) for k in range(len(names)))
    lines += ["", "Per photo (PSNR: " + " / ".join(labels[row["share"]] for row in rows) + "): "
              + ", ".join(f"{n} {values}" for n, values in zip(names, per_photo)) + ".", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=600, help="training steps per photo, in both archives")
    parser.add_argument("--lambda", dest="lam", type=float, default=0.002)
    parser.add_argument("--photos", type=int, default=None, help="the first N photos only (a quick look)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/grid_share"))
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    names, _, images = photo_set(args.size)
    if args.photos:
        names, images = names[:args.photos], images[:args.photos]
    args.work.mkdir(parents=True, exist_ok=True)
    rows = [run(names, images, args.lam, args.steps, share, args.work) for share in (None, "arm", "all")]
    text = report(names, images, rows, args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "grid_share.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
