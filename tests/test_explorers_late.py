"""Explorers of lessons 00 and 06-10 (scalecheck/ui/explorers/lesson00.py, lesson06.py ... lesson10.py).

For each module: the pure functions give values worked out by hand in the
comments, bad input gives a readout that says so (never a traceback), and
every builder in EXPLORERS builds and answers a control without a display.
"""
from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
pytest.importorskip("ipywidgets")

LATE_MODULES = ["lesson00", "lesson06", "lesson07", "lesson08", "lesson09", "lesson10"]


def _module(name):
    try:
        return importlib.import_module(f"scalecheck.ui.explorers.{name}")
    except ModuleNotFoundError:
        pytest.skip(f"{name} not written yet")


def _builders():
    found = []
    for name in LATE_MODULES:
        try:
            module = importlib.import_module(f"scalecheck.ui.explorers.{name}")
        except ModuleNotFoundError:
            continue
        found += [pytest.param(builder, id=f"{name}.{key}") for key, builder in module.EXPLORERS.items()]
    return found


def _other_value(control):
    """A value of the control different from its current one (as a learner would pick)."""
    options = getattr(control, "options", None)
    if options and not isinstance(control.value, tuple):
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        return next(v for v in values if v != control.value)
    if options:  # a range over options: move the upper end down one step
        low, high = control.index
        return (control.options[low], control.options[high - 1]) if high - 1 > low else \
            (control.options[low], control.options[high + 1])
    if isinstance(control.value, bool):
        return not control.value
    if isinstance(control.value, tuple):
        low, high = control.value
        return (low, (low + high) / 2) if high > low else (low, control.max)
    if isinstance(control.value, str):
        return control.value + "x"
    step = getattr(control, "step", 1) or 1
    return control.value + step if control.value + step <= control.max else control.value - step


@pytest.mark.parametrize("builder", _builders())
def test_every_builder_builds_and_answers_its_first_control(builder):
    explorer = builder()
    assert explorer.text, "the readout is empty after building"
    before = explorer.text
    name, control = next(iter(explorer.controls.items()))
    control.value = _other_value(control)
    assert explorer.text != before, f"moving {name} did not change the readout"
    if explorer.figure is not None:
        assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------
# Lesson 07: the crossing year


def test_lesson07_degenerate_ranges_give_the_hand_computed_year():
    lesson07 = _module("lesson07")
    # Every range collapsed to one value, so all draws agree. D0 = sqrt(4.64e26 x 20 / 6)
    # = 3.933e13 tokens; 100T / 3.933e13 = 2.543; need grows sqrt(4) = 2x a year,
    # so log2(2.543) = 1.346 years after 2025.0 -> 2026.35, inside the bin 2026.0-2026.5.
    summary = lesson07.crossing_summary(lesson07.default_draws(1_000), (100, 100), (4.0, 4.0), 20, (1, 1), 1)
    assert summary["median"] == pytest.approx(2026.35, abs=0.01)
    assert summary["low"] == pytest.approx(summary["high"])
    assert summary["before_2030"] == 1.0 and summary["past_2025"] == 0.0
    bin_2026 = int((2026.0 - 2020) / 0.5)
    assert summary["shares"][bin_2026] == 1.0 and summary["shares"].sum() == pytest.approx(1.0)


def test_lesson07_readout_names_every_input():
    lesson07 = _module("lesson07")
    summary = {"median": 2027.25, "low": 2025.61, "high": 2028.94, "before_2030": 1.0, "past_2025": 0.01}
    text = lesson07.wall_readout(summary, (100, 1000), (4.0, 5.0), 20, (1, 5), 1)
    assert text.splitlines() == [
        "stock 100T-1000T, compute x4-5/yr, 20 tokens/param, over-training 1-5x, 1 epoch(s)",
        "crossing year: median 2027.2, 90% interval 2025.6-2028.9",
        "before 2030: 100% of draws; already past in 2025: 1%",
    ]


@pytest.mark.parametrize("bad", [
    {"stock": (math.nan, 1000)}, {"stock": (-100, 1000)}, {"growth": (5.0, 4.0)},
    {"tokens_per_param": "abc"}, {"epochs": math.nan}, {"overtraining": ("abc", 5)},
])
def test_lesson07_bad_input_gives_a_readout_not_a_traceback(bad):
    lesson07 = _module("lesson07")
    explorer = lesson07.data_wall(draws=lesson07.default_draws(500))
    values = {**explorer.values(), **bad}
    text = explorer._update(**values)
    assert text.startswith("cannot compute the crossing year:")


# ---------------------------------------------------------------------------
# Lesson 09: definitions of AGI, the S-curve


def test_lesson09_scurve_years_by_hand():
    lesson09 = _module("lesson09")
    # s0 = 0.1%, G = 2: r = ln 2 = 0.693. To 10%: ln(0.1 x 0.999 / (0.001 x 0.9)) / r = ln(111) / 0.693
    # = 4.710 / 0.693 = 6.80 years; to 90%: ln(0.9 x 0.999 / (0.001 x 0.1)) / r = ln(8991) / 0.693 = 13.13;
    # 10% -> 90%: 2 ln 9 / ln 2 = 6.34 years, whatever the start.
    summary = lesson09.scurve_summary(0.001, 2.0)
    assert summary["rate"] == pytest.approx(0.6931, abs=1e-4)
    assert summary["to_agi"] == pytest.approx(6.80, abs=0.01)
    assert summary["to_asi"] == pytest.approx(13.13, abs=0.01)
    assert summary["agi_to_asi"] == pytest.approx(6.34, abs=0.01)
    assert summary["shares"][0] == pytest.approx(0.001)  # the curve starts at s0
    text = lesson09.scurve_readout(summary, 0.001, 2.0)
    assert "10% of world GDP (AGI, Wang): 2031.8 (6.8 years)" in text


def test_lesson09_definition_row_by_hand():
    lesson09 = _module("lesson09")
    # GDP share: today assumed 0.1%, threshold 10% -> a ratio of 10 / 0.1 = 100 to go
    text = lesson09.definition_readout("gdp_share", 10.0)
    assert "gap: x100 to go (on the assumption)" in text
    assert len(text.splitlines()) == len(lesson09.TABLE_FIELDS)


@pytest.mark.parametrize("start, growth", [(math.nan, 2.0), (0.001, -2.0), (0.001, 1.0), (1.5, 2.0), ("abc", 2.0)])
def test_lesson09_scurve_bad_input_gives_a_readout(start, growth):
    lesson09 = _module("lesson09")
    explorer = lesson09.scurve()
    assert explorer._update(start_share=start, growth_per_yr=growth).startswith("cannot draw the S-curve:")


@pytest.mark.parametrize("definition, threshold, start", [
    ("gdp_share", "abc", "the threshold must be a number"), ("gdp_share", math.nan, "the threshold must be a finite"),
    ("abc", 10.0, "no definition 'abc'")])
def test_lesson09_definition_bad_input_gives_a_readout(definition, threshold, start):
    lesson09 = _module("lesson09")
    assert lesson09.definition_readout(definition, threshold).startswith(start)


def test_lesson09_new_definition_brings_its_thresholds():
    lesson09 = _module("lesson09")
    explorer = lesson09.definitions()
    other = next(key for key in lesson09.agi.DEFINITIONS if key != "gdp_share")
    explorer.controls["definition"].value = other
    spec = lesson09.agi.DEFINITIONS[other]
    assert list(explorer.controls["threshold"].options) == list(spec.thresholds)
    assert explorer.text == lesson09.definition_readout(other, spec.default_threshold)


# ---------------------------------------------------------------------------
# Lesson 08: collapse, pass@k


@pytest.fixture(scope="module")
def small_runs():
    lesson08 = _module("lesson08")
    # a three-word "text" (counts 5, 3, 2) keeps the word simulations small
    return lesson08.collapse_runs(np.array([5, 3, 2]), gaussian_sizes=(20,), token_sizes=(10,), max_generations=60)


def test_lesson08_collapse_by_hand(small_runs):
    lesson08 = _module("lesson08")
    # replace: expected variance after g refits of n = 20 samples is (19/20)^g; g = 50 -> 0.95^50 = 0.0769
    summary = lesson08.collapse_summary(small_runs, 20, 10, 50, "replace")
    assert summary["expected"][-1] == pytest.approx(0.0769, abs=1e-4)
    assert len(summary["median"]) == 51 and summary["low"][-1] <= summary["median"][-1] <= summary["high"][-1]
    # accumulate: the real counts stay in the pool, so all 3 words are still alive after 50 generations
    kept = lesson08.collapse_summary(small_runs, 20, 10, 50, "accumulate")
    assert kept["alive"][-1] == 3 and kept["alive_share"][-1] == 1.0
    text = lesson08.collapse_readout(kept, small_runs, 20, 10, 50, "accumulate")
    assert text.splitlines()[0] == "accumulate, 50 generation(s)" and "3 of 3 left" in text


def test_lesson08_passk_uniform_problems_by_hand():
    lesson08 = _module("lesson08")
    # mean 0.5, concentration 2 -> Beta(1, 1), uniform success rates: E[(1 - p)^k] = 1 / (k + 1),
    # so pass@10 = 10/11 = 90.91%; independent tries: 1 - 0.5^10 = 99.902%. The 164 evenly spaced
    # quantiles (i + 0.5) / 164 put 8 or 9 problems in each 0.05-wide bin; two lie below 0.01
    # (0.0030, 0.0091), i.e. 2 / 164 = 1%.
    summary = lesson08.passk_summary(0.5, 2.0)
    assert (summary["a"], summary["b"]) == pytest.approx((1.0, 1.0))
    assert summary["at"][10] == pytest.approx(10 / 11)
    assert summary["independent_at"][10] == pytest.approx(1 - 0.5 ** 10)
    assert set(summary["histogram"]) <= {8, 9} and summary["histogram"].sum() == 164
    text = lesson08.passk_readout(summary, 0.5, 2.0)
    assert "pass@10: 90.91% (independent tries: 99.902%)" in text
    assert "problems solved less than 1 time in 100: 1% of 164" in text


@pytest.mark.parametrize("bad", [{"mode": "abc"}, {"size": 7}, {"generations": math.nan}, {"generations": -1},
                                 {"words_per_generation": "abc"}])
def test_lesson08_collapse_bad_input_gives_a_readout(small_runs, bad):
    lesson08 = _module("lesson08")
    explorer = lesson08.collapse(runs=small_runs, words_per_generation=10)
    text = explorer._update(**{**explorer.values(), **bad})
    assert text.startswith("cannot show the collapse:")


def test_lesson08_collapse_table_round_trips(small_runs):
    lesson08 = _module("lesson08")
    table = lesson08.collapse_runs_table(small_runs)
    # one Gaussian size and one word size, two modes: 2 x 3 variance rows + 2 x 4 word rows; generations 0-60
    assert len(table) == 14 and list(table.columns[-2:]) == ["59", "60"]
    back = lesson08.runs_from_table(table, vocabulary_size=3)
    assert back["max_generations"] == 60 and back.keys() == small_runs.keys()
    for series in ("gaussian", "words"):
        assert back[series].keys() == small_runs[series].keys()
        for key, values in small_runs[series].items():
            np.testing.assert_array_equal(back[series][key], values)


def test_lesson08_collapse_reads_the_stored_runs_for_the_lessons_text(monkeypatch):
    lesson08 = _module("lesson08")
    counts = lesson08.course_word_counts()

    def no_simulation(*args, **kwargs):
        raise AssertionError("simulated although data/collapse_runs.csv holds these runs")

    monkeypatch.setattr(lesson08, "collapse_runs", no_simulation)
    runs = lesson08.cached_collapse_runs(counts)
    assert sorted({n for n, _ in runs["gaussian"]}) == list(lesson08.GAUSSIAN_SIZES)
    assert sorted({n for n, _ in runs["words"]}) == list(lesson08.TOKEN_SIZES)
    assert runs["vocabulary_size"] == len(counts) and runs["max_generations"] == lesson08.MAX_GENERATIONS
    summary = lesson08.collapse_summary(runs, 20, 1500, 50, "accumulate")
    # accumulating keeps the real counts in the pool: no word of the text is ever lost
    assert summary["alive"][-1] == len(counts) and summary["alive_runs"] == (len(counts), len(counts))
    assert lesson08.collapse(counts).text.startswith("replace, 50 generation(s)")
    with pytest.raises(AssertionError, match="simulated"):  # other counts are not what the file holds
        lesson08.cached_collapse_runs(np.array([5, 3, 2]))


@pytest.mark.slow
def test_lesson08_stored_collapse_runs_match_a_fresh_simulation():
    """data/collapse_runs.csv is what tools/make_collapse_runs.py computes today, and the explorer's
    readouts from it are those of the live simulations."""
    import importlib.util
    from pathlib import Path

    from scalecheck.core import data

    lesson08 = _module("lesson08")
    path = Path(__file__).resolve().parent.parent / "tools" / "make_collapse_runs.py"
    spec = importlib.util.spec_from_file_location("make_collapse_runs", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    counts = lesson08.course_word_counts()
    live = lesson08.collapse_runs(counts)
    fresh = lesson08.collapse_runs_table(live)
    stored = data.load(lesson08.COLLAPSE_ARTIFACT)
    labels = ["series", "size", "mode", "statistic"]
    assert stored[labels].equals(fresh[labels]) and list(stored.columns) == list(fresh.columns)
    np.testing.assert_allclose(stored.drop(columns=labels).to_numpy(), fresh.drop(columns=labels).to_numpy(),
                               rtol=1e-12, atol=0)
    assert tool.collapse_table().equals(fresh)
    cached = lesson08.cached_collapse_runs(counts)
    rng = np.random.default_rng(8)
    for _ in range(40):  # a sample of the explorer's control values
        size = int(rng.choice(lesson08.GAUSSIAN_SIZES))
        words = int(rng.choice(lesson08.TOKEN_SIZES))
        generations = int(rng.integers(1, lesson08.MAX_GENERATIONS + 1))
        mode = str(rng.choice(lesson08.sy.MODES))
        values = (size, words, generations, mode)
        assert lesson08.collapse_readout(lesson08.collapse_summary(cached, *values), cached, *values) == \
            lesson08.collapse_readout(lesson08.collapse_summary(live, *values), live, *values)


@pytest.mark.parametrize("mean, concentration",
                         [(math.nan, 1.0), (1.5, 1.0), (0.5, -1.0), ("abc", 1.0), (0.5, math.inf)])
def test_lesson08_passk_bad_input_gives_a_readout(mean, concentration):
    lesson08 = _module("lesson08")
    assert lesson08.passk()._update(mean=mean, concentration=concentration).startswith("cannot compute pass@k:")


# ---------------------------------------------------------------------------
# Lesson 06: the decade projection, break-even revenue


def test_lesson06_projection_by_hand():
    from types import SimpleNamespace

    lesson06 = _module("lesson06")
    # spend 2 x FLOP per $ 1.5 x formats 1 = 3x a year physical; x algorithms 2 = 6x effective.
    # From 1e20 FLOP, ten years at 3x: 3^10 = 59,049 -> 5.9e24; Huang's 1e6 per decade -> 1e26.
    # Doubling time at 3x: 12 ln 2 / ln 3 = 7.57 months.
    summary = lesson06.projection_summary(2.0, 1.5, 1.0, 2.0, 2015, 20.0)
    assert summary["physical"] == pytest.approx(3.0) and summary["effective"] == pytest.approx(6.0)
    assert summary["physical_in_10_yr"] == pytest.approx(5.9049e24)
    assert summary["huang_path"][-1] == pytest.approx(1e26, rel=1e-9)
    assert summary["years"][0] == 2015 and summary["years"][-1] == 2025
    fit = SimpleNamespace(growth_factor_per_yr=4.0, value_at=lambda year: 2e25)
    text = lesson06.projection_readout(summary, 2015, fit)
    assert "physical: x3.00/yr = x5.9e+04 per decade, doubling every 7.6 months" in text
    assert "in 2025: physical 5.9e+24 FLOP; fitted trend 2.0e+25 FLOP" in text


def test_lesson06_money_by_hand():
    lesson06 = _module("lesson06")
    # 1M chips x $50k = $50B capex; 0% return over 5 years -> $10B a year of capital.
    # 2 kW each = 2 GW; a year of it is 2e6 kW x ~8,766 h = 1.75e10 kWh; at $0.10: ~$1.75B.
    summary = lesson06.money_summary(1.0, 50.0, 5.0, 0.0, 2.0, building_share=0.0, usd_per_kwh=0.10,
                                     other_opex_share=0.0)
    assert summary["capex"] == pytest.approx(50e9)
    assert summary["parts"]["capital"] == pytest.approx(10e9)
    assert summary["parts"]["energy"] == pytest.approx(1.75e9, rel=0.01)
    assert summary["total"] == pytest.approx(11.75e9, rel=0.01)
    text = lesson06.money_readout(summary, world_gdp_usd=100e12)
    assert text.startswith("capex $50B; power 2.0 GW")
    assert "= 0.01" in text.splitlines()[2]  # $11.75B of $100T = 0.012%


@pytest.mark.parametrize("bad", [{"spend": math.nan}, {"algorithms": -1.0}, {"start_log10_flop": "abc"}])
def test_lesson06_projection_bad_input_gives_a_readout(bad):
    lesson06 = _module("lesson06")
    explorer = lesson06.projection()
    assert explorer._update(**{**explorer.values(), **bad}).startswith("cannot project:")


@pytest.mark.parametrize("bad", [{"chips_millions": math.nan}, {"life_yr": -5.0}, {"rate_percent": -1.0},
                                 {"kw_per_chip": "abc"}])
def test_lesson06_money_bad_input_gives_a_readout(bad):
    lesson06 = _module("lesson06")
    explorer = lesson06.money(building_share=0.1)
    assert explorer._update(**{**explorer.values(), **bad}).startswith("cannot compute the break-even revenue:")


# ---------------------------------------------------------------------------
# Lesson 10: Brier score, the scenario


def _two_forecasts():
    import pandas as pd

    return pd.DataFrame({"claim_id": ["a", "b"], "wording": ["flat", "hedged"], "outcome": [1, 0],
                         "copies": [1, 2], "p": [0.9, 0.6]})


def test_lesson10_brier_by_hand():
    lesson10 = _module("lesson10")
    # flat 0.9 came true, hedged 0.6 did not: (0.9 - 1)^2 = 0.01, (0.6 - 0)^2 = 0.36, mean 0.185;
    # skill against the coin flip 1 - 0.185 / 0.25 = +0.26; always on time: (0 + 1) / 2 = 0.5.
    summary = lesson10.brier_summary(_two_forecasts(), 0.9, 0.6, count_repeats=False)
    assert summary["errors"] == pytest.approx([0.01, 0.36])
    assert summary["score"] == pytest.approx(0.185)
    assert summary["skill"] == pytest.approx(0.26)
    assert summary["always_on_time"] == pytest.approx(0.5)
    # the hedged one said twice: (0.01 + 2 x 0.36) / 3 = 0.2433; always on time (0 + 1 + 1) / 3 = 0.667
    repeated = lesson10.brier_summary(_two_forecasts(), 0.9, 0.6, count_repeats=True)
    assert repeated["score"] == pytest.approx(0.7300 / 3)
    assert lesson10.brier_readout(repeated, 0.9, 0.6).startswith(
        "rule: flat 0.90, hedged 0.60; 3 forecasts scored\n"
        "Brier score 0.243 (coin flip 0.250; always on time 0.667)")


def test_lesson10_scenario_by_hand():
    lesson10 = _module("lesson10")
    # compute growth fixed at 4x: compute in 2030 = 4.64e26 x 4^5 = 4.75e29 FLOP in every draw.
    # Stock 100T, 20 tokens per parameter, no over-training: the wall of lesson 07's test at 4x a
    # year, log2(100e12 / 3.933e13) = 1.346 years after 2025 -> 2026.35.
    ranges = {"compute_growth": (4.0, 4.0), "stock_tokens": (100, 100), "tokens_per_param": (20, 20),
              "overtraining": (1, 1)}
    summary = lesson10.scenario_summary(lesson10.fc.draws(200, seed=1), "trend", "flop", ranges)
    assert summary["growth"] == pytest.approx((4.0, 4.0, 4.0))
    assert summary["band"][1][5] == pytest.approx(4.75e29, rel=1e-3)
    assert summary["wall"][1] == pytest.approx(2026.35, abs=0.01)
    assert summary["stock"] == (100e12, 100e12)
    # cost reference: $301M x 2.4^5 = $301M x 79.63 = $23.97B in 2030
    reference, label = lesson10.reference_path("cost_usd", summary["stock"])
    assert reference[5] == pytest.approx(2.397e10, rel=1e-3) and "2.4x/yr" in label
    assert "compute grows x4.00 a year (90%: 4.00-4.00)" in lesson10.scenario_readout(summary, "trend")


@pytest.mark.parametrize("flat, hedged", [(math.nan, 0.6), (0.9, 2.0), ("abc", 0.6), (-0.1, 0.6)])
def test_lesson10_brier_bad_input_gives_a_readout(flat, hedged):
    lesson10 = _module("lesson10")
    explorer = lesson10.brier(_two_forecasts())
    assert explorer._update(flat=flat, hedged=hedged, count_repeats=False).startswith("cannot score the forecasts:")


@pytest.mark.parametrize("bad", [{"show": "abc"}, {"mode": "abc"}, {"compute_growth": (math.nan, 5.0)},
                                 {"stock_tokens": (-100, 300)}, {"kw_per_gpu": ("abc", 2.0)}])
def test_lesson10_scenario_bad_input_gives_a_readout(bad):
    lesson10 = _module("lesson10")
    explorer = lesson10.scenario(lesson10.fc.draws(200, seed=1))
    assert explorer._update(**{**explorer.values(), **bad}).startswith("cannot run the scenario:")


def test_lesson10_scenario_draws_its_figure_once_while_built(monkeypatch):
    # Building renders the starting view only; another view is drawn in full the first time it is
    # chosen and its background reused when the learner comes back to it.
    lesson10 = _module("lesson10")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    full_draws = []
    real_draw = FigureCanvasAgg.draw
    monkeypatch.setattr(FigureCanvasAgg, "draw", lambda canvas: full_draws.append(1) or real_draw(canvas))
    explorer = lesson10.scenario(lesson10.fc.draws(200, seed=1))
    assert len(full_draws) == 1
    start_png = explorer.image.value
    explorer.controls["show"].value = "flop"
    assert len(full_draws) == 2 and explorer.image.value != start_png
    explorer.controls["show"].value = "cost_usd"
    assert len(full_draws) == 2 and explorer.image.value == start_png


# ---------------------------------------------------------------------------
# Lesson 00: the claims filter


def _three_claims():
    import pandas as pd

    return pd.DataFrame({
        "claim_id": ["001-a", "002-b", "003-c"], "topic": ["power", "power", "agi"],
        "source_id": ["001", "002", "003"], "speaker": ["Musk", "Wang", "Musk"],
        "verdict": ["supported", "supported", "refuted"], "confidence": ["H", "M", "L"],
        "relations": ["conflict:003-c", "", "conflict:001-a;supports:002-b"],
        "paraphrase": ["A cluster of 100k GPUs", "Power <b>doubles</b>", "AGI next year"],
    })


def test_lesson00_filters_by_hand():
    lesson00 = _module("lesson00")
    claims = _three_claims()
    # Musk's claims: 001-a and 003-c; of those about power: 001-a only
    assert list(lesson00.filter_claims(claims, speaker="Musk")["claim_id"]) == ["001-a", "003-c"]
    assert list(lesson00.filter_claims(claims, speaker="Musk", topic="power")["claim_id"]) == ["001-a"]
    # 'gpu' matches 'GPUs' whatever the case; a 'conflict' link is held by 001-a and 003-c
    assert list(lesson00.filter_claims(claims, word=" gpu ")["claim_id"]) == ["001-a"]
    assert list(lesson00.filter_claims(claims, relation="conflict")["claim_id"]) == ["001-a", "003-c"]
    # verdicts in the order of the bars (most common first): 2 of 3 supported = 66.7%, 1 of 3 refuted = 33.3%
    verdicts = lesson00.verdict_order(claims)
    assert verdicts == ["supported", "refuted"]
    assert lesson00.verdict_shares(claims, verdicts) == pytest.approx([200 / 3, 100 / 3])
    assert lesson00.match_readout(claims.head(1), claims) == "1 of 3 claims match"


def test_lesson00_table_escapes_and_counts_the_rest():
    lesson00 = _module("lesson00")
    html = lesson00.claims_table_html(_three_claims(), limit=2)
    assert "&lt;b&gt;doubles&lt;/b&gt;" in html and "<b>" not in html
    assert html.endswith("<p>... and 1 more</p>")


def test_lesson00_no_word_matches_everything():
    lesson00 = _module("lesson00")
    explorer = lesson00.claims_explorer(_three_claims())
    assert explorer._update(**{**explorer.values(), "word": None}) == "3 of 3 claims match"


@pytest.mark.parametrize("bad", [{"word": "[(*"}, {"word": "abc"}, {"topic": "no such topic"},
                                 {"relation": "("}])
def test_lesson00_odd_input_gives_a_readout(bad):
    lesson00 = _module("lesson00")
    claims = _three_claims()
    explorer = lesson00.claims_explorer(claims)
    text = explorer._update(**{**explorer.values(), **bad})
    assert text == "0 of 3 claims match"
    assert lesson00.verdict_shares(lesson00.filter_claims(claims, **bad), ["supported"]) == pytest.approx([0.0])


def test_lesson00_typing_a_word_updates_readout_and_table():
    lesson00 = _module("lesson00")
    explorer = lesson00.claims_explorer(_three_claims())
    explorer.controls["word"].value = "agi"
    assert explorer.text == "1 of 3 claims match"
    assert "003-c" in explorer.table.value and "001-a" not in explorer.table.value


# ---------------------------------------------------------------------------
# Course style (scalecheck/core/plotting.py): log-axis tick labels without mathtext


def test_plain_log_labels_read_like_matplotlibs():
    import warnings

    from matplotlib import scale, ticker

    from scalecheck.core import plotting

    major, minor = plotting.PlainLogFormatter(), plotting.PlainLogFormatter(labelOnlyBase=False)
    mathtext = ticker.LogFormatterSciNotation(labelOnlyBase=False)
    # matplotlib writes 2e6 as $\mathdefault{2\times10^{6}}$: the same characters, in plain text
    assert mathtext(2e6) == r"$\mathdefault{2\times10^{6}}$" and minor(2e6) == "2\u00d710\u2076"
    assert [major(x) for x in (1e6, 1e-3, 1.0)] == ["10\u2076", "10\u207b\u00b3", "10\u2070"]
    try:
        with matplotlib.rc_context():
            plotting.setup_notebook()
            figure = matplotlib.figure.Figure()
            ax = figure.add_subplot()
            ax.set_yscale("log")
            ax.set_ylim(1, 1e4)
            figure.canvas.draw()
            labels = [label.get_text() for label in ax.get_yticklabels()]
            assert "10\u00b2" in labels and not any("$" in label for label in labels)
    finally:
        with warnings.catch_warnings():  # matplotlib's LogScale still takes the pending-deprecated axis argument
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            scale.register_scale(scale.LogScale)  # other tests see matplotlib's own log scale


def test_log_axes_over_many_decades_mark_decades_not_every_minor_step():
    """Past three decades the minor ticks mark whole decades only (eight per decade cost most of the
    drawing of the course's wide log axes), unlabelled as matplotlib's are; narrower axes keep 2-9 x."""
    import numpy as np

    from scalecheck.core import plotting

    locator = plotting.SparseMinorLogLocator(10, None)  # as PlainLogScale makes it (subs None: "auto")
    stock = matplotlib.ticker.LogLocator(10, None)
    np.testing.assert_allclose(locator.tick_values(1, 100), stock.tick_values(1, 100))  # 2 decades: as matplotlib
    assert len(stock.tick_values(1e-6, 3)) > 40
    # 6.5 decades: the decades (and one past the top, outside the view)
    np.testing.assert_allclose(locator.tick_values(1e-6, 3), 10.0 ** np.arange(-6, 2))
    assert len(locator.tick_values(1, 1e12)) == 0 == len(stock.tick_values(1, 1e12))  # from 10 decades: none
    figure = matplotlib.figure.Figure(figsize=(4, 2.4))  # short enough that the major ticks skip decades
    ax = figure.add_subplot()
    ax.set_yscale(plotting.PlainLogScale())
    ax.set_ylim(1e26, 1e34)
    figure.canvas.draw()
    major = [loc for loc in ax.yaxis.get_majorticklocs() if 1e26 <= loc <= 1e34]
    assert len(major) < 9
    unlabelled_decades = sorted(set(10.0 ** np.arange(26, 35)) - set(major))
    minor = sorted(loc for loc in ax.yaxis.get_minorticklocs() if 1e26 <= loc * (1 + 1e-9) and loc <= 1e34 * (1 + 1e-9))
    np.testing.assert_allclose(minor, unlabelled_decades)
    assert all(label.get_text() == "" for label in ax.get_yticklabels(minor=True))
    assert all(label.get_text().startswith("10") for label in ax.get_yticklabels())
