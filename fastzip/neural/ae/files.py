"""Image collections on disk for the ``fastzip ae`` commands: a folder of image files, an
``.npy`` array (N, H, W) or (N, H, W, 3) of uint8, or one of the datasets shipped inside
installed packages (``builtin:digits``, ``builtin:faces``, ``builtin:crops32``, ``builtin:crops64``:
:mod:`fastzip.data`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import FastzipError

__all__ = ["read", "write", "BUILTIN"]

BUILTIN = ("digits", "faces", "crops32", "crops64")


def _builtin(name: str) -> np.ndarray:
    from ... import data

    if name == "digits":
        return data.digits()[0]
    if name == "faces":
        return data.faces()[0]
    if name in ("crops32", "crops64"):
        return data.photo_crops(int(name[5:]))
    raise FastzipError(f"unknown dataset builtin:{name}; choose from {', '.join('builtin:' + n for n in BUILTIN)}")


def read(source) -> np.ndarray:
    """(N, H, W) grey or (N, H, W, 3) colour uint8 from ``source``; FastzipError naming what is
    wrong (a folder mixes sizes, an array of another type or shape, no images)."""
    text = str(source)
    if text.startswith("builtin:"):
        return _builtin(text[len("builtin:"):])
    path = Path(source)
    if path.is_dir():
        return _read_folder(path)
    if path.suffix.lower() == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise FastzipError(f"{path}: not a plain .npy array ({exc})") from None
        if array.dtype != np.uint8 or array.ndim not in (3, 4) or (array.ndim == 4 and array.shape[3] != 3) \
                or not array.size:
            raise FastzipError(f"{path}: expected uint8 (N, H, W) or (N, H, W, 3), got {array.dtype} {array.shape}")
        return array
    raise FastzipError(f"{path}: give a folder of images, an .npy array or builtin:NAME")


def _read_folder(path: Path) -> np.ndarray:
    from PIL import Image

    from ..images import _image_files

    try:
        files = _image_files(path)
    except ValueError as exc:
        raise FastzipError(str(exc)) from None
    pictures = []
    for f in files:
        with Image.open(f) as im:
            pictures.append((f.name, im.mode, im.convert("L" if im.mode in ("1", "L", "I;16", "I") else "RGB")))
    grey = all(p[2].mode == "L" for p in pictures)
    arrays = [np.asarray(p[2] if grey else p[2].convert("RGB")) for p in pictures]
    first = arrays[0].shape
    for (name, _, _), a in zip(pictures, arrays):
        if a.shape != first:
            raise FastzipError(f"{path}: {name} is {a.shape[1]}x{a.shape[0]}, the first image "
                               f"{first[1]}x{first[0]}: a codec serves images of one size")
    return np.stack(arrays)


def write(images: np.ndarray, target) -> list[Path]:
    """``images`` to ``target``: an ``.npy`` file (grey images as (N, H, W)) or a folder of
    PNG files 00000.png, 00001.png, ...; returns the paths written."""
    target = Path(target)
    if images.ndim == 4 and images.shape[3] == 1:
        images = images[..., 0]
    if target.suffix.lower() == ".npy":
        np.save(target, images)
        return [target]
    from PIL import Image

    target.mkdir(parents=True, exist_ok=True)
    width = max(5, len(str(len(images) - 1)))
    paths = []
    for i, image in enumerate(images):
        paths.append(target / f"{i:0{width}d}.png")
        Image.fromarray(image).save(paths[-1])
    return paths
