import numpy as np
import pytest

from scalecheck.core import arrays, uncertainty
from scalecheck.models import cluster, datawall, training


def test_the_models_no_longer_re_export_the_monte_carlo_helpers():
    """One home: lessons, solutions and the capstone call core.uncertainty; the models do not re-export it."""
    for module in (cluster, datawall, training):
        assert not hasattr(module, "interval_90") and not hasattr(module, "standard_normal_draws")
    assert not hasattr(cluster, "lognormal_from_range")


def test_interval_allows_infinity_but_not_nan():
    low, median, high = uncertainty.interval_90([1.0, 2.0, 3.0, np.inf])
    assert low < median < high == np.inf
    with pytest.raises(ValueError):
        uncertainty.interval_90([1.0, np.nan])
    with pytest.raises(ValueError):
        uncertainty.interval_90([1.0, 2.0], level=1.5)


def test_lognormal_ranges_elementwise_and_exact_when_fixed():
    z = uncertainty.standard_normal_draws(1, 5, seed=0)[0]
    assert np.all(uncertainty.lognormal_from_range(z, 7.0, 7.0) == 7.0)
    out = uncertainty.lognormal_from_range(0.0, np.array([1.0, 4.0]), np.array([4.0, 16.0]))
    assert np.allclose(out, [2.0, 8.0])
    for bad in ((0.0, 1.0), (2.0, 1.0), (np.nan, 1.0)):
        with pytest.raises(ValueError):
            uncertainty.lognormal_from_range(z, *bad)


def test_positive_array():
    assert arrays.positive_array([1, 2]).dtype == float
    for bad in (0, -1, np.inf, np.nan, [1, 0], "many"):
        with pytest.raises(ValueError, match="flop"):
            arrays.positive_array(bad, "flop")


def test_non_negative_and_finite_arrays_name_the_argument():
    assert arrays.non_negative_array([0, 2.5]).tolist() == [0.0, 2.5]
    assert arrays.finite_array(-3).item() == -3.0
    for bad in (-1, np.inf, np.nan, [0, -0.1]):
        with pytest.raises(ValueError, match="days"):
            arrays.non_negative_array(bad, "days")
    for bad in (np.inf, -np.inf, np.nan, "x"):
        with pytest.raises(ValueError, match="level"):
            arrays.finite_array(bad, "level")


def test_float_or_array_keeps_shape_and_unwraps_scalars():
    assert type(arrays.float_or_array(np.float64(2.5))) is float
    assert type(arrays.float_or_array(np.asarray(3))) is float
    out = arrays.float_or_array([1.0, 2.0])
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert arrays.float_or_array(np.ones((2, 1))).shape == (2, 1)


def test_model_results_follow_the_one_rule():
    """Scalar in, float out; array in, array out, in every topic model that uses the rule."""
    from scalecheck.models import agi, cluster, datawall, scaling, synthetic, trends

    assert type(trends.doubling_time_yr(2.0)) is float
    assert type(agi.kardashev_level(1e16)) is float
    assert type(datawall.compute_optimal_tokens(5.76e23)) is float
    assert type(scaling.power_law(2.0, 1.0, 0.5)) is float
    assert type(synthetic.expected_variance_replace(10, 3)) is float
    assert type(cluster.supply_gap_w(5.0, 2.0)) is float
    assert trends.doubling_time_yr(np.array([2.0, 4.0])).shape == (2,)
    assert datawall.compute_optimal_tokens(np.array([5.76e23, 1e24])).shape == (2,)
