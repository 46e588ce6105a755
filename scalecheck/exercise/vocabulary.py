"""Words the exercise engine, the build and the grader must agree on.

How a notebook asks a question (``ex.number("q1_...")`` and its siblings),
the verdicts an answer can get, and how each verdict is shown (symbol and
colour). The build (tools/build.py) reads question calls to write the
answer keys, the feedback report (classroom) reads them to place each
verdict under its cell, and the checks print the symbols and colours; one
definition here keeps the three from drifting apart.

Only the standard library is used, so anything may import this module.

>>> QUESTION_CALL.findall('ex.number("q1_flop", 3e25)  # and ex.choice(\\'q2_unit\\')')
['q1_flop', 'q2_unit']
"""
from __future__ import annotations

import re

#: The methods of :class:`scalecheck.exercise.exercises.ExerciseSet` that ask a question;
#: each takes the question id as its first argument
QUESTION_METHODS: tuple[str, ...] = ("number", "choice", "check", "written")

#: A question call in notebook code; group ``q`` is the question id
QUESTION_CALL = re.compile(
    r"\bex\.(?:" + "|".join(QUESTION_METHODS) + r")\(\s*['\"](?P<q>[A-Za-z0-9_]+)['\"]"
)

#: Every verdict an answer can get (see :mod:`scalecheck.exercise.checks` for what each means)
STATUSES: tuple[str, ...] = ("correct", "close", "wrong", "unanswered", "invalid", "recorded")

#: The symbol printed before a verdict, in plain text and in HTML
STATUS_SYMBOLS: dict[str, str] = {
    "correct": "✔", "close": "≈", "wrong": "✘", "unanswered": "…",
    "invalid": "?", "recorded": "✎",
}

#: The colour of a verdict; always shown next to its symbol, so colour is never the only cue
STATUS_COLOURS: dict[str, str] = {
    "correct": "#1a7f37", "close": "#9a6700", "wrong": "#cf222e",
    "unanswered": "#57606a", "invalid": "#8250df", "recorded": "#0969da",
}
