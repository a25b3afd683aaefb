"""``fastzip tour``: its rows are measured, not written down."""

from fastzip import data


def test_tour_rows_are_measured():
    from fastzip import tour

    rows = list(tour.huffman_rows(data.stdlib_text(1 << 16), "text", repeat=1))
    names = [r.codec for r in rows]
    assert names[0] == "fastzip huffman (native)" and "zlib Z_HUFFMAN_ONLY" in names
    assert all(r.ratio > 1.3 and r.compress_mbps > 0 and r.decompress_mbps > 0 for r in rows)
