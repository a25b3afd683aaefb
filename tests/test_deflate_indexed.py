"""Indexed gzip (``deflate.compress(..., format="gzip", index=True)``): one ordinary member
every gzip reader decodes, which fastzip decodes on several threads; the same bytes for any
thread count; an index that lies never yields wrong bytes (the stream is then decoded from its
start: right bytes, or the error the data deserves)."""

import gzip
import shutil
import struct
import subprocess
import zlib

import numpy as np
import pytest

import fastzip
from fastzip import ChecksumError, FastzipError, OutputLimitError, _parallel, deflate
from fastzip.deflate import indexed


@pytest.fixture(scope="module")
def corpus():
    from fastzip import data

    rng = np.random.default_rng(0)
    return (data.stdlib_text(2 << 20) + data.shared_library_code(1 << 20)
            + rng.integers(0, 4, 700_000, dtype=np.uint8).tobytes())


@pytest.fixture(scope="module")
def packed(corpus):
    return deflate.compress(corpus, 6, format="gzip", mtime=0, index=True, threads=2)


def _header_length(blob: bytes) -> int:
    xlen, = struct.unpack_from("<H", blob, 10)
    return 12 + xlen + 2  # fixed header, FEXTRA, FHCRC


def test_every_gzip_reader_reads_one_ordinary_member(corpus, packed):
    assert gzip.decompress(packed) == corpus
    assert zlib.decompress(packed, wbits=31) == corpus
    d = zlib.decompressobj(wbits=31)
    assert d.decompress(packed) == corpus and d.eof and not d.unused_data
    if shutil.which("gzip"):
        out = subprocess.run(["gzip", "-dc"], input=packed, capture_output=True, check=True)
        assert out.stdout == corpus


def test_fastzip_decodes_the_pieces_on_several_threads(corpus, packed):
    for n in (1, 2, 3):
        assert deflate.decompress(packed, threads=n) == corpus
        assert _parallel.last_workers() == min(n, 4)
    with fastzip.threads(2):
        assert deflate.decompress(packed) == corpus and _parallel.last_workers() == 2
    with deflate.open(__import__("io").BytesIO(packed)) as f:  # the streaming reader: one ordinary member
        assert f.read() == corpus


def test_the_bytes_are_the_same_for_any_thread_count_and_close_to_unindexed(corpus, packed):
    for n in (1, 3):
        assert deflate.compress(corpus, 6, format="gzip", mtime=0, index=True, threads=n) == packed
    plain = deflate.compress(corpus, 6, format="gzip", mtime=0, threads=2)
    assert len(packed) <= len(plain) * 1.01  # pieces without history: a little larger


@pytest.mark.parametrize("size", [0, 1, 65535, deflate.PIECE, deflate.PIECE + 1, 3 * deflate.PIECE - 7])
def test_sizes_at_and_around_piece_boundaries(corpus, size):
    data = corpus[:size]
    blob = deflate.compress(data, 1, format="gzip", index=True, threads=2)
    assert gzip.decompress(blob) == data and deflate.decompress(blob, threads=2) == data


def test_the_index_is_skipped_by_other_subfields_and_found_among_them(corpus):
    data = corpus[:2 * deflate.PIECE + 5]
    blob = deflate.compress(data, 6, format="gzip", mtime=0, index=True)
    index = indexed.read_index(blob[12:_header_length(blob) - 2])
    assert index is not None and index[1] == len(data) and len(index[2]) == len(index[3]) == 3
    assert index[3] == [zlib.crc32(data[i:i + index[0]]) for i in range(0, len(data), index[0])]
    assert indexed.read_index(b"AB\x03\x00xyz" + blob[12:_header_length(blob) - 2]) == index
    assert indexed.read_index(b"AB\x03\x00xyz") is None


def _reseal(blob: bytes, extra: bytes) -> bytes:
    """``blob`` with its FEXTRA replaced by ``extra``, the FHCRC recomputed: a lie that the
    header's own check cannot catch."""
    end = _header_length(blob)
    head = bytearray(blob[:10]) + struct.pack("<H", len(extra)) + extra
    return bytes(head) + struct.pack("<H", zlib.crc32(head) & 0xFFFF) + blob[end:]


def test_an_index_that_lies_never_yields_wrong_bytes(corpus):
    data = corpus[:3 * deflate.PIECE + 999]
    blob = deflate.compress(data, 6, format="gzip", mtime=0, index=True)
    piece, total, sizes, crcs = indexed.read_index(blob[12:_header_length(blob) - 2])
    lies = [
        (piece, total, [sizes[1], sizes[0]] + sizes[2:], crcs),  # sizes swapped
        (piece, total, [sizes[0] + 1, sizes[1] - 1] + sizes[2:], crcs),  # a boundary moved
        (piece, total - 1, sizes, crcs),  # the total one short
        (piece * 2, total, sizes[:2], crcs[:2]),  # the pieces merged
        (piece // 2, total, sizes, crcs),
        (piece, 10 * total, sizes, crcs),  # an impossible total
        (piece, total, sizes, [crcs[0] ^ 1] + crcs[1:]),  # a piece's CRC-32 wrong
    ]
    for lie in lies:
        forged = _reseal(blob, indexed.index_field(*lie))
        assert gzip.decompress(forged) == data
        assert deflate.decompress(forged, threads=2) == data  # detected, decoded from the start


def test_damage_under_a_true_index_is_an_error(corpus):
    data = corpus[:2 * deflate.PIECE + 77]
    blob = bytearray(deflate.compress(data, 6, format="gzip", mtime=0, index=True))
    rng = np.random.default_rng(3)
    start = _header_length(bytes(blob))
    for _ in range(40):
        damaged = bytearray(blob)
        damaged[rng.integers(start, len(blob))] ^= 1 << rng.integers(0, 8)
        try:
            out = deflate.decompress(bytes(damaged), threads=2)
        except FastzipError:
            continue
        assert out == data  # a flipped bit in an unused padding bit changes nothing
    with pytest.raises(ChecksumError):
        bad = bytearray(blob)
        bad[-8] ^= 1  # the trailer's CRC-32
        deflate.decompress(bytes(bad), threads=2)
    for cut in (start + 10, len(blob) // 2, len(blob) - 3):
        with pytest.raises(FastzipError):
            deflate.decompress(bytes(blob[:cut]), threads=2)


def test_the_output_limit_holds(corpus):
    data = corpus[:2 * deflate.PIECE]
    blob = deflate.compress(data, 6, format="gzip", index=True)
    with pytest.raises(OutputLimitError):
        deflate.decompress(blob, max_output_size=len(data) - 1, threads=2)
    assert deflate.decompress(blob, max_output_size=len(data), threads=2) == data


def test_index_needs_gzip():
    with pytest.raises(ValueError, match="gzip"):
        deflate.compress(b"abc", format="zlib", index=True)


def test_members_after_an_indexed_one(corpus):
    a, b = corpus[:deflate.PIECE + 3], corpus[-5000:]
    blob = deflate.compress(a, 6, format="gzip", index=True) + deflate.compress(b, 6, format="gzip")
    assert deflate.decompress(blob, threads=2) == a + b == gzip.decompress(blob)


def test_open_seeks_in_an_indexed_file(corpus, packed, tmp_path):
    path = tmp_path / "big.gz"
    path.write_bytes(packed)
    rng = np.random.default_rng(1)
    with deflate.open(path) as f:
        assert f.seekable()
        for _ in range(30):
            at = int(rng.integers(0, len(corpus) + 10))
            n = int(rng.integers(0, 300_000))
            assert f.seek(at) == at and f.read(n) == corpus[at:at + n] and f.tell() == min(at + n, len(corpus)) \
                or at > len(corpus)
        f.seek(-10, 2)
        assert f.read() == corpus[-10:]
        f.seek(0)
        assert f.read() == corpus
    with deflate.open(path, "rt", encoding="latin-1") as text:
        text.seek(0)
        assert text.read(50) == corpus[:50].decode("latin-1")


def test_ordinary_gzip_files_are_not_seekable(corpus, tmp_path):
    path = tmp_path / "plain.gz"
    path.write_bytes(deflate.compress(corpus[:100_000], 6, format="gzip"))
    with deflate.open(path) as f:
        assert not f.seekable()
        with pytest.raises(__import__("io").UnsupportedOperation):
            f.seek(5)
        assert f.read() == corpus[:100_000]


def test_a_seek_into_a_damaged_piece_is_an_error_not_wrong_bytes(corpus, tmp_path):
    data = corpus[:3 * deflate.PIECE]
    blob = bytearray(deflate.compress(data, 6, format="gzip", mtime=0, index=True))
    piece, total, sizes, crcs = indexed.read_index(bytes(blob[12:_header_length(bytes(blob)) - 2]))
    start = _header_length(bytes(blob)) + sizes[0] + sizes[1] // 2  # inside the second piece
    blob[start] ^= 0x10
    path = tmp_path / "damaged.gz"
    path.write_bytes(bytes(blob))
    with deflate.open(path) as f:
        assert f.read(1000) == data[:1000]  # the first piece is intact
        f.seek(piece + 5)
        with pytest.raises(FastzipError):
            f.read(10)
        f.seek(2 * piece)
        assert f.read(100) == data[2 * piece:2 * piece + 100]


def test_open_reads_an_indexed_file_on_several_threads(corpus, packed, tmp_path):
    path = tmp_path / "big.gz"
    path.write_bytes(packed)
    for n in (1, 2):
        with deflate.open(path, threads=n) as f:
            assert f.read() == corpus
            assert _parallel.last_workers() == n


def test_the_command_line_writes_and_reads_indexed_files(corpus, tmp_path):
    from fastzip.cli import main

    path = tmp_path / "big.bin"
    path.write_bytes(corpus)
    assert main(["compress", "--index", "-p", "2", "-k", str(path)]) == 0
    packed = (tmp_path / "big.bin.gz").read_bytes()
    assert indexed.read_index(packed[12:_header_length(packed) - 2]) is not None
    assert gzip.decompress(packed) == corpus
    path.unlink()
    assert main(["decompress", "-p", "2", str(tmp_path / "big.bin.gz")]) == 0
    assert path.read_bytes() == corpus


def test_reading_a_whole_damaged_indexed_file_never_yields_wrong_bytes(corpus, tmp_path):
    """``open(...).read()`` of an indexed file decodes every piece side by side, each checked
    against its CRC-32: a flipped bit is an error or changes nothing, as for decompress()."""
    data = corpus[:2 * deflate.PIECE + 77]
    blob = bytearray(deflate.compress(data, 6, format="gzip", mtime=0, index=True))
    rng = np.random.default_rng(4)
    start = _header_length(bytes(blob))
    path = tmp_path / "damaged.gz"
    for _ in range(30):
        damaged = bytearray(blob)
        damaged[rng.integers(start, len(blob) - 8)] ^= 1 << rng.integers(0, 8)
        path.write_bytes(bytes(damaged))
        try:
            with deflate.open(path, threads=2) as f:
                out = f.read()
        except FastzipError:
            continue
        assert out == data
    path.write_bytes(bytes(blob))
    with deflate.open(path, threads=2) as f:
        assert f.seekable() and f.read() == data
