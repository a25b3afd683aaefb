"""fastzip's codecs under the names other tools look up, each module importing only its tool:

- :mod:`.numcodecs_codecs` — ``numcodecs`` codecs (Zarr format 2, and anything using
  numcodecs): ``fastzip.deflate``, ``fastzip.huffman``, ``fastzip.jpeg``;
- :mod:`.zarr_codecs` — Zarr format 3 codecs under the same names (zarr-python 3);
- :mod:`.fsspec_gzip` — ``fsspec.open(..., compression="fastzip-gzip")``;
- :mod:`.chunks` — what the codecs share: the image a chunk holds, the JPEG settings.

numcodecs and zarr find the codecs through entry points (``pyproject.toml``), so a user never
imports this package; fsspec has no entry point for compressions, so :func:`.fsspec_gzip.register`
is one call. Install with ``pip install "fastzip[zarr]"``.
"""
