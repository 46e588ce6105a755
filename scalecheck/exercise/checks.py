"""Answer checks as pure functions: an answer and a question spec in, feedback out.

No widget, notebook or file is touched here, so every check is testable from
pytest and gives the same verdict in JupyterLab, in a headless run and in the
grader. Nothing a learner can type makes these functions raise: every input
becomes a :class:`Feedback` with a status and a message.

Statuses:

``correct``     within the stated tolerance
``close``       a recognisable slip (a factor of 1,000, hours for seconds, ...)
                or just outside the tolerance; the hint says which
``wrong``       neither; the hint says what to look at without giving it away
``unanswered``  nothing given yet (``...``, ``None``, an empty box)
``invalid``     not readable as an answer (``"abc"``, ``nan``, a list, ...)
``recorded``    no answer key is present (a class hand-out): the answer was
                read and sanity-checked, and will be graded later; also every
                written (argued) answer, which a teacher marks

Hints come in stages (:func:`with_stage`): the first wrong answer gets the
question's general ``hint``; each further wrong answer the next, more
specific one of ``hints`` (the last repeats). A known likely mistake always
gets its own message instead.
"""
from __future__ import annotations

import html
import math
import numbers
import re
from dataclasses import dataclass, replace
from typing import Any

from scalecheck.core.units import UnitError, format_si, parse_quantity, parse_unit
from scalecheck.exercise.vocabulary import STATUS_COLOURS as _COLOURS
from scalecheck.exercise.vocabulary import STATUS_SYMBOLS as _SYMBOLS
from scalecheck.exercise.vocabulary import STATUSES  # noqa: F401  (answers.py imports it from here)

# The share of a question's points a "close" answer earns. The one default:
# the learner's own summary (exercises.Summary) and the grader both use it.
CLOSE_CREDIT = 0.5

# Written answers longer than this are not accepted (a paste accident, not an argument)
MAX_WRITTEN_CHARS = 10_000


def points_earned(status: str, points: float, close_credit: float = CLOSE_CREDIT) -> float:
    """Points an answer with this verdict earns (written answers: 0 until marked)."""
    if status == "correct":
        return float(points)
    if status == "close":
        return float(points) * close_credit
    return 0.0


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer, ready to show to a learner."""

    question: str
    status: str
    message: str
    hint: str = ""
    read_as: str = ""  # how the answer was understood, e.g. "7.9e+19 FLOP/s"
    hint_label: str = "Hint"  # "Hint 2 of 3" for a staged hint
    extra: tuple[tuple[str, str], ...] = ()  # (label, text) paragraphs, e.g. a model answer

    @property
    def passed(self) -> bool:
        return self.status == "correct"

    def text(self) -> str:
        """Plain text, deterministic (nbval compares it)."""
        line = f"{_SYMBOLS[self.status]} {self.question}: {self.status}. {self.message}"
        if self.hint:
            line += f" {self.hint_label}: {self.hint}"
        for label, text in self.extra:
            line += f"\n{label}: {text}"
        return line

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.text())

    def html(self) -> str:
        colour = _COLOURS[self.status]
        hint = f"<br><b>{html.escape(self.hint_label)}:</b> {html.escape(self.hint)}" if self.hint else ""
        extra = "".join(
            f'<div style="margin-top:4px;white-space:pre-wrap"><b>{html.escape(label)}:</b> {html.escape(text)}</div>'
            for label, text in self.extra
        )
        return (
            f'<div class="scalecheck-feedback scalecheck-{self.status}" '
            f'style="border-left:4px solid {colour};padding:2px 8px;margin:2px 0">'
            f'<span style="color:{colour};font-weight:bold">{_SYMBOLS[self.status]} '
            f"{html.escape(self.status)}</span> {html.escape(self.message)}{hint}{extra}</div>"
        )

    def _repr_html_(self) -> str:
        return self.html()


# ---------------------------------------------------------------------------
# Reading an answer


class _Unreadable(Exception):
    """Internal: the answer cannot be read; the message says why."""


def _sentence(text: str) -> str:
    """Upper-case the first letter only (str.capitalize lowers the rest)."""
    return text[:1].upper() + text[1:] if text else text


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_PLACEHOLDER_TEXT = re.compile(r"^(?:\.\.\.|Ellipsis)(?:[^A-Za-z0-9].*)?$", re.S)


def is_blank(answer: Any) -> bool:
    """True for the placeholders that mean 'not answered yet'."""
    if answer is None or answer is Ellipsis:
        return True
    if not isinstance(answer, str):
        return False
    # "..." itself, or the placeholder formatted into text: f"{...}%" gives "Ellipsis%"
    return answer.strip() in ("", "...") or _PLACEHOLDER_TEXT.match(answer.strip()) is not None


def read_number(answer: Any, unit: str = "") -> tuple[float, str]:
    """Read an answer as a number in ``unit``; return (value, note).

    Accepts ints, floats, numpy scalars, 0-d arrays and text such as
    ``"4e20"``, ``"400 EFLOP/s"`` or ``"2.5 x 10^25"``. Text with a unit is
    converted to the question's unit; a unit of another kind (power given
    where energy is asked) raises :class:`UnitMismatch`. Anything else raises
    ``_Unreadable`` with a message meant for the learner.
    """
    if isinstance(answer, bool):
        raise _Unreadable(f"{answer} is a yes/no value, not a number")
    if isinstance(answer, complex):
        raise _Unreadable("a complex number is not a quantity here")
    note = ""
    if isinstance(answer, str):
        text = answer.strip()
        if len(text) > 200:
            raise _Unreadable("that text is too long to be a number")
        try:
            number, unit_text = parse_quantity(text)
        except (ValueError, OverflowError):
            raise _Unreadable(
                f"could not read {_describe(answer)} as a number; "
                "write digits, e.g. 4e20 or 400 EFLOP/s"
            ) from None
        if unit_text:
            try:
                given = parse_unit(unit_text)
            except UnitError:
                raise _Unreadable(
                    f"could not read the unit {unit_text!r}; use e.g. "
                    f"{unit or 'a plain number'}, or leave the unit out"
                ) from None
            asked = parse_unit(unit or "1")
            if given.dimension != asked.dimension:
                raise UnitMismatch(given.text, given.dimension_text, unit, asked.dimension_text)
            number = number * given.scale / asked.scale
            converted = format_si(number, unit)
            if converted.replace(" ", "") != text.replace(" ", ""):
                note = f"{text} = {converted}"
        value = number
    elif isinstance(answer, numbers.Number):
        value = answer
    elif hasattr(answer, "shape") and getattr(answer, "shape", None) == () and hasattr(answer, "item"):
        value = answer.item()  # numpy 0-d array or scalar
    elif isinstance(answer, (list, tuple, set, dict)) or hasattr(answer, "__len__"):
        try:
            size = len(answer)
        except TypeError:
            size = "several"
        raise _Unreadable(
            f"got a {type(answer).__name__} with {size} item(s); give a single number"
        )
    else:
        raise _Unreadable(f"got a {type(answer).__name__}; give a single number")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _Unreadable(f"got {_describe(value)}; give a single real number")
    try:
        value = float(value)
    except (OverflowError, ValueError, TypeError):
        raise _Unreadable(f"{_describe(answer)} is too large to be a number here") from None
    if math.isnan(value):
        raise _Unreadable("the answer is NaN (not a number): look for a 0/0 or a missing value upstream")
    if math.isinf(value):
        raise _Unreadable("the answer is infinite: look for a division by zero or an overflow upstream")
    return value, note


class UnitMismatch(Exception):
    """The answer carries a unit of a different kind than the question asks."""

    def __init__(self, given: str, given_dim: str, asked: str, asked_dim: str):
        super().__init__(given)
        self.given, self.given_dim, self.asked, self.asked_dim = given, given_dim, asked, asked_dim

    def hint(self) -> str:
        pair = {frozenset(("compute", "compute/time")): "FLOP is an amount of work; FLOP/s is a rate.",
                frozenset(("power", "energy")): "W is a rate (power); Wh and J are amounts (energy).",
                frozenset(("energy", "power/time")): "W is a rate (power); Wh and J are amounts (energy)."}
        extra = pair.get(frozenset((self.given_dim, self.asked_dim)), "")
        return (f"{self.given} measures {self.given_dim}, "
                f"but the answer is asked in {self.asked} ({self.asked_dim}). {extra}").strip()


# ---------------------------------------------------------------------------
# Number questions


@dataclass(frozen=True)
class NumberSpec:
    """What a number question expects and how strictly it is judged.

    ``judge="rel"``: arithmetic, correct within ``rel_tol`` (relative).
    ``judge="log"``: an estimate, correct within a factor ``factor`` either way.
    ``expected=None`` means no key is present: only the non-revealing checks
    (readable, unit, sign, plausible range) run.
    """

    unit: str = ""
    expected: float | None = None
    judge: str = "rel"
    rel_tol: float = 0.02
    factor: float = 2.0
    mistakes: tuple[tuple[float, str], ...] = ()
    hint: str = ""
    hints: tuple[str, ...] = ()  # more specific hints for repeated wrong answers
    sign: int = 0  # +1 or -1 when the sign is public knowledge, 0 otherwise
    plausible: tuple[float, float] | None = None  # a wide, public sanity range

    def within(self, value: float, target: float, scale: float = 1.0) -> bool:
        """Is ``value`` within (scale x) the tolerance of ``target``?"""
        if target == 0:
            return abs(value) <= self.rel_tol * scale
        if self.judge == "log":
            if value == 0 or (value > 0) != (target > 0):
                return False
            return abs(math.log10(value / target)) <= math.log10(self.factor) * scale
        return abs(value - target) <= abs(target) * self.rel_tol * scale


# Slips that are not conceptual mistakes: the answer is right apart from a
# conversion. Checked as ratios of answer / expected.
_SLIPS: tuple[tuple[float, str], ...] = (
    (1e3, "off by a factor of 1,000: check your SI prefixes (k, M, G, T, P, E, Z, Y)"),
    (1e6, "off by a factor of a million: two SI prefix steps (e.g. M vs T, or P vs Z)"),
    (1e9, "off by a factor of a billion: three SI prefix steps"),
    (1e12, "off by a factor of 10^12: four SI prefix steps"),
    (3600.0, "off by 3,600: seconds vs hours?"),
    (86_400.0, "off by 86,400: seconds vs days?"),
    (8766.0, "off by about 8,766: hours vs years?"),
    (365.25, "off by about 365: days vs years?"),
    (24.0, "off by 24: hours vs days?"),
    (60.0, "off by 60: minutes vs hours or seconds vs minutes?"),
    (100.0, "off by 100: a percentage written as a fraction, or the other way round?"),
    (10.0, "off by a factor of 10: check the exponent"),
)


def _closeness_of_slip(ratio: float) -> str | None:
    """If answer/expected is a known slip factor (within 3%), say which."""
    for factor, message in _SLIPS:
        for candidate in (factor, 1.0 / factor):
            if abs(math.log(ratio / candidate)) < math.log(1.03):
                direction = "too large" if candidate > 1 else "too small"
                return f"{message} (your answer is {direction})"
    return None


def judge_number(question: str, answer: Any, spec: NumberSpec) -> Feedback:
    """Judge a number answer against a spec; never raises on bad input."""
    if is_blank(answer):
        return Feedback(question, "unanswered", "Not answered yet.")
    try:
        value, note = read_number(answer, spec.unit)
    except _Unreadable as problem:
        return Feedback(question, "invalid", _sentence(str(problem)) + ".")
    except UnitMismatch as mismatch:
        return Feedback(question, "wrong", "The unit is of the wrong kind.", mismatch.hint())
    except Exception as error:  # the last guard: a learner's input never raises
        return Feedback(question, "invalid", f"Could not read the answer ({type(error).__name__}).")
    read_as = format_si(value, spec.unit) if spec.unit else f"{value:.4g}"
    shown = f"Read as {read_as}." if not note else f"Read {note}."

    if spec.sign and value != 0 and (value > 0) != (spec.sign > 0):
        sign_word = "positive" if spec.sign > 0 else "negative"
        status = "recorded" if spec.expected is None else "wrong"
        return Feedback(question, status, f"{shown} This quantity is {sign_word}.",
                        "Check the sign of your answer.", read_as)

    if spec.expected is None:
        message = f"{shown} Recorded; this hand-out has no answer key, so it will be graded later."
        hint = ""
        if spec.plausible is not None:
            low, high = spec.plausible
            if not (low <= abs(value) <= high):
                hint = (f"{read_as} is outside the plausible range for this question "
                        f"({format_si(low, spec.unit)} to {format_si(high, spec.unit)}): check units and prefixes.")
        return Feedback(question, "recorded", message, hint, read_as)

    expected = spec.expected
    if spec.within(value, expected):
        return Feedback(question, "correct", f"{shown} That matches.", "", read_as)
    for mistake_value, mistake_hint in spec.mistakes:
        if spec.within(value, mistake_value):
            return Feedback(question, "wrong", f"{shown} Not quite.", mistake_hint, read_as)
    if expected != 0 and value != 0 and (value > 0) == (expected > 0):
        slip = _closeness_of_slip(value / expected)
        if slip:
            return Feedback(question, "close", f"{shown} Right digits, wrong scale.", _sentence(slip) + ".", read_as)
    if spec.within(value, expected, scale=4.0):
        return Feedback(question, "close", f"{shown} Close, but outside the tolerance.",
                        spec.hint or "Check your rounding and each input.", read_as)
    direction = "too high" if abs(value) > abs(expected) else "too low"
    if (value > 0) != (expected > 0) and value != 0:
        direction = "of the wrong sign"
    return Feedback(question, "wrong", f"{shown} That is {direction}.", spec.hint, read_as)


# ---------------------------------------------------------------------------
# Choice questions


@dataclass(frozen=True)
class ChoiceSpec:
    options: tuple[str, ...]
    expected: str | None = None
    explanations: tuple[tuple[str, str], ...] = ()  # option -> why it is wrong
    hint: str = ""
    hints: tuple[str, ...] = ()


def _normalise(text: str) -> str:
    return " ".join(text.strip().lower().split())


def judge_choice(question: str, answer: Any, spec: ChoiceSpec) -> Feedback:
    """Judge a choice: the answer must be one of the options (case-insensitive)."""
    if is_blank(answer):
        return Feedback(question, "unanswered", "Not answered yet: pick one option.")
    if not isinstance(answer, str):
        return Feedback(question, "invalid",
                        f"Got {_describe(answer)}; answer with the text of one option, e.g. {spec.options[0]!r}.")
    by_key = {_normalise(option): option for option in spec.options}
    picked = by_key.get(_normalise(answer))
    if picked is None:
        listed = "; ".join(repr(o) for o in spec.options)
        return Feedback(question, "invalid", f"{_describe(answer)} is not one of the options: {listed}.")
    if spec.expected is None:
        return Feedback(question, "recorded", f"You picked {picked!r}. Recorded; it will be graded later.")
    if picked == spec.expected:
        return Feedback(question, "correct", f"{picked!r} is right.")
    why = dict(spec.explanations).get(picked, spec.hint)
    return Feedback(question, "wrong", f"{picked!r} is not the best answer.", why)


# ---------------------------------------------------------------------------
# Function questions


@dataclass(frozen=True)
class FunctionSpec:
    """Test cases for a short function: ((args...), expected) pairs."""

    cases: tuple[tuple[tuple, float], ...] = ()
    rel_tol: float = 1e-6
    hint: str = ""
    name: str = "your function"
    hints: tuple[str, ...] = ()


def judge_function(question: str, answer: Any, spec: FunctionSpec) -> Feedback:
    """Call the learner's function on every case; compare within ``rel_tol``.

    Errors raised by the function become feedback, never a traceback.
    """
    if is_blank(answer):
        return Feedback(question, "unanswered", "Not answered yet: define the function above.")
    if not callable(answer):
        return Feedback(question, "invalid", f"Got {_describe(answer)}; this question wants a function.")
    if not spec.cases:
        return Feedback(question, "recorded", "Your function is recorded; it will be graded later.")
    number_spec = NumberSpec(rel_tol=spec.rel_tol)
    passed = 0
    for args, expected in spec.cases:
        shown_args = ", ".join(_describe(a) for a in args)
        try:
            result = answer(*args)
        except Exception as error:  # a learner's function may raise anything
            return Feedback(question, "wrong",
                            f"Calling it with ({shown_args}) raised {type(error).__name__}: {error}"[:300], spec.hint)
        if result is None or result is Ellipsis:
            return Feedback(question, "unanswered",
                            f"It returned {result!r} for ({shown_args}): is the body written yet?")
        try:
            value, _ = read_number(result)
        except (_Unreadable, UnitMismatch) as problem:
            return Feedback(question, "invalid", f"For ({shown_args}) it returned something unreadable: {problem}")
        if not number_spec.within(value, expected):
            return Feedback(question, "wrong",
                            f"Passed {passed} of {len(spec.cases)} test cases; ({shown_args}) gave {value:.6g}.",
                            spec.hint)
        passed += 1
    return Feedback(question, "correct", f"Passed all {passed} test cases.")


# ---------------------------------------------------------------------------
# Written (argued) answers


@dataclass(frozen=True)
class WrittenSpec:
    """A short argued answer, marked by a teacher against ``rubric``.

    With the full key (self-study) the model answer and rubric are shown once
    the learner has submitted an answer of at least ``min_words`` words.
    """

    min_words: int = 0
    rubric: str = ""
    model_answer: str = ""
    hint: str = ""
    hints: tuple[str, ...] = ()


def word_count(text: str) -> int:
    return len(text.split())


def judge_written(question: str, answer: Any, spec: WrittenSpec) -> Feedback:
    """Read a written answer: blank, too short or too long, else recorded."""
    if is_blank(answer):
        return Feedback(question, "unanswered", "Not answered yet: write your answer and press Submit.")
    if not isinstance(answer, str):
        return Feedback(question, "invalid", f"Got {_describe(answer)}; write your answer as text.")
    if len(answer) > MAX_WRITTEN_CHARS:
        return Feedback(question, "invalid",
                        f"That is {len(answer):,} characters; keep the answer under {MAX_WRITTEN_CHARS:,}.")
    words = word_count(answer)
    minimum = max(0, int(spec.min_words))
    if words < minimum:
        return Feedback(question, "invalid",
                        f"{words} word{'s' if words != 1 else ''} so far; write at least {minimum} to argue your case.",
                        spec.hint)
    extra: tuple[tuple[str, str], ...] = ()
    if spec.model_answer:
        extra = (("A model answer", spec.model_answer),)
        if spec.rubric:
            extra += (("What earns the points", spec.rubric),)
    return Feedback(question, "recorded",
                    f"Recorded ({words} words); your teacher marks this answer.", "", "", "Hint", extra)


def with_stage(feedback: Feedback, spec: Any, stage: int) -> Feedback:
    """The feedback with the hint for the learner's ``stage``-th wrong answer.

    Stage 0 (the first wrong answer) keeps the general hint; stage k >= 1
    shows ``spec.hints[k - 1]`` (the last one repeats). Only the general hint
    is replaced: a message for a known mistake or a unit slip stays.
    """
    hints = tuple(getattr(spec, "hints", ()) or ())
    if not hints or feedback.status not in ("wrong", "close"):
        return feedback
    total = 1 + len(hints)
    if feedback.hint != getattr(spec, "hint", "") and feedback.hint != "Check your rounding and each input.":
        return feedback  # a specific message (known mistake, unit slip) beats a staged hint
    stage = max(0, int(stage))
    if stage == 0:
        return replace(feedback, hint_label=f"Hint 1 of {total}") if feedback.hint else feedback
    index = min(stage, len(hints))
    return replace(feedback, hint=hints[index - 1], hint_label=f"Hint {index + 1} of {total}")


def judge(question: str, answer: Any, spec: NumberSpec | ChoiceSpec | FunctionSpec | WrittenSpec) -> Feedback:
    """Dispatch on the spec's type; the one entry point the grader uses."""
    try:
        if isinstance(spec, NumberSpec):
            return judge_number(question, answer, spec)
        if isinstance(spec, ChoiceSpec):
            return judge_choice(question, answer, spec)
        if isinstance(spec, FunctionSpec):
            return judge_function(question, answer, spec)
        if isinstance(spec, WrittenSpec):
            return judge_written(question, answer, spec)
    except Exception as error:  # defence in depth: checks never raise
        return Feedback(question, "invalid", f"The check could not read this answer ({type(error).__name__}).")
    raise TypeError(f"unknown spec type {type(spec).__name__}")
