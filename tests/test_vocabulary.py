"""The shared words of the exercise engine: question calls, verdicts, symbols and colours."""
from __future__ import annotations

import re

from scalecheck.exercise import vocabulary
from scalecheck.exercise.exercises import ExerciseSet


def test_question_methods_are_the_methods_that_ask():
    for method in vocabulary.QUESTION_METHODS:
        assert callable(getattr(ExerciseSet, method)), method


def test_question_call_finds_ids_and_ignores_lookalikes():
    source = (
        'ex.number("q1_flop", 3e25)\n'
        "box = ex.choice( 'q2_unit')\n"
        'ex.check("q3_fn", days_needed)\n'
        'ex.written("q4_argue")\n'
        'index.number("not_a_question")\n'   # another object's method
        'ex.summary()\n'
        'ex.number(question_id)\n'           # not a literal id: the build cannot key it
    )
    assert vocabulary.QUESTION_CALL.findall(source) == ["q1_flop", "q2_unit", "q3_fn", "q4_argue"]


def test_every_status_has_one_symbol_and_one_colour():
    assert set(vocabulary.STATUS_SYMBOLS) == set(vocabulary.STATUSES)
    assert set(vocabulary.STATUS_COLOURS) == set(vocabulary.STATUSES)
    assert len(set(vocabulary.STATUS_SYMBOLS.values())) == len(vocabulary.STATUSES)
    assert len(set(vocabulary.STATUS_COLOURS.values())) == len(vocabulary.STATUSES)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", colour) for colour in vocabulary.STATUS_COLOURS.values())
