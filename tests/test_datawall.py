"""Package functions of lesson 07 (the data wall) against published figures and exact cases."""
import math

import numpy as np
import pytest

from scalecheck.core import data, uncertainty
from scalecheck.models import datawall as dw


def test_chinchilla_compute_optimal_split():
    # Hoffmann et al. 2022: Chinchilla, 5.76e23 FLOP, 70B parameters on 1.4T tokens (20 tokens/param)
    assert dw.compute_optimal_params(5.76e23) == pytest.approx(70e9, rel=0.02)
    assert dw.compute_optimal_tokens(5.76e23) == pytest.approx(1.4e12, rel=0.02)
    # C = 6 N D holds for the split, at any ratio
    for ratio in (5.0, 20.0, 200.0):
        n, d = dw.compute_optimal_params(1e25, ratio), dw.compute_optimal_tokens(1e25, ratio)
        assert 6 * n * d == pytest.approx(1e25)
        assert d / n == pytest.approx(ratio)


def test_tokens_per_param_has_one_home_in_scaling():
    from scalecheck.models import scaling

    # lesson 04 defines the ratio from Chinchilla itself (1.4T tokens / 70B parameters)
    assert dw.CHINCHILLA_TOKENS_PER_PARAM is scaling.CHINCHILLA_TOKENS_PER_PARAM
    assert scaling.CHINCHILLA_TOKENS_PER_PARAM == 20.0


def test_llama3_405b_is_close_to_compute_optimal():
    # Llama 3.1-405B: 3.8e25 FLOP on 15.6T tokens (arXiv:2407.21783). At 20 tokens/param the
    # compute-optimal D is ~11T, so the run used ~1.4x the tokens: over-training factor ~2
    optimal = dw.compute_optimal_tokens(3.8e25)
    assert optimal == pytest.approx(11.25e12, rel=0.01)
    assert (15.6e12 / optimal) ** 2 == pytest.approx(1.92, abs=0.02)


def test_overtraining_factor_is_tokens_per_param_over_20():
    # LLaMA-7B: 6.7B parameters on 1T tokens (Touvron et al. 2023): 149 tokens/param, k ~ 7.5
    assert dw.overtraining_factor(1e12, 6.7e9) == pytest.approx(7.46, abs=0.01)
    # the compute route agrees only when C = 6 N D exactly
    n, d = 6.7e9, 1e12
    assert (d / dw.compute_optimal_tokens(6 * n * d)) ** 2 == pytest.approx(dw.overtraining_factor(d, n))
    # Epoch's 2.78e22 FLOP for LLaMA-7B is below 6ND, so the compute route overstates k (~11)
    assert (d / dw.compute_optimal_tokens(2.78e22)) ** 2 == pytest.approx(10.8, abs=0.1)
    assert np.allclose(dw.overtraining_factor(np.array([1.4e12, 15e12]), np.array([70e9, 8e9])), [1.0, 93.75])
    for bad in (0, -1, float("nan"), "x"):
        with pytest.raises((ValueError, TypeError)):
            dw.overtraining_factor(bad, 7e9)
        with pytest.raises((ValueError, TypeError)):
            dw.overtraining_factor(1e12, bad)


def test_overtraining_multiplies_the_ratio():
    assert dw.compute_optimal_tokens(1e26, 20, overtraining=4) == pytest.approx(2 * dw.compute_optimal_tokens(1e26, 20))


def test_frontier_flop_grows_exponentially():
    assert dw.frontier_flop(2025.0) == pytest.approx(dw.START_FLOP)
    assert dw.frontier_flop(2027.0, 1e26, 2025.0, 4.0) == pytest.approx(16e26)
    years = np.array([2025.0, 2026.0, 2027.0])
    assert np.allclose(dw.frontier_flop(years, 1e26, 2025.0, 5.0), [1e26, 5e26, 25e26])
    # tokens needed grow as the square root of compute
    ratio = dw.tokens_needed(2026.0, growth_per_yr=4.0) / dw.tokens_needed(2025.0, growth_per_yr=4.0)
    assert ratio == pytest.approx(2.0)


def test_crossing_year_of_a_known_exponential_is_exact():
    # C0 = 3e26 and r = 20 give D0 = sqrt(1e27); with 4x/yr compute the need doubles each year
    d0 = math.sqrt(1e27)
    assert dw.crossing_year(8 * d0, 3e26, 2025.0, 4.0, 20.0) == pytest.approx(2028.0, abs=1e-9)
    assert dw.crossing_year(d0, 3e26, 2025.0, 4.0, 20.0) == pytest.approx(2025.0, abs=1e-9)
    # a stock smaller than today's need was crossed in the past
    assert dw.crossing_year(d0 / 2, 3e26, 2025.0, 4.0, 20.0) == pytest.approx(2024.0, abs=1e-9)
    # the tokens needed in the crossing year equal the stock
    year = dw.crossing_year(300e12)
    assert dw.tokens_needed(year) == pytest.approx(300e12, rel=1e-9)


def test_crossing_year_with_stock_growth_and_no_wall():
    d0 = math.sqrt(1e27)
    # need grows 4x/yr (x2 in tokens), stock 1.25x/yr: the gap closes at 1.6x a year
    year = dw.crossing_year(1.6 ** 3 * d0, 3e26, 2025.0, 4.0, 20.0, stock_growth_per_yr=1.25)
    assert year == pytest.approx(2028.0)
    # a stock that grows as fast as the need is never reached
    assert dw.crossing_year(2 * d0, 3e26, 2025.0, 4.0, 20.0, stock_growth_per_yr=2.0) == math.inf


def test_default_crossing_matches_villalobos_roughly():
    # Villalobos et al. 2024: 300T tokens used up around 2028 (median), ~2027 at 5x over-training,
    # as early as ~2025 at 100x. Our simple model from Grok-3's compute at 4.5x/yr:
    assert dw.crossing_year(300e12) == pytest.approx(2027.7, abs=0.1)
    assert dw.crossing_year(300e12, overtraining=5) == pytest.approx(2026.6, abs=0.1)
    assert dw.crossing_year(300e12, overtraining=100) == pytest.approx(2024.6, abs=0.1)


def test_muennighoff_repeated_data():
    # Muennighoff et al. 2023: 4 epochs are nearly as good as 4x fresh data; returns fade by ~16
    assert dw.effective_data_multiplier(1) == 1.0
    assert dw.effective_data_multiplier(4) == pytest.approx(3.73, abs=0.01)
    assert dw.effective_data_multiplier(4) / 4 > 0.9
    assert dw.effective_data_multiplier(1000) <= 1 + dw.R_STAR_DATA
    assert np.all(np.diff(dw.effective_data_multiplier(np.arange(1, 50))) > 0)
    with pytest.raises(ValueError):
        dw.effective_data_multiplier(0.5)


def test_years_bought():
    # at 4x/yr compute the need doubles yearly: doubling the stock buys exactly one year
    assert dw.years_bought(2.0, 4.0) == pytest.approx(1.0)
    assert dw.years_bought(0.5, 4.0) == pytest.approx(-1.0)
    # consistent with crossing_year
    shift = dw.crossing_year(300e12 * 11) - dw.crossing_year(300e12)
    assert dw.years_bought(11) == pytest.approx(shift)
    shift_overtrained = dw.crossing_year(300e12, overtraining=5) - dw.crossing_year(300e12)
    assert dw.years_bought(5 ** -0.5) == pytest.approx(shift_overtrained)
    with pytest.raises(ValueError):
        dw.years_bought(2.0, 4.0, stock_growth_per_yr=3.0)


def test_lognormal_interval_and_samples():
    z = uncertainty.standard_normal_draws(3, 200_000, seed=3)
    stock = uncertainty.lognormal_from_range(z[0], 100e12, 1000e12)
    low, median, high = uncertainty.interval_90(stock)
    assert low == pytest.approx(100e12, rel=0.02)
    assert high == pytest.approx(1000e12, rel=0.02)
    assert median == pytest.approx(math.sqrt(1e29), rel=0.02)
    assert np.allclose(uncertainty.lognormal_from_range(z[0][:10], 5.0, 5.0), 5.0, rtol=1e-14)
    with pytest.raises(ValueError):
        uncertainty.lognormal_from_range(z[0], 10.0, 1.0)


def test_monte_carlo_is_seeded_and_centred():
    z = uncertainty.standard_normal_draws(3, 20_000, seed=7)
    years = dw.crossing_year_samples(z)
    again = dw.crossing_year_samples(uncertainty.standard_normal_draws(3, 20_000, seed=7))
    assert np.array_equal(years, again)
    low, median, high = uncertainty.interval_90(years)
    assert low < median < high
    # with every range collapsed to a point, every draw gives the point answer
    point = dw.crossing_year_samples(z, stock_range=(300e12, 300e12), growth_range=(4.5, 4.5),
                                     overtraining_range=(1, 1))
    assert np.allclose(point, dw.crossing_year(300e12))
    # over-training moves the whole distribution earlier
    earlier = dw.crossing_year_samples(z, overtraining_range=(5, 20))
    assert np.median(earlier) < median
    with pytest.raises(ValueError):
        dw.crossing_year_samples(z[:2])


def test_first_crossing_interpolates():
    years = np.array([2020.0, 2021.0, 2022.0])
    assert dw.first_crossing(years, [1.0, 2.0, 3.0], [2.5, 2.5, 2.5]) == pytest.approx(2021.5)
    assert dw.first_crossing(years, [3.0, 3.0, 3.0], [2.0, 2.0, 2.0]) == 2020.0
    assert math.isnan(dw.first_crossing(years, [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]))
    with pytest.raises(ValueError):
        dw.first_crossing(years[::-1], [1.0, 2.0, 3.0], [2.5, 2.5, 2.5])


def test_villalobos_2022_projection_crossings():
    # v1: high-quality language data exhausted around 2024 (medians 2024.1-2024.5, FACTS 6);
    # low-quality language data between 2030 and 2050
    summary = data.load("data_stock_v2022_projections")
    high = dw.projection_crossings(summary, "datasets__language_datasets__2022_2030_0.1",
                                   "stocks__lang__high_quality__2022_2030_0.1")
    assert 2023.5 < high["median"] < 2024.6
    assert high["early"] < high["median"] < high["late"]
    low = dw.projection_crossings(summary, "datasets__language_datasets__1951_2100_1",
                                  "stocks__lang__aggregation__1951_2100_1")
    assert 2029 < low["median"] < 2031
    with pytest.raises(KeyError):
        dw.projection_crossings(summary, "no_such_series", "stocks__lang__aggregation__1951_2100_1")


def test_dataset_sizes_are_words():
    sizes = data.load("data_stock_dataset_sizes").set_index("system")
    # Chinchilla trained on 1.4T tokens; the file gives 1.05e12, i.e. words at 0.75 per token
    assert dw.words_to_tokens(sizes.loc["Chinchilla", "dataset"]) == pytest.approx(1.4e12)
    assert dw.words_to_tokens(sizes.loc["Llama 2-70B", "dataset"]) == pytest.approx(2.0e12)


def test_bad_inputs():
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            dw.compute_optimal_tokens(bad)
        with pytest.raises(ValueError):
            dw.crossing_year(bad)
    with pytest.raises(ValueError):
        dw.compute_optimal_tokens(1e26, tokens_per_param=0)
    with pytest.raises(ValueError):
        dw.frontier_flop(2026, growth_per_yr=-4)
    with pytest.raises(ValueError):
        uncertainty.interval_90([])
    with pytest.raises(ValueError):
        uncertainty.standard_normal_draws(3, 0, seed=1)
    with pytest.raises(ValueError):
        dw.words_to_tokens(100, words_per_token=0)
