"""The parses behind the levels (``_native/deflate.pyx``, ``match_finders.pxd``) on the edges
the level tests do not reach: inputs parsed in spans (as those over 1 GiB are), and the last
bytes of the data, where the 4-byte hashes cannot be formed."""

import zlib

import pytest

from fastzip._native.deflate import OUTPUT_FULL, Deflater
from fastzip.deflate import compressed_bound
from fastzip.deflate.engine import LEVELS


def _raw(deflater, data: bytes) -> bytes:
    out = bytearray(compressed_bound(len(data)) + 8)
    written = deflater.compress(data, 0, True, out)
    return bytes(out[:written])


@pytest.mark.parametrize("level", range(1, 13))
def test_spans_join_into_one_stream(real_corpora, level):
    """Parsed 64 KiB at a time, each span with the 32 KiB before it as history, the stream
    decodes to the input and is barely larger than one parsed whole."""
    data = real_corpora["stdlib_text"][:200_000] + real_corpora["image"][:100_000]
    whole = _raw(Deflater(*LEVELS[level]), data)
    spans = _raw(Deflater(*LEVELS[level], span=1 << 16), data)
    assert zlib.decompress(spans, -15) == data
    assert len(spans) <= len(whole) * 1.01


@pytest.mark.parametrize("level", range(1, 10))
def test_every_tail_length(level):
    """Inputs that end 0-8 bytes after a repeat: the last positions are matched or sent as literals."""
    for extra in range(9):
        data = b"abcdefgh" * 40 + b"xyz1234!"[:extra]
        assert zlib.decompress(_raw(Deflater(*LEVELS[level]), data), -15) == data


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        Deflater(9, 1, 8, 0)
    with pytest.raises(ValueError):
        Deflater(*LEVELS[6][:2], 300, 0)
    with pytest.raises(ValueError):
        Deflater(*LEVELS[6], span=1000)


@pytest.mark.parametrize("level", [1, 6, 10])
def test_an_output_buffer_just_large_enough(real_corpora, level):
    """Blocks are written with 8-byte stores where the buffer has room and byte by byte near its
    end: given exactly the room the stream needs, the bytes are the same; one byte less is
    reported, never overrun."""
    data = real_corpora["stdlib_text"][:60_000] + real_corpora["image"][:60_000]
    whole = _raw(Deflater(*LEVELS[level]), data)
    for room in (len(whole), len(whole) + 3):
        out = bytearray(room + 16)
        written = Deflater(*LEVELS[level]).compress(data, 0, True, memoryview(out)[:room])
        assert bytes(out[:written]) == whole and not any(out[room:])
    assert Deflater(*LEVELS[level]).compress(data, 0, True, bytearray(len(whole) - 1)) == OUTPUT_FULL
