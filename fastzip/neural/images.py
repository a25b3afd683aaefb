"""Image sets for the VAE: how any photo becomes a ``size x size`` RGB training image.

The rule, recorded in every archive: convert to RGB (grayscale is repeated, alpha dropped),
resize so that the *shorter* side equals ``size`` (Pillow's Lanczos filter; photos smaller than
``size`` are upscaled), then crop the centre square. Aspect ratio is kept, the longer side loses
its margins.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["PREPROCESS", "fit_square", "load_dir", "to_tensor", "to_uint8"]

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


def load_dir(path, size: int) -> tuple[list[str], list[tuple[int, int]], np.ndarray]:
    """Every image file directly in ``path``, sorted by name: (names, original (h, w), N x size x size x 3)."""
    from PIL import Image

    files = sorted(p for p in Path(path).iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES)
    if not files:
        raise ValueError(f"no image files ({', '.join(sorted(_SUFFIXES))}) in {path}")
    names, sizes, images = [], [], []
    for f in files:
        with Image.open(f) as im:
            im = im.convert("RGB")
            array = np.asarray(im)
        names.append(f.name)
        sizes.append(array.shape[:2])
        images.append(fit_square(array, size))
    return names, sizes, np.stack(images)


def to_tensor(images: np.ndarray):
    """N x S x S x 3 uint8 -> float32 tensor N x 3 x S x S in [0, 1]."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0).contiguous()


def to_uint8(batch) -> np.ndarray:
    """Float tensor N x 3 x S x S in [0, 1] -> N x S x S x 3 uint8, rounded."""
    return batch.detach().clamp(0, 1).mul(255.0).round_().to(dtype=__import__("torch").uint8).permute(0, 2, 3, 1).contiguous().numpy()
