"""Judging, in the grader's process: validate what a kernel sent, then score.

Everything read back from a kernel is hostile until checked here: its shape
and size are validated *per answer*, so one answer that cannot be read
loses only itself.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from scalecheck.exercise import checks
from scalecheck.exercise import keys as keymod
from scalecheck.exercise.checks import Feedback, judge

QUESTION_ID = re.compile(r"^[A-Za-z0-9_]{1,100}$")
MAX_ANSWERS = 200
MAX_TEXT = 10_000
MAX_OUTPUTS = 100
MAX_NOTES = 50
CLOSE_CREDIT = float(getattr(checks, "CLOSE_CREDIT", 0.5))


@dataclass
class Execution:
    """What running one submission produced (cached by submission hash)."""

    answers: dict[str, Any] = field(default_factory=dict)  # question -> encoded answer (validated)
    problems: list[str] = field(default_factory=list)      # notes for the teacher and the student
    failure: str = ""                                      # set when the submission could not be run to the end
    seconds: float = 0.0
    executed: dict | None = None                           # the executed notebook, for the feedback report


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def validate_encoded(value: Any, allow_func: bool = True) -> dict | None:
    """An encoded answer in its one valid shape, or None."""
    if not isinstance(value, dict):
        return None
    kind = value.get("t")
    if kind == "blank":
        return {"t": "blank"}
    if kind == "bool" and isinstance(value.get("v"), bool):
        return {"t": "bool", "v": value["v"]}
    if kind == "str" and isinstance(value.get("v"), str):
        return {"t": "str", "v": value["v"][:MAX_TEXT]}
    if kind == "int" and isinstance(value.get("v"), str) and re.fullmatch(r"-?\d{1,400}", value["v"]):
        return {"t": "int", "v": value["v"]}
    if kind == "num" and isinstance(value.get("v"), str) and len(value["v"]) <= 40:
        try:
            float(value["v"])
        except ValueError:
            return None
        return {"t": "num", "v": value["v"]}
    if kind == "error":
        return {"t": "error", "v": _text(value.get("v"), 200)}
    if kind == "obj":
        size = value.get("len")
        return {"t": "obj", "type": re.sub(r"\W", "", _text(value.get("type"), 40)) or "object",
                "len": size if isinstance(size, int) and not isinstance(size, bool) and 0 <= size < 10 ** 12 else None}
    outputs = value.get("outputs")
    if kind == "func" and allow_func and isinstance(outputs, list) and len(outputs) <= MAX_OUTPUTS:
        outputs = [validate_encoded(o, allow_func=False) for o in value["outputs"]]
        return {"t": "func", "outputs": [o if o is not None else {"t": "error", "v": "unreadable"} for o in outputs]}
    return None


def validate_answers(payload: Any) -> tuple[dict[str, Any], list[str], bool]:
    """(answers, notes, found) from the kernel's reply; a bad answer is dropped with a note."""
    if not isinstance(payload, dict) or not isinstance(payload.get("answers"), dict):
        # found=True: nothing is known about the set, so say nothing about it
        return {}, ["the answers could not be read back from the kernel (the reply had the wrong shape)"], True
    answers, notes = {}, []
    for question, value in list(payload["answers"].items())[:MAX_ANSWERS]:
        if not isinstance(question, str) or not QUESTION_ID.match(question):
            notes.append("an answer with an unreadable question id was ignored")
            continue
        checked = validate_encoded(value)
        if checked is None:
            notes.append(f"{question}: the answer could not be read back from the kernel; it was not graded from there")
            continue
        answers[question] = checked
    return answers, notes[:MAX_NOTES], payload.get("found") is True


def validate_execution(data: Any) -> Execution | None:
    """An Execution rebuilt from untrusted data (a worker's result or a cache entry), or None."""
    if not isinstance(data, dict):
        return None
    answers = data.get("answers")
    problems = data.get("problems")
    failure = data.get("failure", "")
    seconds = data.get("seconds", 0.0)
    executed = data.get("executed")
    if not isinstance(answers, dict) or not isinstance(problems, list) or not isinstance(failure, str):
        return None
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not math.isfinite(seconds):
        return None
    if executed is not None and not (isinstance(executed, dict) and isinstance(executed.get("cells"), list)):
        return None
    clean = {}
    for question, value in list(answers.items())[:MAX_ANSWERS]:
        checked = validate_encoded(value)
        if not isinstance(question, str) or not QUESTION_ID.match(question) or checked is None:
            return None
        clean[question] = checked
    return Execution(clean, [p[:500] for p in problems[:MAX_NOTES] if isinstance(p, str)], failure[:1000],
                     float(seconds), executed)


class _StandIn:
    """An object standing for an unserialisable answer (a list, a DataFrame...)."""


def decode(encoded: Any) -> Any:
    """Turn an encoded answer back into a value the checks judge the same way."""
    checked = validate_encoded(encoded)
    if checked is None or checked["t"] in ("blank", "error"):
        return ...
    kind = checked["t"]
    if kind in ("bool", "str"):
        return checked["v"]
    if kind == "int":
        return int(checked["v"])
    if kind == "num":
        return float(checked["v"])
    if kind == "func":
        return _recorded_function(checked["outputs"])
    namespace: dict[str, Any] = {}
    if isinstance(checked["len"], int):
        namespace["__len__"] = lambda self, n=checked["len"]: n
    return type(checked["type"], (_StandIn,), namespace)()


def _recorded_function(outputs: list):
    """A function that replays what the student's function returned, case by case."""
    calls = {"n": 0}

    def replay(*_args):
        index = calls["n"]
        calls["n"] += 1
        if index >= len(outputs):
            raise RuntimeError("no recorded result for this case")
        out = outputs[index]
        if out.get("t") == "error":
            raise RuntimeError(str(out.get("v"))[:200])
        value = decode(out)
        return None if value is Ellipsis else value

    return replay


@dataclass
class QuestionResult:
    question: str
    status: str
    points: float
    max_points: float
    answer: str
    message: str
    hint: str
    kind: str = ""
    manual: bool = False  # a written answer: the teacher marks it


def _entry_points(entry: dict) -> float:
    try:
        points = float(entry.get("points", 1.0))
    except (TypeError, ValueError):
        return 1.0
    return points if math.isfinite(points) and points >= 0 else 1.0


def score(answers: dict[str, Any], saved: dict[str, Any], key_entries: dict[str, dict],
          close_credit: float = CLOSE_CREDIT) -> list[QuestionResult]:
    """Judge every question of the key; a question with no answer scores zero.

    ``answers`` are the kernel's (validated, encoded); ``saved`` the answers
    saved in the notebook's widgets and answers file, used where the kernel
    has none (it died first, or the box was never re-created).
    """
    results = []
    for question, entry in sorted(key_entries.items(), key=lambda item: item[1].get("order", 0)):
        max_points = _entry_points(entry)
        answer: Any = ...
        if question in answers and answers[question].get("t") not in ("blank", "error"):
            answer = decode(answers[question])
        elif question in saved:
            answer = saved[question]
        shown = _describe(answer, answers.get(question))
        kind = str(entry.get("kind", ""))
        if kind == "written":
            text = answer if isinstance(answer, str) else ""
            status = "manual" if text.strip() else "unanswered"
            message = ("To be marked by your teacher." if text.strip() else "No written answer was found.")
            results.append(QuestionResult(question, status, 0.0, max_points, text[:MAX_TEXT], message, "", kind, True))
            continue
        try:
            feedback = judge(question, answer, keymod.spec_from_entry(entry))
        except Exception as error:  # the grader must finish, whatever the answer
            feedback = Feedback(question, "invalid", f"could not be judged ({type(error).__name__})")
        if question in answers and answers[question].get("t") == "error" and feedback.status == "unanswered":
            feedback = Feedback(question, "invalid", "Your answer could not be read back from the notebook.")
        earned = checks.points_earned(feedback.status, max_points, close_credit)
        results.append(QuestionResult(question, feedback.status, round(earned, 4), max_points, shown,
                                      str(feedback.message)[:2000], str(feedback.hint or "")[:2000], kind))
    return results


def _describe(answer: Any, encoded: Any) -> str:
    if answer is Ellipsis:
        if isinstance(encoded, dict) and encoded.get("t") == "error":
            return "(could not be read)"
        return "(none)"
    if isinstance(answer, str) and not answer.strip():
        return "(none)"
    if isinstance(answer, (str, int, float, bool)):
        return str(answer)[:200] if not isinstance(answer, int) or answer.bit_length() < 600 else "a very large integer"
    if callable(answer):
        return "a function"
    return f"a {type(answer).__name__}"
