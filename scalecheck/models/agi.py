"""What "AGI" could measurably mean: definitions, the S-curve, and the big-number claims.

Defined in lesson 09 (what is AGI?). Four groups of small, pure functions:

- **definitions made measurable**: :data:`DEFINITIONS` holds each proposed
  definition of AGI (who proposed it, which quantity would measure it, today's
  value where a published one exists, the threshold, and the observation that
  would settle it); :func:`measurable_row` turns one definition and a chosen
  threshold into the row of a table, gap included;
- **the S-curve** (logistic) of the economic definition: AI's share of world
  GDP s(t) = 1 / (1 + ((1 - s0) / s0) e^(-r t)), the closed form of the years to
  reach a share p, t = ln(p (1 - s0) / (s0 (1 - p))) / r, and its sensitivity;
- **energy and the Kardashev scale**: Sagan's K = (log10 P - 6) / 10 with P in
  watts, the sunlight Earth intercepts, and shares of it;
- **intelligence and bandwidth**: a compute measure of "the human share of all
  intelligence", and a daily average of human output in bit/s.

Every function takes plain numbers or numpy arrays and raises ``ValueError``
on inputs that make no sense. Figures carried as constants name their source.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scalecheck.core import units
from scalecheck.core.arrays import finite_array, float_or_array, positive_array
from scalecheck.models import trends

# ---------------------------------------------------------------------------
# Published figures (each with its source)

#: Nominal world GDP, IMF World Economic Outlook database (Oct 2025): ~$107T in 2023, ~$117T in 2025
WORLD_GDP_2023_USD_PER_YR = 107e12
WORLD_GDP_2025_USD_PER_YR = 117e12
#: Real world GDP growth in 2024, IMF World Economic Outlook (Oct 2025): 3.3%
WORLD_REAL_GROWTH_2024 = 0.033

#: Humanity's primary energy use in 2024, Energy Institute Statistical Review of World Energy 2025: 592 EJ
HUMANITY_PRIMARY_ENERGY_2024_J = 592e18
#: Total solar irradiance at Earth's distance (W/m^2), as used by Karl & Trenberth 2003
#: (BioNumbers 100943) and server-sky.com
SOLAR_CONSTANT_W_PER_M2 = 1361.0
#: Earth's mean radius (m)
EARTH_RADIUS_M = 6.371e6
#: Nominal solar luminosity, IAU 2015 Resolution B3 (W)
SOLAR_LUMINOSITY_W = 3.828e26

#: Sagan's Kardashev levels: Type I, II, III at 1e16, 1e26, 1e36 W
KARDASHEV_TYPE_POWER_W = {1: 1e16, 2: 1e26, 3: 1e36}

#: Human output rates (bit/s): Zheng & Meister 2024 (arXiv:2408.10234) ~10 bit/s for
#: behaviour such as typing; Coupe et al. 2019 (Science Advances 5:eaaw2594) ~39 bit/s for speech
HUMAN_OUTPUT_TYPING_BIT_PER_S = 10.0
HUMAN_OUTPUT_SPEECH_BIT_PER_S = 39.0

#: Carlsmith 2020 (Open Philanthropy): 1e15 FLOP/s "more likely than not" enough to match a
#: human brain; the mechanistic method's range is 1e13-1e17 FLOP/s
BRAIN_FLOP_PER_S_CENTRAL = 1e15
BRAIN_FLOP_PER_S_RANGE = (1e13, 1e17)
#: World population, UN World Population Prospects 2024: 8.2 billion in 2024
WORLD_POPULATION_2024 = 8.2e9

#: Start of the S-curve model (the year of the 2025 world GDP figure)
S_CURVE_START_YEAR = 2025.0
#: Lesson 09's assumptions for the S-curve (not measurements): AI's share of world GDP in 2025
#: and its 90% range, and the share's growth factor per year while it is small
START_SHARE_ASSUMED = 1e-3
START_SHARE_RANGE = (1e-4, 1e-2)
SHARE_GROWTH_PER_YR_ASSUMED = 2.0
SHARE_GROWTH_PER_YR_RANGE = (1.4, 3.0)
#: Wang's thresholds (source 002, lines 105 and 107): AGI at 10% of world GDP, ASI at 90%
AGI_SHARE = 0.10
ASI_SHARE = 0.90


def _share(value, what: str) -> np.ndarray:
    """A share strictly between 0 and 1."""
    array = finite_array(value, what)
    if np.any(array <= 0) or np.any(array >= 1):
        raise ValueError(f"{what} must be a share strictly between 0 and 1, got {value!r}")
    return array


# ---------------------------------------------------------------------------
# The S-curve (logistic) of the economic definition


def logistic_share(years_from_start, start_share, rate_per_yr):
    """AI's share of the economy after ``years_from_start`` on a logistic curve.

    s(t) = 1 / (1 + ((1 - s0) / s0) e^(-r t)); ``rate_per_yr`` is r (per year),
    ``start_share`` is s0 (a share, 0 < s0 < 1). While s is small it grows by
    about e^r a year; it then slows and levels off at 1.
    """
    t = finite_array(years_from_start, "years_from_start")
    s0 = _share(start_share, "start_share")
    r = positive_array(rate_per_yr, "rate_per_yr")
    return float_or_array(1.0 / (1.0 + (1.0 - s0) / s0 * np.exp(-r * t)))


def years_to_share(target_share, start_share, rate_per_yr):
    """Years for a logistic share to grow from ``start_share`` to ``target_share``.

    The closed form t = ln(p (1 - s0) / (s0 (1 - p))) / r. Negative when the
    target is below the start (it was reached in the past).
    """
    p = _share(target_share, "target_share")
    s0 = _share(start_share, "start_share")
    r = positive_array(rate_per_yr, "rate_per_yr")
    return float_or_array(np.log(p * (1.0 - s0) / (s0 * (1.0 - p))) / r)


def years_between_shares(low_share, high_share, rate_per_yr):
    """Years a logistic share takes from ``low_share`` to ``high_share``.

    It does not depend on where the curve started: from 10% to 90% it is
    always 2 ln 9 / r.
    """
    low = _share(low_share, "low_share")
    high = _share(high_share, "high_share")
    r = positive_array(rate_per_yr, "rate_per_yr")
    return float_or_array(np.log(high * (1.0 - low) / (low * (1.0 - high))) / r)


def rate_from_growth_factor(growth_factor_per_yr):
    """The logistic rate r of a share that grows ``growth_factor_per_yr`` times a year while small (r = ln G)."""
    growth = positive_array(growth_factor_per_yr, "growth_factor_per_yr")
    if np.any(growth <= 1):
        raise ValueError(f"a growing share needs a growth factor above 1, got {growth_factor_per_yr!r}")
    return float_or_array(np.log(growth))


def share_growth_factor(share, rate_per_yr):
    """The yearly factor by which a logistic share grows at ``share``: about e^(r (1 - s))."""
    s = _share(share, "share")
    r = positive_array(rate_per_yr, "rate_per_yr")
    return float_or_array(np.exp(r * (1.0 - s)))


def sensitivity_years(target_share, start_share, rate_per_yr, start_range, rate_range) -> dict:
    """Years to ``target_share`` at the base values and with each input at the ends of its range.

    Returns ``{"base": t, "start_share": (t at low, t at high), "rate_per_yr": (t at low, t at high)}``:
    the numbers behind a tornado plot (one input moved at a time).
    """
    for name, (low, high) in (("start_range", start_range), ("rate_range", rate_range)):
        if not low <= high:
            raise ValueError(f"{name} must be (low, high) with low <= high, got {(low, high)!r}")
    return {
        "base": years_to_share(target_share, start_share, rate_per_yr),
        "start_share": (years_to_share(target_share, start_range[0], rate_per_yr),
                        years_to_share(target_share, start_range[1], rate_per_yr)),
        "rate_per_yr": (years_to_share(target_share, start_share, rate_range[0]),
                        years_to_share(target_share, start_share, rate_range[1])),
    }


# ---------------------------------------------------------------------------
# Energy and the Kardashev scale


def kardashev_level(power_w):
    """Sagan's interpolated Kardashev level: K = (log10 P - 6) / 10, P in watts.

    1e16 W gives K = 1 (Type I), 1e26 W gives 2, 1e36 W gives 3.
    """
    return float_or_array((np.log10(positive_array(power_w, "power_w")) - 6.0) / 10.0)


def kardashev_power_w(level):
    """The power (W) at Kardashev level K on Sagan's formula: P = 10^(10 K + 6)."""
    return float_or_array(10.0 ** (10.0 * finite_array(level, "level") + 6.0))


def mean_power_w(energy_j, seconds: float = units.SECONDS_PER_YEAR):
    """The average power of an energy used over ``seconds`` (default one year): J / s = W."""
    return float_or_array(positive_array(energy_j, "energy_j") / float(positive_array(seconds, "seconds")))


def intercepted_sunlight_w(solar_constant_w_per_m2=SOLAR_CONSTANT_W_PER_M2, radius_m=EARTH_RADIUS_M):
    """Sunlight a planet intercepts at the top of its atmosphere: irradiance x its disc, S pi R^2 (W)."""
    s = positive_array(solar_constant_w_per_m2, "solar_constant_w_per_m2")
    r = positive_array(radius_m, "radius_m")
    return float_or_array(s * math.pi * r ** 2)


def power_share(power_w, reference_w):
    """``power_w`` as a share of ``reference_w`` (0.01 = 1%)."""
    return float_or_array(positive_array(power_w, "power_w") / positive_array(reference_w, "reference_w"))


# ---------------------------------------------------------------------------
# Bandwidth: human output in bit/s


def typing_bit_per_s(words_per_min, bits_per_word):
    """Information rate of typing or speaking: words per minute x bits per word / 60 (bit/s)."""
    wpm = finite_array(words_per_min, "words_per_min")
    bits = finite_array(bits_per_word, "bits_per_word")
    if np.any(wpm < 0) or np.any(bits < 0):
        raise ValueError("words_per_min and bits_per_word must be non-negative")
    return float_or_array(wpm * bits / 60.0)


def daily_average_bit_per_s(active_bit_per_s, active_hours_per_day):
    """A day's average output rate: an active rate kept up for some hours, spread over 86,400 s."""
    rate = finite_array(active_bit_per_s, "active_bit_per_s")
    hours = finite_array(active_hours_per_day, "active_hours_per_day")
    if np.any(rate < 0) or np.any(hours < 0) or np.any(hours > 24):
        raise ValueError("the rate must be non-negative and the hours between 0 and 24")
    return float_or_array(rate * hours * units.SECONDS_PER_HOUR / units.SECONDS_PER_DAY)


def active_hours_for_average(average_bit_per_s, active_bit_per_s):
    """Hours a day at ``active_bit_per_s`` that give a daily average of ``average_bit_per_s``."""
    average = finite_array(average_bit_per_s, "average_bit_per_s")
    if np.any(average < 0):
        raise ValueError("the average must be non-negative")
    rate = positive_array(active_bit_per_s, "active_bit_per_s")
    return float_or_array(average * units.SECONDS_PER_DAY / rate / units.SECONDS_PER_HOUR)


# ---------------------------------------------------------------------------
# "Human intelligence < 1% of all intelligence", on a compute measure


def human_compute_flop_per_s(population, brain_flop_per_s):
    """All human brains together, on a compute measure: people x FLOP/s per brain."""
    people = positive_array(population, "population")
    return float_or_array(people * positive_array(brain_flop_per_s, "brain_flop_per_s"))


def human_share(human_flop_per_s, ai_flop_per_s):
    """The human share of all "intelligence" when it is measured as compute: H / (H + A)."""
    h = positive_array(human_flop_per_s, "human_flop_per_s")
    a = finite_array(ai_flop_per_s, "ai_flop_per_s")
    if np.any(a < 0):
        raise ValueError("ai_flop_per_s must be non-negative")
    return float_or_array(h / (h + a))


def ai_multiple_for_human_share(target_human_share):
    """How many times human compute AI compute must reach for humans to hold ``target_human_share``.

    H / (H + A) = s  gives  A = H (1 - s) / s: for s = 1%, AI must be 99 times human compute.
    """
    s = _share(target_human_share, "target_human_share")
    return float_or_array((1.0 - s) / s)


#: Years for a quantity growing g times a year to grow m times (ln m / ln g). Growth arithmetic
#: has one home, lesson 06's :mod:`scalecheck.models.trends`; lesson 09 calls it from here.
years_to_multiple = trends.years_to_multiple


# ---------------------------------------------------------------------------
# Definitions of AGI, made measurable


@dataclass(frozen=True)
class Definition:
    """One proposed definition of AGI and what would measure it.

    ``today`` is the latest published value of ``quantity`` (None when no agreed
    measurement exists; ``today_note`` then says why and what the course assumes).
    ``thresholds`` are (label, value) choices; ``gap_kind`` says how the gap is
    counted: "ratio" (threshold / today), "points" (threshold - today, in the
    quantity's unit) or "levels" (threshold - today, in levels).
    """

    key: str
    name: str
    proposed_by: str
    quantity: str
    unit: str
    today: float | None
    today_note: str
    thresholds: tuple[tuple[str, float], ...]
    default_threshold: float
    gap_kind: str
    settled_by: str

    def threshold_label(self, value: float) -> str:
        for label, option in self.thresholds:
            if math.isclose(option, value, rel_tol=1e-9, abs_tol=1e-12):
                return label
        return f"{value:g} {self.unit}".strip()


DEFINITIONS: dict[str, Definition] = {d.key: d for d in (
    Definition(
        key="superhuman",
        name="Smarter than any human at anything",
        proposed_by="Elon Musk, 2025 (source 001, line 18; source 003, lines 20 and 160)",
        quantity="share of a broad battery of cognitive tasks on which the system beats the best human",
        unit="%",
        today=None,
        today_note=("no agreed task battery exists; Morris et al. 2023 rate the 2023 frontier chatbots 'Emerging AGI' "
                    "(performance level 1 of 5, general) and find superhuman performance only in narrow systems "
                    "(AlphaFold, AlphaZero)"),
        thresholds=(("50% of tasks", 50.0), ("90% of tasks", 90.0), ("every task (100%)", 100.0)),
        default_threshold=100.0,
        gap_kind="points",
        settled_by=("one system beating the best human on every task of a broad, agreed battery "
                    "(Morris et al.'s 'Superhuman' general level)"),
    ),
    Definition(
        key="gdp_share",
        name="AI does a share of world GDP (10% = AGI, 90% = ASI)",
        proposed_by="Brian Wang, 2024 (source 002, lines 104-107)",
        quantity="AI's share of world GDP",
        unit="%",
        today=None,
        today_note=("no agreed measurement; lesson 09 assumes ~0.1% (range 0.01-1%), the order of Nvidia's "
                    "AI-chip sales in 2025 against ~$117T of world GDP"),
        thresholds=(("1%", 1.0), ("10% (Wang's AGI)", 10.0), ("20% of work replaced (Wang)", 20.0),
                    ("50%", 50.0), ("90% (Wang's ASI)", 90.0)),
        default_threshold=10.0,
        gap_kind="ratio",
        settled_by="national accounts that attribute value added to AI systems, summed over countries",
    ),
    Definition(
        key="charter",
        name="Beats people at most paid work, on its own (OpenAI Charter)",
        proposed_by="OpenAI Charter, 9 Apr 2018",
        quantity="share of economically valuable work (weighted by pay) that AI does better than people, autonomously",
        unit="%",
        today=None,
        today_note="no published measurement of this share",
        thresholds=(("most (over 50%)", 50.0), ("75%", 75.0), ("90%", 90.0)),
        default_threshold=50.0,
        gap_kind="points",
        settled_by="task-by-task audits of jobs, weighted by wages, showing AI doing the work better on its own",
    ),
    Definition(
        key="profit",
        name="Profits of about $100B (the reported contract test)",
        proposed_by="Microsoft-OpenAI agreement, as reported by The Information (Dec 2024)",
        quantity="OpenAI's cumulative profits",
        unit="USD",
        today=None,
        today_note="OpenAI is private and publishes no audited profit figures",
        thresholds=(("$10B", 10e9), ("$100B (reported test)", 100e9), ("$1T", 1e12)),
        default_threshold=100e9,
        gap_kind="ratio",
        settled_by="audited accounts showing the profits (a contract test, not a test of capability)",
    ),
    Definition(
        key="growth",
        name="The world economy grows about 10% a year",
        proposed_by="Satya Nadella, Dwarkesh Patel podcast, 19 Feb 2025",
        quantity="real growth of world GDP per year",
        unit="%/yr",
        today=100 * WORLD_REAL_GROWTH_2024,
        today_note="3.3% in 2024 (IMF World Economic Outlook, Oct 2025)",
        thresholds=(("5% a year", 5.0), ("7% a year (doubling in a decade)", 7.0), ("10% a year (Nadella)", 10.0),
                    ("15% a year", 15.0)),
        default_threshold=10.0,
        gap_kind="points",
        settled_by="IMF or World Bank growth figures at or above the threshold, several years running",
    ),
    Definition(
        key="levels",
        name="Levels of AGI: performance x generality",
        proposed_by="Morris et al. 2023 (Google DeepMind), arXiv:2311.02462",
        quantity="performance level across a wide range of non-physical tasks (1 Emerging ... 5 Superhuman)",
        unit="level",
        today=1.0,
        today_note="'Emerging AGI' (level 1): the authors' 2023 rating of frontier chatbots",
        thresholds=(("1 Emerging", 1.0), ("2 Competent (50th percentile)", 2.0), ("3 Expert (90th)", 3.0),
                    ("4 Virtuoso (99th)", 4.0), ("5 Superhuman (100%)", 5.0)),
        default_threshold=2.0,
        gap_kind="levels",
        settled_by="a living benchmark of many task types with skilled-adult percentiles for each",
    ),
    Definition(
        key="gpqa",
        name="Google-proof questions (GPQA Diamond)",
        proposed_by="Rein et al. 2023, arXiv:2311.12022; named by Wang as an academic yardstick (source 002, line 102)",
        quantity="accuracy on GPQA Diamond (198 graduate-level science questions)",
        unit="%",
        today=91.9,
        today_note=("91.9% by Gemini 3 Pro, reported by Google at its launch on 18 Nov 2025 (vendor figure; "
                    "confidence M); earlier: OpenAI o1 78.0% (12 Sep 2024), GPT-4 39% on the full set "
                    "(Rein et al. 2023)"),
        thresholds=(("34% (skilled non-experts, full set)", 34.0), ("65% (PhD experts, full set)", 65.0),
                    ("69.7% (PhD experts on Diamond, per OpenAI)", 69.7), ("100%", 100.0)),
        default_threshold=69.7,
        gap_kind="points",
        settled_by="already measured: a published score at or above the threshold",
    ),
    Definition(
        key="sat",
        name="Passes human exams (the SAT)",
        proposed_by="Wang names the SAT as a necessary but academic test (source 002, line 102)",
        quantity="SAT total score (of 1600)",
        unit="points",
        today=1410.0,
        today_note=("1410 = 710 reading and writing + 700 maths, GPT-4 (OpenAI, GPT-4 Technical Report, 2023; "
                    "about the 93rd and 89th percentiles of test-takers)"),
        thresholds=(("1024 (mean of US test-takers, class of 2024, College Board)", 1024.0),
                    ("1600 (a perfect score)", 1600.0)),
        default_threshold=1024.0,
        gap_kind="points",
        settled_by="already measured: a published score at or above the threshold",
    ),
    Definition(
        key="generality",
        name="Generality: one system across modalities and kinds of problem",
        proposed_by="Blue Word Project, 2023 (source 004, lines 129-139), the skeptic's criterion",
        quantity="share of task families (text, images, speech, control, ...) one system handles at a competent level",
        unit="%",
        today=None,
        today_note="no agreed list of task families; the skeptic's point is that specialised stacks do not count",
        thresholds=(("half of the families", 50.0), ("most (75%)", 75.0), ("all", 100.0)),
        default_threshold=100.0,
        gap_kind="points",
        settled_by="the same model, not one stack per task, evaluated across every family "
                   "(Morris et al.'s 'general' column)",
    ),
)}


def _number_text(value: float, unit: str) -> str:
    if unit == "USD":
        for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
            if abs(value) >= scale:
                return f"${value / scale:.3g}{suffix}"
        return f"${value:,.0f}"
    if unit == "level":
        return f"level {value:g}"
    if unit == "points":
        return f"{value:g}"
    return f"{value:.3g}{unit if unit.startswith('%') else ' ' + unit}"


def _gap_text(gap: float, unit: str) -> str:
    """A difference in the unit of the quantity: percentage points, levels, points or dollars."""
    if unit == "USD":
        return _number_text(gap, unit)
    if unit.startswith("%"):
        return f"{gap:.3g} percentage points"
    if unit == "level":
        return f"{gap:g} level" + ("" if gap == 1 else "s")
    return f"{gap:g} {unit}"


def measurable_gap(today: float | None, threshold: float, gap_kind: str) -> float | None:
    """The gap between today's value and a threshold (None when today is unknown).

    "ratio": threshold / today (how many times larger it must get); "points" and
    "levels": threshold - today (negative: already passed).
    """
    if gap_kind not in ("ratio", "points", "levels"):
        raise ValueError(f"gap_kind must be 'ratio', 'points' or 'levels', got {gap_kind!r}")
    threshold = float(finite_array(threshold, "threshold"))
    if today is None:
        return None
    today = float(finite_array(today, "today"))
    if gap_kind == "ratio":
        if today <= 0:
            raise ValueError("a ratio gap needs a positive value today")
        return threshold / today
    return threshold - today


def measurable_row(key: str, threshold: float | None = None, assumed_today: float | None = None) -> dict:
    """One definition with a threshold, as a row: quantity, today, threshold, gap, what settles it.

    ``assumed_today`` fills in today's value when no measurement exists (the gap
    is then marked as resting on an assumption).
    """
    if key not in DEFINITIONS:
        raise KeyError(f"no definition {key!r}; known: {', '.join(DEFINITIONS)}")
    definition = DEFINITIONS[key]
    threshold = definition.default_threshold if threshold is None else float(threshold)
    measured = definition.today is not None
    today = definition.today if measured else assumed_today
    gap = measurable_gap(today, threshold, definition.gap_kind)
    if gap is None:
        gap_text = "unknown: nothing measures it today"
    elif definition.gap_kind == "ratio":
        gap_text = f"x{gap:.3g} to go" if gap > 1 else "passed"
    elif gap <= 0:
        gap_text = f"passed ({_gap_text(-gap, definition.unit)} above)" if gap < 0 else "reached exactly"
    else:
        gap_text = f"{_gap_text(gap, definition.unit)} to go"
    if gap is not None and not measured:
        gap_text += " (on the assumption)"
    today_text = (_number_text(today, definition.unit) + (" (assumed)" if not measured else "")
                  if today is not None else "not measured")
    return {
        "definition": definition.name,
        "proposed by": definition.proposed_by,
        "measurable quantity": definition.quantity,
        "today": today_text,
        "today's source": definition.today_note,
        "threshold": definition.threshold_label(threshold),
        "gap": gap_text,
        "settled by": definition.settled_by,
        "gap_value": gap,
    }
