"""Shared helpers for the benchmark suites."""


def record(benchmark, raw_size: int, packed_size: int | None = None) -> None:
    """Attach throughput (and ratio) to a benchmark's report; the timings themselves stay pytest-benchmark's."""
    benchmark.extra_info["bytes"] = raw_size
    if packed_size is not None:
        benchmark.extra_info["ratio"] = round(raw_size / packed_size, 4)


def record_rate(benchmark, key: str, amount: float, scale: float = 1.0) -> None:
    """extra_info[key] = amount / fastest time * scale, when timings exist (not with --benchmark-disable)."""
    stats = getattr(benchmark, "stats", None)
    if stats is not None and stats.stats.min > 0:
        benchmark.extra_info[key] = round(amount / stats.stats.min * scale, 1)
