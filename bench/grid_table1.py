"""The thesis's Table 1 setting for the latent-grid codec: the eleven photos at 512x512, coded
near the VAE archive's ratio (~25, i.e. 0.96 bpp), beside the VAE archive and JPEG.

    python -m bench.grid_table1 --lambda 0.0007 --steps 1500 --work /tmp/grid_table1   # ~3 min a photo, idle

Each photo is one :func:`fastzip.neural.grid.codec.encode` at one lambda for the set (or, with
``--bpp`` and no ``--lambda``, one :func:`~fastzip.neural.grid.codec.encode_at_bpp` per photo);
budgets are steps, so the result does not depend on how busy the machine is. Streams are kept
in ``--work`` and photos already there are skipped, so the run can be resumed. The streams are then packed into one grid
archive (``fastzip.neural.grid.archive``), which is read back and decoded: every figure comes from
that decode. JPEG (Pillow, 4:2:0, one quality for the set, as in the VAE rows) and WebP are
measured at the largest quality whose files together fit the archive's bytes. The rows replace
the section between the ``grid-codec`` markers of ``docs/table1.md``.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

import numpy as np

from bench.vae_table1 import DOCS, jpeg_at_bytes, photo_set

BEGIN, END = "<!-- grid-codec: begin -->", "<!-- grid-codec: end -->"


def encode_all(names, images, work: Path, bpp: float | None, lam: float | None, steps: int) -> None:
    from tqdm.auto import tqdm

    from fastzip.neural.grid import codec

    work.mkdir(parents=True, exist_ok=True)
    for name, image in zip(tqdm(names, desc="grid codec, Table 1 set", unit="photo"), images):
        if (work / f"{name}.json").exists():
            continue
        start = time.perf_counter()
        if lam is not None:
            made = codec.encode(image, lam, steps=steps, progress=False)
        else:
            made = codec.encode_at_bpp(image, bpp, steps=steps, progress=False)
        info = {k: v for k, v in made.info.items() if k != "history"}
        info["encode_s"] = time.perf_counter() - start
        (work / f"{name}.fzg").write_bytes(made.data)
        (work / f"{name}.json").write_text(json.dumps(info, indent=1) + "\n")


def webp_at_bytes(images: np.ndarray, budget: int):
    """(quality, bytes, PSNR) of the largest WebP quality (method 6) whose files fit ``budget``."""
    from PIL import Image

    from fastzip.metrics import psnr

    def files(q):
        out = []
        for im in images:
            buf = io.BytesIO()
            Image.fromarray(im).save(buf, "WEBP", quality=q, method=6)
            out.append(buf.getvalue())
        return out

    best, lo, hi = None, 1, 100
    while lo <= hi:
        q = (lo + hi) // 2
        blobs = files(q)
        if sum(map(len, blobs)) <= budget:
            decoded = np.stack([np.asarray(Image.open(io.BytesIO(b)).convert("RGB")) for b in blobs])
            best, lo = (q, sum(map(len, blobs)), psnr(images, decoded)), q + 1
        else:
            hi = q - 1
    return best


def report(names, images, work: Path, args) -> str:
    from fastzip.metrics import psnr
    from fastzip.neural.grid import archive

    infos = [json.loads((work / f"{n}.json").read_text()) for n in names]
    path = work / "set.fzg"
    size = archive.save(archive.Archive(names, [(work / f"{n}.fzg").read_bytes() for n in names]), path)
    start = time.perf_counter()
    decoded = np.stack(archive.decode_all(archive.load(path)))
    decode_s = time.perf_counter() - start
    set_psnr = psnr(images, decoded)
    jpeg = jpeg_at_bytes(images, size)
    webp = webp_at_bytes(images, size)
    from bench.grid_rate_distortion import pillow_at_most

    def one(name, image, pixels, info):
        found = pillow_at_most(image, info["bytes"], "JPEG")
        jpeg_text = f"JPEG {found[1]:.1f}" if found else "JPEG does not fit"
        return f"{name} {psnr(image, pixels):.1f} dB at {info['bpp']:.2f} bpp ({jpeg_text})"

    per = ", ".join(one(*row) for row in zip(names, images, decoded, infos))
    how = (f"`codec.encode(image, lam={args.lam:g}, steps={args.steps})` (one lambda for the set: the allocation "
           "that minimises the set's squared error)" if args.lam is not None else
           f"`codec.encode_at_bpp(image, {args.bpp:g}, steps={args.steps})`")
    lines = [BEGIN, "", "## The latent-grid codec in the same setting", "",
             f"Command: `python -m bench.grid_table1 {' '.join(args.argv)}`: each photo one "
             f"{how} (about "
             f"{np.mean([i['encode_s'] for i in infos]) / 60:.1f} min per photo on this machine, which was "
             "shared with other work during the run; steps, not minutes, fix the result), packed into one grid "
             "archive, read back and decoded without torch "
             f"({decode_s:.2f} s for the eleven photos).", "",
             "| archive | bytes on disk | ratio | PSNR over the set (dB) | JPEG at ≤ same bytes | WebP at ≤ same bytes |",
             "| --- | --- | --- | --- | --- | --- |",
             "| yosemite with latent 32, 85% pruned, INT8 (25 min, above) | 345,212 | 25.06 | 21.03 | q61: 32.67 dB | - |",
             f"| fastzip grid codec, one stream per photo | {size:,} | {images.nbytes / size:.2f} | {set_psnr:.2f} | "
             + (f"q{jpeg[0]}: {jpeg[2]:.2f} dB ({jpeg[1]:,} B)" if jpeg else "does not fit") + " | "
             + (f"q{webp[0]}: {webp[2]:.2f} dB ({webp[1]:,} B)" if webp else "does not fit") + " |", "",
             f"Per photo, with Pillow's JPEG (4:2:0, optimized) at no more than the photo's own bytes: {per}.", "",
             END]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bpp", type=float, default=0.96, help="target per photo (24 / 25: ratio 25)")
    parser.add_argument("--lambda", dest="lam", type=float, default=None,
                        help="one lambda for every photo instead of a rate per photo (what minimises the set's MSE)")
    parser.add_argument("--steps", type=int, default=2200, help="training steps per photo, probes included")
    parser.add_argument("--work", type=Path, default=Path("/tmp/grid_table1"))
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    names, _, images = photo_set(512)
    encode_all(names, images, args.work, args.bpp, args.lam, args.steps)
    section = report(names, images, args.work, args)
    table = args.out / "table1.md"
    text = table.read_text() if table.exists() else ""
    if BEGIN in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    table.write_text(text)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
