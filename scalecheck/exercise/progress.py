"""Your progress across the whole course, read from your saved answers.

    python3 course.py progress          # in a terminal
    progress.report()                   # in a notebook (lesson 00 has the cell)

For every exercise set: how many questions you have answered, how many are
correct and close, and how many are still open (not answered, wrong, or not a
readable answer). Answers come from what the answer boxes saved: the side file
``exercises/<set>.answers.json`` and the widget state saved in the notebook,
the most recent of the two per question. They are judged with the full answer
key where the course has it (self-study), and otherwise with the public checks,
which cannot say correct or close: a hand-out shows "graded later" instead.
Questions answered with a function have no box; only running the notebook
checks them, so they are counted apart. Below the table, your own check
history per question (from the side file): how many tries, and at which try a
question was first judged correct. Nothing is written.
"""
from __future__ import annotations

import html
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scalecheck.core.paths import course_root, public_key_dir
from scalecheck.exercise.answers import AnswerStore
from scalecheck.exercise.exercises import ExerciseSet

STATUSES = ("correct", "close", "wrong", "invalid", "recorded", "unanswered")


@dataclass
class SetProgress:
    name: str
    questions: int = 0
    answered: int = 0
    correct: int = 0
    close: int = 0
    to_mark: int = 0  # written answers: the teacher marks them
    functions: int = 0  # questions answered with a function in code: no box, checked by running the notebook
    judged: bool = True  # False without the full key: correct/close unknown
    problems: list[str] = field(default_factory=list)
    history: list[tuple[str, int, int | None]] = field(default_factory=list)  # (label, tries, first correct try)

    @property
    def still_open(self) -> int:
        """Not yet answered acceptably: unanswered, wrong or unreadable (or, without the key, unanswered)."""
        if not self.judged:
            return self.questions - self.answered
        return self.questions - self.correct - self.close - self.to_mark


def set_names(root: Path | None = None) -> list[str]:
    """Every exercise set the course (or hand-out) has, from its public question lists."""
    keys = (root / "exercises" / "keys") if root else public_key_dir()
    return sorted(p.stem for p in keys.glob("[0-9][0-9]_*.json"))


def set_progress(name: str, root: Path | None = None) -> SetProgress:
    """Judge the saved answers of one set; a damaged file is reported, never raised."""
    notebook = (root or course_root()) / "exercises" / f"{name}.ipynb"
    result = SetProgress(name)
    try:
        exercise_set = ExerciseSet(name, strict=False, store=AnswerStore())
    except Exception as error:  # an unreadable key must not stop the overview
        result.problems.append(f"{name}: its question list could not be read ({type(error).__name__})")
        return result
    result.judged = exercise_set.has_answers
    store = AnswerStore(notebook)
    history = store.history()
    result.problems += [f"{name}: {note}" for note in history.notes]
    result.history = [(exercise_set.label(q), history.tries(q), history.first_correct(q))
                      for q in sorted(history.checks,
                                      key=lambda q: ((exercise_set.entries or {}).get(q) or {}).get("order", 0))]
    if exercise_set.load_problem:
        result.problems.append(exercise_set.load_problem)
    saved = store.saved()
    damaged = store.notebook_problem  # from the read saved() just made
    if damaged:  # a truncated or hand-broken save: say so, rather than show the set as never started
        # JupyterLab cannot open such a file (so not revert it either), but its server keeps the last checkpoint
        checkpoint = notebook.parent / ".ipynb_checkpoints" / f"{name}-checkpoint.ipynb"
        result.problems.append(
            f"{name}: exercises/{name}.ipynb cannot be read ({damaged}), so the answers saved in it are not "
            "counted (those in its side file are)."
            + (f" JupyterLab's last checkpoint of it is exercises/.ipynb_checkpoints/{checkpoint.name}: copy it "
               "over the broken file to get that save back." if checkpoint.is_file() else ""))
    result.problems += saved.conflicts
    entries = exercise_set.entries or {}
    for question, entry in entries.items():
        if entry.get("kind") == "function":
            result.functions += 1
            continue
        result.questions += 1
        if question not in saved.values or str(saved.values[question]).strip() == "":
            continue
        try:
            status = exercise_set.check(question, saved.values[question]).status
        except Exception:  # the checks are total, but an overview never fails on one answer
            status = "invalid"
        if status == "unanswered":
            continue
        result.answered += 1
        if status == "correct":
            result.correct += 1
        elif status == "close":
            result.close += 1
        elif status == "recorded" and entry.get("kind") == "written":
            result.to_mark += 1
    return result


def course_progress(root: Path | None = None) -> list[SetProgress]:
    return [set_progress(name, root) for name in set_names(root)]


class Report:
    """A table of every set's progress, as text (terminal) and HTML (notebook)."""

    def __init__(self, rows: list[SetProgress]):
        self.rows = rows

    def _cells(self, row: SetProgress) -> list[str]:
        unknown = "graded later"
        return [row.name, f"{row.answered} of {row.questions}",
                str(row.correct) if row.judged else unknown, str(row.close) if row.judged else unknown,
                str(row.to_mark) if row.to_mark else "", str(row.still_open)]

    HEADER = ["exercise set", "answered", "correct", "close", "to be marked", "still open"]

    def text(self) -> str:
        if not self.rows:
            return "No exercise sets found."
        table = [self.HEADER] + [self._cells(row) for row in self.rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(self.HEADER))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in table]
        lines.insert(1, "  ".join("-" * width for width in widths))
        lines += ["", self._footnote()] + self.history_lines()
        lines += [f"note: {p}" for row in self.rows for p in row.problems]
        return "\n".join(lines)

    def history_lines(self) -> list[str]:
        """Your tries per question, one line per set that has a history."""
        lines = []
        for row in self.rows:
            if not row.history:
                continue
            parts = []
            for label, tries, first in row.history:
                when = "" if not row.judged else f", correct at try {first}" if first else ", not correct yet"
                parts.append(f"{label} {tries} {'try' if tries == 1 else 'tries'}{when}")
            lines.append(f"{row.name}: " + "; ".join(parts))
        return (["", "Your checks so far (a try is a check of a new answer):"] + lines) if lines else []

    def _footnote(self) -> str:
        started = [row for row in self.rows if row.answered]
        where = f"You have answered questions in {len(started)} of {len(self.rows)} sets." if started else \
            "No saved answers yet: answer in exercises/NN_*.ipynb, and they show up here."
        functions = sum(row.functions for row in self.rows)
        return (where + " Read from what your answer boxes saved"
                + (f"; the {functions} questions answered with a function are checked when you run their notebook."
                   if functions else "."))

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left;padding-right:1em'>{html.escape(h)}</th>" for h in self.HEADER)
        body = "".join("<tr>" + "".join(f"<td style='text-align:left;padding-right:1em'>{html.escape(c)}</td>"
                                        for c in self._cells(row)) + "</tr>" for row in self.rows)
        notes = "".join(f"<li>{html.escape(p)}</li>" for row in self.rows for p in row.problems)
        lines = self.history_lines()
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines[2:])
        history = f"<p>{html.escape(lines[1])}</p><ul>{items}</ul>" if lines else ""
        return (f"<div class='scalecheck-progress'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                f"<p>{html.escape(self._footnote())}</p>{history}" + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


def report(root: Path | None = None) -> Report:
    return Report(course_progress(root))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    print(report().text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
