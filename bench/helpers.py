"""Shared helpers for the benchmark suites."""


def record(benchmark, raw_size: int, packed_size: int | None = None) -> None:
    """Attach throughput (and ratio) to a benchmark's report; the timings themselves stay pytest-benchmark's."""
    benchmark.extra_info["bytes"] = raw_size
    if packed_size is not None:
        benchmark.extra_info["ratio"] = round(raw_size / packed_size, 4)
