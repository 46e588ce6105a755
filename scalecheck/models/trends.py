"""Exponential trends in training compute, and the money and power behind them.

Defined in lesson 06 (compute trends and money). Three groups of small, pure
functions:

- growth arithmetic: a growth factor per year, a doubling time and a
  multiplier over a span of years are three views of one number;
- trend fitting: least squares on log10(value) against the decimal year,
  seeded bootstrap intervals for the growth factor, and the "frontier" subset
  of Epoch AI's model table (models in the top N by training compute when they
  were published);
- money and power: a cluster's capital cost, what it must earn each year
  (capital recovery over its life at a rate of return, energy and other
  operating cost), its power draw, and a fleet's yearly value against world GDP.

Every function takes plain numbers or numpy arrays (so a Monte Carlo run is a
single call on arrays) and raises ``ValueError`` on inputs that make no sense.
Energy prices come from :mod:`scalecheck.models.cluster` (lesson 02):
``annual_energy_wh`` and ``electricity_cost_usd``; the Monte Carlo helpers
(``standard_normal_draws``, ``lognormal_from_range``, ``interval_90``) from
:mod:`scalecheck.core.uncertainty`, and the input checks from
:mod:`scalecheck.core.arrays`. Lesson 09's :mod:`scalecheck.models.agi` reuses
the growth arithmetic (:func:`years_to_multiple`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalecheck.core import data
from scalecheck.core.arrays import float_or_array, non_negative_array, positive_array
from scalecheck.models import cluster

# Column names of Epoch AI's model table (data/epoch_notable_models.csv)
EPOCH_DATE = "Publication date"
EPOCH_COMPUTE = "Training compute (FLOP)"
EPOCH_RANK = "Compute rank when published"
EPOCH_NOTABILITY = "Notability criteria"
EPOCH_COST = "Training compute cost (2023 USD)"


# ---------------------------------------------------------------------------
# Growth arithmetic


def growth_factor_per_yr(total_factor: float, years: float):
    """The yearly factor that compounds to ``total_factor`` in ``years``.

    A million-fold in ten years: ``growth_factor_per_yr(1e6, 10)`` = 10**0.6 = 3.98.
    """
    total = positive_array(total_factor, "total_factor")
    span = positive_array(years, "years")
    return float_or_array(total ** (1.0 / span))


def total_factor(growth_factor_per_yr_value: float, years: float):
    """The multiplier after ``years`` of growth at ``growth_factor_per_yr_value``."""
    growth = positive_array(growth_factor_per_yr_value, "growth factor per year")
    span = non_negative_array(years, "years")
    return float_or_array(growth ** span)


def years_to_multiple(multiple, growth_factor_per_yr_value):
    """Years for something growing ``growth_factor_per_yr_value`` times a year to grow ``multiple`` times.

    ln m / ln g: the inverse of :func:`total_factor`. A multiple below 1 gives a
    negative number of years. Lesson 09 uses it for "how long until AI compute
    is 99 times human compute".
    """
    target = positive_array(multiple, "multiple")
    growth = positive_array(growth_factor_per_yr_value, "growth factor per year")
    if np.any(growth <= 1):
        raise ValueError(f"growth must exceed 1x a year, got {growth_factor_per_yr_value!r}")
    return float_or_array(np.log(target) / np.log(growth))


def doubling_time_yr(growth_factor_per_yr_value: float):
    """Years to double at a yearly growth factor > 1: ln 2 / ln g (:func:`years_to_multiple` of 2)."""
    return years_to_multiple(2.0, growth_factor_per_yr_value)


def growth_factor_from_doubling_time(doubling_time_yr_value: float):
    """The yearly growth factor of something that doubles every ``doubling_time_yr_value`` years.

    Also turns a halving time of the compute *needed* (algorithmic progress)
    into a yearly multiplier of effective compute.
    """
    time = positive_array(doubling_time_yr_value, "doubling time")
    return float_or_array(2.0 ** (1.0 / time))


def combined_growth_factor(*growth_factors: float) -> float:
    """Independent yearly factors multiply (their logarithms add)."""
    if not growth_factors:
        raise ValueError("give at least one growth factor")
    product = 1.0
    for factor in growth_factors:
        product *= float(positive_array(factor, "growth factor"))
    return product


def projection(start_value: float, growth_factor_per_yr_value: float, years_from_start):
    """``start_value`` grown for ``years_from_start`` (a number or an array) at a yearly factor."""
    start = positive_array(start_value, "start value")
    growth = positive_array(growth_factor_per_yr_value, "growth factor per year")
    span = np.asarray(years_from_start, dtype=float)
    if not np.all(np.isfinite(span)):
        raise ValueError("years_from_start must be finite")
    return float_or_array(start * growth ** span)


# ---------------------------------------------------------------------------
# Epoch AI's model table


def decimal_year(dates) -> np.ndarray:
    """Dates as decimal years: 2024-07-02 -> 2024.5 (day of year over days in that year)."""
    stamps = pd.to_datetime(pd.Series(dates), errors="raise")
    days = np.where(stamps.dt.is_leap_year, 366.0, 365.0)
    return (stamps.dt.year + (stamps.dt.day_of_year - 1) / days).to_numpy(dtype=float)


def running_compute_rank(years, compute_flop) -> np.ndarray:
    """Each model's rank by training compute among the models published before it.

    Rank 1 means no earlier model used more compute. Models published on the
    same day do not count against each other, so the result does not depend
    on the order of the rows.
    """
    when = np.asarray(years, dtype=float)
    flop = positive_array(compute_flop, "training compute")
    if when.shape != flop.shape or when.ndim != 1:
        raise ValueError("years and compute must be 1-d arrays of the same length")
    earlier = when[None, :] < when[:, None]
    larger = flop[None, :] > flop[:, None]
    return 1 + np.sum(earlier & larger, axis=1)


def model_compute_table(models: pd.DataFrame) -> pd.DataFrame:
    """Epoch AI's model table reduced to what lesson 06 fits.

    Keeps the rows with a publication date and a positive training compute,
    sorted by date, with columns ``model``, ``date``, ``year`` (decimal),
    ``compute_flop``, ``running_rank`` (see :func:`running_compute_rank`,
    counted over every model in the table with compute), ``epoch_rank``
    (Epoch's own 'Compute rank when published', NaN where Epoch gives none),
    ``notable`` (the row lists a notability criterion) and ``cost_usd_2023``
    (Epoch's training compute cost in 2023 USD, NaN where missing).
    """
    missing = [c for c in ("Model", EPOCH_DATE, EPOCH_COMPUTE) if c not in models.columns]
    if missing:
        raise ValueError(f"the table lacks column(s) {missing}")
    dates = pd.to_datetime(models[EPOCH_DATE], errors="coerce")
    compute = pd.to_numeric(models[EPOCH_COMPUTE], errors="coerce")
    keep = dates.notna() & compute.notna() & (compute > 0)
    table = pd.DataFrame({
        "model": models.loc[keep, "Model"].astype(str),
        "date": dates[keep],
        "compute_flop": compute[keep].astype(float),
    })
    table["year"] = decimal_year(table["date"])
    table["running_rank"] = running_compute_rank(table["year"].to_numpy(), table["compute_flop"].to_numpy())
    rank = models[EPOCH_RANK] if EPOCH_RANK in models.columns else pd.Series(np.nan, index=models.index)
    table["epoch_rank"] = pd.to_numeric(rank[keep], errors="coerce")
    notability = models[EPOCH_NOTABILITY] if EPOCH_NOTABILITY in models.columns else pd.Series("", index=models.index)
    table["notable"] = notability[keep].fillna("").astype(str).str.strip() != ""
    cost = models[EPOCH_COST] if EPOCH_COST in models.columns else pd.Series("", index=models.index)
    table["cost_usd_2023"] = pd.to_numeric(
        cost[keep].astype(str).str.replace(r"[$,\s]", "", regex=True), errors="coerce")
    return table.sort_values(["date", "model"], kind="mergesort").reset_index(drop=True)


def epoch_models() -> pd.DataFrame:
    """:func:`model_compute_table` of the registered Epoch AI table (hash-checked)."""
    return model_compute_table(data.load("epoch_notable_models"))


# ---------------------------------------------------------------------------
# Fitting an exponential trend


@dataclass(frozen=True)
class TrendFit:
    """A least-squares line through log10(value) against decimal year."""

    slope_log10_per_yr: float
    mean_year: float
    mean_log10: float
    n_points: int
    first_year: float
    last_year: float

    @property
    def growth_factor_per_yr(self) -> float:
        return 10.0 ** self.slope_log10_per_yr

    @property
    def doubling_time_yr(self) -> float:
        return doubling_time_yr(self.growth_factor_per_yr)

    def log10_at(self, year):
        """The fitted log10(value) at ``year`` (a number or an array)."""
        offset = np.asarray(year, dtype=float) - self.mean_year
        return float_or_array(self.mean_log10 + self.slope_log10_per_yr * offset)

    def value_at(self, year):
        """The fitted value at ``year``."""
        return float_or_array(10.0 ** np.asarray(self.log10_at(year)))


def _check_xy(years, values) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(years, dtype=float)
    y = positive_array(values, "values")
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError("years and values must be 1-d arrays of the same length")
    if len(x) < 3:
        raise ValueError(f"a trend needs at least 3 points, got {len(x)}")
    if not np.all(np.isfinite(x)):
        raise ValueError("years must be finite")
    if np.ptp(x) == 0:
        raise ValueError("all points have the same date: no trend can be fitted")
    return x, np.log10(y)


def fit_log_trend(years, values) -> TrendFit:
    """Ordinary least squares of log10(values) on ``years`` (decimal years)."""
    x, y = _check_xy(years, values)
    dx = x - x.mean()
    slope = float(np.sum(dx * (y - y.mean())) / np.sum(dx * dx))
    return TrendFit(slope, float(x.mean()), float(y.mean()), int(len(x)), float(x.min()), float(x.max()))


def bootstrap_growth_factors(years, values, n_boot: int = 2000, seed: int = 0) -> np.ndarray:
    """Growth factors per year of ``n_boot`` seeded bootstrap refits.

    Each replicate resamples the points with replacement and refits the
    slope; the spread of the replicates is the uncertainty of the fitted
    growth factor that comes from *which* models happen to be in the table.
    Vectorised: one (n_boot x n) index matrix, no Python loop over replicates.
    A replicate whose points all share one date (possible only for tiny
    samples) is returned as NaN.
    """
    if int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    x, y = _check_xy(years, values)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(x), size=(int(n_boot), len(x)))
    xs, ys = x[index], y[index]
    dx = xs - xs.mean(axis=1, keepdims=True)
    sxx = np.sum(dx * dx, axis=1)
    sxy = np.sum(dx * (ys - ys.mean(axis=1, keepdims=True)), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), np.nan)
    return 10.0 ** slope


# ---------------------------------------------------------------------------
# Money and power


def cluster_capex_usd(n_chips, usd_per_chip):
    """Up-front cost of a cluster: chips x all-in cost per chip."""
    return float_or_array(non_negative_array(n_chips, "n_chips") * non_negative_array(usd_per_chip, "usd_per_chip"))


def capital_recovery_factor(rate_per_yr, life_yr):
    """Share of the capital cost to recover each year over ``life_yr`` at ``rate_per_yr``.

    r / (1 - (1 + r)**-n): the level yearly payment that pays back a loan of 1
    with interest r over n years. At r = 0 it is straight-line, 1/n.
    """
    rate = non_negative_array(rate_per_yr, "rate_per_yr")
    life = positive_array(life_yr, "life_yr")
    rate, life = np.broadcast_arrays(rate, life)
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(rate > 0, rate, 1.0)
        factor = np.where(rate > 0, safe / (1.0 - (1.0 + safe) ** (-life)), 1.0 / life)
    return float_or_array(factor)


def annualised_capex_usd_per_yr(capex_usd, life_yr, rate_per_yr=0.0):
    """Capital cost spread over its life, including a return on the capital."""
    capex = non_negative_array(capex_usd, "capex_usd")
    return float_or_array(capex * np.asarray(capital_recovery_factor(rate_per_yr, life_yr)))


def cluster_power_w(n_chips, w_per_chip_all_in):
    """Facility power: chips x all-in watts per chip (chip, host, network, cooling)."""
    chips = non_negative_array(n_chips, "n_chips")
    return float_or_array(chips * non_negative_array(w_per_chip_all_in, "w_per_chip_all_in"))


#: Epoch AI's data-centre cost model spreads the building over 14 years, the IT equipment over 5
#: ("Servers account for 60% of the total cost of ownership of a one-gigawatt AI data center", 2026)
FACILITY_LIFE_YR = 14.0


def facility_share_of_capex(construction_usd, total_capex_usd):
    """The part of a data centre's capital cost that is the building (construction), 0-1."""
    construction = non_negative_array(construction_usd, "construction_usd")
    share = construction / positive_array(total_capex_usd, "total_capex_usd")
    if np.any(share > 1):
        raise ValueError("construction cost cannot exceed the total capital cost")
    return float_or_array(share)


def required_revenue_breakdown(capex_usd, life_yr, rate_per_yr, power_w, usd_per_kwh,
                               other_opex_share_of_capex_per_yr=0.0, load_fraction=1.0,
                               facility_share=0.0, facility_life_yr=FACILITY_LIFE_YR) -> dict:
    """What a cluster must earn each year just to pay for itself, by part (USD/yr).

    ``capital``: capex recovered with a return of ``rate_per_yr``: the IT equipment
    (chips, servers, network) over ``life_yr``, the ``facility_share`` of capex that is the
    building over ``facility_life_yr`` (a building outlives several generations of chips;
    the default share 0 spreads all of it over ``life_yr``);
    ``energy``: electricity at ``usd_per_kwh`` for the ``load_fraction`` of the year the
    cluster runs (0-1); ``other_opex``: everything else
    (staff, maintenance, network, insurance) as a yearly share of capex.
    Inputs may be arrays (a Monte Carlo run); so are the outputs.
    """
    share = np.asarray(non_negative_array(facility_share, "facility_share"), dtype=float)
    if np.any(share > 1):
        raise ValueError("facility_share must be between 0 and 1")
    capex = np.asarray(non_negative_array(capex_usd, "capex_usd"), dtype=float)
    capital = float_or_array(np.asarray(annualised_capex_usd_per_yr(capex * (1 - share), life_yr, rate_per_yr))
                   + np.asarray(annualised_capex_usd_per_yr(capex * share, facility_life_yr, rate_per_yr)))
    energy = float_or_array(np.asarray(cluster.electricity_cost_usd(
        cluster.annual_energy_wh(np.asarray(power_w, dtype=float), load_fraction), usd_per_kwh), dtype=float))
    other = non_negative_array(capex_usd, "capex_usd") * non_negative_array(
        other_opex_share_of_capex_per_yr, "other_opex_share_of_capex_per_yr")
    return {"capital": capital, "energy": energy, "other_opex": float_or_array(other)}


def required_revenue_usd_per_yr(capex_usd, life_yr, rate_per_yr, power_w, usd_per_kwh,
                                other_opex_share_of_capex_per_yr=0.0, load_fraction=1.0,
                                facility_share=0.0, facility_life_yr=FACILITY_LIFE_YR):
    """Total of :func:`required_revenue_breakdown`: the break-even revenue per year."""
    parts = required_revenue_breakdown(capex_usd, life_yr, rate_per_yr, power_w, usd_per_kwh,
                                       other_opex_share_of_capex_per_yr, load_fraction,
                                       facility_share, facility_life_yr)
    return float_or_array(np.asarray(parts["capital"]) + np.asarray(parts["energy"]) + np.asarray(parts["other_opex"]))


def fleet_value_usd_per_yr(n_units, usd_per_unit_per_yr):
    """Yearly value of a fleet: units x value each per year (chips, robots, ...)."""
    count = non_negative_array(n_units, "n_units")
    return float_or_array(count * non_negative_array(usd_per_unit_per_yr, "usd_per_unit_per_yr"))


def format_usd(value: float, digits: int = 3) -> str:
    """Money the way the sources write it: ``$150B``, ``$5T``, ``$47.4k`` (k, M, B, T for 1e3 ... 1e12)."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value!r} as money")
    sign, size = ("-" if value < 0 else ""), abs(value)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= scale * (1 - 0.5 * 10 ** -digits):
            return f"{sign}${size / scale:.{digits}g}{suffix}"
    return f"{sign}${size:.{digits}g}"


def share_of_gdp(usd_per_yr, world_gdp_usd_per_yr):
    """A yearly amount as a fraction of world GDP (1.0 = the whole world economy)."""
    amount = non_negative_array(usd_per_yr, "usd_per_yr")
    return float_or_array(amount / positive_array(world_gdp_usd_per_yr, "world GDP"))


# ---------------------------------------------------------------------------
# Nvidia shipments (Epoch AI chip counts)


def nvidia_cumulative_totals() -> pd.DataFrame:
    """Epoch AI's cumulative Nvidia AI-chip shipments from Q1 2022 (registered data),
    with ``End date`` parsed and short column names: ``units_p5/p50/p95``,
    ``h100e_p5/p50/p95``, ``power_mw_p5/p50/p95``."""
    table = data.load("nvidia_cumulative_totals")
    table["End date"] = pd.to_datetime(table["End date"], format="%m/%d/%Y")
    short = {}
    for prefix, stem in (("Number of units", "units"), ("Compute estimate in H100e", "h100e"),
                         ("Power in MW", "power_mw")):
        for label, tag in (("5th percentile", "p5"), ("median", "p50"), ("95th percentile", "p95")):
            short[f"{prefix} ({label})"] = f"{stem}_{tag}"
    return table.rename(columns=short)


def nvidia_shipped_by(end_date: str, column: str = "units_p50") -> float:
    """Cumulative Nvidia shipments from Q1 2022 to the quarter ending ``end_date`` (YYYY-MM-DD)."""
    table = nvidia_cumulative_totals()
    if column not in table.columns:
        raise KeyError(f"no column {column!r}; known: {', '.join(c for c in table.columns if '_p' in c)}")
    rows = table[table["End date"] == pd.Timestamp(end_date)]
    if rows.empty:
        known = ", ".join(d.strftime("%Y-%m-%d") for d in table["End date"])
        raise KeyError(f"no quarter ends on {end_date}; known: {known}")
    return float(rows[column].iloc[0])
