"""Scores the teacher gives by hand: ``manual.csv`` (student, item, points, comment[, max]).

An item is either a question of an exercise set (``01:q11_argue`` or
``01_orders_of_magnitude:q11_argue``) -- a written answer, or any question
the teacher re-marks -- or an item of its own such as ``capstone``, whose
``max`` must be given on one of its lines. The scores live in the teacher's
file, not in the grader's cache, so re-grading always keeps them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .late import resolve_set
from .roster import read_rows

MAX_COMMENT = 2000


@dataclass
class ManualScores:
    # (student, set, question) -> (points, comment)
    scores: dict[tuple[str, str, str], tuple[float, str]] = field(default_factory=dict)
    items: dict[str, float] = field(default_factory=dict)   # stand-alone item -> max points
    lines: dict[tuple[str, str, str], int] = field(default_factory=dict)  # where each score was given
    problems: list[str] = field(default_factory=list)


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def load_manual(path: Path, keys_by_set: dict[str, dict], sets: list[str], resolve_student) -> ManualScores:
    """Read and check every line; a bad line is reported (file and line) and left out."""
    name = Path(path).name
    rows, _, notes = read_rows(path, ["student", "item", "points"], aliases={"comment": [], "max": ["max_points"]})
    found = ManualScores(problems=list(notes))
    # stand-alone items first: their max may be on any of their lines
    for row in rows:
        item = row.cells["item"].strip()
        if ":" in item or not row.cells.get("max"):
            continue
        top = _number(row.cells["max"])
        if top is None or top <= 0:
            found.problems.append(f"{name} line {row.line}: max {row.cells['max']!r} is not a positive number")
        elif item in found.items and found.items[item] != top:
            found.problems.append(f"{name} line {row.line}: max {top:g} for {item!r} differs from "
                                  f"{found.items[item]:g} given earlier; the first is used")
        else:
            found.items.setdefault(item, top)
    seen: dict[tuple[str, str, str], int] = {}
    for row in rows:
        c = row.cells
        where = f"{name} line {row.line}"
        key, why = resolve_student(c["student"])
        if key is None:
            found.problems.append(f"{where}: student {c['student']!r} {why}; line ignored")
            continue
        item = c["item"].strip()
        if ":" in item:
            set_name, _, question = item.partition(":")
            exercise_set = resolve_set(set_name, sets)
            entries = keys_by_set.get(exercise_set or "", {})
            if exercise_set is None or question.strip() not in entries:
                found.problems.append(f"{where}: unknown item {item!r} (write SET:question, e.g. 01:q11_argue, "
                                      "for a question of a set that was graded); line ignored")
                continue
            question = question.strip()
            top = float(entries[question].get("points", 1.0))
        elif item in found.items:
            exercise_set, question, top = item, item, found.items[item]
        else:
            found.problems.append(f"{where}: unknown item {item!r} (a question is written SET:question; an item of "
                                  "its own, like capstone, needs its max points in a 'max' column); line ignored")
            continue
        points = _number(c["points"].strip())
        if points is None:
            found.problems.append(f"{where}: points {c['points']!r} is not a number; line ignored")
            continue
        if points < 0 or points > top + 1e-9:
            found.problems.append(f"{where}: points {points:g} outside 0..{top:g} for {item!r}; line ignored")
            continue
        ident = (key, exercise_set, question)
        if ident in seen:
            found.problems.append(f"{where}: a second score for {c['student']!r} / {item!r} "
                                  f"(first on line {seen[ident]}); this later line is used")
        seen[ident] = row.line
        found.scores[ident] = (points, (c.get("comment") or "")[:MAX_COMMENT])
        found.lines[ident] = row.line
    return found
