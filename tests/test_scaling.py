"""Package functions of lessons 04 and 05 (scaling laws) against published figures."""
import math

import numpy as np
import pandas as pd
import pytest

from scalecheck.core import data
from scalecheck.models import scaling

# -- power laws ---------------------------------------------------------------

def test_power_law_is_a_straight_line_on_log_log_axes():
    x = np.geomspace(1e3, 1e12, 7)
    y = scaling.power_law(x, 5.0, -0.34)
    slopes = [scaling.loglog_slope(x[i], y[i], x[i + 1], y[i + 1]) for i in range(6)]
    assert slopes == pytest.approx([-0.34] * 6)
    assert scaling.power_law(100.0, 2.0, 0.5) == pytest.approx(20.0)


def test_loglog_slope_and_power_law_reject_bad_input():
    with pytest.raises(ValueError):
        scaling.power_law(-1.0, 1.0, 0.5)
    with pytest.raises(ValueError):
        scaling.loglog_slope(10, 1, 10, 2)
    with pytest.raises(ValueError):
        scaling.loglog_slope(10, 0, 100, 2)


def test_kaplan_vs_chinchilla_growth_for_1000x_compute():
    # Kaplan et al. 2020: N ~ C^0.73; Hoffmann et al. 2022: N ~ C^0.5
    assert scaling.growth_factor(1000, scaling.KAPLAN_2020_PARAMS_EXPONENT) == pytest.approx(155, rel=0.01)
    assert scaling.growth_factor(1000, scaling.HOFFMANN_2022_PARAMS_EXPONENT) == pytest.approx(31.6, rel=0.01)
    with pytest.raises(ValueError):
        scaling.growth_factor(0, 0.5)


# -- the loss law and the compute-optimal split -------------------------------

def test_chinchilla_rule_of_thumb_is_20_tokens_per_param():
    assert scaling.CHINCHILLA_TOKENS_PER_PARAM == pytest.approx(20.0)
    # Hoffmann et al. 2022 give 5.76e23 FLOP; 6 N D gives 5.88e23 (within 2%)
    six_nd = 6 * scaling.CHINCHILLA_PARAMS * scaling.CHINCHILLA_TOKENS
    assert six_nd == pytest.approx(scaling.CHINCHILLA_FLOP, rel=0.025)


def test_compute_optimal_at_chinchilla_budget_refit_vs_rounded():
    # FACTS (calc): at 5.76e23 the refit gives ~18 tokens/param, the printed constants ~93
    refit = scaling.compute_optimal(scaling.BESIROGLU_2024, scaling.CHINCHILLA_FLOP)
    printed = scaling.compute_optimal(scaling.HOFFMANN_2022, scaling.CHINCHILLA_FLOP)
    assert refit.tokens_per_param == pytest.approx(18.4, abs=0.2)
    assert printed.tokens_per_param == pytest.approx(92.6, abs=0.5)
    # the refit's optimum is close to Chinchilla itself (70B parameters, 1.4T tokens)
    assert refit.n_params == pytest.approx(70e9, rel=0.05)
    assert refit.n_tokens == pytest.approx(1.4e12, rel=0.06)
    # and it spends the whole budget
    assert 6 * refit.n_params * refit.n_tokens == pytest.approx(scaling.CHINCHILLA_FLOP)


def test_compute_optimal_at_llama_405b_budget():
    # FACTS (calc): at 3.8e25 FLOP the refit gives N ~ 620B, D ~ 10T (~16 tokens/param)
    split = scaling.compute_optimal(scaling.BESIROGLU_2024, 3.8e25)
    assert split.n_params == pytest.approx(620e9, rel=0.02)
    assert split.n_tokens == pytest.approx(10.2e12, rel=0.02)
    assert split.tokens_per_param == pytest.approx(16.5, abs=0.2)


def test_closed_form_optimum_matches_a_brute_force_search():
    for law in (scaling.HOFFMANN_2022, scaling.BESIROGLU_2024):
        flop = 1e22
        n = np.geomspace(1e7, 1e13, 200_001)
        loss = scaling.isoflop_loss_nats(law, flop, n)
        best = scaling.compute_optimal(law, flop)
        assert n[np.argmin(loss)] == pytest.approx(best.n_params, rel=1e-3)
        assert loss.min() == pytest.approx(best.loss_nats, abs=1e-9)


def test_allocation_exponents():
    a, b = scaling.allocation_exponents(scaling.HOFFMANN_2022)
    assert a == pytest.approx(0.28 / 0.62) and a + b == pytest.approx(1.0)
    # Hoffmann et al.'s Approach 3 exponent a ~ 0.46
    assert a == pytest.approx(0.46, abs=0.01)
    # N_opt grows as C^a
    n1 = scaling.compute_optimal(scaling.HOFFMANN_2022, 1e22).n_params
    n2 = scaling.compute_optimal(scaling.HOFFMANN_2022, 1e24).n_params
    assert scaling.loglog_slope(1e22, n1, 1e24, n2) == pytest.approx(a)


def test_vectorised_over_a_family_of_laws():
    laws = scaling.LossLaw(E=np.array([1.69, 1.82]), A=np.array([406.4, 482.0]), B=np.array([410.7, 2085.4]),
                           alpha=np.array([0.34, 0.348]), beta=np.array([0.28, 0.366]))
    split = scaling.compute_optimal(laws, 5.76e23)
    assert split.tokens_per_param == pytest.approx([92.6, 18.4], abs=0.5)


def test_allocation_at_ratio_and_overtraining_penalty():
    law = scaling.BESIROGLU_2024
    best = scaling.compute_optimal(law, 5.76e23)
    same = scaling.allocation_at_ratio(law, 5.76e23, best.tokens_per_param)
    assert same.n_params == pytest.approx(best.n_params) and same.loss_nats == pytest.approx(best.loss_nats)
    over = scaling.allocation_at_ratio(law, 5.76e23, 10 * best.tokens_per_param)
    assert over.n_params == pytest.approx(best.n_params / math.sqrt(10))
    assert over.loss_nats > best.loss_nats
    with pytest.raises(ValueError):
        scaling.allocation_at_ratio(law, 5.76e23, 0)


def test_tokens_for_loss_inverts_the_law():
    law = scaling.BESIROGLU_2024
    d = scaling.tokens_for_loss(law, 8e9, scaling.loss_nats(law, 8e9, 15e12))
    assert d == pytest.approx(15e12, rel=1e-9)
    # a model too small for the target never reaches it
    assert scaling.tokens_for_loss(law, 1e8, 1.9) == math.inf


def test_inference_cost_and_chinchilla_multiple():
    assert scaling.inference_flop_per_token(8e9) == pytest.approx(1.6e10)
    # Llama 3 8B: 15T tokens -> 1,875 tokens/param, ~94x Chinchilla's 20 (Meta 2024; FACTS)
    assert scaling.chinchilla_multiple(15e12, 8e9) == pytest.approx(93.75)
    with pytest.raises(ValueError):
        scaling.chinchilla_multiple(15e12, 0)


def test_loss_law_rejects_non_positive_sizes():
    with pytest.raises(ValueError):
        scaling.loss_nats(scaling.HOFFMANN_2022, 0, 1e9)
    with pytest.raises(ValueError):
        scaling.compute_optimal(scaling.LossLaw(1.7, 400, 400, 0.0, 0.3), 1e22)
    with pytest.raises(ValueError):
        scaling.compute_optimal(scaling.HOFFMANN_2022, -1)


# -- Epoch's table ------------------------------------------------------------

def test_epoch_filter_keeps_token_counts_and_drops_words_and_moe():
    table = scaling.epoch_language_models(data.load("epoch_notable_models"))
    models = set(table["Model"])
    assert "Llama 3.1-405B" in models  # 6 x 405e9 x 15.6e12 = 3.79e25 vs 3.8e25 reported
    row = table.set_index("Model").loc["Llama 3.1-405B"]
    assert row["tokens_per_param"] == pytest.approx(15.6e12 / 405e9)
    assert "Chinchilla" not in models  # listed as 1.05e12 words, 6ND is 0.77 of its compute
    assert "DeepSeek-V3" not in models  # MoE: total parameters, compute from active ones
    assert np.all((table["six_nd_over_flop"] >= 0.8) & (table["six_nd_over_flop"] <= 1.25))
    with pytest.raises(ValueError):
        scaling.epoch_language_models(data.load("epoch_notable_models"), rel_tol=1.5)


# -- fitting ------------------------------------------------------------------

def test_huber_is_quadratic_inside_and_linear_outside():
    assert scaling.huber(0.5e-3) == pytest.approx(0.5 * 0.25e-6)
    assert scaling.huber(-0.01) == pytest.approx(1e-3 * (0.01 - 0.5e-3))
    assert scaling.huber(np.array([0.0, 1e-3])) == pytest.approx([0.0, 0.5e-6])
    with pytest.raises(ValueError):
        scaling.huber(0.1, delta=0)


def test_lse_form_equals_the_law_in_logs():
    law = scaling.BESIROGLU_2024
    p = scaling.law_to_fit_params(law)
    n, d = np.array([1e8, 7e10]), np.array([2e9, 1.4e12])
    assert scaling.log_loss_lse(np.log(n), np.log(d), *p) == pytest.approx(np.log(scaling.loss_nats(law, n, d)))
    # no overflow where the plain form would overflow
    assert math.isfinite(scaling.log_loss_lse(0.0, 0.0, 800.0, 1.0, 0.0, 0.5, 0.5))
    back = scaling.fit_params_to_law(p)
    assert (back.E, back.A, back.B, back.alpha, back.beta) == pytest.approx((1.82, 482.0, 2085.4, 0.348, 0.366))


def test_objective_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    log_n, log_d = np.log(np.geomspace(1e8, 1e10, 30)), np.log(np.geomspace(1e9, 1e11, 30))
    log_loss = np.log(2.5) + rng.normal(0, 0.02, 30)
    p = np.array([6.0, 7.5, 0.6, 0.35, 0.37])
    _, gradient = scaling.fit_objective(p, log_n, log_d, log_loss)
    step = 1e-7
    numeric = [(scaling.fit_objective(p + step * e, log_n, log_d, log_loss)[0]
                - scaling.fit_objective(p - step * e, log_n, log_d, log_loss)[0]) / (2 * step) for e in np.eye(5)]
    assert gradient == pytest.approx(numeric, rel=1e-4, abs=1e-9)


def test_start_grids():
    assert scaling.start_grid().shape == (32, 5)
    assert scaling.start_grid(scaling.REPLICATION_START_VALUES).shape == (4500, 5)
    with pytest.raises(KeyError):
        scaling.start_grid({"a": (0,)})


def test_fit_recovers_known_constants_from_synthetic_data():
    truth = scaling.BESIROGLU_2024
    runs = scaling.synthetic_runs(truth, np.geomspace(1e18, 1e22, 9), noise_sd=0.005, seed=1)
    fit = scaling.fit_loss_law(runs.n_params, runs.n_tokens, runs.loss)
    assert fit.law.alpha == pytest.approx(truth.alpha, abs=0.03)
    assert fit.law.beta == pytest.approx(truth.beta, abs=0.03)
    assert fit.law.E == pytest.approx(truth.E, abs=0.05)
    ratio_fit = scaling.compute_optimal(fit.law, 5.76e23).tokens_per_param
    assert ratio_fit == pytest.approx(scaling.compute_optimal(truth, 5.76e23).tokens_per_param, rel=0.25)
    # without noise the fit is exact
    exact = scaling.synthetic_runs(truth, np.geomspace(1e18, 1e22, 5), n_params_per_budget=6, noise_sd=0.0)
    fit = scaling.fit_loss_law(exact.n_params, exact.n_tokens, exact.loss)
    assert fit.law.alpha == pytest.approx(truth.alpha, abs=1e-3)
    assert fit.law.beta == pytest.approx(truth.beta, abs=1e-3)


def test_fit_of_the_chinchilla_points_reproduces_the_replication():
    points = scaling.chinchilla_points(data.load("chinchilla_points"))
    assert len(points) == 245 and points["outlier"].sum() == 5
    # D = C / (6N): the extracted file's first point
    assert points["n_tokens"].iloc[0] == pytest.approx(2.45106e8, rel=1e-5)
    kept = points[~points["outlier"]]
    fit = scaling.fit_loss_law(kept["n_params"], kept["n_tokens"], kept["loss"])
    published = scaling.BESIROGLU_2024
    assert fit.law.E == pytest.approx(published.E, abs=0.01)
    assert fit.law.A == pytest.approx(published.A, rel=0.02)
    assert fit.law.alpha == pytest.approx(published.alpha, abs=0.002)
    assert fit.law.beta == pytest.approx(published.beta, abs=0.002)
    assert fit.law.B == pytest.approx(published.B, rel=0.05)
    assert fit.n_at_best > 5  # many starts agree: the minimum is not a lucky one
    assert scaling.compute_optimal(fit.law, 5.76e23).tokens_per_param == pytest.approx(18, abs=0.6)
    assert fit.n_at_best < fit.n_starts  # ...and some do not: one start alone could end in the wrong valley
    # the course grid finds the same minimum as a finer 108-start grid
    finer = scaling.start_grid({"a": (0.0, 10.0, 20.0), "b": (0.0, 10.0, 20.0), "e": (-1.0, 0.0, 1.0),
                                "alpha": (0.5, 1.5), "beta": (0.5, 1.5)})
    assert fit.objective <= scaling.fit_loss_law(kept["n_params"], kept["n_tokens"], kept["loss"],
                                                 starts=finer).objective * (1 + 1e-6)
    # keeping the five outliers moves beta a long way; lesson 05 warm-starts that fit from the kept
    # fit, which lands on the grid's minimum
    with_outliers = scaling.fit_loss_law(points["n_params"], points["n_tokens"], points["loss"])
    assert with_outliers.law.beta > 0.42
    warm = scaling.fit_loss_law(points["n_params"], points["n_tokens"], points["loss"], starts=fit.params)
    assert warm.objective <= with_outliers.objective * (1 + 1e-6)


def test_bootstrap_is_seeded_and_matches_published_standard_errors():
    points = scaling.chinchilla_points(data.load("chinchilla_points"))
    kept = points[~points["outlier"]]
    start = scaling.law_to_fit_params(scaling.BESIROGLU_2024)
    first = scaling.bootstrap_fits(kept["n_params"], kept["n_tokens"], kept["loss"], start, n_resamples=60, seed=5)
    again = scaling.bootstrap_fits(kept["n_params"], kept["n_tokens"], kept["loss"], start, n_resamples=60, seed=5)
    assert first.shape == (60, 5) and np.array_equal(first, again)
    laws = scaling.fit_params_to_law(first)
    # Besiroglu et al.: SE(alpha) = 0.015, SE(beta) = 0.021, SE(E) = 0.03
    assert 0.008 < np.std(laws.alpha) < 0.03
    assert 0.01 < np.std(laws.beta) < 0.04
    assert 0.015 < np.std(laws.E) < 0.06
    with pytest.raises(ValueError):
        scaling.bootstrap_fits(kept["n_params"], kept["n_tokens"], kept["loss"], start, n_resamples=0)


def test_warm_started_bootstrap_finds_the_grid_minimum():
    points = scaling.chinchilla_points(data.load("chinchilla_points"))
    kept = points[~points["outlier"]].reset_index(drop=True)
    start = scaling.law_to_fit_params(scaling.BESIROGLU_2024)
    rows = np.random.default_rng(11).integers(0, len(kept), size=(2, len(kept)))
    for r in rows:
        sample = kept.iloc[r]
        warm = scaling.fit_loss_law(sample["n_params"], sample["n_tokens"], sample["loss"], starts=start)
        grid = scaling.fit_loss_law(sample["n_params"], sample["n_tokens"], sample["loss"])
        assert warm.objective <= grid.objective * (1 + 1e-6)


def test_fit_rejects_bad_input():
    with pytest.raises(ValueError):
        scaling.fit_loss_law([1e8, 1e9], [1e9, 1e10], [3.0, 2.8])
    with pytest.raises(ValueError):
        scaling.fit_loss_law(np.ones(6) * 1e8, np.ones(6) * 1e9, -np.ones(6))
    with pytest.raises(ValueError):
        scaling.fit_loss_law(np.ones(6) * 1e8, np.ones(6) * 1e9, np.ones(6), starts=np.zeros((2, 4)))
    with pytest.raises(ValueError):
        scaling.fit_params_to_law([1, 2, 3])


def test_synthetic_runs_are_seeded_and_spend_their_budget():
    a = scaling.synthetic_runs(scaling.HOFFMANN_2022, [1e19, 1e20], n_params_per_budget=4, seed=3)
    b = scaling.synthetic_runs(scaling.HOFFMANN_2022, [1e19, 1e20], n_params_per_budget=4, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 8
    assert (6 * a["n_params"] * a["n_tokens"]).to_numpy() == pytest.approx(a["flop"].to_numpy())
    with pytest.raises(ValueError):
        scaling.synthetic_runs(scaling.HOFFMANN_2022, [1e19], tokens_per_param_range=(10, 1))
    with pytest.raises(ValueError):
        scaling.synthetic_runs(scaling.HOFFMANN_2022, [1e19], noise_sd=-1)


def test_fit_runs_without_threadpoolctl(monkeypatch):
    """threadpoolctl only speeds the fit up: without it the fit still runs and gives the same answer."""
    import builtins

    truth = scaling.LossLaw(E=1.75, A=450.0, B=1800.0, alpha=0.33, beta=0.35)
    runs = scaling.synthetic_runs(truth, np.geomspace(1e18, 1e21, 4), n_params_per_budget=6, noise_sd=0.0, seed=1)
    start = scaling.law_to_fit_params(truth)
    with_limit = scaling.fit_loss_law(runs["n_params"], runs["n_tokens"], runs["loss"], starts=start)
    real_import = builtins.__import__

    def import_without_threadpoolctl(name, *args, **kwargs):
        if name == "threadpoolctl":
            raise ImportError("No module named 'threadpoolctl' (simulated minimal environment)")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_without_threadpoolctl)
    with pytest.raises(ImportError):
        import threadpoolctl  # noqa: F401  (the simulation is in force)
    scaling.clear_fit_memo()  # else the second fit is the first one's remembered result
    without_limit = scaling.fit_loss_law(runs["n_params"], runs["n_tokens"], runs["loss"], starts=start)
    np.testing.assert_allclose(without_limit.params, with_limit.params, rtol=1e-9)
    boot = scaling.bootstrap_fits(runs["n_params"], runs["n_tokens"], runs["loss"], start, n_resamples=2, seed=3)
    assert boot.shape == (2, 5) and np.all(np.isfinite(boot))


def test_a_repeated_fit_is_remembered_not_rerun(monkeypatch):
    truth = scaling.LossLaw(E=1.75, A=450.0, B=1800.0, alpha=0.33, beta=0.35)
    runs = scaling.synthetic_runs(truth, np.geomspace(1e18, 1e21, 4), n_params_per_budget=6, noise_sd=0.01, seed=2)
    start = scaling.law_to_fit_params(truth)
    calls = []
    real = scaling._fit_from_starts

    def counted(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(scaling, "_fit_from_starts", counted)
    scaling.clear_fit_memo()
    first = scaling.fit_loss_law(runs["n_params"], runs["n_tokens"], runs["loss"], starts=start, name="one")
    fitted = first.params.copy()
    first.params[:] = 0.0  # a caller that changes its copy changes nothing remembered
    second = scaling.fit_loss_law(runs["n_params"], runs["n_tokens"], runs["loss"], starts=start, name="two")
    assert len(calls) == 1 and second.law.name == "two"
    assert np.array_equal(second.params, fitted) and second.law.alpha == pytest.approx(truth.alpha, abs=0.05)
    # anything that can change the answer is part of the memo's key
    scaling.fit_loss_law(runs["n_params"], runs["n_tokens"], runs["loss"] * 1.01, starts=start)
    scaling.fit_loss_law(runs["n_params"], runs["n_tokens"], runs["loss"], starts=start, delta=1e-2)
    scaling.fit_loss_law(runs["n_params"], runs["n_tokens"], runs["loss"], starts=start, max_iter=50)
    assert len(calls) == 4
    scaling.clear_fit_memo()
    third = scaling.fit_loss_law(runs["n_params"], runs["n_tokens"], runs["loss"], starts=start)
    assert len(calls) == 5 and np.array_equal(third.params, second.params)
    # a seeded bootstrap is remembered whole; an unseeded one draws afresh every time
    calls.clear()
    boot = scaling.bootstrap_fits(runs["n_params"], runs["n_tokens"], runs["loss"], start, n_resamples=3, seed=4)
    boot[:] = 0.0
    again = scaling.bootstrap_fits(runs["n_params"], runs["n_tokens"], runs["loss"], start, n_resamples=3, seed=4)
    assert len(calls) == 3 and not np.any(again == 0.0)
    scaling.bootstrap_fits(runs["n_params"], runs["n_tokens"], runs["loss"], start, n_resamples=3, seed=5)
    scaling.bootstrap_fits(runs["n_params"], runs["n_tokens"], runs["loss"], start, n_resamples=3, seed=None)
    scaling.bootstrap_fits(runs["n_params"], runs["n_tokens"], runs["loss"], start, n_resamples=3, seed=None)
    assert len(calls) == 12


def test_a_bootstrap_limits_blas_threads_once_not_per_refit(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    entered = []
    real = threadpoolctl.threadpool_limits

    def counted(*args, **kwargs):
        entered.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(threadpoolctl, "threadpool_limits", counted)
    truth = scaling.LossLaw(E=1.75, A=450.0, B=1800.0, alpha=0.33, beta=0.35)
    runs = scaling.synthetic_runs(truth, np.geomspace(1e18, 1e21, 4), n_params_per_budget=6, noise_sd=0.01, seed=6)
    scaling.bootstrap_fits(runs["n_params"], runs["n_tokens"], runs["loss"], scaling.law_to_fit_params(truth),
                           n_resamples=5, seed=None)
    assert entered == [{"limits": 1, "user_api": "blas"}]
    with scaling.one_blas_thread(), scaling.one_blas_thread():
        pass
    assert len(entered) == 2
