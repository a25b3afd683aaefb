"""Every inflate build this CPU runs (portable, and BMI2 where it has BMI2) decodes the same way:
the same bytes, the same status and the same input used, for valid streams of every kind and
for damaged ones; and the build chosen is the best one the CPU runs."""

import zlib
from bisect import bisect_right

import numpy as np
import pytest

from fastzip.deflate import compress, engine

from common import mutants
from deflate_craft import DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA, fixed_block

KERNELS = list(engine.INFLATE_KERNELS)


def longest_codes(size=200_000, seed=3):
    """Bytes drawn with Fibonacci weights, so that literal codes reach the 15-bit limit (past the
    decoder's 11-bit primary index, into its subtables), with copies from 8 bytes to 32 KiB back."""
    rng = np.random.default_rng(seed)
    fib = [1, 1]
    while len(fib) < 26:
        fib.append(fib[-1] + fib[-2])
    symbols = (np.arange(26) * 9 + 1) % 256
    out = bytearray(symbols[rng.choice(26, size=size, p=np.array(fib) / sum(fib))].astype(np.uint8).tobytes())
    for at in range(40_000, size - 64, 700):
        back = int(min(at, 8 * 1.5 ** rng.integers(0, 21)))
        out[at:at + 24] = out[at - back:at - back + 24]
    return bytes(out)


def streams(corpora):
    """Raw DEFLATE streams of every block kind: zlib at each level and strategy (stored,
    fixed, dynamic, Huffman-only, run-length), over text, machine code, pixels and bytes with
    the longest codes; and fastzip's own at levels 1, 6 and 12 over those (other block edges)."""
    found = []
    corpora = dict(corpora, longest_codes=longest_codes())
    for name, data in corpora.items():
        for level in (1, 6, 12):
            found.append((f"{name}-fastzip-{level}", data[:300_000], compress(data[:300_000], level, format="raw")))
        data = data[:300_000]
        for level, strategy in [(0, zlib.Z_DEFAULT_STRATEGY), (1, zlib.Z_DEFAULT_STRATEGY), (6, zlib.Z_FILTERED),
                                (9, zlib.Z_DEFAULT_STRATEGY), (6, zlib.Z_HUFFMAN_ONLY), (6, zlib.Z_RLE),
                                (6, zlib.Z_FIXED)]:
            packer = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
            found.append((f"{name}-{level}-{strategy}", data, packer.compress(data) + packer.flush()))
    return found


def decode(kernel, stream, limit=1 << 30, hint=0):
    return engine.INFLATE_KERNELS[kernel].Inflater("crc32").inflate_to_bytes(stream, limit, hint)


def test_the_best_kernel_this_cpu_runs_is_chosen():
    from fastzip._native import inflate
    assert engine.INFLATE_KERNEL == KERNELS[0]
    assert KERNELS[-1] == "portable"
    assert ("bmi2" in KERNELS) <= inflate.BMI2_RUNS_HERE


@pytest.mark.parametrize("kernel", KERNELS)
def test_each_kernel_decodes_every_block_kind(real_corpora, kernel):
    for label, data, stream in streams(real_corpora):
        status, used, out = decode(kernel, stream)
        assert (status, used, out) == (engine.STATUS_DONE, len(stream), data), label


@pytest.mark.parametrize("kernel", KERNELS)
def test_each_kernel_sums_what_it_decodes(real_corpora, kernel):
    data = real_corpora["stdlib_text"][:700_000]
    inflater = engine.INFLATE_KERNELS[kernel].Inflater("adler32")
    inflater.inflate_to_bytes(zlib.compress(data, 6)[2:-4], 1 << 30, 1000)  # a small hint: it grows
    assert inflater.checksum == zlib.adler32(data)


def test_kernels_agree_on_damaged_streams(real_corpora):
    """Same status, input used and output (up to an error) from every kernel."""
    rng = np.random.default_rng(7)
    base = zlib.compress(real_corpora["machine_code"][:40_000], 6)[2:-4]
    for stream in mutants(base, rng, 300, changes=(1, 3), how="flip", cut_every=5):
        results = {kernel: decode(kernel, stream, limit=200_000) for kernel in KERNELS}
        assert len(set(results.values())) == 1, results.keys()


def fixed_stream_of_matches(pairs, prefix):
    """A final fixed-Huffman block: ``prefix`` as literals, then a (distance, length) match per
    pair; and the bytes it decodes to, copied a byte at a time as RFC 1951 defines a copy."""
    items, out = list(prefix), bytearray(prefix)
    for dist, length in pairs:
        sym, dsym = bisect_right(LENGTH_BASE, length) - 1, bisect_right(DIST_BASE, dist) - 1
        items.append((257 + sym, length - LENGTH_BASE[sym], LENGTH_EXTRA[sym],
                      dsym, dist - DIST_BASE[dsym], DIST_EXTRA[dsym]))
        for _ in range(length):
            out.append(out[-dist])
    return fixed_block(items + [256]).bytes(), bytes(out)


@pytest.mark.parametrize("kernel", KERNELS)
def test_each_kernel_copies_every_short_distance_at_every_length(kernel):
    """Copies that overlap what they write (distances 1-48, where the fast loop repeats a
    pattern or copies word by word) at every length 3-258, in shuffled order: a copy's overrun
    past its end, which the next copy overwrites, is then unlike what that copy writes."""
    pairs = [(dist, length) for dist in range(1, 49) for length in range(3, 259)]
    np.random.default_rng(5).shuffle(pairs)
    stream, expected = fixed_stream_of_matches(pairs, bytes(range(7, 7 + 3 * 48, 3)))
    assert decode(kernel, stream) == (engine.STATUS_DONE, len(stream), expected)


@pytest.mark.parametrize("kernel", KERNELS)
def test_each_kernel_stops_at_any_output_bound_and_resumes_inside_a_match(real_corpora, kernel):
    """Given room for only ``step`` more bytes at a time (a caller bounding each call's output,
    as zlib's max_length), a kernel fills exactly that room, splitting a match between calls,
    and resumes where it stopped, the input given ``feed`` bytes more whenever it asks for more
    (what it has not used given again): the same bytes and checksum."""
    pairs = [(dist, length) for dist in (1, 2, 5, 8, 31, 300) for length in (3, 9, 258)]
    short, short_expected = fixed_stream_of_matches(pairs, b"abcdefgh" * 40)
    text = real_corpora["stdlib_text"][:60_000]
    cases = [(short, short_expected), (compress(text, 6, format="raw"), text),
             (zlib.compress(bytes(5000) + text[:9000], 9)[2:-4], bytes(5000) + text[:9000])]
    for stream, expected in cases:
        for step, feed in [(1, 1 << 30), (2, 7), (257, 3), (1000, 100)]:
            inflater = engine.INFLATE_KERNELS[kernel].Inflater("crc32")
            out, pos, at, given, status = bytearray(len(expected)), 0, 0, feed, engine.STATUS_NEED_OUTPUT
            while status != engine.STATUS_DONE:
                room = memoryview(out)[:min(len(out), pos + step)]
                status, used, new_pos = inflater.inflate(stream[at:given], given >= len(stream), room, pos)
                assert status in (engine.STATUS_DONE, engine.STATUS_NEED_INPUT, engine.STATUS_NEED_OUTPUT)
                assert status != engine.STATUS_NEED_OUTPUT or new_pos == len(room)  # filled to the bound
                at, pos = at + used, new_pos
                if status == engine.STATUS_NEED_INPUT:
                    given += feed
            assert (bytes(out), at, inflater.checksum) == (expected, len(stream), zlib.crc32(expected))
    # A split match resumed without the history it copies from is refused, not guessed at.
    inflater = engine.INFLATE_KERNELS[kernel].Inflater()
    stream, _ = fixed_stream_of_matches([(300, 258)], bytes(range(200)) * 2)
    status, used, pos = inflater.inflate(stream, True, bytearray(500), 0)
    assert status == engine.STATUS_NEED_OUTPUT and pos == 500
    status, _, _ = inflater.inflate(stream[used:], True, bytearray(1000), 100)
    assert engine.inflate_error(status).args[0].endswith("before the start of the output")


@pytest.mark.parametrize("kernel", KERNELS)
def test_each_kernel_decodes_through_a_sliding_window(real_corpora, kernel):
    """``inflate_window`` (a fed decoder's step): each call's output comes back as bytes, the
    window's last 32 KiB move to its front when it fills, and matches then reach into them;
    the input fed in pieces from an offset, a bound on each call's output honoured."""
    data = real_corpora["machine_code"][:400_000]
    stream = zlib.compress(data, 9)[2:-4]
    inflater = engine.INFLATE_KERNELS[kernel].Inflater("crc32")
    window, pos, held, out, slides = bytearray(32768 + 50_000), 0, b"", [], 0
    for at in range(0, len(stream), 3000):
        held += stream[at:at + 3000]
        start = 0
        while True:
            status, used, new_pos, piece = inflater.inflate_window(held, start, False, window, pos, 20_000)
            assert len(piece) <= 20_000
            slides += new_pos < pos + len(piece)
            start, pos = start + used, new_pos
            out.append(piece)
            if status != engine.STATUS_NEED_OUTPUT:
                break
        held = held[start:]
    assert status == engine.STATUS_DONE and held == b""
    assert b"".join(out) == data and inflater.checksum == zlib.crc32(data) and slides >= 5
    for start, pos, size in [(-1, 0, 40_000), (len(stream) + 1, 0, 40_000), (0, -1, 40_000), (0, 0, 32768)]:
        with pytest.raises(ValueError):
            engine.INFLATE_KERNELS[kernel].Inflater().inflate_window(stream, start, True, bytearray(size), pos)


@pytest.mark.parametrize("kernel", KERNELS)
def test_each_kernel_fills_a_new_output_in_place(real_corpora, kernel):
    """``inflate_into_new`` (the indexed reader's pieces, decoded into the bytes they return)
    writes exactly ``out[start:stop]`` and refuses a place outside ``out``."""
    from fastzip._native.inflate import new_output

    data = real_corpora["stdlib_text"][:50_000]
    stream = zlib.compress(data, 6)[2:-4]
    out = new_output(len(data) + 20)
    inflater = engine.INFLATE_KERNELS[kernel].Inflater("crc32")
    assert inflater.inflate_into_new(stream, True, out, 7, 7 + len(data)) == (engine.STATUS_DONE, len(stream), len(data))
    assert out[7:7 + len(data)] == data and inflater.checksum == zlib.crc32(data)
    status, _, produced = engine.INFLATE_KERNELS[kernel].Inflater().inflate_into_new(stream, True, out, 0, 1000)
    assert status == engine.STATUS_NEED_OUTPUT and 1000 - 258 < produced <= 1000 and out[:produced] == data[:produced]
    for start, stop in [(-1, 10), (10, 9), (0, len(out) + 1)]:
        with pytest.raises(ValueError, match="outside"):
            engine.INFLATE_KERNELS[kernel].Inflater().inflate_into_new(stream, True, out, start, stop)


@pytest.mark.parametrize("kernel", KERNELS)
def test_each_kernel_switches_between_fixed_and_dynamic_blocks(real_corpora, kernel):
    """Fixed-code blocks read tables built once for every Inflater, dynamic ones the Inflater's
    own: blocks of both kinds in turn, in one stream, each decoded with the right ones."""
    text, code = real_corpora["stdlib_text"], real_corpora["machine_code"]
    pieces, parts = [text[:20_000], code[:30_000], text[50_000:60_000], code[90_000:140_000], text[:5]], []
    for i, piece in enumerate(pieces):
        strategy = zlib.Z_FIXED if i % 2 == 0 else zlib.Z_DEFAULT_STRATEGY
        packer = zlib.compressobj(6, zlib.DEFLATED, -15, 9, strategy)
        parts.append(packer.compress(piece) + packer.flush(zlib.Z_FINISH if i == len(pieces) - 1 else zlib.Z_SYNC_FLUSH))
    stream = b"".join(parts)
    assert decode(kernel, stream) == (engine.STATUS_DONE, len(stream), b"".join(pieces))


@pytest.mark.parametrize("kernel", KERNELS)
def test_each_kernel_decodes_a_plain_message_in_one_call_or_hands_it_back(real_corpora, kernel):
    """``inflate_plain`` (and ``inflate_plain_into``, into the caller's buffer): one raw stream,
    or one zlib / gzip member with a bare header and its trailer right, is decoded (framing
    given or told apart); anything else is NOT_PLAIN (the general path's to read), a bad stream
    its DEFLATE error, and an output over the limit NEED_OUTPUT."""
    import gzip

    plain = engine.INFLATE_KERNELS[kernel].inflate_plain
    code = engine.FRAMING
    text = real_corpora["stdlib_text"][:3000]
    raw = compress(text, 6, format="raw")
    members = {"zlib": zlib.compress(text, 6), "gzip": gzip.compress(text, mtime=0), "raw": raw}
    for framing, stream in members.items():
        assert plain(stream, code[framing], 1 << 30, 0) == (engine.STATUS_DONE, text), framing
        if framing != "raw":
            assert plain(stream, code["auto"], 1 << 30, 0) == (engine.STATUS_DONE, text), framing
        assert plain(stream, code[framing], 1000, 0) == (engine.STATUS_NEED_OUTPUT, None), framing
    handed_back = {
        "zlib": [zlib.compress(text, wbits=9), members["zlib"] + b"\0", members["zlib"][:-1] + b"\0"],
        "gzip": [members["gzip"] + b"\0", members["gzip"] + members["gzip"], members["gzip"][:-1] + b"\1",
                 compress(text, format="gzip", filename="a.txt"), members["gzip"][:-3]],
        "raw": [raw + b"x"],
    }
    into = engine.INFLATE_KERNELS[kernel].inflate_plain_into
    for framing, stream in members.items():
        out = bytearray(len(text) + 5)
        assert into(stream, code[framing], out) == (engine.STATUS_DONE, len(text)) and out[:len(text)] == text
        assert into(stream, code[framing], bytearray(1000))[0] == engine.STATUS_NEED_OUTPUT
    for framing, cases in handed_back.items():
        for stream in cases:
            assert plain(stream, code[framing], 1 << 30, 0) == (engine.STATUS_NOT_PLAIN, None), framing
            assert into(stream, code[framing], bytearray(len(text) + 5))[0] == engine.STATUS_NOT_PLAIN, framing
    status, out = plain(raw[:len(raw) // 2], code["raw"], 1 << 30, 0)
    assert status < 0 and out is None
    assert into(raw[:len(raw) // 2], code["raw"], bytearray(len(text)))[0] == status
    assert plain(b"", code["raw"], 1 << 30, 0)[0] < 0
