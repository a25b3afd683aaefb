"""rANS: native, numba and reference write the same bytes, every stream decodes to its values under
any tables (extreme scales, escapes far outside the table, one value, none), the size is
within a whisker of the model's information, and damaged streams raise fastzip errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastzip import FastzipError, FormatError, rans

from common import assert_every_cut_fails, mutants, outcomes

IMPLS = ["native", "numba", "reference"]


def laplace_tables(scales, half_width=12):
    """Discretized Laplace tables centred on 0 over [-half_width, half_width], plus the escape."""
    xs = np.arange(-half_width, half_width + 1)

    def cdf(x, b):
        tail = 0.5 * np.exp(-np.abs(x) / b)
        return np.where(x < 0, tail, 1 - tail)

    probs = [np.append(cdf(xs + 0.5, b) - cdf(xs - 0.5, b), 1e-9) for b in scales]
    return rans.tables_from_probabilities(np.array(probs)), np.full(len(scales), -half_width)


TABLES = laplace_tables(np.geomspace(0.01, 1000, 25))


@given(st.lists(st.tuples(st.integers(-(1 << 31), (1 << 31) - 1), st.integers(0, 24)), max_size=300),
       st.sampled_from([0, 1, 2]))
def test_native_and_reference_write_the_same_bytes_and_both_decode(pairs, skew):
    cdf, offset = TABLES
    values = np.array([v >> (8 * skew + (16 if skew else 0)) for v, _ in pairs], np.int64).astype(np.int32)
    tables = np.array([t for _, t in pairs], np.int32)
    streams = {impl: rans.encode(values, tables, cdf, offset, impl=impl) for impl in IMPLS}
    assert streams["native"] == streams["reference"] == streams["numba"]
    for impl in IMPLS:
        assert np.array_equal(rans.decode(streams["native"], tables, cdf, offset, impl=impl), values)


@pytest.mark.parametrize("impl", IMPLS)
def test_resumable_decoding_in_pieces(impl):
    cdf, offset = TABLES
    rng = np.random.default_rng(3)
    tables = rng.integers(0, 25, 3000).astype(np.int32)
    values = np.rint(rng.laplace(0, np.geomspace(0.01, 1000, 25)[tables])).astype(np.int32)
    blob = rans.encode(values, tables, cdf, offset)
    decoder = rans.Decoder(blob, cdf, offset, impl=impl)
    pieces = [decoder.decode(tables[a:b]) for a, b in zip([0, 1, 7, 500, 2999], [1, 7, 500, 2999, 3000])]
    decoder.finish()
    assert np.array_equal(np.concatenate(pieces), values)


def test_size_is_close_to_the_information():
    cdf, offset = TABLES
    rng = np.random.default_rng(4)
    tables = rng.integers(5, 20, 100_000).astype(np.int32)
    values = np.rint(rng.laplace(0, np.geomspace(0.01, 1000, 25)[tables])).astype(np.int32)
    bins = np.clip(values - offset[tables], 0, cdf.shape[1] - 2)
    in_table = (values - offset[tables] >= 0) & (values - offset[tables] < cdf.shape[1] - 2)
    freq = (cdf[tables, bins + 1] - cdf[tables, bins]).astype(np.float64)
    information = -np.log2(freq[in_table] / 65536).sum() / 8
    size = len(rans.encode(values[in_table], tables[in_table], cdf, offset))
    assert information <= size <= information * 1.001 + 16


def test_edge_streams():
    cdf, offset = TABLES
    for impl in IMPLS:
        empty = rans.encode([], [], cdf, offset, impl=impl)
        assert len(empty) == 4 and rans.decode(empty, [], cdf, offset, impl=impl).size == 0
        one = rans.encode([5], [3], cdf, offset, impl=impl)
        assert rans.decode(one, [3], cdf, offset, impl=impl).tolist() == [5]


@pytest.mark.parametrize("impl", IMPLS)
def test_damaged_streams_raise_format_errors(impl):
    cdf, offset = TABLES
    rng = np.random.default_rng(5)
    tables = rng.integers(0, 25, 400).astype(np.int32)
    values = rng.integers(-40, 40, 400).astype(np.int32)
    blob = rans.encode(values, tables, cdf, offset)
    assert_every_cut_fails(blob, lambda b: rans.decode(b, tables, cdf, offset, impl=impl), step=7)
    with pytest.raises(FormatError):
        rans.decode(blob + b"\0", tables, cdf, offset, impl=impl)
    with pytest.raises(FormatError):
        rans.decode(b"\xff\xff\xff\xff" + blob[4:], tables, cdf, offset, impl=impl)
    counts = outcomes(lambda b: rans.decode(b, tables, cdf, offset, impl=impl),
                      mutants(blob, rng, 300 if impl == "native" else 60, how="xor"))
    assert counts["error"] > 0


def test_mutants_agree_between_native_and_reference():
    cdf, offset = TABLES
    rng = np.random.default_rng(6)
    tables = rng.integers(0, 25, 200).astype(np.int32)
    values = rng.integers(-4000, 4000, 200).astype(np.int32)
    for stream in mutants(rans.encode(values, tables, cdf, offset), rng, 100, how="xor", cut_every=4):
        results = []
        for impl in IMPLS:
            try:
                results.append(rans.decode(stream, tables, cdf, offset, impl=impl).tolist())
            except FastzipError as exc:
                results.append(str(exc))
        assert results[0] == results[1] == results[2]


def test_bad_tables_are_refused():
    cdf, offset = TABLES
    with pytest.raises(ValueError, match="rise strictly"):
        rans.encode([0], [0], np.array([[0, 5, 5, 65536]]), [0])
    with pytest.raises(ValueError, match="row indices"):
        rans.encode([0], [25], cdf, offset)
    with pytest.raises(ValueError):
        rans.decode(b"\0" * 8, [-1], cdf, offset)
