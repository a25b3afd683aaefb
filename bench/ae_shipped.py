"""Trains the autoencoder codecs that ship inside fastzip, loadable by name.

    python -m bench.ae_shipped      # rewrites fastzip/neural/ae/shipped/*.fzc (about a minute)

``digits``: the dense model on scikit-learn's digits (8x8 grey); ``faces``: the conv model on
scikit-image's lfw_subset (25x25 grey). Both at lambda 0.002 with a tenth held out, seed 0; the
held-out figures are in each file (``fastzip ae info digits``).
"""

from __future__ import annotations

import sys
from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[1] / "fastzip" / "neural" / "ae" / "shipped"
RECIPES = {"digits": ("digits", "dense", 3000), "faces": ("faces", "conv", 1500)}  # as bench.ae_report


def main() -> int:
    from fastzip import data
    from fastzip.neural.ae import train

    SHIPPED.mkdir(exist_ok=True)
    for name, (dataset, model, steps) in RECIPES.items():
        images, _ = getattr(data, dataset)()
        made = train.train(images, model, lam=0.002, steps=steps, seed=0)
        made.codec.meta["name"] = name
        size = made.codec.save(SHIPPED / f"{name}.fzc")
        print(f"{name}: {size} bytes, held out {made.codec.meta['heldout']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
