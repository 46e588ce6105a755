"""Lesson 09's explorers: the definitions of AGI side by side, and the logistic S-curve of AI's share of GDP.

``definition_readout``, ``scurve_summary`` and ``scurve_readout`` are pure
(tested in tests/test_explorers_late.py); ``definitions`` and ``scurve``
build what the lesson shows.
"""
from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.ticker import PercentFormatter

from scalecheck.core.plotting import STYLE, decorate
from scalecheck.models import agi
from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer

TABLE_FIELDS = ("definition", "proposed by", "measurable quantity", "today", "today's source", "threshold",
                "gap", "settled by")
CURVE_YEARS = np.linspace(0, 50, 501)  # years after agi.S_CURVE_START_YEAR


# ---------------------------------------------------------------------------
# Definitions


def definition_readout(definition: str, threshold) -> str:
    """One definition at one threshold as aligned 'field: value' lines."""
    if definition not in agi.DEFINITIONS:
        return f"no definition {definition!r}; known: {', '.join(agi.DEFINITIONS)}"
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        return f"the threshold must be a number, got {threshold!r}"
    if not np.isfinite(threshold):
        return f"the threshold must be a finite number, got {threshold!r}"
    # only the GDP share has no measurement of 'today'; the lesson assumes one
    assumed = 100 * agi.START_SHARE_ASSUMED if definition == "gdp_share" else None
    row = agi.measurable_row(definition, threshold, assumed_today=assumed)
    return "\n".join(f"{field:>20}: {row[field]}" for field in TABLE_FIELDS)


def definitions(definition: str = "gdp_share") -> Explorer:
    """A definition picker and its threshold; the readout is that definition's row of the table."""
    import ipywidgets as widgets

    first = agi.DEFINITIONS[definition]
    definition_picker = widgets.Dropdown(options=[(d.name, key) for key, d in agi.DEFINITIONS.items()],
                                         value=definition, description="definition",
                                         layout=widgets.Layout(width="620px"))
    threshold_picker = widgets.SelectionSlider(options=list(first.thresholds), value=first.default_threshold,
                                               description="threshold", layout=widgets.Layout(width="620px"))
    shown = {"key": definition}

    def update(definition: str, threshold: float) -> str:
        if definition != shown["key"] and definition in agi.DEFINITIONS:
            # a new definition brings its own thresholds (this fires one nested, identical update)
            shown["key"] = definition
            spec = agi.DEFINITIONS[definition]
            threshold_picker.options = list(spec.thresholds)
            threshold_picker.value = spec.default_threshold
            threshold = threshold_picker.value
        return definition_readout(definition, threshold)

    return Explorer({"definition": definition_picker, "threshold": threshold_picker}, update,
                    css_class="lesson09-definitions")


# ---------------------------------------------------------------------------
# The S-curve


def scurve_summary(start_share: float, growth_per_yr: float) -> dict:
    """The logistic curve from ``start_share`` in 2025 growing ``growth_per_yr`` times a year while small.

    Returns r = ln G, the share along CURVE_YEARS, the years to 10% and 90%
    and between them. Raises ValueError for a share outside (0, 1) or G <= 1.
    """
    rate = agi.rate_from_growth_factor(growth_per_yr)
    return {"rate": rate,
            "shares": agi.logistic_share(CURVE_YEARS, start_share, rate),
            "to_agi": agi.years_to_share(agi.AGI_SHARE, start_share, rate),
            "to_asi": agi.years_to_share(agi.ASI_SHARE, start_share, rate),
            "agi_to_asi": agi.years_between_shares(agi.AGI_SHARE, agi.ASI_SHARE, rate)}


def _when(years: float) -> str:
    return f"{agi.S_CURVE_START_YEAR + years:.1f} ({years:.1f} years)"


def scurve_readout(summary: dict, start_share: float, growth_per_yr: float) -> str:
    return (f"start share {start_share:.3%} in 2025, G = {growth_per_yr:.2f}x a year "
            f"(r = {summary['rate']:.3f} per year)\n"
            f"10% of world GDP (AGI, Wang): {_when(summary['to_agi'])}\n"
            f"90% of world GDP (ASI, Wang): {_when(summary['to_asi'])}\n"
            f"from 10% to 90%: {summary['agi_to_asi']:.1f} years")


def scurve(start_share: float = agi.START_SHARE_ASSUMED,
           growth_per_yr: float = agi.SHARE_GROWTH_PER_YR_ASSUMED) -> Explorer:
    """Sliders for the start share and growth; the curve and the years it reaches 10% and 90%."""
    import ipywidgets as widgets

    start_slider = widgets.FloatLogSlider(value=start_share, base=10, min=-5, max=-1.5, step=0.1,
                                          description="AI share of GDP in 2025",
                                          style={"description_width": "initial"}, readout_format=".3%")
    growth_slider = widgets.FloatSlider(value=growth_per_yr, min=1.2, max=4.0, step=0.05,
                                        description="growth G (x/yr)",
                                        style={"description_width": "initial"}, readout_format=".2f")
    start_year = agi.S_CURVE_START_YEAR
    with matplotlib.rc_context(STYLE):
        figure = new_blit_figure(figsize=(7.0, 3.4))  # redraws only what moves (fast)
        ax = figure.add_subplot()
        share_line, = ax.plot(start_year + CURVE_YEARS, np.zeros_like(CURVE_YEARS), color="tab:blue", lw=2)
        for level, name in ((agi.AGI_SHARE, "10%: AGI (Wang)"), (agi.ASI_SHARE, "90%: ASI (Wang)")):
            ax.axhline(100 * level, color="0.5", ls="--", lw=1)
            ax.text(2058, 100 * level + 2, name, fontsize=8, color="0.3")
        agi_marker = ax.axvline(2030, color="tab:orange", lw=1)
        asi_marker = ax.axvline(2040, color="tab:red", lw=1)
        ax.set_xlim(start_year, start_year + 50)
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter())
        decorate(ax, title="AI's share of world GDP on a logistic curve", xlabel="year",
                 ylabel="share of world GDP",
                 source="Model: logistic; start share and growth are assumptions (lesson 09).")
        figure.subplots_adjust(bottom=0.2, left=0.11)
    figure.moving(share_line, agi_marker, asi_marker)

    def update(start_share: float, growth_per_yr: float) -> str:
        try:
            summary = scurve_summary(start_share, growth_per_yr)
        except (TypeError, ValueError) as error:
            return f"cannot draw the S-curve: {error}"
        share_line.set_ydata(100 * summary["shares"])
        agi_marker.set_xdata([start_year + summary["to_agi"]] * 2)
        asi_marker.set_xdata([start_year + summary["to_asi"]] * 2)
        return scurve_readout(summary, start_share, growth_per_yr)

    return Explorer({"start_share": start_slider, "growth_per_yr": growth_slider}, update, figure,
                    css_class="lesson09-scurve")


EXPLORERS = {"definitions": definitions, "scurve": scurve}
