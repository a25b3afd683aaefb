"""Streaming: Compressor/Decompressor and fastzip.deflate.open, against gzip, in bounded memory."""

import gzip
import io
import subprocess
import sys
import zlib

import numpy as np
import pytest

from fastzip import FastzipError, FormatError, deflate

from deflate_craft import fixed_block


class Trickle(io.RawIOBase):
    """A file that returns a few bytes per read: every resumption path of the inflater runs."""

    def __init__(self, data, seed=0):
        self.data, self.pos, self.rng = data, 0, np.random.default_rng(seed)

    def readable(self):
        return True

    def read(self, n=-1):
        k = int(self.rng.integers(1, 9))
        chunk = self.data[self.pos:self.pos + k]
        self.pos += len(chunk)
        return chunk


@pytest.mark.parametrize("format", ["zlib", "gzip", "raw"])
def test_decompressor_with_input_a_few_bytes_at_a_time(real_corpora, format):
    data = real_corpora["stdlib_text"][:200_000]
    for packed in (deflate.compress(data, 6, format=format), deflate.compress(data, 0, format=format)):
        out = b"".join(deflate.Decompressor(Trickle(packed), format=format).chunks())
        assert out == data


def test_decompressor_output_larger_than_its_window(real_corpora):
    data = real_corpora["machine_code"] * 3  # 3 MiB: the output window slides many times
    out = deflate.Decompressor(io.BytesIO(zlib.compress(data, 1))).chunks()
    assert b"".join(out) == data


@pytest.mark.parametrize("level", [0, 1, 6, 9])
def test_compressor_in_pieces_is_read_by_zlib(real_corpora, level):
    data = real_corpora["stdlib_text"] * 2
    comp = deflate.Compressor(level, format="gzip")
    rng = np.random.default_rng(level)
    parts, i = [], 0
    while i < len(data):
        step = int(rng.integers(1, 300_000))
        parts.append(comp.compress(data[i:i + step]))
        i += step
    parts.append(comp.flush())
    packed = b"".join(parts)
    assert gzip.decompress(packed) == data
    assert deflate.decompress(packed) == data
    with pytest.raises(ValueError):
        comp.compress(b"more")


def test_open_write_read_both_ways(tmp_path, real_corpora):
    data = real_corpora["stdlib_text"]
    ours = tmp_path / "ours.txt.gz"
    with deflate.open(ours, "wb", level=6) as f:
        for i in range(0, len(data), 70_000):
            f.write(data[i:i + 70_000])
    assert gzip.open(ours).read() == data
    assert ours.read_bytes()[10:19] == b"ours.txt\0"  # FNAME is the name without .gz
    theirs = tmp_path / "theirs.gz"
    with gzip.open(theirs, "wb") as f:
        f.write(data)
    with deflate.open(theirs) as f:
        assert f.read(10) == data[:10]
        assert f.read() == data[10:]


def test_open_text_mode_lines_and_append(tmp_path):
    path = tmp_path / "lines.gz"
    with deflate.open(path, "wt", encoding="utf-8") as f:
        f.write("first line\nsecond — line\n")
    with deflate.open(path, "at", encoding="utf-8") as f:
        f.write("third line\n")
    with deflate.open(path, "rt", encoding="utf-8") as f:
        assert list(f) == ["first line\n", "second — line\n", "third line\n"]
    assert gzip.open(path, "rt", encoding="utf-8").read().count("\n") == 3


def test_open_file_objects_and_bad_modes():
    buf = io.BytesIO()
    with deflate.open(buf, "wb") as f:
        f.write(b"into a file object")
    assert gzip.decompress(buf.getvalue()) == b"into a file object"
    assert not buf.closed  # we did not open it, we do not close it
    with deflate.open(io.BytesIO(buf.getvalue())) as f:
        assert f.readline() == b"into a file object"
    with pytest.raises(ValueError):
        deflate.open(io.BytesIO(), "rw")
    with pytest.raises(ValueError):
        deflate.open(io.BytesIO(), "rb", encoding="utf-8")


def test_reading_a_corrupt_file_raises_fastzip_errors(tmp_path):
    path = tmp_path / "bad.gz"
    packed = bytearray(gzip.compress(b"x" * 100_000))
    packed[len(packed) // 2] ^= 0xFF
    path.write_bytes(bytes(packed))
    with pytest.raises(FormatError):
        with deflate.open(path) as f:
            f.read()


STREAM_SCRIPT = r"""
import os, sys, zlib
from fastzip import deflate
total = int(sys.argv[1])
block = os.urandom(1 << 16) + bytes(range(256)) * 1024  # incompressible and compressible halves
path = sys.argv[2]
with deflate.open(path, "wb", level=1) as f:
    for _ in range(total // len(block)):
        f.write(block)
n, crc = 0, 0
with deflate.open(path, "rb") as f:
    while chunk := f.read(1 << 20):
        n += len(chunk)
        crc = zlib.crc32(chunk, crc)
# VmHWM, not ru_maxrss: the latter carries the forking parent's peak across exec.
hwm_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(n, hwm_kib // 1024)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_streaming_memory_stays_bounded(tmp_path):
    total = 128 << 20
    out = subprocess.run([sys.executable, "-c", STREAM_SCRIPT, str(total), str(tmp_path / "big.gz")],
                         capture_output=True, text=True, check=True).stdout.split()
    n, peak_mib = int(out[0]), int(out[1])
    assert n == total // (320 << 10) * (320 << 10)
    assert peak_mib < 100, f"peak RSS {peak_mib} MiB while streaming {total >> 20} MiB"


def test_reading_a_whole_file_decodes_as_decompress_does(tmp_path, real_corpora):
    """``open(...).read()`` decodes the whole file at once as :func:`deflate.decompress` does
    (same bytes, same errors, the same output limit); a read after a partial one, the chunks;
    a Trickle file (a few bytes per read) is read to its end first."""
    from fastzip import FastzipError

    text, code = real_corpora["stdlib_text"][:200_000], real_corpora["machine_code"][:150_000]
    cases = {
        "gzip": (deflate.compress(text, 6, format="gzip"), "gzip"),
        "two members and padding": (gzip.compress(text) + deflate.compress(code, 1, format="gzip") + b"\0" * 9, "gzip"),
        "indexed": (deflate.compress(text + code, 6, format="gzip", index=True, threads=2), "gzip"),
        "zlib": (zlib.compress(code, 9), "zlib"),
        "raw": (deflate.compress(text, 3, format="raw"), "raw"),
        "auto zlib": (zlib.compress(text), "auto"),
        "garbage after": (gzip.compress(code) + b"junk", "gzip"),
        "bad crc": (gzip.compress(text)[:-8] + b"\0\0\0\0" + gzip.compress(text)[-4:], "gzip"),
    }

    def outcome(call):
        try:
            return call()
        except FastzipError as e:
            return type(e), str(e)

    for name, (packed, fmt) in cases.items():
        for limit in (None, 100_000):
            expected = outcome(lambda: deflate.decompress(packed, format=fmt, max_output_size=limit))
            for source in (packed, Trickle(packed)):
                source = io.BytesIO(source) if isinstance(source, bytes) else source
                got = outcome(lambda: deflate.open(source, "rb", format=fmt, max_output_size=limit).read())
                assert got == expected, (name, limit, type(source).__name__)
        if isinstance(expected, bytes):
            with deflate.open(io.BytesIO(packed), "rb", format=fmt) as f:
                assert f.read(1000) + f.read() == expected, name


@pytest.mark.parametrize("threads", [None, 2])
@pytest.mark.parametrize("format,wbits", [("zlib", 15), ("gzip", 31), ("raw", -15)])
def test_sync_and_full_flushes_let_zlib_decode_all_so_far(real_corpora, format, wbits, threads):
    """``flush(zlib.Z_SYNC_FLUSH)`` / ``Z_FULL_FLUSH`` as zlib's: after each, zlib's decompressor
    has output everything given so far (a flush with nothing new still yields an empty stored
    block); after a full flush a fresh raw decoder starts there; the stream ends as usual."""
    text = real_corpora["stdlib_text"][:2_600_000]
    packer = deflate.Compressor(6, format=format, threads=threads)
    reader = zlib.decompressobj(wbits)
    stream, out, fed = b"", b"", 0
    for i, cut in enumerate([1000, 50_000, 1_200_000, 1_200_000, 2_500_000]):
        part = packer.compress(text[fed:cut]) + packer.flush(zlib.Z_SYNC_FLUSH if i % 2 else zlib.Z_FULL_FLUSH)
        fed = cut
        assert part.endswith(b"\x00\x00\xff\xff")
        stream += part
        out += reader.decompress(part)
        assert out == text[:fed], i
    assert packer.flush(zlib.Z_NO_FLUSH) == b""
    packer.compress(text[fed:])
    stream += packer.flush()
    assert zlib.decompress(stream, wbits) == text and deflate.decompress(stream, format=format) == text
    with pytest.raises(ValueError, match="flush mode"):
        deflate.Compressor().flush(7)
    restart = deflate.Compressor(6, format="raw")
    restart.compress(text[:100_000])
    restart.flush(zlib.Z_FULL_FLUSH)
    after = restart.compress(text[100_000:200_000]) + restart.flush()
    assert zlib.decompress(after, -15) == text[100_000:200_000]


@pytest.mark.parametrize("level", [1, 2, 6, 9, 12])
def test_a_stream_of_flushed_messages_decodes_across_the_compressors_cuts(real_corpora, level):
    """Messages of random sizes, each flushed (sync, now and then full), as a network protocol
    sends them: the deflater resumes its finder from message to message (levels 10-12: their
    trees holding back the positions near each message's end until more data has come) and
    hashes the history again where the compressor's buffer is cut back to 32 KiB (several times
    here), grows its tables as the buffer grows, or a full flush forgets it all; zlib decodes
    every message as it comes, with a preset dictionary too. Matches into earlier messages are
    found: the stream is as small as zlib's."""
    from fastzip.deflate.stream import APPENDED

    text = real_corpora["stdlib_text"]
    rng = np.random.default_rng(level)
    sizes = rng.choice([1, 40, 300, 2000, 9000], 900, p=[0.05, 0.3, 0.4, 0.2, 0.05])
    zdict = text[-20_000:]
    packer = deflate.Compressor(level, format="zlib", zdict=zdict)
    peer = zlib.compressobj(min(level, 9), zdict=zdict)
    reader = zlib.decompressobj(zdict=zdict)
    at, total, theirs = 0, 0, len(peer.compress(b""))
    for i, size in enumerate(sizes):
        message = text[at:at + size]
        at += size
        mode = zlib.Z_FULL_FLUSH if i % 97 == 96 else zlib.Z_SYNC_FLUSH
        part = packer.compress(message) + packer.flush(mode)
        assert reader.decompress(part) == message, i
        total += len(part)
        theirs += len(peer.compress(message) + peer.flush(mode))
    assert at > 3 * APPENDED  # (the buffer was cut back)
    end = packer.flush()
    assert reader.decompress(end) == b"" and reader.eof
    assert total < 1.01 * theirs


def test_flushing_a_file_being_written_makes_it_decodable_so_far(tmp_path):
    """``DeflateFile.flush()`` as gzip.GzipFile's: a sync flush handed to the file, which zlib
    then decodes up to there (``print(..., flush=True)`` in text mode too); closing ends the
    member as usual; flushing a closed file, or with Z_FINISH, is refused."""
    path = tmp_path / "log.gz"
    with deflate.open(path, "wt") as f:
        print("first line", file=f, flush=True)
        assert zlib.decompressobj(31).decompress(path.read_bytes()) == b"first line\n"
        f.write("second line\n")
        with pytest.raises(ValueError, match="Z_SYNC_FLUSH"):
            f.buffer.flush(zlib.Z_FINISH)
    assert gzip.decompress(path.read_bytes()) == b"first line\nsecond line\n"
    with pytest.raises(ValueError):
        f.buffer.flush()
    with deflate.open(path) as f:
        f.flush()  # reading: nothing to do
        assert f.read() == b"first line\nsecond line\n"


@pytest.mark.parametrize("name", ["zlib", "gzip", "raw", "gzip with fields", "fastzip zlib"])
def test_a_fed_decompressor_decodes_as_zlibs_decompressobj(real_corpora, name):
    """``Decompressor()`` with no file is fed like ``zlib.decompressobj()``: pieces of any size
    (a byte at a time through the header), the output each completes, ``eof`` at the end of
    the stream and what follows in ``unused_data`` (as zlib's), the same bytes as zlib's."""
    text = real_corpora["stdlib_text"][:300_000]
    stream, fmt, wbits = {
        "zlib": (zlib.compress(text, 6), "zlib", 15),
        "gzip": (gzip.compress(text, mtime=0), "gzip", 31),
        "raw": (zlib.compress(text, wbits=-15), "raw", -15),
        "gzip with fields": (deflate.compress(text, 6, format="gzip", filename="name.txt"), "gzip", 31),
        "fastzip zlib": (deflate.compress(text, 9), "zlib", 15),
    }[name]
    rng = np.random.default_rng(len(name))
    data = stream + b"after the stream"
    for format in ({fmt, "auto"} if fmt != "raw" else {fmt}):
        ours, theirs = deflate.Decompressor(format=format), zlib.decompressobj(wbits)
        got, expected, at = [], [], 0
        while at < len(data):
            size = 1 if at < 30 else int(rng.choice([1, 3, 100, 4096, 70_000]))
            piece, at = data[at:at + size], at + size
            got.append(ours.decompress(piece))
            expected.append(theirs.decompress(piece))
            assert ours.eof == theirs.eof
        got.append(ours.flush())
        assert b"".join(got) == b"".join(expected) == text
        assert ours.unused_data == theirs.unused_data == b"after the stream"


@pytest.mark.parametrize("max_length", [1, 7, 258, 1000, 65_536])
def test_a_fed_decompressor_bounds_each_calls_output_as_zlibs_max_length(real_corpora, max_length):
    """``decompress(piece, max_length)`` returns at most that many bytes and leaves the input
    it has not used in ``unconsumed_tail``, to be given again (zlib's way of bounding what one
    call makes); ``flush()`` decodes what is left there. Matches longer than the bound are
    split between calls. Beside zlib's decompressobj, fed the same way. (At the end of the
    stream, zlib's keeps the bytes after it in ``unconsumed_tail`` too, besides
    ``unused_data``, where a caller looping on the tail feeds them again; ours empties it.)"""
    text = real_corpora["machine_code"][:120_000] + bytes(3000) + real_corpora["stdlib_text"][:60_000]
    stream = gzip.compress(text, 9) + b"after"
    rng = np.random.default_rng(max_length)
    results = []
    for decoder in (deflate.Decompressor(), zlib.decompressobj(31)):
        out, calls, at = [], 0, 0
        while at < len(stream):
            size = int(rng.choice([5, 300, 20_000]))
            tail = b"" if decoder.eof else decoder.unconsumed_tail
            piece, at = tail + stream[at:at + size], at + size
            while piece and not decoder.eof:
                got = decoder.decompress(piece, max_length)
                assert len(got) <= max_length
                if decoder.unconsumed_tail and not decoder.eof:
                    assert len(got) == max_length  # bounded only where the bound was reached
                out.append(got)
                calls += 1
                piece = decoder.unconsumed_tail
            if decoder.eof and at < len(stream):
                decoder.decompress(stream[at:])
                at = len(stream)
        if isinstance(decoder, deflate.Decompressor):
            out.append(decoder.flush())
            assert decoder.unconsumed_tail == b""
        results.append((b"".join(out), decoder.eof, decoder.unused_data))
        assert calls >= len(text) // max_length
    assert results[0] == results[1] == (text, True, b"after")
    last = deflate.Decompressor(format="gzip")
    head = last.decompress(stream, 10)
    assert len(head) == 10 and len(last.unconsumed_tail) > 0
    assert head + last.flush() == text and last.eof and last.unconsumed_tail == b""
    with pytest.raises(ValueError, match="max_length"):
        deflate.Decompressor().decompress(b"", -1)


def test_flush_gives_what_a_bound_held_back_when_no_input_is_left():
    """A bound can fall inside the last match when the stream's last byte holds the end of that
    match and the whole end-of-block code: the decoder has read all the input, so no
    ``unconsumed_tail`` is left, yet bytes are owed, and ``flush()`` returns them, as zlib's
    (it returned nothing; the fuzzer found it)."""
    # 3 + 8 + 6 * 13 bits, then the 7-bit end of block: the last match ends at bit 1 of the last byte.
    stream = fixed_block([97] + [(285, 0, 0, 0, 0, 0)] * 6 + [256]).bytes()
    text = b"a" * (1 + 6 * 258)
    for bound in (1292, 1400, len(text) - 1):
        results = []
        for decoder in (deflate.Decompressor(format="raw"), zlib.decompressobj(-15)):
            head = decoder.decompress(stream, bound)
            state = (len(head), decoder.unconsumed_tail, decoder.eof)
            results.append((state, head + decoder.flush(), decoder.eof))
        assert results[0] == results[1] == ((bound, b"", False), text, True)
    with pytest.raises(ValueError, match="length"):
        deflate.Decompressor().flush(0)


def test_a_fed_decompressor_refuses_what_decompress_refuses(real_corpora):
    from fastzip import ChecksumError, FastzipError, OutputLimitError

    text = real_corpora["machine_code"][:200_000]
    stream = gzip.compress(text)
    damaged = bytearray(stream)
    damaged[-6] ^= 1  # the CRC-32
    with pytest.raises(ChecksumError):
        deflate.Decompressor().decompress(bytes(damaged))
    with pytest.raises(OutputLimitError):
        deflate.Decompressor(max_output_size=len(text) - 1).decompress(stream)
    with pytest.raises(FastzipError):
        deflate.Decompressor(format="zlib").decompress(b"\x78\x9c\xff\xff\xff")
    with pytest.raises(FastzipError, match="magic"):
        deflate.Decompressor(format="gzip").decompress(b"not gzip at all")
    with pytest.raises(ValueError, match="chunks"):
        deflate.Decompressor(io.BytesIO(stream)).decompress(b"")
    with pytest.raises(ValueError, match="file"):
        next(deflate.Decompressor().chunks())
    cut = deflate.Decompressor()
    assert cut.decompress(stream[:-3]) == text and not cut.eof  # the trailer still to come


@pytest.mark.parametrize("flushed", [True, False], ids=["sync-flushed", "mid-stream"])
@pytest.mark.parametrize("level", range(13))
def test_a_copied_compressor_goes_on_as_the_original_would(real_corpora, level, flushed):
    """``Compressor.copy()`` as zlib's ``Compress.copy``: a shared start compressed once, then
    each copy given its own ending. The start is sync-flushed, or is longer than a segment and
    not flushed (the deflater then holds a partial byte and its finder mid-stream). Each
    ending's stream is bit for bit what a compressor given the start and that ending alone
    writes (nothing of the deflater's state was missed or shared), and zlib decodes it;
    ``copy.copy`` and ``copy.deepcopy`` copy the same way, and the original goes on too."""
    import copy

    from fastzip.deflate.stream import SEGMENT

    text, code = real_corpora["stdlib_text"], real_corpora["machine_code"]
    start = text[:150_000] if flushed else text + code[:100_000]
    assert flushed or len(start) > SEGMENT

    def begin(compressor):
        return compressor.compress(start) + (compressor.flush(zlib.Z_SYNC_FLUSH) if flushed else b"")

    endings = [text[150_000:230_000], code[200_000:260_000], text[:40_000]]
    shared = deflate.Compressor(level, format="zlib")
    head = begin(shared)
    copies = [shared.copy(), copy.copy(shared), copy.deepcopy(shared)]
    for twin, ending in zip(copies, endings):
        alone = deflate.Compressor(level, format="zlib")
        expected = begin(alone) + alone.compress(ending) + alone.flush()
        tail = twin.compress(ending) + twin.flush()
        assert head + tail == expected
        assert zlib.decompress(head + tail) == start + ending
    assert zlib.decompress(head + shared.compress(code[:5000]) + shared.flush()) == start + code[:5000]
    with pytest.raises(ValueError, match="after flush"):
        shared.copy()


@pytest.mark.parametrize("format", ["gzip", "raw"])
def test_a_copied_compressor_keeps_its_format_threads_and_dictionary(real_corpora, format):
    text = real_corpora["stdlib_text"]
    zdict = text[-20_000:] if format == "raw" else None
    for threads in (1, 2):
        shared = deflate.Compressor(6, format=format, threads=threads, zdict=zdict)
        head = shared.compress(text[:300_000])
        twin = shared.copy()
        a = head + shared.compress(text[300_000:400_000]) + shared.flush()
        b = head + twin.compress(text[500_000:600_000]) + twin.flush()
        if format == "gzip":
            assert gzip.decompress(a) == text[:400_000]
            assert gzip.decompress(b) == text[:300_000] + text[500_000:600_000]
        else:
            assert zlib.decompressobj(-15, zdict=zdict).decompress(b) == text[:300_000] + text[500_000:600_000]


@pytest.mark.parametrize("level", [1, 6, 12])
def test_a_copied_decompressor_goes_on_apart_from_the_original(real_corpora, level):
    """``Decompressor.copy()`` as zlib's ``Decompress.copy``: copies taken at many points of a
    fed stream (in headers, inside dynamic blocks, where a ``max_length`` bound has left a
    match half copied) decode the rest as the original does; a copy given a rest with a
    wrong trailer fails with a fastzip error and leaves the original decoding on."""
    import copy

    data = real_corpora["stdlib_text"][:120_000] + real_corpora["machine_code"][:80_000]
    stream = deflate.compress(data, level, format="gzip")
    rng = np.random.default_rng(level)
    ours = deflate.Decompressor()
    got, at, taken = [], 0, 0

    def check_copy(rest):
        twin = copy.deepcopy(ours) if taken % 2 else ours.copy()
        assert b"".join(got) + twin.decompress(rest) + twin.flush() == data and twin.eof
        if len(rest) > 8:
            with pytest.raises(FastzipError):
                ours.copy().decompress(rest[:-8] + bytes(8))  # a wrong trailer

    while at < len(stream):
        size = int(rng.choice([1, 5, 300, 4000]))
        piece, at = stream[at:at + size], at + size
        got.append(ours.decompress(piece, 200))
        if rng.random() < 0.15 or at < 12:  # (the bound may have left a match half copied)
            check_copy(ours.unconsumed_tail + stream[at:])
            taken += 1
        while ours.unconsumed_tail:
            got.append(ours.decompress(ours.unconsumed_tail, 200))
    got.append(ours.flush())
    assert b"".join(got) == data and ours.eof
    with pytest.raises(ValueError, match="reads a file"):
        deflate.Decompressor(io.BytesIO(stream)).copy()
