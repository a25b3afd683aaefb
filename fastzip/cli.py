"""The ``fastzip`` command: argument parsing and files around the public API.

    fastzip tour                              every codec beside its peers on sample data
    fastzip huffman compress IN OUT           fastzip's Huffman stream ("-" for stdin/stdout)
    fastzip huffman decompress IN OUT [--max-output-size N]
"""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .errors import FastzipError


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def _write(path: str, payload: bytes) -> None:
    if path == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
        return
    with open(path, "wb") as f:
        f.write(payload)


def _cmd_huffman(args) -> int:
    from . import huffman

    raw = _read(args.input)
    if args.action == "compress":
        out = huffman.compress(raw, impl=args.impl)
    else:
        out = huffman.decompress(raw, max_output_size=args.max_output_size, impl=args.impl)
    _write(args.output, out)
    return 0


def _cmd_tour(args) -> int:
    from . import tour

    print(f"fastzip {__version__} tour: ratio and speed beside peers (best of {args.repeat} warm runs, one thread)")
    header = f"{'codec':<38} {'ratio':>7} {'comp MB/s':>10} {'dec MB/s':>10}  note"
    for corpus, raw in tour.corpora(args.size).items():
        print(f"\n{corpus}\n{header}\n{'-' * len(header)}")
        for row in tour.huffman_rows(raw, corpus, repeat=args.repeat):
            print(f"{row.codec:<38} {row.ratio:>7.3f} {row.compress_mbps:>10.1f} {row.decompress_mbps:>10.1f}  {row.note}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fastzip", description="Compression codecs with native kernels.")
    parser.add_argument("--version", action="version", version=f"fastzip {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    tour = sub.add_parser("tour", help="run every codec beside its peers on sample data")
    tour.add_argument("--size", type=int, default=1 << 20, help="bytes of each corpus (default 1 MiB)")
    tour.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (best is kept)")
    tour.set_defaults(func=_cmd_tour)

    huff = sub.add_parser("huffman", help="canonical Huffman byte codec")
    huff.add_argument("action", choices=["compress", "decompress"])
    huff.add_argument("input", help="input file, or - for stdin")
    huff.add_argument("output", help="output file, or - for stdout")
    huff.add_argument("--impl", choices=["native", "reference"], default="native")
    huff.add_argument("--max-output-size", type=int, default=None, help="refuse to decompress more than N bytes")
    huff.set_defaults(func=_cmd_huffman)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FastzipError as exc:
        print(f"fastzip: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"fastzip: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
