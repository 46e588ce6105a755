"""House style for figures, and log-axis helpers."""
from __future__ import annotations

import math
import re

import matplotlib
import numpy as np
from matplotlib import scale, ticker

STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.frameon": False,
    "svg.hashsalt": "scalecheck",  # stable ids if anyone switches to SVG
}


_SUPERSCRIPTS = str.maketrans("0123456789-", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b")
_MATHTEXT_LABEL = re.compile(r"\$\\mathdefault\{(.*)\}\$")
_EXPONENT = re.compile(r"\^\{([^}]*)\}")


class PlainLogFormatter(ticker.LogFormatterSciNotation):
    """Log-axis tick labels such as 10⁶ or 2×10⁶ written in plain text (Unicode superscripts).

    matplotlib's own labels are mathtext ("$\\mathdefault{10^{6}}$"): they look the same but every
    new label goes through the mathtext parser, which cost 10-30% of the CPU of rendering a
    figure with log axes (the course's inline figures are rendered twice, for bbox_inches="tight").
    """

    def __call__(self, x, pos=None) -> str:
        label = super().__call__(x, pos)
        match = _MATHTEXT_LABEL.fullmatch(label)
        if match is None:
            return label
        body = match.group(1).replace("\\times", "\u00d7")
        plain = _EXPONENT.sub(lambda exponent: exponent.group(1).translate(_SUPERSCRIPTS), body)
        return label if "\\" in plain or "{" in plain else plain  # e.g. base e: keep mathtext


def _decades(low: float, high: float, base: float) -> float:
    """How many powers of ``base`` the range spans (0 for a range a log axis cannot show)."""
    low, high = sorted((low, high))
    return math.log(high / low, base) if low > 0 and math.isfinite(high) else 0.0


class SparseMinorLogLocator(ticker.LogLocator):
    """Minor ticks of a log axis: matplotlib's 2-9 x each decade over a few decades, a mark per decade beyond.

    Over many decades matplotlib puts eight minor ticks in each (up to 72 on an axis), and every tick is
    a handful of artists to create and lay out: in lesson 10's four-panel figure of log axes they were
    most of its drawing time. Beyond ``MAX_DECADES_WITH_SUBS`` decades the minor ticks mark only the
    decades that carry no major tick (matplotlib's major ticks stride over decades there; from ten decades
    on it draws no minor ticks at all, and neither does this)."""

    MAX_DECADES_WITH_SUBS = 3

    def tick_values(self, vmin, vmax):
        if self.MAX_DECADES_WITH_SUBS < _decades(vmin, vmax, self._base) < 10:
            low, high = sorted((vmin, vmax))
            first, last = math.floor(math.log(low, self._base)), math.ceil(math.log(high, self._base))
            return self._base ** np.arange(first, last + 1, dtype=float)
        return super().tick_values(vmin, vmax)


class MinorPlainLogFormatter(PlainLogFormatter):
    """:class:`PlainLogFormatter` for minor ticks, silent where :class:`SparseMinorLogLocator` puts its
    decade marks: there matplotlib labels no minor tick either (its minor ticks start at 2 x a decade)."""

    def __call__(self, x, pos=None) -> str:
        if self.axis is not None and (
                _decades(*self.axis.get_view_interval(), self._base) > SparseMinorLogLocator.MAX_DECADES_WITH_SUBS):
            return ""
        return super().__call__(x, pos)


class PlainLogScale(scale.LogScale):
    """matplotlib's log scale with :class:`PlainLogFormatter` tick labels and :class:`SparseMinorLogLocator`
    minor ticks (registered as "log")."""

    def __init__(self, *, base=10, subs=None, nonpositive="clip"):  # no axis argument (matplotlib >= 3.11)
        super().__init__(None, base=base, subs=subs, nonpositive=nonpositive)

    def set_default_locators_and_formatters(self, axis) -> None:
        super().set_default_locators_and_formatters(axis)
        axis.set_major_formatter(PlainLogFormatter(self.base))
        axis.set_minor_locator(SparseMinorLogLocator(self.base, self.subs))
        axis.set_minor_formatter(MinorPlainLogFormatter(self.base, labelOnlyBase=(self.subs is not None)))


def setup_notebook() -> None:
    """Apply the course's figure style (call once at the top of a notebook).

    Also makes ``set_xscale("log")``/``set_yscale("log")`` label their ticks without mathtext
    (:class:`PlainLogScale`) in this kernel; the labels read the same."""
    matplotlib.rcParams.update(STYLE)
    scale.register_scale(PlainLogScale)


def decorate(ax, *, title: str = "", xlabel: str = "", ylabel: str = "", source: str = "") -> None:
    """Label an axis and put the data credit under it."""
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if source:
        ax.annotate(source, xy=(0, 0), xycoords="figure fraction", xytext=(4, 2),
                    textcoords="offset points", fontsize=7, color="0.4", va="bottom")
