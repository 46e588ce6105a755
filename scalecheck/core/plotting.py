"""House style for figures, log-axis helpers, and inline figures drawn once (inline_png)."""
from __future__ import annotations

import io
import math
import re

import matplotlib
import numpy as np
from matplotlib import colors, scale, ticker
from matplotlib import image as mpl_image

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
    _use_inline_png()


#: decorate() tags its data credit with this gid, so that :func:`inline_png` can place it as the tight crop does
SOURCE_GID = "scalecheck-source"
#: The margin around the drawn pixels: IPython's ``pad_inches`` for its tight crop.
CROP_PAD_INCHES = 0.1
#: How far past the figure's edges :func:`inline_png` draws (tick labels and axis labels of a small figure
#: often stick out below or to the left of it, and the tight crop shows them whole).
OVERDRAW_INCHES = 1.0
INLINE_BACKENDS = ("inline", "module://matplotlib_inline.backend_inline")


def drawn_box(pixels: np.ndarray, background) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right), bottom and right exclusive, of the pixels that differ from
    ``background`` in an (height, width, 4) uint8 array; None if every pixel is background."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    # one 32-bit compare per pixel: comparing the four channels apart and reducing took 4-5 x longer
    drawn = pixels.view(np.uint32)[:, :, 0] != np.asarray(background, dtype=np.uint8).view(np.uint32)[0]
    rows, columns = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(columns[0]), int(columns[-1]) + 1


def _credits(figure) -> list | None:
    """decorate()'s credits, if everything else in ``figure`` is placed by its axes; None if not.

    An artist placed by the figure itself (a suptitle, fig.text, a figure legend, another annotation at a
    figure fraction) moves with the region the tight crop keeps, which one draw cannot know in advance."""
    if figure.texts or figure.legends or figure.patches or figure.lines or figure.images or figure.subfigs:
        return None
    found = []
    for ax in figure.axes:
        for text in ax.texts:
            figure_placed = getattr(text, "xycoords", None) in ("figure fraction", "subfigure fraction",
                                                               "figure pixels", "figure points")
            if text.get_gid() == SOURCE_GID:
                if (not figure_placed or text.xycoords != "figure fraction" or tuple(text.xy) != (0, 0)
                        or text.anncoords != "offset points" or text.get_ha() != "left" or text.get_va() != "bottom"
                        or text.get_rotation() != 0):
                    return None
                if text.get_visible():
                    found.append(text)
            elif figure_placed:
                return None
    return found


def inline_png(figure) -> bytes | None:
    """A figure as PNG bytes for the notebook: drawn once, cropped to what was drawn, plus a margin.

    IPython saves an inline figure with ``bbox_inches="tight"``: it lays the whole figure out to measure
    it and then draws it again. Here the figure is drawn once, with matplotlib's own ``bbox_inches`` set
    to a box ``OVERDRAW_INCHES`` larger on every side (a given box needs no measuring pass), and cropped
    to the pixels that differ from its background, plus IPython's margin. The lessons' 25 figures, each
    made twice from the lesson code and shown both ways in turn: 8.8-9.0 s of CPU IPython's way,
    6.7-6.9 s this way (0.75 x, idle machine). The tight crop puts decorate()'s credit (anchored at the
    figure's corner) at the corner of the picture it keeps; so does this, drawing the credit there after
    the crop.

    Falls back to IPython's tight PNG where one draw cannot give the same picture: a layout engine that
    lays out on every draw (constrained), a see-through background, anything placed by the figure
    rather than its axes (:func:`_credits`), a drawing that reaches the edge of the larger box, or an
    axes' legend or text that lies beyond it (:func:`_beyond`).
    An empty figure gives None, as in IPython.
    """
    from matplotlib.layout_engine import PlaceHolderLayoutEngine
    from matplotlib.transforms import Bbox

    if not figure.axes and not figure.lines:
        return None
    engine = figure.get_layout_engine()
    facecolor = colors.to_rgba(figure.get_facecolor())
    credits = _credits(figure)
    one_draw = (credits is not None and facecolor[3] == 1 and hasattr(figure, "_layout_engine")
                and (engine is None or isinstance(engine, PlaceHolderLayoutEngine)))
    if not one_draw:
        return _tight_png(figure)
    dpi = figure.dpi
    width_in, height_in = figure.get_size_inches()
    margin_px = round(OVERDRAW_INCHES * dpi)
    margin = margin_px / dpi
    raw = io.BytesIO()
    for credit in credits:
        credit.set_visible(False)
    # fig.tight_layout() leaves a placeholder engine, which lays out nothing but makes savefig measure first
    figure._layout_engine = None
    try:
        figure.savefig(raw, format="rgba", dpi=dpi, facecolor=facecolor, edgecolor=figure.get_edgecolor(),
                       bbox_inches=Bbox.from_extents(-margin, -margin, width_in + margin, height_in + margin))
    finally:
        figure._layout_engine = engine
        for credit in credits:
            credit.set_visible(True)
    if _beyond(figure, margin_px):
        return _tight_png(figure)
    extents = [credit.get_window_extent() for credit in credits]
    width_px = int((width_in + 2 * margin) * dpi)  # as the Agg renderer sizes its canvas
    size = raw.getbuffer().nbytes
    if size % (4 * width_px):
        return _tight_png(figure)
    pixels = np.frombuffer(raw.getbuffer(), dtype=np.uint8).reshape(size // (4 * width_px), width_px, 4)
    height_px = pixels.shape[0]
    box = drawn_box(pixels, np.round(np.multiply(facecolor, 255)))
    if box is None or box[0] == 0 or box[2] == 0 or box[1] == height_px or box[3] == width_px:
        return _tight_png(figure)
    top, bottom, left, right = box
    # the tight crop measures each credit where the figure puts it (its corner): so does this
    figure_bottom_row = margin_px + int(height_in * dpi)
    for extent in extents:
        top, bottom = min(top, figure_bottom_row - int(extent.y1)), max(bottom, figure_bottom_row - int(extent.y0))
        left, right = min(left, margin_px + int(extent.x0)), max(right, margin_px + int(math.ceil(extent.x1)))
    pad = round(CROP_PAD_INCHES * dpi)
    top, left = max(0, top - pad), max(0, left - pad)
    bottom, right = min(height_px, bottom + pad), min(width_px, right + pad)
    picture = pixels[top:bottom, left:right].copy()
    for credit, extent in zip(credits, extents):
        if not _draw_credit(picture, credit, extent.height, dpi):
            return _tight_png(figure)
    out = io.BytesIO()
    mpl_image.imsave(out, picture, format="png", dpi=dpi)
    return out.getvalue()


def _beyond(figure, margin_px: int) -> bool:
    """True if a legend or a text of an axes reaches further out than the larger box drawn: such a one
    would be missing from the crop, where the tight crop widens the picture to show it."""
    width_px, height_px = figure.bbox.width, figure.bbox.height
    for ax in figure.axes:
        for artist in (ax.get_legend(), *ax.texts):
            if artist is None or not artist.get_visible():
                continue
            box = artist.get_window_extent()
            if (box.x0 < -margin_px or box.y0 < -margin_px or box.x1 > width_px + margin_px
                    or box.y1 > height_px + margin_px):
                return True
    return False


def _draw_credit(picture: np.ndarray, credit, height_px: float, dpi: float) -> bool:
    """Paint ``credit`` (decorate()'s annotation, ``height_px`` tall) at the picture's lower left corner plus
    its offset, as the tight crop places it. False if it could not be drawn."""
    from matplotlib.figure import Figure

    offset_x, offset_y = (value / 72 * dpi for value in credit.get_position())  # points -> pixels
    width = picture.shape[1]
    strip = min(picture.shape[0], int(math.ceil(offset_y + height_px)) + 4)  # only the rows the credit covers
    label = Figure(figsize=(width / dpi, strip / dpi), dpi=dpi, facecolor=(0, 0, 0, 0))
    label.text(offset_x / width, offset_y / strip, credit.get_text(), fontproperties=credit.get_fontproperties(),
               color=credit.get_color(), alpha=credit.get_alpha(), ha="left", va="bottom")
    raw = io.BytesIO()
    label.savefig(raw, format="rgba", dpi=dpi, facecolor=(0, 0, 0, 0))
    if raw.getbuffer().nbytes != strip * width * 4:
        return False
    layer = np.frombuffer(raw.getbuffer(), dtype=np.uint8).reshape(strip, width, 4).astype(np.float32)
    alpha = layer[:, :, 3:4] / 255
    under = picture[-strip:, :, :3]
    picture[-strip:, :, :3] = np.round(layer[:, :, :3] * alpha + under * (1 - alpha)).astype(np.uint8)
    return True


def _tight_png(figure) -> bytes | None:
    from IPython.core.pylabtools import print_figure

    return print_figure(figure, "png", bbox_inches="tight")


def _use_inline_png() -> None:
    """Show this kernel's inline figures with :func:`inline_png` (outside IPython, or with another
    backend such as ipympl's, nothing changes)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    try:
        backend = matplotlib.get_backend(auto_select=False)  # without resolving it (which would pick one)
    except TypeError:  # matplotlib < 3.10 (Python 3.10's): the setting itself, unresolved
        backend = matplotlib.rcParams._get("backend")
    if backend not in INLINE_BACKENDS:
        return
    # Importing the inline backend registers IPython's own figure formatters (once per kernel, when pyplot
    # first needs its backend): that has to happen before this replaces the PNG one.
    import matplotlib_inline.backend_inline  # noqa: F401
    from matplotlib.figure import Figure

    shell.display_formatter.formatters["image/png"].for_type(Figure, inline_png)


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
                    textcoords="offset points", fontsize=7, color="0.4", va="bottom", gid=SOURCE_GID)
