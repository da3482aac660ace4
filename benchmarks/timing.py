"""The one timing rule of the benchmark scripts: the best of several runs (wall clock)."""

from __future__ import annotations

import time


def best_of(func, repeats: int = 3) -> float:
    """The shortest of ``repeats`` wall-clock times of ``func()``, in seconds (the least disturbed run)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)
