"""Grades an LMS can import, written beside gradebook.csv.

- ``canvas.csv``: Canvas's gradebook import form -- the identity columns
  (Student, ID, SIS User ID, SIS Login ID, Section), then one column per
  exercise set (and per stand-alone manual item), headed ``Title (id)`` when
  the roster (a Canvas export) has that assignment, else the title alone
  (Canvas then offers to create it), and a ``Points Possible`` row first.
  Canvas matches students by ID (or SIS User ID / login); a student with
  nothing handed in for a set gets an empty cell, which Canvas leaves alone.
- ``moodle.csv``: for Moodle's "Import grades: CSV file" -- identify users by
  "ID number" or "Email address", map each grade column to its grade item and
  each "... feedback" column to that item's feedback.
- ``long.csv``: one row per student x set: raw score, late penalty, final score, max, and the
  student's feedback page (to attach to that student's grade in the LMS).

Only rostered students are in canvas.csv and moodle.csv; long.csv lists
every graded submission. Every text cell is neutralised (csv_cell).
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from scalecheck.classroom.feedback_report import csv_cell
from scalecheck.exercise.keys import write_atomic


def _csv(path: Path, rows: list[list]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    write_atomic(path, buffer.getvalue())


def _title_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def set_max(entries: dict) -> float:
    return round(sum(float(e.get("points", 1.0)) for e in entries.values()), 4)


def _final(row: dict | None) -> float | str:
    return "" if row is None else row["points"]


def feedback_text(row: dict | None) -> str:
    if row is None:
        return "Nothing handed in."
    parts = [f"{row['points']:g} of {row['max_points']:g} points"]
    late = row.get("late") or {}
    if late.get("days"):
        parts.append(f"{late['days']} day(s) late, {100 * late.get('share', 0):g}% off")
    marked = [q for q in row.get("questions", []) if q.get("status") == "marked" and q.get("message")]
    parts.extend(f"{q['question']}: {q['message']}" for q in marked)
    pending = row.get("manual_points_pending") or 0
    if pending:
        parts.append(f"{pending:g} points of written answers not marked yet")
    if row.get("status") == "blank":
        parts.append("nothing was answered")
    return ("; ".join(parts) + ".")[:1000]


def write_exports(out: Path, rows: list[dict], keys_by_set: dict[str, dict], roster) -> None:
    """canvas.csv and moodle.csv (when there is a roster) and long.csv."""
    sets = sorted(keys_by_set)
    maxima = {s: set_max(keys_by_set[s]) for s in sets}
    by_person: dict[tuple[str, str], dict] = {}
    for row in rows:
        by_person.setdefault((row.get("person", row["student"]), row["exercise_set"]), row)
    long_rows = [["student", "student_id", "exercise_set", "status", "raw_score", "late_days", "late_penalty",
                  "final_score", "max_points", "due", "submitted", "feedback"]]
    roster_keys = {s.key for s in roster.students} if roster is not None else set()
    for row in sorted(rows, key=lambda r: (r["student"], r["exercise_set"])):
        late = row.get("late") or {}
        raw = row.get("raw_points", row["points"])
        person = row.get("person", "")
        long_rows.append([row["student"], person if person in roster_keys else "", row["exercise_set"], row["status"],
                          raw, late.get("days", ""), round(raw - row["points"], 4), row["points"], row["max_points"],
                          late.get("due", ""), late.get("submitted", ""), row.get("feedback", "")])
    _csv(out / "long.csv", long_rows)
    if roster is None:
        return
    titles = {}
    known = {_title_key(t): (t, i) for t, i in roster.assignments.items()}
    for s in sets:
        hit = known.get(_title_key(s))
        titles[s] = f"{hit[0]} ({hit[1]})" if hit else s
    canvas = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + [titles[s] for s in sets],
              ["Points Possible", "", "", "", ""] + [maxima[s] for s in sets]]
    moodle = [["ID number", "Email address", "Full name"] + [c for s in sets for c in (s, f"{s} feedback")]]
    for student in roster.students:
        mine = [by_person.get((student.key, s)) for s in sets]
        canvas.append([student.name, student.canvas_id,
                       student.sis_user_id or (student.key if roster.form == "plain" else ""),
                       student.login, student.section] + [_final(r) for r in mine])
        moodle.append([student.sis_user_id or student.key, student.email, student.name]
                      + [c for r in mine for c in (_final(r), feedback_text(r))])
    _csv(out / "canvas.csv", canvas)
    _csv(out / "moodle.csv", moodle)
