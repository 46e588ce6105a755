"""Lesson 05's explorer: how far the bootstrap's disagreement grows when the fitted law is extrapolated.

:func:`fan_bands` and :func:`extrapolation_text` are pure (tested in
tests/test_explorers_early.py). :func:`extrapolation` draws the 5-50-95%
band of the compute-optimal split across budgets and a marker at the chosen
budget. Each quantity is one fixed view (its band, median and limits), drawn in
full once; moving the budget redraws only the marker.

By default the explorer uses the course's stored refits,
data/chinchilla_bootstrap_fits.csv (made by tools/make_chinchilla_bootstrap.py
with the same call the lesson shows); a lesson may pass its own.
"""
from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from scalecheck.core import data
from scalecheck.core.plotting import STYLE, decorate
from scalecheck.models import scaling
from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer

FAN_LOG10_FLOP = np.linspace(18, 28, 81)  # the budgets the band is drawn over
# quantity -> y-axis label; the plotted values are log10 for the first two
FAN_QUANTITIES = {"tokens per parameter": "log₁₀ tokens per parameter", "parameters N": "log₁₀ parameters",
                  "loss (nats/token)": "loss (nats/token)"}


def cached_bootstrap_laws() -> scaling.LossLaw:
    """The 100 refits stored in data/chinchilla_bootstrap_fits.csv, as one LossLaw of arrays."""
    table = data.load("chinchilla_bootstrap_fits")
    return scaling.fit_params_to_law(table[list(scaling.FIT_PARAMETERS)].to_numpy())


def chinchilla_flop_range() -> tuple[float, float]:
    """Smallest and largest training compute among the Chinchilla runs (all 245)."""
    flop = scaling.chinchilla_points(data.load("chinchilla_points"))["flop"]
    return float(flop.min()), float(flop.max())


def fan_bands(bootstrap_laws: scaling.LossLaw, log10_flop=FAN_LOG10_FLOP) -> dict:
    """quantity -> (5th, 50th, 95th percentile) arrays over the budgets 10**log10_flop."""
    splits = scaling.compute_optimal(bootstrap_laws, 10.0 ** np.asarray(log10_flop)[:, None])
    values = {"tokens per parameter": np.log10(splits.tokens_per_param), "parameters N": np.log10(splits.n_params),
              "loss (nats/token)": splits.loss_nats}
    return {name: np.percentile(v, [5, 50, 95], axis=1) for name, v in values.items()}


def extrapolation_text(bootstrap_laws: scaling.LossLaw, log10_flop, largest_fitted_flop) -> str:
    """The readout at one budget: each quantity's median and 90% interval across the refits."""
    flop = 10.0 ** log10_flop
    here = scaling.compute_optimal(bootstrap_laws, flop)
    lines = [f"C = {flop:.3g} FLOP, {flop / largest_fitted_flop:.2g}x the largest fitted run"]
    for label, samples, show in [("parameters N", here.n_params, scaling.count_text),
                                 ("tokens D", here.n_tokens, scaling.count_text),
                                 ("tokens per parameter", here.tokens_per_param, lambda v: f"{v:.1f}"),
                                 ("loss (nats/token)", here.loss_nats, lambda v: f"{v:.3f}")]:
        p5, p50, p95 = np.percentile(samples, [5, 50, 95])
        lines.append(f"{label:21} median {show(p50):>7}, 90% interval {show(p5)} to {show(p95)} (x{p95 / p5:.2f} wide)")
    return "\n".join(lines)


def extrapolation(bootstrap_laws: scaling.LossLaw | None = None, data_flop_range: tuple | None = None,
                  quantity: str = "tokens per parameter", log10_flop: float = 26.0) -> Explorer:
    """A quantity picker and a budget slider over the bootstrap's fan (grey: the budgets the fit saw)."""
    import ipywidgets as widgets

    laws = cached_bootstrap_laws() if bootstrap_laws is None else bootstrap_laws
    flop_range = chinchilla_flop_range() if data_flop_range is None else data_flop_range
    bands = fan_bands(laws)
    quantity_picker = widgets.Dropdown(options=list(FAN_QUANTITIES), value=quantity, description="show")
    budget_slider = widgets.FloatSlider(value=log10_flop, min=18, max=28, step=0.25,
                                        description="budget: log₁₀ of FLOP", readout_format=".2f",
                                        style={"description_width": "initial"})

    with matplotlib.rc_context(STYLE):  # the course style, even where setup_notebook() was not called
        figure = new_blit_figure(figsize=(6.4, 2.9), dpi=80)
        ax = figure.add_subplot()
        # margins set once: no layout work per update
        figure.subplots_adjust(left=0.12, right=0.97, top=0.95, bottom=0.27)
        ax.axvspan(*np.log10(flop_range), color="0.88")
        shading = {name: ax.fill_between(FAN_LOG10_FLOP, band[0], band[2], color="tab:blue", alpha=0.25, visible=False)
                   for name, band in bands.items()}
        median_line, = ax.plot(FAN_LOG10_FLOP, bands[quantity][1], color="tab:blue", lw=2)
        marker = figure.moving(ax.axvline(log10_flop, color="tab:red", lw=1.5))
        ax.xaxis.set_major_locator(MultipleLocator(2))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{v:.0f}"))
        ax.yaxis.set_major_locator(MaxNLocator(4))
        decorate(ax, xlabel="training compute C (FLOP)", ylabel=FAN_QUANTITIES[quantity],
                 source="100 bootstrap refits; data: Besiroglu et al. 2024")

    shown = {"view": None}

    def update(quantity, log10_flop):
        try:
            low, middle, high = bands[quantity]
            text = extrapolation_text(laws, log10_flop, flop_range[1])
        except (TypeError, ValueError, KeyError, OverflowError) as error:
            return f"cannot extrapolate: {error}"
        marker.set_xdata([log10_flop, log10_flop])
        if shown["view"] != quantity:  # the static parts of this quantity's view; drawn in full only the first time
            for name, band in shading.items():
                band.set_visible(name == quantity)
            median_line.set_ydata(middle)
            span = high.max() - low.min()
            ax.set_ylim(low.min() - 0.05 * span, high.max() + 0.05 * span)
            ax.set_ylabel(FAN_QUANTITIES[quantity])
            figure.use_view(quantity)
            shown["view"] = quantity
        return text

    return Explorer({"quantity": quantity_picker, "log10_flop": budget_slider}, update, figure,
                    css_class="lesson05-extrapolation")


EXPLORERS = {"extrapolation": extrapolation}
