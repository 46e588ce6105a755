"""Deadlines, extensions and the late policy.

Times are ISO 8601 (``2026-12-01T23:59``, a space instead of ``T`` and an
offset such as ``+01:00`` or ``Z`` allowed); a time without an offset is
read as UTC. Days late are whole days, rounded up (one minute late is one
day late). The policy is applied after the notebooks are judged, so changing
it re-scores from the cache without running anything.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .roster import InputError, read_rows


def parse_time(text: str) -> datetime:
    """A time as an aware datetime (UTC when no offset is given); ValueError otherwise."""
    value = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?", value):
        raise ValueError(f"{text!r} is not a date and time like 2026-12-01T23:59 (ISO 8601)")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    if len(value) == 10:  # a date alone: due at the end of that day
        moment = moment.replace(hour=23, minute=59, second=59)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Policy:
    kind: str = "none"       # none | percent-per-day | zero-after-days
    amount: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Policy:
        text = (text or "none").strip()
        if text == "none":
            return cls()
        hit = re.fullmatch(r"(percent-per-day|zero-after-days):(\d+(\.\d+)?)", text)
        if not hit:
            raise ValueError(f"--late-policy {text!r}: use none, percent-per-day:N or zero-after-days:N")
        amount = float(hit[2])
        if hit[1] == "percent-per-day" and amount > 100:
            raise ValueError("--late-policy percent-per-day: at most 100")
        return cls(hit[1], amount)

    def penalty_share(self, days_late: int) -> float:
        """The share of the score taken away (0..1)."""
        if days_late <= 0 or self.kind == "none":
            return 0.0
        if self.kind == "percent-per-day":
            return min(1.0, self.amount * days_late / 100)
        return 1.0 if days_late > self.amount else 0.0

    def describe(self) -> str:
        if self.kind == "percent-per-day":
            return f"{self.amount:g}% off per day late"
        if self.kind == "zero-after-days":
            return f"no points when more than {self.amount:g} days late"
        return "no penalty for late work"


def days_late(submitted: datetime, due: datetime) -> int:
    seconds = (submitted - due).total_seconds()
    return max(0, math.ceil(seconds / 86400))


@dataclass
class Deadlines:
    due: dict[str, datetime] = field(default_factory=dict)                       # set -> due
    extensions: dict[tuple[str, str], datetime] = field(default_factory=dict)    # (student key, set or "*") -> due
    submitted: dict[tuple[str, str], datetime] = field(default_factory=dict)     # (student name/key, set) -> time
    policy: Policy = field(default_factory=Policy)
    problems: list[str] = field(default_factory=list)

    def due_for(self, student_keys: list[str], exercise_set: str) -> tuple[datetime | None, bool]:
        """(due, extended) for a student (any of their keys) and a set."""
        for key in student_keys:
            for wanted in ((key, exercise_set), (key, "*")):
                if wanted in self.extensions:
                    return self.extensions[wanted], True
        return self.due.get(exercise_set), False


def resolve_set(text: str, sets: list[str]) -> str | None:
    """A set named in full or by its number (``01``)."""
    text = text.strip()
    for name in sets:
        if text == name or text == name.split("_", 1)[0]:
            return name
    return None


def parse_due_options(values: list[str], sets: list[str]) -> dict[str, datetime]:
    """--due 01=2026-12-01T23:59 (repeatable); ValueError with the reason."""
    due = {}
    for value in values:
        name, sep, when = value.partition("=")
        if not sep:
            raise ValueError(f"--due {value!r}: write SET=TIME, e.g. 01=2026-12-01T23:59")
        exercise_set = resolve_set(name, sets)
        if exercise_set is None:
            raise ValueError(f"--due {value!r}: no exercise set {name!r}")
        due[exercise_set] = parse_time(when)
    return due


def load_deadlines(path: Path, sets: list[str], due: dict, problems: list[str]) -> None:
    """deadlines.csv: set, due."""
    rows, _, notes = read_rows(path, ["set", "due"])
    problems.extend(notes)
    for row in rows:
        exercise_set = resolve_set(row.cells["set"], sets)
        if exercise_set is None:
            problems.append(f"{Path(path).name} line {row.line}: no exercise set {row.cells['set']!r}; line ignored")
            continue
        try:
            due.setdefault(exercise_set, parse_time(row.cells["due"]))
        except ValueError as error:
            problems.append(f"{Path(path).name} line {row.line}: {error}; line ignored")


def load_extensions(path: Path, sets: list[str], due: dict, resolve_student, problems: list[str]) -> dict:
    """extensions.csv: student, set (a set, its number or * for all), then days (extra days) or due (a new time)."""
    rows, header, notes = read_rows(path, ["student", "set"], aliases={"days": [], "due": []})
    problems.extend(notes)
    name = Path(path).name
    if not {"days", "due"} & {h.lower() for h in header}:
        raise InputError(f"{name} line 1: needs a 'days' column (extra days) or a 'due' column (a new due time)")
    found = {}
    for row in rows:
        c = row.cells
        key, why = resolve_student(c["student"])
        if key is None:
            problems.append(f"{name} line {row.line}: student {c['student']!r} {why}; line ignored")
            continue
        exercise_set = "*" if c["set"].strip() == "*" else resolve_set(c["set"], sets)
        if exercise_set is None:
            problems.append(f"{name} line {row.line}: no exercise set {c['set']!r}; line ignored")
            continue
        try:
            if c.get("due"):
                found[(key, exercise_set)] = parse_time(c["due"])
            else:
                extra = float(c.get("days", ""))
                if not 0 <= extra <= 365:
                    raise ValueError(f"days {c.get('days')!r} must be between 0 and 365")
                targets = sets if exercise_set == "*" else [exercise_set]
                for target in targets:
                    if target in due:
                        found[(key, target)] = due[target] + timedelta(days=extra)
                if not any(t in due for t in targets):
                    problems.append(f"{name} line {row.line}: set {c['set']!r} has no due date to extend; line ignored")
        except ValueError as error:
            problems.append(f"{name} line {row.line}: {error}; line ignored")
    return found


def load_submitted(path: Path, sets: list[str], resolve_student, problems: list[str]) -> dict:
    """submitted.csv: student, set, submitted (the time the LMS recorded)."""
    rows, _, notes = read_rows(path, ["student", "set", "submitted"], aliases={"submitted": ["submitted_at"]})
    problems.extend(notes)
    name = Path(path).name
    found = {}
    for row in rows:
        exercise_set = resolve_set(row.cells["set"], sets)
        if exercise_set is None:
            problems.append(f"{name} line {row.line}: no exercise set {row.cells['set']!r}; line ignored")
            continue
        key, why = resolve_student(row.cells["student"])
        if key is None:
            problems.append(f"{name} line {row.line}: student {row.cells['student']!r} {why}; line ignored")
            continue
        try:
            found[(key, exercise_set)] = parse_time(row.cells["submitted"])
        except ValueError as error:
            problems.append(f"{name} line {row.line}: {error}; line ignored")
    return found
