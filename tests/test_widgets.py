"""Explorers: re-building one (re-running its cell) closes the old one's widgets."""
import ipywidgets as widgets

from scalecheck.ui.widgets import Explorer


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
