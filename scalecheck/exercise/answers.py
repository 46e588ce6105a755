"""Keeping answers typed into widgets: they must outlive the kernel.

A widget's value lives in the kernel, so a restart or a grader's re-run
would lose it. Two copies are kept:

1. A side file next to the notebook, ``<notebook stem>.answers.json``,
   written by the kernel at every change. It survives restarts even when the
   notebook was never saved.
2. The notebook file itself: JupyterLab saves widget state into the
   notebook's metadata (the course turns that setting on, see
   ``tools/lab_settings/overrides.json``). Every answer widget carries the CSS class
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

The side file also keeps the learner's check history: per question, the
latest ``HISTORY_LIMIT`` checks as ``[time ms, verdict, answer fingerprint]``
(never the answer key or the expected value; the fingerprint is a short hash
of the learner's own answer, so running the same answer again is not a new
try). :func:`read_history` validates it: the file is the learner's, so a
hand-edited or damaged history is dropped entry by entry with a note, never
raised. The grader reads it for the class summary; it never changes a score.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scalecheck.exercise.checks import STATUSES
from scalecheck.exercise.keys import write_atomic

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
QUESTION_CLASS_PREFIX = "scalecheck-q-"
TIME_CLASS_PREFIX = "scalecheck-t-"
MAX_ANSWER_CHARS = 20_000  # a saved answer longer than this is not an answer
HISTORY_LIMIT = 50  # checks kept per question (the latest): enough to see struggle, small on disk
HISTORY_QUESTIONS = 200  # questions with a history in one side file (a set has about 15)
FUTURE_SLACK_MS = 24 * 3600 * 1000  # a clock up to a day ahead is tolerated; later dates are not real
_QUESTION_ID = re.compile(r"[A-Za-z0-9_]{1,100}")
_FINGERPRINT = re.compile(r"[0-9a-f]{1,16}")


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
                f"{question}: {len(found)} saved answers disagree ({listed}); "
                f"used the latest, {_shown(value)}{unknown}")
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
        self.notebook_problem = ""  # set by each read: why the notebook could not be read ('' when it could)
        self.sidecar = sidecar if sidecar is not None else (sidecar_for(notebook) if notebook else None)

    @classmethod
    def from_environment(cls) -> AnswerStore:
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
        """The notebook's JSON, or None; why it could not be read goes to ``notebook_problem``."""
        self.notebook_problem = ""
        if self.notebook is None or not self.notebook.is_file():
            return None
        try:
            with open(self.notebook, encoding="utf-8") as handle:
                return json.load(handle)
        except UnicodeDecodeError:
            self.notebook_problem = "it is not UTF-8 text"
        except ValueError as error:  # json.JSONDecodeError: say where, as an editor would
            self.notebook_problem = (f"it is not valid JSON (line {getattr(error, 'lineno', '?')}, "
                                     f"column {getattr(error, 'colno', '?')})")
        except OSError as error:
            self.notebook_problem = f"it cannot be opened ({error.strerror or type(error).__name__})"
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

    def _document(self) -> dict:
        """The side file's valid content (answers, times, attempts), to be extended and written back."""
        loaded = self._load_sidecar()
        loaded = loaded if isinstance(loaded, dict) else {}
        answers = loaded.get("answers") if isinstance(loaded.get("answers"), dict) else {}
        times = loaded.get("times") if isinstance(loaded.get("times"), dict) else {}
        answers = {q: v for q, v in answers.items() if _valid_value(v)}
        times = {q: _valid_time(t) for q, t in times.items() if q in answers}
        attempts = {q: [list(c) for c in checks] for q, checks in read_history(loaded).checks.items()}
        return {"notebook": self.notebook.name if self.notebook else None, "answers": answers, "times": times,
                "attempts": attempts}

    def _write(self, document: dict) -> bool:
        if not document["attempts"]:
            del document["attempts"]
        try:
            write_atomic(self.sidecar, json.dumps(document, indent=1, sort_keys=True) + "\n")
            return True
        except OSError:
            return False

    def put(self, question: str, value: Any, at_ms: int | None = None, verdict: str | None = None) -> bool:
        """Save one answer with the time it was typed; with ``verdict``, also a check
        in the history. False (and keep going) if it cannot be saved."""
        if self.sidecar is None:
            return False
        document = self._document()
        moment = now_ms() if at_ms is None else int(at_ms)
        document["answers"][question] = value
        document["times"][question] = moment
        if verdict is not None:
            _append_check(document["attempts"], question, moment, verdict, fingerprint(value))
        return self._write(document)

    def record_check(self, question: str, verdict: str, answer: Any, at_ms: int | None = None) -> bool:
        """Add one check to the history without saving an answer (code and written answers)."""
        if self.sidecar is None or verdict not in STATUSES:
            return False
        document = self._document()
        if not _append_check(document["attempts"], question, now_ms() if at_ms is None else int(at_ms), verdict,
                             fingerprint(answer)):
            return True  # the same answer checked again: not a new try, nothing to write
        return self._write(document)

    def history(self) -> AttemptHistory:
        """This notebook's check history, validated."""
        return read_history(self._load_sidecar())


# -- the check history ---------------------------------------------------------

def fingerprint(answer: Any) -> str:
    """A short hash of the learner's own answer: tells a new try from the same answer run again."""
    text = answer if isinstance(answer, str) else repr(answer)
    return hashlib.sha256(text.strip().encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _append_check(attempts: dict, question: str, moment: int, verdict: str, mark: str) -> bool:
    """Append a check unless it repeats the last one's answer and verdict; keep the latest HISTORY_LIMIT."""
    if verdict not in STATUSES or not _QUESTION_ID.fullmatch(str(question)):
        return False
    checks = attempts.setdefault(question, [])
    if checks and checks[-1][1:] == [verdict, mark]:
        return False
    checks.append([int(moment), verdict, mark])
    del checks[:-HISTORY_LIMIT]
    return True


@dataclass
class AttemptHistory:
    """Checks per question, oldest first: (time ms, verdict, answer fingerprint)."""

    checks: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def tries(self, question: str) -> int:
        return len(self.checks.get(question, []))

    def first_correct(self, question: str) -> int | None:
        """The try (1 = first) at which the question was first judged correct; None if never."""
        for number, (_, verdict, _mark) in enumerate(self.checks.get(question, []), start=1):
            if verdict == "correct":
                return number
        return None


def _valid_check(entry: Any, latest_ms: int) -> tuple[int, str, str] | None | str:
    """A check as stored, validated: the check, None if unreadable, "future" if dated ahead."""
    if not isinstance(entry, list) or len(entry) not in (2, 3):
        return None
    moment, verdict = _valid_time(entry[0]), entry[1]
    mark = entry[2] if len(entry) == 3 else ""
    if not moment or not isinstance(verdict, str) or verdict not in STATUSES:
        return None
    if not isinstance(mark, str) or (mark and not _FINGERPRINT.fullmatch(mark)):
        return None
    return "future" if moment > latest_ms else (moment, verdict, mark)


def read_history(sidecar: Any, now: int | None = None) -> AttemptHistory:
    """The validated check history of a parsed side file; total (notes instead of exceptions).

    Dropped with a note: entries of the wrong shape or type, verdicts that are
    not verdicts, question ids that are not ids, checks dated more than a day
    ahead of ``now``; only the latest HISTORY_LIMIT checks per question and
    the first HISTORY_QUESTIONS questions are kept."""
    history = AttemptHistory()
    raw = sidecar.get("attempts") if isinstance(sidecar, dict) else None
    if raw is None:
        return history
    if not isinstance(raw, dict):
        history.notes.append("the check history in the side file is malformed; it was ignored")
        return history
    latest = (now_ms() if now is None else now) + FUTURE_SLACK_MS
    dropped = future = trimmed = unread = 0
    for question in sorted(q for q in raw if isinstance(q, str))[:HISTORY_QUESTIONS]:
        entries = raw[question]
        if not _QUESTION_ID.fullmatch(question) or not isinstance(entries, list):
            dropped += 1
            continue
        kept = []
        unread += max(0, len(entries) - 10 * HISTORY_LIMIT)  # a huge list: only its tail is read
        for entry in entries[-10 * HISTORY_LIMIT:]:
            check = _valid_check(entry, latest)
            future += check == "future"
            dropped += check is None
            if isinstance(check, tuple):
                kept.append(check)
        kept.sort(key=lambda c: c[0])  # stable: equal times keep the file's order
        trimmed += max(0, len(kept) - HISTORY_LIMIT)
        if kept:
            history.checks[question] = kept[-HISTORY_LIMIT:]
    extra = len(raw) - min(len(raw), HISTORY_QUESTIONS)
    for count, text in ((dropped, "unreadable entries of the check history were ignored"),
                        (future, "checks dated in the future were ignored"),
                        (trimmed, f"older checks beyond the latest {HISTORY_LIMIT} per question were left out"),
                        (unread, f"entries before the last {10 * HISTORY_LIMIT} of a question were not read"),
                        (extra, f"questions beyond the first {HISTORY_QUESTIONS} in the check history were ignored")):
        if count:
            history.notes.append(f"{count} {text}")
    return history
