"""The blitting figure used by the explorers of lessons 09 and 10: fast path = full redraw, pixel for pixel."""
import io

import numpy as np
import pytest
from PIL import Image

from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer, figure_png


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _figure():
    figure = new_blit_figure(figsize=(4, 3), dpi=80)
    ax = figure.add_subplot()
    ax.plot([0, 1], [0, 1], color="0.5")  # static
    line, = ax.plot([0, 1], [0, 0], color="tab:blue")
    bars = ax.bar([0.2, 0.6], [0.1, 0.1], width=0.1)
    figure.moving(line, *bars)
    ax.set_ylim(0, 1)
    return figure, ax, line, bars


def test_the_fast_path_matches_a_full_redraw():
    figure, _, line, bars = _figure()
    first = figure_png(figure)  # full draw
    line.set_ydata([0.2, 0.9])
    bars[0].set_height(0.7)
    fast = figure_png(figure)  # background + moving artists
    figure.redraw_all()
    full = figure_png(figure)
    assert np.array_equal(_pixels(fast), _pixels(full))
    assert not np.array_equal(_pixels(first), _pixels(fast))  # the update shows


def test_changing_static_parts_needs_redraw_all():
    figure, ax, _, _ = _figure()
    figure_png(figure)
    ax.set_ylim(0, 2)
    stale = figure_png(figure)  # the old background (old tick labels) is reused, as documented
    figure.redraw_all()
    full = figure_png(figure)
    assert not np.array_equal(_pixels(stale), _pixels(full))
    assert np.array_equal(_pixels(full), _pixels(figure_png(figure)))  # and the next fast render matches


def test_ordinary_savefig_still_draws_everything(tmp_path):
    figure, _, line, _ = _figure()
    line.set_ydata([0.5, 0.5])
    path = tmp_path / "figure.png"
    figure.savefig(path)
    figure.redraw_all()
    assert np.array_equal(_pixels(path.read_bytes()), _pixels(figure_png(figure)))
    assert line.get_animated()


def test_an_explorer_renders_it():
    import ipywidgets as widgets

    figure, _, line, _ = _figure()
    slider = widgets.FloatSlider(value=0.1, min=0, max=1)

    def update(height):
        line.set_ydata([height, height])
        return f"height {height:.2f}"

    explorer = Explorer({"height": slider}, update, figure)
    first = explorer.image.value
    slider.value = 0.8
    assert explorer.text == "height 0.80" and explorer.image.value != first


def test_only_axes_artists_can_move():
    figure = new_blit_figure()
    text = figure.text(0.5, 0.5, "title")
    with pytest.raises(ValueError):
        figure.moving(text)


def test_views_keep_their_own_backgrounds():
    figure, ax, line, _ = _figure()

    def show(top):
        ax.set_ylim(0, top)
        figure.use_view(top)
        return _pixels(figure_png(figure))

    small, large = show(1), show(2)
    assert not np.array_equal(small, large)
    assert np.array_equal(show(1), small)  # the saved background of view 1 comes back
    line.set_ydata([0.3, 0.3])
    fast = show(2)
    figure.redraw_all()
    assert np.array_equal(fast, _pixels(figure_png(figure)))
