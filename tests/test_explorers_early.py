"""The explorers of lessons 02-05 (scalecheck/ui/explorers/lesson02..05.py).

For each module: its pure readout/compute functions give values worked out by
hand (in the comments), bad input gives a readable readout instead of a
traceback, and every builder in EXPLORERS builds and responds to a control
without a display.
"""
import math

import numpy as np
import pytest

from scalecheck.models import scaling
from scalecheck.ui.explorers import all_explorers, lesson02, lesson03, lesson04, lesson05

EARLY = ("lesson02", "lesson03", "lesson04", "lesson05")


def _move(control) -> None:
    """Move a control to another allowed value."""
    if getattr(control, "options", None):
        labels = [o[1] if isinstance(o, tuple) else o for o in control.options]
        control.value = next(v for v in labels if v != control.value)
    else:
        control.value = control.max if control.value != control.max else control.min


# these lessons' builders, imported directly: a broken module of another lesson does not hide them
BUILDERS = {f"{module.__name__.rsplit('.', 1)[1]}.{name}": builder
            for module in (lesson02, lesson03, lesson04, lesson05) for name, builder in module.EXPLORERS.items()}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_builder_builds_and_updates(name):
    """Every control changes the readout or the figure; at least one changes the readout."""
    explorer = BUILDERS[name]()
    assert explorer.text and not explorer.text.startswith("cannot"), explorer.text
    text_changed = False
    for control_name, control in explorer.controls.items():
        before_text, before_image = explorer.text, explorer.image.value if explorer.image else None
        _move(control)
        assert not explorer.text.startswith("cannot"), (control_name, explorer.text)
        changed_image = explorer.image is not None and explorer.image.value != before_image
        assert explorer.text != before_text or changed_image, control_name
        text_changed |= explorer.text != before_text
    assert text_changed
    explorer.close()


def test_the_registry_finds_these_lessons_explorers():
    assert set(BUILDERS) <= set(all_explorers())
    assert {name.split(".")[0] for name in BUILDERS} == set(EARLY)


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


# --- lesson 03 -------------------------------------------------------------------------


def _fixed_run(n_gpus=10_000, days=100):
    """spread 1: no uncertainty, so every sample is the same run."""
    draws = np.random.default_rng(0).standard_normal((2, 50))
    return lesson03.run_samples(draws, "H100, dense BF16", n_gpus, 0.5, days, 1.0)


def test_run_samples_without_spread_are_one_run():
    run = _fixed_run()
    # FLOP = GPUs x peak x MFU x seconds = 10,000 x peak x 0.5 x 100 x 86,400
    assert run.flop == pytest.approx(np.full(50, 10_000 * run.peak_flop_per_s * 0.5 * 100 * 86_400))
    # GPU-hours = 10,000 x 100 days x 24 h = 24e6
    assert run.gpu_hours == pytest.approx(np.full(50, 24e6))


def test_run_text_by_hand():
    run = _fixed_run()
    text = lesson03.run_text(run, "H100, dense BF16", 10_000, 0.5, 100, 1.0, 3.0, 32, "Grok-2", 1e30)
    # rent: 24e6 h x $3 = $72M; own: 24e6 x 32,000 / (4 x 8,766) = $21.9M capex
    # + 24e6 x 1.8 kW x $0.078 = $3.37M energy = $25M; energy 24e6 h x 1,800 W = 43.2 GWh
    assert "GPU-hours: median 24.0M (90%: 24.0-24.0M)" in text
    assert "rent at $3.00/GPU-h: $72M;" in text
    assert text.rstrip().endswith("$25M\nenergy at 1.8 kW per GPU all-in: 43.2 GWh")
    assert "= percentile 100%" in text  # every sample is below 1e30


def test_peak_scaled_histogram():
    one_bin = lesson03.peak_scaled_histogram(np.full(10, 25.01))
    assert one_bin.max() == 1 and one_bin.sum() == 1
    assert lesson03.peak_scaled_histogram(np.array([40.0])).sum() == 0  # off the axis: nothing drawn


@pytest.mark.parametrize("change", [{"n_gpus": -5}, {"mfu": math.nan}, {"spread": 0.5}, {"chip_format": "abc"},
                                    {"days": "abc"}])
def test_training_run_bad_input_is_a_readout(change):
    explorer = lesson03.training_run()
    values = {**explorer.values(), **change}
    assert explorer._update(**values).startswith("cannot compute this run")
    explorer.close()


# --- lesson 04 -------------------------------------------------------------------------

REFIT = scaling.BESIROGLU_2024.name


def test_allocation_at_chinchilla_budget_by_hand():
    split = lesson04.allocation(REFIT, 0.348, 0.366, np.log10(5.76e23), 4.0)
    # G = (alpha A / (beta B))^(1/(alpha+beta)) = (167.7 / 763.3)^1.4006 = 0.1197;
    # N_opt = G (C/6)^(beta/(alpha+beta)) = 0.1197 x (9.6e22)^0.5126 = 0.1197 x 6.05e11 = 7.24e10
    assert split.best.n_params == pytest.approx(7.24e10, rel=0.01)
    # 4x the optimal tokens per parameter at the same C = 6 N D: N falls by sqrt(4) = 2
    assert split.mine.n_params == pytest.approx(split.best.n_params / 2)
    assert split.n_curve[0] == pytest.approx(split.best.n_params / 1000)


def test_allocator_text_and_view():
    split = lesson04.allocation(REFIT, 0.348, 0.366, np.log10(5.76e23), 4.0)
    text = lesson04.allocator_text(split, REFIT, 0.348, 0.366, 4.0)
    assert "N = 72.3B" in text and "(2x cheaper)" in text  # half the parameters, half the serving FLOP
    # x: floor(log10(72.3e9 / 1000)) = floor(7.86) = 7, six decades; y: the optimum 1.976 nats
    # lies in [1.5, 2.0), so 1.5 to 1.5 + 1.5
    assert lesson04.view_limits(split) == (7, 13, 1.5, 3.0)


@pytest.mark.parametrize("change", [{"alpha": math.nan}, {"beta": -0.1}, {"tokens_multiple": -1},
                                    {"log10_flop": "abc"}, {"law_name": "abc"}, {"log10_flop": 400.0}])
def test_allocator_bad_input_is_a_readout(change):
    explorer = lesson04.allocator()
    assert explorer._update(**{**explorer.values(), **change}).startswith("cannot split this budget")
    explorer.close()


def test_choosing_a_paper_resets_the_exponents():
    explorer = lesson04.allocator()
    explorer.controls["law_name"].value = scaling.HOFFMANN_2022.name
    assert explorer.controls["alpha"].value == pytest.approx(0.34)
    assert "alpha 0.340, beta 0.280" in explorer.text
    explorer.close()


# --- lesson 05 -------------------------------------------------------------------------


def _two_laws():
    """Two refits that differ only in B: the bootstrap's fan between them is known in closed form."""
    return scaling.LossLaw(E=np.array([1.82, 1.82]), A=np.array([482.0, 482.0]), B=np.array([2085.4, 2085.4 * 4]),
                           alpha=np.array([0.348, 0.348]), beta=np.array([0.366, 0.366]))


def test_fan_bands_of_identical_laws_have_no_width():
    same = scaling.LossLaw(E=np.full(3, 1.82), A=np.full(3, 482.0), B=np.full(3, 2085.4),
                           alpha=np.full(3, 0.348), beta=np.full(3, 0.366))
    bands = lesson05.fan_bands(same, np.array([np.log10(5.76e23)]))
    # every refit is the refit: 5th = 50th = 95th percentile = lesson 04's 18.4 tokens/param (log10 1.265)
    low, middle, high = bands["tokens per parameter"][:, 0]
    assert low == pytest.approx(high) and 10 ** middle == pytest.approx(18.4, abs=0.05)


def test_extrapolation_text_by_hand():
    text = lesson05.extrapolation_text(_two_laws(), np.log10(5.76e23), 5.76e23 / 100)
    # B x 4 multiplies G = (alpha A / (beta B))^(1/(alpha+beta)) by 4^(-1/0.714) = 0.1434, so N_opt
    # by 0.1434 and tokens/param (= D/N = (C/6)/N^2) by 1/0.1434^2 = 48.6: the 90% interval's ends
    # (5th and 95th percentile of two values, interpolated) are 0.05 and 0.95 of the way between
    assert text.startswith("C = 5.76e+23 FLOP, 1e+02x the largest fitted run")
    wide = float(text.split("tokens per parameter")[1].split("(x")[1].split(" wide")[0])
    assert wide == pytest.approx((18.4 + 0.95 * (18.4 * 48.6 - 18.4)) / (18.4 + 0.05 * (18.4 * 48.6 - 18.4)), rel=0.02)


def test_cached_refits_are_the_lessons_bootstrap_shape():
    laws = lesson05.cached_bootstrap_laws()
    assert laws.alpha.shape == (100,)
    # the replication's exponents (alpha 0.348, beta 0.366) sit inside the refits' range
    assert laws.alpha.min() < 0.348 < laws.alpha.max() and laws.beta.min() < 0.366 < laws.beta.max()


@pytest.mark.slow
def test_cached_refits_match_a_fresh_bootstrap():
    """data/chinchilla_bootstrap_fits.csv is what tools/make_chinchilla_bootstrap.py computes today."""
    import importlib.util
    from pathlib import Path

    from scalecheck.core import data

    path = Path(__file__).resolve().parent.parent / "tools" / "make_chinchilla_bootstrap.py"
    spec = importlib.util.spec_from_file_location("make_chinchilla_bootstrap", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    fresh = tool.bootstrap_table()[list(scaling.FIT_PARAMETERS)].to_numpy()
    stored = data.load("chinchilla_bootstrap_fits")[list(scaling.FIT_PARAMETERS)].to_numpy()
    np.testing.assert_allclose(stored, fresh, rtol=1e-6)


@pytest.mark.parametrize("change", [{"log10_flop": math.nan}, {"log10_flop": "abc"}, {"quantity": "abc"},
                                    {"log10_flop": 400.0}])
def test_extrapolation_bad_input_is_a_readout(change):
    explorer = lesson05.extrapolation(_two_laws(), (1e18, 1e22))
    assert explorer._update(**{**explorer.values(), **change}).startswith("cannot extrapolate")
    explorer.close()


def test_extrapolation_switches_views_and_back():
    explorer = lesson05.extrapolation(_two_laws(), (1e18, 1e22))
    first = explorer.image.value
    explorer.controls["quantity"].value = "loss (nats/token)"
    assert explorer.image.value != first
    explorer.controls["quantity"].value = "tokens per parameter"
    assert explorer.image.value == first  # the saved view comes back pixel for pixel
    explorer.close()
