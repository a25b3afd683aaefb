"""fastzip.deflate against Python's zlib and gzip (and the gzip command), in both directions."""

import gzip
import io
import shutil
import struct
import subprocess
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastzip import FastzipError, OutputLimitError, deflate
from fastzip.deflate.stream import SEGMENT

LEVELS = range(13)
PEER_DECOMPRESS = {
    "zlib": zlib.decompress,
    "gzip": gzip.decompress,
    "raw": lambda b: zlib.decompress(b, wbits=-15),
}
SYNTHETIC = {
    "empty": b"",
    "one byte": b"x",
    "64 KiB of one byte": b"\xaa" * 65536,
    "random 100 KB": np.random.default_rng(3).integers(0, 256, 100_000, dtype=np.uint8).tobytes(),
    "short repeats": b"abcabcabd" * 5000 + b"xyz" * 40000,
}


@pytest.fixture(scope="module")
def corpora(real_corpora):
    # A quarter MiB of each real corpus keeps 10 levels x 3 formats quick.
    return {**{k: v[: 1 << 18] for k, v in real_corpora.items()}, **SYNTHETIC}


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("format", ["zlib", "gzip", "raw"])
def test_peers_read_fastzip(corpora, level, format):
    for name, data in corpora.items():
        packed = deflate.compress(data, level, format=format)
        assert PEER_DECOMPRESS[format](packed) == data, name
        assert deflate.decompress(packed, format=format) == data, name


@pytest.mark.parametrize("level", range(-1, 10))
def test_fastzip_reads_zlib(corpora, level):
    for name, data in corpora.items():
        assert deflate.decompress(zlib.compress(data, level)) == data, name
        assert deflate.decompress(gzip.compress(data, max(level, 0)), format="gzip") == data, name
        raw = zlib.compressobj(level, zlib.DEFLATED, -15)
        assert deflate.decompress(raw.compress(data) + raw.flush(), format="raw") == data, name


@pytest.mark.parametrize("strategy", [zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED])
def test_fastzip_reads_every_zlib_strategy(corpora, strategy):
    data = corpora["stdlib_text"]
    c = zlib.compressobj(6, zlib.DEFLATED, 15, 9, strategy)
    assert deflate.decompress(c.compress(data) + c.flush()) == data


def test_fastzip_reads_flushed_and_tiny_window_streams(corpora):
    data = corpora["machine_code"]
    c = zlib.compressobj(6, zlib.DEFLATED, 9)  # 512-byte window
    parts = []
    for i in range(0, len(data), 5000):
        parts.append(c.compress(data[i:i + 5000]))
        parts.append(c.flush(zlib.Z_SYNC_FLUSH if i % 2 else zlib.Z_FULL_FLUSH))
    parts.append(c.flush())
    assert deflate.decompress(b"".join(parts)) == data


@pytest.mark.skipif(shutil.which("gzip") is None, reason="no gzip command")
def test_gzip_command_both_ways(tmp_path, corpora):
    data = corpora["stdlib_text"]
    src = tmp_path / "sample.txt"
    src.write_bytes(data)
    for flag in ("-1", "-6", "-9"):
        made = subprocess.run(["gzip", "-c", flag, str(src)], capture_output=True, check=True).stdout
        assert deflate.decompress(made) == data
    ours = tmp_path / "ours.gz"
    ours.write_bytes(deflate.compress(data, 6, format="gzip", filename="sample.txt", mtime=1_000_000_000))
    back = subprocess.run(["gzip", "-dc", str(ours)], capture_output=True, check=True).stdout
    assert back == data
    listing = subprocess.run(["gzip", "-lN", str(ours)], capture_output=True, text=True, check=True).stdout
    assert "sample.txt" in listing
    subprocess.run(["gzip", "-t", str(ours)], check=True)


@pytest.mark.skipif(shutil.which("pigz") is None, reason="no pigz command (Debian: apt-get install pigz)")
def test_pigz_both_ways(real_corpora):
    """pigz's parallel streams (blocks joined by empty stored blocks; -i: blocks without each
    other's history; -11: zopfli's parse; -z: zlib framing) read by fastzip on any thread count,
    and fastzip's threaded and indexed gzip read by pigz."""
    data = real_corpora["stdlib_text"][:3 << 20] + real_corpora["machine_code"][:1 << 20]
    for flags in (["-6"], ["-1", "-p", "2", "-b", "128"], ["-9", "-i", "-b", "256"], ["-11", "-b", "64"], ["-z", "-6"]):
        made = subprocess.run(["pigz", "-c", *flags], input=data[: 1 << 20] if "-11" in flags else data,
                              capture_output=True, check=True).stdout
        expected = data[: 1 << 20] if "-11" in flags else data
        for threads in (1, 2):
            assert deflate.decompress(made, threads=threads) == expected, flags
    for kwargs in ({"threads": 2}, {"threads": 2, "index": True}, {}):
        ours = deflate.compress(data, 6, format="gzip", **kwargs)
        assert subprocess.run(["pigz", "-dc"], input=ours, capture_output=True, check=True).stdout == data, kwargs
        subprocess.run(["pigz", "-t"], input=ours, check=True)


def test_gzip_header_fields():
    packed = deflate.compress(b"hello", format="gzip", filename="/some/dir/hello.txt", mtime=1234567890)
    magic, method, flags, mtime = struct.unpack_from("<2sBBI", packed)
    assert (magic, method, flags, mtime) == (b"\x1f\x8b", 8, 8, 1234567890)
    assert packed[10:20] == b"hello.txt\0"
    with gzip.GzipFile(fileobj=io.BytesIO(packed)) as f:
        assert f.read() == b"hello" and f.mtime == 1234567890


def test_optional_gzip_header_fields_are_read():
    body = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = body.compress(b"payload") + body.flush()
    head = bytearray(b"\x1f\x8b\x08" + bytes([4 | 8 | 16 | 2]) + b"\0\0\0\0\0\xff")
    head += struct.pack("<H", 6) + b"AB\x02\x00xy"  # FEXTRA
    head += b"name.txt\0" + b"a comment\0"
    head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)  # FHCRC
    member = bytes(head) + deflated + struct.pack("<II", zlib.crc32(b"payload"), 7)
    assert gzip.decompress(member) == b"payload"
    assert deflate.decompress(member) == b"payload"


def test_multi_member_gzip_and_zero_padding(corpora):
    a, b = corpora["stdlib_text"][:5000], corpora["machine_code"][:7000]
    joined = deflate.compress(a, format="gzip") + gzip.compress(b) + b"\0" * 100
    assert deflate.decompress(joined) == a + b
    assert gzip.decompress(joined) == a + b


def test_small_inputs_decode_alike_on_both_paths(corpora, monkeypatch):
    """Small inputs take a short path (one member with a bare header), larger ones the general
    one. Whatever the input, both give the same bytes or the same error (decompress_into: the
    same count, error and buffer contents)."""
    text = corpora["stdlib_text"][:3000]
    good = {fmt: deflate.compress(text, 6, format=fmt) for fmt in ("zlib", "gzip", "raw")}
    cases = dict(good)
    cases["gzip named"] = deflate.compress(text, format="gzip", filename="a.txt")
    cases["zlib small window"] = zlib.compress(text, wbits=9)
    cases["gzip two members"] = good["gzip"] + gzip.compress(b"second")
    cases["gzip padded"] = good["gzip"] + b"\0" * 7
    cases["gzip garbage"] = good["gzip"] + b"x"
    cases["zlib trailing"] = good["zlib"] + b"\0"
    cases["raw trailing"] = good["raw"] + b"tail"
    cases["zlib bad adler"] = good["zlib"][:-1] + bytes([good["zlib"][-1] ^ 1])
    cases["gzip bad isize"] = good["gzip"][:-1] + bytes([good["gzip"][-1] ^ 1])
    cases["gzip bad crc"] = good["gzip"][:-8] + bytes([good["gzip"][-8] ^ 1]) + good["gzip"][-7:]
    cases["gzip truncated trailer"] = good["gzip"][:-3]
    cases["zlib cut"] = good["zlib"][:len(good["zlib"]) // 2]
    cases["bomb"] = zlib.compress(b"\0" * 100_000)

    def outcome(data, small=True, **kw):
        with monkeypatch.context() as m:
            if not small:
                m.setattr(deflate, "_SMALL", -1)
            try:
                return deflate.decompress(data, **kw)
            except FastzipError as e:
                return type(e), str(e)

    for name, data in cases.items():
        fmt = name.split()[0] if name != "bomb" else "zlib"
        for kw in ({}, {"format": fmt}, {"format": "raw"}, {"max_output_size": 2000}, {"size_hint": 7}):
            expected = outcome(data, small=False, **kw)
            for buffer in (data, bytearray(data), np.frombuffer(data, np.uint8)):
                assert outcome(buffer, **kw) == expected, (name, kw, type(buffer))

    def into_outcome(data, room, small=True, **kw):
        out = bytearray(room)
        with monkeypatch.context() as m:
            if not small:
                m.setattr(deflate, "_SMALL", -1)
            try:
                return deflate.decompress_into(data, out, **kw), bytes(out)
            except FastzipError as e:
                return type(e), str(e), bytes(out)

    for name, data in cases.items():
        for room in (len(text), len(text) + 6 + 3, 1000):
            for kw in ({}, {"format": "raw"}):
                expected = into_outcome(data, room, small=False, **kw)
                for buffer in (data, np.frombuffer(data, np.uint8)):
                    assert into_outcome(buffer, room, **kw) == expected, (name, room, kw, type(buffer))
    assert outcome(cases["gzip two members"]) == text + b"second"
    assert outcome(cases["bomb"], max_output_size=2000)[0] is OutputLimitError


def test_nothing_left_to_code_ends_in_ten_bits():
    """An empty input, or a stream finished with nothing pending, ends with a fixed-code block
    holding only its end-of-block code, as zlib's does (an empty stored block took 5 bytes:
    11-byte zlib streams for b"" where zlib writes 8). Level 0 stores, as zlib's does."""
    for level in range(1, 13):
        assert deflate.compress(b"", level, format="raw") == b"\x03\x00"
        assert len(deflate.compress(b"", level)) == len(zlib.compress(b"", level if level < 10 else 9)) == 8
        assert gzip.decompress(deflate.compress(b"", level, format="gzip")) == b""
    assert deflate.compress(b"", 0, format="raw") == zlib.compress(b"", 0, wbits=-15)
    # A stream whose input fills its last segment exactly: what flush() adds is that block.
    data = bytes(range(256)) * (SEGMENT // 256)
    c = deflate.Compressor(6, format="raw")
    body = c.compress(data)
    end = c.flush()
    assert len(end) <= 3 and zlib.decompress(body + end, -15) == data  # (with the bits the last segment left)


def copies(rng, size: int) -> bytes:
    """Bytes built as an LZ77 decoder builds them: runs of fresh bytes (from 2 to 256 values)
    and copies of 1-700 bytes from 1 byte to the whole output back, so matches of every
    length, overlapping ones and ones reaching the data's end occur where no corpus puts them;
    half of them end in a copy of 250-270 bytes after a few fresh ones."""
    alphabet = int(rng.choice([2, 4, 16, 256]))
    out = bytearray(rng.integers(0, alphabet, int(rng.integers(1, 300)), dtype=np.uint8).tobytes())

    def copy(length):
        dist = int(rng.integers(1, len(out) + 1))
        for _ in range(length):
            out.append(out[-dist])

    while len(out) < size:
        if rng.random() < 0.5:
            copy(int(rng.integers(1, 700)))
        else:
            out += rng.integers(0, alphabet, int(rng.integers(1, 50)), dtype=np.uint8).tobytes()
    del out[size:]
    if rng.random() < 0.5:
        out += rng.integers(0, 256, int(rng.integers(1, 8)), dtype=np.uint8).tobytes()
        copy(int(rng.integers(250, 270)))
    return bytes(out)


def test_every_level_round_trips_data_built_of_copies():
    rng = np.random.default_rng(2024)
    for case in range(120):
        data = copies(rng, int(rng.integers(1, 6000)))
        for level in LEVELS:
            assert zlib.decompress(deflate.compress(data, level, format="raw"), -15) == data, (case, level)


@pytest.mark.parametrize("level", LEVELS)
def test_an_input_ending_inside_a_long_repeat_at_every_length(level):
    """The input ends inside a repeat of what came before, at every length around a match's
    longest (258) and twice it, so that the last match is cut by the data's end or by 258:
    level 1 once took a 259-byte match where 259 bytes were left, and wrote an invalid stream.
    Also as messages of a stream, each flushed, and with text before the repeat."""
    rng = np.random.default_rng(11)
    heads = [rng.integers(0, 256, 1000, dtype=np.uint8).tobytes(),
             b"the diff control lines (those with *** or ---)" * 3]
    tails = [*range(1, 12), *range(250, 270), *range(510, 525)]
    for head in heads:
        for tail in tails:
            data = head + (head * 2)[:tail]
            assert zlib.decompress(deflate.compress(data, level, format="raw"), -15) == data, (level, tail)
        c = deflate.Compressor(level, format="raw")
        pieces = [head + (head * 2)[:tail] for tail in tails]
        stream = b"".join(c.compress(p) + c.flush(zlib.Z_SYNC_FLUSH) for p in pieces) + c.flush()
        assert zlib.decompress(stream, -15) == b"".join(pieces)


@pytest.mark.parametrize("format, wbits", [("zlib", 15), ("raw", -15)])
def test_a_preset_dictionary_works_both_ways_with_zlib(real_corpora, format, wbits):
    """``zdict`` as zlib's compressobj / decompressobj take it: streams zlib made with a
    dictionary decode here (fed, and from a file), and ours decode in zlib, at several levels,
    on two threads, and with a dictionary longer than the window (its last 32 KiB are used,
    the whole named by DICTID). Messages the dictionary resembles come out much smaller."""
    text = real_corpora["stdlib_text"]
    zdict, message = text[:50_000], text[200_000:300_000]
    small = text[30_000:30_600]  # a message the dictionary's last 32 KiB hold
    for level in (1, 6, 9, 12):
        c = zlib.compressobj(min(level, 9), zlib.DEFLATED, wbits, zdict=zdict)
        theirs = c.compress(message) + c.flush()
        d = deflate.Decompressor(format=format, zdict=zdict)
        assert d.decompress(theirs) == message and d.eof
        assert b"".join(deflate.Decompressor(io.BytesIO(theirs), format=format, zdict=zdict).chunks()) == message
        for threads in (1, 2):
            ours = deflate.Compressor(level, format=format, zdict=zdict, threads=threads)
            packed = ours.compress(message) + ours.flush()
            assert zlib.decompressobj(wbits, zdict=zdict).decompress(packed) == message
    with_dict = deflate.Compressor(6, format=format, zdict=zdict)
    with_dict = with_dict.compress(small) + with_dict.flush()
    assert len(with_dict) * 5 < len(deflate.compress(small, 6, format=format))
    assert zlib.decompressobj(wbits, zdict=zdict).decompress(with_dict) == small
    # A full flush forgets the dictionary with the rest of the history, as zlib's.
    c = deflate.Compressor(6, format=format, zdict=zdict)
    flushed = c.compress(small) + c.flush(zlib.Z_FULL_FLUSH)
    after = c.compress(small) + c.flush()
    assert len(after) > 3 * len(flushed)
    assert zlib.decompressobj(wbits, zdict=zdict).decompress(flushed + after) == small * 2


def test_a_preset_dictionary_missing_or_wrong_is_a_clear_error():
    from fastzip import DictionaryError, FormatError

    zdict = b"a dictionary of words the message repeats " * 20
    c = zlib.compressobj(zdict=zdict)
    packed = c.compress(b"the message repeats words of a dictionary") + c.flush()
    for decode in (deflate.decompress, lambda b: deflate.Decompressor().decompress(b),
                   lambda b: deflate.Decompressor(zdict=zdict[1:]).decompress(b),
                   lambda b: deflate.decompress_into(b, bytearray(100))):
        with pytest.raises(DictionaryError, match="preset dictionary"):
            decode(packed)
    with pytest.raises(FormatError, match="DICTID"):
        deflate.decompress(packed[:4], format="zlib")  # the header cut inside its DICTID
    fed = deflate.Decompressor(zdict=zdict)
    assert b"".join(fed.decompress(packed[i:i + 1]) for i in range(len(packed))) == \
        b"the message repeats words of a dictionary" and fed.eof  # the DICTID a byte at a time
    # Any bytes-like dictionary (a header built for one is not cached).
    c = deflate.Compressor(6, zdict=bytearray(zdict))
    packed = c.compress(b"words of a dictionary") + c.flush()
    assert deflate.Decompressor(zdict=memoryview(zdict)).decompress(packed) == b"words of a dictionary"
    # zlib's decoder, too, ignores a dictionary a stream does not ask for.
    assert deflate.Decompressor(zdict=zdict).decompress(zlib.compress(b"no dictionary")) == b"no dictionary"
    with pytest.raises(ValueError, match="gzip"):
        deflate.Compressor(format="gzip", zdict=zdict)


def test_auto_detects_each_format():
    data = b"auto detection " * 100
    for fmt in ("zlib", "gzip", "raw"):
        assert deflate.decompress(deflate.compress(data, format=fmt)) == data


@given(st.lists(st.sampled_from([b"a", b"b", b"abc", b"hello world", b"\0" * 40, bytes(range(50))]), max_size=300),
       st.binary(max_size=200), st.integers(0, 12))
def test_round_trip_property(pieces, noise, level):
    data = b"".join(pieces) + noise
    packed = deflate.compress(data, level)
    assert zlib.decompress(packed) == data
    assert deflate.decompress(packed) == data


@pytest.mark.parametrize("level", [1, 2, 3, 4, 6, 9])
def test_output_no_larger_than_zlib(corpora, level):
    """Levels 4-9 on every corpus; 1-3 search 4-byte hashes (engine.LEVELS), which costs the
    3-byte repeats of raw pixels: there they may be larger, by a bounded amount."""
    for name in ("stdlib_text", "machine_code", "image"):
        data = corpora[name]
        ours, theirs = len(deflate.compress(data, level)), len(zlib.compress(data, level))
        assert ours <= (theirs * 1.05 if level <= 3 and name == "image" else theirs), name


def test_level_12_within_one_percent_of_libdeflate(corpora):
    libdeflate = pytest.importorskip("deflate")
    for name in ("stdlib_text", "machine_code", "image"):
        data = corpora[name]
        assert len(deflate.compress(data, 12)) <= 1.01 * len(libdeflate.zlib_compress(data, 12)), name


def test_bad_arguments():
    with pytest.raises(ValueError, match="level"):
        deflate.compress(b"x", 13)
    with pytest.raises(ValueError, match="format"):
        deflate.compress(b"x", format="zip")
    with pytest.raises(ValueError, match="max_output_size"):
        deflate.decompress(zlib.compress(b"x"), max_output_size=-1)


@pytest.mark.parametrize("format", ["zlib", "gzip", "raw"])
def test_decompress_into_the_callers_buffer(corpora, format):
    """Peers' streams decode straight into a numpy array; one byte too small is OutputLimitError."""
    from fastzip import OutputLimitError

    data = corpora["stdlib_text"] + corpora["machine_code"][:5000]
    peer = {"zlib": zlib.compress(data, 9), "gzip": gzip.compress(data[:7000]) + gzip.compress(data[7000:]),
            "raw": zlib.compress(data)[2:-4]}[format]
    out = np.full(len(data) + 3, 7, np.uint8)
    assert deflate.decompress_into(peer, out, format=format) == len(data)
    assert out[:len(data)].tobytes() == data and (out[len(data):] == 7).all()
    with pytest.raises(OutputLimitError):
        deflate.decompress_into(peer, bytearray(len(data) - 1), format=format)
    assert deflate.decompress_into(deflate.compress(b"", format=format), bytearray(0), format=format) == 0
    with pytest.raises(ValueError, match="writable"):
        deflate.decompress_into(peer, bytes(len(data)), format=format)


@pytest.mark.parametrize("format", ["zlib", "gzip", "raw"])
def test_size_hint_is_only_a_hint(corpora, format):
    """Whatever the hint (none, small, exact, one short, far too large, negative) the output
    is the stream's; gzip's ISIZE is taken as the hint when none is given, and a lying ISIZE
    is still refused by the trailer check; the output limit still holds."""
    from fastzip import FormatError, OutputLimitError

    raw = corpora["stdlib_text"] + corpora["image"]
    packed = zlib.compress(raw, 6) if format == "zlib" else \
        gzip.compress(raw) if format == "gzip" else zlib.compress(raw, 6)[2:-4]
    for hint in (None, 0, 1, 1000, len(raw) - 1, len(raw), 10 * len(raw), 1 << 40, -5):
        assert deflate.decompress(packed, format=format, size_hint=hint) == raw
    with pytest.raises(OutputLimitError):
        deflate.decompress(packed, format=format, size_hint=len(raw), max_output_size=len(raw) - 1)
    if format == "gzip":
        lying = packed[:-4] + struct.pack("<I", 1 << 31)
        with pytest.raises(FormatError, match="ISIZE"):
            deflate.decompress(lying)
        short = packed[:-4] + struct.pack("<I", 7)
        with pytest.raises(FormatError, match="ISIZE"):
            deflate.decompress(short)
