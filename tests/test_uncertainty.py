import numpy as np
import pytest

from scalecheck.models import cluster, datawall, training
from scalecheck.core import uncertainty


def test_one_implementation_shared_by_every_lesson():
    for module in (cluster, datawall, training):
        assert module.interval_90 is uncertainty.interval_90
        assert module.lognormal_from_range is uncertainty.lognormal_from_range


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
    assert uncertainty.positive_array([1, 2]).dtype == float
    for bad in (0, -1, np.inf, np.nan, [1, 0]):
        with pytest.raises(ValueError, match="flop"):
            uncertainty.positive_array(bad, "flop")
