"""The autoencoder codecs against JPEG, WebP, PNG and DEFLATE on small-image collections.

    python -m bench.ae_report            # ~20 minutes here; writes docs/ae_codecs.md and docs/ae_*.png
    python -m bench.ae_report --quick    # a smoke run (tiny training): checks the script, not the codecs

Three collections, all in installed packages (``fastzip.data``): scikit-learn's digits (8x8
grey, 10 classes; 10 % held out), scikit-image's ``lfw_subset`` (25x25 grey faces and
non-faces; 10 % held out) and 32x32 colour crops: trained on every crop of seven package photos,
tested on 100 crops drawn from each of four *other* photos. Every figure is on held-out images.

For each collection, model (dense, conv, vae) and lambda, the codec is trained for a fixed
number of steps, then the held-out images are coded in one ``.fza`` file (bytes per image = the
file / N, its 22 bytes of framing included) and decoded without torch. Peers per image:
Pillow JPEG (optimized tables) at the lowest quality whose PSNR reaches the codec's on that
image, counted as its whole file and as its entropy-coded scan alone (no headers or tables);
WebP (method 6) likewise; lossless: PNG (optimize), fastzip DEFLATE-9 per image, and DEFLATE-9
of the whole held-out set's raw pixels. Throughput: images per second, encode and decode, on
all cores, the batch coded repeatedly for at least a second.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parents[1] / "docs"
LAMBDAS = [0.0005, 0.002, 0.008, 0.03]
MAIN_LAMBDA = 0.002
MODELS = ["dense", "conv", "vae"]
PEER_QUALITIES = [2, 5, 10, 20, 35, 50, 65, 80, 90, 95]


def collections(quick: bool) -> list[dict]:
    """name, train images, held-out images (None: split by the trainer), labels, steps."""
    from fastzip import data

    digits, digit_labels = data.digits()
    faces, face_labels = data.faces()
    crops = data.photo_crops(32)
    test = data.photo_crops(32, data.CROP_TEST_PHOTOS, per_photo=100)
    steps = {"digits": 3000, "faces": 1500, "crops32": 2000}
    if quick:
        steps = {k: 30 for k in steps}
        crops, test = crops[::20], test[::20]
    return [
        {"name": "digits", "images": digits, "labels": digit_labels, "test": None, "steps": steps["digits"],
         "what": "scikit-learn digits, 8x8 grey (1,797; 180 held out)"},
        {"name": "faces", "images": faces, "labels": face_labels, "test": None, "steps": steps["faces"],
         "what": "scikit-image lfw_subset, 25x25 grey (200; 20 held out)"},
        {"name": "crops32", "images": crops, "labels": None, "test": test, "steps": steps["crops32"],
         "what": f"32x32 colour crops: {len(crops)} from seven photos to train, {len(test)} from four others to test"},
    ]


def per_image_psnr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    err = ((a.astype(np.float64) - b) ** 2).reshape(len(a), -1).mean(axis=1)
    return 10 * np.log10(255**2 / np.maximum(err, 1e-10))


def train_one(col: dict, model: str, lam: float) -> dict:
    from fastzip.neural.ae import train

    run = train.train(col["images"], model, lam=lam, steps=col["steps"], progress=False,
                      holdout=0.0 if col["test"] is not None else 0.1)
    held = col["test"] if col["test"] is not None else col["images"][run.heldout_index]
    held4 = held[..., None] if held.ndim == 3 else held
    codec = run.codec
    lossy = codec.encode(held4)
    decoded = codec.decode(lossy)
    alone = np.mean([len(codec.encode(held4[i:i + 1])) for i in range(min(len(held4), 50))])
    return {"model": model, "lambda": lam, "codec": codec, "held": held4, "decoded": decoded, "seconds": run.seconds,
            "heldout_index": run.heldout_index, "bytes": len(lossy) / len(held4), "alone": float(alone),
            "deflate_bytes": len(codec.encode(held4, coder="deflate")) / len(held4),
            "psnr": per_image_psnr(held4, decoded), "lossless": len(codec.encode(held4, lossless=True)) / len(held4),
            "lossless_deflate": len(codec.encode(held4, lossless=True, coder="deflate")) / len(held4)}


def peers_at(run: dict) -> dict:
    from bench import ae_peers as peers

    jpeg_full = jpeg_scan = webp = 0
    for image, target in zip(run["held"], run["psnr"]):
        data, _ = peers.at_psnr(image, target)
        jpeg_full += len(data)
        jpeg_scan += peers.scan_bytes(data)
        webp += len(peers.at_psnr(image, target, peers.webp)[0])
    n = len(run["held"])
    return {"jpeg": jpeg_full / n, "jpeg_scan": jpeg_scan / n, "webp": webp / n}


def peer_curves(held: np.ndarray) -> dict:
    """Mean bytes and mean PSNR per quality: JPEG (file, scan) and WebP."""
    import io

    from PIL import Image

    from bench import ae_peers as peers

    curves = {"JPEG": [], "JPEG scan only": [], "WebP": []}
    for q in PEER_QUALITIES:
        sizes = {k: [] for k in curves}
        qualities = {"JPEG": [], "WebP": []}
        for image in held:
            for name, codec in (("JPEG", peers.jpeg), ("WebP", peers.webp)):
                data = codec(image, q)
                pic = Image.open(io.BytesIO(data)).convert("L" if image.shape[-1] == 1 else "RGB")
                qualities[name].append(per_image_psnr(image[None], np.asarray(pic).reshape((1,) + image.shape))[0])
                sizes[name].append(len(data))
                if name == "JPEG":
                    sizes["JPEG scan only"].append(peers.scan_bytes(data))
        curves["JPEG"].append((np.mean(sizes["JPEG"]), np.mean(qualities["JPEG"])))
        curves["JPEG scan only"].append((np.mean(sizes["JPEG scan only"]), np.mean(qualities["JPEG"])))
        curves["WebP"].append((np.mean(sizes["WebP"]), np.mean(qualities["WebP"])))
    return curves


def lossless_peers(held: np.ndarray) -> dict:
    from bench import ae_peers as peers
    from fastzip import deflate

    n = len(held)
    return {"png": sum(len(peers.png(im)) for im in held) / n,
            "deflate": sum(len(peers.deflate_raw(im)) for im in held) / n,
            "deflate_batch": len(deflate.compress(np.ascontiguousarray(held).tobytes(), 9)) / n}


def throughput(codec, held: np.ndarray) -> tuple[float, float]:
    """Images per second, encode and decode (rANS, lossy), the batch repeated to 1,000 images or more."""
    batch = np.concatenate([held] * max(1, -(-1000 // len(held))))
    data = codec.encode(batch)
    codec.decode(data)  # compile, warm
    rates = []
    for work in (lambda: codec.encode(batch), lambda: codec.decode(data)):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            work()
            best = min(best, time.perf_counter() - start)
        rates.append(len(batch) / best)
    return rates[0], rates[1]


def plots(results: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4.2))
    for ax, name in zip(axes, names):
        r = results[name]
        for label, points in r["curves"].items():
            xs, ys = zip(*points)
            ax.plot(xs, ys, "--" if "scan" in label else "-", color={"JPEG": "C3", "JPEG scan only": "C3", "WebP": "C2"}[label],
                    alpha=0.8, label=label)
        for k, model in enumerate(MODELS):
            runs = sorted((run for run in r["runs"] if run["model"] == model), key=lambda run: run["bytes"])
            ax.plot([run["bytes"] for run in runs], [run["psnr"].mean() for run in runs], "o-", color=f"C{k}" if k < 2 else "C4",
                    label=f"fastzip ae {model}")
        ax.set_xscale("log")
        ax.set_xlabel("bytes per image (held out)")
        ax.set_ylabel("mean PSNR (dB)")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "ae_rate_distortion.png", dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.4))
    for ax, name in zip(axes, names):
        r = results[name]
        best = r["main"]
        bars = {"fastzip ae lossless": 8 * best["lossless"], "PNG (optimize)": 8 * r["lossless_peers"]["png"],
                "DEFLATE-9 per image": 8 * r["lossless_peers"]["deflate"],
                "DEFLATE-9 whole set": 8 * r["lossless_peers"]["deflate_batch"]}
        pixels = best["held"].shape[1] * best["held"].shape[2]
        ax.barh(list(bars), [v / pixels for v in bars.values()], color=["C0", "C1", "C2", "C7"])
        ax.set_xlabel("bits per pixel (held out)")
        ax.set_title(f"{name}: lossless")
    fig.tight_layout()
    fig.savefig(out / "ae_lossless.png", dpi=110)
    plt.close(fig)

    from bench import ae_peers as peers

    fig, axes = plt.subplots(3 * len(names), 8, figsize=(8, 3 * len(names) * 1.05))
    for block, name in enumerate(names):
        run = results[name]["main"]
        for j in range(8):
            i = j * max(1, len(run["held"]) // 8)
            image, decoded = run["held"][i], run["decoded"][i]
            jpeg_data, _ = peers.at_scan_bytes(image, run["bytes"])
            import io

            from PIL import Image

            jpeg = np.asarray(Image.open(io.BytesIO(jpeg_data)).convert("L" if image.shape[-1] == 1 else "RGB"))
            for row, (pic, label) in enumerate(((image, "original"), (jpeg.reshape(image.shape), "JPEG, scan ≤ ae bytes"),
                                                (decoded, f"ae {run['model']}"))):
                ax = axes[3 * block + row, j]
                ax.imshow(pic[..., 0] if pic.shape[-1] == 1 else pic, cmap="gray", vmin=0, vmax=255,
                          interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                if j == 0:
                    ax.set_ylabel(f"{name}\n{label}", fontsize=6)
    fig.tight_layout()
    fig.savefig(out / "ae_reconstructions.png", dpi=110)
    plt.close(fig)


def latent_plot(results: dict, out: Path) -> None:
    """Digits' held-out and training latents, PCA and t-SNE to 2-D, coloured by class."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    r = results["digits"]
    fig, axes = plt.subplots(2, 3, figsize=(13, 8.4))
    for col, model in enumerate(MODELS):
        run = next(run for run in r["runs"] if run["model"] == model and run["lambda"] == MAIN_LAMBDA)
        images = r["images"][..., None]
        latents = run["codec"].network.latents(images).reshape(len(images), -1).astype(np.float64)
        for row, (label, points) in enumerate((("PCA", PCA(2).fit_transform(latents)),
                                               ("t-SNE", TSNE(2, init="pca", random_state=0).fit_transform(latents)))):
            ax = axes[row, col]
            scatter = ax.scatter(points[:, 0], points[:, 1], c=r["labels"], cmap="tab10", s=4)
            ax.set_title(f"digits, ae {model}: latents by {label}")
            ax.set_xticks([])
            ax.set_yticks([])
    fig.colorbar(scatter, ax=axes, ticks=range(10), label="digit")
    fig.savefig(out / "ae_latent_space.png", dpi=110)
    plt.close(fig)


def report(results: dict, args) -> str:
    lines = ["# Autoencoder codecs on small-image collections", "",
             f"`python -m bench.ae_report{' --quick' if args.quick else ''}`. Every figure is on held-out images "
             "(never trained on). A codec's bytes per image are its `.fza` file for the whole held-out set "
             "divided by the image count (22 bytes of framing included; **alone** is a file holding one image). "
             "JPEG, WebP: Pillow, per image the lowest quality whose PSNR reaches the codec's PSNR on that image; "
             "JPEG's **scan** counts only its entropy-coded data (no markers, headers or tables). "
             f"Lambda {MAIN_LAMBDA} unless a row says otherwise; rate-distortion curves over lambda "
             f"{', '.join(map(str, args.lambdas_used))} in [ae_rate_distortion.png](ae_rate_distortion.png).", ""]
    for name, r in results.items():
        lines += [f"## {name}: {r['what']}", "",
                  "| codec | lambda | training (s) | bytes per image (alone) | bytes with DEFLATE instead of rANS | "
                  "PSNR (dB) | JPEG file at ≥ same PSNR | JPEG scan only | WebP |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for run in r["runs"]:
            if run["lambda"] != MAIN_LAMBDA and run is not r["main"]:
                continue
            p = run["peers"]
            lines.append(f"| ae {run['model']} | {run['lambda']} | {run['seconds']:.0f} | {run['bytes']:.1f} "
                         f"({run['alone']:.1f}) | {run['deflate_bytes']:.1f} | {run['psnr'].mean():.2f} | "
                         f"{p['jpeg']:.1f} ({p['jpeg'] / run['bytes']:.1f}x) | {p['jpeg_scan']:.1f} "
                         f"({p['jpeg_scan'] / run['bytes']:.2f}x) | {p['webp']:.1f} ({p['webp'] / run['bytes']:.1f}x) |")
        main = r["main"]
        pixels = main["held"].shape[1] * main["held"].shape[2]
        lp = r["lossless_peers"]
        bpp = lambda b: f"{8 * b / pixels:.3f}"  # noqa: E731
        lines += ["", f"Lossless (bits per pixel, ae {main['model']}): **fastzip ae {bpp(main['lossless'])}** "
                  f"(plain residual under DEFLATE: {bpp(main['lossless_deflate'])}), PNG {bpp(lp['png'])}, "
                  f"DEFLATE-9 per image {bpp(lp['deflate'])}, DEFLATE-9 of the whole set {bpp(lp['deflate_batch'])}.",
                  f"Throughput (ae {main['model']}, 2 cores): encode {r['speed'][0]:,.0f} images/s, "
                  f"decode {r['speed'][1]:,.0f} images/s.", ""]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--lambdas", type=float, nargs="+", default=None,
                        help=f"the rate-distortion points (default {LAMBDAS}; {MAIN_LAMBDA} is always among them)")
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    from tqdm.auto import tqdm

    cols = collections(args.quick)
    lambdas = LAMBDAS[1:3] if args.quick else sorted(set(args.lambdas or LAMBDAS) | {MAIN_LAMBDA})
    args.lambdas_used = lambdas
    results = {}
    bar = tqdm(total=len(cols) * len(MODELS) * len(lambdas), desc="ae report", unit="codec")
    for col in cols:
        runs = []
        for model in MODELS:
            for lam in lambdas:
                bar.set_postfix(collection=col["name"], model=model, lam=lam)
                run = train_one(col, model, lam)
                if lam == MAIN_LAMBDA:
                    run["peers"] = peers_at(run)
                runs.append(run)
                bar.update()
        mains = [run for run in runs if run["lambda"] == MAIN_LAMBDA]
        # the collection's headline model: the fewest JPEG-scan bytes per codec byte at lambda MAIN
        main_run = max(mains, key=lambda run: run["peers"]["jpeg_scan"] / run["bytes"])
        held = main_run["held"]
        results[col["name"]] = {"what": col["what"], "runs": runs, "main": main_run, "images": col["images"],
                                "labels": col["labels"], "curves": peer_curves(held),
                                "lossless_peers": lossless_peers(held), "speed": throughput(main_run["codec"], held)}
    bar.close()
    args.out.mkdir(parents=True, exist_ok=True)
    plots(results, args.out)
    latent_plot(results, args.out)
    (args.out / "ae_codecs.md").write_text(report(results, args))
    print((args.out / "ae_codecs.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
