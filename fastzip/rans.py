"""rANS entropy coding of integer values under per-value tables of cumulative frequencies.

Any discrete model fits: a table is a row of ``bins + 1`` cumulative frequencies from 0 to
2**16 (:data:`PRECISION` bits), each bin at least 1, whose last bin is the escape for values
outside the others (coded after it with an Exp-Golomb code, so any int32 value can be coded
with any table). Value ``i`` is coded with row ``tables[i]`` and falls in bin
``values[i] - offset[tables[i]]``. A learned codec's discretized Laplace or Gaussian, at a few
hundred (scale, mean) levels, is one table each.

- :func:`encode` / :func:`decode`: whole arrays; the stream is bare (the container stores its
  length and the value count).
- :class:`Decoder`: any number of values at a time, for models whose next probabilities depend
  on what was decoded (auto-regressive models, wavefront by wavefront).

``impl="native"`` (Cython), ``impl="reference"`` (the readable twin in
:mod:`fastzip.reference.rans`) and ``impl="numba"`` (the twin compiled) write identical bytes. Decoding raises :class:`FormatError` for
a truncated or damaged stream (the decoder checks that it ends exactly where the encoder
began); it never reads outside the stream.
"""

from __future__ import annotations

import numpy as np

from ._jit import check_impl, compiled
from ._native import rans as _native
from .errors import FormatError
from .reference import rans as _reference

__all__ = ["PRECISION", "encode", "decode", "Decoder", "check_tables", "tables_from_probabilities"]

PRECISION = _reference.PRECISION
_IMPLS = ("native", "numba", "reference")
_ERRORS = {_reference.TRUNCATED: "rANS stream truncated", _reference.CORRUPT: "rANS stream corrupt"}


def check_tables(cdf, offset) -> tuple[np.ndarray, np.ndarray]:
    """``cdf`` as C-contiguous uint32 (T x bins + 1) and ``offset`` as int32 (T), or ValueError:
    every row from 0 to 2**PRECISION, strictly increasing, at least two bins."""
    cdf = np.ascontiguousarray(cdf, dtype=np.int64)
    offset = np.ascontiguousarray(offset, dtype=np.int64)
    if cdf.ndim != 2 or cdf.shape[1] < 3 or offset.shape != (cdf.shape[0],):
        raise ValueError("cdf must be T x (bins + 1) with bins >= 2, offset T values")
    if (cdf[:, 0] != 0).any() or (cdf[:, -1] != 1 << PRECISION).any() or (np.diff(cdf, axis=1) < 1).any():
        raise ValueError(f"every cdf row must rise strictly from 0 to 2**{PRECISION}")
    if (np.abs(offset) >= 1 << 30).any():
        raise ValueError("offsets must be within +-2**30")
    return cdf.astype(np.uint32), offset.astype(np.int32)


def _check_indices(tables, count: int, rows: int) -> np.ndarray:
    tables = np.ascontiguousarray(tables, dtype=np.int32)
    if tables.shape != (count,) or (count and (tables.min() < 0 or tables.max() >= rows)):
        raise ValueError(f"tables must hold {count} row indices below {rows}")
    return tables


def encode(values, tables, cdf, offset, *, impl: str = "native") -> bytes:
    """The rANS stream of int32 ``values``, value i under row ``tables[i]`` of ``cdf``."""
    check_impl(impl, _IMPLS)
    cdf, offset = check_tables(cdf, offset)
    values = np.ascontiguousarray(values, dtype=np.int64)
    if values.ndim != 1 or (values.size and (values.min() < -(1 << 31) or values.max() >= 1 << 31)):
        raise ValueError("values must be a 1-D array of int32 values")
    values = values.astype(np.int32)
    tables = _check_indices(tables, len(values), len(cdf))
    # At most two bytes a step; an escaped value takes 2 * bits + 1 steps (bits of its excess).
    excess = values.astype(np.int64) - offset[tables]
    bins = cdf.shape[1] - 1
    escaped = np.where(excess < 0, -excess, excess - (bins - 2))[(excess < 0) | (excess >= bins - 1)]
    steps = len(values) + int((2 * np.floor(np.log2(np.maximum(escaped, 1))) + 2).sum())
    out = np.empty(2 * steps + 8, np.uint8)
    if impl == "native":
        start = _native.encode(values, tables, cdf, offset, out)
    else:
        coder = _reference.encode if impl == "reference" else compiled(_reference.encode)
        start = coder(values, tables, cdf.astype(np.int64), offset.astype(np.int64), out)
    if start < 0:
        raise RuntimeError("rANS output bound too small (a fastzip bug)")
    return out[start:].tobytes()


class Decoder:
    """Decodes a stream in pieces: ``decode(tables)`` returns the next ``len(tables)`` values;
    ``finish()`` checks that the stream ended there. Raises :class:`FormatError` on damage."""

    def __init__(self, data, cdf, offset, *, impl: str = "native"):
        check_impl(impl, _IMPLS)
        self._cdf, self._offset = check_tables(cdf, offset)
        self._data = np.frombuffer(memoryview(data).cast("B"), np.uint8)
        self._impl = impl
        if impl == "native":
            self._coder = _native.Decoder(self._data)
        else:
            self._cdf, self._offset = self._cdf.astype(np.int64), self._offset.astype(np.int64)
            self._run = _reference.decode if impl == "reference" else compiled(_reference.decode)
            self._state = _reference.decoder_state(self._data)

    def decode(self, tables) -> np.ndarray:
        tables = _check_indices(tables, len(tables), len(self._cdf))
        out = np.empty(len(tables), np.int32)
        if self._impl == "native":
            status = self._coder.decode(tables, self._cdf, self._offset, out)
        else:
            status = self._run(self._data, self._state, tables, self._cdf, self._offset, out)
        if status:
            raise FormatError(_ERRORS[status])
        return out

    def finish(self) -> None:
        if self._impl == "native":
            status = self._coder.finish()
        else:
            status = _reference.finish(self._data, self._state)
        if status:
            raise FormatError(_ERRORS[status] + " (it does not end where its values do)")


def decode(data, tables, cdf, offset, *, impl: str = "native") -> np.ndarray:
    """The ``len(tables)`` values of a whole stream made by :func:`encode`."""
    decoder = Decoder(data, cdf, offset, impl=impl)
    values = decoder.decode(tables)
    decoder.finish()
    return values


def tables_from_probabilities(probabilities) -> np.ndarray:
    """Cumulative frequency rows (T x bins + 1) from probabilities (T x bins, the last bin the
    escape): every bin keeps at least 1 of the 2**PRECISION, the rest in proportion, rounded
    so that each row sums exactly. Deterministic for the same input on every machine only if
    the input is; a codec whose decoder rebuilds tables must feed it exact values."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2 or (p < 0).any() or not np.isfinite(p).all():
        raise ValueError("probabilities must be T x bins, non-negative and finite")
    bins = p.shape[1]
    spare = (1 << PRECISION) - bins
    p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-300)
    freq = 1 + np.floor(p * spare).astype(np.int64)
    short = (1 << PRECISION) - freq.sum(axis=1)
    freq[np.arange(len(freq)), np.argmax(p, axis=1)] += short  # the rounding remainder to the likeliest bin
    cdf = np.zeros((len(p), bins + 1), np.int64)
    np.cumsum(freq, axis=1, out=cdf[:, 1:])
    return cdf
