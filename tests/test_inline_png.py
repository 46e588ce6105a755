"""Inline figures drawn once and cropped (scalecheck.core.plotting.inline_png) show what IPython's tight crop shows."""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
from IPython.core.pylabtools import print_figure  # noqa: E402
from PIL import Image  # noqa: E402

from scalecheck.core import plotting  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _course_style():
    with matplotlib.rc_context(plotting.STYLE):
        plotting.setup_notebook()  # outside a kernel: the style and the log scale only
        yield
    plt.close("all")


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _ink(pixels: np.ndarray) -> np.ndarray:
    """The picture cut to its non-white pixels."""
    top, bottom, left, right = plotting.drawn_box(np.dstack([pixels, np.full(pixels.shape[:2], 255, np.uint8)]),
                                                  (255, 255, 255, 255))
    return pixels[top:bottom, left:right]


def _course_figure(**subplots):
    """Two log panels with legends, titles, labels and decorate()'s credit: what the lessons draw."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), **subplots)
    x = np.geomspace(1e18, 1e26, 50)
    for ax in axes:
        ax.plot(x, x ** 0.3, label="a")
        ax.plot(x, x ** 0.28, label="b")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        plotting.decorate(ax, title="A title with words", xlabel="compute (FLOP)", ylabel="loss",
                          source="Data: a source, 2024.")
    return fig


def test_drawn_box_finds_the_drawing_and_nothing_in_a_blank():
    pixels = np.full((20, 30, 4), 255, dtype=np.uint8)
    assert plotting.drawn_box(pixels, (255, 255, 255, 255)) is None
    pixels[5:8, 10:12, :3] = 0
    assert plotting.drawn_box(pixels, (255, 255, 255, 255)) == (5, 8, 10, 12)


def test_one_draw_gives_the_tight_crops_picture():
    figure = _course_figure()
    tight = _pixels(print_figure(figure, "png", bbox_inches="tight"))
    figure = _course_figure()
    cropped_png = plotting.inline_png(figure)
    cropped = _pixels(cropped_png)
    assert cropped_png != print_figure(_course_figure(), "png", bbox_inches="tight")  # not the fallback
    # the same picture: the margins may differ by a few pixels (ink against the artists' boxes)
    assert abs(cropped.shape[0] - tight.shape[0]) <= 4 and abs(cropped.shape[1] - tight.shape[1]) <= 4
    tight_ink, cropped_ink = _ink(tight), _ink(cropped)
    assert abs(tight_ink.shape[0] - cropped_ink.shape[0]) <= 2 and abs(tight_ink.shape[1] - cropped_ink.shape[1]) <= 2
    # the credit sits at the lower left corner in both (its own row of ink under the axes' labels)
    for picture in (tight, cropped):
        corner = picture[-14:, : picture.shape[1] // 4]
        assert (corner < 200).any()
    assert np.mean(np.abs(tight_ink[:200, :200].astype(int) - cropped_ink[:200, :200].astype(int))) < 8


def test_the_figure_is_left_as_it_was():
    figure = _course_figure()
    figure.tight_layout()
    engine = figure.get_layout_engine()
    credits = [text for ax in figure.axes for text in ax.texts if text.get_gid() == plotting.SOURCE_GID]
    plotting.inline_png(figure)
    assert figure.get_layout_engine() is engine
    assert credits and all(text.get_visible() for text in credits)
    assert tuple(figure.get_size_inches()) == (9, 3.2)


def _with_figure_text():
    figure = _course_figure()
    figure.text(0.01, 0.01, "placed by the figure")
    return figure


def _constrained():
    return _course_figure(layout="constrained")


def _legend_far_out():
    figure = _course_figure()
    figure.axes[1].legend(loc="center left", bbox_to_anchor=(2.5, 0.5))  # wholly beyond the larger box
    return figure


def _text_far_out():
    figure = _course_figure()
    figure.axes[0].text(-2.0, 0.5, "far to the left", transform=figure.axes[0].transAxes)
    return figure


def _see_through():
    figure = _course_figure()
    figure.patch.set_alpha(0.0)
    return figure


@pytest.mark.parametrize("make", [_with_figure_text, _constrained, _legend_far_out, _text_far_out, _see_through],
                         ids=["figure-text", "constrained", "legend-far-out", "text-far-out", "see-through"])
def test_what_one_draw_cannot_frame_goes_the_tight_way(make):
    assert plotting.inline_png(make()) == print_figure(make(), "png", bbox_inches="tight")


def test_an_empty_figure_shows_nothing():
    assert plotting.inline_png(plt.figure()) is None


def test_a_legend_just_outside_the_axes_is_in_the_picture():
    def outside():
        figure = _course_figure()
        figure.axes[1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5))  # past the figure's right edge
        return figure

    width = _pixels(plotting.inline_png(outside())).shape[1]
    # frameless legends: the tight crop keeps the legend's padding, the pixel crop its text; a few pixels
    assert abs(width - _pixels(print_figure(outside(), "png", bbox_inches="tight")).shape[1]) <= 8
    assert width > _pixels(plotting.inline_png(_course_figure())).shape[1] + 30  # the legend widened it


def test_a_kernel_shows_figures_with_it():
    """In an IPython kernel, setup_notebook() puts inline_png in place of IPython's PNG formatter."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\n"
                                  "from scalecheck.core.plotting import decorate, setup_notebook\n"
                                  "setup_notebook()"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.plot([1, 2, 3])\n"
                                  "decorate(ax, xlabel='x', source='Data: none')\nplt.show()\n"
                                  "print(get_ipython().display_formatter.formatters['image/png']"
                                  ".lookup_by_type(type(fig)).__name__)"),
    ])
    NotebookClient(notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = notebook.cells[1].outputs
    assert any("image/png" in output.get("data", {}) for output in outputs)
    assert "inline_png" in "".join(output.get("text", "") for output in outputs if output.output_type == "stream")

