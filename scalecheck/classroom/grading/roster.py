"""The class list (``--roster``) and matching submissions to it.

Two forms are read: a Canvas gradebook export (Student, ID, SIS User ID,
SIS Login ID, Section, then one column per assignment, and a "Points
Possible" row) or a plain CSV (student_id, name, email[, section]).
Submission names are matched in a fixed order -- exact id, login, the local
part of the email, then the normalised name -- and a name that matches no
one, or more than one, is reported, never guessed.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

MAX_INPUT_BYTES = 20 * 1024 * 1024
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
PLAIN_REQUIRED = ["student_id", "name", "email"]


class InputError(ValueError):
    """A teacher's input file that cannot be used at all (the message names the file)."""


@dataclass
class Row:
    line: int                 # line number in the file (1 = header)
    cells: dict[str, str]


def _decoded_lines(path: Path, problems: list[str]) -> tuple[list[str], set[int]]:
    """The file's lines as text, and the numbers of those that were not UTF-8 (reported)."""
    try:
        raw = path.read_bytes()[: MAX_INPUT_BYTES + 1]
    except OSError as error:
        raise InputError(f"{path.name}: could not be read ({error.strerror})") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(f"{path.name}: larger than {MAX_INPUT_BYTES // 1024 // 1024} MB")
    text_lines, bad_lines = [], set()
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            text_lines.append(line.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError:
            bad_lines.add(number)
            text_lines.append(line.decode("utf-8", errors="replace"))
            problems.append(f"{path.name} line {number}: not UTF-8 text (save the file as CSV UTF-8); line skipped")
    return text_lines, bad_lines


def _columns(path: Path, header: list[str], required: list[str], aliases: dict[str, list[str]]) -> dict[str, str]:
    """Wanted column -> the header's spelling of it; InputError naming the missing ones."""
    lowered = {h.lower(): h for h in header}
    names: dict[str, str] = {}
    missing = []
    for wanted in required + [a for a in aliases if a not in required]:
        options = [wanted] + aliases.get(wanted, [])
        found = next((lowered[o.lower()] for o in options if o.lower() in lowered), None)
        if found is not None:
            names[wanted] = found
        elif wanted in required:
            missing.append(wanted)
    if missing:
        raise InputError(f"{path.name} line 1: missing column(s) {', '.join(missing)} (the header has: "
                         f"{', '.join(header)[:300]})")
    return names


def read_rows(path: Path, required: list[str], *, aliases: dict[str, list[str]] | None = None,
              skip_first: str | None = None) -> tuple[list[Row], list[str], list[str]]:
    """(rows, header, problems) of a teacher's CSV file.

    A missing file or missing columns raise InputError; a line that is not
    UTF-8 is reported (file and line) and left out, the rest is read.
    ``aliases`` maps a wanted column to other accepted header spellings.
    """
    path = Path(path)
    problems: list[str] = []
    text_lines, bad_lines = _decoded_lines(path, problems)
    reader = csv.reader(io.StringIO("\n".join(text_lines), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{path.name}: the file is empty") from None
    except csv.Error as error:
        raise InputError(f"{path.name} line 1: not a CSV header ({error})") from None
    if 1 in bad_lines:
        raise InputError(f"{path.name} line 1: the header is not UTF-8 text (save the file as CSV UTF-8)")
    names = _columns(path, header, required, aliases or {})
    rows = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(f"{path.name} line {reader.line_num}: not valid CSV ({error}); line skipped")
            continue
        number = reader.line_num
        if number in bad_lines or not any(c.strip() for c in cells):
            continue
        record = dict(zip(header, (c.strip() for c in cells)))
        if skip_first and cells and cells[0].strip().lower() == skip_first.lower():
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            problems.append(f"{path.name} line {number}: more cells than the header has columns; "
                            "the extra ones are ignored")
        rows.append(Row(number, {**record, **{w: record.get(h, "") for w, h in names.items()}}))
    return rows, header, problems


def normalised_name(text: str) -> str:
    """A name's letters and digits, lower case, accents removed, words sorted
    (so "Smith, Alice", "alice_smith" and "Alice SMITH" are the same)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(sorted(w for w in re.split(r"[^a-z0-9]+", text) if w))


@dataclass
class Student:
    key: str            # the id used everywhere (Canvas ID or student_id)
    name: str
    line: int
    canvas_id: str = ""
    sis_user_id: str = ""
    login: str = ""
    email: str = ""
    section: str = ""


@dataclass
class Roster:
    path: str
    form: str                                   # "canvas" or "plain"
    students: list[Student] = field(default_factory=list)
    assignments: dict[str, str] = field(default_factory=dict)  # Canvas column title -> assignment id
    problems: list[str] = field(default_factory=list)

    def by_key(self) -> dict[str, Student]:
        return {s.key: s for s in self.students}

    def match(self, name: str) -> tuple[Student | None, str]:
        """(student, how) for a submission's name, or (None, why not)."""
        steps = [("id", lambda s: {s.key, s.canvas_id, s.sis_user_id} - {""}, name.strip()),
                 ("login", lambda s: {s.login.lower()} - {""}, name.strip().lower()),
                 ("email", lambda s: {s.email.split("@")[0].lower()} - {""}, name.strip().lower()),
                 ("name", lambda s: {normalised_name(s.name)} - {""}, normalised_name(name))]
        for how, keys, wanted in steps:
            if not wanted:
                continue
            hits = [s for s in self.students if wanted in keys(s)]
            if len(hits) == 1:
                return hits[0], how
            if len(hits) > 1:
                return None, (f"matches {len(hits)} roster students by {how} "
                              f"({', '.join(s.name or s.key for s in hits[:4])}); "
                              "rename the submission to the student's id")
        return None, "matches no roster student (by id, login, email or name)"


_ASSIGNMENT = re.compile(r"^(?P<title>.*\S)\s*\((?P<id>\d+)\)$")


def load_roster(path: Path) -> Roster:
    """The roster in either form; raises InputError when it cannot be used."""
    path = Path(path)
    try:
        head = path.read_bytes()[:4096].decode("utf-8-sig", errors="replace").splitlines()
    except OSError as error:
        raise InputError(f"{path.name}: could not be read ({error.strerror})") from None
    first = next(csv.reader([head[0]])) if head else []
    canvas = {"student", "id"} <= {c.strip().lower() for c in first}
    if canvas:
        rows, header, problems = read_rows(path, ["Student", "ID"],
                                           aliases={"SIS User ID": [], "SIS Login ID": [], "Section": [], "Email": []},
                                           skip_first="Points Possible")
        roster = Roster(str(path), "canvas", problems=problems)
        rows = [r for r in rows if not r.cells["Student"].lower().startswith(("points possible", "student, test"))]
        for column in header:
            hit = _ASSIGNMENT.match(column)
            if hit and column not in CANVAS_IDENTITY:
                roster.assignments[hit["title"].strip()] = hit["id"]
        for row in rows:
            c = row.cells
            student = Student(c["ID"], c["Student"], row.line, canvas_id=c["ID"], sis_user_id=c.get("SIS User ID", ""),
                              login=c.get("SIS Login ID", ""), email=c.get("Email", ""), section=c.get("Section", ""))
            _add(roster, student, path.name)
    else:
        rows, _header, problems = read_rows(path, PLAIN_REQUIRED, aliases={"section": []})
        roster = Roster(str(path), "plain", problems=problems)
        for row in rows:
            c = row.cells
            _add(roster, Student(c["student_id"], c["name"], row.line, email=c["email"], section=c.get("section", "")),
                 path.name)
    if not roster.students:
        raise InputError(f"{path.name}: no students in the roster")
    return roster


def _add(roster: Roster, student: Student, filename: str) -> None:
    if not student.key:
        roster.problems.append(f"{filename} line {student.line}: no student id; this line is left out")
        return
    for other in roster.students:
        if other.key == student.key:
            roster.problems.append(f"{filename} line {student.line}: duplicate id {student.key!r} (first on line "
                                   f"{other.line}); this line is left out")
            return
        if student.email and other.email.lower() == student.email.lower():
            roster.problems.append(f"{filename} line {student.line}: duplicate email {student.email!r} (first on line "
                                   f"{other.line}); this line is left out")
            return
    roster.students.append(student)
