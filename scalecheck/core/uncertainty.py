"""Uncertainty as ranges: seeded draws, log-normal inputs, 90% intervals.

Introduced in lesson 02 and used by every lesson with a Monte Carlo. An
uncertain input is a range [low, high] read as the 90% interval of a
log-normal; standard-normal draws are made once with a fixed seed and
rescaled into any range, so an explorer never needs new random numbers
when a slider moves.
"""
from __future__ import annotations

import numpy as np

from scalecheck.core.arrays import positive_array

Z90 = 1.6448536269514722  # the 95th percentile of a standard normal


def standard_normal_draws(n_inputs: int, n_samples: int, seed: int) -> np.ndarray:
    """Seeded standard-normal draws, shape (n_inputs, n_samples): one row per input."""
    if n_inputs < 1 or n_samples < 1:
        raise ValueError("need at least one input and one sample")
    return np.random.default_rng(seed).standard_normal((n_inputs, n_samples))


def lognormal_from_range(z, low, high):
    """Map standard-normal draws ``z`` to a log-normal whose 90% interval is [low, high].

    The median is the geometric middle sqrt(low x high); ``low == high`` gives
    that value exactly (an input with no uncertainty). Works element-wise on
    arrays of ranges too.
    """
    low, high = positive_array(low, "low"), positive_array(high, "high")
    if np.any(low > high):
        raise ValueError(f"a range must have low <= high, got ({low!r}, {high!r})")
    spread = (np.log(high) - np.log(low)) / (2.0 * Z90)
    # sqrt(low * high) is exact when low == high, so a fixed input stays exact
    return np.sqrt(low * high) * np.exp(spread * np.asarray(z, dtype=float))


def interval_90(samples, level: float = 0.90) -> tuple[float, float, float]:
    """(low, median, high) of the central ``level`` interval (default 5th-95th percentile).

    Infinite samples are allowed (a crossing that never happens is ``inf``);
    NaN is refused, since it means a computation went wrong.
    """
    values = np.asarray(samples, dtype=float)
    if values.size == 0 or np.any(np.isnan(values)):
        raise ValueError("samples must be a non-empty array of numbers, without NaN")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    tail = (1.0 - level) / 2.0
    # Interpolating towards an infinite sample gives NaN; with infinities
    # present, take the sample values at those ranks instead
    method = "inverted_cdf" if np.any(np.isinf(values)) else "linear"
    low, median, high = np.quantile(values, [tail, 0.5, 1.0 - tail], method=method)
    return float(low), float(median), float(high)
