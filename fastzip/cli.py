"""The ``fastzip`` command: argument parsing and files around the public API.

    fastzip tour                              every codec beside its peers on sample data
    fastzip compress [-0..-12] [-c] [-k] [-f] [FILE...]    gzip files like gzip (stdin when no FILE)
    fastzip decompress [-c] [-k] [-f] [-t] [FILE.gz...]
    fastzip jpeg encode IN OUT.jpg [-q 75] [--subsampling 4:2:0] [--optimize] [--restart N]
                                   [--progressive [--optimize-scans]] [--trellis]
    fastzip jpeg decode IN.jpg OUT.png        (reading and writing other image files needs Pillow)
    fastzip jpeg info IN.jpg
    fastzip ae train DATA -o CODEC.fzc [--model conv] [--lambda L] [--minutes M | --steps N]
    fastzip ae encode CODEC.fzc DATA -o CODES.fza [--lossless]    (DATA: folder, .npy or builtin:NAME)
    fastzip ae decode CODEC.fzc CODES.fza -o OUT                  (OUT: folder of PNGs or .npy)
    fastzip ae info FILE
    fastzip huffman compress IN OUT           fastzip's Huffman stream ("-" for stdin/stdout)
    fastzip huffman decompress IN OUT [--max-output-size N]
"""

from __future__ import annotations

import argparse
import os
import shutil
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


_CHUNK = 1 << 20


def _copy(src, dst) -> None:
    while chunk := src.read(_CHUNK):
        dst.write(chunk)


def _cmd_gzip(args) -> int:
    """gzip's behaviour: FILE -> FILE.gz (and back), the input removed unless -k, -c to stdout."""
    from . import deflate

    files = args.files or ["-"]
    status = 0
    for name in files:
        try:
            if args.command == "compress":
                _gzip_one(deflate, name, args)
            else:
                _gunzip_one(deflate, name, args)
        except BrokenPipeError:
            raise  # the reader is gone: no later file can be written either (see main)
        except (FastzipError, OSError) as exc:
            print(f"fastzip: {name}: {exc}", file=sys.stderr)
            status = 1
    return status


def _gzip_one(deflate, name, args) -> None:
    if name == "-":
        if args.index:  # the index goes in the header: the whole input first
            sys.stdout.buffer.write(deflate.compress(sys.stdin.buffer.read(), args.level, format="gzip", mtime=0,
                                                     threads=args.threads, index=True, strategy=args.strategy))
            return
        with deflate.open(sys.stdout.buffer, "wb", level=args.level, mtime=0, threads=args.threads,
                          strategy=args.strategy) as out:
            _copy(sys.stdin.buffer, out)
        return
    if name.endswith(".gz"):
        raise FastzipError("already has the .gz suffix")
    target = name + ".gz"
    if not args.stdout and os.path.exists(target) and not args.force:
        raise FastzipError(f"{target} already exists (use -f to overwrite)")
    with open(name, "rb") as src:
        mtime = os.stat(src.fileno()).st_mtime
        raw = sys.stdout.buffer if args.stdout else open(target, "wb")
        try:
            if args.index:
                raw.write(deflate.compress(src.read(), args.level, format="gzip", mtime=mtime,
                                           filename=os.path.basename(name), threads=args.threads, index=True,
                                           strategy=args.strategy))
            else:
                with deflate.open(raw, "wb", level=args.level, mtime=mtime, filename=os.path.basename(name),
                                  threads=args.threads, strategy=args.strategy) as out:
                    _copy(src, out)
        except BaseException:
            if not args.stdout:
                raw.close()
                os.unlink(target)
            raise
        if not args.stdout:
            raw.close()
    if not args.stdout:
        shutil.copystat(name, target)
        if not args.keep:
            os.unlink(name)


def _gunzip_one(deflate, name, args) -> None:
    limit = args.max_output_size
    if name == "-":
        with deflate.open(sys.stdin.buffer, "rb", max_output_size=limit, threads=args.threads) as src:
            if args.test:
                while src.read(_CHUNK):
                    pass
            else:
                _copy(src, sys.stdout.buffer)
        return
    if args.test:
        with deflate.open(name, "rb", max_output_size=limit, threads=args.threads) as src:
            while src.read(_CHUNK):
                pass
        return
    if not name.endswith(".gz"):
        raise FastzipError("unknown suffix (expected .gz)")
    target = name[:-3]
    if args.stdout:
        with deflate.open(name, "rb", max_output_size=limit, threads=args.threads) as src:
            _copy(src, sys.stdout.buffer)
        return
    if os.path.exists(target) and not args.force:
        raise FastzipError(f"{target} already exists (use -f to overwrite)")
    try:
        with deflate.open(name, "rb", max_output_size=limit, threads=args.threads) as src, open(target, "wb") as dst:
            _copy(src, dst)
    except BaseException:
        if os.path.exists(target):
            os.unlink(target)
        raise
    shutil.copystat(name, target)
    if not args.keep:
        os.unlink(name)


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise FastzipError("reading or writing image files other than JPEG needs Pillow: pip install pillow") from None
    return Image


def _cmd_jpeg(args) -> int:
    import numpy as np

    from . import jpeg

    if args.action == "info":
        header = jpeg.read_header(_read(args.input))
        sampling = " ".join(f"{h}x{v}" for h, v in header.sampling)
        print(f"{args.input}: {header.width}x{header.height}, {len(header.components)} component(s), "
              f"sampling {sampling}, restart interval {header.restart_interval}")
        for k, table in sorted(header.quant_tables.items()):
            print(f"  quantization table {k}: first row {table[0].tolist()}")
        return 0
    if args.action == "encode":
        Image = _pillow()
        with Image.open(args.input) as im:
            img = np.asarray(im.convert("L" if im.mode in ("L", "1", "I;16", "I") else "RGB"))
        _write(args.output, jpeg.encode(img, quality=args.quality, subsampling=args.subsampling,
                                        optimize=args.optimize, restart_interval=args.restart,
                                        progressive=args.progressive or args.optimize_scans,
                                        optimize_scans=args.optimize_scans, trellis=args.trellis))
        return 0
    pixels = jpeg.decode(_read(args.input))
    Image = _pillow()
    Image.fromarray(pixels).save(args.output)
    return 0


def _cmd_image(args) -> int:
    """The latent-grid codec on one picture: encode (torch), decode and info (torch-free)."""
    import numpy as np

    from .neural.grid import codec, stream

    if args.action in ("encode", "decode") and not args.output:
        print(f"fastzip: error: image {args.action} needs an output file", file=sys.stderr)
        return 2
    if args.action == "encode":
        Image = _pillow()
        with Image.open(args.input) as im:
            pixels = np.asarray(im.convert("RGB"))
        if args.minutes is None and args.steps is None:
            args.minutes = 10.0
        if args.bpp is not None:
            made = codec.encode_at_bpp(pixels, args.bpp, minutes=args.minutes, steps=args.steps, seed=args.seed)
        else:
            made = codec.encode(pixels, lam=args.lam, minutes=args.minutes, steps=args.steps, seed=args.seed)
        _write(args.output, made.data)
        print(f"{args.output}: {len(made.data)} bytes, {made.info['bpp']:.4f} bpp, PSNR {made.info['psnr']:.2f} dB "
              f"after {made.info['steps']} steps ({made.info['seconds']:.0f} s)")
        return 0
    data = _read(args.input)
    if args.action == "info":
        height, width, _, steps, latents = stream.loads(data)
        print(f"{args.input}: {width}x{height}, {len(data)} bytes, {8 * len(data) / (width * height):.4f} bpp "
              f"({len(latents)} bytes of latents)")
        return 0
    _pillow().fromarray(codec.decode(data)).save(args.output)
    return 0


def _cmd_archive(args) -> int:
    """An image set in one file: the overfit-VAE archive (``--codec vae``, the thesis) or the
    latent-grid archive (``--codec grid``). extract and info tell them apart by their magic."""
    if args.action in ("create", "extract") and not args.output:
        print(f"fastzip: error: archive {args.action} needs -o/--output", file=sys.stderr)
        return 2
    if args.action == "create":
        if args.minutes is None and args.steps is None:
            args.minutes = 10.0
        try:
            return (_create_grid_archive if args.codec == "grid" else _create_vae_archive)(args)
        except ImportError as exc:
            print(f"fastzip: error: making archives needs torch ({exc}); pip install torch==2.13.0", file=sys.stderr)
            return 1
    from .neural import archive
    from .neural.grid import archive as grid_archive

    with open(args.input, "rb") as f:
        is_grid = f.read(4) == grid_archive.FORMAT.magic
    if args.action == "extract":
        try:
            paths = (grid_archive.extract(args.input, args.output) if is_grid else
                     archive.extract(args.input, args.output, engine=args.engine))
        except ImportError as exc:
            print(f"fastzip: error: {exc}", file=sys.stderr)
            return 1
        for path in paths:
            print(path)
        return 0
    return (_grid_archive_info if is_grid else _vae_archive_info)(args.input)


def _create_vae_archive(args) -> int:
    from .neural import archive, images
    from .neural.vae import overfit

    names, sizes, pixels = images.load_dir(args.input, args.size)
    overrides = {"latent": args.latent} if args.latent else {}
    result = overfit.create(names, sizes, pixels, model=args.model, prune=args.prune, quant=args.quant,
                            minutes=args.minutes, steps=args.steps, target_psnr=args.target_psnr, seed=args.seed,
                            **overrides)
    written = archive.save(result, args.output)
    raw = pixels.nbytes
    print(f"{args.output}: {len(names)} images, {written} bytes, ratio {raw / written:.2f} "
          f"(raw {raw} bytes at {args.size}x{args.size}), PSNR {result.info['psnr']:.2f} dB, "
          f"{result.info['train_seconds']:.0f} s of training")
    return 0


def _create_grid_archive(args) -> int:
    from .neural import images
    from .neural.grid import archive

    names, pixels = images.load_originals(args.input)
    made, infos = archive.create(names, pixels, lam=args.lam, bpp=args.bpp, minutes=args.minutes, steps=args.steps,
                                 share=args.share, seed=args.seed)
    written = archive.save(made, args.output)
    raw = sum(p.nbytes for p in pixels)
    for name, info, image in zip(names, infos, pixels):
        size = info["bytes"] if args.share is None else info["latent_bytes"] + info["synthesis_bytes"]
        what = {None: "", "arm": " of synthesis and latents", "all": " of latents"}[args.share]
        print(f"  {name}: {size} bytes{what}, {8 * size / (image.shape[0] * image.shape[1]):.4f} bpp, "
              f"PSNR {info['psnr']:.2f} dB")
    if args.share:
        print(f"  networks ({'the shared ARM and each synthesis' if args.share == 'arm' else 'shared'}): "
              f"{made.network_bytes()} bytes")
    print(f"{args.output}: {len(names)} images, {written} bytes, ratio {raw / written:.2f} (raw {raw} bytes)")
    return 0


def _vae_archive_info(path) -> int:
    from pathlib import Path

    from .neural import archive

    data = archive.load(path)
    size = Path(path).stat().st_size
    side = data.config.image_size
    raw = len(data.names) * side * side * 3
    print(f"{path}: VAE archive, {size} bytes, {len(data.names)} images at {side}x{side}, ratio {raw / size:.2f} "
          f"(raw {raw} bytes)")
    print(f"  model {data.config}, weights {data.quant}")
    for key in sorted(data.info):
        print(f"  {key}: {data.info[key]}")
    for name, (h, w) in zip(data.names, data.sizes):
        print(f"  {name} (originally {w}x{h})")
    return 0


def _grid_archive_info(path) -> int:
    from pathlib import Path

    from .neural.grid import archive

    data = archive.load(path)
    size = Path(path).stat().st_size
    sizes = data.sizes()
    raw = sum(3 * h * w for h, w in sizes)
    print(f"{path}: grid archive, {size} bytes, {len(data.names)} images, ratio {raw / size:.2f} (raw {raw} bytes)")
    kind = {None: "a synthesis and an ARM per image", "arm": "one ARM for the set, a synthesis per image",
            "all": "one synthesis and one ARM for the set"}[data.share]
    print(f"  networks: {kind}, {data.network_bytes()} bytes in all")
    what = {None: "", "arm": " (size, synthesis, latents)", "all": " (size and latents)"}[data.share]
    for name, (h, w), blob in zip(data.names, sizes, data.streams):
        print(f"  {name}: {w}x{h}, {len(blob)} bytes{what}, {8 * len(blob) / (h * w):.4f} bpp")
    return 0


def _add_gzip_parser(sub, name, help_text):
    p = sub.add_parser(name, help=help_text)
    p.add_argument("files", nargs="*", metavar="FILE", help="files to process (stdin/stdout when none or -)")
    p.add_argument("-c", "--stdout", action="store_true", help="write to standard output, keep the input")
    p.add_argument("-k", "--keep", action="store_true", help="keep the input file")
    p.add_argument("-f", "--force", action="store_true", help="overwrite existing output files")
    if name == "compress":
        for level in range(13):
            p.add_argument(f"-{level}", dest="level", action="store_const", const=level,
                           help=argparse.SUPPRESS if level not in (0, 1, 9, 12) else
                           {0: "store only", 1: "fastest (-1..-9 as gzip)", 9: "smallest of the quick levels",
                            12: "near-optimal parsing (-10..-12), slow"}[level])
        p.set_defaults(level=6)
        p.add_argument("-p", "--processes", "--threads", dest="threads", type=int, default=None, metavar="N",
                       help="compress on N threads, in 1 MiB pieces joined into one gzip stream (as pigz -p)")
        p.add_argument("--index", action="store_true",
                       help="independent pieces, their sizes in the header: any gzip reads the file, fastzip "
                            "decompresses it on every core and seeks in it (reads the whole input first)")
        p.add_argument("--strategy", choices=["default", "filtered", "huffman_only", "rle", "fixed"],
                       default="default", help="zlib's strategies (pigz -H is huffman_only, -U rle)")
    else:
        p.add_argument("-p", "--processes", "--threads", dest="threads", type=int, default=None, metavar="N",
                       help="threads for files written with --index (others decode on one)")
        p.add_argument("-t", "--test", action="store_true", help="test integrity, write nothing")
        p.add_argument("--max-output-size", type=int, default=None, help="refuse to produce more than N bytes")
    p.set_defaults(func=_cmd_gzip)


def _cmd_tour(args) -> int:
    from . import tour

    print(f"fastzip {__version__} tour: ratio and speed beside peers (best of {args.repeat} warm runs, one thread)")
    header = f"{'codec':<38} {'ratio':>7} {'comp MB/s':>10} {'dec MB/s':>10}  note"
    for corpus, raw in tour.corpora(args.size).items():
        print(f"\n{corpus}\n{header}\n{'-' * len(header)}")
        rows = [*tour.huffman_rows(raw, corpus, repeat=args.repeat), *tour.lz77_rows(raw, corpus),
                *tour.deflate_rows(raw, corpus, repeat=args.repeat)]
        for row in rows:
            print(f"{row.codec:<38} {row.ratio:>7.3f} {row.compress_mbps:>10.1f} {row.decompress_mbps:>10.1f}  {row.note}")
    photo, name = tour.sample_photo()
    if photo is not None:
        print(f"\n{name}\n{header}\n{'-' * len(header)}")
        for row in tour.jpeg_rows(photo, name, repeat=args.repeat):
            print(f"{row.codec:<38} {row.ratio:>7.3f} {row.compress_mbps:>10.1f} {row.decompress_mbps:>10.1f}  {row.note}")
    for seconds, learned_rows in ((args.vae_seconds, tour.vae_rows), (args.grid_seconds, tour.grid_rows),
                                  (args.ae_seconds, tour.ae_rows)):
        rows = list(learned_rows(seconds)) if seconds > 0 else []
        if rows:
            print(f"\n{rows[0].corpus}\n{header}\n{'-' * len(header)}")
        for row in rows:
            print(f"{row.codec:<38} {row.ratio:>7.3f} {row.compress_mbps:>10.3f} {row.decompress_mbps:>10.1f}  {row.note}")
    return 0


def _cmd_ae(args) -> int:
    """The autoencoder codecs: train (torch) on a collection, then encode, decode and info
    (numpy + Numba)."""
    from .neural.ae import files
    from .neural.ae.codec import CODEC_FORMAT, SHIPPED, Codec, read_codes

    if args.action == "info":
        if args.inputs[0] in SHIPPED and not os.path.exists(args.inputs[0]):
            codec = Codec.load(args.inputs[0])
            data = codec.dumps()
        else:
            data = _read(args.inputs[0])
        if data[:4] == CODEC_FORMAT.magic:
            codec = Codec.loads(data)
            print(f"{args.inputs[0]}: {codec.describe()}")
            for key in ("lambda", "steps", "seconds", "train_images"):
                if key in codec.meta:
                    print(f"  {key}: {codec.meta[key]}")
            if "heldout" in codec.meta:
                print(f"  held out: {codec.meta['heldout']}")
        else:
            print(f"{args.inputs[0]}: autoencoder codes, {len(data)} bytes, {read_codes(data).describe()}")
        return 0
    wanted = {"train": 1, "encode": 2, "decode": 2}[args.action]
    if len(args.inputs) != wanted or not args.output:
        usage = {"train": "DATA -o CODEC.fzc", "encode": "CODEC.fzc DATA -o CODES.fza",
                 "decode": "CODEC.fzc CODES.fza -o OUT"}[args.action]
        print(f"fastzip: error: usage: fastzip ae {args.action} {usage}", file=sys.stderr)
        return 2
    if args.action == "train":
        try:
            from .neural.ae import train
        except ImportError as exc:
            print(f"fastzip: error: training needs torch ({exc}); pip install torch==2.13.0", file=sys.stderr)
            return 1
        images = files.read(args.inputs[0])
        if args.minutes is None and args.steps is None:
            args.minutes = 5.0
        made = train.train(images, args.model, lam=args.lam, minutes=args.minutes, steps=args.steps,
                           holdout=args.holdout, latent=args.latent, seed=args.seed)
        written = made.codec.save(args.output)
        print(f"{args.output}: {made.codec.describe()}; trained {made.steps} steps ({made.seconds:.0f} s) "
              f"on {len(made.train_index)} images")
        if "heldout" in made.codec.meta:
            h = made.codec.meta["heldout"]
            print(f"  {h['images']} held-out images: {h['bytes_per_image']} bytes each ({h['bpp']} bpp), "
                  f"PSNR {h['psnr']} dB; lossless {h['lossless_bpp']} bpp")
        return 0 if written else 1
    codec = Codec.load(args.inputs[0])
    if args.action == "encode":
        images = files.read(args.inputs[1])
        data = codec.encode(images, lossless=args.lossless, coder=args.coder)
        _write(args.output, data)
        pixels = images.shape[0] * images.shape[1] * images.shape[2]
        print(f"{args.output}: {len(images)} images in {len(data)} bytes ({len(data) / len(images):.1f} bytes each, "
              f"{8 * len(data) / pixels:.4f} bpp{', lossless' if args.lossless else ''})")
        return 0
    images = codec.decode(_read(args.inputs[1]))
    paths = files.write(images, args.output)
    print(f"{args.output}: {len(images)} images ({len(paths)} file{'s' if len(paths) > 1 else ''})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .neural import registry  # torch-free: the names the archive commands offer
    parser = argparse.ArgumentParser(prog="fastzip", description="Compression codecs with native kernels.")
    parser.add_argument("--version", action="version", version=f"fastzip {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    tour = sub.add_parser("tour", help="run every codec beside its peers on sample data")
    tour.add_argument("--size", type=int, default=1 << 20, help="bytes of each corpus (default 1 MiB)")
    tour.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (best is kept)")
    tour.add_argument("--vae-seconds", type=float, default=30.0,
                      help="training time of the VAE archive row (0 skips it; needs torch)")
    tour.add_argument("--grid-seconds", type=float, default=30.0,
                      help="training time of the latent-grid codec row (0 skips it; needs torch and numba)")
    tour.add_argument("--ae-seconds", type=float, default=15.0,
                      help="training time of the autoencoder codec row (0 skips it; needs torch and numba)")
    tour.set_defaults(func=_cmd_tour)

    _add_gzip_parser(sub, "compress", "gzip files (DEFLATE levels 0-12), like gzip")
    _add_gzip_parser(sub, "decompress", "gunzip files, like gzip -d")

    jp = sub.add_parser("jpeg", help="JPEG encoder and decoder (baseline and progressive)")
    jp.add_argument("action", choices=["encode", "decode", "info"])
    jp.add_argument("input")
    jp.add_argument("output", nargs="?")
    jp.add_argument("-q", "--quality", type=int, default=75)
    jp.add_argument("--subsampling", choices=["4:2:0", "4:2:2", "4:4:4"], default="4:2:0")
    jp.add_argument("--optimize", action="store_true", help="Huffman tables built for the image")
    jp.add_argument("--restart", type=int, default=0, help="restart interval in MCUs")
    jp.add_argument("--progressive", action="store_true", help="a progressive file (libjpeg's scan script)")
    jp.add_argument("--optimize-scans", action="store_true",
                    help="progressive, with each component's scans chosen for the smallest file")
    jp.add_argument("--trellis", action="store_true", help="rate-distortion choice of each block's values")
    jp.set_defaults(func=_cmd_jpeg)

    img = sub.add_parser("image", help="the latent-grid codec: one picture in a few bytes (encode needs torch)")
    img.add_argument("action", choices=["encode", "decode", "info"])
    img.add_argument("input")
    img.add_argument("output", nargs="?")
    img.add_argument("--lambda", dest="lam", type=float, default=0.002,
                     help="rate-distortion trade-off: larger spends fewer bits (default 0.002)")
    img.add_argument("--bpp", type=float, default=None,
                     help="target bits per pixel instead of --lambda (a short search for lambda first)")
    img.add_argument("--minutes", type=float, default=None, help="encoding budget (default 10)")
    img.add_argument("--steps", type=int, default=None, help="training steps instead of a time budget")
    img.add_argument("--seed", type=int, default=0)
    img.set_defaults(func=_cmd_image)

    arc = sub.add_parser("archive", help="an image set in one file: latent-grid or overfit-VAE archive "
                         "(create needs torch; extract and info do not)")
    arc.add_argument("action", choices=["create", "extract", "info"])
    arc.add_argument("input", help="image directory (create) or archive file")
    arc.add_argument("-o", "--output", help="archive file (create) or output directory (extract)")
    arc.add_argument("--codec", choices=("vae", "grid"), default="vae",
                     help="grid: one latent-grid stream per image at its own size; vae: the thesis's archive "
                          "(one decoder, images fitted to --size)")
    arc.add_argument("--lambda", dest="lam", type=float, default=0.002, help="grid: rate-distortion trade-off")
    arc.add_argument("--bpp", type=float, default=None, help="grid: target bits per pixel instead of --lambda")
    arc.add_argument("--share", nargs="?", const="arm", default=None, choices=("arm", "all"),
                     help="grid: networks shared by the set, trained on all of it: the entropy model (arm, the "
                          "default when given) or the synthesis too (all)")
    arc.add_argument("--model", default="yosemite", choices=sorted(registry.MODELS),
                     help="the thesis's VAE family (yosemite = optimized)")
    arc.add_argument("--size", type=int, default=512, help="image side the model trains on")
    arc.add_argument("--latent", type=int, default=None, help="latent size (default: the model's, 128 for yosemite)")
    arc.add_argument("--prune", type=float, default=0.5, help="fraction of decoder weights set to zero")
    arc.add_argument("--quant", choices=registry.QUANTS, default="int8")
    arc.add_argument("--engine", choices=("auto", "numba", "torch"), default="auto",
                     help="what runs the decoder when extracting (auto: Numba, torch-free, where it can)")
    arc.add_argument("--minutes", type=float, default=None,
                     help="training budget of the whole set (default 10; grid: shared in proportion to pixels)")
    arc.add_argument("--steps", type=int, default=None, help="training steps instead of a time budget (grid: per image)")
    arc.add_argument("--target-psnr", type=float, default=None, help="end VAE training at this PSNR (dB)")
    arc.add_argument("--seed", type=int, default=0)
    arc.set_defaults(func=_cmd_archive)

    ae = sub.add_parser("ae", help="autoencoder codecs for collections of small images: train once (torch), "
                        "then encode and decode many (numpy + Numba)")
    ae.add_argument("action", choices=["train", "encode", "decode", "info"])
    ae.add_argument("inputs", nargs="+", help="train: DATA; encode: CODEC DATA; decode: CODEC CODES; info: FILE "
                    "(DATA: a folder of images, an .npy array (N, H, W[, 3]) uint8, or builtin:digits|faces|crops32|crops64; "
                    "CODEC: a .fzc file or a shipped codec by name: digits, faces)")
    ae.add_argument("-o", "--output", help="train: codec file; encode: codes file; decode: a folder (PNG) or .npy")
    ae.add_argument("--model", default="conv", choices=sorted(registry.AE_MODELS),
                    help="dense, conv (a latent grid) or vae (conv trained as a VAE)")
    ae.add_argument("--lambda", dest="lam", type=float, default=0.002,
                    help="rate-distortion trade-off: larger spends fewer bytes (default 0.002)")
    ae.add_argument("--latent", type=int, default=None, help="latent size: numbers (dense) or channels (conv, vae)")
    ae.add_argument("--minutes", type=float, default=None, help="training time (default 5)")
    ae.add_argument("--steps", type=int, default=None, help="training steps instead of a time budget")
    ae.add_argument("--holdout", type=float, default=0.1, help="share of DATA held out and measured (default 0.1)")
    ae.add_argument("--seed", type=int, default=0)
    ae.add_argument("--lossless", action="store_true", help="encode: add the residual, decode exactly")
    ae.add_argument("--coder", choices=("rans", "deflate"), default="rans",
                    help="encode: the entropy coder (deflate for comparison)")
    ae.set_defaults(func=_cmd_ae)

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
    except BrokenPipeError:
        # The reader went away (``| head``, ``| grep -q``): stop quietly, as cat and gzip do,
        # with their status (killed by SIGPIPE); stdout goes to /dev/null so that flushing it
        # at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13
    except FastzipError as exc:
        print(f"fastzip: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"fastzip: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
