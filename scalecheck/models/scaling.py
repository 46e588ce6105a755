"""Scaling laws: power laws, the Chinchilla loss law, compute-optimal splits, and fitting.

Defined in lesson 04 (scaling laws I) and lesson 05 (fit one yourself).

The parametric law of Hoffmann et al. 2022 ("Chinchilla", arXiv:2203.15556)
predicts the final training loss of a language model with ``n_params``
parameters trained on ``n_tokens`` tokens::

    L(N, D) = E + A / N**alpha + B / D**beta

With training compute C = 6 N D (Kaplan et al. 2020, section 2.1; see
:func:`scalecheck.models.training.training_flop_6nd`), the N that minimises L at a
fixed C has a closed form (:func:`compute_optimal`). Lesson 05 fits the five
constants to points read off Hoffmann et al.'s Figure 4 the way Besiroglu et
al. 2024 (arXiv:2404.10102) did: a Huber loss on log-space residuals, with the
prediction written as a log-sum-exp, minimised by L-BFGS from a grid of starts.

Every function is pure. The law's constants may be numpy arrays (one entry
per bootstrap fit, say), so a whole set of fits is evaluated in one call.
"""
from __future__ import annotations

import hashlib
import itertools
from collections import OrderedDict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from scalecheck.core.arrays import float_or_array, positive_array
from scalecheck.models.training import training_flop_6nd

# ---------------------------------------------------------------------------
# Published constants (lesson 04)


@dataclass(frozen=True)
class LossLaw:
    """The constants of L(N, D) = E + A/N^alpha + B/D^beta.

    E is in nats per token (the loss's unit); A and B carry whatever units make
    each term a loss; alpha and beta are pure numbers. Any field may be a
    numpy array, for a family of laws (e.g. bootstrap fits).
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    name: str = ""


#: Hoffmann et al. 2022, the parametric fit (their Approach 3) as printed, i.e. rounded, in the paper
HOFFMANN_2022 = LossLaw(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28,
                        name="Hoffmann et al. 2022 (as printed)")
#: Besiroglu et al. 2024, refit of the points reconstructed from Hoffmann's Figure 4
BESIROGLU_2024 = LossLaw(E=1.82, A=482.0, B=2085.4, alpha=0.348, beta=0.366,
                         name="Besiroglu et al. 2024 (refit)")
#: Besiroglu et al. 2024's standard errors of the refit constants (same order as LossLaw)
BESIROGLU_2024_STANDARD_ERRORS = {"E": 0.03, "A": 124.5, "B": 1293.3, "alpha": 0.015, "beta": 0.021}
PUBLISHED_LAWS = {law.name: law for law in (HOFFMANN_2022, BESIROGLU_2024)}

#: Kaplan et al. 2020: compute-efficient model size grows as C^0.73 (data as ~C^0.27)
KAPLAN_2020_PARAMS_EXPONENT = 0.73
#: Hoffmann et al. 2022, Approach 1: N_opt grows as C^0.50 (0.49 in Approach 2, 0.46 in Approach 3)
HOFFMANN_2022_PARAMS_EXPONENT = 0.50

#: Chinchilla itself: 70B parameters, 1.4T tokens, 5.76e23 FLOP (Hoffmann et al. 2022)
CHINCHILLA_PARAMS = 70e9
CHINCHILLA_TOKENS = 1.4e12
CHINCHILLA_FLOP = 5.76e23
#: The rule of thumb: Chinchilla's 1.4T / 70B
CHINCHILLA_TOKENS_PER_PARAM = CHINCHILLA_TOKENS / CHINCHILLA_PARAMS

#: Forward pass ~2 FLOP per parameter per token (Kaplan et al. 2020): the cost of serving
INFERENCE_FLOP_PER_PARAM_PER_TOKEN = 2.0


def count_text(value: float, digits: int = 3) -> str:
    """A parameter or token count the way papers write it: 72.3B, 1.4T, 15,000T."""
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"a count must be finite and non-negative, got {value}")
    for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            rounded = float(f"{value / factor:.{digits}g}")
            return (f"{rounded:,.0f}" if rounded >= 1000 else f"{rounded:g}") + suffix
    return f"{float(f'{value:.{digits}g}'):g}"


# ---------------------------------------------------------------------------
# Power laws (lesson 04)


def power_law(x, scale, exponent):
    """y = scale * x**exponent, for positive x.

    On log-log axes this is a straight line: log y = log scale + exponent * log x.
    """
    x = positive_array(x, "x")
    return float_or_array(scale * x ** exponent)


def loglog_slope(x1, y1, x2, y2):
    """The slope between two points on log-log axes: the local power-law exponent."""
    for name, value in (("x1", x1), ("y1", y1), ("x2", x2), ("y2", y2)):
        positive_array(value, name)
    if np.any(np.asarray(x1, dtype=float) == np.asarray(x2, dtype=float)):
        raise ValueError("x1 and x2 must differ")
    return float_or_array((np.log(y2) - np.log(y1)) / (np.log(x2) - np.log(x1)))


def growth_factor(compute_factor, exponent):
    """How much a quantity that scales as C^exponent grows when compute grows by ``compute_factor``."""
    return float_or_array(positive_array(compute_factor, "compute_factor") ** np.asarray(exponent, dtype=float))


# ---------------------------------------------------------------------------
# The loss law and the compute-optimal split (lesson 04)


def loss_nats(law: LossLaw, n_params, n_tokens):
    """Predicted final loss (nats per token) of N parameters trained on D tokens."""
    n = positive_array(n_params, "n_params")
    d = positive_array(n_tokens, "n_tokens")
    return float_or_array(law.E + law.A / n ** law.alpha + law.B / d ** law.beta)


def tokens_for_flop(flop, n_params):
    """Training tokens D that a budget of ``flop`` buys at N parameters: D = C / (6 N)."""
    return float_or_array(positive_array(flop, "flop") / training_flop_6nd(positive_array(n_params, "n_params"), 1.0))


def isoflop_loss_nats(law: LossLaw, flop, n_params):
    """Loss along an iso-FLOP curve: every N at the same compute, D = C / (6 N)."""
    return loss_nats(law, n_params, tokens_for_flop(flop, n_params))


def allocation_exponents(law: LossLaw) -> tuple:
    """(a, b) with N_opt proportional to C^a and D_opt to C^b: a = beta/(alpha+beta), b = 1 - a."""
    total = np.asarray(law.alpha, dtype=float) + np.asarray(law.beta, dtype=float)
    return float_or_array(law.beta / total), float_or_array(law.alpha / total)


class Allocation(NamedTuple):
    """A split of a training budget between parameters and tokens, with its predicted loss."""

    n_params: float
    n_tokens: float
    tokens_per_param: float
    loss_nats: float


def compute_optimal(law: LossLaw, flop) -> Allocation:
    """The N and D that minimise L(N, D) subject to 6 N D = C (the closed form in Hoffmann et al. 2022).

    N_opt = G (C/6)^a and D_opt = (C/6)^b / G, with G = (alpha A / (beta B))^(1/(alpha+beta)).
    """
    flop = positive_array(flop, "flop")
    alpha, beta = np.asarray(law.alpha, dtype=float), np.asarray(law.beta, dtype=float)
    if np.any(alpha <= 0) or np.any(beta <= 0):
        raise ValueError("alpha and beta must be positive for an optimum to exist")
    g = (alpha * law.A / (beta * law.B)) ** (1.0 / (alpha + beta))
    half_budget = flop / training_flop_6nd(1.0, 1.0)
    n = g * half_budget ** (beta / (alpha + beta))
    d = half_budget / n
    return Allocation(float_or_array(n), float_or_array(d), float_or_array(d / n), loss_nats(law, n, d))


def allocation_at_ratio(law: LossLaw, flop, tokens_per_param) -> Allocation:
    """The split of ``flop`` that uses ``tokens_per_param`` tokens per parameter: N = sqrt(C / (6 r))."""
    flop = positive_array(flop, "flop")
    ratio = positive_array(tokens_per_param, "tokens_per_param")
    n = np.sqrt(flop / training_flop_6nd(1.0, ratio))
    d = ratio * n
    return Allocation(float_or_array(n), float_or_array(d), float_or_array(ratio), loss_nats(law, n, d))


def tokens_for_loss(law: LossLaw, n_params, target_loss_nats):
    """Tokens a model of N parameters needs to reach ``target_loss_nats``; inf if it never can.

    Solves E + A/N^alpha + B/D^beta = target for D. A model too small for the
    target (E + A/N^alpha >= target) cannot reach it with any amount of data.
    """
    n = positive_array(n_params, "n_params")
    room = np.asarray(target_loss_nats, dtype=float) - law.E - law.A / n ** law.alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(room > 0, (law.B / np.where(room > 0, room, 1.0)) ** (1.0 / law.beta), np.inf)
    return float_or_array(d)


def inference_flop_per_token(n_params):
    """FLOP to generate one token with a dense model of N parameters: ~2 N (forward pass only)."""
    return float_or_array(INFERENCE_FLOP_PER_PARAM_PER_TOKEN * positive_array(n_params, "n_params"))


def chinchilla_multiple(n_tokens, n_params, reference_tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM):
    """Tokens per parameter as a multiple of Chinchilla's 20 (1 = compute-optimal by the rule of thumb)."""
    ratio = positive_array(n_tokens, "n_tokens") / positive_array(n_params, "n_params")
    return float_or_array(ratio / positive_array(reference_tokens_per_param, "reference_tokens_per_param"))


# ---------------------------------------------------------------------------
# Real models' tokens per parameter (lesson 04)

EPOCH_PARAMS = "Parameters"
EPOCH_DATAPOINTS = "Training dataset size (datapoints)"
EPOCH_FLOP = "Training compute (FLOP)"


def epoch_language_models(table: pd.DataFrame, rel_tol: float = 0.2) -> pd.DataFrame:
    """Language models from Epoch's table whose dataset size can be read as tokens seen.

    Epoch's "Training dataset size (datapoints)" is sometimes in words, is the
    fine-tuning set for fine-tuned models, and MoE models list total rather
    than active parameters. A row is kept only if 6 x parameters x datapoints
    agrees with its training compute within ``rel_tol`` (0.2 keeps out word counts,
    which give 6ND at 0.75 of the compute; so the column counts
    tokens actually trained on, with dense parameters). Adds the columns
    ``six_nd_over_flop``, ``tokens_per_param`` and ``year``.
    """
    if not 0 < rel_tol < 1:
        raise ValueError(f"rel_tol must be between 0 and 1, got {rel_tol}")
    language = table[table["Domain"].fillna("").str.contains("Language")]
    complete = language.dropna(subset=[EPOCH_PARAMS, EPOCH_DATAPOINTS, EPOCH_FLOP])
    complete = complete[(complete[EPOCH_PARAMS] > 0) & (complete[EPOCH_DATAPOINTS] > 0) & (complete[EPOCH_FLOP] > 0)]
    ratio = training_flop_6nd(complete[EPOCH_PARAMS], complete[EPOCH_DATAPOINTS]) / complete[EPOCH_FLOP]
    out = complete.assign(
        six_nd_over_flop=ratio,
        tokens_per_param=complete[EPOCH_DATAPOINTS] / complete[EPOCH_PARAMS],
        year=pd.to_datetime(complete["Publication date"], errors="coerce").dt.year,
    )
    consistent = (out["six_nd_over_flop"] >= 1 - rel_tol) & (out["six_nd_over_flop"] <= 1 / (1 - rel_tol))
    return out[consistent]


# ---------------------------------------------------------------------------
# Fitting (lesson 05)

#: Order of the fit's parameter vector: log L = LSE(a - alpha log N, b - beta log D, e)
FIT_PARAMETERS = ("a", "b", "e", "alpha", "beta")
#: Huber threshold on log-loss residuals used by Hoffmann et al. and Besiroglu et al.
HUBER_DELTA = 1e-3

#: An initialisation grid like the one Hoffmann et al. 2022 describe for their fit:
#: 6 x 6 x 5 x 5 x 5 = 4,500 starts (about a minute of L-BFGS runs; starts at alpha or
#: beta = 0 are the slowest)
REPLICATION_START_VALUES = {
    "a": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
    "b": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
    "e": (-1.0, -0.5, 0.0, 0.5, 1.0),
    "alpha": (0.0, 0.5, 1.0, 1.5, 2.0),
    "beta": (0.0, 0.5, 1.0, 1.5, 2.0),
}
#: The course's coarser grid: 2 x 2 x 2 x 2 x 2 = 32 starts (under a second of CPU). On the
#: Chinchilla points, with or without the outliers, and on the lessons' synthetic runs it finds
#: the same minimum as the earlier 108-start grid, and about half its starts end elsewhere, so it
#: still shows why one start is not enough (tests/test_scaling.py checks both).
COURSE_START_VALUES = {
    "a": (0.0, 20.0),
    "b": (0.0, 20.0),
    "e": (-1.0, 1.0),
    "alpha": (0.5, 1.5),
    "beta": (0.5, 1.5),
}


def start_grid(values: dict | None = None) -> np.ndarray:
    """Every combination of the start values, one row per start, columns in FIT_PARAMETERS order."""
    values = COURSE_START_VALUES if values is None else values
    missing = [p for p in FIT_PARAMETERS if p not in values]
    if missing:
        raise KeyError(f"start values missing for {', '.join(missing)}")
    return np.array(list(itertools.product(*(values[p] for p in FIT_PARAMETERS))), dtype=float)


def law_to_fit_params(law: LossLaw) -> np.ndarray:
    """(a, b, e, alpha, beta) = (log A, log B, log E, alpha, beta)."""
    return np.array([np.log(law.A), np.log(law.B), np.log(law.E), law.alpha, law.beta], dtype=float)


def fit_params_to_law(params, name: str = "") -> LossLaw:
    """The inverse of :func:`law_to_fit_params`; ``params`` may be (5,) or (n, 5)."""
    p = np.asarray(params, dtype=float)
    if p.shape[-1] != 5:
        raise ValueError(f"expected 5 parameters (a, b, e, alpha, beta), got shape {p.shape}")
    a, b, e, alpha, beta = (float_or_array(p[..., i]) for i in range(5))
    return LossLaw(E=float_or_array(np.exp(e)), A=float_or_array(np.exp(a)), B=float_or_array(np.exp(b)),
                   alpha=alpha, beta=beta, name=name)


def log_loss_lse(log_n, log_d, a, b, e, alpha, beta):
    """log L predicted in log-sum-exp form: log(exp(a - alpha log N) + exp(b - beta log D) + exp(e)).

    Equal to log(E + A/N^alpha + B/D^beta) with A = exp(a), B = exp(b), E = exp(e),
    but computed without overflow for any parameter values.
    """
    terms = np.stack(np.broadcast_arrays(np.asarray(a - alpha * np.asarray(log_n, dtype=float)),
                                         np.asarray(b - beta * np.asarray(log_d, dtype=float)),
                                         np.asarray(e, dtype=float)))
    top = terms.max(axis=0)
    return float_or_array(top + np.log(np.exp(terms - top).sum(axis=0)))


def huber(residual, delta=HUBER_DELTA):
    """Huber's loss: r^2/2 for |r| <= delta, delta (|r| - delta/2) beyond (linear, so outliers pull less)."""
    if not delta > 0:
        raise ValueError(f"delta must be positive, got {delta}")
    r = np.abs(np.asarray(residual, dtype=float))
    return float_or_array(np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta)))


def fit_objective(params, log_n, log_d, log_loss, delta=HUBER_DELTA):
    """Sum of Huber losses of log-space residuals, and its gradient in (a, b, e, alpha, beta).

    Returns ``(value, gradient)`` as scipy's ``minimize(..., jac=True)`` expects.
    The sum (not the mean) keeps the objective's scale away from the optimiser's
    stopping tolerances.
    """
    a, b, e, alpha, beta = (float(v) for v in params)
    t_n = a - alpha * log_n
    t_d = b - beta * log_d
    top = np.maximum(np.maximum(t_n, t_d), e)
    w_n, w_d, w_e = np.exp(t_n - top), np.exp(t_d - top), np.exp(e - top)
    total = w_n + w_d + w_e
    residual = top + np.log(total) - log_loss
    size = np.abs(residual)
    inside = size <= delta
    value = np.where(inside, 0.5 * residual * residual, delta * (size - 0.5 * delta)).sum()
    slope = np.where(inside, residual, delta * np.sign(residual)) / total
    # elementwise sums, not @: a BLAS call per evaluation is slow when the machine is busy
    # (stacking the three terms into one (3, n) array was tried: same numbers, no faster per fit)
    s_n, s_d = slope * w_n, slope * w_d
    gradient = np.array([s_n.sum(), s_d.sum(), (slope * w_e).sum(), -(s_n * log_n).sum(), -(s_d * log_d).sum()])
    return float(value), gradient


@contextmanager
def one_blas_thread():
    """Run the optimiser with BLAS limited to one thread, then restore it (a ``with`` block).

    scipy's L-BFGS-B makes many tiny BLAS/LAPACK calls; on a busy 2-core
    machine OpenBLAS's worker threads made a fit about 6x slower (measured:
    3.0 s vs 0.5 s for 30 starts), and lesson 05's own 32 L-BFGS runs use
    0.45 s of CPU without it and 0.14 s with it. threadpoolctl is only a
    speed-up: where it is not installed (a minimal environment), the code runs
    with no thread limit and gives the same result, just more slowly.
    """
    if _BLAS_LIMIT_DEPTH[0]:  # already limited by an enclosing call: entering again costs ~4 ms of CPU
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    _BLAS_LIMIT_DEPTH[0] += 1
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        _BLAS_LIMIT_DEPTH[0] -= 1


_BLAS_LIMIT_DEPTH = [0]  # how many one_blas_thread blocks are open (bootstrap_fits holds one around 100 fits)


class FitResult(NamedTuple):
    """The best fit over all starts."""

    law: LossLaw
    params: np.ndarray  # (a, b, e, alpha, beta)
    objective: float
    n_starts: int
    n_at_best: int  # starts that ended within 1e-6 (relative) of the best objective


# Fits already made in this process, by a digest of their inputs. A fit is deterministic, so a
# second call with the same runs, starts and settings returns the first call's numbers instead of
# running the optimiser again: a solutions notebook's hidden key and its worked answer fit the same
# runs, and a learner may re-run a cell. Bounded, and each caller gets its own copy of the arrays.
_FIT_MEMO: OrderedDict = OrderedDict()
_FIT_MEMO_SIZE = 64


def _memo_key(*parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(repr((part.dtype.str, part.shape)).encode())
            digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(repr((type(part).__name__, part)).encode())
        digest.update(b"|")
    return digest.hexdigest()


def _memo_store(key: str, value) -> None:
    _FIT_MEMO[key] = value
    while len(_FIT_MEMO) > _FIT_MEMO_SIZE:
        _FIT_MEMO.popitem(last=False)  # the oldest


def clear_fit_memo() -> None:
    """Forget the fits made so far in this process, so the next call runs the optimiser again."""
    _FIT_MEMO.clear()


def _fit_from_starts(log_n, log_d, log_loss, starts, delta, max_iter) -> tuple:
    """L-BFGS from each start: (best parameters, best objective, starts within 1e-6 of it)."""
    from scipy.optimize import minimize

    objectives, solutions = [], []
    with one_blas_thread():
        for start in starts:
            result = minimize(fit_objective, start, args=(log_n, log_d, log_loss, delta), jac=True,
                              method="L-BFGS-B", options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-12})
            objectives.append(result.fun)
            solutions.append(result.x)
    objectives = np.array(objectives)
    best = int(np.argmin(objectives))
    n_at_best = int(np.sum(objectives <= objectives[best] * (1 + 1e-6)))
    return np.array(solutions[best]), float(objectives[best]), n_at_best


def fit_loss_law(n_params, n_tokens, loss, starts=None, delta=HUBER_DELTA, max_iter=500, name="") -> FitResult:
    """Fit L(N, D) = E + A/N^alpha + B/D^beta: Huber loss on log residuals, L-BFGS from each start.

    ``starts`` is an (n, 5) array in FIT_PARAMETERS order (default: the course
    grid, :func:`start_grid`). Deterministic: the same inputs give the same fit
    (and the second time, without running the optimiser: see :func:`clear_fit_memo`).
    """
    n = positive_array(n_params, "n_params").ravel()
    d = positive_array(n_tokens, "n_tokens").ravel()
    observed = positive_array(loss, "loss").ravel()
    if not (n.size == d.size == observed.size) or n.size < 5:
        raise ValueError("n_params, n_tokens and loss must have the same length, at least 5")
    starts = start_grid() if starts is None else np.atleast_2d(np.asarray(starts, dtype=float))
    if starts.shape[1] != 5:
        raise ValueError(f"each start needs 5 values {FIT_PARAMETERS}, got shape {starts.shape}")
    key = _memo_key("fit", n, d, observed, starts, delta, max_iter)
    if key not in _FIT_MEMO:
        _memo_store(key, _fit_from_starts(np.log(n), np.log(d), np.log(observed), starts, delta, max_iter))
    best_params, objective, n_at_best = _FIT_MEMO[key]
    params = best_params.copy()
    return FitResult(fit_params_to_law(params, name), params, objective, len(starts), n_at_best)


def bootstrap_fits(n_params, n_tokens, loss, start_params, n_resamples=200, seed=2024,
                   delta=HUBER_DELTA, max_iter=500) -> np.ndarray:
    """Refit on ``n_resamples`` resamples (rows drawn with replacement), each warm-started
    from ``start_params`` (the full fit). Returns an (n_resamples, 5) array of fit parameters.

    Seeded, so the same call gives the same array (with an integer seed, the second call
    returns the first one's refits without running them again).
    """
    n = positive_array(n_params, "n_params").ravel()
    d = positive_array(n_tokens, "n_tokens").ravel()
    observed = positive_array(loss, "loss").ravel()
    if not (n.size == d.size == observed.size) or n.size < 5:
        raise ValueError("n_params, n_tokens and loss must have the same length, at least 5")
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    start = np.atleast_2d(np.asarray(start_params, dtype=float))
    if start.shape[1] != 5:
        raise ValueError(f"each start needs 5 values {FIT_PARAMETERS}, got shape {start.shape}")
    # only a plain integer seed names the same draws every time (None, a Generator: fresh draws)
    remembered = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    key = _memo_key("bootstrap", n, d, observed, start, n_resamples, int(seed) if remembered else None,
                    delta, max_iter)
    if remembered and key in _FIT_MEMO:
        return _FIT_MEMO[key].copy()
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n.size, size=(n_resamples, n.size))
    log_n, log_d, log_loss = np.log(n), np.log(d), np.log(observed)
    with one_blas_thread():  # once around all the refits (entering it costs ~4 ms)
        refits = np.array([_fit_from_starts(log_n[r], log_d[r], log_loss[r], start, delta, max_iter)[0]
                           for r in rows])
    if remembered:
        _memo_store(key, refits.copy())
    return refits


# ---------------------------------------------------------------------------
# Data for the fits (lesson 05)


def synthetic_runs(law: LossLaw, flop_budgets: Iterable[float], n_params_per_budget: int = 12,
                   tokens_per_param_range=(1.0, 300.0), noise_sd=0.01, seed=0) -> pd.DataFrame:
    """An iso-FLOP experiment made up from a known law: for each budget, models whose
    tokens per parameter span ``tokens_per_param_range`` (log-spaced), with multiplicative
    log-normal noise of ``noise_sd`` on the loss. Seeded.

    Columns: flop, n_params, n_tokens, true_loss, loss.
    """
    budgets = positive_array(list(flop_budgets), "flop_budgets")
    low, high = (float(v) for v in positive_array(tokens_per_param_range, "tokens_per_param_range"))
    if low >= high or n_params_per_budget < 2:
        raise ValueError("need low < high tokens per parameter and at least 2 models per budget")
    if noise_sd < 0:
        raise ValueError("noise_sd must be non-negative")
    ratios = np.geomspace(low, high, n_params_per_budget)
    flop = np.repeat(budgets, ratios.size)
    ratio = np.tile(ratios, budgets.size)
    split = allocation_at_ratio(law, flop, ratio)
    true_loss = np.asarray(split.loss_nats)
    noise = np.random.default_rng(seed).normal(0.0, noise_sd, size=true_loss.size)
    return pd.DataFrame({"flop": flop, "n_params": split.n_params, "n_tokens": split.n_tokens,
                         "true_loss": true_loss, "loss": true_loss * np.exp(noise)})


#: The replication reports dropping five outliers. The course takes them to be the five runs
#: with the fewest tokens per parameter (all below 0.45, far off any smooth curve): dropping
#: exactly these reproduces the replication's constants to about three digits.
CHINCHILLA_OUTLIER_MAX_TOKENS_PER_PARAM = 0.45


def chinchilla_points(table: pd.DataFrame) -> pd.DataFrame:
    """The points read off Hoffmann et al.'s Figure 4 (Besiroglu et al.'s extraction) in course units.

    Columns: n_params, flop, n_tokens (derived: D = C / (6 N), as the replication does),
    tokens_per_param, loss, outlier (True for the five runs the replication leaves out).
    """
    n = table["Model Size"].to_numpy(dtype=float)
    flop = table["Training FLOP"].to_numpy(dtype=float)
    tokens = tokens_for_flop(flop, n)
    ratio = tokens / n
    return pd.DataFrame({"n_params": n, "flop": flop, "n_tokens": tokens, "tokens_per_param": ratio,
                         "loss": table["loss"].to_numpy(dtype=float),
                         "outlier": ratio < CHINCHILLA_OUTLIER_MAX_TOKENS_PER_PARAM})
