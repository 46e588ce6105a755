"""Lesson 06's explorers: a ten-year compute projection from yearly factors, and a cluster's break-even revenue.

``projection_summary``, ``projection_readout``, ``money_summary`` and
``money_readout`` are pure (tested in tests/test_explorers_late.py);
``projection`` and ``money`` build what the lesson shows. Called without
arguments (as the benchmark does) they rebuild the lesson's inputs from the
registered data; the lesson passes its own.
"""
from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

from scalecheck.core import data
from scalecheck.core.plotting import STYLE, decorate
from scalecheck.models import trends
from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer

PROJECTION_SPAN = np.linspace(0, 10, 21)  # years after the start year
HUANG_PER_YR = trends.growth_factor_per_yr(1e6, 10)  # a million-fold per decade (source 002, line 11)
SPEND_PER_YR = 2.4  # Cottier et al. 2024, cost of frontier training runs
USD_PER_KWH = 0.078  # SemiAnalysis (Patel et al. 2024)
OTHER_OPEX_SHARE = (0.9e9 - 0.6e9) / 38e9  # Epoch 2026, 1 GW data centre: non-energy opex / capex
WORLD_GDP_2025_USD = 117e12  # IMF WEO Oct 2025
TICK_EXPONENTS = list(range(16, 35, 3))


def _slider_kwargs() -> dict:
    import ipywidgets as widgets

    return {"style": {"description_width": "190px"}, "layout": widgets.Layout(width="460px")}


def _finite_positive(**values) -> None:
    for name, value in values.items():
        if not isinstance(value, (int, float, np.number)) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name.replace('_', ' ')} must be a positive number, got {value!r}")


# ---------------------------------------------------------------------------
# The decade projection


def frontier_and_fit():
    """The running top 5 of Epoch AI's notable models since 2010, and its log-linear trend (as in the lesson)."""
    models = trends.epoch_models()
    since_2010 = models[models["year"] >= 2010]
    frontier = since_2010[since_2010["running_rank"] <= 5]
    return frontier, trends.fit_log_trend(frontier["year"], frontier["compute_flop"])


def projection_summary(spend, price_performance, number_format, algorithms, start_year, start_log10_flop,
                       huang_per_yr=HUANG_PER_YR) -> dict:
    """Physical growth (spend x FLOP per $ x formats), effective (x algorithms), and the three lines from the start."""
    _finite_positive(spend=spend, price_performance=price_performance, number_format=number_format,
                     algorithms=algorithms, start_year=start_year, start_log10_flop=start_log10_flop)
    physical = trends.combined_growth_factor(spend, price_performance, number_format)
    effective = physical * algorithms
    start_flop = 10.0 ** start_log10_flop
    return {"physical": physical, "effective": effective, "start_flop": start_flop,
            "years": start_year + PROJECTION_SPAN,
            "physical_path": trends.projection(start_flop, physical, PROJECTION_SPAN),
            "effective_path": trends.projection(start_flop, effective, PROJECTION_SPAN),
            "huang_path": trends.projection(start_flop, huang_per_yr, PROJECTION_SPAN),
            "physical_in_10_yr": trends.projection(start_flop, physical, 10)}


def projection_readout(summary: dict, start_year, fit, huang_per_yr=HUANG_PER_YR) -> str:
    physical, effective = summary["physical"], summary["effective"]
    end_year = start_year + 10
    doubling = (f", doubling every {12 * trends.doubling_time_yr(physical):.1f} months" if physical > 1
                else ", no growth")
    return "\n".join([
        "key: blue solid = physical, blue dotted = + algorithms, orange dashed = 1e6 per decade, "
        "black = your fit, grey = frontier models",
        f"physical: x{physical:.2f}/yr = x{trends.total_factor(physical, 10):.2g} per decade" + doubling,
        f"effective (x algorithms): x{effective:.2f}/yr = x{trends.total_factor(effective, 10):.2g} per decade",
        f"Huang: x{huang_per_yr:.2f}/yr = x1e+06 per decade; your fit: x{fit.growth_factor_per_yr:.2f}/yr",
        f"in {end_year}: physical {summary['physical_in_10_yr']:.1e} FLOP; "
        f"fitted trend {fit.value_at(float(end_year)):.1e} FLOP",
    ])


def projection(frontier=None, fit=None, spend_per_yr: float = SPEND_PER_YR, huang_per_yr: float = HUANG_PER_YR,
               start_year: int = 2015) -> Explorer:
    """Yearly factors -> a ten-year projection over the frontier models and their fitted trend."""
    import ipywidgets as widgets

    if frontier is None or fit is None:
        frontier, fit = frontier_and_fit()
    kwargs = _slider_kwargs()
    controls = {
        "spend": widgets.FloatSlider(value=spend_per_yr, min=1.0, max=4.0, step=0.05,
                                     description="spend on the run (x/yr)", **kwargs),
        "price_performance": widgets.FloatSlider(value=1.35, min=1.0, max=2.0, step=0.05,
                                                 description="FLOP per $ (x/yr)", **kwargs),
        "number_format": widgets.FloatSlider(value=1.0, min=1.0, max=1.5, step=0.01,
                                             description="number formats (x/yr)", **kwargs),
        "algorithms": widgets.FloatSlider(value=1.0, min=1.0, max=4.0, step=0.05, description="algorithms (x/yr)",
                                          **kwargs),
        "start_year": widgets.IntSlider(value=start_year, min=2010, max=2025, description="start year", **kwargs),
        "start_log10_flop": widgets.FloatSlider(value=round(float(fit.log10_at(start_year)), 1), min=16.0, max=28.0,
                                                step=0.1, description="start: log10(FLOP)", **kwargs),
    }
    with matplotlib.rc_context(STYLE):
        figure = new_blit_figure(figsize=(7.0, 3.6), dpi=80)  # redraws only the moving lines
        ax = figure.add_subplot()
        ax.scatter(frontier["year"], frontier["compute_flop"], s=8, color="0.6",
                   label="frontier models (running top 5)")
        trend_years = np.array([2010.0, 2036.0])
        ax.plot(trend_years, fit.value_at(trend_years), color="black", lw=1,
                label=f"your fit: x{fit.growth_factor_per_yr:.2f}/yr")
        huang_line, = ax.plot([], [], color="tab:orange", ls="--", lw=1.5, zorder=4, label="1e6 per decade")
        physical_line, = ax.plot([], [], color="tab:blue", lw=2, label="physical (your factors)")
        effective_line, = ax.plot([], [], color="tab:blue", ls=":", lw=2, label="+ algorithms (effective)")
        ax.set_yscale("log")
        ax.set_xlim(2010, 2036)
        ax.set_ylim(1e16, 1e34)
        ax.yaxis.set_major_locator(FixedLocator([10.0 ** k for k in TICK_EXPONENTS]))
        ax.yaxis.set_major_formatter(FixedFormatter([f"1e{k}" for k in TICK_EXPONENTS]))
        ax.yaxis.set_minor_locator(NullLocator())
        # a figure-level title and no legend keep each redraw fast; the readout gives the key
        figure.suptitle("Ten-year projection from your growth factors", x=0.02, ha="left", fontsize=11)
        decorate(ax, xlabel="year", ylabel="training compute (FLOP)", source="Data: Epoch AI notable models (CC BY)")
    figure.moving(huang_line, physical_line, effective_line)

    def update(spend, price_performance, number_format, algorithms, start_year, start_log10_flop):
        try:
            summary = projection_summary(spend, price_performance, number_format, algorithms, start_year,
                                         start_log10_flop, huang_per_yr)
        except (TypeError, ValueError) as error:
            return f"cannot project: {error}"
        physical_line.set_data(summary["years"], summary["physical_path"])
        effective_line.set_data(summary["years"], summary["effective_path"])
        huang_line.set_data(summary["years"], summary["huang_path"])
        return projection_readout(summary, start_year, fit, huang_per_yr)

    return Explorer(controls, update, figure, css_class="lesson06-projection")


# ---------------------------------------------------------------------------
# Break-even revenue of a cluster


def epoch_building_share() -> float:
    """The building's share of capex, mean of Epoch AI's estimates for xAI's Colossus 1 and 2 (as in the lesson)."""
    xai = data.load("xai_datacenter_timelines")
    rows = [xai[(xai["Data center"] == name) & (xai["Date"] == date)].iloc[0]
            for name, date in (("xAI Colossus 1", "2024-09-02"), ("xAI Colossus 2", "2026-05-13"))]
    return float(np.mean([trends.facility_share_of_capex(row["Construction cost (2025 USD billions)"],
                                                         row["Total capital cost (2025 USD billions)"])
                          for row in rows]))


def money_summary(chips_millions, usd_per_chip_k, life_yr, rate_percent, kw_per_chip, building_share,
                  usd_per_kwh=USD_PER_KWH, other_opex_share=OTHER_OPEX_SHARE) -> dict:
    """Capex, power and the yearly break-even revenue by part (the building written off over 14 years)."""
    _finite_positive(chips_millions=chips_millions, usd_per_chip_k=usd_per_chip_k, life_yr=life_yr,
                     kw_per_chip=kw_per_chip)
    if not isinstance(rate_percent, (int, float, np.number)) or not math.isfinite(rate_percent) or rate_percent < 0:
        raise ValueError(f"return on capital must be zero or more, got {rate_percent!r}")
    chips = chips_millions * 1e6
    capex = trends.cluster_capex_usd(chips, usd_per_chip_k * 1e3)
    power = trends.cluster_power_w(chips, kw_per_chip * 1e3)
    parts = trends.required_revenue_breakdown(capex, life_yr, rate_percent / 100, power, usd_per_kwh, other_opex_share,
                                              facility_share=building_share)
    return {"chips": chips, "capex": capex, "power_w": power, "parts": parts, "total": sum(parts.values())}


def money_readout(summary: dict, world_gdp_usd=WORLD_GDP_2025_USD) -> str:
    total = summary["total"]
    return "\n".join([
        f"capex {trends.format_usd(summary['capex'])}; power {summary['power_w'] / 1e9:.1f} GW "
        "(Epoch's single campus: 1-5 GW)",
        f"break-even revenue {trends.format_usd(total)} per year = ${total / summary['chips']:,.0f} per chip per year",
        f"= {trends.share_of_gdp(total, world_gdp_usd):.3%} of 2025 world GDP",
    ])


def money(building_share: float | None = None, usd_per_kwh: float = USD_PER_KWH,
          other_opex_share: float = OTHER_OPEX_SHARE, world_gdp_usd: float = WORLD_GDP_2025_USD) -> Explorer:
    """Chips, price, life, return and power -> the yearly revenue a cluster needs to break even, by part."""
    import ipywidgets as widgets

    building_share = epoch_building_share() if building_share is None else building_share
    kwargs = _slider_kwargs()
    controls = {
        "chips_millions": widgets.FloatSlider(value=3.0, min=0.1, max=10.0, step=0.1, description="chips (millions)",
                                              **kwargs),
        "usd_per_chip_k": widgets.FloatSlider(value=50.0, min=20.0, max=100.0, step=1.0,
                                              description="all-in USD per chip (k)", **kwargs),
        "life_yr": widgets.FloatSlider(value=5.0, min=2.0, max=8.0, step=0.5, description="IT equipment life (yr)",
                                       **kwargs),
        "rate_percent": widgets.FloatSlider(value=7.5, min=0.0, max=15.0, step=0.5,
                                            description="return on capital (%/yr)", **kwargs),
        "kw_per_chip": widgets.FloatSlider(value=2.2, min=1.0, max=3.0, step=0.1, description="all-in kW per chip",
                                           **kwargs),
    }
    with matplotlib.rc_context(STYLE):
        figure = new_blit_figure(figsize=(6.0, 2.6), dpi=80)  # redraws only the bars, unless the axis grows
        ax = figure.add_subplot()
        bars = ax.barh(["capital", "energy", "other opex"], [0, 0, 0], color=["tab:blue", "tab:orange", "0.6"])
        figure.subplots_adjust(left=0.17)  # room for the bar labels
        ax.set_xlim(0, 150)
        figure.suptitle("Yearly break-even revenue, by part", x=0.02, ha="left", fontsize=11)
        decorate(ax, xlabel="USD billion per year", source="Inputs: source 002; Epoch AI; SemiAnalysis")
    figure.moving(*bars)

    def update(chips_millions, usd_per_chip_k, life_yr, rate_percent, kw_per_chip):
        try:
            summary = money_summary(chips_millions, usd_per_chip_k, life_yr, rate_percent, kw_per_chip,
                                    building_share, usd_per_kwh, other_opex_share)
        except (TypeError, ValueError) as error:
            return f"cannot compute the break-even revenue: {error}"
        parts = summary["parts"]
        for bar, usd in zip(bars, parts.values()):
            bar.set_width(usd / 1e9)
        axis_end = max(150.0, 1.1 * max(parts.values()) / 1e9)
        if ax.get_xlim()[1] != axis_end:  # a new scale: the whole figure must be redrawn
            ax.set_xlim(0, axis_end)
            figure.redraw_all()
        return money_readout(summary, world_gdp_usd)

    return Explorer(controls, update, figure, css_class="lesson06-money")


EXPLORERS = {"projection": projection, "money": money}
