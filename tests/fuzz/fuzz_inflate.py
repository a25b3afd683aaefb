"""Differential fuzzing of the native inflater against zlib (atheris, coverage-guided).

    python tests/fuzz/fuzz_inflate.py -max_total_time=300 -artifact_prefix=tests/fuzz_regressions/inflate/ SEEDS_DIR

Every input is decoded as raw DEFLATE by fastzip (one-shot, streaming from a file, and fed in
pieces with output bounds as ``zlib.decompressobj()`` is) and by zlib. The fuzzer stops on
anything but a FastzipError from fastzip, and on any disagreement: all must accept the same
streams and produce the same bytes. Inputs it stops on are kept in
tests/fuzz_regressions/inflate/ and replayed by tests/test_deflate_hostile.py.
"""

import io
import sys
import zlib

try:
    import atheris
except ImportError:  # mutate_inflate.py reuses one_input without atheris
    atheris = None

if atheris is not None:
    with atheris.instrument_imports():
        from fastzip import FastzipError, deflate
else:
    from fastzip import FastzipError, deflate

LIMIT = 1 << 20


def peer(data: bytes):
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(data, LIMIT + 1)
    except zlib.error:
        return None
    if not d.eof or d.unused_data or d.unconsumed_tail or len(out) > LIMIT:
        return None
    return out


def fed(data: bytes):
    """Decoded by a fed Decompressor: pieces of 1-4,000 bytes and output bounds of 1-70,000 bytes
    (0: none), both drawn from the input's own checksum so that a failure replays; the
    ``unconsumed_tail`` each bounded call leaves is given again, as a zlib caller does."""
    state = zlib.crc32(data) | 1
    def draw(top: int) -> int:
        nonlocal state
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        return state % top
    d = deflate.Decompressor(format="raw", max_output_size=LIMIT)
    out, off = [], 0
    try:
        while off < len(data) or d.unconsumed_tail:
            if d.unconsumed_tail:
                piece = d.unconsumed_tail
            else:
                piece = data[off:off + 1 + draw(4000)]
                off += len(piece)
            out.append(d.decompress(piece, draw(70000) if draw(2) else 0))
            if d.eof:
                break
        out.append(d.flush())
    except FastzipError:
        return None
    if not d.eof or d.unused_data or off < len(data):
        return None
    return b"".join(out)


def one_input(data: bytes) -> None:
    try:
        ours = deflate.decompress(data, format="raw", max_output_size=LIMIT)
    except FastzipError:
        ours = None
    try:
        streamed = b"".join(deflate.Decompressor(io.BytesIO(data), format="raw", max_output_size=LIMIT).chunks())
    except FastzipError:
        streamed = None
    pieces = fed(data)
    theirs = peer(data)
    if not (ours == streamed == pieces == theirs):
        raise AssertionError(f"disagreement: one-shot {ours is not None}, streamed {streamed is not None}, "
                             f"fed {pieces is not None}, zlib {theirs is not None}")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
