"""A figure that redraws only what moves, for explorers (used by lessons 09 and 10).

An explorer's update changes a few artists — a line, a band, some bars — while
the axes, ticks, labels and legend stay put. Rendering text is most of the cost
of a PNG: on a busy two-core machine a full redraw of a one-axes figure takes
60-80 ms, while restoring a saved background and drawing only the moving
artists takes about 10 ms (most of it the PNG encoding).

:class:`BlitFigure` is a drop-in for :func:`scalecheck.ui.widgets.new_figure`: the
:class:`~scalecheck.ui.widgets.Explorer` renders it with :func:`~scalecheck.ui.widgets.figure_png`,
which calls :meth:`BlitFigure.render` and encodes the canvas's pixels; ``savefig``
works as usual too.
Mark the artists an update changes with :meth:`BlitFigure.moving`; call
:meth:`BlitFigure.redraw_all` after changing anything else (limits, labels,
legend text), and the next render draws everything again.
"""
from __future__ import annotations

from typing import Any

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image


class BlitFigure(Figure):
    """A matplotlib figure whose PNG rendering redraws only its moving artists."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        FigureCanvasAgg(self)
        self._moving: list[Artist] = []
        self._background = None
        self._view = None
        self._saved_views: dict = {}

    def moving(self, *artists: Artist):
        """Mark artists that updates change; returns them (one artist, or a tuple)."""
        for artist in artists:
            if artist.axes is None:
                raise ValueError("only artists drawn in an axes can be marked as moving")
            artist.set_animated(True)
            self._moving.append(artist)
        self._background = None
        return artists[0] if len(artists) == 1 else artists

    def redraw_all(self) -> None:
        """Forget every saved background: the next render draws the whole figure."""
        self._background = None
        self._saved_views.clear()

    def use_view(self, key) -> None:
        """Switch between a few fixed looks of the static parts (limits, labels, title).

        Set the static parts for view ``key`` first, then call this: the first time
        a view is shown the figure is drawn in full and its background kept under
        ``key``; coming back to it later reuses that background.
        """
        self._view = key
        self._background = self._saved_views.get(key)

    def render(self):
        """Draw into the canvas (everything, or background + moving artists); return the RGBA buffer."""
        canvas = self.canvas
        if self._background is None:
            canvas.draw()  # animated (moving) artists are left out of a full draw
            self._background = canvas.copy_from_bbox(self.bbox)
            if self._view is not None:
                self._saved_views[self._view] = self._background
        else:
            canvas.restore_region(self._background)
        for artist in self._moving:
            if artist.get_visible():
                artist.axes.draw_artist(artist)
        return canvas.buffer_rgba()

    def savefig(self, fname: Any, *, format: str | None = None, pil_kwargs: dict | None = None, **kwargs: Any):
        """PNG into a file-like object goes the fast way; anything else is matplotlib's own savefig."""
        if format != "png" or kwargs or not hasattr(fname, "write"):
            if format is not None:
                kwargs["format"] = format
            if pil_kwargs is not None:
                kwargs["pil_kwargs"] = pil_kwargs
            for artist in self._moving:  # a normal save draws everything, moving artists included
                artist.set_animated(False)
            try:
                return super().savefig(fname, **kwargs)
            finally:
                for artist in self._moving:
                    artist.set_animated(True)
                self.redraw_all()
        buffer = self.render()
        width, height = self.canvas.get_width_height()
        Image.frombuffer("RGBA", (width, height), buffer, "raw", "RGBA", 0, 1).save(
            fname, format="png", **(pil_kwargs or {}))
        return None


def new_blit_figure(**kwargs: Any) -> BlitFigure:
    """A :class:`BlitFigure` that pyplot does not manage (like ``widgets.new_figure``)."""
    return BlitFigure(**kwargs)
