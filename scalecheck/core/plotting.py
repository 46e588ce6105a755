"""House style for figures, and log-axis helpers."""
from __future__ import annotations

import matplotlib

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


def setup_notebook() -> None:
    """Apply the course's figure style (call once at the top of a notebook)."""
    matplotlib.rcParams.update(STYLE)


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
