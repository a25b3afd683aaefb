"""gzip files through fastzip for fsspec: ``fsspec.open(path, "rt", compression="fastzip-gzip")``
reads with fastzip's bounded-memory decompressor (and writes with its compressor).

fsspec looks compressions up in a table filled by calls, not entry points, so this takes one
call: :func:`register` (``register(replace_gzip=True)`` also makes fastzip the implementation
behind ``compression="gzip"`` and ``"infer"`` on ``.gz`` files, an opt-in: it changes what
other code in the process gets).
"""

from __future__ import annotations

from .. import deflate

__all__ = ["NAME", "open_gzip", "register"]

NAME = "fastzip-gzip"


def open_gzip(infile, mode: str = "rb", *, level: int = 6, max_output_size: int | None = None, **unused):
    """A gzip reader or writer over the open binary file ``infile`` (fsspec's callback shape;
    fsspec closes ``infile`` itself). Options fsspec may pass that gzip has no use for (such as
    ``compresslevel`` naming, from :class:`gzip.GzipFile`) map or are refused."""
    if "compresslevel" in unused:
        level = unused.pop("compresslevel")
    if unused:
        raise TypeError(f"{NAME}: unexpected options {sorted(unused)}")
    kind = mode.replace("b", "").replace("t", "")
    return deflate.open(infile, kind + "b", level, format="gzip", max_output_size=max_output_size)


def register(*, replace_gzip: bool = False) -> None:
    """Register ``"fastzip-gzip"`` with fsspec (again is harmless); with ``replace_gzip`` also
    take over ``"gzip"`` and the ``.gz`` extension."""
    from fsspec.compression import compr, register_compression

    if compr.get(NAME) is not open_gzip:
        register_compression(NAME, open_gzip, [], force=True)
    if replace_gzip:
        register_compression("gzip", open_gzip, "gz", force=True)
