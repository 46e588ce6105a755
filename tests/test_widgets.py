"""Explorers: re-building one (re-running its cell) closes the old one's widgets; the PNG path is exact."""

import io

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

from scalecheck.ui.widgets import Explorer, encode_png, figure_png, new_figure


def _explorer(slider=None, css_class="test-explorer"):
    slider = slider or widgets.IntSlider(value=1, min=0, max=10)
    return Explorer({"n": slider}, lambda n: f"n = {n}", css_class=css_class), slider


def test_rebuilding_an_explorer_closes_the_old_widgets():
    old, old_slider = _explorer()
    assert old.readout.comm is not None and old_slider.comm is not None
    new, new_slider = _explorer()
    assert old.readout.comm is None and old_slider.comm is None and old.widget.comm is None
    assert new.readout.comm is not None and new_slider.comm is not None
    new_slider.value = 3
    assert new.text == "n = 3"


def test_a_control_shared_with_the_new_explorer_stays_open():
    old, slider = _explorer(css_class="shared")
    new, _ = _explorer(slider, css_class="shared")
    assert slider.comm is not None and slider.layout.comm is not None
    slider.value = 4
    assert new.text == "n = 4" and old.text == "n = 1"  # the old one no longer listens


def test_explorers_of_different_names_are_independent():
    first, _ = _explorer(css_class="a")
    second, _ = _explorer(css_class="b")
    assert first.readout.comm is not None and second.readout.comm is not None


def _decoded(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.mark.parametrize("width, height", [(1, 1), (3, 2), (97, 41)])
def test_encode_png_gives_back_every_pixel_alpha_included(width, height):
    pixels = np.random.default_rng(width).integers(0, 256, size=(height, width, 4), dtype=np.uint8)
    image = Image.open(io.BytesIO(encode_png(pixels.tobytes(), width, height)))
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (width, height)
    assert np.array_equal(np.asarray(image), pixels)


def test_encode_png_refuses_pixels_of_the_wrong_size():
    with pytest.raises(ValueError, match="RGBA pixels"):
        encode_png(b"\0" * 12, 2, 2)
    with pytest.raises(ValueError):
        encode_png(b"", 0, 0)


def test_figure_png_draws_what_savefig_draws():
    figure = new_figure(figsize=(3, 2), dpi=80)
    ax = figure.add_subplot()
    ax.plot([0, 1, 2], [2, 0, 1], label="a line")
    ax.set_title("title with text")
    ax.legend()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert np.array_equal(_decoded(figure_png(figure)), _decoded(buffer.getvalue()))


def test_an_update_that_leaves_the_figure_alone_sends_no_new_image():
    figure = new_figure(figsize=(3, 2), dpi=60)
    (line,) = figure.add_subplot().plot([0, 1], [0, 1])
    slider = widgets.IntSlider(value=1, min=0, max=10)
    label = widgets.Dropdown(options=["a", "b"], value="a")

    def update(n, label):
        line.set_ydata([0, n / 10])
        return f"{label}: {n}"

    explorer = Explorer({"n": slider, "label": label}, update, figure, css_class="png-test")
    sent = []
    explorer.image.observe(lambda change: sent.append(change["new"]), names="value")
    label.value = "b"  # the readout changes, the figure does not
    assert explorer.text == "b: 1" and sent == []
    slider.value = 7  # the figure changes
    assert len(sent) == 1 and not np.array_equal(
        _decoded(sent[0]), _decoded(figure_png(new_figure(figsize=(3, 2), dpi=60)))
    )
    slider.value = 7
    assert len(sent) == 1
