"""Package functions of lesson 08 (synthetic data): collapse, verification, pass@k."""
import itertools
import math

import numpy as np
import pytest
from scipy import stats

from scalecheck.core import data
from scalecheck.models import synthetic as sy

# -- Gaussian collapse --------------------------------------------------------

def test_variance_decays_by_n_minus_1_over_n_on_average():
    # E[MLE variance] = (n-1)/n x true variance, compounding over generations
    n, generations, runs = 10, 5, 40_000
    mu, var = sy.simulate_gaussian_collapse(n, generations, runs, "replace", seed=11)
    expected = sy.expected_variance_replace(n, np.arange(generations + 1))
    mean = var.mean(axis=0)
    standard_error = var.std(axis=0, ddof=1) / math.sqrt(runs)
    assert mean[0] == 1.0
    assert np.all(np.abs(mean - expected) <= 4 * standard_error + 1e-12)
    # one step at a time too: var_(g+1) / var_g averages (n-1)/n
    ratios = var[:, 1:] / var[:, :-1]
    assert ratios.mean() == pytest.approx((n - 1) / n, abs=0.005)


def test_simulation_matches_a_direct_loop():
    # the moment trick must equal fitting to actual samples mu + sigma z
    n, generations, runs, seed = 7, 4, 3, 5
    stats_ = sy.standard_sample_stats(n, generations, runs, seed)
    mu, var = sy.gaussian_collapse(stats_, "replace", 2.0, 3.0)
    rng = np.random.default_rng(seed)
    zs = [rng.standard_normal((runs, n)) for _ in range(generations)]
    m, s = np.full(runs, 2.0), np.full(runs, 3.0)
    for g in range(generations):
        x = m[:, None] + s[:, None] * zs[g]
        m, s = x.mean(axis=1), x.std(axis=1)
        assert np.allclose(mu[:, g + 1], m) and np.allclose(var[:, g + 1], s ** 2)
    # accumulate: refit on the real sample plus every synthetic sample so far
    mu_a, var_a = sy.gaussian_collapse(stats_, "accumulate", 2.0, 3.0)
    m, s = np.full(runs, 2.0), np.full(runs, 3.0)
    pool = np.empty((runs, 0))
    for g in range(generations):
        pool = np.concatenate([pool, m[:, None] + s[:, None] * zs[g]], axis=1)
        m, s = pool.mean(axis=1), pool.std(axis=1)
        assert np.allclose(mu_a[:, g + 1], m) and np.allclose(var_a[:, g + 1], s ** 2)


def test_replace_collapses_and_accumulate_stays_bounded():
    n, generations = 20, 200
    _, var_replace = sy.simulate_gaussian_collapse(n, generations, 500, "replace", seed=1)
    _, var_accumulate = sy.simulate_gaussian_collapse(n, generations, 500, "accumulate", seed=1)
    assert np.median(var_replace[:, -1]) < 0.01  # the typical run has collapsed
    assert np.quantile(var_accumulate[:, -1], 0.05) > 0.3  # none has
    # accumulating: later generations barely move the fit (Gerstgrasser et al. 2024)
    drift = np.abs(var_accumulate[:, -1] - var_accumulate[:, 50])
    assert np.median(drift) < 0.05


def test_tails_vanish():
    assert sy.tail_mass(0.0, 1.0, 3.0) == pytest.approx(2 * stats.norm.sf(3.0))
    assert sy.tail_mass(0.0, 0.25, 3.0) < 1e-8
    assert sy.tail_mass(0.0, 0.0, 3.0) == 0.0
    assert sy.tail_mass(5.0, 0.0, 3.0) == 1.0
    with pytest.raises(ValueError):
        sy.tail_mass(0.0, -1.0)


def test_generations_to_shrink():
    assert sy.generations_to_shrink(100, 0.5) == pytest.approx(math.log(0.5) / math.log(0.99))
    assert sy.expected_variance_replace(100, sy.generations_to_shrink(100, 0.5)) == pytest.approx(0.5)
    # lesson 08's worked example (n = 20: 13.5 generations) and set 08's n = 40 (27.4)
    assert sy.generations_to_shrink(20, 0.5) == pytest.approx(13.51, abs=0.01)
    assert sy.generations_to_shrink(40, 0.5) == pytest.approx(27.38, abs=0.01)
    for bad in (float("nan"), float("inf"), [20, float("nan")]):
        with pytest.raises(ValueError):
            sy.generations_to_shrink(bad)
    with pytest.raises(ValueError):
        sy.generations_to_shrink(1)
    with pytest.raises(ValueError):
        sy.generations_to_shrink(10, 1.5)


# -- token collapse -----------------------------------------------------------

def test_tokenize_and_counts():
    assert sy.tokenize("The boat's wind, the SEA; 42 boats.") == ["the", "boat's", "wind", "the", "sea", "boats"]
    vocabulary, counts = sy.unigram_counts(["b", "a", "b", "c"])
    assert vocabulary == ["b", "a", "c"] and list(counts) == [2, 1, 1]
    with pytest.raises(ValueError):
        sy.unigram_counts([])


def test_course_text_has_a_long_tail():
    text = data.verified_path("course_text_harbour").read_text(encoding="utf-8")
    vocabulary, counts = sy.unigram_counts(sy.tokenize(text))
    assert 1_300 < counts.sum() < 2_000
    assert (counts == 1).mean() > 0.5  # most words occur once


def test_lost_tokens_never_come_back_under_replacement():
    counts = np.array([50, 20, 10, 5, 3, 2, 1, 1, 1, 1])
    result = sy.token_collapse(counts, 30, 60, runs=50, mode="replace", seed=2)
    assert np.all(result.surviving[:, 0] == counts.size)
    assert np.all(np.diff(result.surviving, axis=1) <= 0)  # never increases
    assert result.surviving[:, -1].mean() < counts.size / 2
    assert np.all(result.entropy_bits[:, -1] < result.entropy_bits[:, 0])
    kept = sy.token_collapse(counts, 30, 60, runs=50, mode="accumulate", seed=2)
    assert np.all(kept.surviving == counts.size)  # the real counts stay in the pool
    assert np.median(kept.total_variation[:, -1]) < np.median(result.total_variation[:, -1])


def test_token_probabilities_are_unbiased_one_step():
    counts = np.array([6, 3, 1])
    result = sy.token_collapse(counts, 10, 1, runs=40_000, mode="replace", seed=4)
    assert np.allclose(result.final_probabilities.mean(axis=0), counts / counts.sum(), atol=0.005)


def test_entropy_bits():
    assert sy.entropy_bits([0.5, 0.5]) == pytest.approx(1.0)
    assert sy.entropy_bits([1.0, 0.0]) == 0.0
    assert sy.entropy_bits(np.full(8, 1 / 8)) == pytest.approx(3.0)


def test_token_collapse_bad_inputs():
    with pytest.raises(ValueError):
        sy.token_collapse([1, 2], 10, 5, mode="mix")
    with pytest.raises(ValueError):
        sy.token_collapse([1, -2], 10, 5)
    with pytest.raises(ValueError):
        sy.token_collapse([1, 2], 0, 5)
    with pytest.raises(ValueError):
        sy.simulate_gaussian_collapse(1, 5)


# -- verification -------------------------------------------------------------

def test_admitted_error_fraction_by_bayes_rule():
    # 30% wrong, verifier passes 5% of wrong and 90% of right items
    assert sy.admitted_error_fraction(0.3, 0.05, 0.1) == pytest.approx(0.015 / (0.015 + 0.63))
    assert sy.acceptance_rate(0.3, 0.05, 0.1) == pytest.approx(0.645)
    assert sy.admitted_error_fraction(0.3, 1.0, 0.0) == pytest.approx(0.3)  # no verifier
    assert sy.admitted_error_fraction(0.3, 0.0, 0.5) == 0.0  # a perfect checker of wrong items
    assert sy.admitted_error_fraction(1.0, 0.0, 0.0) == 0.0  # nothing kept
    with pytest.raises(ValueError):
        sy.admitted_error_fraction(1.2, 0.1, 0.1)


def test_errors_compound_without_a_verifier():
    errors = sy.error_after_rounds(0.05, fpr=1.0, fnr=0.0, rounds=10)
    assert np.allclose(errors, 1 - 0.95 ** np.arange(1, 12))
    # a verifier bounds them near the base rate
    verified = sy.error_after_rounds(0.05, fpr=0.05, fnr=0.1, rounds=50)
    assert verified[-1] < 0.06
    # real data dilutes what is inherited
    mixed = sy.error_after_rounds(0.05, fpr=1.0, fnr=0.0, rounds=200, real_fraction=0.5)
    assert mixed[-1] == pytest.approx(0.05 / (1 - 0.95 * 0.5), rel=1e-6)  # fixed point
    # a perfect proof checker (FPR = 0) admits nothing wrong: the error stays at the base rate
    assert np.allclose(sy.error_after_rounds(0.2, 0.0, 0.3, 20), 0.2)


# -- pass@k -------------------------------------------------------------------

def brute_force_pass_at_k(n, c, k):
    """Share of all k-subsets of n samples (c correct) that contain a correct one."""
    outcomes = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(outcomes[i] for i in subset) for subset in subsets) / len(subsets)


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_pass_at_k_matches_enumeration(n):
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert sy.pass_at_k(n, c, k) == pytest.approx(brute_force_pass_at_k(n, c, k), abs=1e-12)


def test_pass_at_k_is_stable_and_vectorised():
    assert sy.pass_at_k(200, 0, 100) == 0.0
    assert sy.pass_at_k(200, 150, 100) == 1.0
    # large n and k: 1 - C(199, 100)/C(200, 100) = 0.5 exactly
    assert sy.pass_at_k(200, 1, 100) == pytest.approx(0.5, rel=1e-12)
    assert sy.pass_at_k(10_000, 1, 1) == pytest.approx(1e-4, rel=1e-9)
    values = sy.pass_at_k(10, np.arange(11), 1)
    assert np.allclose(values, np.arange(11) / 10)  # pass@1 is c / n
    with pytest.raises(ValueError):
        sy.pass_at_k(5, 6, 1)
    with pytest.raises(ValueError):
        sy.pass_at_k(5, 2, 0)
    with pytest.raises(ValueError):
        sy.pass_at_k(5, 2.5, 1)


def test_independent_tries():
    # 67% per try (GPT-4 HumanEval pass@1), 10 independent tries: 1 - 0.33^10
    assert sy.pass_at_k_independent(0.67, 10) == pytest.approx(1 - 0.33 ** 10, rel=1e-12)
    assert sy.pass_at_k_independent(0.67, 10) > 0.99998
    assert sy.pass_at_k_independent(0.0, 10) == 0.0
    assert sy.pass_at_k_independent(1.0, 3) == 1.0


def test_beta_pass_at_k_limits_and_simulation():
    assert sy.pass_at_k_beta(0.3, 0.7, 1) == pytest.approx(0.3)
    # very large concentration: every problem has p = mean, tries independent
    assert sy.pass_at_k_beta(0.3, 1e7, 10) == pytest.approx(sy.pass_at_k_independent(0.3, 10), rel=1e-4)
    # very small: problems are all-or-nothing, extra tries add almost nothing
    assert sy.pass_at_k_beta(0.3, 1e-4, 100) == pytest.approx(0.3, abs=1e-3)
    # monotone in k and in the concentration
    ks = np.arange(1, 101)
    assert np.all(np.diff(sy.pass_at_k_beta(0.5, 2.0, ks)) > 0)
    assert sy.pass_at_k_beta(0.5, 1.0, 10) < sy.pass_at_k_beta(0.5, 10.0, 10)
    # the analytic expectation matches a seeded benchmark simulation
    a, b = sy.beta_parameters(0.4, 2.0)
    p = np.random.default_rng(0).beta(a, b, size=20_000)
    simulated = sy.simulate_pass_at_k(p, 20, [1, 5, 20], seed=1)
    assert np.allclose(simulated, sy.pass_at_k_beta(0.4, 2.0, [1, 5, 20]), atol=0.01)


def test_fit_concentration_round_trips():
    kappa = sy.fit_concentration(0.67, 10, 0.95)
    assert sy.pass_at_k_beta(0.67, kappa, 10) == pytest.approx(0.95, abs=1e-9)
    assert 1.0 < kappa < 2.0
    with pytest.raises(ValueError):
        sy.fit_concentration(0.67, 10, 0.5)  # below pass@1
    with pytest.raises(ValueError):
        sy.fit_concentration(0.67, 10, 0.999999)  # above the independent bound


def test_bad_beta_inputs():
    with pytest.raises(ValueError):
        sy.beta_parameters(0.0, 1.0)
    with pytest.raises(ValueError):
        sy.beta_parameters(0.5, 0.0)
    with pytest.raises(ValueError):
        sy.pass_at_k_independent(1.5, 2)


def test_importing_the_model_leaves_scipy_optimize_for_fit_concentration():
    """scipy.optimize costs ~0.6 s of CPU to import; only fit_concentration needs it, so only it imports it."""
    import subprocess
    import sys

    code = ("import sys; from scalecheck.models import synthetic as sy; sy.pass_at_k_beta(0.67, 2.0, 10); "
            "sy.tail_mass(0.0, 1.0); before = 'scipy.optimize' in sys.modules; "
            "sy.fit_concentration(0.67, 10, 0.95); print(before, 'scipy.optimize' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.split() == ["False", "True"]
