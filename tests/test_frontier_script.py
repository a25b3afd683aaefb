"""bench/deflate_frontier.py runs end to end on small corpora: the anchors' table, the plot and the
decoders' table."""

import sys
from pathlib import Path

import pytest


def test_frontier_table_and_plot_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    try:
        from bench import deflate_frontier
    finally:
        sys.path.pop(0)
    assert deflate_frontier.main(["--mib", "0.03", "--repeat", "1", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "deflate_frontier.md").read_text()
    assert table.count("## ") == 4 and "fastzip 12" in table and "Frontier:" in table
    assert "## Inflate" in table and "| fastzip (size given) |" in table
    if "libdeflate" in deflate_frontier.libraries():
        assert "| libdeflate 6 |" in table
    assert (tmp_path / "deflate_frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "inflate_speed.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    points = [("a", 1, 2.0, 100.0), ("b", 1, 3.0, 50.0), ("c", 1, 1.5, 80.0)]
    assert [p[0] for p in deflate_frontier.frontier(points)] == ["a", "b"]  # c is beaten by a on both
