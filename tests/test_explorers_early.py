"""The explorers of lessons 02-05 (scalecheck/ui/explorers/lesson02..05.py).

For each module: its pure readout/compute functions give values worked out by
hand (in the comments), bad input gives a readable readout instead of a
traceback, and every builder in EXPLORERS builds and responds to a control
without a display.
"""
import math

import pytest

from scalecheck.ui.explorers import all_explorers, lesson02

EARLY = ("lesson02",)


def _move_first_control(explorer) -> None:
    """Move the explorer's first control to another allowed value."""
    control = next(iter(explorer.controls.values()))
    if getattr(control, "options", None):
        labels = [o[1] if isinstance(o, tuple) else o for o in control.options]
        control.value = next(v for v in labels if v != control.value)
    else:
        control.value = control.max if control.value != control.max else control.min


@pytest.mark.parametrize("name", sorted(n for n in all_explorers() if n.split(".")[0] in EARLY))
def test_every_builder_builds_and_updates(name):
    explorer = all_explorers()[name]()
    before = explorer.text
    assert before and not before.startswith("cannot"), before
    _move_first_control(explorer)
    assert explorer.text != before
    explorer.close()


def test_every_early_lesson_has_a_module_with_explorers():
    modules = {name.split(".")[0] for name in all_explorers()}
    assert set(EARLY) <= modules


# --- lesson 02 -------------------------------------------------------------------------


def test_power_parts_by_hand():
    # 100,000 GPUs: boards 100k x 700 W = 70 MW; servers 100k x 575 W = 57.5 MW;
    # network 100k x 225 W = 22.5 MW; IT = 150 MW, so PUE 1.2 adds 0.2 x 150 = 30 MW
    parts = lesson02.power_parts_mw(100_000, 700, 575, 225, 1.2)
    assert parts == pytest.approx({"gpu": 70.0, "server": 57.5, "network": 22.5, "cooling": 30.0})


def test_power_text_totals_and_ratios():
    text = lesson02.power_text(100_000, 700, 575, 225, 1.2)
    # 180 MW in all = 1.80 kW per GPU; 180 / 130 = 1.38; 180 / 150 = 1.20
    assert "facility: 180.0 MW = 1.80 kW per GPU all-in; 1.38x the 130 MW claim, 1.20x the 150 MW claim" in text


def test_scale_top_leaves_headroom():
    # 180 MW x 1.12 = 201.6 <= 250; 230 x 1.12 = 257.6 > 250, so 500
    assert lesson02.scale_top_mw(180) == 250
    assert lesson02.scale_top_mw(230) == 500
    assert lesson02.scale_top_mw(1e6) == 8_000


@pytest.mark.parametrize("bad", [float("nan"), -5, "abc", 0])
def test_power_text_bad_input_is_a_readout(bad):
    text = lesson02.power_text(bad, 700, 575, 225, 1.2)
    assert text.startswith("cannot build this facility")


def test_battery_text_by_hand():
    # 50% of 150 MW = 75 MW; for 60 s: 75 MW x 60 s / 3600 s/h = 1.25 MWh; 75 / 150 = 0.50
    text = lesson02.battery_text(150, 50, 60)
    assert "battery power: 75.0 MW (0.50x" in text
    assert "battery energy: 1.250 MWh" in text


@pytest.mark.parametrize("args", [(math.nan, 50, 60), (150, 150, 60), (150, 50, -1), ("abc", 50, 60)])
def test_battery_text_bad_input_is_a_readout(args):
    assert lesson02.battery_text(*args).startswith("cannot size the battery")


def test_power_explorer_redraws_after_bad_then_good_values():
    explorer = lesson02.power()
    explorer.controls["n_gpus"].value = 25_000
    # 25k x (700 + 575 + 225) W x 1.2 = 45 MW
    assert "facility: 45.0 MW" in explorer.text
    explorer.close()
