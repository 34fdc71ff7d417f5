"""Intervals for observed figures: percentile bootstrap (medians, means) and Wilson (rates).

The bootstrap uses a fixed seed, so the same data always gives the same interval, and draws
its resamples in chunks, so memory stays bounded whatever the sample size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

Z95 = 1.959963984540054
RESAMPLES = 1000
SEED = 20260301
CHUNK_CELLS = 2_000_000  # resampled values held at once


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), digits)


def wilson(successes: int, n: int) -> list[float] | None:
    """95% Wilson score interval of ``successes / n``; ``None`` when ``n`` is 0."""
    if n == 0:
        return None
    p = successes / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return [_round(max(0.0, centre - half)), _round(min(1.0, centre + half))]


def _statistic(name: str) -> Callable:
    return {
        "mean": lambda a: a.mean(axis=-1),
        "median": lambda a: np.median(a, axis=-1),
        "p90": lambda a: np.percentile(a, 90, axis=-1),
    }[name]


def bootstrap_distribution(values: np.ndarray, statistic: str, *, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = len(values)
    per_chunk = max(1, CHUNK_CELLS // n)
    out, done = [], 0
    while done < RESAMPLES:
        k = min(per_chunk, RESAMPLES - done)
        out.append(_statistic(statistic)(values[rng.integers(0, n, size=(k, n))]))
        done += k
    return np.concatenate(out)


def bootstrap(values: Sequence[float], statistic: str, *, seed: int = SEED) -> list[float] | None:
    """95% percentile bootstrap interval of ``statistic`` (mean, median, p90) of ``values``."""
    if len(values) == 0:
        return None
    dist = bootstrap_distribution(np.asarray(values, dtype=float), statistic, seed=seed)
    return [_round(np.percentile(dist, 2.5)), _round(np.percentile(dist, 97.5))]


def summary(values: Sequence[float], statistic: str) -> dict:
    """``{"value", "n", "ci"}`` for ``statistic`` of ``values`` (value ``None`` when empty)."""
    arr = np.asarray(values, dtype=float)
    value = _round(_statistic(statistic)(arr)) if len(arr) else None
    return {"value": value, "n": len(arr), "ci": bootstrap(arr, statistic)}


def rate_summary(successes: int, n: int) -> dict:
    return {"value": _round(successes / n) if n else None, "n": n, "successes": successes, "ci": wilson(successes, n)}


def difference(a: Sequence[float], b: Sequence[float], statistic: str, *, seed: int = SEED) -> dict:
    """``statistic(b) - statistic(a)`` with a 95% interval from independent bootstraps."""
    if len(a) == 0 or len(b) == 0:
        return {"value": None, "ci": None}
    arr_a, arr_b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    dist = bootstrap_distribution(arr_b, statistic, seed=seed + 1) - bootstrap_distribution(arr_a, statistic, seed=seed)
    value = _statistic(statistic)(arr_b) - _statistic(statistic)(arr_a)
    return {"value": _round(value), "ci": [_round(np.percentile(dist, 2.5)), _round(np.percentile(dist, 97.5))]}


def rate_difference(s_a: int, n_a: int, s_b: int, n_b: int) -> dict:
    """``p_b - p_a`` with Newcombe's hybrid Wilson interval (method 10)."""
    if n_a == 0 or n_b == 0:
        return {"value": None, "ci": None}
    p_a, p_b = s_a / n_a, s_b / n_b
    (l_a, u_a), (l_b, u_b) = wilson(s_a, n_a), wilson(s_b, n_b)
    d = p_b - p_a
    lower = d - math.sqrt((p_b - l_b) ** 2 + (u_a - p_a) ** 2)
    upper = d + math.sqrt((u_b - p_b) ** 2 + (p_a - l_a) ** 2)
    return {"value": _round(d), "ci": [_round(lower), _round(upper)]}
