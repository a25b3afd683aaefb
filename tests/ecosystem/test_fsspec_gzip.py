"""fsspec opens gzip files through fastzip under "fastzip-gzip", both ways, and only takes
over "gzip" when asked."""

import gzip

import pytest

fsspec = pytest.importorskip("fsspec")
from fastzip import FastzipError, deflate  # noqa: E402
from fastzip.plugins import fsspec_gzip  # noqa: E402


@pytest.fixture(autouse=True)
def registered():
    from fsspec.compression import compr
    from fsspec.utils import compressions

    saved = dict(compr), dict(compressions)
    fsspec_gzip.register()
    yield
    compr.clear(), compr.update(saved[0])
    compressions.clear(), compressions.update(saved[1])


def test_reads_gzip_files_written_by_gzip(tmp_path, real_corpora):
    text = real_corpora["stdlib_text"][:400_000]
    path = tmp_path / "a.txt.gz"
    path.write_bytes(gzip.compress(text, 9) + gzip.compress(b"second member\n"))
    with fsspec.open(str(path), "rb", compression="fastzip-gzip") as f:
        assert type(f).__module__ == "fastzip.deflate.stream"
        assert f.read() == text + b"second member\n"
    with fsspec.open(str(path), "rt", compression="fastzip-gzip", encoding="utf-8", errors="replace") as f:
        first = f.readline()
    assert first == text.split(b"\n")[0].decode("utf-8", "replace") + "\n"


def test_writes_files_gzip_reads(tmp_path, real_corpora):
    text = real_corpora["stdlib_text"][:200_000]
    path = tmp_path / "b.gz"
    with fsspec.open(str(path), "wb", compression="fastzip-gzip") as f:
        f.write(text[:1000])
        f.write(text[1000:])
    assert gzip.decompress(path.read_bytes()) == text


def test_damaged_files_raise_fastzip_errors(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(b"x" * 100_000)[:-20])
    with pytest.raises(FastzipError):
        with fsspec.open(str(path), "rb", compression="fastzip-gzip") as f:
            f.read()


def test_taking_over_gzip_is_opt_in(tmp_path):
    path = tmp_path / "c.gz"
    path.write_bytes(deflate.compress(b"hello\n" * 1000, format="gzip"))
    with fsspec.open(str(path), "rb", compression="infer") as f:
        assert type(f).__module__ != "fastzip.deflate.stream"
    fsspec_gzip.register(replace_gzip=True)
    fsspec_gzip.register(replace_gzip=True)  # again is harmless
    for compression in ("infer", "gzip"):
        with fsspec.open(str(path), "rb", compression=compression) as f:
            assert type(f).__module__ == "fastzip.deflate.stream" and f.read() == b"hello\n" * 1000
    with pytest.raises(TypeError):
        fsspec_gzip.open_gzip(path.open("rb"), "rb", window=3)
