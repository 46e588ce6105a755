"""Scoring the sources' forecasts, and a scenario of the next decade of frontier training.

Defined in lesson 10 (forecasts and the debate). Two groups of small, pure
functions:

- **scoring**: the Brier score (the mean squared gap between a stated
  probability and what happened, 0 = perfect, 0.25 = always saying 50%), its
  skill against a reference, its decomposition, calibration tables with
  Jeffreys intervals, and the rule that turns a speaker's *words* into an
  implied probability (speakers rarely give numbers): a flat "will happen by X"
  counts as 0.9 by default, a hedged "expects / hopes / could" as 0.6, and a
  stated range such as "10-20%" as its midpoint; a statement about the
  present ("we are training X") is a status report and is never scored
  (:data:`STATUS_STATEMENTS`);
- **the scenario**: frontier training compute, its cost, its power and its
  data need, year by year, from ranges on every assumption the earlier lessons
  used (compute or spend growth, price-performance, all-in kW per GPU, gains in
  FLOP per joule, the gain from number formats and utilisation that lesson 06
  measured, run length, tokens per parameter, over-training, the stock of
  text). Each range is read as the 90% interval of a log-normal input, and a
  seeded Monte Carlo over all of them gives median paths and 90% bands.

Starting point (2025): Grok-3, the largest run in Epoch AI's table when it was
released: 4.64e26 FLOP, about 100 days on 100,000 H100s, an amortised hardware
and energy cost of about $301M (Epoch AI, notable-models table and
``model_costs.csv``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalecheck.core import hardware, units
from scalecheck.core.arrays import float_or_array
from scalecheck.core.uncertainty import lognormal_from_range, standard_normal_draws
from scalecheck.models import datawall as dw

# ---------------------------------------------------------------------------
# Turning words into probabilities

#: The review date of the claims ledger: forecasts are resolved "as of" this month
REVIEW_DATE = "2026-11"
RESOLVED_VERDICTS = ("forecast-true", "forecast-false")
WORDING_CLASSES = ("flat", "hedged")
#: The course's default rule: a flat statement = 0.9, a hedged one = 0.6
DEFAULT_RULE = {"flat": 0.9, "hedged": 0.6}
#: Other rules a reader might defend (lesson 10 shows how the score moves between them)
NAMED_RULES = {
    "lenient (flat 0.7, hedged 0.5)": {"flat": 0.7, "hedged": 0.5},
    "default (flat 0.9, hedged 0.6)": dict(DEFAULT_RULE),
    "literal (flat 0.99, hedged 0.75)": {"flat": 0.99, "hedged": 0.75},
    "always on time (1.0, 1.0)": {"flat": 1.0, "hedged": 1.0},
}

#: How each dated forecast in the ledger was worded, with the seed line it rests on. Every dated
#: forecast is classified here, open ones too, so that a forecast the ledger resolves later is
#: scored by a rule fixed before its outcome was known.
FORECAST_WORDING: dict[str, tuple[str, str]] = {
    "000-grok2-release-next-month": ("hedged", "Musk says he hopes Grok-2 can be released next month "
                                               "(source 000, line 8)"),
    "000-grok3-before-december": ("hedged", "Musk hopes for a release before December and says Grok-3 could be the "
                                            "most powerful (source 000, line 9)"),
    "000-grok3-training-3-4-months": ("hedged", "training to finish in about 3-4 months, inside the same 'hopes' "
                                                "sentence (source 000, line 9)"),
    "001-second-site-110k-gb200": ("flat", "a second data centre is due to bring 110k GB200 online "
                                           "(source 001, line 27)"),
    "003-second-site-110k-gb200": ("flat", "the second Memphis site will bring 110k GB200 online "
                                           "(source 003, line 126)"),
    "002-musk-300k-b200-mid-2025": ("flat", "Wang relays that Musk said xAI would have 300k B200 by mid-2025 "
                                            "(source 002, line 14)"),
    "002-roadmap-300k-b200-6zf": ("hedged", "Wang assumes the 300k B200 run from late 2025 (source 002, line 14)"),
    "003-vision-implant-6-12-months": ("flat", "the first vision implant will come within 6-12 months "
                                               "(source 003, line 169)"),
    "001-superintelligence-this-or-next-year": ("hedged", "the summary says superintelligence may arrive this year or "
                                                          "next (source 001, line 6)"),
    "001-superintelligence-quote": ("flat", "quoted: if not this year, surely next year (source 001, line 17)"),
    "003-superintelligence-opening": ("flat", "if not this year, surely next year (source 003, line 37)"),
    "003-superintelligence-transcript": ("flat", "if not this year, surely next year (source 003, line 160)"),
    "002-rubin-release-2026": ("hedged", "Wang assumes Rubin ships from around 2026 (source 002, line 16)"),
    "002-rubin-cluster-by-2027": ("hedged", "Wang thinks a million-Rubin system comes around 2027 "
                                            "(source 002, line 16)"),
    "002-tsmc-40x-by-2027": ("flat", "Wang relays that TSMC says 40x by 2027 (source 002, line 52)"),
    "002-chip-500pf-by-2027": ("hedged", "Wang calls 100-500 PF per chip by 2027 achievable (source 002, line 52)"),
    "002-compute-energy-solvable-to-2030": ("flat", "a speaker in the unlabelled transcript calls compute and energy "
                                                    "solvable through 2030 (source 002, line 23)"),
    "002-tesla-100m-cars-2030": ("hedged", "the fleet could approach 100M cars by 2030 if things go well "
                                           "(source 002, line 130)"),
    "002-huang-another-1e6-by-2034": ("flat", "Huang predicts another million-fold in a decade, dated by Wang "
                                              "(source 002, line 11)"),
    "002-unlimited-in-20-30-years": ("hedged", "could happen in as little as 20-30 years (source 002, line 164)"),
    "001-mars-self-sufficient-30yr": ("flat", "Musk plans enough material on Mars within about 30 years "
                                              "(source 001, line 31)"),
    "003-mars-30-years": ("flat", "within 30 years enough material will reach Mars (source 003, line 146)"),
}

#: Dated ledger rows that are NOT forecasts and are never scored, whatever their verdict: the rule is
#: that a statement about the present ("we are training X") is a status report, not a prediction of
#: a release. "We are training Grok 3.5" (June 2025) was followed 22 days later by Grok 4; whether
#: that counts as the model "being trained" shipping under another name cannot be read from the words.
STATUS_STATEMENTS: dict[str, str] = {
    "001-grok-3-5-training": "a status report "
                             "('we are now training Grok 3.5', source 001, line 22), not a dated release forecast",
    "003-grok-3-5-training": "a status report ('we are currently training Grok 3.5', source 003, line 131), not a "
                             "dated release forecast",
}


def _probabilities(values, what: str = "probabilities") -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        raise ValueError(f"{what}: need at least one value")
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array > 1):
        raise ValueError(f"{what} must lie between 0 and 1, got {values!r}")
    return array


def _outcomes(values) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        raise ValueError("outcomes: need at least one value")
    if not np.all(np.isin(array, (0.0, 1.0))):
        raise ValueError(f"outcomes must be 0 (did not happen) or 1 (happened), got {values!r}")
    return array


def range_midpoint(low_percent: float, high_percent: float) -> float:
    """A stated range of percentages as one probability: "10-20%" -> 0.15."""
    low, high = float(low_percent), float(high_percent)
    if not (0 <= low <= high <= 100):
        raise ValueError(f"need 0 <= low <= high <= 100, got ({low_percent}, {high_percent})")
    return (low + high) / 200.0


def implied_probability(wording: str, rule: dict | None = None) -> float:
    """The probability a wording class stands for under ``rule`` (default: flat 0.9, hedged 0.6)."""
    rule = DEFAULT_RULE if rule is None else rule
    if wording not in WORDING_CLASSES:
        raise ValueError(f"wording must be one of {WORDING_CLASSES}, got {wording!r}")
    if wording not in rule:
        raise ValueError(f"the rule gives no probability for {wording!r}")
    return float(_probabilities(rule[wording], f"rule[{wording!r}]"))


# ---------------------------------------------------------------------------
# Scores


def brier_score(probabilities, outcomes) -> float:
    """Mean of (p - o)^2 over forecasts: 0 is perfect, 0.25 is a coin flip, 1 is always certain and wrong."""
    p, o = _probabilities(probabilities), _outcomes(outcomes)
    if p.shape != o.shape:
        raise ValueError(f"{p.size} probabilities for {o.size} outcomes")
    return float(np.mean((p - o) ** 2))


def constant_brier(probability: float, outcomes) -> float:
    """The Brier score of a forecaster who says the same ``probability`` every time."""
    o = _outcomes(outcomes)
    return brier_score(np.full(o.shape, float(probability)), o)


def brier_skill_score(score: float, reference_score: float) -> float:
    """1 - score / reference: 1 is perfect, 0 is no better than the reference, negative is worse."""
    if not math.isfinite(score) or not math.isfinite(reference_score) or score < 0 or reference_score <= 0:
        raise ValueError(f"scores must be finite, score >= 0 and reference > 0, got {score!r}, {reference_score!r}")
    return 1.0 - float(score) / float(reference_score)


def brier_decomposition(probabilities, outcomes) -> dict:
    """Murphy's split of the Brier score: reliability - resolution + uncertainty.

    Forecasts are grouped by their distinct probability values, so the identity
    holds exactly. Reliability (lower is better) is the calibration error: the
    weighted squared gap between each stated probability and its group's hit
    rate. Resolution (higher is better) is the weighted squared gap between each
    group's hit rate and the overall rate: it is 0 when the forecasts that were
    stated with more confidence come true no more often than the others.
    Uncertainty is base rate x (1 - base rate), set by the events alone.
    """
    p, o = _probabilities(probabilities), _outcomes(outcomes)
    if p.shape != o.shape:
        raise ValueError(f"{p.size} probabilities for {o.size} outcomes")
    base = float(o.mean())
    reliability = resolution = 0.0
    for value in np.unique(p):
        group = p == value
        share, hit_rate = group.mean(), o[group].mean()
        reliability += share * (value - hit_rate) ** 2
        resolution += share * (hit_rate - base) ** 2
    return {"reliability": float(reliability), "resolution": float(resolution),
            "uncertainty": base * (1.0 - base)}


def jeffreys_interval(hits: int, trials: int, level: float = 0.90) -> tuple[float, float]:
    """Jeffreys interval for a hit rate: the Beta(k + 1/2, n - k + 1/2) quantiles."""
    # scipy.special's inverse incomplete beta is what scipy.stats.beta.ppf evaluates (the same
    # numbers, bit for bit, tested), without scipy.stats' ~1 s of import in the lesson's kernel
    from scipy import special

    if trials < 1 or not 0 <= hits <= trials or int(hits) != hits or int(trials) != trials:
        raise ValueError(f"need integers 0 <= hits <= trials and trials >= 1, got {hits}, {trials}")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    tail = (1.0 - level) / 2.0
    low, high = special.betaincinv(hits + 0.5, trials - hits + 0.5, [tail, 1.0 - tail])
    return (0.0 if hits == 0 else float(low), 1.0 if hits == trials else float(high))


def chance_of_at_least(k: int, n: int, p: float) -> float:
    """Probability of at least ``k`` events in ``n`` independent trials of probability ``p`` (binomial tail).

    With ``p`` the chance that a forecast *fails*, it asks how surprising a record
    of misses is for a forecaster whose stated confidence was right.
    """
    from scipy import special

    if n < 1 or not 0 <= k <= n or int(k) != k or int(n) != n:
        raise ValueError(f"need integers 0 <= k <= n and n >= 1, got k={k}, n={n}")
    float(_probabilities(p, "p"))
    if k == 0:
        return 1.0
    # P(X >= k) for X ~ Binomial(n, p) is the regularised incomplete beta I_p(k, n - k + 1): the
    # value scipy.stats.binom.sf(k - 1, n, p) returns, bit for bit (tested), without importing scipy.stats
    return float(special.betainc(k, n - k + 1, p))


def calibration_table(probabilities, outcomes, level: float = 0.90) -> pd.DataFrame:
    """For each stated probability: how many forecasts, how many came true, and a Jeffreys interval."""
    p, o = _probabilities(probabilities), _outcomes(outcomes)
    if p.shape != o.shape:
        raise ValueError(f"{p.size} probabilities for {o.size} outcomes")
    rows = []
    for value in np.unique(p):
        group = o[p == value]
        hits, n = int(group.sum()), int(group.size)
        low, high = jeffreys_interval(hits, n, level)
        rows.append({"stated": float(value), "forecasts": n, "came true": hits,
                     "hit rate": hits / n, "low": low, "high": high})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# The ledger's resolved forecasts


def _groups(claims: pd.DataFrame) -> dict[str, str]:
    """Map each claim id to the first id of its group of repeated statements.

    Two resolved claims are the same statement when they share the verdict and
    either the ledger relates them (``related``) and they share the deadline,
    or they carry the same ``cluster_id`` (the ledger's own grouping of one
    statement reported more than once, where that column exists).
    """
    rows = claims.set_index("claim_id")
    ids = list(claims["claim_id"])
    parent = {cid: cid for cid in ids}

    def root(cid: str) -> str:
        while parent[cid] != cid:
            cid = parent[cid]
        return cid

    def join(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:  # the earlier row in the table leads its group
            first, second = sorted((ra, rb), key=ids.index)
            parent[second] = first

    for cid in ids:
        for other in (r.strip() for r in str(rows.loc[cid, "related"]).split(";")):
            if other in parent and other != cid and rows.loc[other, "verdict"] == rows.loc[cid, "verdict"] and \
                    rows.loc[other, "forecast_deadline"] == rows.loc[cid, "forecast_deadline"]:
                join(cid, other)
    if "cluster_id" in rows.columns:
        clusters = rows["cluster_id"].fillna("").astype(str).str.strip()
        for (cluster, _verdict), members in claims.assign(_c=clusters.values).groupby(["_c", "verdict"])["claim_id"]:
            members = list(members)
            for other in members[1:] if cluster else []:
                join(members[0], other)
    return {cid: root(cid) for cid in ids}


def resolved_forecasts(claims: pd.DataFrame, rule: dict | None = None, dedupe: bool = True,
                       wording: dict | None = None) -> pd.DataFrame:
    """The ledger's resolved forecasts with an implied probability and the outcome (1 = came true).

    Rows in :data:`STATUS_STATEMENTS` are never scored, whatever verdict the ledger
    gives them. ``dedupe`` keeps one row per statement (repeats in two sources
    about the same talk count once, with the number of copies in ``copies``).
    A resolved forecast without a wording class in ``wording`` (default
    :data:`FORECAST_WORDING`) is left out rather than guessed; its id is listed in
    ``table.attrs["unclassified"]`` so that a lesson can say so.
    """
    if wording is None:
        wording = dict(FORECAST_WORDING)
        if "forecast_wording" in claims.columns:  # the ledger's own class, for forecasts the table above lacks
            for cid, cls in zip(claims["claim_id"], claims["forecast_wording"].fillna("").astype(str).str.strip()):
                if cls in WORDING_CLASSES and cid not in wording:
                    wording[cid] = (cls, f"wording class from the ledger's forecast_wording column ({cid})")
    table = claims[claims["verdict"].isin(RESOLVED_VERDICTS) & ~claims["claim_id"].isin(STATUS_STATEMENTS)].copy()
    unclassified = sorted(set(table["claim_id"]) - set(wording))
    table = table[table["claim_id"].isin(wording)]
    if table.empty:
        raise ValueError("the ledger has no resolved forecasts with a wording class")
    table["wording"] = table["claim_id"].map(lambda c: wording[c][0])
    table["wording_note"] = table["claim_id"].map(lambda c: wording[c][1])
    table["p"] = table["wording"].map(lambda w: implied_probability(w, rule))
    table["outcome"] = (table["verdict"] == "forecast-true").astype(int)
    leader = _groups(table)
    table["statement"] = table["claim_id"].map(leader)
    table["copies"] = table.groupby("statement")["claim_id"].transform("size")
    if dedupe:
        table = table[table["claim_id"] == table["statement"]]
    columns = ["claim_id", "speaker", "said_on", "forecast_deadline", "wording", "wording_note", "p",
               "outcome", "copies", "resolution"]
    result = table[columns].sort_values(["forecast_deadline", "claim_id"]).reset_index(drop=True)
    result.attrs["unclassified"] = unclassified
    return result


def status_statements(claims: pd.DataFrame) -> pd.DataFrame:
    """The dated ledger rows that the scoring leaves out as status reports, with the reason."""
    table = claims[claims["claim_id"].isin(STATUS_STATEMENTS)][["claim_id", "said_on", "verdict"]].copy()
    table["why not scored"] = table["claim_id"].map(STATUS_STATEMENTS)
    return table.reset_index(drop=True)


def record_summary(table: pd.DataFrame) -> dict:
    """Counts a lesson prints about a resolved-forecast table: statements, rows, hits, misses, flat misses."""
    flat = table[table["wording"] == "flat"]
    return {"statements": int(len(table)), "rows": int(table["copies"].sum()),
            "hits": int(table["outcome"].sum()), "misses": int((1 - table["outcome"]).sum()),
            "flat": int(len(flat)), "flat_misses": int((1 - flat["outcome"]).sum())}


def brier_grid(outcomes, wording, flat_values, hedged_values) -> np.ndarray:
    """Brier scores for every pair (flat probability, hedged probability): shape (len(flat), len(hedged))."""
    o = _outcomes(outcomes)
    classes = np.asarray(wording)
    if classes.shape != o.shape or not np.all(np.isin(classes, WORDING_CLASSES)):
        raise ValueError("wording must give one of the classes for every outcome")
    flat = _probabilities(flat_values, "flat_values")[:, None, None]
    hedged = _probabilities(hedged_values, "hedged_values")[None, :, None]
    p = np.where(classes == "flat", flat, hedged)
    return np.mean((p - o) ** 2, axis=-1)


# ---------------------------------------------------------------------------
# The scenario


#: Model FLOP utilisation of Llama 3.1-405B on H100s, 38-43% (Meta, arXiv:2407.21783)
MFU = 0.40
START_YEAR = dw.START_YEAR
#: Grok-3: 4.64e26 FLOP (Epoch AI), ~100 days (2,400 h) of training, ~$301M amortised (Epoch AI model_costs.csv)
START_FLOP = dw.START_FLOP
START_COST_USD = 3.01e8
START_RUN_DAYS = 100.0
MODES = ("trend", "money")


@dataclass(frozen=True)
class Assumption:
    """One input of the scenario: a 90% range (low, high) and where it comes from."""

    key: str
    label: str
    unit: str
    low: float
    high: float
    source: str


SCENARIO_ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption("compute_growth", "frontier compute growth", "x/yr", 4.0, 5.0,
               "Epoch AI (Sevilla & Roldan 2024): 4-5x a year"),
    Assumption("spend_growth", "spend growth (cost of the largest run)", "x/yr", 2.0, 3.1,
               "Cottier et al. 2024: 2.4x a year (95% CI 2.0-3.1)"),
    Assumption("price_performance", "hardware price-performance (FLOP per $, same number format)", "x/yr", 1.25, 1.45,
               "Epoch AI hardware data (~1.3x a year); Hobbhahn & Besiroglu 2022 (ML GPUs double in ~2.1 years, 1.4x)"),
    Assumption("kw_per_gpu", "all-in power per H100-equivalent", "kW", 1.3, 1.8,
               "Epoch AI and SemiAnalysis estimates, 1.3-1.8 kW (lessons 01-02)"),
    Assumption("flop_per_joule_gain", "hardware gain in FLOP per joule (same number format)", "x/yr", 1.2, 1.37,
               "Epoch AI power-trend insight: hardware efficiency ~12x in ten years (1.28x a year)"),
    Assumption("run_length_growth", "growth of training-run length", "x/yr", 1.0, 1.3,
               "Epoch AI power-trend insight: runs ~4x longer over a decade (~1.15x a year)"),
    Assumption("stock_tokens", "stock of public human text", "token", 100e12, 1000e12,
               "Villalobos et al. 2024: 300T effective tokens, 90% CI 100T-1,000T"),
    Assumption("tokens_per_param", "tokens per parameter (compute-optimal)", "token/param", 15.0, 25.0,
               "Hoffmann et al. 2022: ~20; Besiroglu et al. 2024: ~16-20"),
    Assumption("overtraining", "over-training factor", "x", 1.0, 5.0,
               "lesson 07: Llama 3.1-405B ~2; small models far more"),
    Assumption("format_gain", "gain from number formats and utilisation (per $ and per J)", "x/yr", 1.15, 1.5,
               "lesson 06: frontier FLOP per $ ~1.78x a year vs 1.3-1.4x from hardware, so ~1.3x; "
               "Epoch AI: lower precision ~8x in ten years (1.23x a year)"),
)
ASSUMPTION_KEYS = tuple(a.key for a in SCENARIO_ASSUMPTIONS)


def default_ranges() -> dict[str, tuple[float, float]]:
    """The default 90% range of every scenario assumption, by key."""
    return {a.key: (a.low, a.high) for a in SCENARIO_ASSUMPTIONS}


def draws(n_samples: int = 2000, seed: int = 2026) -> np.ndarray:
    """Seeded standard-normal draws for every assumption, shape (n_assumptions, n_samples)."""
    return standard_normal_draws(len(SCENARIO_ASSUMPTIONS), n_samples, seed)


def scenario_inputs(z, ranges: dict | None = None, mode: str = "trend") -> dict[str, np.ndarray]:
    """One sample of every input per column of ``z``, and the compute growth they imply.

    ``mode`` "trend" takes compute growth from its own range; "money" builds it
    as spend growth x the growth of FLOP per dollar (hardware price-performance x
    the gain from number formats and utilisation). Missing ranges take their
    defaults; set ``format_gain`` to (1, 1) for the hardware-only view.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or z.shape[0] != len(SCENARIO_ASSUMPTIONS):
        raise ValueError(f"z must have shape ({len(SCENARIO_ASSUMPTIONS)}, n_samples)")
    merged = default_ranges()
    for key, value in (ranges or {}).items():
        if key not in merged:
            raise KeyError(f"unknown assumption {key!r}; known: {', '.join(ASSUMPTION_KEYS)}")
        merged[key] = (float(value[0]), float(value[1]))
    inputs = {key: lognormal_from_range(z[i], *merged[key]) for i, key in enumerate(ASSUMPTION_KEYS)}
    for key in ("compute_growth", "spend_growth", "price_performance", "flop_per_joule_gain", "format_gain"):
        if np.any(inputs[key] <= 0):
            raise ValueError(f"{key} must be positive")
    # number formats and utilisation raise FLOP per dollar and FLOP per joule alike (lesson 06)
    inputs["flop_per_usd_growth"] = inputs["price_performance"] * inputs["format_gain"]
    inputs["flop_per_joule_growth"] = inputs["flop_per_joule_gain"] * inputs["format_gain"]
    inputs["effective_compute_growth"] = (inputs["compute_growth"] if mode == "trend"
                                          else inputs["spend_growth"] * inputs["flop_per_usd_growth"])
    return inputs


def h100_bf16_flop_per_s() -> float:
    """Dense BF16 peak of an H100, read from data/gpu_specs.csv (NVIDIA datasheet: 989 TFLOP/s)."""
    return hardware.peak_flop_per_s("H100", "bf16_dense")


def start_flop_per_joule(kw_per_gpu, mfu: float = MFU, flop_per_s_per_gpu: float | None = None):
    """Training FLOP per joule of an H100-equivalent: achieved FLOP/s over all-in watts.

    Worked example: 989e12 FLOP/s x 0.40 / 1,500 W = 2.6e11 FLOP per joule.
    """
    flop_per_s_per_gpu = h100_bf16_flop_per_s() if flop_per_s_per_gpu is None else flop_per_s_per_gpu
    kw = np.asarray(kw_per_gpu, dtype=float)
    if np.any(kw <= 0) or not 0 < mfu <= 1 or flop_per_s_per_gpu <= 0:
        raise ValueError("need kW > 0, 0 < MFU <= 1 and a positive FLOP/s")
    return float_or_array(flop_per_s_per_gpu * mfu / (kw * 1e3))


def scenario_paths(inputs: dict, years) -> dict[str, np.ndarray]:
    """Year-by-year paths, each of shape (n_samples, n_years).

    - ``flop``: frontier training compute, C(t) = C0 g^t;
    - ``cost_usd``: C(t) / FLOP-per-$(t), with FLOP-per-$ starting at Grok-3's C0 / $301M and
      growing by price-performance x the format-and-utilisation gain;
    - ``power_w``: C(t) / (run length(t) x FLOP-per-J(t)), from 100 days and an H100 at 40% MFU,
      FLOP-per-J growing by the hardware gain x the format-and-utilisation gain;
    - ``tokens``: the compute-optimal data need, sqrt(C r k / 6).
    """
    t = np.asarray(years, dtype=float)[None, :] - START_YEAR
    column = {key: np.asarray(value, dtype=float)[:, None] for key, value in inputs.items()}
    flop = START_FLOP * column["effective_compute_growth"] ** t
    flop_per_usd = START_FLOP / START_COST_USD * column["flop_per_usd_growth"] ** t
    run_s = START_RUN_DAYS * units.SECONDS_PER_DAY * column["run_length_growth"] ** t
    flop_per_j = start_flop_per_joule(column["kw_per_gpu"]) * column["flop_per_joule_growth"] ** t
    tokens = dw.compute_optimal_tokens(flop, column["tokens_per_param"], column["overtraining"])
    return {"flop": flop, "cost_usd": flop / flop_per_usd, "power_w": flop / (run_s * flop_per_j),
            "tokens": np.asarray(tokens)}


def wall_years(inputs: dict) -> np.ndarray:
    """The year each sample's compute-optimal data need reaches its stock of text (lesson 07's formula)."""
    return dw.crossing_year(inputs["stock_tokens"], START_FLOP, START_YEAR, inputs["effective_compute_growth"],
                            inputs["tokens_per_param"], inputs["overtraining"])


def bands(paths, level: float = 0.90) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, median, high) across samples for each year: the central ``level`` band."""
    values = np.asarray(paths, dtype=float)
    if values.ndim != 2 or values.shape[0] < 2:
        raise ValueError("paths must have shape (n_samples >= 2, n_years)")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    tail = 100 * (1 - level) / 2
    low, median, high = np.percentile(values, [tail, 50.0, 100 - tail], axis=0)
    return low, median, high
