"""Image files in and out of the archives: reading a directory of photos (at their own sizes for
the grid codec, or fitted to the VAE's square) and naming the PNG files extraction writes.

The VAE's rule, recorded in every VAE archive: convert to RGB (grayscale is repeated, alpha dropped),
resize so that the *shorter* side equals ``size`` (Pillow's Lanczos filter; photos smaller than
``size`` are upscaled), then crop the centre square. Aspect ratio is kept, the longer side loses
its margins.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["PREPROCESS", "fit_square", "load_dir", "load_originals", "png_names", "to_tensor", "to_uint8"]

PREPROCESS = "rgb; resize shorter side to size (Lanczos); centre crop"
_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm"}


def fit_square(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` (HxW or HxWx3/4 uint8) as a ``size x size x 3`` uint8 array, by the rule above."""
    from PIL import Image

    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or min(image.shape[:2]) < 1:
        raise ValueError(f"expected an HxW or HxWxC uint8 image, got {image.dtype} {image.shape}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    image = image[:, :, :3] if image.shape[2] >= 3 else np.repeat(image[:, :, :1], 3, axis=2)
    h, w = image.shape[:2]
    scale = size / min(h, w)
    nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
    resized = np.asarray(Image.fromarray(np.ascontiguousarray(image)).resize((nw, nh), Image.LANCZOS))
    top, left = (nh - size) // 2, (nw - size) // 2
    return np.ascontiguousarray(resized[top : top + size, left : left + size])


def _image_files(path) -> list[Path]:
    files = sorted(p for p in Path(path).iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES)
    if not files:
        raise ValueError(f"no image files ({', '.join(sorted(_SUFFIXES))}) in {path}")
    return files


def load_dir(path, size: int) -> tuple[list[str], list[tuple[int, int]], np.ndarray]:
    """Every image file directly in ``path``, sorted by name: (names, original (h, w), N x size x size x 3)."""
    from PIL import Image

    names, sizes, images = [], [], []
    for f in _image_files(path):
        with Image.open(f) as im:
            im = im.convert("RGB")
            array = np.asarray(im)
        names.append(f.name)
        sizes.append(array.shape[:2])
        images.append(fit_square(array, size))
    return names, sizes, np.stack(images)


def load_originals(path) -> tuple[list[str], list[np.ndarray]]:
    """Every image file directly in ``path``, sorted by name: (names, H x W x 3 uint8 at its own size)."""
    from PIL import Image

    names, images = [], []
    for f in _image_files(path):
        with Image.open(f) as im:
            images.append(np.asarray(im.convert("RGB")))
        names.append(f.name)
    return names, images


def png_names(names, out_dir) -> list[Path]:
    """One PNG path in ``out_dir`` per image name: the name's stem, so that no name (``../x``,
    ``/etc/y``) escapes ``out_dir``; a repeated stem ("a.jpg", "a.png") gets its index."""
    out_dir = Path(out_dir)
    paths = []
    for i, name in enumerate(names):
        stem = Path(name).stem.replace("/", "_").replace("\\", "_").strip(". ") or f"image{i}"
        target = out_dir / f"{stem}.png"
        if target in paths:
            target = out_dir / f"{stem}_{i}.png"
        paths.append(target)
    return paths


def to_tensor(images: np.ndarray):
    """N x S x S x 3 uint8 -> float32 tensor N x 3 x S x S in [0, 1]."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0).contiguous()


def to_uint8(batch) -> np.ndarray:
    """Float tensor N x 3 x S x S in [0, 1] -> N x S x S x 3 uint8, rounded."""
    return batch.detach().clamp(0, 1).mul(255.0).round_().to(dtype=__import__("torch").uint8).permute(0, 2, 3, 1).contiguous().numpy()
