"""The encoders' bytes are promised, not just their round trips: DEFLATE at every level and
framing, and the JPEG encoder over qualities, subsamplings, optimize and restarts, give exactly
the bytes recorded in ``tests/golden/outputs.json`` (SHA-256 and size of each output).

A change that alters bytes on purpose regenerates the record in the same commit and says so:
``python tests/test_golden_outputs.py --write``.
"""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from fastzip import deflate, jpeg

GOLDEN = Path(__file__).parent / "golden"
RECORD = GOLDEN / "outputs.json"


def _lcg_bytes(n: int, seed: int = 12345) -> bytes:
    """Bytes from a fixed linear congruential generator: the same on every machine and numpy."""
    out, x = bytearray(n), seed
    for i in range(n):
        x = (1103515245 * x + 12345) & 0x7FFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


def deflate_input() -> bytes:
    text = (GOLDEN / "huffman_stdlib_4k.txt").read_bytes()
    noise = _lcg_bytes(3000)
    # Text, its repeats (long matches), skewed bytes and noise: every block type and parser path;
    # then pixels, long enough that blocks are written while the chain parses still run (their
    # length-3 matches are weighed under the codes written last).
    rgb = np.load(GOLDEN / "jpeg_input_astronaut_96x80.npy")
    return text * 3 + bytes(b % 7 for b in noise) + noise + text[::-1] + rgb.tobytes() + rgb.transpose(1, 0, 2).tobytes()


def jpeg_inputs() -> dict:
    rgb = np.load(GOLDEN / "jpeg_input_astronaut_96x80.npy")
    return {"rgb": rgb, "odd": np.ascontiguousarray(rgb[:45, :37]), "gray": np.ascontiguousarray(rgb[3:60, :71, 1])}


def outputs() -> dict:
    """Every output the record covers, by name."""
    out = {}
    raw = deflate_input()
    for fmt in deflate.FORMATS:
        for level in range(13):
            out[f"deflate-{fmt}-{level}"] = deflate.compress(raw, level, format=fmt, mtime=0)
    for name, img in jpeg_inputs().items():
        for quality in (10, 50, 75, 95, 100):
            for subsampling in ("4:2:0", "4:2:2", "4:4:4"):
                if name == "gray" and subsampling != "4:2:0":
                    continue
                for optimize in (False, True):
                    for restart in (0, 3):
                        key = f"jpeg-{name}-q{quality}-{subsampling}-{'opt' if optimize else 'std'}-r{restart}"
                        out[key] = jpeg.encode(img, quality=quality, subsampling=subsampling, optimize=optimize,
                                               restart_interval=restart)
        out[f"jpeg-{name}-q75-noninterleaved"] = jpeg.encode(img, quality=75, interleave=False)
    return out


def _digest(blob: bytes) -> list:
    return [hashlib.sha256(blob).hexdigest(), len(blob)]


def test_encoders_give_the_recorded_bytes():
    record = json.loads(RECORD.read_text())
    made = outputs()
    assert sorted(made) == sorted(record), "the golden record and the cases differ: regenerate with --write"
    changed = [name for name, blob in made.items() if _digest(blob) != record[name]]
    assert not changed, f"{len(changed)} outputs changed bytes, e.g. {changed[:5]}"


def test_the_recorded_outputs_are_valid_streams():
    """What the record promises is worth promising: the peers read every output."""
    import zlib

    raw = deflate_input()
    for name, blob in outputs().items():
        if name.startswith("deflate-"):
            fmt = name.split("-")[1]
            wbits = {"zlib": 15, "gzip": 31, "raw": -15}[fmt]
            assert zlib.decompress(blob, wbits) == raw, name
    PIL = pytest.importorskip("PIL.Image")
    import io

    blob = outputs()["jpeg-odd-q50-4:2:2-opt-r3"]
    assert PIL.open(io.BytesIO(blob)).size == (37, 45)


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    RECORD.write_text(json.dumps({name: _digest(blob) for name, blob in outputs().items()}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {RECORD}")
