"""Lesson 04's explorer: split a compute budget between parameters and tokens.

:func:`allocation` and :func:`allocator_text` are pure (tested in
tests/test_explorers_early.py). :func:`allocator` wires them to a law picker,
exponent and budget sliders and an iso-FLOP plot. The plot's axis limits are
snapped to whole decades of N and quarter-nats of loss, so most slider moves
redraw only the curve and two markers; each new pair of limits is drawn in full
once and then reused (BlitFigure.use_view).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import matplotlib
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from scalecheck.core.plotting import STYLE, decorate
from scalecheck.models import scaling
from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer

RELATIVE_N = np.geomspace(1e-3, 1e2, 120)  # the iso-FLOP curve runs from N_opt/1,000 to 100 x N_opt
LOSS_STEP = 0.5  # the y axis starts on a multiple of this many nats/token ...
LOSS_SPAN = 1.5  # ... and shows this many: the optimum and up to 1 nat above it always fit


class Split(NamedTuple):
    law: scaling.LossLaw  # E, A, B of the chosen paper with the chosen exponents
    flop: float
    best: scaling.Allocation  # the compute-optimal split
    mine: scaling.Allocation  # the split at tokens_multiple x the optimal tokens per parameter
    n_curve: np.ndarray  # parameters along the iso-FLOP curve
    loss_curve: np.ndarray  # predicted loss along it


def allocation(law_name: str, alpha, beta, log10_flop, tokens_multiple) -> Split:
    """The optimum and the chosen split of 10**log10_flop FLOP under a law with the given exponents."""
    base = scaling.PUBLISHED_LAWS[law_name]
    if not (alpha > 0 and beta > 0):  # also refuses NaN
        raise ValueError(f"alpha and beta must be positive numbers, got {alpha} and {beta}")
    law = scaling.LossLaw(base.E, base.A, base.B, alpha, beta)
    flop = 10.0 ** log10_flop
    if not math.isfinite(flop):
        raise ValueError(f"the budget must be a finite number of FLOP, got 1e{log10_flop}")
    best = scaling.compute_optimal(law, flop)
    n_curve = best.n_params * RELATIVE_N
    mine = scaling.allocation_at_ratio(law, flop, best.tokens_per_param * tokens_multiple)
    return Split(law, flop, best, mine, n_curve, scaling.isoflop_loss_nats(law, flop, n_curve))


def allocator_text(split: Split, law_name: str, alpha, beta, tokens_multiple) -> str:
    """The readout: the optimum, the chosen split, its extra loss and its serving cost."""
    best, mine = split.best, split.mine
    a, _ = scaling.allocation_exponents(split.law)
    return "\n".join([
        f"budget {split.flop:.3g} FLOP; E, A, B from {law_name}; alpha {alpha:.3f}, beta {beta:.3f} "
        f"(N_opt ~ C^{a:.2f})",
        f"compute-optimal: N = {scaling.count_text(best.n_params)}, D = {scaling.count_text(best.n_tokens)}, "
        f"{best.tokens_per_param:.1f} tokens/param, loss {best.loss_nats:.3f} nats/token",
        f"your choice ({tokens_multiple:.3g}x the optimal tokens/param): N = {scaling.count_text(mine.n_params)}, "
        f"D = {scaling.count_text(mine.n_tokens)}, {mine.tokens_per_param:.0f} tokens/param, "
        f"loss {mine.loss_nats:.3f} (+{mine.loss_nats - best.loss_nats:.3f})",
        f"serving cost per generated token: {scaling.inference_flop_per_token(mine.n_params):.2g} FLOP "
        f"vs {scaling.inference_flop_per_token(best.n_params):.2g} at the optimum "
        f"({best.n_params / mine.n_params:.2g}x cheaper)",
    ])


def view_limits(split: Split) -> tuple:
    """(x_low, x_high, y_low, y_high): whole decades of N around the curve; LOSS_SPAN nats of loss
    from the LOSS_STEP multiple just under the optimum. Few distinct views, so few full redraws.
    """
    x_low = math.floor(math.log10(split.n_curve[0]))
    y_low = math.floor((split.best.loss_nats - 0.02) / LOSS_STEP) * LOSS_STEP
    return x_low, x_low + 6, y_low, y_low + LOSS_SPAN


def allocator(law_name: str = scaling.BESIROGLU_2024.name, alpha: float | None = None, beta: float | None = None,
              log10_flop: float = float(np.log10(scaling.CHINCHILLA_FLOP)), tokens_multiple: float = 1.0) -> Explorer:
    """A law picker (which resets the exponents), sliders for alpha, beta, budget and tokens/param, and the plot."""
    import ipywidgets as widgets

    chosen = scaling.PUBLISHED_LAWS[law_name]
    style = {"description_width": "initial"}
    law_picker = widgets.Dropdown(options=list(scaling.PUBLISHED_LAWS), value=law_name, description="E, A, B from",
                                  style=style)
    alpha_slider = widgets.FloatSlider(value=chosen.alpha if alpha is None else alpha, min=0.15, max=0.6, step=0.002,
                                       description="α (exponent on N)", readout_format=".3f", style=style)
    beta_slider = widgets.FloatSlider(value=chosen.beta if beta is None else beta, min=0.15, max=0.6, step=0.002,
                                      description="β (exponent on D)", readout_format=".3f", style=style)
    budget_slider = widgets.FloatSlider(value=log10_flop, min=19, max=27, step=0.1, description="budget: log₁₀ of FLOP",
                                        readout_format=".1f", style=style)
    multiple_slider = widgets.FloatLogSlider(value=tokens_multiple, base=10, min=-1, max=3, step=0.1,
                                             readout_format=".3g", style=style,
                                             description="tokens/param, as a multiple of the optimum")

    def reset_exponents(change):
        """Choosing a paper resets α and β to that paper's values."""
        picked = scaling.PUBLISHED_LAWS[change["new"]]
        alpha_slider.value, beta_slider.value = picked.alpha, picked.beta

    law_picker.observe(reset_exponents, names="value")

    with matplotlib.rc_context(STYLE):  # the course style, even where setup_notebook() was not called
        figure = new_blit_figure(figsize=(6.4, 2.9), dpi=80)
        ax = figure.add_subplot()
        # margins set once: no layout work per update
        figure.subplots_adjust(left=0.12, right=0.97, top=0.95, bottom=0.27)
        isoflop_line, = ax.plot(RELATIVE_N, RELATIVE_N, color="tab:blue", lw=2, label="iso-FLOP curve")
        optimum_marker, = ax.plot([1], [1], "o", color="tab:red", ms=8, label="compute-optimal")
        choice_marker, = ax.plot([1], [1], "s", color="tab:green", ms=7, label="your choice")
        figure.moving(isoflop_line, optimum_marker, choice_marker)
        ax.xaxis.set_major_locator(MultipleLocator(1))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{v:.0f}"))
        ax.yaxis.set_major_locator(MaxNLocator(4))
        decorate(ax, xlabel="parameters N (log scale)", ylabel="loss (nats/token)",
                 source="Laws: Hoffmann et al. 2022; Besiroglu et al. 2024")

    def update(law_name, alpha, beta, log10_flop, tokens_multiple):
        try:
            split = allocation(law_name, alpha, beta, log10_flop, tokens_multiple)
            text = allocator_text(split, law_name, alpha, beta, tokens_multiple)
            limits = view_limits(split)
        except (TypeError, ValueError, KeyError, OverflowError) as error:
            return f"cannot split this budget: {error}"
        isoflop_line.set_data(np.log10(split.n_curve), split.loss_curve)
        optimum_marker.set_data([np.log10(split.best.n_params)], [split.best.loss_nats])
        choice_marker.set_data([np.log10(split.mine.n_params)], [split.mine.loss_nats])
        ax.set_xlim(*limits[:2])
        ax.set_ylim(*limits[2:])
        figure.use_view(limits)  # a view seen before reuses its background
        return text

    return Explorer({"law_name": law_picker, "alpha": alpha_slider, "beta": beta_slider,
                     "log10_flop": budget_slider, "tokens_multiple": multiple_slider},
                    update, figure, css_class="lesson04-allocator")


EXPLORERS = {"allocator": allocator}
