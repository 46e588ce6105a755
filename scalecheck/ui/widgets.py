"""Thin interactive layer: controls that call pure functions and redraw in place.

An :class:`Explorer` owns a set of controls, one update function and
(optionally) a figure. When a control moves, the update function receives
every control's value, changes the existing plot artists (set_ydata,
set_height, ...) and returns the readout text. The figure is re-rendered to
PNG into an ``ipywidgets.Image``: no figure is rebuilt, which keeps an update
near 30 ms instead of ~100 ms (see the benchmark).

The PNG is written here (:func:`encode_png`) rather than by Pillow through
``savefig``: with the pixels already in the Agg canvas, Pillow's encoder was
most of an update's cost (about 10 ms of CPU for a 650 x 300 figure, against
2.5 ms to blit it); rows written unfiltered and deflated at level 1 take
about 4 ms for files of the same size (docs/benchmarks.md). Pixels that did
not change are not encoded again, and ipywidgets does not send a value
equal to the last one, so an update that moves only the readout sends no
image at all.
"""

from __future__ import annotations

import html
import io
import struct
import time
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scalecheck.core.kernel_status import quiet_busy_for_widget_messages


def new_figure(**kwargs: Any) -> Figure:
    """A figure that pyplot does not manage, so it never auto-displays."""
    figure = Figure(**kwargs)
    FigureCanvasAgg(figure)
    return figure


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(rgba, width: int, height: int) -> bytes:
    """8-bit RGBA pixels (a buffer of height x width x 4 bytes) as a PNG file.

    Filter type 0 on every row and deflate level 1: plots are large flat areas,
    which deflate shrinks well without the row filters Pillow tries on each row.
    """
    pixels = np.frombuffer(rgba, dtype=np.uint8)
    if pixels.size != width * height * 4 or width < 1 or height < 1:
        raise ValueError(f"expected {width} x {height} RGBA pixels, got {pixels.size} bytes")
    rows = np.zeros((height, 1 + 4 * width), dtype=np.uint8)  # column 0: each row's filter byte (0 = none)
    rows[:, 1:] = pixels.reshape(height, 4 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, colour type 6 = RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + _png_chunk(b"IEND", b"")
    )


def figure_png(figure: Figure) -> bytes:
    """Render a figure to PNG bytes. No bbox_inches="tight": it draws the figure
    twice, doubling the cost of every explorer update; figures set their own
    margins instead (new_figure uses a layout that leaves room for labels).

    A figure on an Agg canvas is drawn into the canvas and encoded by
    :func:`encode_png` (a :class:`~scalecheck.ui.blitfigure.BlitFigure` draws
    only its moving artists); the same pixels as last time give the same bytes
    without encoding them again. Any other figure goes through savefig."""
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
        return buffer.getvalue()
    render = getattr(figure, "render", None)
    if callable(render):
        pixels = render()
    else:
        canvas.draw()
        pixels = canvas.buffer_rgba()
    width, height = canvas.get_width_height(physical=True)
    raw = bytes(pixels)
    last = getattr(figure, "_scalecheck_last_png", None)
    if last is not None and last[0] == (width, height) and last[1] == raw:
        return last[2]
    png = encode_png(raw, width, height)
    figure._scalecheck_last_png = ((width, height), raw, png)
    return png


# The explorer last built under each css_class in this kernel. Building it
# again (re-running its cell) closes the old one's widgets, so the notebook's
# saved widget state does not grow by a copy on every run.
_OPEN_EXPLORERS: dict[str, Explorer] = {}


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

    def __init__(
        self, controls: dict[str, Any], update: Callable[..., str], figure: Figure | None = None, css_class: str = ""
    ):
        import ipywidgets as widgets

        quiet_busy_for_widget_messages()  # a control's update reaches the page sooner (see that module)
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
                mine = [*controls.values(), self.readout, self.widget, children[0]] + (
                    [self.image] if self.image else []
                )
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
        # the image first: the page loads it (a blob URL, 11-17 ms) while it handles the readout's message
        if self.figure is not None:
            self.image.value = figure_png(self.figure)
        self.readout.value = f'<div style="font-family:monospace">{lines}</div>'
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
