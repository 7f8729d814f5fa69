"""Timing helpers: interleaved rounds so that a noisy machine hurts both sides alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def per_call(func: Callable[[], object], calls: int) -> float:
    """Seconds per call of ``func`` over one batch of ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        func()
    return (time.perf_counter() - start) / calls


def compare(
    subject: Callable[[], object],
    baseline: Callable[[], object],
    calls: int,
    rounds: int = 15,
) -> tuple[float, float, float]:
    """Median seconds per call of subject and baseline, and the median of per-round ratios.

    Each round times the baseline right after the subject, so both see the same load.
    """
    subject_times, baseline_times, ratios = [], [], []
    per_call(subject, calls // 10 or 1)
    per_call(baseline, calls // 10 or 1)
    for _ in range(rounds):
        s = per_call(subject, calls)
        b = per_call(baseline, calls)
        subject_times.append(s)
        baseline_times.append(b)
        ratios.append(s / b)
    return (
        statistics.median(subject_times),
        statistics.median(baseline_times),
        statistics.median(ratios),
    )


def median_time(func: Callable[[], object], rounds: int = 15) -> float:
    """Median wall time of ``func`` over ``rounds`` calls."""
    func()
    return statistics.median(per_call(func, 1) for _ in range(rounds))
