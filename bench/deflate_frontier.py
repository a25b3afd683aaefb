"""Where fastzip's DEFLATE levels stand among the libraries a user can pick: compression ratio
against compression speed for every level of fastzip, zlib, zlib-ng, libdeflate and ISA-L.

    python -m bench.deflate_frontier      # writes docs/deflate_frontier.md and .png

Corpora (``--mib`` each, from ``fastzip.data``): stdlib text, machine code, and a binary mix
(``data.array_mix``: the package photos' raw RGB pixels and a float32 sensor field, as array
stores hold them). Each point is the best of ``--repeat`` zlib-format compressions (one for
levels slower than 10 MB/s), timed on this machine with nothing else running. For each anchor
the issue names (libdeflate 1, 6, 9, 12; ISA-L 0-3) the table says whether a fastzip level is
at least as small and at least as fast. The plot draws each library's levels and the frontier
of all points. A last table (and docs/inflate_speed.png) gives every decoder's speed on each
corpus.
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parents[1] / "docs"
ANCHORS = [("libdeflate", 1), ("libdeflate", 6), ("libdeflate", 9), ("libdeflate", 12),
           ("isal", 0), ("isal", 1), ("isal", 2), ("isal", 3)]


def libraries() -> dict:
    """{name: (levels, compress(data, level))} of what is installed."""
    from fastzip import deflate

    found = {"fastzip": (range(0, 13), lambda b, level: deflate.compress(b, level, threads=1)),
             "zlib": (range(1, 10), zlib.compress)}
    try:
        from zlib_ng import zlib_ng
        found["zlib-ng"] = (range(1, 10), zlib_ng.compress)
    except ImportError:
        pass
    try:
        import deflate as libdeflate
        found["libdeflate"] = (range(1, 13), libdeflate.zlib_compress)
    except ImportError:
        pass
    try:
        from isal import isal_zlib
        found["isal"] = (range(0, 4), isal_zlib.compress)
    except ImportError:
        pass
    return found


def decoders(size: int) -> dict:
    """{name: decompress(zlib stream)} of what is installed; libdeflate is told the output size
    (its API needs it), and fastzip is measured both with it (``size_hint``) and without."""
    from fastzip import deflate

    found = {"fastzip": deflate.decompress, "fastzip (size given)": lambda z: deflate.decompress(z, size_hint=size),
             "zlib": zlib.decompress}
    try:
        from zlib_ng import zlib_ng
        found["zlib-ng"] = zlib_ng.decompress
    except ImportError:
        pass
    try:
        import deflate as libdeflate
        found["libdeflate (size given)"] = lambda z: libdeflate.zlib_decompress(z, size)
    except ImportError:
        pass
    try:
        from isal import isal_zlib
        found["isal"] = isal_zlib.decompress
    except ImportError:
        pass
    return found


def measure_inflate(raw: bytes, repeat: int) -> dict:
    """{decoder: output MB/s} decoding one zlib level-6 stream of ``raw``, best of ``repeat``
    rounds in which every decoder runs once (so drift of the machine's speed hits all alike)."""
    packed = zlib.compress(raw, 6)
    found = decoders(len(raw))
    best = dict.fromkeys(found, float("inf"))
    for _ in range(max(repeat, 1)):
        for name, decompress in found.items():
            start = time.perf_counter()
            out = decompress(packed)
            best[name] = min(best[name], time.perf_counter() - start)
            assert out == raw, name
    return {name: len(raw) / seconds / 1e6 for name, seconds in best.items()}


def corpora(size: int) -> dict:
    from fastzip import data

    return {"text": data.stdlib_text(size), "code": data.shared_library_code(size), "binary mix": data.array_mix(size)}


def measure(corpus: bytes, compress, level: int, repeat: int) -> tuple[float, float]:
    """(ratio, MB/s) of the best of ``repeat`` runs (one when a run is slower than 10 MB/s)."""
    best, packed = None, None
    for k in range(repeat):
        start = time.perf_counter()
        packed = compress(corpus, level)
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
        if len(corpus) / seconds < 10e6:
            break
    return len(corpus) / len(packed), len(corpus) / best / 1e6


def frontier(points: list[tuple[str, int, float, float]]) -> list[tuple[str, int, float, float]]:
    """The points no other point beats on both ratio and speed, fastest first."""
    keep = [p for p in points if not any(q[2] >= p[2] and q[3] >= p[3] and (q[2], q[3]) != (p[2], p[3])
                                         for q in points)]
    return sorted(keep, key=lambda p: -p[3])


def inflate_report(speeds: dict) -> list[str]:
    """The decoders' table: MB/s of output per corpus, and as a share of libdeflate's."""
    corpora_ = list(speeds)
    names = list(next(iter(speeds.values())))
    lines = ["## Inflate", "", "Decoding one zlib level-6 stream of each corpus; MB/s of output (in brackets: "
             "the share of libdeflate's speed). [Plot](inflate_speed.png).", "",
             "| decoder | " + " | ".join(corpora_) + " |",
             "| --- |" + " --- |" * len(corpora_)]
    for name in names:
        cells = []
        for corpus in corpora_:
            anchor = speeds[corpus].get("libdeflate (size given)")
            share = f" ({speeds[corpus][name] / anchor:.2f}x)" if anchor else ""
            cells.append(f"{speeds[corpus][name]:.0f}{share}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines + [""]


def report(results: dict, argv, speeds: dict | None = None) -> str:
    lines = ["# DEFLATE: fastzip among the libraries", "",
             f"`python -m bench.deflate_frontier {' '.join(argv)}`: zlib-format compression, one thread, "
             "best of the runs; MB/s of input. A fastzip level **dominates** an anchor when it is at least as "
             "small (ratio at least as high) and at least as fast.", ""]
    for corpus, points in results.items():
        lines += [f"## {corpus}", "", "| anchor | ratio | MB/s | fastzip level at least as small, fastest | "
                  "its ratio | its MB/s | dominated |", "| --- | --- | --- | --- | --- | --- | --- |"]
        ours = [p for p in points if p[0] == "fastzip"]
        for name, level in ANCHORS:
            anchor = next((p for p in points if p[:2] == (name, level)), None)
            if anchor is None:
                continue
            smaller = [p for p in ours if p[2] >= anchor[2]]
            best = max(smaller, key=lambda p: p[3]) if smaller else None
            verdict = "yes" if best and best[3] >= anchor[3] else "no"
            lines.append(f"| {name} {level} | {anchor[2]:.3f} | {anchor[3]:.0f} | "
                         + (f"{best[1]} | {best[2]:.3f} | {best[3]:.0f} | {verdict} |" if best else "none | - | - | no |"))
        lines += ["", "All points (library level: ratio at MB/s): " + "; ".join(
            f"{n} {lv}: {r:.3f} at {s:.0f}" for n, lv, r, s in points) + ".", "",
            "Frontier: " + ", ".join(f"{n} {lv}" for n, lv, _, _ in frontier(points)) + ".", ""]
    lines += ["![ratio against speed](deflate_frontier.png)", ""]
    if speeds:
        lines += inflate_report(speeds)
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, axes = plt.subplots(1, len(results), figsize=(5.2 * len(results), 4.4))
    for ax, (corpus, points) in zip(np.atleast_1d(axes), results.items()):
        points = [p for p in points if p[2] > 1.01]  # stored (level 0) would squash the rest
        for name in dict.fromkeys(p[0] for p in points):
            mine = [p for p in points if p[0] == name]
            ax.plot([p[3] for p in mine], [p[2] for p in mine], "o-", label=name, lw=2 if name == "fastzip" else 1)
            for p in mine:
                ax.annotate(str(p[1]), (p[3], p[2]), fontsize=6, xytext=(2, 2), textcoords="offset points")
        edge = frontier(points)
        ax.step([p[3] for p in edge], [p[2] for p in edge], "k:", where="post", label="frontier")
        ax.set(xscale="log", xlabel="compression MB/s (log)", ylabel="ratio", title=corpus)
        # Plain labels at 1, 2 and 5 of each decade (matplotlib's own crowd a short axis).
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_inflate(speeds: dict, path: Path) -> None:
    """Every decoder's speed on each corpus, as bars side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(next(iter(speeds.values())))
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        ax.bar(np.arange(len(speeds)) + k * width, [speeds[c][name] for c in speeds], width, label=name,
               edgecolor="black" if name.startswith("fastzip") else "none")
    ax.set(xticks=np.arange(len(speeds)) + 0.4 - width / 2, xticklabels=list(speeds),
           ylabel="MB/s of output", title="inflate: one zlib level-6 stream, one thread")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, default=8, help="MiB of each corpus")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    argv = list(sys.argv[1:] if argv is None else argv)
    from tqdm.auto import tqdm

    libs = libraries()
    results, speeds = {}, {}
    for corpus, raw in corpora(int(args.mib * (1 << 20))).items():
        results[corpus] = [(name, level, *measure(raw, compress, level, args.repeat))
                           for name, (levels, compress) in tqdm(libs.items(), desc=corpus, unit="library")
                           for level in levels]
        speeds[corpus] = measure_inflate(raw, 3 * args.repeat)
    args.out.mkdir(parents=True, exist_ok=True)
    text = report(results, argv, speeds)
    (args.out / "deflate_frontier.md").write_text(text)
    plot(results, args.out / "deflate_frontier.png")
    plot_inflate(speeds, args.out / "inflate_speed.png")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
