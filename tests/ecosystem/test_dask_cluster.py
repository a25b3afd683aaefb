"""Dask distributed with worker processes: the example writes a generated array into Zarr with
fastzip's DEFLATE (the codec rebuilt on each worker from zarr.json through the entry point)
and reads it back identical; a damaged chunk fails the task with fastzip's error and leaves the
workers alive."""

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("zarr")
distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

from fastzip import FastzipError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    sys.path.insert(0, str(ROOT))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="600MiB",
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()
    sys.path.remove(str(ROOT))


@pytest.fixture(scope="module")
def example():
    import cloudpickle

    sys.path.insert(0, str(ROOT))
    try:
        from examples import dask_zarr
    finally:
        sys.path.remove(str(ROOT))
    cloudpickle.register_pickle_by_value(dask_zarr)  # workers need not find the examples folder
    return dask_zarr


def test_the_example_round_trips_on_two_worker_processes(tmp_path, client, example):
    store = str(tmp_path / "field.zarr")
    figures = example.run(store, 0.01, level=6, client=client, chunk=(256, 512))
    assert figures["equal"] and figures["ratio"] > 1.5 and len(figures["worker_peak_rss_mib"]) == 2
    assert len(client.scheduler_info()["workers"]) == 2


def test_a_damaged_chunk_fails_its_task_with_a_fastzip_error(tmp_path, client, example):
    store = tmp_path / "damaged.zarr"
    example.run(str(store), 0.005, level=1, client=client, chunk=(256, 256))
    chunk = store / "c" / "0" / "0"
    chunk.write_bytes(chunk.read_bytes()[:100])
    with pytest.raises(FastzipError):
        da.from_zarr(str(store)).sum().compute()
    assert len(client.scheduler_info()["workers"]) == 2
    assert np.isfinite(da.from_zarr(str(store))[:256, 256:].sum().compute())
