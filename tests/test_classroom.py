"""Running a term without kernels: roster, manual scores, deadlines, LMS exports, bad input.

The notebooks are not executed here: the worker is replaced by one that
returns the answers written in the notebook's metadata, and each call is
counted in a file (a fork-started worker cannot count in the test's memory).
The sandboxed, executed term is tests/test_classroom_term.py.
"""
from __future__ import annotations

import csv
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from scalecheck.classroom.grading import classroom, late, orchestrate, roster

ROOT = Path(__file__).resolve().parent.parent
SET = "01_orders_of_magnitude"
KEY = json.loads((ROOT / "solutions" / "keys" / f"{SET}.json").read_text())["questions"]
RIGHT = sum(e["points"] for e in KEY.values() if e["kind"] in ("number", "choice"))  # the fake answers no function
SET_MAX = sum(e["points"] for e in KEY.values())
CALLS = Path("/nonexistent")


def _fake_run(raw, sidecar, exercise_set, course, cases, limits, index, use_sandbox):
    with open(CALLS, "a") as handle:
        handle.write("run\n")
    document = json.loads(raw)
    answers = document.get("metadata", {}).get("fake_answers", {})
    return {"answers": answers, "problems": [], "failure": "", "seconds": 0.01, "executed": None}


def _right_answers() -> dict:
    found = {}
    for question, entry in KEY.items():
        if entry["kind"] == "number":
            found[question] = {"t": "num", "v": repr(entry["expected"])}
        elif entry["kind"] == "choice":
            found[question] = {"t": "str", "v": entry["expected"]}
        elif entry["kind"] == "written":
            found[question] = {"t": "str", "v": "An argued answer " * 10}
    return found


def _notebook(answers: dict) -> bytes:
    return json.dumps({"cells": [], "metadata": {"fake_answers": answers}, "nbformat": 4, "nbformat_minor": 5}).encode()


CANVAS = ("Student,ID,SIS User ID,SIS Login ID,Section,01_orders_of_magnitude (4411),Final Score\n"
          "    Points Possible,,,,,13.00,(read only)\n"
          "\"Smith, Alice\",101,S101,asmith,Sec A,,\n"
          "\"Jones, Bob\",102,S102,bjones,Sec A,,\n"
          "\"Núñez, Carla\",103,S103,cnunez,Sec B,,\n"
          "\"Lee, Dan\",104,S104,dlee,Sec B,,\n"
          "\"=cmd|' /C calc'!A0\",105,S105,evil,Sec B,,\n")


def _class(tmp_path: Path) -> tuple[Path, Path]:
    subs = tmp_path / "subs"
    subs.mkdir()
    right, wrong = _right_answers(), {q: {"t": "num", "v": "-7.0"} for q in KEY if KEY[q]["kind"] == "number"}
    (subs / f"asmith_{SET}.ipynb").write_bytes(_notebook(right))             # by login
    (subs / "101x_01.ipynb").write_bytes(_notebook(right))                    # matches no one
    (subs / "bob.jones_01.ipynb").write_bytes(_notebook(wrong))               # by normalised name
    (subs / "Carla Nunez_01.ipynb").write_bytes(_notebook(right))             # accents dropped
    (subs / "S105_01.ipynb").write_bytes(_notebook({}))                       # by SIS id; blank
    rost = tmp_path / "roster.csv"
    rost.write_text(CANVAS, encoding="utf-8")
    return subs, rost


@pytest.fixture
def counted(tmp_path, monkeypatch):
    global CALLS
    CALLS = tmp_path / "calls.txt"
    CALLS.write_text("")
    monkeypatch.setattr(orchestrate, "run_submission", _fake_run)
    return lambda: CALLS.read_text().count("run")


def _grade(subs, out, **options):
    return orchestrate.grade(subs, out, jobs=2, quiet=True, unsafe_no_sandbox=True, term=classroom.Options(**options))


def _long(out: Path) -> list[dict]:
    with open(out / "long.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# -- 1. the roster -------------------------------------------------------------

def test_canvas_roster_skips_points_possible_and_matches_in_order(tmp_path):
    _, path = _class(tmp_path)
    found = roster.load_roster(path)
    assert found.form == "canvas" and [s.key for s in found.students] == ["101", "102", "103", "104", "105"]
    assert found.assignments == {"01_orders_of_magnitude": "4411"}
    assert found.match("101")[0].name == "Smith, Alice"                   # Canvas ID
    assert found.match("S102")[1] == "id"                                # SIS User ID
    assert found.match("ASmith")[:2] == (found.students[0], "login")
    assert found.match("alice smith")[1] == "name" and found.match("Smith Alice")[0].key == "101"
    assert found.match("zed")[0] is None


def test_plain_roster_email_local_part_and_ambiguous_names(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("student_id,name,email,section\n7,Ann Lee,ann.lee@uni.edu,1\n8,Ann Lee,al2@uni.edu,2\n",
                    encoding="utf-8")
    found = roster.load_roster(path)
    assert found.form == "plain" and found.match("al2")[0].key == "8"
    student, why = found.match("ann_lee")
    assert student is None and "2 roster students" in why


def test_every_unmatched_submission_and_missing_student_is_a_problem(tmp_path, counted):
    subs, rost = _class(tmp_path)
    summary = _grade(subs, tmp_path / "out", roster=rost)
    problems = [(p["file"], p["reason"]) for p in summary["problems"]]
    assert any(f == "101x_01.ipynb" and "not on the roster" in r for f, r in problems)
    assert any(f == "roster.csv" and "Lee, Dan" in r and "line 6" in r and "nothing" in r for f, r in problems)
    assert not any("Smith" in r and "nothing" in r for _f, r in problems)
    assert counted() == 3  # three identical notebooks run once


# -- 2. exports read back by each LMS's column rules ----------------------------

def test_canvas_moodle_and_long_exports(tmp_path, counted):
    subs, rost = _class(tmp_path)
    mfile = tmp_path / "manual.csv"
    mfile.write_text("student,item,points,comment,max\nasmith,01:q11_argue,1.5,=clear but thin,\n"
                     "bjones,capstone,8,-strong sources,10\n", encoding="utf-8")
    _grade(subs, tmp_path / "out", roster=rost, manual=mfile)
    out = tmp_path / "out"
    canvas = _read(out / "canvas.csv")
    # Canvas: the identity columns first, then assignments; ID is what Canvas matches on
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01_orders_of_magnitude (4411)",
                         "capstone"]
    assert canvas[1][0] == "Points Possible" and float(canvas[1][5]) == SET_MAX and float(canvas[1][6]) == 10
    rows = {r[1]: r for r in canvas[2:]}
    assert set(rows) == {"101", "102", "103", "104", "105"}
    assert float(rows["101"][5]) == RIGHT + 1.5                     # the written answer's manual mark is in
    assert float(rows["102"][5]) == 0 and float(rows["102"][6]) == 8
    assert float(rows["103"][5]) == RIGHT                            # written answer not marked yet
    assert rows["104"][5] == "" and rows["101"][6] == ""                # nothing handed in: Canvas keeps what it has
    assert rows["105"][0].startswith("'=")                              # a formula-looking name is text
    for row in canvas[2:]:  # every score is empty or a number within its Points Possible
        for cell, top in zip(row[5:], canvas[1][5:]):
            assert cell == "" or 0 <= float(cell) <= float(top)
    moodle = _read(out / "moodle.csv")
    assert moodle[0] == ["ID number", "Email address", "Full name", SET, f"{SET} feedback",
                         "capstone", "capstone feedback"]
    by_id = {r[0]: r for r in moodle[1:]}
    assert by_id["S101"][3] == str(RIGHT + 1.5)
    assert "q11_argue: Marked by your teacher: =clear but thin" in by_id["S101"][4]
    assert by_id["S102"][5] == "8.0" and by_id["S102"][6].startswith("8 of 10 points")
    long = {(r["student"], r["exercise_set"]): r for r in csv.DictReader(open(out / "long.csv", encoding="utf-8"))}
    assert long[("asmith", SET)]["final_score"] == str(RIGHT + 1.5)
    assert long[("asmith", SET)]["max_points"] == str(SET_MAX)
    assert long[("101x", SET)]["student_id"] == "" and long[("bob.jones", "capstone")]["final_score"] == "8.0"
    assert (out / long[("asmith", SET)]["feedback"]).is_file() and long[("asmith", SET)]["student_id"] == "101"
    # every text cell of every export is inert
    for name in ("canvas.csv", "moodle.csv", "long.csv", "gradebook.csv", "problems.csv"):
        for row in _read(out / name):
            for cell in row:
                assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r") or _is_number(cell), (name, cell)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- 3. manual scores ----------------------------------------------------------

def test_manual_scores_reach_gradebook_and_feedback_and_survive_regrading(tmp_path, counted):
    subs, rost = _class(tmp_path)
    mfile = tmp_path / "manual.csv"
    mfile.write_text("student,item,points,comment\nAlice Smith,01:q11_argue,2,<b>well argued</b>\n", encoding="utf-8")
    out = tmp_path / "out"
    _grade(subs, out, roster=rost, manual=mfile)
    book = {r["student"]: r for r in csv.DictReader(open(out / "gradebook.csv", encoding="utf-8"))}
    assert book["asmith"][f"{SET}:q11_argue"] == "2.0" and float(book["asmith"]["total"]) == RIGHT + 2
    assert book["Carla Nunez"][f"{SET}:q11_argue"] == ""                   # still to be marked
    detail = json.loads((out / "gradebook.json").read_text())["submissions"]
    page = (out / next(r["feedback"] for r in detail if r["student"] == "asmith")).read_text(encoding="utf-8")
    assert "marked by your teacher" in page and "&lt;b&gt;well argued&lt;/b&gt;" in page
    assert "<b>well argued" not in page
    first = counted()
    mfile.write_text("student,item,points,comment\nasmith,01:q11_argue,1,re-marked\n", encoding="utf-8")
    summary = _grade(subs, out, roster=rost, manual=mfile)
    assert summary["executed"] == 0 and counted() == first
    book = {r["student"]: r for r in csv.DictReader(open(out / "gradebook.csv", encoding="utf-8"))}
    assert book["asmith"][f"{SET}:q11_argue"] == "1.0"


# -- 4. deadlines and late work ------------------------------------------------

def test_policy_and_days_late():
    due = late.parse_time("2026-12-01T23:59")
    assert due.tzinfo is not None and late.parse_time("2026-12-01").hour == 23
    assert late.days_late(late.parse_time("2026-12-02T00:00"), due) == 1
    assert late.days_late(late.parse_time("2026-12-03T23:59"), due) == 2
    assert late.days_late(late.parse_time("2026-12-01T23:00+00:00"), due) == 0
    assert late.days_late(late.parse_time("2026-12-02T00:30+02:00"), due) == 0  # offsets count
    assert late.Policy.parse("percent-per-day:10").penalty_share(3) == pytest.approx(0.3)
    assert late.Policy.parse("percent-per-day:40").penalty_share(3) == 1.0
    assert late.Policy.parse("zero-after-days:3").penalty_share(3) == 0.0
    assert late.Policy.parse("zero-after-days:3").penalty_share(4) == 1.0
    assert late.Policy.parse("none").penalty_share(9) == 0.0
    for bad in ("percent:10", "percent-per-day:x", "zero-after-days", "percent-per-day:200"):
        with pytest.raises(ValueError):
            late.Policy.parse(bad)


def test_late_work_extension_and_policy_change_without_running_anything(tmp_path, counted):
    subs, rost = _class(tmp_path)
    submitted = tmp_path / "submitted.csv"
    submitted.write_text("student,set,submitted\nasmith,01,2026-12-03T10:00\nCarla Nunez,01,2026-12-03T10:00\n"
                         "bjones,01,2026-11-30T10:00\n101x,01,2026-11-30T10:00\nS105,01,2026-11-30T10:00\n",
                         encoding="utf-8")
    extensions = tmp_path / "extensions.csv"
    extensions.write_text("student,set,days\n103,01,3\n", encoding="utf-8")
    out = tmp_path / "out"
    common = dict(roster=rost, submitted=submitted, extensions=extensions, due=["01=2026-12-01T23:59"])
    _grade(subs, out, late_policy="percent-per-day:10", **common)
    long = {r["student"]: r for r in _long(out) if r["exercise_set"] == SET}
    assert long["asmith"]["late_days"] == "2" and float(long["asmith"]["final_score"]) == pytest.approx(RIGHT * 0.8)
    assert float(long["asmith"]["late_penalty"]) == pytest.approx(RIGHT * 0.2)
    assert long["Carla Nunez"]["late_days"] == "0" and float(long["Carla Nunez"]["final_score"]) == RIGHT  # extended
    book = {r["student"]: r for r in csv.DictReader(open(out / "gradebook.csv", encoding="utf-8"))}
    assert book["asmith"][f"{SET}:late_days"] == "2"
    assert float(book["asmith"][f"{SET}:total"]) == pytest.approx(RIGHT * 0.8)
    detail = json.loads((out / "gradebook.json").read_text())["submissions"]
    page = (out / next(r["feedback"] for r in detail if r["student"] == "asmith")).read_text(encoding="utf-8")
    assert "2 day(s) late" in page and "20% of your points are taken off" in page
    carla = (out / next(r["feedback"] for r in detail if r["student"] == "Carla Nunez")).read_text(encoding="utf-8")
    assert "your extended date" in carla and "On time." in carla
    runs = counted()
    summary = _grade(subs, out, late_policy="zero-after-days:1", **common)
    assert summary["executed"] == 0 and counted() == runs                # no kernel started again
    long = {r["student"]: r for r in _long(out) if r["exercise_set"] == SET}
    assert float(long["asmith"]["final_score"]) == 0 and float(long["asmith"]["raw_score"]) == RIGHT


def test_file_times_are_used_without_submitted_csv(tmp_path, counted):
    subs, rost = _class(tmp_path)
    stamp = datetime(2026, 12, 5, 12, tzinfo=timezone.utc).timestamp()
    os.utime(subs / f"asmith_{SET}.ipynb", (stamp, stamp))
    _grade(subs, tmp_path / "out", roster=rost, due=["01_orders_of_magnitude=2026-12-01T23:59"],
           late_policy="percent-per-day:25")
    long = {r["student"]: r for r in csv.DictReader(open(tmp_path / "out" / "long.csv", encoding="utf-8"))}
    assert long["asmith"]["late_days"] == "4" and float(long["asmith"]["final_score"]) == 0


# -- 5. bad input: a clear message naming file and line; everyone else graded ----

def _reasons(summary) -> list[str]:
    return [f"{p['file']}: {p['reason']}" for p in summary["problems"]]


def test_bad_roster_lines_are_reported_and_the_rest_used(tmp_path, counted):
    subs, _ = _class(tmp_path)
    bad = tmp_path / "roster.csv"
    bad.write_bytes(CANVAS.encode() + b"\"Duplicate, Al\",101,S999,dup,Sec A,,\n"
                    b"\"M\xfcller, Jo\",106,S106,jm,Sec A,,\n")
    summary = _grade(subs, tmp_path / "out", roster=bad)
    reasons = _reasons(summary)
    assert any("roster.csv line 8" in r and "duplicate id '101'" in r for r in reasons)
    assert any("roster.csv line 9" in r and "not UTF-8" in r for r in reasons)
    assert summary["graded"] == 5
    assert len(_read(tmp_path / "out" / "canvas.csv")) == 2 + 5


def test_roster_missing_columns_is_reported_and_grading_goes_on(tmp_path, counted):
    subs, _ = _class(tmp_path)
    bad = tmp_path / "roster.csv"
    bad.write_text("student_id,name\n1,A\n", encoding="utf-8")
    summary = _grade(subs, tmp_path / "out", roster=bad)
    assert any("roster.csv line 1: missing column(s) email" in r for r in _reasons(summary))
    assert summary["graded"] == 5 and not (tmp_path / "out" / "canvas.csv").exists()


def test_bad_manual_lines_each_named(tmp_path, counted):
    subs, rost = _class(tmp_path)
    mfile = tmp_path / "manual.csv"
    mfile.write_text("student,item,points,comment,max\n"
                     "nobody,01:q11_argue,1,,\n"          # 2 unknown student
                     "asmith,01:q99,1,,\n"                # 3 unknown item
                     "asmith,01:q11_argue,-1,,\n"         # 4 negative
                     "asmith,01:q11_argue,3,,\n"          # 5 over max
                     "asmith,poster,3,,\n"                # 6 item of its own without max
                     "asmith,01:q11_argue,two,,\n"        # 7 not a number
                     "bjones,capstone,11,,10\n"           # 8 over the item's max
                     "cnunez,01:q11_argue,2,fine,\n"
                     "dlee,01:q11_argue,1,,\n", encoding="utf-8")     # 10 handed nothing in
    summary = _grade(subs, tmp_path / "out", roster=rost, manual=mfile)
    reasons = _reasons(summary)
    for line, words in ((2, "student 'nobody'"), (3, "unknown item '01:q99'"), (4, "points -1 outside 0..2"),
                        (5, "points 3 outside 0..2"), (6, "unknown item 'poster'"), (7, "'two' is not a number"),
                        (8, "points 11 outside 0..10"), (10, "Lee, Dan has no graded submission of 01")):
        assert any(f"manual.csv line {line}:" in r and words in r for r in reasons), (line, reasons)
    long = {(r["student"], r["exercise_set"]): r for r in _long(tmp_path / "out")}
    assert float(long[("Carla Nunez", SET)]["final_score"]) == RIGHT + 2  # the good line still counts


def test_bad_dates_and_files_are_reported(tmp_path, counted):
    subs, rost = _class(tmp_path)
    deadlines = tmp_path / "deadlines.csv"
    deadlines.write_text("set,due\n01,1/12/2026\n02,2026-12-08T23:59\n", encoding="utf-8")
    submitted = tmp_path / "submitted.csv"
    submitted.write_bytes(b"student,set,submitted\nasmith,01,yesterday\nbjones,07,2026-12-01T10:00\ncnunez,01,2026-12-0\xff\n"
                          b"nobody,01,2026-12-01T10:00\n")
    extensions = tmp_path / "extensions.csv"
    extensions.write_text("student,set,days\nghost,01,2\nasmith,01,-4\n", encoding="utf-8")
    summary = _grade(subs, tmp_path / "out", roster=rost, deadlines=deadlines, submitted=submitted,
                     extensions=extensions, due=["01=2026-12-01T23:59"])
    reasons = _reasons(summary)
    for words in ("deadlines.csv line 2: '1/12/2026' is not a date", "submitted.csv line 2: 'yesterday' is not a date",
                  "submitted.csv line 4: not UTF-8", "extensions.csv line 2: student 'ghost'",
                  "extensions.csv line 3: days '-4' must be between", "submitted.csv line 5: student 'nobody'",
                  "asmith_01_orders_of_magnitude.ipynb: no hand-in time in submitted.csv"):
        assert any(words in r for r in reasons), (words, reasons)
    assert summary["graded"] == 5
    with pytest.raises(ValueError, match="not a date"):
        _grade(subs, tmp_path / "out2", due=["01=tomorrow"])
    with pytest.raises(ValueError, match="late-policy"):
        _grade(subs, tmp_path / "out3", late_policy="half")


def test_command_line_reports_a_missing_file_without_a_traceback(tmp_path, capsys):
    subs, _ = _class(tmp_path)
    assert orchestrate.main([str(subs), "--out", str(tmp_path / "o"), "--roster", str(tmp_path / "none.csv")]) == 2
    assert "none.csv: no such file" in capsys.readouterr().err


# -- 6. check histories (reported, never scored) ---------------------------------

FIRST_NUMBER = next(q for q, e in sorted(KEY.items(), key=lambda i: i[1]["order"]) if e["kind"] == "number")


def _side(attempts) -> str:
    return json.dumps({"answers": {}, "times": {}, "attempts": attempts})


def test_check_histories_reach_the_class_summary_and_never_the_score(tmp_path, counted):
    subs, rost = _class(tmp_path)
    now = 1_790_000_000_000
    tries = lambda verdicts: [[now + i, v, f"{i:x}"] for i, v in enumerate(verdicts)]  # noqa: E731
    asmith = tries(["wrong", "close", "wrong", "correct"])
    (subs / f"asmith_{SET}.answers.json").write_text(_side({FIRST_NUMBER: asmith}))
    # bob's answers are wrong; a forged history of 'correct' checks gains him nothing
    junk = [["x", {}], None, [now, "correct", "<script>"]] * 100
    forged = junk + tries(["correct"] * 3) + [[9e14, "correct"]]
    (subs / "bob.jones_01.answers.json").write_text(_side({FIRST_NUMBER: forged, "../../etc": [[now, "wrong"]],
                                                           "q2": "nonsense"}))
    (subs / "Carla Nunez_01.answers.json").write_text(_side({FIRST_NUMBER: tries(["correct"])}))
    (subs / "S105_01.answers.json").write_text('{"answers": {}, "attempts": [1, 2, 3]}')
    summary = _grade(subs, tmp_path / "out", roster=rost)
    detail = {r["student"]: r for r in json.loads((tmp_path / "out" / "gradebook.json").read_text())["submissions"]}
    assert detail["asmith"]["attempts"][FIRST_NUMBER] == {"tries": 4, "first_correct": 4}
    assert detail["bob.jones"]["attempts"] == {FIRST_NUMBER: {"tries": 3, "first_correct": 1}}
    assert detail["bob.jones"]["points"] == 0.0 and detail["S105"]["attempts"] == {}
    reasons = [p["reason"] for p in summary["problems"] if p["file"] == "bob.jones_01.ipynb"]
    assert any("check history" in r and "unreadable entries" in r for r in reasons)
    assert any("S105" in p["file"] and "check history in the side file is malformed" in p["reason"]
               for p in summary["problems"])
    stats = {r["question"]: r for r in csv.DictReader(open(tmp_path / "out" / "summary.csv", encoding="utf-8"))}
    row = stats[FIRST_NUMBER]
    assert (row["students_with_history"], row["mean_tries"], row["share_several_tries"], row["tries_rank"]) == \
        ("3", "2.67", "0.6667", "1")
    assert all(r["tries_rank"] == "" for q, r in stats.items() if q != FIRST_NUMBER)


# -- 2b. feedback pages named by roster id ----------------------------------------

def test_feedback_pages_are_named_by_roster_id(tmp_path, counted):
    subs, rost = _class(tmp_path)
    _grade(subs, tmp_path / "out", roster=rost)
    long = {r["student"]: r["feedback"] for r in csv.DictReader(open(tmp_path / "out" / "long.csv", encoding="utf-8"))}
    assert long["asmith"] == f"feedback/101/{SET}.html" and long["bob.jones"] == f"feedback/102/{SET}.html"
    assert long["101x"] == f"feedback/101x/{SET}.html"      # not on the roster: the submission's own name
    assert all((tmp_path / "out" / page).is_file() for page in long.values() if page)


def test_feedback_paths_stay_inside_and_never_collide():
    from scalecheck.classroom.grading.discovery import Submission

    names = ["../../x", "a/b", "..", "7", "7 ", "seven", "ghost", "ghost"]
    subs = [Submission(path=f"p{i}", display=f"d{i}", student=n, exercise_set=SET) for i, n in enumerate(names)]
    person = {"../../x": "../../etc", "a/b": "a/b", "..": "..", "7": "7", "seven": "7", "7 ": "ghost"}
    pages = orchestrate.feedback_paths(subs, person)
    assert len(set(pages.values())) == len(subs)                     # seven/7 twice, ghost twice: all kept apart
    for page in pages.values():
        parts = Path(page).parts
        assert parts[0] == "feedback" and len(parts) == 3 and ".." not in parts and parts[1] not in ("", ".")
    assert pages[3] == f"feedback/7/{SET}.html"
    assert pages[6] != pages[5].replace("ghost-", "") and "unmatched" in pages[6]  # a name never takes an id's folder


# -- 5. variants: the grader's side of the interface --------------------------------

def test_variant_secret_needs_a_roster_and_is_checked_first(tmp_path, counted):
    subs, rost = _class(tmp_path)
    with pytest.raises(ValueError, match="need --roster"):
        orchestrate.grade(subs, tmp_path / "o1", quiet=True, unsafe_no_sandbox=True, variant_secret="s3cret")
    with pytest.raises(ValueError, match="empty"):
        orchestrate.grade(subs, tmp_path / "o2", quiet=True, unsafe_no_sandbox=True,
                          term=classroom.Options(roster=rost), variant_secret="  ")
    assert counted() == 0 and not (tmp_path / "o1").exists()


def test_variant_keys_are_used_for_rostered_students_only(tmp_path, counted, monkeypatch):
    import types

    calls = []

    def student_key(set_name, student_id, secret, base_key):
        calls.append((set_name, student_id, secret))
        changed = json.loads(json.dumps(base_key))
        changed[FIRST_NUMBER]["expected"] *= 3  # this student's numbers differ
        return changed

    monkeypatch.setattr(orchestrate, "_variants_module", lambda: types.SimpleNamespace(student_key=student_key))
    subs, rost = _class(tmp_path)
    summary = _grade_with_secret(subs, tmp_path / "out", rost)
    detail = {r["student"]: r for r in json.loads((tmp_path / "out" / "gradebook.json").read_text())["submissions"]}
    status = lambda who: next(q["status"] for q in detail[who]["questions"] if q["question"] == FIRST_NUMBER)  # noqa: E731
    assert status("asmith") == "wrong"          # the shared key's answer is not this student's
    assert status("101x") == "correct"          # not on the roster: the default numbers
    assert sorted(c[1] for c in calls) == ["101", "102", "103", "105"] and {c[2] for c in calls} == {"s3cret"}
    assert any(p["file"] == "101x_01.ipynb" and "default numbers" in p["reason"] for p in summary["problems"])


def _grade_with_secret(subs, out, rost):
    return orchestrate.grade(subs, out, jobs=1, quiet=True, unsafe_no_sandbox=True,
                             term=classroom.Options(roster=rost), variant_secret="s3cret")


def test_command_line_variant_secret_file(tmp_path, capsys, counted):
    subs, rost = _class(tmp_path)
    code = orchestrate.main([str(subs), "--out", str(tmp_path / "o"), "--roster", str(rost),
                             "--variant-secret-file", str(tmp_path / "missing.txt"), "--unsafe-no-sandbox"])
    assert code == 2 and "missing.txt: the variant secret could not be read" in capsys.readouterr().err
