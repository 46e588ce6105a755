"""Package functions of lesson 09 (what is AGI?) against published figures, closed forms and bad inputs."""
import math

import numpy as np
import pytest

from scalecheck.core import hardware, units
from scalecheck.models import agi, trends

# -- Kardashev scale and energy ---------------------------------------------

def test_kardashev_levels_of_sagans_types():
    # Sagan: Type I = 1e16 W, II = 1e26 W, III = 1e36 W
    assert agi.kardashev_level(1e16) == pytest.approx(1.0)
    assert agi.kardashev_level(1e26) == pytest.approx(2.0)
    assert agi.kardashev_level(1e36) == pytest.approx(3.0)
    for level, power in agi.KARDASHEV_TYPE_POWER_W.items():
        assert agi.kardashev_power_w(level) == pytest.approx(power)
    # the two functions invert each other
    levels = np.array([0.5, 0.73, 1.2])
    assert np.allclose(agi.kardashev_level(agi.kardashev_power_w(levels)), levels)


def test_humanity_is_at_about_k_0_73():
    # Energy Institute 2025: 592 EJ in 2024 = ~18.8 TW; FACTS: K ~ 0.73; 19 TW gives 0.728
    power = agi.mean_power_w(agi.HUMANITY_PRIMARY_ENERGY_2024_J)
    assert power == pytest.approx(18.76e12, rel=0.005)
    assert agi.kardashev_level(power) == pytest.approx(0.727, abs=0.001)
    assert agi.kardashev_level(19e12) == pytest.approx(0.728, abs=0.001)


def test_sunlight_and_the_sources_energy_claims():
    # 1,361 W/m^2 x pi R^2 = 1.74e17 W (FACTS section 10)
    sunlight = agi.intercepted_sunlight_w()
    assert sunlight == pytest.approx(1.74e17, rel=0.005)
    # humanity uses ~0.011% of it, not 1-2%
    assert 100 * agi.power_share(19e12, sunlight) == pytest.approx(0.011, abs=0.0005)
    # L_sun / intercepted ~ 2.2e9: "Type II ~ 1e9 x Earth" holds for sunlight
    assert agi.SOLAR_LUMINOSITY_W / sunlight == pytest.approx(2.2e9, rel=0.01)
    # on Sagan's formula the Sun's output is K ~ 2.06 and Earth's sunlight K ~ 1.12
    assert agi.kardashev_level(agi.SOLAR_LUMINOSITY_W) == pytest.approx(2.06, abs=0.01)
    assert agi.kardashev_level(sunlight) == pytest.approx(1.12, abs=0.01)


def test_energy_inputs_are_checked():
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            agi.kardashev_level(bad)
    with pytest.raises(ValueError):
        agi.mean_power_w(-5)
    with pytest.raises(ValueError):
        agi.intercepted_sunlight_w(radius_m=0)
    with pytest.raises(ValueError):
        agi.power_share(1.0, 0.0)


# -- The S-curve -------------------------------------------------------------

@pytest.mark.parametrize("start, target, rate", [(1e-3, 0.1, math.log(2)), (1e-4, 0.9, 0.35), (0.05, 0.5, 1.1)])
def test_years_to_share_matches_the_closed_form_and_the_curve(start, target, rate):
    closed = math.log(target * (1 - start) / (start * (1 - target))) / rate
    years = agi.years_to_share(target, start, rate)
    assert years == pytest.approx(closed, rel=1e-12)
    # the logistic curve reaches the target exactly then
    assert agi.logistic_share(years, start, rate) == pytest.approx(target, rel=1e-9)
    assert agi.logistic_share(0.0, start, rate) == pytest.approx(start)


def test_default_s_curve_years():
    # s0 = 0.1%, share doubling each year while small (r = ln 2): 10% after 6.8 years, 90% after 13.1
    rate = agi.rate_from_growth_factor(agi.SHARE_GROWTH_PER_YR_ASSUMED)
    assert rate == pytest.approx(math.log(2))
    assert agi.years_to_share(agi.AGI_SHARE, agi.START_SHARE_ASSUMED, rate) == pytest.approx(6.79, abs=0.01)
    assert agi.years_to_share(agi.ASI_SHARE, agi.START_SHARE_ASSUMED, rate) == pytest.approx(13.13, abs=0.01)


def test_ten_to_ninety_percent_does_not_depend_on_the_start():
    for rate in (0.3, 0.7, 1.5):
        assert agi.years_between_shares(0.1, 0.9, rate) == pytest.approx(2 * math.log(9) / rate)
        gap = agi.years_to_share(0.9, 1e-4, rate) - agi.years_to_share(0.1, 1e-4, rate)
        assert gap == pytest.approx(2 * math.log(9) / rate)


def test_logistic_shape_and_growth_while_small():
    t = np.linspace(0, 40, 81)
    s = agi.logistic_share(t, 1e-3, 0.7)
    assert np.all(np.diff(s) > 0) and s[-1] < 1 and s[0] > 0
    # while small the share grows by ~e^r a year; near the top it stalls
    assert agi.share_growth_factor(1e-4, 0.7) == pytest.approx(math.exp(0.7), rel=1e-3)
    assert agi.share_growth_factor(0.99, 0.7) == pytest.approx(1.0, abs=0.01)
    # a target below the start lies in the past
    assert agi.years_to_share(0.01, 0.1, 0.5) < 0


def test_sensitivity_moves_one_input_at_a_time():
    result = agi.sensitivity_years(0.1, 1e-3, 0.7, (1e-4, 1e-2), (0.35, 1.1))
    assert result["base"] == pytest.approx(agi.years_to_share(0.1, 1e-3, 0.7))
    # a smaller start or a slower rate means more years
    assert result["start_share"][0] > result["base"] > result["start_share"][1]
    assert result["rate_per_yr"][0] > result["base"] > result["rate_per_yr"][1]
    # halving the rate doubles the years
    halved = agi.sensitivity_years(0.1, 1e-3, 0.7, (1e-3, 1e-3), (0.35, 0.7))["rate_per_yr"][0]
    assert halved == pytest.approx(2 * result["base"])
    with pytest.raises(ValueError):
        agi.sensitivity_years(0.1, 1e-3, 0.7, (1e-2, 1e-4), (0.35, 1.1))


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_shares_must_lie_strictly_between_0_and_1(bad):
    with pytest.raises(ValueError):
        agi.years_to_share(bad, 1e-3, 0.7)
    with pytest.raises(ValueError):
        agi.logistic_share(1.0, bad, 0.7)


def test_rates_must_be_positive():
    for bad in (0.0, -0.5, float("inf")):
        with pytest.raises(ValueError):
            agi.years_to_share(0.1, 1e-3, bad)
    with pytest.raises(ValueError):
        agi.rate_from_growth_factor(1.0)
    with pytest.raises(ValueError):
        agi.rate_from_growth_factor(0.5)


# -- Bandwidth -----------------------------------------------------------------

def test_typing_at_120_wpm_is_about_10_bit_per_s():
    # Zheng & Meister 2024: 120 words a minute at ~1 bit per character (~5 bits a word) is ~10 bit/s
    assert agi.typing_bit_per_s(120, 5) == pytest.approx(10.0)


def test_daily_averages():
    # 10 bit/s for 2.4 hours = 86,400 bits = 1 bit/s over the day
    assert agi.daily_average_bit_per_s(10, 2.4) == pytest.approx(1.0)
    assert agi.active_hours_for_average(1.0, 10.0) == pytest.approx(2.4)
    assert agi.daily_average_bit_per_s(39, 24) == pytest.approx(39)
    # 86,400 s in a day (claim 003-seconds-per-day-86400)
    assert units.SECONDS_PER_DAY == 86_400
    with pytest.raises(ValueError):
        agi.daily_average_bit_per_s(10, 25)
    with pytest.raises(ValueError):
        agi.daily_average_bit_per_s(-1, 2)
    with pytest.raises(ValueError):
        agi.active_hours_for_average(1.0, 0.0)


# -- Human share of "intelligence" on a compute measure ------------------------

def test_ai_must_reach_99_times_human_compute_for_a_1_percent_human_share():
    assert agi.ai_multiple_for_human_share(0.01) == pytest.approx(99.0)
    assert agi.ai_multiple_for_human_share(0.5) == pytest.approx(1.0)
    human = agi.human_compute_flop_per_s(agi.WORLD_POPULATION_2024, agi.BRAIN_FLOP_PER_S_CENTRAL)
    assert human == pytest.approx(8.2e24)
    assert agi.human_share(human, 99 * human) == pytest.approx(0.01)
    assert agi.human_share(human, 0.0) == 1.0


def test_todays_ai_compute_is_a_small_share_on_carlsmiths_central_estimate():
    # Epoch AI: ~13.7M H100-equivalents shipped by Nvidia 2022-2025, at 989 TFLOP/s (BF16 dense)
    ai = 13.7e6 * hardware.peak_flop_per_s("H100", "bf16_dense")
    human = agi.human_compute_flop_per_s(8.2e9, 1e15)
    assert 1 - agi.human_share(human, ai) == pytest.approx(0.0016, abs=0.0002)


def test_years_to_multiple():
    assert agi.years_to_multiple(8.0, 2.0) == pytest.approx(3.0)
    assert agi.years_to_multiple(1.0, 3.0) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        agi.years_to_multiple(10.0, 1.0)
    with pytest.raises(ValueError):
        agi.years_to_multiple(-1.0, 2.0)
    # one home for growth arithmetic: lesson 06's trends
    assert agi.years_to_multiple is trends.years_to_multiple


# -- Definitions -----------------------------------------------------------------

def test_every_definition_is_complete_and_its_default_is_an_option():
    assert len(agi.DEFINITIONS) >= 8
    for key, definition in agi.DEFINITIONS.items():
        assert definition.key == key
        assert definition.proposed_by and definition.quantity and definition.settled_by and definition.today_note
        assert definition.gap_kind in ("ratio", "points", "levels")
        assert definition.default_threshold in [value for _, value in definition.thresholds]
        row = agi.measurable_row(key)
        assert set(row) >= {"measurable quantity", "today", "threshold", "gap", "settled by"}


def test_gaps_against_published_values():
    # Nadella's 10% a year against 3.3% (IMF, 2024): 6.7 points to go
    assert agi.measurable_row("growth", 10.0)["gap_value"] == pytest.approx(6.7)
    # Gemini 3 Pro's 91.9% on GPQA Diamond (Nov 2025) passed OpenAI's 69.7% expert baseline
    row = agi.measurable_row("gpqa", 69.7)
    assert row["gap_value"] == pytest.approx(-22.2) and row["gap"].startswith("passed")
    # the stated "today" is dated and sourced
    assert "18 Nov 2025" in agi.DEFINITIONS["gpqa"].today_note
    # GPT-4's 1410 on the SAT (710 + 700) passed the 2024 mean of 1024 but not a perfect 1600
    assert agi.measurable_row("sat", 1024.0)["gap"].startswith("passed")
    assert agi.measurable_row("sat", 1600.0)["gap_value"] == pytest.approx(190.0)
    # every SAT threshold names its source or meaning (no bare, unsourced cut-off)
    assert all("(" in label for label, _ in agi.DEFINITIONS["sat"].thresholds)
    # Morris et al.: Emerging (1) -> Competent (2) is one level
    assert agi.measurable_row("levels", 2.0)["gap"] == "1 level to go"
    # Morris et al. rate 2023 chatbots "Emerging AGI": level 1 of performance, general (not "Emerging in generality")
    note = agi.DEFINITIONS["superhuman"].today_note
    assert "'Emerging AGI'" in note and "level 1" in note and "in generality" not in note


def test_unmeasured_definitions_say_so_unless_an_assumption_is_given():
    row = agi.measurable_row("gdp_share", 10.0)
    assert row["gap_value"] is None and "unknown" in row["gap"] and row["today"] == "not measured"
    assumed = agi.measurable_row("gdp_share", 10.0, assumed_today=0.1)
    assert assumed["gap_value"] == pytest.approx(100.0)
    assert "assum" in assumed["gap"] and "assumed" in assumed["today"]


def test_measurable_gap_and_bad_keys():
    assert agi.measurable_gap(2.0, 10.0, "ratio") == pytest.approx(5.0)
    assert agi.measurable_gap(None, 10.0, "points") is None
    with pytest.raises(ValueError):
        agi.measurable_gap(1.0, 2.0, "percent")
    with pytest.raises(ValueError):
        agi.measurable_gap(0.0, 2.0, "ratio")
    with pytest.raises(KeyError):
        agi.measurable_row("turing-test")
