"""Thin interactive layer: controls that call pure functions and redraw in place.

An :class:`Explorer` owns a set of controls, one update function and
(optionally) a figure. When a control moves, the update function receives
every control's value, changes the existing plot artists (set_ydata,
set_height, ...) and returns the readout text. The figure is re-rendered to
PNG into an ``ipywidgets.Image``: no figure is rebuilt, which keeps an update
near 30 ms instead of ~100 ms (see the benchmark).
"""
from __future__ import annotations

import html
import io
import time
from typing import Any, Callable

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(**kwargs: Any) -> Figure:
    """A figure that pyplot does not manage, so it never auto-displays."""
    figure = Figure(**kwargs)
    FigureCanvasAgg(figure)
    return figure


def figure_png(figure: Figure) -> bytes:
    """Render a figure to PNG bytes. No bbox_inches="tight": it draws the figure
    twice, doubling the cost of every explorer update; figures set their own
    margins instead (new_figure uses a layout that leaves room for labels)."""
    buffer = io.BytesIO()
    # Light compression: a third faster than the default, files still ~10 kB
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


# The explorer last built under each css_class in this kernel. Building it
# again (re-running its cell) closes the old one's widgets, so the notebook's
# saved widget state does not grow by a copy on every run.
_OPEN_EXPLORERS: dict[str, "Explorer"] = {}


def _close(widgets_to_close: list, keep: set[int]) -> None:
    for widget in widgets_to_close:
        for part in (widget, getattr(widget, "layout", None), getattr(widget, "style", None)):
            if part is None or id(part) in keep:
                continue
            try:
                part.close()
            except Exception:  # housekeeping must never break a lesson
                pass


class Explorer:
    """Controls + readout + live figure, updated in place.

    ``update(**values)`` returns the readout as plain text (one or more
    lines); it is shown in the notebook and is the explorer's text/plain
    output, which nbval compares.
    """

    def __init__(self, controls: dict[str, Any], update: Callable[..., str],
                 figure: Figure | None = None, css_class: str = ""):
        import ipywidgets as widgets

        self.controls = controls
        self._update = update
        self.figure = figure
        self.readout = widgets.HTML()
        self.readout.add_class("scalecheck-readout")
        self.image = widgets.Image(format="png") if figure is not None else None
        children = [widgets.VBox(list(controls.values())), self.readout]
        if self.image is not None:
            self.image.add_class("scalecheck-figure")
            children.append(self.image)
        self.widget = widgets.VBox(children)
        self.widget.add_class("scalecheck-explorer")
        if css_class:
            self.widget.add_class(css_class)
        self.update_ms: list[float] = []
        self.text = ""
        if css_class:
            previous = _OPEN_EXPLORERS.pop(css_class, None)
            if previous is not None and previous is not self:
                mine = [*controls.values(), self.readout, self.widget, children[0]] + ([self.image] if self.image else [])
                keep = {id(part) for w in mine for part in (w, getattr(w, "layout", None), getattr(w, "style", None))}
                previous.close(keep)
            _OPEN_EXPLORERS[css_class] = self
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    def close(self, keep: set[int] | None = None) -> None:
        """Close this explorer's widget models, except those in ``keep`` (ids)."""
        for control in self.controls.values():
            try:
                control.unobserve(self._on_change, names="value")
            except (ValueError, KeyError):
                pass
        parts = [*self.controls.values(), self.readout, self.widget, *self.widget.children]
        if self.image is not None:
            parts.append(self.image)
        _close(parts, keep or set())

    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> str:
        """Recompute, redraw, and return the readout text."""
        start = time.perf_counter()
        self.text = self._update(**self.values())
        lines = "<br>".join(html.escape(line) for line in self.text.splitlines())
        self.readout.value = f'<div style="font-family:monospace">{lines}</div>'
        if self.figure is not None:
            self.image.value = figure_png(self.figure)
        self.update_ms.append((time.perf_counter() - start) * 1000)
        return self.text

    def _on_change(self, _change) -> None:
        self.refresh()

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data = dict((bundle[0] if isinstance(bundle, tuple) else bundle) or {})
        data["text/plain"] = self.text
        return data

    def __repr__(self) -> str:
        return self.text
