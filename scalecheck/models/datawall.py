"""The data wall: the stock of human text against the tokens frontier runs need.

Defined in lesson 07. A compute-optimal run with budget C (FLOP) and r tokens
per parameter uses D = sqrt(C * r / 6) tokens (from C = 6 N D and D = r N).
Frontier compute grows by a factor g a year, so the tokens needed grow by
sqrt(g) a year, and they meet the (slowly growing) stock of usable text in a
year we can solve for in closed form. Every function here is pure and works
on numpy arrays, so a Monte Carlo over uncertain inputs is one vectorised call.

Default figures and where they come from:

- stock of public human text: ~300T effective tokens, 90% CI 100T-1,000T
  (Villalobos et al. 2024, arXiv:2211.04325 v2; already adjusted for quality
  and for repeating data over a few epochs);
- frontier compute at the start: 4.64e26 FLOP for Grok-3 (Epoch AI's
  estimate; released February 2025);
- compute growth: 4-5x a year (Sevilla & Roldan, Epoch AI, 2024);
- 20 tokens per parameter (Hoffmann et al. 2022, "Chinchilla"; the constant
  lives in :mod:`scalecheck.models.scaling`, lesson 04);
- repeated data: effective data D' = U + U R* (1 - exp(-R / R*)) with
  R = epochs - 1 and R* = 15.39 (Muennighoff et al. 2023, arXiv:2305.16264).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from scalecheck.core.arrays import float_or_array, positive_array
from scalecheck.core.uncertainty import lognormal_from_range
from scalecheck.models.scaling import CHINCHILLA_TOKENS_PER_PARAM

# Villalobos et al. 2024 (v2): effective stock of public human text, tokens
STOCK_MEDIAN_TOKENS = 300e12
STOCK_P05_TOKENS = 100e12
STOCK_P95_TOKENS = 1000e12
# Epoch AI's estimate of Grok-3's training compute (FLOP); released Feb 2025
START_FLOP = 4.64e26
START_YEAR = 2025.0
# Epoch AI (Sevilla & Roldan 2024): frontier training compute grows 4-5x a year
COMPUTE_GROWTH_LOW = 4.0
COMPUTE_GROWTH_HIGH = 5.0
# Muennighoff et al. 2023, datablations README: R*_D, the decay constant of repeated data
R_STAR_DATA = 15.39


def compute_optimal_params(flop, tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM):
    """Parameters N of a run of ``flop`` FLOP at ``tokens_per_param`` (C = 6 N D, D = r N).

    >>> round(compute_optimal_params(5.76e23) / 1e9)   # Chinchilla: 70B parameters
    69
    """
    flop = positive_array(flop, "flop")
    ratio = positive_array(tokens_per_param, "tokens_per_param")
    return float_or_array(np.sqrt(flop / (6.0 * ratio)))


def compute_optimal_tokens(flop, tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM, overtraining=1.0):
    """Training tokens D of a run of ``flop`` FLOP: sqrt(C * r * k / 6).

    ``overtraining`` k multiplies the tokens-per-parameter ratio: a model k
    times smaller than compute-optimal, trained on sqrt(k) times more tokens
    for the same compute (Villalobos et al. 2024 use the same convention).

    >>> round(compute_optimal_tokens(5.76e23) / 1e12, 2)   # Chinchilla: 1.4T tokens
    1.39
    """
    flop = positive_array(flop, "flop")
    ratio = positive_array(tokens_per_param, "tokens_per_param")
    k = positive_array(overtraining, "overtraining")
    return float_or_array(np.sqrt(flop * ratio * k / 6.0))


def overtraining_factor(tokens, params, tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM):
    """How many times the compute-optimal tokens-per-parameter ratio a run used: (D / N) / r.

    This is the definition of k. It equals (D_used / D_optimal) ** 2 only when
    the run's compute is exactly 6 N D; published compute estimates made from
    GPU hours (e.g. Epoch AI's 2.78e22 FLOP for LLaMA-7B, below 6 N D = 4.0e22)
    would give a different k, so the ratio of tokens to parameters is used.

    >>> round(overtraining_factor(15e12, 8e9))   # Llama 3 8B: ~1,875 tokens/param
    94
    """
    tokens = positive_array(tokens, "tokens")
    params = positive_array(params, "params")
    ratio = positive_array(tokens_per_param, "tokens_per_param")
    return float_or_array(tokens / params / ratio)


def frontier_flop(year, start_flop=START_FLOP, start_year=START_YEAR, growth_per_yr=4.5):
    """Compute of the largest training run in ``year``: C0 * g ** (year - t0)."""
    start_flop = positive_array(start_flop, "start_flop")
    growth = positive_array(growth_per_yr, "growth_per_yr")
    year = np.asarray(year, dtype=float)
    return float_or_array(start_flop * growth ** (year - start_year))


def tokens_needed(year, start_flop=START_FLOP, start_year=START_YEAR, growth_per_yr=4.5,
                  tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM, overtraining=1.0):
    """Tokens the frontier run of ``year`` trains on, if it is (over-)trained as stated."""
    flop = frontier_flop(year, start_flop, start_year, growth_per_yr)
    return compute_optimal_tokens(flop, tokens_per_param, overtraining)


def effective_data_multiplier(epochs, r_star=R_STAR_DATA):
    """How many fresh tokens' worth E epochs over U unique tokens are, per unique token.

    Muennighoff et al. 2023: D' = U + U R* (1 - exp(-R / R*)), R = E - 1
    repetitions. One epoch gives 1; four give ~3.7 (nearly as good as 4x
    fresh data); the multiplier never exceeds 1 + R* (~16).
    """
    epochs = np.asarray(epochs, dtype=float)
    if np.any(~np.isfinite(epochs)) or np.any(epochs < 1):
        raise ValueError(f"epochs must be at least 1, got {epochs!r}")
    r_star = positive_array(r_star, "r_star")
    repeats = epochs - 1.0
    return float_or_array(1.0 + r_star * (1.0 - np.exp(-repeats / r_star)))


def crossing_year(stock_tokens, start_flop=START_FLOP, start_year=START_YEAR, growth_per_yr=4.5,
                  tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM, overtraining=1.0, epochs=1.0,
                  stock_growth_per_yr=1.0):
    """The year the tokens a frontier run needs reach the usable stock.

    Solves sqrt(C0 g^(t - t0) r k / 6) = S0 m s^(t - t0) for t, where m is
    the epoch multiplier and s the stock's own growth per year:

        t = t0 + ln(S0 m / D0) / (ln(g) / 2 - ln(s)),   D0 = sqrt(C0 r k / 6).

    A year before ``start_year`` means the stock was already too small at the
    start. Where the need grows no faster than the stock, the result is +inf.
    All arguments broadcast, so arrays of draws give arrays of years.
    """
    stock = positive_array(stock_tokens, "stock_tokens")
    growth = positive_array(growth_per_yr, "growth_per_yr")
    stock_growth = positive_array(stock_growth_per_yr, "stock_growth_per_yr")
    need_now = compute_optimal_tokens(start_flop, tokens_per_param, overtraining)
    usable = stock * effective_data_multiplier(epochs)
    rate = 0.5 * np.log(growth) - np.log(stock_growth)
    gap = np.log(usable / need_now)
    with np.errstate(divide="ignore", invalid="ignore"):
        years = np.where(rate > 0, start_year + gap / np.where(rate > 0, rate, 1.0), np.inf)
    return float_or_array(np.asarray(years, dtype=float))


def years_bought(stock_multiplier, growth_per_yr=4.5, stock_growth_per_yr=1.0):
    """How many years later the wall comes if the usable stock is multiplied.

    A multiplier below 1 (e.g. 1 / over-training factor ** 0.5 for the
    tokens needed) gives a negative number: the wall comes earlier.
    """
    multiplier = positive_array(stock_multiplier, "stock_multiplier")
    growth = positive_array(growth_per_yr, "growth_per_yr")
    stock_growth = positive_array(stock_growth_per_yr, "stock_growth_per_yr")
    rate = 0.5 * np.log(growth) - np.log(stock_growth)
    if np.any(rate <= 0):
        raise ValueError("the tokens needed must grow faster than the stock for a wall to exist")
    return float_or_array(np.log(multiplier) / rate)


# ---------------------------------------------------------------------------
# Uncertainty: ranges read as 90% intervals of log-normal quantities


def crossing_year_samples(z, stock_range=(STOCK_P05_TOKENS, STOCK_P95_TOKENS),
                          growth_range=(COMPUTE_GROWTH_LOW, COMPUTE_GROWTH_HIGH),
                          overtraining_range=(1.0, 5.0), tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM,
                          epochs=1.0, start_flop=START_FLOP, start_year=START_YEAR,
                          stock_growth_per_yr=1.0) -> np.ndarray:
    """Crossing years for draws ``z`` (3 x n standard normals: stock, growth, over-training).

    Each range is a 90% interval of an independent log-normal input.
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or z.shape[0] < 3:
        raise ValueError("z must have shape (3, n_samples)")
    stock = lognormal_from_range(z[0], *stock_range)
    growth = lognormal_from_range(z[1], *growth_range)
    overtraining = lognormal_from_range(z[2], *overtraining_range)
    return crossing_year(stock, start_flop, start_year, growth, tokens_per_param, overtraining,
                         epochs, stock_growth_per_yr)


# ---------------------------------------------------------------------------
# Published projections (Villalobos et al. 2022, via data/data_stock_v2022_projections.csv)


def first_crossing(years, log10_need, log10_stock) -> float:
    """The first year (linearly interpolated) at which ``log10_need`` reaches ``log10_stock``.

    NaN if it never does on the grid; the first grid year if it already has.
    """
    years = np.asarray(years, dtype=float)
    gap = np.asarray(log10_need, dtype=float) - np.asarray(log10_stock, dtype=float)
    if years.shape != gap.shape or years.ndim != 1 or years.size < 2:
        raise ValueError("years and both series must be 1-d arrays of the same length (>= 2)")
    if np.any(np.diff(years) <= 0):
        raise ValueError("years must increase")
    above = np.nonzero(gap >= 0)[0]
    if above.size == 0:
        return float("nan")
    i = int(above[0])
    if i == 0:
        return float(years[0])
    fraction = -gap[i - 1] / (gap[i] - gap[i - 1])
    return float(years[i - 1] + fraction * (years[i] - years[i - 1]))


def projection_crossings(summary: pd.DataFrame, dataset_series: str, stock_series: str) -> dict[str, float]:
    """When projected dataset sizes meet a projected stock, from percentile curves.

    ``summary`` has columns series, year, log10_p05, log10_median, log10_p95.
    Returns the crossing of the medians, plus a rough bracket: the early end
    where the datasets' 95th percentile meets the stock's 5th, the late end
    where the datasets' 5th percentile meets the stock's 95th. (A bracket, not
    a probability interval: percentiles of two curves are not joint draws.)
    """
    need = summary[summary["series"] == dataset_series].set_index("year").sort_index()
    stock = summary[summary["series"] == stock_series].set_index("year").sort_index()
    if need.empty or stock.empty:
        raise KeyError(f"series not found: {dataset_series!r} or {stock_series!r}")
    years = need.index.intersection(stock.index)
    need, stock = need.loc[years], stock.loc[years]
    grid = years.to_numpy(dtype=float)
    return {
        "median": first_crossing(grid, need["log10_median"], stock["log10_median"]),
        "early": first_crossing(grid, need["log10_p95"], stock["log10_p05"]),
        "late": first_crossing(grid, need["log10_p05"], stock["log10_p95"]),
    }


def words_to_tokens(words, words_per_token: float = 0.75):
    """Convert a word count to tokens at ``words_per_token`` (0.75 for English BPE)."""
    words = np.asarray(words, dtype=float)
    ratio = positive_array(words_per_token, "words_per_token")
    return float_or_array(words / ratio)
