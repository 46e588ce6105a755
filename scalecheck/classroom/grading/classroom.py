"""Running a term: the roster, manual scores and late work, wired into grading.

``prepare`` reads the teacher's files once (every bad line becomes a
problem naming its file and line; a file that cannot be used at all is
reported and that feature is left off -- grading goes on). ``adjust`` is
called per submission after judging; ``finish`` adds the stand-alone manual
items and the rostered students with nothing handed in, then writes the
exports (lms.py).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import late as latemod
from .manual import ManualScores, load_manual
from .roster import InputError, Roster, load_roster, normalised_name


@dataclass
class Options:
    roster: Path | None = None
    manual: Path | None = None
    due: list[str] = field(default_factory=list)          # "01=2026-12-01T23:59"
    deadlines: Path | None = None
    extensions: Path | None = None
    submitted: Path | None = None
    late_policy: str = "none"

    def validate(self, sets: list[str] | None = None) -> latemod.Policy:
        """Checks of the command line itself (ValueError: the teacher fixes the command)."""
        for path in (self.roster, self.manual, self.deadlines, self.extensions, self.submitted):
            if path is not None and not Path(path).is_file():
                raise ValueError(f"{path}: no such file")
        if sets is not None:
            latemod.parse_due_options(self.due, sets)
        return latemod.Policy.parse(self.late_policy)


@dataclass
class Term:
    roster: Roster | None = None
    manual: ManualScores = field(default_factory=ManualScores)
    deadlines: latemod.Deadlines = field(default_factory=latemod.Deadlines)
    person: dict[str, str] = field(default_factory=dict)   # submission's student name -> person key
    used: set = field(default_factory=set)                  # manual scores that found their submission
    manual_file: str = "manual.csv"
    submitted_file: str = ""
    problems: list[dict] = field(default_factory=list)     # {"file", "reason"}

    # -- identity -------------------------------------------------------
    def resolver(self, submission_names: list[str]):
        """Resolve a name written in a teacher's file to a person key."""
        def resolve(text: str) -> tuple[str | None, str]:
            text = text.strip()
            if not text:
                return None, "is empty"
            if self.roster is not None:
                student, how = self.roster.match(text)
                return (student.key, "") if student else (None, how)
            if text in submission_names:
                return text, ""
            hits = [n for n in submission_names if normalised_name(n) == normalised_name(text)]
            if len(hits) == 1:
                return hits[0], ""
            return None, ("matches no submission" if not hits else f"matches {len(hits)} submissions")
        return resolve

    def label(self, key: str) -> str:
        if self.roster is not None:
            student = self.roster.by_key().get(key)
            if student is not None:
                return student.name or key
        return key

    # -- per submission ---------------------------------------------------
    def adjust(self, sub, results: list) -> tuple[list, dict]:
        """Manual scores replace the machine's for their questions; then the late penalty.
        Returns (results, late) with late = {days, share, penalty_text, due, submitted, extended}."""
        key = self.person.get(sub.student, sub.student)
        for result in results:
            manual = self.manual.scores.get((key, sub.exercise_set, result.question))
            if manual is not None:
                self.used.add((key, sub.exercise_set, result.question))
                points, comment = manual
                result.points = round(points, 4)
                result.status = "marked"
                result.manual = True
                result.message = ("Marked by your teacher" + (f": {comment}" if comment else "."))[:2000]
        return results, self.lateness(sub, key)

    def lateness(self, sub, key: str) -> dict:
        due, extended = self.deadlines.due_for([key, sub.student], sub.exercise_set)
        if due is None:
            return {}
        submitted = (self.deadlines.submitted.get((key, sub.exercise_set))
                     or self.deadlines.submitted.get((sub.student, sub.exercise_set)))
        source = "submitted.csv"
        if submitted is None:
            if self.submitted_file:
                _problem(self, sub.display, f"no hand-in time in {self.submitted_file}; the file's own time was used")
            try:  # the time recorded when the file was found (and its bytes verified), else the file's own now
                mtime = getattr(sub, "mtime", None)
                submitted = datetime.fromtimestamp(os.lstat(sub.path).st_mtime if mtime is None else mtime,
                                                   timezone.utc)
                source = "the file's time"
            except OSError:
                return {}
        days = latemod.days_late(submitted, due)
        share = self.deadlines.policy.penalty_share(days)
        return {"days": days, "share": share, "due": due.isoformat(timespec="minutes"),
                "submitted": submitted.isoformat(timespec="minutes"), "source": source, "extended": extended,
                "policy": self.deadlines.policy.describe()}


def _problem(term: Term, file: str | Path, reason: str) -> None:
    term.problems.append({"file": Path(file).name if file else "", "reason": reason})


def prepare(options: Options | None, subs: list, sets: list[str], keys_by_set: dict[str, dict]) -> Term:
    """Read the teacher's files; never raises for bad content."""
    term = Term()
    if options is None:
        return term
    policy = options.validate()
    if options.roster is not None:
        try:
            term.roster = load_roster(options.roster)
            for note in term.roster.problems:
                _problem(term, options.roster, note)
        except InputError as error:
            _problem(term, options.roster, f"{error}; the roster is not used")
    names = sorted({s.student for s in subs})
    if term.roster is not None:
        _match_roster(term, options.roster, subs)
    resolve = term.resolver(names)
    due: dict = {}
    try:
        due.update(latemod.parse_due_options(options.due, sets))
    except ValueError as error:
        raise ValueError(str(error)) from None
    notes: list[str] = []
    for path, loader in ((options.deadlines, lambda p: latemod.load_deadlines(p, sets, due, notes)),
                         (options.submitted, lambda p: term.deadlines.submitted.update(
                             latemod.load_submitted(p, sets, resolve, notes))),
                         (options.extensions, lambda p: term.deadlines.extensions.update(
                             latemod.load_extensions(p, sets, due, resolve, notes)))):
        if path is None:
            continue
        try:
            loader(path)
        except InputError as error:
            notes.append(f"{error}; the file is not used")
    term.deadlines.due, term.deadlines.policy = due, policy
    if options.submitted is not None:
        term.submitted_file = Path(options.submitted).name
    if options.manual is not None:
        term.manual_file = Path(options.manual).name
        try:
            term.manual = load_manual(options.manual, keys_by_set, sets, resolve)
        except InputError as error:
            notes.append(f"{error}; no manual scores are used")
        notes.extend(term.manual.problems)
    for note in notes:
        file = note.split(" line ", 1)[0].split(":", 1)[0]
        _problem(term, file, note)
    return term


def _match_roster(term: Term, roster_file: Path, subs: list) -> None:
    """Each submission to its roster student (term.person); unmatched, second and missing hand-ins are problems."""
    claimed: dict[tuple[str, str], str] = {}
    for sub in sorted(subs, key=lambda s: s.display):
        student, how = term.roster.match(sub.student)
        if student is None:
            _problem(term, sub.display, f"not on the roster: {sub.student!r} {how}; graded, but in no LMS export")
            continue
        if (student.key, sub.exercise_set) in claimed:
            _problem(term, sub.display, f"a second submission for roster student {student.name!r} / {sub.exercise_set} "
                     f"(also {claimed[(student.key, sub.exercise_set)]}); only the first is exported")
            continue
        claimed[(student.key, sub.exercise_set)] = sub.display
        term.person[sub.student] = student.key
    for student in term.roster.students:
        for exercise_set in sorted({s.exercise_set for s in subs}):
            if (student.key, exercise_set) not in claimed:
                _problem(term, roster_file, f"line {student.line}: {student.name or student.key} "
                         f"({student.key}) handed in nothing for {exercise_set}")


def standalone(term: Term) -> tuple[dict[str, dict], list[dict]]:
    """Stand-alone manual items (e.g. capstone) as one-question 'sets' and their rows."""
    keys = {item: {item: {"kind": "manual", "points": top, "order": 0}} for item, top in term.manual.items.items()}
    rows = []
    for (key, item, question), (points, comment) in sorted(term.manual.scores.items()):
        if item not in term.manual.items:
            if (key, item, question) not in term.used:  # a mark for work that is not here is said, not dropped
                line = term.manual.lines.get((key, item, question), "?")
                _problem(term, term.manual_file, f"{term.manual_file} line {line}: {term.label(key)} has no graded "
                         f"submission of {item}; the mark for {question} is not used")
            continue
        top = term.manual.items[item]
        result = {"question": item, "status": "marked", "points": points, "max_points": top, "answer": "",
                  "message": comment, "hint": "", "kind": "manual", "manual": True}
        rows.append({"student": _row_name(term, key), "person": key, "exercise_set": item, "file": "manual.csv",
                     "status": "graded", "points": points, "raw_points": points, "max_points": top,
                     "percent": round(100 * points / top, 1) if top else 0.0, "manual_points_pending": 0,
                     "questions": [result], "notes": [], "failure": "", "feedback": "", "late": {}})
    return keys, rows


def _row_name(term: Term, key: str) -> str:
    """The gradebook's name for a person: their submission name when they have one."""
    for name, person in term.person.items():
        if person == key:
            return name
    return term.label(key)
