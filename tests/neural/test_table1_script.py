"""bench/vae_table1.py runs end to end (tiny models, a few steps), so the committed table can be rebuilt."""

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")


def test_table_and_plots_are_written(tmp_path):
    script = Path(__file__).resolve().parents[2] / "bench" / "vae_table1.py"
    spec = importlib.util.spec_from_file_location("vae_table1", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[spec.name]
        raise
    assert module.main(["--steps", "2", "--tiny", "--size", "32", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "table1.md").read_text()
    assert table.count("\n| ") == 2 + len(module.VARIANTS)
    assert "JPEG at" in table and "16.43" in table
    for png in ("table1_rd.png", "table1_grid.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
