"""Every check: the right answer, typical wrong answers, and bad input."""
import math

import numpy as np
import pandas as pd
import pytest

from scalecheck.exercise.checks import (
    ChoiceSpec,
    Feedback,
    FunctionSpec,
    NumberSpec,
    judge,
    judge_choice,
    judge_function,
    judge_number,
    read_number,
)

CLUSTER = NumberSpec(unit="FLOP/s", expected=7.916e19, rel_tol=0.03,
                     mistakes=((1.979e19, "dense BF16, not the quoted format"),), hint="multiply")


@pytest.mark.parametrize("answer", [7.916e19, 8e19, "79 EFLOP/s", "7.9e19", "0.0792 ZFLOP/s",
                                    np.float64(7.9e19), np.array(7.9e19), "7.916 x 10^19", 79_160_000_000_000_000_000])
def test_number_correct(answer):
    assert judge_number("q", answer, CLUSTER).status == "correct"


@pytest.mark.parametrize("answer, status, fragment", [
    (7.9e22, "close", "factor of 1,000"),
    (7.9e16, "close", "factor of 1,000"),
    (7.9e25, "close", "million"),
    (7.916e19 / 3600, "close", "3,600"),
    (8.6e19, "close", "outside the tolerance"),
    (1.98e19, "wrong", "dense BF16"),
    (3e20, "wrong", "too high"),
    (1e10, "wrong", "too low"),
    (-7.9e19, "wrong", "sign"),
    ("79 EFLOP", "wrong", "FLOP is an amount"),
    ("79 MW", "wrong", "power"),
])
def test_number_typical_mistakes(answer, status, fragment):
    feedback = judge_number("q", answer, CLUSTER)
    assert feedback.status == status, feedback.text()
    assert fragment in feedback.text()


@pytest.mark.parametrize("answer", [None, ..., "", "   ", "..."])
def test_number_unanswered(answer):
    assert judge_number("q", answer, CLUSTER).status == "unanswered"


@pytest.mark.parametrize("answer, fragment", [
    ("abc", "could not read"),
    (float("nan"), "NaN"),
    (float("inf"), "infinite"),
    (-float("inf"), "infinite"),
    ("1e400", "infinite"),
    ([1, 2], "list"),
    ((7.9e19,), "tuple"),
    ({"a": 1}, "dict"),
    (np.array([1.0, 2.0]), "ndarray"),
    (pd.Series([7.9e19]), "Series"),
    (True, "yes/no"),
    (1 + 2j, "complex"),
    (object(), "object"),
    ("7.9e19 furlongs", "unit"),
    ("x" * 500, "too long"),
    (10 ** 400, "too large"),
])
def test_number_bad_input_gets_a_message(answer, fragment):
    feedback = judge_number("q", answer, CLUSTER)
    assert feedback.status == "invalid", feedback.text()
    assert fragment.lower() in feedback.text().lower()


def test_unit_slip_thousand_is_close_not_correct():
    energy = NumberSpec(unit="MWh", expected=1.1396e6, rel_tol=0.01)
    assert judge_number("q", "1.14 TWh", energy).status == "correct"
    assert judge_number("q", "1.14 GWh", energy).status == "close"
    assert judge_number("q", "130 MW", energy).status == "wrong"
    assert "rate" in judge_number("q", "130 MW", energy).hint


def test_log_judged_estimate():
    spec = NumberSpec(unit="GWh", expected=1341.0, judge="log", factor=1.5)
    assert judge_number("q", 1000, spec).status == "correct"
    assert judge_number("q", 2000, spec).status == "correct"
    assert judge_number("q", 2100, spec).status == "close"
    assert judge_number("q", 9000, spec).status == "wrong"
    assert judge_number("q", -1000, spec).status == "wrong"
    assert judge_number("q", 0, spec).status == "wrong"


def test_zero_expected():
    spec = NumberSpec(expected=0.0, rel_tol=0.01)
    assert judge_number("q", 0.0, spec).status == "correct"
    assert judge_number("q", 0.5, spec).status != "correct"


def test_no_key_mode_gives_nothing_away():
    spec = NumberSpec(unit="FLOP/s", expected=None, sign=1, plausible=(1e16, 1e22))
    inside = judge_number("q", 7.9e19, spec)
    assert inside.status == "recorded" and not inside.hint
    outside = judge_number("q", 7.9e25, spec)
    assert outside.status == "recorded" and "plausible range" in outside.hint
    assert judge_number("q", -5, spec).hint == "Check the sign of your answer."
    assert judge_number("q", "abc", spec).status == "invalid"
    # the same wrong answer gets no "wrong" verdict without a key
    assert judge_number("q", 1.98e19, spec).status == "recorded"


CHOICE = ChoiceSpec(options=("BF16 dense", "FP8 with sparsity", "FP4 with sparsity"), expected="FP4 with sparsity",
                    explanations=(("FP8 with sparsity", "half the figure"),))


def test_choice():
    assert judge_choice("q", "FP4 with sparsity", CHOICE).status == "correct"
    assert judge_choice("q", "  fp4 WITH sparsity ", CHOICE).status == "correct"
    wrong = judge_choice("q", "FP8 with sparsity", CHOICE)
    assert wrong.status == "wrong" and wrong.hint == "half the figure"
    assert judge_choice("q", None, CHOICE).status == "unanswered"
    for bad in ("FP16", 3, ["FP4 with sparsity"], float("nan")):
        feedback = judge_choice("q", bad, CHOICE)
        assert feedback.status == "invalid", bad
    assert judge_choice("q", "BF16 dense", ChoiceSpec(options=CHOICE.options)).status == "recorded"


FUNCTION = FunctionSpec(cases=(((20_000, 4), 8e19), ((1e6, 100), 1e23)), rel_tol=1e-9)


def test_function():
    assert judge_function("q", lambda n, p: n * p * 1e15, FUNCTION).status == "correct"
    off = judge_function("q", lambda n, p: n * p * 1e12, FUNCTION)
    assert off.status == "wrong" and "0 of 2" in off.message
    raises = judge_function("q", lambda n, p: 1 / 0, FUNCTION)
    assert raises.status == "wrong" and "ZeroDivisionError" in raises.message
    stub = judge_function("q", lambda n, p: None, FUNCTION)
    assert stub.status == "unanswered"
    assert judge_function("q", ..., FUNCTION).status == "unanswered"
    assert judge_function("q", 42, FUNCTION).status == "invalid"
    assert judge_function("q", lambda n, p: "abc", FUNCTION).status == "invalid"
    assert judge_function("q", lambda n, p: [1], FUNCTION).status == "invalid"
    assert judge_function("q", lambda: 1, FUNCTION).status == "wrong"  # wrong signature


def test_judge_dispatch_and_feedback_rendering():
    feedback = judge("q1", 8e19, CLUSTER)
    assert isinstance(feedback, Feedback) and feedback.passed
    assert feedback.text().startswith("✔ q1: correct.")
    assert "scalecheck-correct" in feedback._repr_html_()
    hostile = judge("q1", "<script>alert(1)</script>", CLUSTER)
    assert "<script>" not in hostile.html()


def test_read_number_reports_conversion():
    value, note = read_number("1.14 TWh", "MWh")
    assert math.isclose(value, 1.14e6)
    assert "TWh" in note


def test_staged_hints_and_specific_mistakes():
    from scalecheck.exercise.checks import with_stage

    spec = NumberSpec(unit="MWh", expected=100.0, hint="general", hints=("specific", "most specific"),
                      mistakes=((400.0, "peak, not average"),))
    wrong = judge_number("q", "50", spec)
    assert ([with_stage(wrong, spec, n).hint for n in range(4)]
            == ["general", "specific", "most specific", "most specific"])
    assert with_stage(wrong, spec, 1).text().endswith("Hint 2 of 3: specific")
    mistake = judge_number("q", "400", spec)
    assert with_stage(mistake, spec, 2).hint == "peak, not average"
    slip = judge_number("q", "100000", spec)  # a factor of 1,000: its own message stays
    assert "1,000" in with_stage(slip, spec, 2).hint
    right = judge_number("q", "100", spec)
    assert with_stage(right, spec, 3) == right
    plain = NumberSpec(expected=1.0, hint="only")
    assert with_stage(judge_number("q", "5", plain), plain, 4).hint == "only"
    choice = ChoiceSpec(options=("a", "b"), expected="a", hint="think", hints=("think harder",))
    assert with_stage(judge_choice("q", "b", choice), choice, 1).hint == "think harder"


def test_written_answers():
    from scalecheck.exercise.checks import CLOSE_CREDIT, MAX_WRITTEN_CHARS, WrittenSpec, points_earned

    spec = WrittenSpec(min_words=3, rubric="R", model_answer="M")
    assert judge("q", "", spec).status == "unanswered"
    assert judge("q", 42, spec).status == "invalid"
    assert judge("q", "two words", spec).status == "invalid"
    assert judge("q", "x " * (MAX_WRITTEN_CHARS // 2 + 1), spec).status == "invalid"
    done = judge("q", "three whole words", spec)
    assert done.status == "recorded" and done.extra == (("A model answer", "M"), ("What earns the points", "R"))
    assert "A model answer: M" in done.text() and "<b>A model answer:</b> M" in done.html()
    hidden = judge("q", "three whole words", WrittenSpec(min_words=3))
    assert hidden.status == "recorded" and not hidden.extra
    assert judge("q", "<script>x</script> a b", spec).html().count("<script>") == 0
    assert points_earned("close", 2) == 2 * CLOSE_CREDIT and points_earned("recorded", 2) == 0


def test_the_placeholder_formatted_into_text_is_not_answered():
    from scalecheck.exercise.checks import is_blank

    for text in ("Ellipsis", "Ellipsis%", "Ellipsis MWh", "... %", " ... "):
        assert is_blank(text), text
        assert judge_number("q", text, NumberSpec(unit="%", expected=5.0)).status == "unanswered"
    for text in ("Ellipsisx", "5%", "1e3 Ellipsis"):
        assert not is_blank(text), text
