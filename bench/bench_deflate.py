"""DEFLATE side by side: fastzip vs zlib (stdlib), zlib-ng, libdeflate (``deflate``) and ISA-L (``isal``).

    pytest bench/bench_deflate.py --benchmark-only --benchmark-columns=min,median,ops

Corpora: 20 MiB each of stdlib sources, machine code (``binary``) and the photos' pixels with a
float32 field (``mix``, ``fastzip.data.array_mix``); decompression also a ``sparse`` float32
array (one value in fifty set: runs of zero bytes, copied at distance 1). Groups
``deflate-compress-L{1,6,9}[corpus]`` hold fastzip and every peer at that level (ISA-L has
levels 0-3 only: its 1, 2 and 3 stand in the groups of 1, 6 and 9), ``deflate-compress-L12``
holds libdeflate's near-optimal level; ``deflate-decompress[corpus]`` decodes one zlib -6
stream with each (libdeflate is told the output size; fastzip both with and without it);
``deflate-small-{compress-L1,compress-L6,decompress}[300|4096]`` one short message of text
each way; ``deflate-fed`` a stream fed in pieces to each ``decompressobj`` (``-bounded``: each
call's output bounded by max_length); ``deflate-messages-L{1,6}`` small messages through one
``compressobj``, each flushed; ``deflate-open-read`` a whole gzip file read with
``open(...).read()``. Every row's extra_info has the ratio and MB/s.
"""

import zlib

import pytest

from fastzip import data, deflate

from .helpers import record

SIZE = 20 << 20
CORPORA = ["text", "binary", "mix"]


def sparse_field(size: int) -> bytes:
    import numpy as np

    rng = np.random.default_rng(0)
    field = np.zeros(size // 4, np.float32)
    field[rng.integers(0, field.size, field.size // 50)] = rng.normal(size=field.size // 50)
    return field.tobytes()


@pytest.fixture(scope="module")
def big_corpora():
    return {"text": data.stdlib_text(SIZE), "binary": data.shared_library_code(SIZE), "mix": data.array_mix(SIZE),
            "sparse": sparse_field(SIZE)}


def _peers():
    peers = {"zlib": (lambda b, level: zlib.compress(b, level), zlib.decompress)}
    try:
        from zlib_ng import zlib_ng

        peers["zlib-ng"] = (lambda b, level: zlib_ng.compress(b, level), zlib_ng.decompress)
    except ImportError:
        pass
    try:
        import deflate as libdeflate

        peers["libdeflate"] = (lambda b, level: libdeflate.zlib_compress(b, level),
                               lambda b, size=None: libdeflate.zlib_decompress(b, size))
    except ImportError:
        pass
    try:
        from isal import isal_zlib

        peers["isal"] = (lambda b, level: isal_zlib.compress(b, {1: 1, 6: 2, 9: 3}[level]), isal_zlib.decompress)
    except ImportError:
        pass
    return peers


PEERS = _peers()
ROUNDS = {1: 5, 6: 3, 9: 2, 12: 1}


def _run(benchmark, fn, level):
    return benchmark.pedantic(fn, rounds=ROUNDS[level], iterations=1, warmup_rounds=0)


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("level", [1, 6, 9])
@pytest.mark.parametrize("codec", ["fastzip"] + list(PEERS))
def test_compress(benchmark, big_corpora, corpus, level, codec):
    raw = big_corpora[corpus]
    benchmark.group = f"deflate-compress-L{level}[{corpus}]"
    benchmark.extra_info["corpus"] = data.describe(corpus, raw)
    if codec == "fastzip":
        packed = _run(benchmark, lambda: deflate.compress(raw, level), level)
    else:
        compress, _ = PEERS[codec]
        packed = _run(benchmark, lambda: compress(raw, level), level)
    assert zlib.decompress(packed) == raw
    record(benchmark, len(raw), len(packed))


def _strategy_peers():
    peers = {"zlib": zlib}
    try:
        from zlib_ng import zlib_ng

        peers["zlib-ng"] = zlib_ng
    except ImportError:
        pass
    return peers


STRATEGY_PEERS = _strategy_peers()
STRATEGY_NUMBERS = {"filtered": zlib.Z_FILTERED, "huffman_only": zlib.Z_HUFFMAN_ONLY, "rle": zlib.Z_RLE,
                    "fixed": zlib.Z_FIXED}


@pytest.mark.parametrize("strategy", list(STRATEGY_NUMBERS))
@pytest.mark.parametrize("codec", ["fastzip"] + list(STRATEGY_PEERS))
def test_strategies(benchmark, codec, strategy):
    """zlib's strategies at level 6 on PNG-filtered photo rows, beside zlib's and zlib-ng's."""
    raw = data.png_filtered_rows()
    benchmark.group = f"deflate-strategy-{strategy}[png-rows]"
    if codec == "fastzip":
        packed = benchmark.pedantic(lambda: deflate.compress(raw, 6, strategy=strategy), rounds=3, iterations=1)
    else:
        peer = STRATEGY_PEERS[codec]

        def run():
            c = peer.compressobj(6, zlib.DEFLATED, 15, 8, STRATEGY_NUMBERS[strategy])
            return c.compress(raw) + c.flush()

        packed = benchmark.pedantic(run, rounds=3, iterations=1)
    assert zlib.decompress(packed) == raw
    record(benchmark, len(raw), len(packed))


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("codec", ["fastzip", "libdeflate"])
def test_compress_level_12(benchmark, big_corpora, corpus, codec):
    raw = big_corpora[corpus]
    benchmark.group = f"deflate-compress-L12[{corpus}]"
    if codec == "fastzip":
        if 12 not in deflate.LEVELS:
            pytest.skip("fastzip has no level 12 yet")
        packed = _run(benchmark, lambda: deflate.compress(raw, 12), 12)
    else:
        if "libdeflate" not in PEERS:
            pytest.skip("libdeflate (the deflate package) is not installed")
        packed = _run(benchmark, lambda: PEERS["libdeflate"][0](raw, 12), 12)
    assert zlib.decompress(packed) == raw
    record(benchmark, len(raw), len(packed))


@pytest.mark.parametrize("corpus", CORPORA + ["sparse"])
@pytest.mark.parametrize("codec", ["fastzip", "fastzip-sized"] + list(PEERS))
def test_decompress(benchmark, big_corpora, corpus, codec):
    """``fastzip-sized`` is told the output size, as libdeflate always is (``size_hint``)."""
    raw = big_corpora[corpus]
    packed = zlib.compress(raw, 6)
    benchmark.group = f"deflate-decompress[{corpus}]"
    if codec == "fastzip":
        out = benchmark.pedantic(deflate.decompress, args=(packed,), rounds=5, iterations=1)
    elif codec == "fastzip-sized":
        out = benchmark.pedantic(deflate.decompress, args=(packed,), kwargs={"size_hint": len(raw)}, rounds=5,
                                 iterations=1)
    elif codec == "libdeflate":
        out = benchmark.pedantic(PEERS[codec][1], args=(packed, len(raw)), rounds=5, iterations=1)
    else:
        out = benchmark.pedantic(PEERS[codec][1], args=(packed,), rounds=5, iterations=1)
    assert out == raw
    record(benchmark, len(raw), len(packed))


def _feed(decoder, packed: bytes, piece: int) -> bytes:
    return b"".join(decoder.decompress(packed[i:i + piece]) for i in range(0, len(packed), piece))


def _stream_peers():
    """Each library's fed decompressor (``zlib.decompressobj`` and its kind) for a zlib stream,
    and its ``compressobj`` at a level (ISA-L's 1 and 2 standing in for 1 and 6, as above)."""
    peers = {"zlib": (zlib.decompressobj, zlib.compressobj)}
    try:
        from zlib_ng import zlib_ng

        peers["zlib-ng"] = (zlib_ng.decompressobj, zlib_ng.compressobj)
    except ImportError:
        pass
    try:
        from isal import isal_zlib

        peers["isal"] = (isal_zlib.decompressobj, lambda level: isal_zlib.compressobj({1: 1, 6: 2}[level]))
    except ImportError:
        pass
    return peers


STREAM_PEERS = _stream_peers()


@pytest.mark.parametrize("level", [1, 6])
@pytest.mark.parametrize("codec", ["fastzip"] + list(STREAM_PEERS))
def test_flushed_messages(benchmark, big_corpora, codec, level):
    """2000 messages of 1 KiB of text through one compressor, each sync-flushed so that the
    reader has it at once (a chat or a websocket connection): the cost of resuming a stream."""
    text = big_corpora["text"]
    messages = [text[i:i + 1024] for i in range(0, 2000 * 1024, 1024)]
    make = (lambda: deflate.Compressor(level)) if codec == "fastzip" else (lambda: STREAM_PEERS[codec][1](level))

    def send():
        packer = make()
        return [packer.compress(m) + packer.flush(zlib.Z_SYNC_FLUSH) for m in messages]

    benchmark.group = f"deflate-messages-L{level}[text, 1 KiB messages, each flushed]"
    parts = benchmark.pedantic(send, rounds=3, iterations=1)
    assert zlib.decompressobj().decompress(b"".join(parts)) == b"".join(messages)
    record(benchmark, sum(map(len, messages)), sum(map(len, parts)))


@pytest.mark.parametrize("piece", [1, 64])
@pytest.mark.parametrize("codec", ["fastzip"] + list(STREAM_PEERS))
def test_fed_decompression(benchmark, big_corpora, codec, piece):
    """8 MiB of text as a zlib -6 stream fed 64 KiB (a pipe's pieces) or 1 KiB (a small
    network message's) at a time to each library's ``decompressobj`` (fastzip:
    ``Decompressor()``)."""
    raw = big_corpora["text"][:8 << 20]
    packed = zlib.compress(raw, 6)
    benchmark.group = f"deflate-fed[text, {piece} KiB pieces]"
    make = (lambda: deflate.Decompressor(format="zlib")) if codec == "fastzip" else STREAM_PEERS[codec][0]
    out = benchmark.pedantic(lambda: _feed(make(), packed, piece << 10), rounds=5, iterations=1)
    assert out == raw
    record(benchmark, len(raw), len(packed))


def _feed_bounded(decoder, packed: bytes, piece: int, most: int) -> bytes:
    """Fed as :func:`_feed`, each call making at most ``most`` bytes (zlib's max_length), what
    it leaves in ``unconsumed_tail`` given again before the next piece."""
    out = []
    for i in range(0, len(packed), piece):
        out.append(decoder.decompress(packed[i:i + piece], most))
        while decoder.unconsumed_tail:
            out.append(decoder.decompress(decoder.unconsumed_tail, most))
    return b"".join(out)


@pytest.mark.parametrize("codec", ["fastzip"] + list(STREAM_PEERS))
def test_fed_bounded_decompression(benchmark, big_corpora, codec):
    """As ``deflate-fed``, each call bounded to 64 KiB of output (how an HTTP client bounds
    what one compressed chunk may expand to)."""
    raw = big_corpora["text"][:8 << 20]
    packed = zlib.compress(raw, 6)
    benchmark.group = "deflate-fed-bounded[text, 64 KiB pieces, 64 KiB a call]"
    make = (lambda: deflate.Decompressor(format="zlib")) if codec == "fastzip" else STREAM_PEERS[codec][0]
    out = benchmark.pedantic(lambda: _feed_bounded(make(), packed, 1 << 16, 1 << 16), rounds=5, iterations=1)
    assert out == raw
    record(benchmark, len(raw), len(packed))


@pytest.mark.parametrize("codec", ["fastzip", "gzip"])
def test_whole_file_read(benchmark, big_corpora, tmp_path, codec):
    """``open(path).read()`` of an 8 MiB gzip file of text, fastzip's beside :func:`gzip.open`'s."""
    import gzip

    raw = big_corpora["text"][:8 << 20]
    path = tmp_path / "text.gz"
    path.write_bytes(gzip.compress(raw, 6))
    benchmark.group = "deflate-open-read[text]"
    opener = deflate.open if codec == "fastzip" else gzip.open

    def read():
        with opener(path, "rb") as f:
            return f.read()

    assert benchmark.pedantic(read, rounds=5, iterations=1) == raw
    record(benchmark, len(raw), path.stat().st_size)


@pytest.mark.parametrize("size", [300, 4096])
@pytest.mark.parametrize("direction", ["compress-L1", "compress-L6", "decompress"])
@pytest.mark.parametrize("codec", ["fastzip"] + list(PEERS))
def test_small_messages(benchmark, big_corpora, direction, size, codec):
    """One message of ``size`` bytes of text compressed at level 1 or 6, or its zlib -6 stream
    decoded (libdeflate told the size, as it must be): where the per-call work around the
    kernels (allocating and clearing the match finder, planning a block) sets the speed."""
    raw = big_corpora["text"][1 << 20:(1 << 20) + size]
    packed = zlib.compress(raw, 6)
    benchmark.group = f"deflate-small-{direction}[{size}]"
    if direction.startswith("compress"):
        level = int(direction[-1])
        compress = ((lambda b: deflate.compress(b, level)) if codec == "fastzip"
                    else (lambda b: PEERS[codec][0](b, level)))
        out = benchmark.pedantic(compress, args=(raw,), rounds=20, iterations=200, warmup_rounds=1)
        assert zlib.decompress(out) == raw
        record(benchmark, len(raw), len(out))
        return
    if codec == "fastzip":
        out = benchmark.pedantic(deflate.decompress, args=(packed,), rounds=20, iterations=200, warmup_rounds=1)
    else:
        args = (packed, len(raw)) if codec == "libdeflate" else (packed,)
        out = benchmark.pedantic(PEERS[codec][1], args=args, rounds=20, iterations=200, warmup_rounds=1)
    assert out == raw
    record(benchmark, len(raw), len(packed))
