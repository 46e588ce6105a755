"""Synthetic data and its limits: model collapse, verification, and pass@k.

Defined in lesson 08. Three small models, each pure, seeded and vectorised:

1. **Collapse.** Fit a model to samples of the previous generation's model,
   again and again. For a Gaussian fitted by maximum likelihood, the fitted
   variance shrinks in expectation by (n - 1) / n per generation when each
   generation *replaces* the data (Shumailov et al. 2024, Nature 631); when
   the real data is kept and synthetic data *accumulates* beside it, the
   error stays bounded (Gerstgrasser et al. 2024, arXiv:2404.01413). The
   same happens to a unigram token model: a token that draws zero counts is
   gone for good under replacement.
2. **Verification.** A filter with a false-positive rate admits some wrong
   items into synthetic data; a model trained on them inherits them.
3. **Test-time compute.** pass@k with the unbiased estimator of Chen et al.
   2021 (arXiv:2107.03374), and what independent tries would give against
   problems of unequal difficulty (per-problem success rates from a Beta
   distribution).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import special

from scalecheck.core.arrays import float_or_array

MODES = ("replace", "accumulate")


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def _check_count(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_fraction(name: str, value) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(array)) or np.any(array < 0) or np.any(array > 1):
        raise ValueError(f"{name} must be a fraction between 0 and 1, got {value!r}")
    return array


# ---------------------------------------------------------------------------
# 1a. Gaussian collapse


@dataclass(frozen=True)
class SampleStats:
    """Per-run, per-generation statistics of standard-normal samples of size n.

    ``mean[r, g]`` and ``mean_square[r, g]`` are the mean of z and of z**2 over
    the n draws that generation g + 1 of run r is fitted to. Any Gaussian
    sample is mu + sigma * z, so these two arrays are all a simulation needs:
    precompute them once, then every (mu, sigma) path is cheap arithmetic.
    """

    n: int
    mean: np.ndarray
    mean_square: np.ndarray


def standard_sample_stats(n: int, generations: int, runs: int, seed: int = 0) -> SampleStats:
    """Draw runs x generations x n standard normals (seeded) and keep their moments."""
    n = _check_count("n", n, 2)
    generations = _check_count("generations", generations)
    runs = _check_count("runs", runs)
    rng = np.random.default_rng(seed)
    mean = np.empty((runs, generations))
    mean_square = np.empty((runs, generations))
    for g in range(generations):  # one generation at a time keeps memory at runs x n
        z = rng.standard_normal((runs, n))
        mean[:, g] = z.mean(axis=1)
        mean_square[:, g] = np.square(z).mean(axis=1)
    return SampleStats(n, mean, mean_square)


def gaussian_collapse(stats: SampleStats, mode: str = "replace", mu0: float = 0.0,
                      sigma0: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Fitted mean and variance, generation by generation, of a Gaussian refitted to its own samples.

    Generation 0 is the true distribution N(mu0, sigma0**2). Generation 1 is
    the maximum-likelihood fit to n real samples. After that, each generation
    is fitted to samples of the previous one:

    - ``"replace"``: to n fresh samples of the previous model only;
    - ``"accumulate"``: to the n real samples plus all synthetic samples made
      so far (n per generation), as in Gerstgrasser et al. 2024.

    Returns ``(mu, var)``, each of shape (runs, generations + 1).
    """
    _check_mode(mode)
    if not np.isfinite(mu0) or not np.isfinite(sigma0) or sigma0 <= 0:
        raise ValueError("mu0 must be finite and sigma0 positive")
    n = stats.n
    z_mean, z_square = stats.mean, stats.mean_square
    runs, generations = z_mean.shape
    z_var = z_square - np.square(z_mean)  # the MLE variance of each standard sample
    mu = np.empty((runs, generations + 1))
    var = np.empty((runs, generations + 1))
    mu[:, 0], var[:, 0] = mu0, sigma0 ** 2
    if mode == "replace":
        # x = mu + sigma z: the fitted mean moves by sigma * mean(z), the variance scales by var(z)
        var[:, 1:] = sigma0 ** 2 * np.cumprod(z_var, axis=1)
        sigma_before = np.sqrt(var[:, :-1])
        mu[:, 1:] = mu0 + np.cumsum(sigma_before * z_mean, axis=1)
        return mu, var
    # accumulate: keep running sums of x and x**2 over the growing pool
    total = np.zeros(runs)
    total_square = np.zeros(runs)
    count = 0
    current_mu = np.full(runs, mu0, dtype=float)
    current_sigma = np.full(runs, sigma0, dtype=float)
    for g in range(generations):
        total += n * (current_mu + current_sigma * z_mean[:, g])
        total_square += n * (current_mu ** 2 + 2 * current_mu * current_sigma * z_mean[:, g]
                             + current_sigma ** 2 * z_square[:, g])
        count += n
        current_mu = total / count
        current_var = np.maximum(total_square / count - current_mu ** 2, 0.0)
        current_sigma = np.sqrt(current_var)
        mu[:, g + 1], var[:, g + 1] = current_mu, current_var
    return mu, var


def simulate_gaussian_collapse(n: int, generations: int, runs: int = 1000, mode: str = "replace",
                               seed: int = 0, mu0: float = 0.0, sigma0: float = 1.0):
    """Draw the samples and run :func:`gaussian_collapse` in one call."""
    return gaussian_collapse(standard_sample_stats(n, generations, runs, seed), mode, mu0, sigma0)


def expected_variance_replace(n, generations, sigma0: float = 1.0):
    """E[fitted variance] after ``generations`` of replacement: sigma0^2 ((n-1)/n)^g.

    Each MLE fit of n samples has E[var] = (n - 1)/n times the true variance,
    and the fits multiply.
    """
    n = np.asarray(n, dtype=float)
    if np.any(n < 2):
        raise ValueError("n must be at least 2")
    g = np.asarray(generations, dtype=float)
    if np.any(g < 0):
        raise ValueError("generations must be non-negative")
    return float_or_array(sigma0 ** 2 * ((n - 1.0) / n) ** g)


def generations_to_shrink(n, fraction: float = 0.5):
    """Generations until the expected variance falls to ``fraction`` of the start (replace)."""
    n = np.asarray(n, dtype=float)
    if np.any(~np.isfinite(n)) or np.any(n < 2):  # NaN compares False, so test finiteness first
        raise ValueError("n must be a finite number of at least 2")
    if not 0 < fraction < 1:
        raise ValueError("fraction must be between 0 and 1")
    # solve ((n - 1) / n) ** g = fraction for g (lesson 08's worked example)
    return float_or_array(np.log(fraction) / np.log((n - 1.0) / n))


def tail_mass(mu, var, threshold: float = 3.0):
    """P(|X| > threshold) for X ~ N(mu, var): how much of the 'tails' a fitted model keeps."""
    mu = np.asarray(mu, dtype=float)
    var = np.asarray(var, dtype=float)
    if np.any(var < 0):
        raise ValueError("variance must be non-negative")
    sigma = np.maximum(np.sqrt(var), 1e-300)  # a collapsed model is a point mass
    with np.errstate(over="ignore", divide="ignore"):
        upper = special.ndtr((mu - threshold) / sigma)
        lower = special.ndtr((-threshold - mu) / sigma)
    return float_or_array(upper + lower)


# ---------------------------------------------------------------------------
# 1b. Token (unigram) collapse

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens (letters and inner apostrophes); punctuation and digits dropped."""
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    return _WORD.findall(text.lower())


def unigram_counts(tokens) -> tuple[list[str], np.ndarray]:
    """Vocabulary (most frequent first, ties alphabetical) and the count of each word."""
    counter = Counter(tokens)
    if not counter:
        raise ValueError("no tokens")
    vocabulary = sorted(counter, key=lambda word: (-counter[word], word))
    return vocabulary, np.array([counter[word] for word in vocabulary], dtype=np.int64)


@dataclass(frozen=True)
class TokenCollapse:
    """Result of :func:`token_collapse` (arrays over runs and generations 0..G)."""

    surviving: np.ndarray          # words with probability > 0, shape (runs, G + 1)
    total_variation: np.ndarray    # distance from the real distribution, shape (runs, G + 1)
    entropy_bits: np.ndarray       # Shannon entropy of the model, shape (runs, G + 1)
    final_probabilities: np.ndarray  # shape (runs, V)


def token_collapse(counts, tokens_per_generation: int, generations: int, runs: int = 20,
                   mode: str = "replace", seed: int = 0) -> TokenCollapse:
    """Refit a unigram model to its own samples, generation after generation.

    Generation 0 is the real text's word frequencies. Each generation draws
    ``tokens_per_generation`` words from the current model (a multinomial
    draw) and refits by counting (maximum likelihood):

    - ``"replace"``: on the new sample only. A word that draws zero counts
      gets probability 0 and can never be drawn again;
    - ``"accumulate"``: on the real counts plus every sample so far, so every
      real word keeps a positive probability.

    Each word's probability is unbiased from one generation to the next
    (E[p_next] = p), so no word is pushed out on average: words vanish by
    the luck of the draw, rare ones first, and under replacement a vanished
    word never returns.
    """
    _check_mode(mode)
    counts = np.asarray(counts)
    if counts.ndim != 1 or counts.size < 2 or np.any(counts < 0) or counts.sum() <= 0:
        raise ValueError("counts must be a 1-d array of non-negative counts with a positive total")
    tokens_per_generation = _check_count("tokens_per_generation", tokens_per_generation)
    generations = _check_count("generations", generations)
    runs = _check_count("runs", runs)
    rng = np.random.default_rng(seed)
    real_p = counts / counts.sum()
    pool = np.tile(counts.astype(float), (runs, 1))
    p = np.tile(real_p, (runs, 1))
    surviving = np.empty((runs, generations + 1), dtype=np.int64)
    distance = np.empty((runs, generations + 1))
    entropy = np.empty((runs, generations + 1))

    def record(g: int) -> None:
        surviving[:, g] = np.count_nonzero(p > 0, axis=1)
        distance[:, g] = 0.5 * np.abs(p - real_p).sum(axis=1)
        entropy[:, g] = entropy_bits(p)

    record(0)
    for g in range(1, generations + 1):
        sample = rng.multinomial(tokens_per_generation, p)  # one draw per run (row of p)
        if mode == "replace":
            pool = sample.astype(float)
        else:
            pool = pool + sample
        p = pool / pool.sum(axis=1, keepdims=True)
        record(g)
    return TokenCollapse(surviving, distance, entropy, p)


def entropy_bits(probabilities):
    """Shannon entropy in bits along the last axis (0 log 0 = 0)."""
    p = np.asarray(probabilities, dtype=float)
    if np.any(p < 0):
        raise ValueError("probabilities must be non-negative")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return float_or_array(terms.sum(axis=-1))


# ---------------------------------------------------------------------------
# 2. Verification


def acceptance_rate(error_rate, fpr, fnr):
    """Share of generated items a verifier keeps: wrong ones pass at FPR, right ones at 1 - FNR."""
    e, a, b = (_check_fraction(n, v) for n, v in (("error_rate", error_rate), ("fpr", fpr), ("fnr", fnr)))
    return float_or_array(e * a + (1 - e) * (1 - b))


def admitted_error_fraction(error_rate, fpr, fnr):
    """Share of wrong items among those the verifier keeps (Bayes' rule).

    e FPR / (e FPR + (1 - e)(1 - FNR)); zero if nothing is kept.
    """
    e, a, b = (_check_fraction(n, v) for n, v in (("error_rate", error_rate), ("fpr", fpr), ("fnr", fnr)))
    kept_wrong = e * a
    kept = kept_wrong + (1 - e) * (1 - b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float_or_array(np.where(kept > 0, kept_wrong / np.where(kept > 0, kept, 1.0), 0.0))


def error_after_rounds(base_error, fpr, fnr, rounds: int, real_fraction=0.0) -> np.ndarray:
    """Error rate of the model after each round of training on its own verified output.

    Round 0 is a model trained on real data, wrong on a share ``base_error``
    (epsilon) of items. In each round the model generates items, the
    verifier filters them, and the next model is trained on a mix of
    ``real_fraction`` real (correct) data and the kept synthetic data. The
    next model reproduces the errors in its training data and adds its own:

        d_k = (1 - rho) * admitted(e_k),     e_(k+1) = eps + (1 - eps) d_k.

    With no verifier (FPR = 1, FNR = 0) and no real data the errors compound:
    e_k = 1 - (1 - eps)^(k + 1). Returns e_0..e_rounds (length rounds + 1).
    """
    epsilon = float(_check_fraction("base_error", base_error))
    rho = float(_check_fraction("real_fraction", real_fraction))
    rounds = _check_count("rounds", rounds, 0)
    errors = np.empty(rounds + 1)
    errors[0] = epsilon
    for k in range(rounds):
        data_error = (1 - rho) * admitted_error_fraction(errors[k], fpr, fnr)
        errors[k + 1] = epsilon + (1 - epsilon) * data_error
    return errors


# ---------------------------------------------------------------------------
# 3. pass@k


def pass_at_k(n, c, k):
    """Unbiased estimate of pass@k from n samples of which c are correct (Chen et al. 2021).

    1 - C(n - c, k) / C(n, k), computed as 1 - prod_{i = n-c+1..n} (1 - k / i)
    in logarithms (log1p), so large n and k neither overflow nor lose
    precision. Broadcasts over arrays of n, c and k.
    """
    arrays = [np.asarray(x) for x in (n, c, k)]
    for name, value in zip("nck", arrays):
        if (value.dtype.kind not in "iuf" or not np.all(np.isfinite(value))
                or np.any(value != np.round(value)) or np.any(value < 0)):
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    n, c, k = (a.astype(np.int64) for a in np.broadcast_arrays(*arrays))
    if np.any(c > n) or np.any(k > n) or np.any(k < 1):
        raise ValueError("need 0 <= c <= n and 1 <= k <= n")
    out = np.ones(n.shape, dtype=float)
    for n_value, k_value in set(zip(n.ravel().tolist(), k.ravel().tolist())):
        where = (n == n_value) & (k == k_value)
        failures = n_value - c[where]
        # suffix sums of log(1 - k/i) for i = k+1..n: the log of the failure ratio for each c
        i = np.arange(k_value + 1, n_value + 1, dtype=float)
        suffix = np.concatenate([np.cumsum(np.log1p(-k_value / i)[::-1])[::-1], [0.0]])
        log_ratio = suffix[np.clip(failures - k_value, 0, None)]
        out[where] = np.where(failures >= k_value, -np.expm1(log_ratio), 1.0)
    return float_or_array(out)


def pass_at_k_independent(p, k):
    """pass@k if every try succeeds independently with probability p: 1 - (1 - p)^k."""
    p = _check_fraction("p", p)
    k = np.asarray(k, dtype=float)
    if np.any(k < 0):
        raise ValueError("k must be non-negative")
    with np.errstate(divide="ignore"):
        return float_or_array(-np.expm1(k * np.log1p(-p)))


def beta_parameters(mean, concentration) -> tuple[np.ndarray, np.ndarray]:
    """Beta(a, b) with the given mean and concentration a + b (small = very unequal problems)."""
    mean = np.asarray(mean, dtype=float)
    concentration = np.asarray(concentration, dtype=float)
    if np.any(mean <= 0) or np.any(mean >= 1):
        raise ValueError("mean must be strictly between 0 and 1")
    if np.any(~np.isfinite(concentration)) or np.any(concentration <= 0):
        raise ValueError("concentration must be positive and finite")
    return mean * concentration, (1 - mean) * concentration


def pass_at_k_beta(mean, concentration, k):
    """Expected pass@k over problems whose success rates p ~ Beta(mean, concentration).

    1 - E[(1 - p)^k] = 1 - B(a, b + k) / B(a, b), exactly. Large
    concentration approaches independent tries at p = mean; small
    concentration approaches all-or-nothing problems (pass@k = mean).
    """
    a, b = beta_parameters(mean, concentration)
    k = np.asarray(k, dtype=float)
    if np.any(k < 0):
        raise ValueError("k must be non-negative")
    log_fail = special.gammaln(b + k) - special.gammaln(b) + special.gammaln(a + b) - special.gammaln(a + b + k)
    return float_or_array(-np.expm1(log_fail))


def fit_concentration(mean: float, k: int, target: float) -> float:
    """The Beta concentration at which expected pass@k equals ``target`` for this mean pass@1."""
    upper = float(pass_at_k_independent(mean, k))
    if not mean < target < upper:
        raise ValueError(f"target must lie between pass@1 ({mean:.4g}) and the independent pass@{k} ({upper:.6g})")

    def gap(log_c: float) -> float:
        return float(pass_at_k_beta(mean, np.exp(log_c), k)) - target

    from scipy import optimize  # here, not at the top: ~0.6 s of import that only this function needs

    low_c, high_c = -20.0, 20.0
    return float(np.exp(optimize.brentq(gap, low_c, high_c, xtol=1e-12)))


def simulate_pass_at_k(problem_p, n_samples: int, ks, seed: int = 0) -> np.ndarray:
    """Benchmark simulation: draw n samples per problem, score pass@k with the unbiased estimator.

    ``problem_p`` holds each problem's success rate; returns the mean over
    problems of pass@k for each k in ``ks``.
    """
    problem_p = _check_fraction("problem_p", problem_p)
    n_samples = _check_count("n_samples", n_samples)
    rng = np.random.default_rng(seed)
    correct = rng.binomial(n_samples, problem_p)
    ks = np.atleast_1d(np.asarray(ks))
    return np.array([np.mean(pass_at_k(n_samples, correct, int(k))) for k in ks])
