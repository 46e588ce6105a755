"""Lesson 10's explorers: scoring the sources' dated forecasts (Brier), and the 2025-2035 scenario.

``brier_summary``, ``brier_readout``, ``reference_path``, ``scenario_summary``
and ``scenario_readout`` are pure (tested in tests/test_explorers_late.py);
``brier`` and ``scenario`` build what the lesson shows. Called without
arguments (as the benchmark does) they rebuild the lesson's inputs: the
resolved forecasts from the claims ledger, the 2,000 seeded draws.
"""
from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.ticker import NullLocator

from scalecheck.core import uncertainty, units
from scalecheck.core.plotting import STYLE, decorate
from scalecheck.models import agi, ledger, trends
from scalecheck.models import forecasts as fc
from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer

SHORT_LABELS = {"000-grok2-release-next-month": "Grok-2 next month",
                "000-grok3-before-december": "Grok-3 before Dec 2024",
                "001-second-site-110k-gb200": "110k GB200 online",
                "002-musk-300k-b200-mid-2025": "300k B200 by mid-2025",
                "003-vision-implant-6-12-months": "vision implant in 6-12 months",
                "002-rubin-release-2026": "Rubin ships ~2026"}
COIN_FLIP_BS = 0.25
# key -> (title, unit, y limits) of each quantity the scenario can draw
QUANTITIES = {
    "flop": ("training compute", "FLOP", (1e26, 1e34)),
    "cost_usd": ("cost of the run", "USD", (1e8, 1e14)),
    "power_w": ("power of the run", "W", (1e7, 1e13)),
    "tokens": ("data need", "tokens", (1e13, 1e17)),
}
YEARS = np.arange(2025, 2036)
SCALES = {"stock_tokens": 1e12}  # the stock slider is in trillions of tokens
# key -> (slider min, max, step, description) of each range the scenario lets the learner set
RANGE_SLIDERS = {
    "compute_growth": (1.5, 8.0, 0.1, "compute growth (x/yr)"),
    "spend_growth": (1.0, 5.0, 0.1, "spend growth (x/yr)"),
    "price_performance": (1.0, 2.0, 0.05, "hardware FLOP per $ (x/yr)"),
    "kw_per_gpu": (0.8, 3.0, 0.1, "all-in kW per GPU"),
    "flop_per_joule_gain": (1.0, 2.0, 0.05, "hardware FLOP per J (x/yr)"),
    "format_gain": (1.0, 2.0, 0.05, "formats, utilisation (x/yr)"),
    "run_length_growth": (1.0, 1.5, 0.05, "run length (x/yr)"),
    "stock_tokens": (30, 3000, 10, "text stock (T tokens)"),
    "tokens_per_param": (5, 100, 1, "tokens per parameter"),
    "overtraining": (1, 50, 0.5, "over-training (x)"),
}


# ---------------------------------------------------------------------------
# Brier score of the sources' forecasts


def brier_summary(resolved, flat, hedged, count_repeats: bool) -> dict:
    """Each forecast's probability under the rule, its squared error, and the Brier score and skill."""
    for name, value in (("p for flat wording", flat), ("p for hedged wording", hedged)):
        if not isinstance(value, (int, float, np.number)) or not 0 <= value <= 1:  # NaN fails both
            raise ValueError(f"{name} must be a probability from 0 to 1, got {value!r}")
    rule = {"flat": flat, "hedged": hedged}
    p = np.array([fc.implied_probability(wording, rule) for wording in resolved["wording"]])
    outcomes = resolved["outcome"].to_numpy()
    weights = resolved["copies"].to_numpy() if count_repeats else np.ones(len(resolved), dtype=int)
    score = fc.brier_score(np.repeat(p, weights), np.repeat(outcomes, weights))
    return {"p": p, "errors": (p - outcomes) ** 2, "weights": weights, "score": score,
            "always_on_time": fc.constant_brier(1.0, np.repeat(outcomes, weights)),
            "skill": fc.brier_skill_score(score, COIN_FLIP_BS)}


def brier_readout(summary: dict, flat, hedged) -> str:
    return (f"rule: flat {flat:.2f}, hedged {hedged:.2f}; {summary['weights'].sum()} forecasts scored\n"
            f"Brier score {summary['score']:.3f} (coin flip 0.250; always on time {summary['always_on_time']:.3f}); "
            f"skill against the coin flip {summary['skill']:+.2f}")


def brier(resolved=None) -> Explorer:
    """Probabilities for flat and hedged wording -> each forecast's squared error and the Brier score."""
    import ipywidgets as widgets

    resolved = fc.resolved_forecasts(ledger.load_claims()) if resolved is None else resolved
    outcomes = resolved["outcome"].to_numpy()
    labels = [SHORT_LABELS.get(cid, cid) for cid in resolved["claim_id"]]  # forecasts resolved later show their id
    controls = {
        "flat": widgets.FloatSlider(value=0.9, min=0.5, max=1.0, step=0.01, description="p for flat wording",
                                    style={"description_width": "initial"}),
        "hedged": widgets.FloatSlider(value=0.6, min=0.5, max=1.0, step=0.01, description="p for hedged wording",
                                      style={"description_width": "initial"}),
        "count_repeats": widgets.Checkbox(value=False, description="count repeated statements twice", indent=False,
                                          layout=widgets.Layout(width="320px")),
    }
    with matplotlib.rc_context(STYLE):
        figure = new_blit_figure(figsize=(7.0, 3.2))  # redraws only what moves (fast)
        ax = figure.add_subplot()
        positions = np.arange(len(resolved))
        error_bars = ax.barh(positions, np.zeros(len(resolved)),
                             color=["tab:green" if o else "tab:red" for o in outcomes])
        score_line = ax.axvline(fc.brier_score(resolved["p"], outcomes), color="k", lw=2, label="Brier score")
        coin_line = ax.axvline(COIN_FLIP_BS, color="tab:blue", ls="--", lw=1, label="coin flip, 0.25")
        literal_line = ax.axvline(fc.constant_brier(1.0, outcomes), color="tab:red", ls=":", lw=1,
                                  label="always on time")
        ax.set_yticks(positions, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        decorate(ax, title="Squared error of each forecast (green: came true, red: did not)",
                 xlabel="(p - outcome)^2", source="Forecasts: claims ledger (sources 000-003), resolved as of 2026-11.")
        figure.subplots_adjust(left=0.25, right=0.78, bottom=0.2)
    figure.moving(*error_bars, coin_line, literal_line, score_line)  # redrawn in this order

    def update(flat: float, hedged: float, count_repeats: bool) -> str:
        try:
            summary = brier_summary(resolved, flat, hedged, count_repeats)
        except (TypeError, ValueError) as error:
            return f"cannot score the forecasts: {error}"
        for bar, error in zip(error_bars, summary["errors"]):
            bar.set_width(error)
        score_line.set_xdata([summary["score"]] * 2)
        return brier_readout(summary, flat, hedged)

    return Explorer(controls, update, figure, css_class="lesson10-brier")


# ---------------------------------------------------------------------------
# The scenario


def reference_path(key: str, stock: tuple[float, float], years=YEARS):
    """The published reference drawn with each quantity, and its legend text."""
    t = np.asarray(years, dtype=float) - fc.START_YEAR
    if key == "flop":
        return np.where(years == 2030, 2e29, np.nan), "Epoch AI: ~2e29 FLOP feasible by 2030"
    if key == "cost_usd":
        return fc.START_COST_USD * 2.4 ** t, "cost trend 2.4x/yr (Cottier et al. 2024)"
    if key == "power_w":
        return 137e6 * 2.1 ** t, "power trend 2.1x/yr (Epoch AI)"
    return np.full(len(years), np.sqrt(stock[0] * stock[1])), "stock of public text (band: range)"


def scenario_summary(z, mode: str, show: str, ranges: dict, years=YEARS) -> dict:
    """Paths and bands for the slider ``ranges`` (stock in trillions of tokens), and the growth and wall intervals."""
    if show not in QUANTITIES:
        raise ValueError(f"no quantity {show!r}; choose one of {', '.join(QUANTITIES)}")
    scaled = {}
    for key, pair in ranges.items():
        low, high = (float(v) * SCALES.get(key, 1.0) for v in pair)
        if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 or high < low:
            raise ValueError(f"{RANGE_SLIDERS.get(key, (0, 0, 0, key))[3]} must be a range of positive numbers, "
                             f"low <= high (got {pair!r})")
        scaled[key] = (low, high)
    inputs = fc.scenario_inputs(z, scaled, mode=mode)
    paths = fc.scenario_paths(inputs, years)
    stock = scaled.get("stock_tokens", fc.default_ranges()["stock_tokens"])
    bands = {key: fc.bands(paths[key]) for key in QUANTITIES}  # once each: the readout quotes all four
    return {"inputs": inputs, "paths": paths, "bands": bands, "band": bands[show], "stock": stock,
            "reference": reference_path(show, stock, years),
            "growth": uncertainty.interval_90(inputs["effective_compute_growth"]),
            "wall": uncertainty.interval_90(fc.wall_years(inputs))}


def _usd(value) -> str:
    return trends.format_usd(value)


def _tokens(value) -> str:
    return f"{value / 1e12:,.0f}T"


def _flop(value) -> str:
    return f"{value:.1e}"


def _watts(value) -> str:
    return units.format_si(value, "W")


def _readout_line(label, bands, fmt, extra="") -> str:
    low, median, high = bands
    return (f"{label:<16} 2030: {fmt(median[5])} (90%: {fmt(low[5])} to {fmt(high[5])}); "
            f"2035: {fmt(median[10])} (90%: {fmt(low[10])} to {fmt(high[10])}){extra}")


def scenario_readout(summary: dict, mode: str) -> str:
    paths, growth, wall = summary["paths"], summary["growth"], summary["wall"]
    cost_2035 = np.median(paths["cost_usd"][:, 10])
    power_2035 = np.median(paths["power_w"][:, 10])
    humanity_w = agi.mean_power_w(agi.HUMANITY_PRIMARY_ENERGY_2024_J)
    unused = "spend growth" if mode == "trend" else "compute growth"
    return "\n".join([
        f"compute grows x{growth[1]:.2f} a year (90%: {growth[0]:.2f}-{growth[2]:.2f}); "
        f"not used in this view: {unused}",
        _readout_line("compute (FLOP)", summary["bands"]["flop"], _flop),
        _readout_line("cost", summary["bands"]["cost_usd"], _usd,
                      f"; median 2035 = {100 * cost_2035 / agi.WORLD_GDP_2025_USD_PER_YR:.1f}% of 2025 world GDP"),
        _readout_line("power", summary["bands"]["power_w"], _watts,
                      f"; median 2035 = {100 * power_2035 / humanity_w:.1f}% of humanity's energy use"),
        _readout_line("data (tokens)", summary["bands"]["tokens"], _tokens,
                      f"; passes the stock in {wall[1]:.1f} (90%: {wall[0]:.1f}-{wall[2]:.1f})"),
    ])


def scenario(z=None, show: str = "cost_usd", mode: str = "trend") -> Explorer:
    """Every assumption as a 90% range -> bands for compute, cost, power or data, 2025-2035."""
    import ipywidgets as widgets

    z = fc.draws(2000, seed=2026) if z is None else z
    defaults = fc.default_ranges()
    controls = {
        "mode": widgets.ToggleButtons(options=[("compute trend", "trend"), ("spend x price-performance", "money")],
                                      value=mode, description="compute from"),
        "show": widgets.Dropdown(options=[(v[0], k) for k, v in QUANTITIES.items()], value=show, description="draw"),
    }
    for key, (minimum, maximum, step, description) in RANGE_SLIDERS.items():
        scale = SCALES.get(key, 1.0)
        controls[key] = widgets.FloatRangeSlider(
            value=(defaults[key][0] / scale, defaults[key][1] / scale), min=minimum, max=maximum, step=step,
            description=description, readout_format=".2f",
            style={"description_width": "200px"}, layout=widgets.Layout(width="540px"))
    ones = np.ones(len(YEARS))
    with matplotlib.rc_context(STYLE):
        figure = new_blit_figure(figsize=(7.0, 3.4))  # redraws only what moves (fast)
        ax = figure.add_subplot()
        band = ax.fill_between(YEARS, ones, ones, color="tab:blue", alpha=0.25, label="90% of draws")
        median_line, = ax.plot(YEARS, ones, color="tab:blue", lw=2, label="median")
        reference_line, = ax.plot(YEARS, ones, color="k", ls="--", lw=1, label="reference")
        stock_band = ax.fill_between(YEARS, ones, ones, color="tab:red", alpha=0.12)
        ax.set_yscale("log")
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xlim(2025, 2035)
        legend = ax.legend(fontsize=7, loc="upper left")
        title = ax.set_title("", loc="left", fontsize=11)
        ax.set_xlabel("year")
        decorate(ax, source="Model: lesson 10; 2,000 seeded draws. References: Cottier et al. 2024; Epoch AI 2024.")
        figure.subplots_adjust(bottom=0.2, left=0.12)
    figure.moving(stock_band, band, median_line, reference_line)
    shown = {"view": None}

    def update(mode, show, **ranges):
        try:
            summary = scenario_summary(z, mode, show, ranges)
        except (KeyError, TypeError, ValueError) as error:
            return f"cannot run the scenario: {error}"
        low, median, high = summary["band"]
        band.set_data(YEARS, low, high)
        median_line.set_ydata(median)
        reference, reference_label = summary["reference"]
        reference_line.set_ydata(reference)
        reference_line.set_marker("o" if show == "flop" else "")
        legend.get_texts()[2].set_text(reference_label)
        stock_band.set_visible(show == "tokens")
        stock_band.set_data(YEARS, np.full(len(YEARS), summary["stock"][0]), np.full(len(YEARS), summary["stock"][1]))
        if shown["view"] != (show, mode):  # axis limits, label and title change: redraw everything once
            shown["view"] = (show, mode)
            name, unit, limits = QUANTITIES[show]
            ax.set_ylim(*limits)
            ax.set_ylabel(unit)
            title.set_text(f"{name}, {'compute trend' if mode == 'trend' else 'spend x price-performance'} view")
            figure.use_view((show, mode))  # drawn in full the first time, then reused
        return scenario_readout(summary, mode)

    # Drawn once here (the view the learner starts with); each other view is drawn in full the first time
    # it is chosen and reused after that. Drawing all eight while building cost ~1.5 s of CPU per lesson run.
    return Explorer(controls, update, figure, css_class="lesson10-scenario")


EXPLORERS = {"brier": brier, "scenario": scenario}
