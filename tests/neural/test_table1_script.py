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


def test_grid_section_is_written_and_replaced(tmp_path, monkeypatch):
    """bench/grid_table1.py on two small crops with a few steps: its section goes between the
    markers of table1.md, and a second run replaces it rather than adding another."""
    pytest.importorskip("skimage")
    import numpy as np
    from skimage import data

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    try:
        from bench import grid_table1
    finally:
        sys.path.pop(0)
    crops = np.stack([data.astronaut()[:48, :64], data.coffee()[:48, :64]])
    monkeypatch.setattr(grid_table1, "photo_set", lambda size: (["astronaut", "coffee"], [(48, 64)] * 2, crops))
    (tmp_path / "table1.md").write_text("# Table 1\n\nthe VAE rows\n")
    for _ in range(2):
        assert grid_table1.main(["--lambda", "0.01", "--steps", "5", "--work", str(tmp_path / "work"),
                                 "--out", str(tmp_path)]) == 0
    table = (tmp_path / "table1.md").read_text()
    assert table.startswith("# Table 1\n\nthe VAE rows\n") and table.count(grid_table1.BEGIN) == 1
    assert "| fastzip grid codec, one stream per photo |" in table and "coffee" in table


def test_shared_against_separate_networks_table_is_written(tmp_path):
    """bench/grid_share.py on three tiny photos with a few steps: both archives are measured."""
    pytest.importorskip("skimage")
    pytest.importorskip("sklearn")
    pytest.importorskip("torch")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    try:
        from bench import grid_share
    finally:
        sys.path.pop(0)
    assert grid_share.main(["--size", "32", "--steps", "4", "--photos", "3", "--work", str(tmp_path / "work"),
                            "--out", str(tmp_path)]) == 0
    table = (tmp_path / "grid_share.md").read_text()
    assert "| a pair per photo |" in table and "| one pair for the set |" in table and "| one ARM for the set" in table
    sizes = {name: (tmp_path / "work" / f"{name}.fzg").stat().st_size for name in ("separate", "arm", "all")}
    assert sizes["all"] < sizes["arm"] < sizes["separate"]
