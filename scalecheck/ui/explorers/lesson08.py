"""Lesson 08's explorers: model collapse under replacement or accumulation, and pass@k over unequal problems.

``collapse_runs`` makes every seeded simulation once; ``collapse_summary``,
``collapse_readout``, ``passk_summary`` and ``passk_readout`` are pure and
tested in tests/test_explorers_late.py; ``collapse`` and ``passk`` build what
the lesson shows.

The simulations behind the collapse explorer take ~1.7 s of CPU and give the
same numbers on every run (they are seeded), so for the lesson's own text the
explorer reads their summaries from data/collapse_runs.csv, made by
tools/make_collapse_runs.py (``collapse_runs_table`` of ``collapse_runs``); a
slow test in tests/test_explorers_late.py recomputes the file.
"""
from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
from scipy import special

from scalecheck.core import data
from scalecheck.core.plotting import STYLE, decorate
from scalecheck.models import synthetic as sy
from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer

GAUSSIAN_SIZES = (5, 10, 20, 50, 100, 200, 1000)
TOKEN_SIZES = (500, 1500, 5000, 15000)
MAX_GENERATIONS = 100
GAUSSIAN_SEED, TOKEN_SEED = 21, 22
N_PROBLEMS = 164  # HumanEval
PROBLEM_QUANTILES = (np.arange(N_PROBLEMS) + 0.5) / N_PROBLEMS  # evenly spaced: one per problem
P_BINS = np.linspace(0, 1, 21)
LOG_K = np.linspace(0, 3, 61)  # log10 of the number of tries, drawn on a linear axis
TAIL_TRUTH = 2.70e-03  # mass of a standard normal beyond 3 sigma
COLLAPSE_ARTIFACT = "collapse_runs"  # data/collapse_runs.csv
# rows of each simulation's summary, per generation 0..MAX_GENERATIONS
GAUSSIAN_STATISTICS = ("variance_p05", "variance_p50", "variance_p95")  # of the fitted variance over 200 runs
WORD_STATISTICS = ("alive_median", "alive_min", "alive_max", "entropy_bits_median")  # over the word model's 20 runs


# ---------------------------------------------------------------------------
# Collapse


def course_word_counts() -> np.ndarray:
    """Word counts of the lesson's text (data/course_text_harbour.txt), most frequent first."""
    text = data.verified_path("course_text_harbour").read_text(encoding="utf-8")
    return sy.unigram_counts(sy.tokenize(text))[1]


def collapse_runs(counts, gaussian_sizes=GAUSSIAN_SIZES, token_sizes=TOKEN_SIZES,
                  max_generations: int = MAX_GENERATIONS) -> dict:
    """Every seeded simulation the explorer re-reads, made once, as the summaries it shows.

    'gaussian': (n, mode) -> 5th, 50th and 95th percentile of the fitted
    variance per generation (200 runs); 'words': (words per generation, mode)
    -> the word model's 20 runs, as rows ``WORD_STATISTICS`` per generation.
    """
    gaussian = {}
    for size in gaussian_sizes:
        stats = sy.standard_sample_stats(size, max_generations, runs=200, seed=GAUSSIAN_SEED)
        for mode in sy.MODES:
            gaussian[(size, mode)] = np.quantile(sy.gaussian_collapse(stats, mode)[1], [0.05, 0.5, 0.95], axis=0)
    words = {(size, mode): word_statistics(sy.token_collapse(counts, size, max_generations, runs=20, mode=mode,
                                                            seed=TOKEN_SEED))
             for size in token_sizes for mode in sy.MODES}
    return {"gaussian": gaussian, "words": words, "vocabulary_size": len(counts), "max_generations": max_generations}


def word_statistics(result: sy.TokenCollapse) -> np.ndarray:
    """Rows ``WORD_STATISTICS`` over the runs, per generation: all the explorer reads of a word simulation."""
    surviving = result.surviving
    return np.vstack([np.median(surviving, axis=0), surviving.min(axis=0), surviving.max(axis=0),
                      np.median(result.entropy_bits, axis=0)]).astype(float)


def collapse_runs_table(runs: dict) -> pd.DataFrame:
    """``runs`` as a table: one row per (series, size, mode, statistic), one column per generation."""
    rows = []
    for series, names in (("gaussian", GAUSSIAN_STATISTICS), ("words", WORD_STATISTICS)):
        for (size, mode), values in runs[series].items():
            for name, row in zip(names, values):
                rows.append([series, size, mode, name, *row])
    generations = [str(g) for g in range(runs["max_generations"] + 1)]
    return pd.DataFrame(rows, columns=["series", "size", "mode", "statistic", *generations])


def runs_from_table(table: pd.DataFrame, vocabulary_size: int) -> dict:
    """The inverse of :func:`collapse_runs_table` (the vocabulary size is not in the table)."""
    generations = [column for column in table.columns if column.isdigit()]
    runs = {"vocabulary_size": vocabulary_size, "max_generations": len(generations) - 1}
    for series, names in (("gaussian", GAUSSIAN_STATISTICS), ("words", WORD_STATISTICS)):
        rows = table[table["series"] == series].set_index(["size", "mode", "statistic"])[generations]
        runs[series] = {(int(size), mode): rows.loc[[(size, mode, name) for name in names]].to_numpy(dtype=float)
                        for size, mode in dict.fromkeys((size, mode) for size, mode, _ in rows.index)}
    return runs


def cached_collapse_runs(counts=None) -> dict:
    """``collapse_runs(counts)`` read from data/collapse_runs.csv when ``counts`` are the lesson's text
    (or None); other counts are simulated here."""
    course_counts = course_word_counts()
    if counts is not None and not np.array_equal(np.asarray(counts), course_counts):
        return collapse_runs(counts)
    return runs_from_table(data.load(COLLAPSE_ARTIFACT), vocabulary_size=len(course_counts))


def collapse_summary(runs: dict, size, words_per_generation, generations, mode) -> dict:
    """What is left after ``generations`` for one choice of the controls (all curves up to it)."""
    if mode not in sy.MODES:
        raise ValueError(f"mode must be one of {', '.join(sy.MODES)}, got {mode!r}")
    if (size, mode) not in runs["gaussian"]:
        raise ValueError(f"no simulation for n = {size!r}; choose one of {sorted({n for n, _ in runs['gaussian']})}")
    if (words_per_generation, mode) not in runs["words"]:
        raise ValueError(f"no simulation for {words_per_generation!r} words per generation")
    if not isinstance(generations, (int, np.integer)) or not 1 <= generations <= runs["max_generations"]:
        raise ValueError(f"generations must be a whole number from 1 to {runs['max_generations']}, got {generations!r}")
    shown = np.arange(generations + 1)
    low, median, high = (values[:generations + 1] for values in runs["gaussian"][(size, mode)])
    alive_median, alive_min, alive_max, entropy_median = runs["words"][(words_per_generation, mode)]
    alive = alive_median[:generations + 1]
    return {"generations": shown, "low": low, "median": median, "high": high,
            "expected": sy.expected_variance_replace(size, shown),
            "alive_share": alive / runs["vocabulary_size"], "alive": alive,
            "tail": float(sy.tail_mass(0.0, median[-1])),
            "alive_runs": (int(alive_min[generations]), int(alive_max[generations])),
            "entropy_bits": float(entropy_median[generations]),
            "entropy_start_bits": float(entropy_median[0])}  # generation 0 is the real text in every run


def collapse_readout(summary: dict, runs: dict, size, words_per_generation, generations, mode) -> str:
    low, median, high = summary["low"][-1], summary["median"][-1], summary["high"][-1]
    first, last = summary["alive_runs"]
    return "\n".join([
        f"{mode}, {generations} generation(s)",
        f"Gaussian, n = {size}: fitted variance median {median:.3g} (90% of runs {low:.3g}-{high:.3g}); "
        f"expected with replacement {float(summary['expected'][-1]):.3g}",
        f"  mass beyond 3 sigma_0 of the centre (median run): {summary['tail']:.2e} (truth: {TAIL_TRUTH:.2e})",
        f"Words, {words_per_generation:,} per generation: {summary['alive'][-1]:.0f} of {runs['vocabulary_size']} left "
        f"(runs: {first}-{last}), entropy {summary['entropy_bits']:.2f} of {summary['entropy_start_bits']:.2f} bits",
    ])


def collapse(counts=None, runs: dict | None = None, size: int = 20, words_per_generation: int = 1500,
             generations: int = 50, mode: str = "replace") -> Explorer:
    """The collapse explorer: the stored simulations of the lesson's text (``counts`` None or the lesson's
    word counts), fresh ones for other ``counts``, or ready ``runs``."""
    import ipywidgets as widgets

    if runs is None:
        runs = cached_collapse_runs(counts)
    controls = {
        "size": widgets.SelectionSlider(options=sorted({n for n, _ in runs["gaussian"]}), value=size,
                                        description="Gaussian: samples per generation (n)",
                                        style={"description_width": "initial"}),
        "words_per_generation": widgets.SelectionSlider(options=sorted({n for n, _ in runs["words"]}),
                                                        value=words_per_generation,
                                                        description="word model: words per generation",
                                                        style={"description_width": "initial"}),
        "generations": widgets.IntSlider(value=generations, min=1, max=runs["max_generations"],
                                         description="generations",
                                         style={"description_width": "initial"}),
        "mode": widgets.ToggleButtons(options=list(sy.MODES), value=mode, description="real data is",
                                      style={"description_width": "initial"}),
    }
    with matplotlib.rc_context(STYLE):
        figure = new_blit_figure(figsize=(6.5, 3.0))  # redraws only the lines that move
        ax = figure.add_subplot()
        var_median, = ax.plot([], [], color="tab:blue", lw=2, label="Gaussian variance (median run)")
        var_low, = ax.plot([], [], color="tab:blue", lw=0.8, ls=":")
        var_high, = ax.plot([], [], color="tab:blue", lw=0.8, ls=":")
        var_expected, = ax.plot([], [], "k--", lw=1, label="expected variance, replace")
        words_median, = ax.plot([], [], color="tab:purple", lw=2, label="words still alive (median run)")
        ax.set_xlim(0, runs["max_generations"])
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.set_ylim(-6.3, 0.4)  # log10 of the share kept, drawn on a linear axis (fixed ticks redraw fast)
        ax.set_yticks([-6, -4, -2, -1, 0], ["1e-6", "1e-4", "1%", "10%", "100%"])
        ax.legend(fontsize=7, loc="lower left")
        decorate(ax, title="What is left of the original", xlabel="generation", ylabel="share kept (log scale)",
                 source="Simulations, seeds 21 (Gaussian, 200 runs) and 22 (words, 20 runs); "
                        "text: data/course_text_harbour.txt.")
        figure.subplots_adjust(bottom=0.2)
    figure.moving(var_median, var_low, var_high, var_expected, words_median)

    def update(size, words_per_generation, generations, mode):
        try:
            summary = collapse_summary(runs, size, words_per_generation, generations, mode)
        except (TypeError, ValueError) as error:
            return f"cannot show the collapse: {error}"
        shown = summary["generations"]
        for line, key in ((var_median, "median"), (var_low, "low"), (var_high, "high")):
            line.set_data(shown, np.log10(np.maximum(summary[key], 1e-9)))
        var_expected.set_data(shown, np.log10(summary["expected"]))
        var_expected.set_visible(mode == "replace")
        words_median.set_data(shown, np.log10(summary["alive_share"]))
        return collapse_readout(summary, runs, size, words_per_generation, generations, mode)

    return Explorer(controls, update, figure, css_class="lesson08-collapse")


# ---------------------------------------------------------------------------
# pass@k


def passk_summary(mean, concentration) -> dict:
    """pass@k for problems whose success rates follow Beta(mean, concentration), and 164 such problems."""
    for name, value in (("average pass@1", mean), ("concentration", concentration)):
        if not isinstance(value, (int, float, np.floating)) or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    a, b = sy.beta_parameters(mean, concentration)  # refuses a mean outside (0, 1) or concentration <= 0
    problems = special.betaincinv(a, b, PROBLEM_QUANTILES)
    k_values = 10 ** LOG_K
    return {"a": float(a), "b": float(b), "problems": problems,
            "histogram": np.histogram(problems, bins=P_BINS)[0],
            "independent": sy.pass_at_k_independent(mean, k_values),
            "beta": sy.pass_at_k_beta(mean, concentration, k_values),
            "at": {k: float(sy.pass_at_k_beta(mean, concentration, k)) for k in (10, 100)},
            "independent_at": {k: float(sy.pass_at_k_independent(mean, k)) for k in (10, 100)}}


def passk_readout(summary: dict, mean, concentration) -> str:
    at, independent = summary["at"], summary["independent_at"]
    return "\n".join([
        f"pass@1 {mean:.0%}, concentration {concentration:.3g} (Beta a = {summary['a']:.3g}, b = {summary['b']:.3g})",
        f"pass@10: {at[10]:.2%} (independent tries: {independent[10]:.3%})",
        f"pass@100: {at[100]:.2%} (independent tries: {independent[100]:.3%})",
        f"problems solved less than 1 time in 100: {np.mean(summary['problems'] < 0.01):.0%} of {N_PROBLEMS}",
    ])


def passk(mean: float = 0.67, concentration: float = 1.0) -> Explorer:
    """Average pass@1 and how alike the problems are; the problems' success rates and pass@k."""
    import ipywidgets as widgets

    controls = {
        "mean": widgets.FloatSlider(value=mean, min=0.05, max=0.95, step=0.01, description="average pass@1",
                                    style={"description_width": "initial"}),
        "concentration": widgets.FloatLogSlider(value=concentration, base=10, min=-1, max=3, step=0.05,
                                                description="concentration (how alike the problems are)",
                                                style={"description_width": "initial"}),
    }
    with matplotlib.rc_context(STYLE):
        figure = new_blit_figure(figsize=(7.5, 3.0))  # redraws only what moves
        problems_ax, passk_ax = figure.subplots(1, 2, gridspec_kw={"width_ratios": [2, 3]})
        problem_steps = problems_ax.stairs(np.zeros(P_BINS.size - 1), P_BINS, fill=True, color="tab:blue", alpha=0.7)
        problems_ax.set_xlim(0, 1)
        problems_ax.set_ylim(0, N_PROBLEMS)
        problems_ax.set_xticks([0, 0.5, 1])
        problems_ax.set_yticks([0, 50, 100, 150])
        independent_line, = passk_ax.plot(LOG_K, np.ones(LOG_K.size), "k--", label="independent tries")
        beta_line, = passk_ax.plot(LOG_K, np.ones(LOG_K.size), color="tab:blue", lw=2, label="unequal problems (Beta)")
        passk_ax.plot([1], [95], "k*", ms=9, label="claim: 95% at 10")
        passk_ax.set_xlim(0, 3)
        passk_ax.set_xticks([0, 1, 2, 3], ["1", "10", "100", "1000"])
        passk_ax.set_ylim(0, 101)
        passk_ax.set_yticks([0, 25, 50, 75, 100])
        passk_ax.legend(fontsize=7, loc="lower right")
        decorate(problems_ax, title="Success rate per problem", xlabel="p per try",
                 ylabel=f"problems (of {N_PROBLEMS})")
        decorate(passk_ax, title="pass@k (%)", xlabel="tries k (log scale)",
                 source="Beta model of this lesson; claim: source 002 l.79.")
        figure.subplots_adjust(bottom=0.2, wspace=0.3)
    figure.moving(problem_steps, independent_line, beta_line)

    def update(mean, concentration):
        try:
            summary = passk_summary(mean, concentration)
        except (TypeError, ValueError) as error:
            return f"cannot compute pass@k: {error}"
        problem_steps.set_data(summary["histogram"])
        independent_line.set_ydata(100 * summary["independent"])
        beta_line.set_ydata(100 * summary["beta"])
        return passk_readout(summary, mean, concentration)

    return Explorer(controls, update, figure, css_class="lesson08-passk")


EXPLORERS = {"collapse": collapse, "passk": passk}
