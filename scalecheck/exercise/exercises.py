"""Exercise sets in notebooks: answer widgets and code checks on top of checks.py.

In a notebook::

    ex = exercises.start("01_orders_of_magnitude")
    ex.number("q1_cluster_peak", answer)      # a box with its unit and a Check button
    ex.choice("q2_which_format")              # radio buttons
    ex.check("q5_to_exaflop", my_function)    # feedback on code
    ex.written("q11_argue")                   # a text area for an argued answer

Each call shows the current verdict at once; typing into a widget re-checks
and saves the answer (see answers.py). The expected values come from the
answer key when the course has one (self-study); a class hand-out has only
the public question list, and the checks then give non-revealing feedback.

Solutions notebooks declare the key in hidden cells with ``ex.expect(...)``
and run with ``SCALECHECK_STRICT=1`` (set by the test suite): a solution whose
answer is not judged correct raises, so nbval proves each solution passes
its own check.
"""
from __future__ import annotations

import difflib
import html
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

from scalecheck.core.kernel_status import quiet_busy_for_widget_messages
from scalecheck.core.paths import full_key_dir, public_key_dir
from scalecheck.exercise import keys as keymod
from scalecheck.exercise.answers import QUESTION_CLASS_PREFIX, TIME_CLASS_PREFIX, AnswerStore, now_ms, time_class
from scalecheck.exercise.checks import (
    CLOSE_CREDIT,
    ChoiceSpec,
    Feedback,
    NumberSpec,
    WrittenSpec,
    is_blank,
    judge,
    points_earned,
    with_stage,
)

STRICT_ENV = "SCALECHECK_STRICT"
KEY_OUT_ENV = "SCALECHECK_KEY_OUT"


# The latest exercise set opened under each name in this kernel. The grader
# reads the raw answers from here and judges them in its own process.
ACTIVE: dict[str, ExerciseSet] = {}


class SolutionCheckFailed(AssertionError):
    """Raised in strict mode when a solution does not pass its own check."""


def _strict_from_environment() -> bool:
    return os.environ.get(STRICT_ENV, "").strip() not in ("", "0", "false", "no")


class ExerciseSet:
    """The questions of one exercises notebook and the learner's answers."""

    def __init__(self, name: str, *, strict: bool | None = None, store: AnswerStore | None = None):
        self.name = name
        self.strict = _strict_from_environment() if strict is None else strict
        self.store = store if store is not None else AnswerStore.from_environment()
        self.entries: dict[str, dict] = {}
        self.has_answers = False
        self.authored: dict[str, dict] = {}
        self.feedback: dict[str, Feedback] = {}
        self.answers: dict[str, Any] = {}  # the raw answers, as given, for the grader
        self.wrong_seen: dict[str, list[str]] = {}  # distinct wrong answers per question (hint stages)
        self.load_problem = ""
        self._load_key()
        ACTIVE[name] = self

    # -- key -------------------------------------------------------------
    def _load_key(self) -> None:
        for directory, has_answers in ((full_key_dir(), True), (public_key_dir(), False)):
            path = directory / f"{self.name}.json"
            if path.is_file():
                try:
                    self.entries = keymod.read_document(path)["questions"]
                    self.has_answers = has_answers
                    return
                except (OSError, ValueError) as error:
                    self.load_problem = f"the key file {path.name} is unreadable ({error})"
        if not self.load_problem:
            self.load_problem = f"no question list for {self.name!r} was found"

    def expect(self, question: str, kind: str = "number", **details: Any) -> None:
        """Author's side: declare what a question expects (solutions only)."""
        entry = keymod.make_entry(question, kind, **details)
        # Compare as JSON would store it, so 0.1 and 0.1000000001 do not differ
        entry = json.loads(json.dumps(entry))
        self.authored[question] = {"order": len(self.authored) + 1, **entry}
        stored = self.entries.get(question)
        if self.strict and self.has_answers and stored is not None and stored != self.authored[question]:
            raise SolutionCheckFailed(
                f"{question}: the answer key on disk differs from this notebook's expect(); "
                "regenerate it with: python tools/build.py exercises"
            )
        out = os.environ.get(KEY_OUT_ENV)
        if out:
            keymod.write_atomic(Path(out),
                                keymod.dumps(keymod.key_document(self.name, self.authored)))

    def _entry(self, question: str) -> tuple[dict | None, bool]:
        if question in self.authored:
            return self.authored[question], True
        if question in self.entries:
            return self.entries[question], self.has_answers
        return None, False

    def spec(self, question: str):
        entry, has_answers = self._entry(question)
        return None if entry is None else keymod.spec_from_entry(entry, has_answers)

    def _unknown(self, question: str) -> Feedback:
        known = list(self.authored) + [q for q in self.entries if q not in self.authored]
        close = difflib.get_close_matches(str(question), known, n=1)
        if self.load_problem and not known:
            message = f"This question cannot be checked: {self.load_problem}."
        else:
            message = f"There is no question {question!r} in this exercise set."
            if close:
                message += f" Did you mean {close[0]!r}?"
        feedback = Feedback(str(question), "invalid", message)
        if self.strict:
            raise SolutionCheckFailed(feedback.text())
        return feedback

    # -- answering -------------------------------------------------------
    def _record(self, question: str, feedback: Feedback, from_code: bool, answer: Any = ...) -> Feedback:
        self.feedback[question] = feedback
        self.answers[question] = answer
        # a written answer passes (in a solution) when it is recorded: non-blank, >= min_words
        written_ok = feedback.status == "recorded" and isinstance(self.spec(question), WrittenSpec)
        if self.strict and from_code and not (feedback.passed or written_ok):
            raise SolutionCheckFailed(f"solution check failed: {feedback.text()}")
        return feedback

    def staged(self, question: str, answer: Any, feedback: Feedback, spec: Any) -> Feedback:
        """Give the hint for this learner's stage: the n-th distinct wrong answer gets hint n."""
        if feedback.status not in ("wrong", "close"):
            return feedback
        seen = self.wrong_seen.setdefault(question, [])
        token = feedback.message if callable(answer) else str(answer).strip()[:200]
        if token not in seen:
            seen.append(token)
        return with_stage(feedback, spec, len(seen) - 1)

    def label(self, question: str) -> str:
        """A human label for a question: "Q3" from its order in the key, else from its id."""
        if self.name.startswith("practice-"):
            return "Try it:"
        entry, _ = self._entry(question)
        order = (entry or {}).get("order")
        if isinstance(order, int) and not isinstance(order, bool) and order > 0:
            return f"Q{order}"
        match = re.match(r"q(\d+)", str(question), re.I)
        return f"Q{int(match.group(1))}" if match else "This question"

    def check(self, question: str, answer: Any = ...) -> Feedback:
        """Check an answer given in code (a value or a function)."""
        spec = self.spec(question)
        if spec is None:
            return self._unknown(question)
        feedback = self.staged(question, answer, judge(question, answer, spec), spec)
        self.log_check(question, feedback, feedback.message if callable(answer) else answer)
        return self._record(question, feedback, from_code=True, answer=answer)

    def log_check(self, question: str, feedback: Feedback, answer: Any) -> None:
        """Add a check to the learner's history (side file); a blank answer is no try."""
        if feedback.status != "unanswered":
            self.store.record_check(question, feedback.status, answer)

    def number(self, question: str, answer: Any = ...) -> AnswerBox:
        """A number answer box; ``answer`` given in code fills it."""
        return self._box(question, answer, NumberSpec)

    def choice(self, question: str, answer: Any = ...) -> AnswerBox:
        """A multiple-choice answer; ``answer`` given in code selects it."""
        return self._box(question, answer, ChoiceSpec)

    def written(self, question: str, answer: Any = ...) -> AnswerBox:
        """A text area for an argued answer, with a Submit button; ``answer`` in code fills it.

        In strict mode (solutions) the answer must be given in code, non-blank
        and at least the question's ``min_words`` long.
        """
        if self.strict and is_blank(answer) and isinstance(self.spec(question), WrittenSpec):
            raise SolutionCheckFailed(f"{question}: a solution must give its written answer in code, "
                                      f'e.g. ex.written("{question}", "...")')
        return self._box(question, answer, WrittenSpec)

    def _box(self, question: str, answer: Any, expected_type: type) -> AnswerBox:
        spec = self.spec(question)
        if spec is None or not isinstance(spec, expected_type):
            if spec is not None:
                feedback = Feedback(question, "invalid",
                                    f"{question} is not a {expected_type.__name__[:-4].lower()} question.")
                if self.strict:
                    raise SolutionCheckFailed(feedback.text())
            else:
                feedback = self._unknown(question)
            return AnswerBox(self, question, None, ..., feedback_only=feedback)
        return AnswerBox(self, question, spec, answer)

    # -- progress --------------------------------------------------------
    def summary(self) -> Summary:
        """A table of every question's latest verdict and the points so far."""
        order = sorted(self.authored or self.entries, key=lambda q: (self._entry(q)[0] or {}).get("order", 0))
        rows = []
        for question in order:
            entry, _ = self._entry(question)
            feedback = self.feedback.get(question, Feedback(question, "unanswered", "Not answered yet."))
            kind = (entry or {}).get("kind", "")
            rows.append(SummaryRow(question, self.label(question), feedback.status,
                                   float(entry.get("points", 1.0)) if entry else 0.0, kind == "written"))
        return Summary(self.name, rows, self.has_answers or bool(self.authored))


def start(name: str, **kwargs: Any) -> ExerciseSet:
    """Open the exercise set ``name`` (the notebook's file stem)."""
    return ExerciseSet(name, **kwargs)


# How a box names its unit ("Q7 answer (× a multiple)")
_UNIT_LABELS = {"": "no unit", "x": "× a multiple"}

# The answer box last shown for each (exercise set, question) in this kernel.
# Showing a question again closes the old box's widgets, so re-running a
# cell does not leave dead widget models behind in the saved notebook.
_OPEN_BOXES: dict[tuple[str, str], AnswerBox] = {}


# Stable widget model ids: the same question's widgets get the same ids in every
# kernel session. After "Restart Kernel and Run All", JupyterLab keeps the dead
# models of the previous session and saves them with the notebook; a new model
# with the same id replaces the dead one instead of piling up beside it.
STABLE_MODEL_IDS = os.environ.get("SCALECHECK_STABLE_IDS", "1").strip() != "0"  # 0: random ids (for comparison)
_ID_NAMESPACE = uuid.UUID("6f1d3c1e-5b7a-4c59-9a57-2f0b8d1e4c21")


def _stable_id(*parts: str) -> str:
    return uuid.uuid5(_ID_NAMESPACE, "/".join(parts)).hex


def _make_widget(cls, model_id: str | None, layout: dict | None = None, **kwargs):
    """Create a widget (with its layout and style) under stable model ids."""
    import ipywidgets as widgets

    if model_id is None:
        if layout is not None:
            kwargs["layout"] = widgets.Layout(**layout)
        return cls(**kwargs)
    traits = cls.class_traits()
    if "layout" in traits:
        kwargs["layout"] = widgets.Layout(model_id=_stable_id(model_id, "layout"), **(layout or {}))
    style = getattr(traits.get("style"), "klass", None)
    if isinstance(style, type):
        kwargs["style"] = style(model_id=_stable_id(model_id, "style"))
    return cls(model_id=model_id, **kwargs)


def _close_widgets(widgets_list: list) -> None:
    for widget in widgets_list:
        for part in (widget, getattr(widget, "layout", None), getattr(widget, "style", None)):
            try:
                if part is not None:
                    part.close()
            except Exception:  # closing is housekeeping; it must never break a notebook
                pass


class AnswerBox:
    """One answer widget: input, unit, Check button and feedback line.

    Displays as the widget in JupyterLab and as the feedback text in plain
    text (which nbval compares and a terminal shows).
    """

    def __init__(self, exercise_set: ExerciseSet, question: str, spec, answer: Any,
                 feedback_only: Feedback | None = None):
        import ipywidgets as widgets

        quiet_busy_for_widget_messages()  # feedback reaches the page sooner (see that module)
        self.exercise_set = exercise_set
        self.question = question
        self.spec = spec
        self.from_code = not is_blank(answer)
        self.submitted = True
        self._widgets: list = []
        previous = _OPEN_BOXES.pop((exercise_set.name, question), None)
        if previous is not None:
            previous.close()
        make = self._make
        self.feedback_html = make(widgets.HTML, "feedback")
        self.feedback_html.add_class("scalecheck-feedback-line")
        if feedback_only is not None:
            self.feedback = feedback_only
            self.input = None
            self.feedback_html.value = feedback_only.html()
            self.widget = make(widgets.VBox, "box", children=[self.feedback_html])
            return

        text, self.input = self._make_input(spec, exercise_set.label(question))
        label = make(widgets.HTML, "label", value=f"<b>{html.escape(text)}</b>")
        self.input.add_class("scalecheck-answer")
        self.input.add_class(QUESTION_CLASS_PREFIX + question)
        written = isinstance(spec, WrittenSpec)
        self.button = make(widgets.Button, "button", {"width": "6em"},
                           description="Submit" if written else "Check", button_style="primary")
        self.button.add_class("scalecheck-check")
        if written:
            row = [make(widgets.VBox, "column", {"width": "100%"}, children=[label, self.input, self.button])]
        else:
            row = [label, self.input, self.button]
        self.widget = make(widgets.VBox, "box", children=[make(widgets.HBox, "row", children=row), self.feedback_html])
        self.widget.add_class("scalecheck-question")

        if self.from_code:
            initial, moment = answer, 0
        else:
            initial, moment = exercise_set.store.get_with_time(question)
        self._set_input(initial)
        if moment:
            self._stamp(moment)  # a restored answer keeps the time it was typed
        self.feedback = self._judge()
        # running a cell that gives its answer in code is a check (an unchanged answer is no new try)
        if self.from_code:
            self.exercise_set.log_check(question, self.feedback, answer)
        self.exercise_set._record(question, self.feedback, from_code=self.from_code, answer=self._current_answer())
        self.input.observe(self._on_change, names="value")
        self.button.on_click(self._on_button)
        _OPEN_BOXES[(exercise_set.name, question)] = self

    def _make_input(self, spec, name: str):
        """(label text, input widget) for the question's kind."""
        import ipywidgets as widgets

        if isinstance(spec, NumberSpec):
            return f"{name} answer ({_UNIT_LABELS.get(spec.unit, spec.unit)})", self._make(
                widgets.Text, "input", {"width": "18em"},
                placeholder="a number, e.g. 4e20" + (f" or with a unit ({spec.unit})" if spec.unit else ""),
                continuous_update=False)
        if isinstance(spec, WrittenSpec):
            words = f" (at least {spec.min_words} words)" if spec.min_words else ""
            return f"{name} your answer{words}", self._make(
                widgets.Textarea, "input", {"width": "95%"}, placeholder="Write your argument here, then press Submit.",
                continuous_update=False, rows=6)
        return f"{name} answer: pick one", self._make(widgets.RadioButtons, "input", {"width": "auto"},
                                                      options=list(spec.options), value=None)

    def _make(self, cls, role: str, layout: dict | None = None, **kwargs):
        """A widget of this box, under a model id stable across kernel sessions."""
        model_id = _stable_id(self.exercise_set.name, self.question, role) if STABLE_MODEL_IDS else None
        widget = _make_widget(cls, model_id, layout, **kwargs)
        self._widgets.append(widget)
        return widget

    def close(self) -> None:
        """Close this box's widget models (the frontend then forgets them)."""
        _close_widgets(self._widgets)
        self._widgets = []

    def _stamp(self, moment: int) -> None:
        """Mark the input with the time its answer was typed (saved with the widget state)."""
        classes = [c for c in self.input._dom_classes if not c.startswith(TIME_CLASS_PREFIX)]
        self.input._dom_classes = tuple(classes) + (time_class(moment),)

    def _set_input(self, value: Any) -> None:
        """Show a code or saved answer in the input (judging uses the original)."""
        self._pending = None if is_blank(value) else value
        if self._pending is None:
            return
        if isinstance(self.spec, NumberSpec):
            if isinstance(value, str):
                self.input.value = value[:200]
            else:
                try:
                    self.input.value = f"{float(value):.6g}"
                except (TypeError, ValueError, OverflowError):
                    self.input.value = ""  # unreadable: the feedback line explains
        elif isinstance(self.spec, WrittenSpec):
            if isinstance(value, str):
                self.input.value = value
        elif isinstance(value, str):
            matches = [o for o in self.spec.options if o.strip().lower() == value.strip().lower()]
            if matches:
                self.input.value = matches[0]

    def _current_answer(self) -> Any:
        return self._pending if self._pending is not None else self.input.value

    def _judge(self) -> Feedback:
        answer = self._current_answer()
        feedback = self.exercise_set.staged(self.question, answer, judge(self.question, answer, self.spec), self.spec)
        if self.submitted:
            self.feedback_html.value = feedback.html()
        else:
            self.feedback_html.value = Feedback(self.question, "unanswered",
                                                "Saved as a draft: press Submit when it is ready.").html()
        return feedback

    def _on_change(self, _change) -> None:
        self._pending = None  # the learner's input now takes over
        if isinstance(self.spec, WrittenSpec):
            self.submitted = False  # a text area changes on every blur; the verdict waits for Submit
        self.feedback = self._judge()
        self.exercise_set._record(self.question, self.feedback, from_code=False, answer=self._current_answer())
        if self.input.value is not None and not is_blank(self.input.value):
            moment = now_ms()
            self._stamp(moment)
            # a text area's verdict waits for Submit (see _on_button); every other change is a check
            verdict = None if isinstance(self.spec, WrittenSpec) or self.feedback.status == "unanswered" \
                else self.feedback.status
            self.exercise_set.store.put(self.question, self.input.value, at_ms=moment, verdict=verdict)

    def _on_button(self, _button) -> None:
        if isinstance(self.spec, WrittenSpec):
            self.submitted = True
            self.feedback = self._judge()
            self.exercise_set.log_check(self.question, self.feedback, self._current_answer())
            self.exercise_set._record(self.question, self.feedback, from_code=False, answer=self._current_answer())
        else:
            self._on_change(None)

    def submit(self) -> None:
        """Press the Check/Submit button (tests use this)."""
        if self.input is not None:
            self._on_button(None)

    @property
    def value(self) -> Any:
        return None if self.input is None else self.input.value

    @value.setter
    def value(self, new_value: Any) -> None:
        """Set the answer as a learner typing it would (tests use this)."""
        if self.input is not None:
            self.input.value = new_value

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data = dict(data or {})
        data["text/plain"] = self.feedback.text()
        return data

    def __repr__(self) -> str:
        return self.feedback.text()


class SummaryRow:
    """One question in a summary: its verdict and points."""

    def __init__(self, question: str, label: str, status: str, points: float, written: bool = False):
        self.question, self.label, self.status, self.points, self.written = question, label, status, points, written

    def earned(self, close_credit: float = CLOSE_CREDIT) -> float:
        return 0.0 if self.written else points_earned(self.status, self.points, close_credit)

    def __iter__(self):  # (question, status, points), as rows were before
        return iter((self.question, self.status, self.points))


class Summary:
    """Progress through an exercise set, scored as the grader scores it.

    A close answer earns ``CLOSE_CREDIT`` of its points (the grader's default);
    a written answer earns nothing until a teacher marks it.
    """

    def __init__(self, name: str, rows: list, graded: bool, close_credit: float = CLOSE_CREDIT):
        self.name, self.graded, self.close_credit = name, graded, close_credit
        self.rows = [r if isinstance(r, SummaryRow) else SummaryRow(r[0], r[0], r[1], r[2]) for r in rows]

    @property
    def points(self) -> tuple[float, float]:
        """(points earned, points possible); written answers count as possible but not yet earned."""
        return (sum(r.earned(self.close_credit) for r in self.rows), sum(r.points for r in self.rows))

    def counts(self) -> dict[str, int]:
        answered = sum(1 for r in self.rows if r.status not in ("unanswered",))
        return {
            "answered": answered,
            "correct": sum(1 for r in self.rows if r.status == "correct"),
            "close": sum(1 for r in self.rows if r.status == "close"),
            "open": len(self.rows) - sum(1 for r in self.rows if r.status in ("correct", "close")
                                         or (r.written and r.status == "recorded")),
            "to be marked": sum(1 for r in self.rows if r.written and r.status == "recorded"),
        }

    def text(self) -> str:
        counts = self.counts()
        parts = f"{counts['answered']} of {len(self.rows)} answered"
        if self.graded:
            parts += f", {counts['correct']} correct, {counts['close']} close, {counts['open']} still open"
            if counts["to be marked"]:
                parts += f", {counts['to be marked']} to be marked by your teacher"
            earned, total = self.points
            credit = f"{self.close_credit:g}"
            return (f"{self.name}: {parts}; {earned:g} of {total:g} points earned "
                    f"(a close answer earns {credit} of its points, as in grading).")
        return f"{self.name}: {parts}; answers are graded later."

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        def cells(row: SummaryRow) -> str:
            marking = row.written and row.status == "recorded"
            earned = "to be marked" if marking else f"{row.earned(self.close_credit):g}"
            earned_cell = f"<td>{html.escape(earned)}</td>" if self.graded else ""
            return (f"<tr><td>{html.escape(row.label)}</td><td>{html.escape(row.status)}</td>"
                    f"{earned_cell}<td>{row.points:g}</td></tr>")
        head = "<th>earned</th>" if self.graded else ""
        rows = "".join(cells(r) for r in self.rows)
        return (f"<p>{html.escape(self.text())}</p><table><tr><th>question</th><th>status</th>"
                f"{head}<th>possible</th></tr>{rows}</table>")


def try_it(question: str, kind: str = "number", answer: Any = ..., **details: Any) -> AnswerBox:
    """A one-off practice question inside a lesson, with its answer in the call.

    Lessons use this for "check your understanding" boxes; graded exercise
    sets use :func:`start` and an answer key instead. Nothing is saved.
    """
    practice = ExerciseSet(f"practice-{question}", strict=False, store=AnswerStore())
    entry = keymod.make_entry(question, kind, **details)
    practice.authored[question] = json.loads(json.dumps({"order": 1, **entry}))
    if kind == "choice":
        return practice.choice(question, answer)
    if kind == "written":
        return practice.written(question, answer)
    return practice.number(question, answer)
