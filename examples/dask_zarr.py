"""Compress an array larger than a worker's memory into Zarr with fastzip's DEFLATE on a Dask
cluster, then check every value.

    python examples/dask_zarr.py --gib 4 --workers 2 --memory-limit 1GiB --store /tmp/field.zarr
    python examples/dask_zarr.py --scheduler tcp://10.0.0.5:8786 --store s3://bucket/field.zarr

The array is generated on the workers (``fastzip.data.sensor_field``: smooth waves plus noise at a
resolution of 1/64, float32, a 16 MiB chunk at a time), so no machine ever holds it whole. Without ``--scheduler`` a
``LocalCluster`` of worker *processes* runs it: the codec's configuration travels in
``zarr.json`` and each worker rebuilds the codec from the ``zarr.codecs`` entry point. With a
scheduler address the same code runs on a real cluster (the store must be one every worker can
reach: a shared file system or object storage through fsspec).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

CHUNK = (2048, 2048)  # float32: 16 MiB


def block(block_id=None, chunk=CHUNK):
    """The chunk at ``block_id``: made from its position only, so it can be made again to check."""
    from fastzip.data import sensor_field

    return sensor_field(*chunk, top=block_id[0] * chunk[0], left=block_id[1] * chunk[1])


def field(gib: float, chunk=CHUNK):
    """A dask array of about ``gib`` GiB made of :func:`block` chunks."""
    import dask.array as da

    chunks = max(1, round(gib * (1 << 30) / 4 / (chunk[0] * chunk[1])))
    rows = max(1, round(chunks ** 0.5))
    cols = max(1, round(chunks / rows))
    return da.map_blocks(block, dtype=np.float32, chunks=((chunk[0],) * rows, (chunk[1],) * cols), chunk=chunk)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(store: str, gib: float, level: int = 1, *, client, chunk=CHUNK) -> dict:
    """Write the field with fastzip.deflate at ``level``, read it back and compare; figures."""
    import dask.array as da

    import zarr

    array = field(gib, chunk)
    start = time.perf_counter()
    target = zarr.create_array(store, shape=array.shape, chunks=chunk, dtype=array.dtype, overwrite=True,
                               compressors=[{"name": "fastzip.deflate", "configuration": {"level": level}}])
    # Not da.to_zarr(..., mode="w"): that takes one lock around every chunk's write, so the
    # workers would compress one chunk at a time. Dask chunks equal to Zarr chunks never share
    # a chunk, so no lock is needed.
    da.store(array, target, lock=False)
    write_s = time.perf_counter() - start
    start = time.perf_counter()
    stored = da.from_zarr(store)
    expected = field(gib, chunk)
    equal = bool(da.all(stored == expected).compute())
    verify_s = time.perf_counter() - start
    stored_bytes = zarr.open_array(store, mode="r").nbytes_stored()
    return {"shape": array.shape, "raw_bytes": array.nbytes, "stored_bytes": stored_bytes,
            "ratio": array.nbytes / stored_bytes, "write_s": write_s, "write_mb_s": array.nbytes / write_s / 1e6,
            "verify_s": verify_s, "equal": equal,
            "worker_peak_rss_mib": sorted(client.run(_peak_rss_mib).values())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=4.0, help="size of the array (GiB)")
    parser.add_argument("--store", default="/tmp/fastzip-field.zarr")
    parser.add_argument("--level", type=int, default=1, help="fastzip.deflate level (0-12)")
    parser.add_argument("--scheduler", default=None, help="a Dask scheduler's address (default: a LocalCluster)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--memory-limit", default="1GiB", help="LocalCluster memory limit per worker")
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               memory_limit=args.memory_limit, dashboard_address=None)
        client = Client(cluster)
    with client:
        figures = run(args.store, args.gib, args.level, client=client)
    print(f"{figures['shape']} float32, {figures['raw_bytes'] / 2**30:.2f} GiB -> {figures['stored_bytes'] / 2**20:.0f} MiB "
          f"(ratio {figures['ratio']:.2f}); written in {figures['write_s']:.1f} s ({figures['write_mb_s']:.0f} MB/s), "
          f"read back and checked in {figures['verify_s']:.1f} s: {'identical' if figures['equal'] else 'DIFFERENT'}; "
          f"peak worker RSS {figures['worker_peak_rss_mib']} MiB (limit {args.memory_limit} each)")
    return 0 if figures["equal"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
