"""Differential fuzzing of the native inflater against zlib (atheris, coverage-guided).

    python tests/fuzz/fuzz_inflate.py -max_total_time=300 -artifact_prefix=tests/fuzz_regressions/inflate/ SEEDS_DIR

Every input is decoded as raw DEFLATE by fastzip, one-shot and streaming, and by zlib. The
fuzzer stops on anything but a FastzipError from fastzip, and on any disagreement: both
must accept the same streams and produce the same bytes. Inputs it stops on are kept in
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


def one_input(data: bytes) -> None:
    try:
        ours = deflate.decompress(data, format="raw", max_output_size=LIMIT)
    except FastzipError:
        ours = None
    try:
        streamed = b"".join(deflate.Decompressor(io.BytesIO(data), format="raw", max_output_size=LIMIT).chunks())
    except FastzipError:
        streamed = None
    theirs = peer(data)
    if not (ours == streamed == theirs):
        raise AssertionError(f"disagreement: one-shot {ours is not None}, streamed {streamed is not None}, "
                             f"zlib {theirs is not None}")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
