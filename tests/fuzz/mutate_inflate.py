"""Mutation fuzzing of the native inflater against zlib, without coverage feedback.

    python tests/fuzz/mutate_inflate.py SECONDS [SEED]

atheris sees only Python coverage (the Cython kernel is not instrumented), so its corpus
collapses to a few tiny inputs; this loop instead mutates real zlib and fastzip streams
(bit flips, byte changes, truncation, splicing) and checks every result the way
fuzz_inflate.one_input does. Failing inputs are written to tests/fuzz_regressions/inflate/.
"""

import hashlib
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from fastzip import data as samples
from fastzip import deflate

sys.path.insert(0, str(Path(__file__).parent))
from fuzz_inflate import one_input  # noqa: E402

OUT = Path(__file__).parent.parent / "fuzz_regressions" / "inflate"


def seeds():
    text = samples.stdlib_text(1 << 16)
    code = samples.shared_library_code(1 << 16)
    out = []
    for raw in (text[:300], text[:5000], text, code[:4000]):
        for level in (0, 1, 6, 9):
            out.append(deflate.compress(raw, level, format="raw"))
            c = zlib.compressobj(level, zlib.DEFLATED, -15)
            out.append(c.compress(raw) + c.flush())
        for strategy in (zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED):
            c = zlib.compressobj(6, zlib.DEFLATED, -15, 9, strategy)
            out.append(c.compress(raw) + c.flush())
    return [np.frombuffer(s, np.uint8) for s in out]


def mutate(rng, base, pool):
    s = base.copy()
    kind = rng.integers(0, 4)
    if kind == 0:
        pos = rng.integers(0, s.size, rng.integers(1, 4))
        s[pos] ^= (1 << rng.integers(0, 8, pos.size)).astype(np.uint8)
    elif kind == 1:
        pos = rng.integers(0, s.size, rng.integers(1, 3))
        s[pos] = rng.integers(0, 256, pos.size).astype(np.uint8)
    elif kind == 2:
        s = s[: rng.integers(0, s.size + 1)]
    else:
        other = pool[rng.integers(0, len(pool))]
        cut, at = rng.integers(0, s.size + 1), rng.integers(0, other.size + 1)
        s = np.concatenate([s[:cut], other[at:]])
    return s.tobytes()


def main(seconds: float, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    pool = seeds()
    end, runs, failures = time.monotonic() + seconds, 0, 0
    while time.monotonic() < end:
        case = mutate(rng, pool[rng.integers(0, len(pool))], pool)
        try:
            one_input(case)
        except Exception as exc:  # anything at all is a finding
            failures += 1
            OUT.mkdir(parents=True, exist_ok=True)
            (OUT / f"mutant-{hashlib.sha1(case).hexdigest()[:12]}.bin").write_bytes(case)
            print(f"{type(exc).__name__}: {exc}")
        runs += 1
    print(f"{runs} runs, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0))
