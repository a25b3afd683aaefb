"""Hostile DEFLATE, zlib and gzip input: always a fastzip error, never a crash, hang or over-read."""

import gzip
import io
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from fastzip import ChecksumError, FastzipError, FormatError, OutputLimitError, deflate

from common import assert_every_cut_fails, mutants, outcomes
from deflate_craft import Bits, dynamic_header, fixed_block

REGRESSIONS = Path(__file__).parent / "fuzz_regressions" / "inflate"


def inflate_raw(data, **kw):
    return deflate.decompress(data, format="raw", **kw)


def stream_chunks(data, format="raw", **kw):
    return b"".join(deflate.Decompressor(io.BytesIO(data), format=format, **kw).chunks())


@pytest.fixture(scope="module")
def sample(real_corpora):
    return real_corpora["stdlib_text"][:3000]


@pytest.mark.parametrize("format", ["zlib", "gzip", "raw"])
def test_truncated_at_every_byte(sample, format):
    assert_every_cut_fails(deflate.compress(sample, 6, format=format), lambda b: deflate.decompress(b, format=format))


def test_truncated_streams_through_the_streaming_decoder(sample):
    assert_every_cut_fails(zlib.compress(sample * 30, 9), lambda b: stream_chunks(b, format="zlib"), step=97)


def test_invalid_block_type():
    with pytest.raises(FormatError, match="block type"):
        inflate_raw(bytes([0b111]))


def test_stored_length_mismatch():
    with pytest.raises(FormatError, match="LEN/NLEN"):
        inflate_raw(b"\x01\x05\x00\xfa\xfe" + b"x" * 5)
    assert inflate_raw(b"\x01\x05\x00\xfa\xff" + b"hello") == b"hello"


def test_distance_before_start_of_output():
    # A fixed block whose first token is a match: length 3 (symbol 257), distance 1 (symbol 0).
    block = fixed_block([(257, 0, 0, 0, 0, 0), 256]).bytes()
    with pytest.raises(FormatError, match="before the start"):
        inflate_raw(block)
    # After one literal, the same match is fine: "aaaa".
    assert inflate_raw(fixed_block([97, (257, 0, 0, 0, 0, 0), 256]).bytes()) == b"aaaa"


def test_distance_past_output_so_far_with_longer_history():
    block = fixed_block([97, 98, (257, 0, 0, 2, 0, 0), 256]).bytes()  # distance 3 after 2 bytes
    with pytest.raises(FormatError, match="before the start"):
        inflate_raw(block)


@pytest.mark.parametrize("sym", [286, 287])
def test_length_symbols_286_287(sym):
    with pytest.raises(FormatError, match="286 or 287"):
        inflate_raw(fixed_block([97, sym, 256]).bytes())


@pytest.mark.parametrize("dsym", [30, 31])
def test_distance_symbols_30_31(dsym):
    with pytest.raises(FormatError, match="30 or 31"):
        inflate_raw(fixed_block([97, (257, 0, 0, dsym, 0, 0), 256]).bytes())


def complete_litlen():
    # 256 literals of length 9 would over-fill with EOB; use a complete code: EOB and 'a' at 1 bit.
    lengths = [0] * 257
    lengths[97] = 1
    lengths[256] = 1
    return lengths


def test_dynamic_block_round_trip_of_the_crafting_helper():
    b = dynamic_header(complete_litlen(), [1]).code(0, 1).code(0, 1).code(1, 1)  # 'a', 'a', EOB
    assert inflate_raw(b.bytes()) == b"aa"


def test_over_subscribed_litlen_code():
    lengths = complete_litlen()
    lengths[98] = 1  # three one-bit codes
    with pytest.raises(FormatError, match="over-subscribed"):
        inflate_raw(dynamic_header(lengths, [1]).bytes() + b"\0" * 8)


def test_incomplete_litlen_code():
    lengths = complete_litlen()
    lengths[97] = 2  # 1 + 1/4 of the code space
    with pytest.raises(FormatError, match="incomplete"):
        inflate_raw(dynamic_header(lengths, [1]).bytes() + b"\0" * 8)


def test_incomplete_code_length_code():
    cl = [4] * 15 + [0, 0, 0, 0]  # fifteen 4-bit codes: one short of complete
    with pytest.raises(FormatError, match="incomplete"):
        inflate_raw(dynamic_header([1] * 2 + [0] * 255, [1], cl_lengths=cl).bytes() + b"\0" * 8)


def test_missing_end_of_block_code():
    lengths = [0] * 257
    lengths[97] = 1
    lengths[98] = 1
    with pytest.raises(FormatError, match="end-of-block"):
        inflate_raw(dynamic_header(lengths, [1]).bytes() + b"\0" * 8)


def test_too_many_codes_and_bad_repeats():
    # HLIT = 287 (field 30)
    b = Bits().put(1, 1).put(2, 2).put(30, 5).put(0, 5).put(15, 4)
    with pytest.raises(FormatError, match="too many"):
        inflate_raw(b.bytes() + b"\0" * 40)
    # A repeat (16) as the very first code length.
    cl = [0] * 19
    cl[16], cl[0] = 1, 1
    order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    b = Bits().put(1, 1).put(2, 2).put(0, 5).put(0, 5).put(15, 4)
    for sym in order:
        b.put(cl[sym], 3)
    b.code(1, 1)  # symbol 16 is the second code (codes: 0 -> 0, 1 -> 16)
    with pytest.raises(FormatError, match="no previous"):
        inflate_raw(b.bytes() + b"\0" * 40)


def test_checksum_errors():
    packed = bytearray(zlib.compress(b"hello world" * 10))
    packed[-1] ^= 1
    with pytest.raises(ChecksumError, match="Adler-32"):
        deflate.decompress(bytes(packed))
    packed = bytearray(gzip.compress(b"hello world" * 10))
    packed[-5] ^= 1
    with pytest.raises(ChecksumError, match="CRC-32"):
        deflate.decompress(bytes(packed))
    packed = bytearray(gzip.compress(b"hello world" * 10))
    packed[-1] ^= 1
    with pytest.raises(FormatError, match="ISIZE"):
        deflate.decompress(bytes(packed))


def test_bad_headers():
    with pytest.raises(FormatError, match="FCHECK"):
        deflate.decompress(b"\x78\x9d" + b"\0" * 10, format="zlib")
    with pytest.raises(FormatError, match="method"):
        deflate.decompress(b"\x79\x9c" + b"\0" * 10, format="zlib")
    with pytest.raises(FormatError, match="bad magic"):
        deflate.decompress(b"\x1f\x8c" + b"\0" * 20, format="gzip")
    with pytest.raises(FormatError, match="reserved"):
        deflate.decompress(b"\x1f\x8b\x08\xe0" + b"\0" * 20, format="gzip")
    with pytest.raises(FormatError, match="FNAME"):
        deflate.decompress(b"\x1f\x8b\x08\x08" + b"\0" * 6 + b"name-without-end", format="gzip")


def test_trailing_data_policy():
    with pytest.raises(FormatError, match="trailing data"):
        deflate.decompress(zlib.compress(b"abc") + b"x")
    with pytest.raises(FormatError, match="trailing garbage"):
        deflate.decompress(gzip.compress(b"abc") + b"garbage")
    assert deflate.decompress(gzip.compress(b"abc") + b"\0\0\0") == b"abc"


def test_decompression_bombs_stop_at_the_limit():
    bomb = zlib.compress(b"\0" * (20 << 20), 9)  # 20 MiB from ~20 KB
    with pytest.raises(OutputLimitError):
        deflate.decompress(bomb, max_output_size=1 << 20)
    with pytest.raises(OutputLimitError):
        stream_chunks(bomb, format="zlib", max_output_size=1 << 20)
    assert len(deflate.decompress(bomb, max_output_size=20 << 20)) == 20 << 20
    gz_bomb = gzip.compress(b"\0" * (4 << 20)) * 3
    with pytest.raises(OutputLimitError):
        deflate.decompress(gz_bomb, max_output_size=10 << 20)


def test_thousands_of_mutated_streams(sample):
    """Bit flips in stored, fastzip-coded and zlib-coded streams: each is an error or an output
    within the limit. Raw DEFLATE has no checksum, so some pass; in Huffman-coded streams a
    flip breaks a code table or a code often enough that a fifth or more are caught (27-39 %
    here), in stored ones only a flip in a block header is."""
    rng = np.random.default_rng(1950)
    bases = [deflate.compress(sample, level, format="raw") for level in (0, 1, 6)] + [zlib.compress(sample, 9)[2:-4]]

    def check(out):
        assert len(out) <= 1 << 16

    for i, base in enumerate(bases):
        counts = outcomes(lambda s: inflate_raw(s, max_output_size=1 << 16), mutants(base, rng, 1000, how="flip"),
                          check)
        assert counts["ok"] > 0
        if i > 0:
            assert counts["error"] > 200, i


def test_decompress_into_survives_cuts_and_mutants(sample):
    """The same hostile inputs into a fixed buffer: fastzip errors, and never a write past it."""
    base = deflate.compress(sample * 4, 6, format="zlib")
    out = np.zeros(len(sample) * 4 + 16, np.uint8)
    assert_every_cut_fails(base, lambda b: deflate.decompress_into(b, out[:-16]), step=13, error=FastzipError)
    rng = np.random.default_rng(11)
    counts = outcomes(lambda s: deflate.decompress_into(s, out[:-16], format="raw"),
                      mutants(base[2:-4], rng, 1000, how="flip"))
    assert counts["error"] > 100 and (out[-16:] == 0).all()


def test_fuzz_regressions_only_raise_fastzip_errors():
    files = sorted(REGRESSIONS.glob("*.bin"))
    assert files, "the regression corpus is missing"
    for path in files:
        data = path.read_bytes()
        for fmt in ("raw", "zlib", "gzip", "auto"):
            try:
                deflate.decompress(data, format=fmt, max_output_size=1 << 20)
            except FastzipError:
                pass
            try:
                stream_chunks(data, format=fmt, max_output_size=1 << 20)
            except FastzipError:
                pass


def test_fuzz_regressions_decode_as_zlib_does():
    """Each kept input through the fuzzer's own check: one-shot, streamed and fed (pieces and
    output bounds) all give zlib's bytes, or all refuse."""
    sys.path.insert(0, str(Path(__file__).parent / "fuzz"))
    try:
        from fuzz_inflate import one_input
    finally:
        sys.path.pop(0)
    for path in sorted(REGRESSIONS.glob("*.bin")):
        one_input(path.read_bytes())


def _cl_header(cl, hlit=257, hdist=1) -> Bits:
    """A dynamic block header up to its code-length code (all 19 lengths sent)."""
    order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    b = Bits().put(1, 1).put(2, 2).put(hlit - 257, 5).put(hdist - 1, 5).put(15, 4)
    for sym in order:
        b.put(cl[sym], 3)
    return b


def _one_distance_code_then_its_missing_twin() -> bytes:
    lengths = [0] * 258
    lengths[97], lengths[256], lengths[257] = 1, 2, 2  # 'a' 0, EOB 10, length-3 11
    # One distance code (allowed incomplete, as zlib allows); its bit 1 is no code.
    return dynamic_header(lengths, [1]).code(0, 1).code(3, 2).put(1, 1).bytes() + b"\0" * 4


def _zero_runs_past_the_lengths() -> bytes:
    cl = [0] * 19
    cl[1], cl[18] = 1, 1  # length 1 -> code 0, repeat-zero (18) -> code 1
    b = _cl_header(cl)
    for _ in range(2):  # 2 x 138 zeros > 258 lengths
        b.code(1, 1).put(127, 7)
    return b.bytes() + b"\0" * 8


def _repeat_first() -> bytes:
    cl = [0] * 19
    cl[16], cl[0] = 1, 1  # codes: 0 -> 0, 1 -> 16
    return _cl_header(cl, hlit=257).code(1, 1).bytes() + b"\0" * 40


def _litlen_lengths(**at) -> list:
    lengths = complete_litlen()
    for sym, n in at.items():
        lengths[int(sym[1:])] = n
    return lengths


# Each of inflate's named errors (a phrase of its message) and a stream that ends in it.
NAMED_ERRORS = {
    "block type 3": lambda: bytes([0b111]),
    "LEN/NLEN": lambda: b"\x01\x05\x00\xfa\xfe" + b"x" * 5,
    "over-subscribed": lambda: dynamic_header(_litlen_lengths(s98=1), [1]).bytes() + b"\0" * 8,
    "incomplete Huffman": lambda: dynamic_header(_litlen_lengths(s97=2), [1]).bytes() + b"\0" * 8,
    "no code of the block": _one_distance_code_then_its_missing_twin,
    "before the start": lambda: fixed_block([(257, 0, 0, 0, 0, 0), 256]).bytes(),
    "(truncated)": lambda: fixed_block([97, 98], final=False).bytes(),
    "286 or 287": lambda: fixed_block([97, 286, 256]).bytes(),
    "30 or 31": lambda: fixed_block([97, (257, 0, 0, 30, 0, 0), 256]).bytes(),
    "no end-of-block": lambda: dynamic_header(_litlen_lengths(s256=0, s98=1), [1]).bytes() + b"\0" * 8,
    "no previous length": _repeat_first,
    "runs past the number": _zero_runs_past_the_lengths,
    "too many": lambda: Bits().put(1, 1).put(2, 2).put(30, 5).put(0, 5).put(15, 4).bytes() + b"\0" * 40,
}


def _message(phrase: str) -> str:
    from fastzip._native.inflate import ERRORS

    (message,) = [m for m in ERRORS.values() if phrase in m]
    return f"invalid DEFLATE data: {message}"


def test_every_named_inflate_error_is_tested():
    from fastzip._native.inflate import ERRORS

    assert sorted(_message(p) for p in NAMED_ERRORS) == sorted(f"invalid DEFLATE data: {m}" for m in ERRORS.values())


@pytest.mark.parametrize("phrase", sorted(NAMED_ERRORS))
def test_each_inflate_error_says_what_is_wrong(phrase):
    stream = NAMED_ERRORS[phrase]()
    with pytest.raises(FormatError) as whole:
        deflate.decompress(stream, format="raw")
    assert str(whole.value) == _message(phrase)
    with pytest.raises(FormatError) as streamed:
        stream_chunks(stream, format="raw")
    assert str(streamed.value) == _message(phrase)
