"""Lesson 07's explorer: in which year does the data a frontier run needs pass the stock of text?

``crossing_summary`` and ``wall_readout`` are pure (tested in
tests/test_explorers_late.py); ``data_wall`` builds the controls, the figure
and the :class:`~scalecheck.ui.widgets.Explorer` shown in the lesson.
"""
from __future__ import annotations

import math

import matplotlib
import numpy as np

from scalecheck.core import uncertainty
from scalecheck.core.plotting import STYLE, decorate
from scalecheck.models import datawall as dw
from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer

# Histogram of crossing years: half-year bins over the axis the figure shows
BINS = np.arange(2020, 2045.01, 0.5)
STOCK_OPTIONS_T = [30, 50, 100, 150, 200, 300, 500, 700, 1000, 2000, 3000]
OVERTRAINING_OPTIONS = [0.5, 1, 2, 3, 5, 10, 20, 50, 100]
SEED = 7


def default_draws(n_samples: int = 20_000, seed: int = SEED) -> np.ndarray:
    """The lesson's seeded draws: one row each for stock, compute growth, over-training."""
    return uncertainty.standard_normal_draws(3, n_samples, seed=seed)


def _checked_range(name: str, pair) -> tuple[float, float]:
    low, high = (float(v) for v in pair)
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 or high < low:
        raise ValueError(f"{name} must be a range of positive numbers, low <= high (got {low:g}-{high:g})")
    return low, high


def crossing_summary(draws, stock_t, growth, tokens_per_param, overtraining, epochs) -> dict:
    """Crossing years for the ranges (stock in trillions of tokens, growth x/yr, over-training x).

    Returns the samples, their 90% interval, the share of draws per bin of
    ``BINS`` and the shares crossing before 2030 and by 2025. Raises
    ValueError for ranges that are not positive and ordered.
    """
    stock_low, stock_high = _checked_range("text stock", stock_t)
    growth_range = _checked_range("compute growth", growth)
    overtraining_range = _checked_range("over-training", overtraining)
    for name, value in (("tokens per parameter", tokens_per_param), ("passes over the stock", epochs)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number (got {value!r})")
    years = dw.crossing_year_samples(draws, stock_range=(stock_low * 1e12, stock_high * 1e12),
                                     growth_range=growth_range, overtraining_range=overtraining_range,
                                     tokens_per_param=tokens_per_param, epochs=epochs)
    # Years past the axis are piled into its end bins, so every draw is counted. The bins
    # are equal, so a bin number is one division (np.histogram would sort the draws first).
    width = BINS[1] - BINS[0]
    index = ((np.clip(years, BINS[0], BINS[-1] - 1e-9) - BINS[0]) // width).astype(int)
    counts = np.bincount(index, minlength=BINS.size - 1)[:BINS.size - 1]
    low, median, high = uncertainty.interval_90(years)
    return {"years": years, "shares": counts / years.size, "low": low, "median": median, "high": high,
            "before_2030": float(np.mean(years < 2030)), "past_2025": float(np.mean(years <= 2025))}


def wall_readout(summary: dict, stock_t, growth, tokens_per_param, overtraining, epochs) -> str:
    """The three-line readout of the explorer (what nbval compares)."""
    return "\n".join([
        f"stock {stock_t[0]}T-{stock_t[1]}T, compute x{growth[0]:g}-{growth[1]:g}/yr, {tokens_per_param} tokens/param, "
        f"over-training {overtraining[0]:g}-{overtraining[1]:g}x, {epochs} epoch(s)",
        f"crossing year: median {summary['median']:.1f}, 90% interval {summary['low']:.1f}-{summary['high']:.1f}",
        f"before 2030: {summary['before_2030']:.0%} of draws; already past in 2025: {summary['past_2025']:.0%}",
    ])


def _slider_style() -> dict:
    import ipywidgets as widgets

    return {"style": {"description_width": "initial"}, "layout": widgets.Layout(width="36em")}


def data_wall(draws=None, stock_index=(2, 8), growth=(4.0, 5.0), tokens_per_param=20,
              overtraining_index=(1, 4), epochs=1) -> Explorer:
    """The crossing-year explorer of lesson 07 (defaults: the lesson's)."""
    import ipywidgets as widgets

    draws = default_draws() if draws is None else draws
    controls = {
        "stock": widgets.SelectionRangeSlider(options=STOCK_OPTIONS_T, index=stock_index,
                                              description="text stock (T tokens)", **_slider_style()),
        "growth": widgets.FloatRangeSlider(value=growth, min=1.5, max=8.0, step=0.25,
                                           description="compute growth (x per year)", **_slider_style()),
        "tokens_per_param": widgets.IntSlider(value=tokens_per_param, min=5, max=60, step=1,
                                              description="tokens per parameter (r)", **_slider_style()),
        "overtraining": widgets.SelectionRangeSlider(options=OVERTRAINING_OPTIONS, index=overtraining_index,
                                                     description="over-training factor k", **_slider_style()),
        "epochs": widgets.IntSlider(value=epochs, min=1, max=16, step=1, description="passes over the stock (E)",
                                    **_slider_style()),
    }
    with matplotlib.rc_context(STYLE):
        figure = new_blit_figure(figsize=(6.5, 3.0))  # redraws only the histogram and the three lines
        ax = figure.add_subplot()
        ax.axvspan(2026, 2032, color="tab:red", alpha=0.08)
        steps = ax.stairs(np.zeros(BINS.size - 1), BINS, fill=True, color="tab:blue", alpha=0.8)
        lines = [ax.axvline(2028, color="black", ls=style, lw=1) for style in ("--", "-", "--")]
        ax.set_xlim(2020, 2045)
        ax.set_xticks(np.arange(2020, 2046, 5))
        # No y ticks: the shape matters, not the counts. Bars are drawn relative to the
        # tallest one on a fixed axis, so the background never has to be redrawn.
        ax.set_yticks([])
        ax.set_ylim(0, 1.15)
        decorate(ax, title="Crossing year under your assumptions", xlabel="year", ylabel="share of draws",
                 source="Stock: Villalobos et al. 2024; growth: Epoch AI; epochs: Muennighoff et al. 2023. "
                        "Red band: 2026-2032.")
        figure.subplots_adjust(bottom=0.2)
    figure.moving(steps, *lines)

    def update(stock, growth, tokens_per_param, overtraining, epochs):
        try:
            summary = crossing_summary(draws, stock, growth, tokens_per_param, overtraining, epochs)
        except (TypeError, ValueError) as error:
            return f"cannot compute the crossing year: {error}"
        steps.set_data(summary["shares"] / max(summary["shares"].max(), 1e-12))
        for line, value in zip(lines, (summary["low"], summary["median"], summary["high"])):
            line.set_xdata([value, value])
        return wall_readout(summary, stock, growth, tokens_per_param, overtraining, epochs)

    return Explorer(controls, update, figure, css_class="lesson07-crossing-year")


EXPLORERS = {"data_wall": data_wall}
