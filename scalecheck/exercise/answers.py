"""Keeping answers typed into widgets: they must outlive the kernel.

A widget's value lives in the kernel, so a restart or a grader's re-run
would lose it. Two copies are kept:

1. A side file next to the notebook, ``<notebook stem>.answers.json``,
   written by the kernel at every change. It survives restarts even when the
   notebook was never saved.
2. The notebook file itself: JupyterLab saves widget state into the
   notebook's metadata (the course turns that setting on, see
   ``tools/lab_settings.json``). Every answer widget carries the CSS class
   ``scalecheck-q-<question id>``, so the saved state says which answer is
   which. This copy travels with the notebook when it is handed in.

Every answer carries the time it was typed (unix milliseconds): in the side
file's ``times`` table, and in the saved widget state as a second CSS class
``scalecheck-t-<ms>`` on the answer widget. Two copies can disagree (the
notebook saved before the last answer, or the dead widgets of an earlier
kernel session that JupyterLab keeps in the saved state after a restart):
:func:`saved_answers` then takes the most recently typed answer and lists
the disagreement. The kernel restores each box with the same rule, and the
grader grades with it, so a grade is what the student last saw.
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scalecheck.exercise.keys import write_atomic

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
QUESTION_CLASS_PREFIX = "scalecheck-q-"
TIME_CLASS_PREFIX = "scalecheck-t-"
MAX_ANSWER_CHARS = 20_000  # a saved answer longer than this is not an answer


def now_ms() -> int:
    return int(time.time() * 1000)


def time_class(ms: int) -> str:
    return f"{TIME_CLASS_PREFIX}{int(ms)}"


def _valid_time(value: Any) -> int:
    """A timestamp in ms, or 0 (unknown) for anything that is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    if not math.isfinite(value) or value < 0 or value > 1e15:
        return 0
    return int(value)


def _valid_value(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return not (isinstance(value, str) and len(value) > MAX_ANSWER_CHARS)


def _when(ms: int) -> str:
    if not ms:
        return "an unknown time"
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else f"{value!r}"
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass
class SavedAnswers:
    """The answers saved for one notebook, one per question, and what disagreed."""

    values: dict[str, Any] = field(default_factory=dict)  # question -> most recently typed answer
    times: dict[str, int] = field(default_factory=dict)  # question -> when (unix ms; 0 = unknown)
    conflicts: list[str] = field(default_factory=list)  # human-readable, one per question or problem


def _widget_candidates(notebook: Any, problems: list[str]) -> list[tuple[str, Any, int, str]]:
    """(question, value, time, where) for every answer widget in the saved state."""
    found: list[tuple[str, Any, int, str]] = []
    try:
        models = notebook["metadata"]["widgets"][WIDGET_STATE_MIME]["state"]
    except (KeyError, TypeError, IndexError):
        return found
    if not isinstance(models, dict):
        problems.append("the notebook's saved widget state is malformed; it was ignored")
        return found
    for model in models.values():
        state = model.get("state") if isinstance(model, dict) else None
        if not isinstance(state, dict):
            continue
        classes = state.get("_dom_classes") or []
        if not isinstance(classes, list):
            continue
        questions = [c[len(QUESTION_CLASS_PREFIX):] for c in classes
                     if isinstance(c, str) and c.startswith(QUESTION_CLASS_PREFIX)]
        if not questions:
            continue
        stamps = [c[len(TIME_CLASS_PREFIX):] for c in classes if isinstance(c, str) and c.startswith(TIME_CLASS_PREFIX)]
        moment = max((_valid_time(int(t)) for t in stamps if t.isdigit() and len(t) < 16), default=0)
        value: Any = None
        if "value" in state and _valid_value(state["value"]):
            value = state["value"]
        elif isinstance(state.get("index"), int) and isinstance(state.get("_options_labels"), list):
            labels = state["_options_labels"]
            if 0 <= state["index"] < len(labels) and _valid_value(labels[state["index"]]):
                value = labels[state["index"]]
        if value is None:
            continue
        for question in questions:
            found.append((question, value, moment, "the notebook"))
    return found


def _sidecar_candidates(sidecar: Any, problems: list[str]) -> list[tuple[str, Any, int, str]]:
    if sidecar is None:
        return []
    answers = sidecar.get("answers") if isinstance(sidecar, dict) else None
    if not isinstance(answers, dict):
        problems.append("the side file (.answers.json) is malformed; it was ignored")
        return []
    times = sidecar.get("times")
    times = times if isinstance(times, dict) else {}
    return [(str(q), v, _valid_time(times.get(q)), "the side file")
            for q, v in answers.items() if isinstance(q, str) and _valid_value(v)]


def saved_answers(notebook: Any, sidecar: Any = None) -> SavedAnswers:
    """The most recently typed answer per question, from both saved copies.

    ``notebook`` is a parsed .ipynb (its saved widget state is read),
    ``sidecar`` the parsed side file or None. For each question the answer
    with the latest timestamp wins; at equal (or unknown) times the side file
    wins over the notebook (the kernel writes it at every change), and among
    widgets the last in the file. Whenever the candidates disagree, a
    message in ``conflicts`` says which answers were found and which was
    used. Total: malformed or hostile input gives empty values and a
    message, never an exception.
    """
    result = SavedAnswers()
    try:
        candidates = _widget_candidates(notebook, result.conflicts)
        candidates += _sidecar_candidates(sidecar, result.conflicts)
    except Exception as error:  # defence in depth: this runs on untrusted files
        result.conflicts.append(f"the saved answers could not be read ({type(error).__name__})")
        return result
    by_question: dict[str, list[tuple[int, int, Any, str]]] = {}
    for position, (question, value, moment, where) in enumerate(candidates):
        rank = 1 if where == "the side file" else 0
        by_question.setdefault(question, []).append((moment, rank * 10 ** 9 + position, value, where))
    for question, found in by_question.items():
        found.sort(key=lambda c: (c[0], c[1]))
        moment, _, value, where = found[-1]
        result.values[question] = value
        result.times[question] = moment
        distinct = {str(c[2]).strip() for c in found}
        if len(distinct) > 1:
            listed = ", ".join(f"{_shown(v)} at {_when(t)} in {w}" for t, _, v, w in found)
            unknown = "" if moment else " (times unknown: took the side file, else the last widget)"
            result.conflicts.append(
                f"{question}: {len(found)} saved answers disagree ({listed}); used the latest, {_shown(value)}{unknown}")
    return result


def notebook_path_from_environment() -> Path | None:
    """The notebook this kernel runs, when the environment says.

    ``SCALECHECK_NOTEBOOK`` is set by the grader and the tests; Jupyter
    Server sets ``JPY_SESSION_NAME`` to the notebook's path, and starts the
    kernel in the notebook's folder.
    """
    explicit = os.environ.get("SCALECHECK_NOTEBOOK")
    if explicit:
        return Path(explicit)
    session = os.environ.get("JPY_SESSION_NAME")
    if session and session.endswith(".ipynb"):
        return Path.cwd() / Path(session).name
    return None


def sidecar_for(notebook: Path) -> Path:
    return notebook.with_name(notebook.stem + ".answers.json")


def widget_answers_in_notebook(notebook: dict) -> dict[str, Any]:
    """Answers stored in a notebook's saved widget state, by question id.

    The most recently typed one where several widgets claim a question (see
    :func:`saved_answers`, which also reads the side file and reports
    disagreements). Anything malformed is skipped.
    """
    return saved_answers(notebook, None).values


class AnswerStore:
    """Saved widget answers for one notebook (side file, then notebook file)."""

    def __init__(self, notebook: Path | None = None, sidecar: Path | None = None):
        self.notebook = notebook
        self.sidecar = sidecar if sidecar is not None else (sidecar_for(notebook) if notebook else None)

    @classmethod
    def from_environment(cls) -> "AnswerStore":
        explicit = os.environ.get("SCALECHECK_ANSWERS")
        notebook = notebook_path_from_environment()
        return cls(notebook, Path(explicit) if explicit else None)

    def _load_sidecar(self) -> Any:
        if self.sidecar is None or not self.sidecar.is_file():
            return None
        try:
            with open(self.sidecar, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}  # a damaged side file must not stop the notebook

    def _load_notebook(self) -> Any:
        if self.notebook is None or not self.notebook.is_file():
            return None
        try:
            with open(self.notebook, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def saved(self) -> SavedAnswers:
        """Both copies combined: the most recent answer per question."""
        return saved_answers(self._load_notebook(), self._load_sidecar())

    def all(self) -> dict[str, Any]:
        """Every saved answer (the most recently typed one per question)."""
        return self.saved().values

    def get(self, question: str) -> Any:
        return self.all().get(question)

    def get_with_time(self, question: str) -> tuple[Any, int]:
        saved = self.saved()
        return saved.values.get(question), saved.times.get(question, 0)

    def put(self, question: str, value: Any, at_ms: int | None = None) -> bool:
        """Save one answer with the time it was typed; False (and keep going) if it cannot."""
        if self.sidecar is None:
            return False
        loaded = self._load_sidecar()
        loaded = loaded if isinstance(loaded, dict) else {}
        answers = loaded.get("answers") if isinstance(loaded.get("answers"), dict) else {}
        times = loaded.get("times") if isinstance(loaded.get("times"), dict) else {}
        answers = {q: v for q, v in answers.items() if _valid_value(v)}
        times = {q: _valid_time(t) for q, t in times.items() if q in answers}
        answers[question] = value
        times[question] = now_ms() if at_ms is None else int(at_ms)
        document = {"notebook": self.notebook.name if self.notebook else None, "answers": answers, "times": times}
        try:
            write_atomic(self.sidecar, json.dumps(document, indent=1, sort_keys=True) + "\n")
            return True
        except OSError:
            return False
