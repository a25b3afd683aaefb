"""Decoding cost of the latent-grid codec, torch-free, per image size: time and peak memory.

    python -m bench.grid_decode_cost --steps 100      # writes docs/grid_decode_cost.md

For each size a mosaic of the shipped photos (``fastzip.data.photo_mosaic``) is encoded
(lambda 0.002, ``--steps`` of training: enough for latents and networks of the usual shape;
decoding does the same work for any quality), then decoded in a fresh process that has never
imported torch: the first decode (Numba loads its cached kernels) and the best of three after,
the peak of Python-tracked allocations during one decode (``tracemalloc``: numpy's arrays) and
the process's peak resident set (VmHWM: numpy, Numba and its compiled kernels, all of Python).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"
SIZES = [(256, 256), (512, 512), (768, 512), (1024, 768), (1536, 1024), (2048, 1536)]  # width x height

_DECODE = r"""
import json, resource, sys, time, tracemalloc
sys.modules["torch"] = None  # decoding must not need it
start = time.perf_counter()
from fastzip.neural.grid import codec
data = open(sys.argv[1], "rb").read()
image = codec.decode(data)
first = time.perf_counter() - start
times = []
for _ in range(3):
    t = time.perf_counter(); codec.decode(data); times.append(time.perf_counter() - t)
tracemalloc.start()
codec.decode(data)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
try:  # the peak of this process's own memory map (ru_maxrss can carry the parent's peak across exec)
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
except OSError:
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"first_s": first, "decode_s": min(times), "traced_peak_mib": peak / 2**20, "max_rss_mib": hwm}))
"""


def run(steps: int, sizes=SIZES) -> list[dict]:
    from tqdm.auto import tqdm

    from fastzip.data import photo_mosaic
    from fastzip.neural.grid import codec

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in tqdm(sizes, desc="grid decode cost", unit="size"):
            made = codec.encode(photo_mosaic(height, width), lam=0.002, steps=steps, progress=False)
            path = Path(tmp) / f"{width}x{height}.fzg"
            path.write_bytes(made.data)
            out = subprocess.run([sys.executable, "-c", _DECODE, str(path)], capture_output=True, text=True, check=True)
            figures = json.loads(out.stdout)
            rows.append({"size": f"{width}x{height}", "pixels": width * height, "bytes": len(made.data),
                         "bpp": made.info["bpp"], **figures})
    return rows


def write(rows: list[dict], steps: int, out_dir: Path = DOCS) -> None:
    lines = ["# Latent-grid codec: decoding time and memory per image size (torch-free)", "",
             f"`python -m bench.grid_decode_cost --steps {steps}`: each size a mosaic of the shipped photos encoded at "
             f"lambda 0.002 with {steps} training steps, decoded in a fresh process without torch on this 2-core "
             "machine. *first*: import, Numba's cached kernels loaded, one decode; *decode*: best of three after "
             "that; *traced peak*: numpy's allocations during one decode; *max RSS*: the process's peak (VmHWM), "
             "imports and Numba included.", "",
             "| size | megapixels | bpp | first (s) | decode (s) | ns / pixel | traced peak (MiB) | bytes / pixel | max RSS (MiB) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['size']} | {r['pixels'] / 1e6:.2f} | {r['bpp']:.3f} | {r['first_s']:.2f} | "
                     f"{r['decode_s']:.3f} | {r['decode_s'] / r['pixels'] * 1e9:.0f} | {r['traced_peak_mib']:.1f} | "
                     f"{r['traced_peak_mib'] * 2**20 / r['pixels']:.1f} | {r['max_rss_mib']:.0f} |")
    (out_dir / "grid_decode_cost.md").write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args(argv)
    rows = run(args.steps)
    write(rows, args.steps)
    print((DOCS / "grid_decode_cost.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
