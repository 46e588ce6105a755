"""Package functions of lesson 06 (scalecheck.models.trends) against published figures."""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecheck.core import uncertainty
from scalecheck.models import trends

# ---------------------------------------------------------------------------
# Growth arithmetic

def test_million_fold_per_decade_is_about_four_per_year():
    # source 002, line 11: 1e6 in ten years = 10**0.6 per year
    assert trends.growth_factor_per_yr(1e6, 10) == pytest.approx(10 ** 0.6)
    assert trends.growth_factor_per_yr(1e6, 10) == pytest.approx(3.98, abs=0.005)
    assert trends.total_factor(10 ** 0.6, 10) == pytest.approx(1e6)


def test_epoch_doubling_times():
    # Epoch data insight: 4.6x/yr since 2010 is a doubling every ~5 months
    assert 12 * trends.doubling_time_yr(4.6) == pytest.approx(5.45, abs=0.01)
    # Hobbhahn & Besiroglu 2022: FLOP/s per $ of ML GPUs doubles every 2.07 years -> ~1.40x/yr
    assert trends.growth_factor_from_doubling_time(2.07) == pytest.approx(1.398, abs=0.002)
    # Epoch hardware hub: FP16 +28-29%/yr -> doubling every ~2.7-2.8 years
    assert trends.doubling_time_yr(1.285) == pytest.approx(2.76, abs=0.03)
    # Ho et al. 2024: compute needed halves every ~8 months -> effective compute x2.83/yr
    assert trends.growth_factor_from_doubling_time(8 / 12) == pytest.approx(2 ** 1.5)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1.001, max_value=1e3, allow_nan=False))
def test_doubling_time_round_trip(growth):
    assert trends.growth_factor_from_doubling_time(trends.doubling_time_yr(growth)) == pytest.approx(growth, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1.0001, max_value=1e12), st.floats(min_value=0.1, max_value=100))
def test_total_and_yearly_factor_round_trip(total, years):
    yearly = trends.growth_factor_per_yr(total, years)
    assert trends.total_factor(yearly, years) == pytest.approx(total, rel=1e-9)


def test_years_to_multiple_inverts_total_factor():
    assert trends.years_to_multiple(8.0, 2.0) == pytest.approx(3.0)
    assert trends.years_to_multiple(0.5, 2.0) == pytest.approx(-1.0)   # shrinking back: in the past
    assert trends.total_factor(3.0, trends.years_to_multiple(99.0, 3.0)) == pytest.approx(99.0)
    assert trends.doubling_time_yr(3.0) == trends.years_to_multiple(2.0, 3.0)
    for bad in ((10.0, 1.0), (10.0, 0.5), (0.0, 2.0), (np.nan, 2.0)):
        with pytest.raises(ValueError):
            trends.years_to_multiple(*bad)


def test_growth_arithmetic_works_on_arrays():
    out = trends.doubling_time_yr(np.array([2.0, 4.0]))
    assert np.allclose(out, [1.0, 0.5])
    assert np.allclose(trends.projection(1e25, 4.0, np.array([0, 1, 2])), [1e25, 4e25, 1.6e26])


def test_combined_growth_decomposition():
    # Cottier et al. 2024 spend 2.4x/yr x price-performance 1.3-1.4x/yr = 3.1-3.4x/yr
    assert trends.combined_growth_factor(2.4, 1.3) == pytest.approx(3.12)
    assert trends.combined_growth_factor(2.4, 1.4) == pytest.approx(3.36)
    assert trends.combined_growth_factor(3.0) == 3.0


def test_growth_arithmetic_rejects_bad_input():
    with pytest.raises(ValueError):
        trends.doubling_time_yr(1.0)          # no growth: never doubles
    with pytest.raises(ValueError):
        trends.doubling_time_yr(0.5)          # shrinking
    with pytest.raises(ValueError):
        trends.growth_factor_per_yr(-1e6, 10)
    with pytest.raises(ValueError):
        trends.growth_factor_per_yr(1e6, 0)
    with pytest.raises(ValueError):
        trends.growth_factor_from_doubling_time(0)
    with pytest.raises(ValueError):
        trends.combined_growth_factor()
    with pytest.raises(ValueError):
        trends.combined_growth_factor(2.0, float("nan"))
    with pytest.raises(ValueError):
        trends.projection(1e25, 4.0, [0, float("inf")])


# ---------------------------------------------------------------------------
# Trend fitting

def test_fit_recovers_a_known_growth_rate_from_synthetic_data():
    rng = np.random.default_rng(6)
    years = np.sort(rng.uniform(2010, 2025, 300))
    true_growth = 4.2
    log10_flop = 17 + np.log10(true_growth) * (years - 2010) + rng.normal(0, 0.5, years.size)
    fit = trends.fit_log_trend(years, 10 ** log10_flop)
    assert fit.growth_factor_per_yr == pytest.approx(true_growth, rel=0.05)
    low, median, high = uncertainty.interval_90(
        trends.bootstrap_growth_factors(years, 10 ** log10_flop, n_boot=1000, seed=1))
    assert low < true_growth < high
    assert low < fit.growth_factor_per_yr < high
    assert fit.n_points == 300 and fit.first_year >= 2010 and fit.last_year <= 2025


def test_fit_is_exact_on_noise_free_data_and_predicts():
    years = np.array([2015.0, 2016.0, 2018.0, 2021.5])
    values = 1e20 * 3.0 ** (years - 2015)
    fit = trends.fit_log_trend(years, values)
    assert fit.growth_factor_per_yr == pytest.approx(3.0)
    assert fit.value_at(2015.0) == pytest.approx(1e20)
    assert fit.value_at(2020.0) == pytest.approx(1e20 * 3.0 ** 5)
    assert fit.doubling_time_yr == pytest.approx(math.log(2) / math.log(3))
    assert np.allclose(fit.log10_at(np.array([2015.0, 2016.0])), [20, 20 + math.log10(3)])


def test_bootstrap_is_seeded_and_vectorised():
    years = np.linspace(2010, 2024, 40)
    values = 10 ** (18 + 0.6 * (years - 2010) + np.sin(years * 7))
    a = trends.bootstrap_growth_factors(years, values, n_boot=500, seed=3)
    b = trends.bootstrap_growth_factors(years, values, n_boot=500, seed=3)
    c = trends.bootstrap_growth_factors(years, values, n_boot=500, seed=4)
    assert a.shape == (500,) and np.array_equal(a, b) and not np.array_equal(a, c)


def test_fit_rejects_bad_input():
    with pytest.raises(ValueError):
        trends.fit_log_trend([2020, 2021], [1e20, 1e21])        # too few points
    with pytest.raises(ValueError):
        trends.fit_log_trend([2020, 2020, 2020], [1, 2, 3])     # no spread in time
    with pytest.raises(ValueError):
        trends.fit_log_trend([2020, 2021, 2022], [1, 0, 3])     # log of zero
    with pytest.raises(ValueError):
        trends.fit_log_trend([2020, 2021, 2022], [1, 2])        # lengths differ
    with pytest.raises(ValueError):
        trends.bootstrap_growth_factors([2020, 2021, 2022], [1, 2, 3], n_boot=0)


def test_decimal_year():
    out = trends.decimal_year(["2024-01-01", "2024-07-02", "2023-12-31"])
    assert out[0] == 2024.0
    assert out[1] == pytest.approx(2024 + 183 / 366)
    assert out[2] == pytest.approx(2023 + 364 / 365)


def test_running_rank_ignores_row_order_and_same_day_models():
    years = np.array([2010.0, 2011.0, 2011.0, 2012.0, 2013.0])
    flop = np.array([5.0, 3.0, 9.0, 4.0, 10.0])
    ranks = trends.running_compute_rank(years, flop)
    # 2011 models do not count against each other; 4.0 in 2012 is behind 5 and 9
    assert list(ranks) == [1, 2, 1, 3, 1]
    order = np.array([4, 2, 0, 3, 1])
    assert list(trends.running_compute_rank(years[order], flop[order])) == list(ranks[order])
    with pytest.raises(ValueError):
        trends.running_compute_rank(years, flop[:3])


def test_model_table_from_a_small_epoch_like_frame():
    frame = pd.DataFrame({
        "Model": ["A", "B", "C", "D"],
        "Publication date": ["2012-01-01", "2013-06-01", "bad date", "2014-01-01"],
        "Training compute (FLOP)": [1e18, 2e17, 1e19, None],
        "Compute rank when published": [None, 2, None, None],
        "Notability criteria": ["Highly cited", None, "SOTA", "SOTA"],
        "Training compute cost (2023 USD)": ["$1,000.50", None, "$5", "$7"],
    })
    table = trends.model_compute_table(frame)
    assert list(table["model"]) == ["A", "B"]                 # bad date and missing compute dropped
    assert list(table["running_rank"]) == [1, 2]
    assert list(table["notable"]) == [True, False]
    assert table["cost_usd_2023"].iloc[0] == pytest.approx(1000.5)
    assert math.isnan(table["cost_usd_2023"].iloc[1])
    with pytest.raises(ValueError):
        trends.model_compute_table(frame.drop(columns=["Training compute (FLOP)"]))


def test_epoch_table_reproduces_published_figures():
    table = trends.epoch_models()
    by_name = table.set_index("model")
    # FACTS / Epoch DB: GPT-4 2.1e25, Llama 3.1-405B 3.8e25, Grok-3 4.64e26 FLOP
    assert by_name.loc["GPT-4", "compute_flop"] == pytest.approx(2.1e25)
    assert by_name.loc["Llama 3.1-405B", "compute_flop"] == pytest.approx(3.8e25)
    assert by_name.loc["Grok-3", "compute_flop"] == pytest.approx(4.64e26)
    assert by_name.loc["Grok-3", "running_rank"] == 1
    # Cottier et al. 2024: GPT-4 ~$40M (2023 USD, amortised)
    assert by_name.loc["GPT-4", "cost_usd_2023"] == pytest.approx(40e6, rel=0.05)
    frontier = table[(table["running_rank"] <= 5) & (table["year"] >= 2010)]
    fit = trends.fit_log_trend(frontier["year"], frontier["compute_flop"])
    # Sevilla & Roldan 2024: frontier training compute grows 4-5x per year since 2010
    assert 3.5 < fit.growth_factor_per_yr < 5.5


# ---------------------------------------------------------------------------
# Money and power

def test_the_150b_cluster_arithmetic():
    # source 002, line 22: 3M chips x $50k = $150B; at Epoch's ~$80k all-in per Blackwell GPU, $240B
    assert trends.cluster_capex_usd(3e6, 50e3) == pytest.approx(150e9)
    assert trends.cluster_capex_usd(3e6, 80e3) == pytest.approx(240e9)


def test_capital_recovery():
    assert trends.capital_recovery_factor(0.0, 5) == pytest.approx(0.2)
    # standard annuity table: 10% over 5 years -> 0.26380
    assert trends.capital_recovery_factor(0.10, 5) == pytest.approx(0.263797, rel=1e-5)
    out = trends.capital_recovery_factor(np.array([0.0, 0.10]), np.array([4.0, 5.0]))
    assert np.allclose(out, [0.25, 0.263797], rtol=1e-5)
    assert trends.annualised_capex_usd_per_yr(150e9, 5) == pytest.approx(30e9)
    with pytest.raises(ValueError):
        trends.capital_recovery_factor(-0.05, 5)
    with pytest.raises(ValueError):
        trends.capital_recovery_factor(0.05, 0)


def test_energy_part_matches_semianalysis():
    # SemiAnalysis (2024): a 100k-H100 cluster at ~181 MW average uses 1.59 TWh/yr, $123.9M at $0.078/kWh
    power = trends.cluster_power_w(100_000, 1.81e3)
    energy = trends.required_revenue_breakdown(0.0, 5, 0.0, power, 0.078)["energy"]
    assert energy == pytest.approx(123.9e6, rel=0.01)
    half = trends.required_revenue_breakdown(0.0, 5, 0.0, power, 0.078, load_fraction=0.5)["energy"]
    assert half == pytest.approx(61.9e6, rel=0.01)
    with pytest.raises(ValueError):
        trends.required_revenue_breakdown(0.0, 5, 0.0, power, 0.078, load_fraction=1.2)
    with pytest.raises(ValueError):
        trends.cluster_power_w(-1, 1e3)


def test_required_revenue_adds_its_parts():
    parts = trends.required_revenue_breakdown(150e9, 5, 0.0, 5.1e9, 0.078, 0.01)
    assert parts["capital"] == pytest.approx(30e9)
    assert parts["energy"] == pytest.approx(5.1e6 * 8766 * 0.078, rel=1e-3)   # 5.1 GW for a year
    assert parts["other_opex"] == pytest.approx(1.5e9)
    total = trends.required_revenue_usd_per_yr(150e9, 5, 0.0, 5.1e9, 0.078, 0.01)
    assert total == pytest.approx(sum(parts.values()))
    # arrays in, arrays out (Monte Carlo)
    many = trends.required_revenue_usd_per_yr(np.array([150e9, 240e9]), np.array([5, 4]), 0.08, 5.1e9, 0.078)
    assert many.shape == (2,) and many[1] > many[0]


def test_building_is_spread_over_its_own_life():
    # Epoch's Colossus estimates: construction is about a third of the capital cost
    data_share = trends.facility_share_of_capex(1.5e9, 4.7e9)
    assert data_share == pytest.approx(0.319, abs=0.001)
    split = trends.required_revenue_breakdown(150e9, 5, 0.0, 0.0, 0.078, facility_share=0.3)
    # straight line: 70% over 5 years plus 30% over 14 years
    assert split["capital"] == pytest.approx(0.7 * 150e9 / 5 + 0.3 * 150e9 / 14)
    all_over_five = trends.required_revenue_breakdown(150e9, 5, 0.075, 0.0, 0.078)["capital"]
    with_building = trends.required_revenue_breakdown(150e9, 5, 0.075, 0.0, 0.078, facility_share=0.3)["capital"]
    assert with_building < all_over_five  # a longer life for the building lowers the yearly bill
    no_building = trends.required_revenue_usd_per_yr(150e9, 5, 0.075, 0.0, 0.078, facility_share=0.0)
    assert no_building == pytest.approx(all_over_five)
    # a facility that lasts as long as the chips changes nothing
    assert trends.required_revenue_breakdown(150e9, 5, 0.075, 0.0, 0.078, facility_share=0.3,
                                             facility_life_yr=5)["capital"] == pytest.approx(all_over_five)
    many = trends.required_revenue_usd_per_yr(np.array([150e9, 240e9]), 5, 0.08, 5.1e9, 0.078, 0.008,
                                              facility_share=np.array([0.3, 0.35]))
    assert many.shape == (2,)
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError):
            trends.required_revenue_breakdown(150e9, 5, 0.0, 0.0, 0.078, facility_share=bad)
    with pytest.raises(ValueError):
        trends.facility_share_of_capex(5e9, 4.7e9)


def test_revenue_claims_against_world_gdp():
    # source 002, lines 84 and 86; IMF WEO Oct 2025: world GDP ~$117T in 2025
    chips = trends.fleet_value_usd_per_yr(1e9, 5e3)
    robots = trends.fleet_value_usd_per_yr(1e10, 2e4)
    assert chips == pytest.approx(5e12) and robots == pytest.approx(2e14)
    assert trends.share_of_gdp(chips, 117e12) == pytest.approx(0.0427, abs=0.001)
    assert trends.share_of_gdp(robots, 117e12) == pytest.approx(1.71, abs=0.01)
    with pytest.raises(ValueError):
        trends.share_of_gdp(1e12, 0)


def test_monte_carlo_of_the_cluster_bill_is_vectorised_and_seeded():
    z = uncertainty.standard_normal_draws(2, 20_000, seed=6)
    usd_per_chip = uncertainty.lognormal_from_range(z[0], 50e3, 80e3)
    life = uncertainty.lognormal_from_range(z[1], 4.0, 5.0)
    bill = trends.required_revenue_usd_per_yr(trends.cluster_capex_usd(3e6, usd_per_chip), life, 0.0, 0.0, 0.078)
    low, median, high = uncertainty.interval_90(bill)
    # capital only, no return: 3e6 x sqrt(50k x 80k) / sqrt(4 x 5) ~ $42.4B at the median
    assert median == pytest.approx(3e6 * math.sqrt(50e3 * 80e3) / math.sqrt(20), rel=0.02)
    assert 3e6 * 50e3 / 5 < high and low < 3e6 * 80e3 / 4


def test_nvidia_shipments_match_epoch():
    # Epoch ai-chip-counts (FACTS 5): Q1 2022 - Q4 2025, ~10.5M units, ~13.7M H100e, ~8.6 GW (medians)
    assert trends.nvidia_shipped_by("2025-12-31") == pytest.approx(10.5e6, rel=0.01)
    assert trends.nvidia_shipped_by("2025-12-31", "h100e_p50") == pytest.approx(13.7e6, rel=0.01)
    assert trends.nvidia_shipped_by("2025-12-31", "power_mw_p50") == pytest.approx(8.6e3, rel=0.01)
    assert 1e9 / trends.nvidia_shipped_by("2025-12-31") == pytest.approx(95, abs=1)
    with pytest.raises(KeyError):
        trends.nvidia_shipped_by("2025-11-30")
    with pytest.raises(KeyError):
        trends.nvidia_shipped_by("2025-12-31", "units")


def test_format_usd():
    assert trends.format_usd(150e9) == "$150B"
    assert trends.format_usd(42.84e9) == "$42.8B"
    assert trends.format_usd(5e12) == "$5T"
    assert trends.format_usd(47_400) == "$47.4k"
    assert trends.format_usd(999.96e9) == "$1T"      # rounds up into the next unit
    assert trends.format_usd(12.5) == "$12.5"
    assert trends.format_usd(-3e6) == "-$3M"
    with pytest.raises(ValueError):
        trends.format_usd(float("nan"))
