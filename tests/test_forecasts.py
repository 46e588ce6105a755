"""Package functions of lesson 10 (forecasts and the debate): scores on known cases, the ledger, the scenario."""
import math

import numpy as np
import pandas as pd
import pytest

from scalecheck.core import hardware
from scalecheck.models import datawall as dw
from scalecheck.models import forecasts as fc
from scalecheck.models import ledger

# -- Brier score ----------------------------------------------------------------

def test_brier_of_known_cases():
    assert fc.brier_score([1.0, 0.0], [1, 0]) == 0.0
    assert fc.brier_score([0.0, 1.0], [1, 0]) == 1.0
    assert fc.brier_score([0.5] * 4, [1, 0, 0, 1]) == pytest.approx(0.25)
    # (0.9 - 1)^2 = 0.01 and (0.9 - 0)^2 = 0.81, mean 0.41
    assert fc.brier_score([0.9, 0.9], [1, 0]) == pytest.approx(0.41)
    assert fc.brier_score([0.7, 0.2, 0.6], [1, 0, 0]) == pytest.approx((0.09 + 0.04 + 0.36) / 3)


def test_a_constant_half_always_scores_a_quarter():
    for outcomes in ([1], [0, 0, 0], [1, 0, 1, 1, 0]):
        assert fc.constant_brier(0.5, outcomes) == pytest.approx(0.25)
    # always certain: the share of misses
    assert fc.constant_brier(1.0, [1, 0, 0, 1, 0]) == pytest.approx(0.6)


def test_the_best_constant_is_the_base_rate():
    outcomes = [1, 0, 0, 1, 0]
    grid = np.linspace(0, 1, 101)
    scores = [fc.constant_brier(p, outcomes) for p in grid]
    assert grid[int(np.argmin(scores))] == pytest.approx(0.4)
    assert min(scores) == pytest.approx(0.4 * 0.6)


def test_skill_score():
    assert fc.brier_skill_score(0.0, 0.25) == 1.0
    assert fc.brier_skill_score(0.25, 0.25) == 0.0
    assert fc.brier_skill_score(0.5, 0.25) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        fc.brier_skill_score(0.1, 0.0)


def test_decomposition_adds_up():
    rng = np.random.default_rng(3)
    p = rng.choice([0.1, 0.3, 0.6, 0.9], size=200)
    o = (rng.random(200) < p).astype(int)
    parts = fc.brier_decomposition(p, o)
    assert parts["reliability"] - parts["resolution"] + parts["uncertainty"] == pytest.approx(fc.brier_score(p, o))
    # a perfectly calibrated split has zero reliability error
    perfect = fc.brier_decomposition([0.5, 0.5, 1.0], [1, 0, 1])
    assert perfect["reliability"] == pytest.approx(0.0)


def test_jeffreys_interval_and_calibration_table():
    low, high = fc.jeffreys_interval(1, 3)
    assert 0 < low < 1 / 3 < high < 1
    assert fc.jeffreys_interval(0, 5)[0] == 0.0 and fc.jeffreys_interval(5, 5)[1] == 1.0
    table = fc.calibration_table([0.6, 0.6, 0.9, 0.9, 0.9], [1, 0, 0, 1, 0])
    assert list(table["stated"]) == [0.6, 0.9]
    assert list(table["forecasts"]) == [2, 3] and list(table["came true"]) == [1, 1]
    with pytest.raises(ValueError):
        fc.jeffreys_interval(4, 3)


def test_chance_of_a_record_of_misses():
    # three flat forecasts at 0.9: at least two misses has probability 1 - 0.9^3 - 3 x 0.1 x 0.9^2 = 0.028
    assert fc.chance_of_at_least(2, 3, 0.1) == pytest.approx(1 - 0.9 ** 3 - 3 * 0.1 * 0.9 ** 2)
    # two flat forecasts at 0.9, at least one miss: 1 - 0.9^2 = 0.19
    assert fc.chance_of_at_least(1, 2, 0.1) == pytest.approx(0.19)
    assert fc.chance_of_at_least(0, 5, 0.3) == pytest.approx(1.0)
    assert fc.chance_of_at_least(5, 5, 0.5) == pytest.approx(1 / 32)
    with pytest.raises(ValueError):
        fc.chance_of_at_least(4, 3, 0.1)
    with pytest.raises(ValueError):
        fc.chance_of_at_least(1, 3, 1.5)


@pytest.mark.parametrize("p, o", [([1.2], [1]), ([-0.1], [0]), ([0.5], [2]), ([0.5, 0.5], [1]), ([], []),
                                  ([float("nan")], [1])])
def test_bad_scoring_inputs(p, o):
    with pytest.raises(ValueError):
        fc.brier_score(p, o)


# -- Words to probabilities -------------------------------------------------------

def test_rules():
    assert fc.implied_probability("flat") == 0.9
    assert fc.implied_probability("hedged") == 0.6
    assert fc.implied_probability("flat", {"flat": 0.7, "hedged": 0.5}) == 0.7
    # "10-20%" -> 0.15 (claim 003-annihilation-10-20pct)
    assert fc.range_midpoint(10, 20) == pytest.approx(0.15)
    with pytest.raises(ValueError):
        fc.implied_probability("certain")
    with pytest.raises(ValueError):
        fc.implied_probability("flat", {"flat": 1.5})
    with pytest.raises(ValueError):
        fc.range_midpoint(20, 10)


# -- The ledger's forecasts ---------------------------------------------------------

@pytest.fixture(scope="module")
def claims():
    return ledger.load_claims()


def test_every_resolved_forecast_has_a_wording_class_with_its_seed_line(claims):
    resolved = set(claims.loc[claims["verdict"].isin(fc.RESOLVED_VERDICTS), "claim_id"]) - set(fc.STATUS_STATEMENTS)
    assert resolved <= set(fc.FORECAST_WORDING), "classify: " + ", ".join(sorted(resolved - set(fc.FORECAST_WORDING)))
    rows = claims.set_index("claim_id")
    for cid, (wording, note) in fc.FORECAST_WORDING.items():
        assert wording in fc.WORDING_CLASSES
        assert cid in rows.index, cid
        # the note cites the ledger row's own source and line
        assert note.endswith(f"(source {cid[:3]}, line {rows.loc[cid, 'seed_line']})"), (cid, note)
    assert not set(fc.STATUS_STATEMENTS) & set(fc.FORECAST_WORDING)


def test_status_statements_are_never_scored_whatever_their_verdict(claims):
    # "we are training Grok 3.5" is a statement about the present: neither a hit nor a miss
    changed = claims.copy()
    for verdict in ("forecast-false", "forecast-true", "holds-with-caveat"):
        changed.loc[changed["claim_id"].isin(fc.STATUS_STATEMENTS), "verdict"] = verdict
        table = fc.resolved_forecasts(changed, dedupe=False)
        assert not set(table["claim_id"]) & set(fc.STATUS_STATEMENTS)
    listed = fc.status_statements(claims)
    assert set(listed["claim_id"]) == set(fc.STATUS_STATEMENTS) and listed["why not scored"].str.len().min() > 20


def test_repeats_of_one_statement_count_once(claims):
    full = fc.resolved_forecasts(claims, dedupe=False)
    once = fc.resolved_forecasts(claims)
    assert len(once) < len(full)
    assert once["copies"].sum() == len(full)
    # the 110k-GB200 statement is reported by both 001 and 003 and counts once
    assert {"001-second-site-110k-gb200", "003-second-site-110k-gb200"} <= set(full["claim_id"])
    assert len({"001-second-site-110k-gb200", "003-second-site-110k-gb200"} & set(once["claim_id"])) == 1
    assert set(once["claim_id"]) <= set(full["claim_id"])


def test_brier_of_the_four_statements_resolved_in_the_2026_11_ledger():
    # a frozen copy of the four statements resolved when issue 13 was fixed (the live ledger may resolve more):
    # Grok-2 on time (hedged), Grok-3 late (hedged), 300k B200 by mid-2025 missed (flat), 110k GB200 on time (flat)
    frozen = pd.DataFrame({
        "claim_id": ["000-grok2-release-next-month", "000-grok3-before-december", "002-musk-300k-b200-mid-2025",
                     "001-second-site-110k-gb200", "003-second-site-110k-gb200", "001-grok-3-5-training"],
        "speaker": "x", "said_on": "2025", "resolution": "",
        "forecast_deadline": ["2024-08-31", "2024-11-30", "2025-06-30", "2025-12-31", "2025-12-31", "2025-12-31"],
        "verdict": ["forecast-true", "forecast-false", "forecast-false",
                    "forecast-true", "forecast-true", "forecast-false"],
        "related": ["", "", "", "003-second-site-110k-gb200", "001-second-site-110k-gb200", ""],
    })
    table = fc.resolved_forecasts(frozen)
    assert len(table) == 4 and table["copies"].sum() == 5
    expected = ((0.6 - 1) ** 2 + 0.6 ** 2 + 0.9 ** 2 + (0.9 - 1) ** 2) / 4
    assert fc.brier_score(table["p"], table["outcome"]) == pytest.approx(expected)
    assert expected == pytest.approx(0.335)
    # each wording class hits half the time, so the stated probabilities do not sort hits from misses
    parts = fc.brier_decomposition(table["p"], table["outcome"])
    assert parts["resolution"] == pytest.approx(0.0) and parts["reliability"] == pytest.approx(0.085)
    summary = fc.record_summary(table)
    assert (summary["flat"], summary["flat_misses"]) == (2, 1)
    assert fc.chance_of_at_least(summary["flat_misses"], summary["flat"], 0.1) == pytest.approx(0.19)


def test_an_unclassified_resolved_forecast_is_left_out_and_named(claims):
    partial = dict(fc.FORECAST_WORDING)
    partial.pop("000-grok2-release-next-month")
    table = fc.resolved_forecasts(claims, wording=partial)
    assert "000-grok2-release-next-month" not in set(table["claim_id"])
    assert table.attrs["unclassified"] == ["000-grok2-release-next-month"]
    with pytest.raises(ValueError):
        fc.resolved_forecasts(claims, wording={})


def test_brier_grid_matches_direct_scores(claims):
    table = fc.resolved_forecasts(claims)
    flat, hedged = np.array([0.7, 0.9, 0.99]), np.array([0.5, 0.6, 0.75])
    grid = fc.brier_grid(table["outcome"], table["wording"], flat, hedged)
    assert grid.shape == (3, 3)
    for i, f in enumerate(flat):
        for j, h in enumerate(hedged):
            rule = {"flat": f, "hedged": h}
            direct = fc.resolved_forecasts(claims, rule=rule)
            assert grid[i, j] == pytest.approx(fc.brier_score(direct["p"], direct["outcome"]))
    with pytest.raises(ValueError):
        fc.brier_grid([1, 0], ["flat"], flat, hedged)


# -- The scenario --------------------------------------------------------------------

def test_scenario_constants_match_the_package():
    # the H100 peak is read from data/gpu_specs.csv, not typed in
    assert fc.h100_bf16_flop_per_s() == hardware.peak_flop_per_s("H100", "bf16_dense") == pytest.approx(989e12)
    assert fc.start_flop_per_joule(1.5) == pytest.approx(989e12 * 0.40 / 1500)
    assert fc.START_FLOP == dw.START_FLOP
    # every default range is a proper interval
    for a in fc.SCENARIO_ASSUMPTIONS:
        assert 0 < a.low <= a.high and a.source


def test_degenerate_ranges_give_exact_closed_form_paths():
    fixed = (4.0, 2.5, 1.3, 1.5, 1.4, 1.1, 3e14, 20.0, 1.0, 1.2)
    ranges = {a.key: (m, m) for a, m in zip(fc.SCENARIO_ASSUMPTIONS, fixed)}
    inputs = fc.scenario_inputs(fc.draws(50, seed=1), ranges, mode="trend")
    years = np.arange(2025, 2036)
    paths = fc.scenario_paths(inputs, years)
    t = years - 2025
    assert np.allclose(paths["flop"][0], 4.64e26 * 4.0 ** t)
    # FLOP per $ grows by price-performance x the format-and-utilisation gain
    assert np.allclose(paths["cost_usd"][0], 3.01e8 * (4.0 / (1.3 * 1.2)) ** t)
    flop_per_j = 989e12 * 0.40 / 1500
    expected_power = 4.64e26 * 4.0 ** t / (100 * 86400 * 1.1 ** t * flop_per_j * (1.4 * 1.2) ** t)
    assert np.allclose(paths["power_w"][0], expected_power)
    # 2025 power: 4.64e26 FLOP in 100 days at 40% MFU and 1.5 kW per H100 is ~204 MW
    assert paths["power_w"][0, 0] == pytest.approx(2.04e8, rel=0.01)
    assert np.allclose(paths["tokens"][0], np.sqrt(paths["flop"][0] * 20.0 / 6))
    # money mode: compute grows as spend x price-performance
    money = fc.scenario_inputs(fc.draws(50, seed=1), ranges, mode="money")
    assert np.allclose(money["effective_compute_growth"], 2.5 * 1.3 * 1.2)
    assert np.allclose(fc.scenario_paths(money, years)["cost_usd"][0], 3.01e8 * 2.5 ** t)
    # hardware only (format gain 1): the trend's cost grows at compute / price-performance
    hardware_only = fc.scenario_inputs(fc.draws(50, seed=1), {**ranges, "format_gain": (1.0, 1.0)}, mode="trend")
    assert np.allclose(fc.scenario_paths(hardware_only, years)["cost_usd"][0], 3.01e8 * (4.0 / 1.3) ** t)
    # data wall: the year the need reaches the stock
    wall = fc.wall_years(inputs)
    assert np.allclose(wall, dw.crossing_year(3e14, 4.64e26, 2025.0, 4.0, 20.0, 1.0))


def test_monte_carlo_is_seeded_and_bands_are_ordered():
    years = np.arange(2025, 2036)
    first = fc.scenario_paths(fc.scenario_inputs(fc.draws(500, seed=7)), years)
    second = fc.scenario_paths(fc.scenario_inputs(fc.draws(500, seed=7)), years)
    for key in first:
        assert np.array_equal(first[key], second[key])
        low, median, high = fc.bands(first[key])
        assert np.all(low <= median) and np.all(median <= high)
    # the median compute path grows at about the median growth (4.47x a year, geometric middle of 4-5)
    _, median, _ = fc.bands(first["flop"])
    assert median[10] / median[9] == pytest.approx(math.sqrt(20), rel=0.05)


def test_scenario_input_checks():
    z = fc.draws(10)
    with pytest.raises(ValueError):
        fc.scenario_inputs(z, mode="vibes")
    with pytest.raises(KeyError):
        fc.scenario_inputs(z, {"moores_law": (1, 2)})
    with pytest.raises(ValueError):
        fc.scenario_inputs(z, {"compute_growth": (5.0, 4.0)})
    with pytest.raises(ValueError):
        fc.scenario_inputs(z[:3])
    with pytest.raises(ValueError):
        fc.bands(np.ones(5))
    with pytest.raises(ValueError):
        fc.start_flop_per_joule(0.0)


# -- The capstone assignment and its rubric -----------------------------------------

def test_capstone_cites_only_claims_that_exist_and_the_rubric_adds_up(claims):
    import re

    from scalecheck.core import paths

    root = paths.course_root()
    assignment = (root / "lessons" / "10_capstone_assignment.md").read_text(encoding="utf-8")
    rubric = (root / "docs" / "capstone_rubric.md").read_text(encoding="utf-8")
    cited = (set(re.findall(r"`(\d{3}-[a-z0-9-]+)`", assignment + rubric))
             | set(re.findall(r'claim\("(\d{3}-[a-z0-9-]+)"\)', assignment)))
    assert len(cited) >= 10
    assert cited <= set(claims["claim_id"]), sorted(cited - set(claims["claim_id"]))
    # the six criteria of the rubric carry the stated total
    criteria = re.findall(r"^### \d\. .*\((\d+) points\)$", rubric, flags=re.M)
    assert len(criteria) == 6
    total = int(re.search(r"\*\*Total: (\d+) points\*\*", rubric).group(1))
    assert sum(map(int, criteria)) == total
    # each criterion's top level is worth its full points
    for block in re.split(r"^### ", rubric, flags=re.M)[1:7]:
        full = int(re.search(r"\((\d+) points\)", block).group(1))
        assert re.search(rf"\| Excellent \| {full} \|", block)


def test_default_scenario_is_consistent_with_the_published_trends():
    # issue 13: with number-format and utilisation gains in FLOP per $ and per J, the trend view's cost
    # grows inside Cottier et al.'s 95% CI (2.0-3.1x a year) and its power near Epoch AI's 2.1x a year
    # (1.9-2.2; our compute grows a little faster than the ~4x behind that figure)
    years = np.arange(2025, 2036)
    paths = fc.scenario_paths(fc.scenario_inputs(fc.draws(2000, seed=2026), mode="trend"), years)
    cost_growth = (np.median(paths["cost_usd"][:, 10]) / np.median(paths["cost_usd"][:, 0])) ** 0.1
    power_growth = (np.median(paths["power_w"][:, 10]) / np.median(paths["power_w"][:, 0])) ** 0.1
    assert 2.0 < cost_growth < 3.1
    assert 1.9 < power_growth < 2.5
    # leaving the gain out (hardware only) is what made the cost grow ~3.3x a year
    hardware_only = fc.scenario_paths(fc.scenario_inputs(fc.draws(2000, seed=2026), {"format_gain": (1, 1)}), years)
    assert (np.median(hardware_only["cost_usd"][:, 10]) / np.median(hardware_only["cost_usd"][:, 0])) ** 0.1 > 3.1


def test_a_shared_cluster_id_counts_once_and_the_ledger_wording_column_fills_gaps(claims):
    frozen = pd.DataFrame({
        "claim_id": ["002-musk-300k-b200-mid-2025", "002-roadmap-300k-b200-6zf", "000-grok2-release-next-month",
                     "009-new-forecast"],
        "speaker": "x", "said_on": "2024", "resolution": "", "related": "",
        "forecast_deadline": ["2025-06-30", "2025-12-31", "2024-08-31", "2026-01-31"],
        "verdict": ["forecast-false", "forecast-false", "forecast-true", "forecast-true"],
        "cluster_id": ["002-musk-300k-b200-mid-2025", "002-musk-300k-b200-mid-2025", "", ""],
        "forecast_wording": ["", "", "", "hedged"],
    })
    table = fc.resolved_forecasts(frozen)
    expected = ["000-grok2-release-next-month", "002-musk-300k-b200-mid-2025", "009-new-forecast"]
    assert list(table["claim_id"]) == expected
    assert list(table["copies"]) == [1, 2, 1]
    assert table.loc[table["claim_id"] == "009-new-forecast", "p"].item() == 0.6
    assert table.attrs["unclassified"] == []


def test_intervals_and_tails_are_scipy_stats_numbers_bit_for_bit():
    """scipy.special gives exactly what scipy.stats.beta.ppf and binom.sf give, so lesson 10's numbers stand."""
    from scipy import stats

    for trials in range(1, 30):
        for hits in range(trials + 1):
            for level in (0.5, 0.9, 0.95):
                tail = (1 - level) / 2
                low, high = stats.beta.ppf([tail, 1 - tail], hits + 0.5, trials - hits + 0.5)
                expected = (0.0 if hits == 0 else float(low), 1.0 if hits == trials else float(high))
                assert fc.jeffreys_interval(hits, trials, level) == expected
            for p in (0.0, 0.05, 0.1, 0.5, 0.9, 1.0):
                assert fc.chance_of_at_least(hits, trials, p) == float(stats.binom.sf(hits - 1, trials, p))


def test_lesson_10_statistics_do_not_import_scipy_stats():
    """scipy.stats costs about a second of CPU to import; the forecast statistics need only scipy.special."""
    import subprocess
    import sys

    code = ("import sys; from scalecheck.models import forecasts as fc; fc.jeffreys_interval(1, 3); "
            "fc.chance_of_at_least(1, 3, 0.1); fc.calibration_table([0.6, 0.9], [1, 0]); "
            "print('scipy.stats' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "False"
