"""Timing for the speed benchmarks (``make bench``)."""

from __future__ import annotations

import time


def best_of(fn, repeats: int = 3):
    """``(seconds, result)``: the fastest of ``repeats`` calls of ``fn`` and its result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result
