"""Sample data from what is already installed: no download, ever.

- :func:`stdlib_text` — Python's own standard library sources (``*.py`` only), a text corpus.
- :func:`shared_library_code` — the ``.text`` section (machine code) of a compiled extension.
- :func:`sample_photos` — the RGB photos scikit-image and scikit-learn ship, at their own sizes.
- :func:`sensor_field` — generated float32 measurements (smooth waves plus noise at a fixed
  resolution), any size, the same values for the same block on every machine: array-store data.
- :func:`photo_mosaic` — a large uint8 RGB picture tiled from the shipped photos.
- :func:`describe` — a corpus's name, size and sha256, so figures can be compared across runs.

Both corpora depend on the Python and numpy installed, so always report them with :func:`describe`.
"""

from __future__ import annotations

import hashlib
import os
import struct
import sysconfig
from pathlib import Path

__all__ = ["stdlib_text", "shared_library_code", "elf_section", "sample_photos", "sensor_field", "photo_mosaic",
           "describe"]

# Directories of the stdlib tree that are not "the standard library sources".
_SKIP_DIRS = {"__pycache__", "site-packages", "dist-packages", "lib-dynload"}


def _stdlib_files():
    root = Path(sysconfig.get_paths()["stdlib"])
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("config-"))
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(dirpath) / name


def stdlib_text(size: int | None = 1 << 20) -> bytes:
    """The first ``size`` bytes (all when ``None``) of the stdlib ``*.py`` files concatenated in sorted order.

    Raises ``ValueError`` when the installed sources are fewer than ``size`` bytes.
    """
    parts, total = [], 0
    for path in _stdlib_files():
        chunk = path.read_bytes()
        parts.append(chunk)
        total += len(chunk)
        if size is not None and total >= size:
            break
    data = b"".join(parts)
    if size is not None:
        if len(data) < size:
            raise ValueError(f"the stdlib sources hold only {len(data)} bytes, fewer than {size}")
        data = data[:size]
    return data


def elf_section(path, name: str = ".text") -> bytes:
    """The bytes of section ``name`` of the 64-bit little-endian ELF file at ``path``."""
    blob = Path(path).read_bytes()
    if blob[:4] != b"\x7fELF" or blob[4] != 2 or blob[5] != 1:
        raise ValueError(f"{path} is not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", blob, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", blob, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", blob, shoff + i * shentsize) for i in range(shnum)]
    strtab_off, strtab_size = headers[shstrndx][4], headers[shstrndx][5]
    strtab = blob[strtab_off:strtab_off + strtab_size]
    for name_off, _type, _flags, _addr, offset, size in headers:
        if strtab[name_off:strtab.index(b"\0", name_off)].decode() == name:
            return blob[offset:offset + size]
    raise ValueError(f"{path} has no section {name}")


def _extension_modules() -> list[Path]:
    """Compiled extension modules of numpy, then scipy when installed: numpy's core first."""
    import numpy

    roots = [Path(numpy.__file__).parent]
    try:
        import scipy

        roots.append(Path(scipy.__file__).parent)
    except ImportError:
        pass
    found = []
    for root in roots:
        core = sorted(root.glob("_core/_multiarray_umath*.so")) + sorted(root.glob("core/_multiarray_umath*.so"))
        found += core + [p for p in sorted(root.rglob("*.so")) if p not in core]
    return found


def shared_library_code(size: int | None = 1 << 20) -> bytes:
    """The first ``size`` bytes of machine code: the ``.text`` sections of numpy's extension
    modules (its core first), then scipy's, concatenated.

    Machine code, not the symbol tables that fill the first megabytes of a ``.so`` file.
    Raises ``ValueError`` when fewer than ``size`` bytes of code are installed.
    """
    parts, total = [], 0
    for path in _extension_modules():
        try:
            code = elf_section(path, ".text")
        except ValueError:
            continue
        parts.append(code)
        total += len(code)
        if size is not None and total >= size:
            break
    data = b"".join(parts)
    if size is not None:
        if len(data) < size:
            raise ValueError(f"the installed extension modules hold only {len(data)} bytes of code, fewer than {size}")
        data = data[:size]
    return data


def sample_photos() -> dict:
    """The eleven RGB photos shipped inside scikit-image and scikit-learn, name -> HxWx3 uint8.

    Sizes vary from 300x451 (chelsea) to 1411x1411 (retina). Needs both packages; raises
    ``ImportError`` otherwise. Nothing is downloaded: these files are part of the wheels.
    """
    import warnings

    from skimage import data as sk
    from sklearn.datasets import load_sample_images

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skimage warns about optional downloaders it does not need here
        left, right, _ = sk.stereo_motorcycle()
        photos = {
            "astronaut": sk.astronaut(),
            "coffee": sk.coffee(),
            "chelsea": sk.chelsea(),
            "rocket": sk.rocket(),
            "hubble_deep_field": sk.hubble_deep_field(),
            "retina": sk.retina(),
            "immunohistochemistry": sk.immunohistochemistry(),
            "motorcycle_left": left,
            "motorcycle_right": right,
        }
    china, flower = load_sample_images().images
    photos.update(china=china, flower=flower)
    return photos


def digits():
    """scikit-learn's handwritten digits: (1797, 8, 8) uint8 (its 0-16 levels scaled to 0-255)
    and the (1797,) labels 0-9."""
    import numpy as np
    from sklearn.datasets import load_digits

    d = load_digits()
    return np.clip(np.rint(d.images * (255 / 16)), 0, 255).astype(np.uint8), d.target.astype(np.int64)


def faces():
    """scikit-image's ``lfw_subset``: (200, 25, 25) uint8, and labels (1 for the 100 faces
    first, 0 for the 100 non-faces after them)."""
    import numpy as np
    from skimage import data as sk

    images = np.clip(np.rint(sk.lfw_subset() * 255), 0, 255).astype(np.uint8)
    return images, (np.arange(len(images)) < 100).astype(np.int64)


# Photos whose crops train the crop codecs, and the others, whose crops only test them.
# (The stereo pair stays on one side: its two photos show one scene.)
CROP_TRAIN_PHOTOS = ("astronaut", "rocket", "motorcycle_left", "motorcycle_right", "china", "immunohistochemistry",
                     "retina")
CROP_TEST_PHOTOS = ("coffee", "chelsea", "flower", "hubble_deep_field")


def photo_crops(size: int = 32, names=CROP_TRAIN_PHOTOS, *, per_photo: int | None = None, seed: int = 0):
    """(N, size, size, 3) uint8 crops of the named photos of :func:`sample_photos`, photo after
    photo: every crop on a ``size`` grid, or ``per_photo`` of them drawn at seeded random
    positions (so that a test set weighs each photo alike, whatever its size)."""
    import numpy as np

    photos = sample_photos()
    rng = np.random.default_rng(seed)
    crops = []
    for name in names:
        p = photos[name]
        if per_photo is None:
            corners = [(t, l) for t in range(0, p.shape[0] - size + 1, size) for l in range(0, p.shape[1] - size + 1, size)]
        else:
            corners = zip(rng.integers(0, p.shape[0] - size + 1, per_photo), rng.integers(0, p.shape[1] - size + 1, per_photo))
        crops += [p[t:t + size, l:l + size] for t, l in corners]
    return np.stack(crops)


def sensor_field(rows: int, cols: int, *, top: int = 0, left: int = 0):
    """rows x cols float32 of a field that covers the plane: 100 cos(y / 300) sin(x / 200) plus unit
    Gaussian noise, rounded to multiples of 1/64 (an instrument's resolution), for the block whose
    first element is at (``top``, ``left``). The noise is seeded by the block's position, so a
    block is the same every time it is made (and can be made again to check what was stored)."""
    import numpy as np

    y = (np.arange(rows, dtype=np.float32) + np.float32(top)) / np.float32(300)
    x = (np.arange(cols, dtype=np.float32) + np.float32(left)) / np.float32(200)
    values = np.float32(100) * np.cos(y)[:, None] * np.sin(x)[None, :]
    values += np.random.default_rng([top, left]).standard_normal((rows, cols), dtype=np.float32)
    return np.round(values * np.float32(64)) / np.float32(64)


def photo_mosaic(height: int, width: int):
    """height x width x 3 uint8 tiled from :func:`sample_photos` (each tile a 512x512 crop from the
    photo's centre, mirrored on alternate tiles so that no two neighbours repeat exactly)."""
    import numpy as np

    photos = [p for _, p in sorted(sample_photos().items()) if min(p.shape[:2]) >= 512]
    tiles = []
    for p in photos:
        top, left = (p.shape[0] - 512) // 2, (p.shape[1] - 512) // 2
        tiles.append(p[top:top + 512, left:left + 512])
    out = np.empty((height, width, 3), np.uint8)
    for n, (i, j) in enumerate((i, j) for i in range(0, height, 512) for j in range(0, width, 512)):
        tile = tiles[n % len(tiles)][:, ::-1] if (n // len(tiles)) % 2 else tiles[n % len(tiles)]
        out[i:i + 512, j:j + 512] = tile[:height - i, :width - j]
    return out


def array_mix(size: int = 1 << 20) -> bytes:
    """``size`` bytes of what array stores hold: the package photos' raw RGB pixels and a float32
    :func:`sensor_field`, one after the other, repeated."""
    import numpy as np

    photos = b"".join(np.ascontiguousarray(p).tobytes() for _, p in sorted(sample_photos().items()))
    unit = photos + sensor_field(512, 1024).astype(np.float32).tobytes()
    return (unit * (size // len(unit) + 1))[:size]


def png_filtered_rows(names=("astronaut", "chelsea", "coffee", "rocket")) -> bytes:
    """scikit-image's RGB photos ``names``, their rows after PNG's Sub filter (each byte less the
    same channel's a pixel before, modulo 256): the small values and runs that zlib's filtered,
    Huffman-only and RLE strategies are for."""
    import numpy as np
    from skimage import data as sk

    parts = []
    for name in names:
        rows = getattr(sk, name)().astype(np.int16)
        rows = rows.reshape(rows.shape[0], -1)
        rows[:, 3:] = rows[:, 3:] - rows[:, :-3]
        parts.append(rows.astype(np.uint8).tobytes())
    return b"".join(parts)


def describe(name: str, data: bytes) -> str:
    """``"name (N bytes, sha256 abcdef012345)"`` — how every report names its corpus."""
    return f"{name} ({len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:12]})"
