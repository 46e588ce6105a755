"""A teacher's term, scripted (issue 15, "Done means"), graded in the sandbox.

A 30-student roster in Canvas's export form; 30 submissions: set 01 correct,
partly right, wrong, blank, late, late with an extension, not on the roster,
or missing; set 03 released with per-student variants (two students hand in
their own numbers' solution, one copies the public solution, one visitor is
on no roster); manual capstone and written-answer scores; one run with two
workers from the command line with the course secret. canvas.csv and
moodle.csv are then read column by column, and a change of late policy
re-scores everything without starting a kernel. Kept fast: seven distinct
notebooks are executed (identical files run once), everything else is re-used.
"""
from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import nbformat
import pytest

from scalecheck.classroom import variants
from scalecheck.classroom.grading import orchestrate, sandbox
from scalecheck.exercise import params

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SET = "01_orders_of_magnitude"
KEY = json.loads((ROOT / "solutions" / "keys" / f"{SET}.json").read_text())["questions"]
AUTO = sum(e["points"] for e in KEY.values() if e["kind"] != "written")
SET_MAX = sum(e["points"] for e in KEY.values())
WRITTEN = next(q for q, e in KEY.items() if e["kind"] == "written")
SET3 = "03_training_run_cost"  # varies per student (a parameters cell in its solutions notebook)
KEY3 = json.loads((ROOT / "solutions" / "keys" / f"{SET3}.json").read_text())["questions"]
AUTO3 = sum(e["points"] for e in KEY3.values() if e["kind"] != "written")
SET3_MAX = sum(e["points"] for e in KEY3.values())
SECRET = "term-secret-for-the-test-0123456789"
FIRSTS = ["Ada", "Ben", "Cleo", "Dev", "Eun", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena", "Mo", "Nia", "Oli",
          "Pia", "Quin", "Rae", "Sol", "Tao", "Uma", "Vic", "Wen", "Xia", "Yuri", "Zoe", "Amir", "Bea", "Cyd", "Dara"]


def _student(n: int) -> dict:
    return {"name": f"Family{n:02d}, {FIRSTS[n - 1]}", "first": FIRSTS[n - 1], "last": f"Family{n:02d}",
            "id": str(1000 + n), "sis": f"S{1000 + n}", "login": f"u{1000 + n}", "section": "A" if n % 2 else "B"}


STUDENTS = [_student(n) for n in range(1, 31)]
CORRECT, LATE, EXTENDED = range(1, 13), (3, 4), 5
PARTIAL, WRONG, BLANK, ABSENT = range(13, 18), range(18, 23), range(23, 26), range(26, 31)
OWN_VARIANT, COPIER = (6, 7), 8   # set 03: their own numbers' solution; the public solution


def _solution(set_name: str, values: dict | None = None):
    """The solutions notebook, outputs cleared, with a student's numbers in its parameters cell."""
    notebook = nbformat.read(ROOT / "solutions" / f"{set_name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            if values and "parameters" in cell.metadata.get("tags", []):
                cell.source = params.given_source(cell.source, values)
    return notebook


def _write(path: Path, notebook) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as error:
        if Path(sandbox.BWRAP).exists() or sandbox.is_root():
            raise
        pytest.skip(f"no sandbox here: {error}")
    base = tmp_path_factory.mktemp("term")
    subs = base / "submissions"
    solution = nbformat.read(corpus.SOLUTION, as_version=4)
    for cell in solution.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    wrong = corpus.answer(corpus.answer(corpus.exercise(), "cluster_fp8_sparse_flop_per_s", "1.0"),
                          "run_energy_gwh", "-3")
    for n in CORRECT:   # by login, in a folder
        _write(subs / f"u{1000 + n}" / f"{SET}.ipynb", solution)
    for n in PARTIAL:   # by name, written first-last
        _write(subs / f"{FIRSTS[n - 1]}_Family{n:02d}_01.ipynb", corpus.right())
    for n in WRONG:     # by SIS User ID
        _write(subs / f"S{1000 + n}_01.ipynb", wrong)
    for n in BLANK:     # by Canvas ID; the hand-out untouched
        _write(subs / f"{1000 + n}_01.ipynb", corpus.exercise())
    _write(subs / "visitor_01.ipynb", solution)  # on no roster
    for n in OWN_VARIANT:  # set 03 with the numbers release --roster gave this student
        numbers = variants.student_params(SET3, str(1000 + n), SECRET)
        _write(subs / f"u{1000 + n}" / f"{SET3}.ipynb", _solution(SET3, numbers))
    _write(subs / f"u{1000 + COPIER}" / f"{SET3}.ipynb", _solution(SET3))  # the public solution's numbers
    _write(subs / "visitor_03.ipynb", _solution(SET3))  # on no roster: judged with the default numbers
    secret = base / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    roster = base / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{SET} (7001)", "Capstone (7002)",
                         f"{SET3} (7003)", "Current Score"])
        writer.writerow(["    Points Possible", "", "", "", "", SET_MAX, 20, SET3_MAX, "(read only)"])
        for s in STUDENTS:
            writer.writerow([s["name"], s["id"], s["sis"], s["login"], s["section"], "", "", "", ""])
    submitted = base / "submitted.csv"
    lines = ["student,set,submitted"]
    for n in range(1, 26):
        lines.append(f"{1000 + n},01,{'2026-12-04T09:00' if n in LATE or n == EXTENDED else '2026-12-01T12:00'}")
    submitted.write_text("\n".join(lines) + "\n", encoding="utf-8")
    extensions = base / "extensions.csv"
    extensions.write_text(f"student,set,days\nu{1000 + EXTENDED},01,3\n", encoding="utf-8")
    manual = base / "manual.csv"
    manual.write_text("student,item,points,comment,max\n"
                      f"u1001,Capstone,18,=clear forecast; cites both sides,20\n"
                      f"{FIRSTS[1]} Family02,Capstone,12,,\n"
                      f"S1013,Capstone,15,good ledger use,\n"
                      f"u1001,01:{WRITTEN},2,well argued,\n"
                      f"u1002,01:{WRITTEN},0.5,one side only,\n", encoding="utf-8")
    out = base / "grades"
    common = [str(subs), "--out", str(out), "--roster", str(roster), "--manual", str(manual),
              "--submitted", str(submitted), "--extensions", str(extensions), "--due", "01=2026-12-01T23:59",
              "--variant-secret-file", str(secret)]
    started = time.monotonic()
    assert orchestrate.main(common + ["--jobs", "2", "--late-policy", "percent-per-day:10"]) == 0
    seconds = time.monotonic() - started
    first = {name: (out / name).read_text(encoding="utf-8") for name in ("canvas.csv", "moodle.csv", "long.csv")}
    return {"out": out, "common": common, "seconds": seconds, "first": first, "base": base,
            "book": json.loads((out / "gradebook.json").read_text())}


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(text.splitlines()))


def _expected_set_score(n: int) -> str:
    if n in ABSENT:
        return ""
    if n in PARTIAL:
        return str(float(len(corpus.answered_questions())))
    if n in WRONG or n in BLANK:
        return "0.0"
    manual = {1: 2.0, 2: 0.5}.get(n, 0.0)
    raw = AUTO + manual
    return str(round(raw * 0.7, 4) if n in LATE else raw)   # three days late at 10% a day


def _set3_score(n: int, book: dict) -> str:
    return "" if n not in OWN_VARIANT + (COPIER,) else str(book[str(1000 + n)]["points"])


def test_the_term_grades_everyone_once(term, capsys):
    graded = [r for r in term["book"]["submissions"] if r["exercise_set"] in (SET, SET3)]
    assert len(graded) == 30  # set 01: 25 rostered hand-ins and a visitor; set 03: three students and a visitor
    print(f"\n[term] 30 submissions (7 distinct notebooks executed) graded in {term['seconds']:.1f} s with --jobs 2 "
          f"({30 / term['seconds']:.2f} submissions/s)", file=sys.stderr)
    problems = list(csv.DictReader(open(term["out"] / "problems.csv", encoding="utf-8")))
    assert any(p["file"] == "visitor_01.ipynb" and "not on the roster" in p["reason"] for p in problems)
    for n in ABSENT:
        assert any(p["file"] == "roster.csv" and f"({1000 + n})" in p["reason"] and "nothing" in p["reason"]
                   for p in problems)
    assert not any("manual.csv" in p["file"] or "extensions.csv" in p["file"] for p in problems)


def _set3_rows(term) -> dict:
    return {r["person"]: r for r in term["book"]["submissions"] if r["exercise_set"] == SET3}


def test_each_student_is_judged_against_their_own_variant(term):
    rows = _set3_rows(term)
    for n in OWN_VARIANT:  # their own numbers' solution: every machine-graded question correct
        statuses = {q["question"]: q["status"] for q in rows[str(1000 + n)]["questions"]}
        assert all(statuses[q] == "correct" for q, e in KEY3.items() if e["kind"] != "written"), (n, statuses)
        assert rows[str(1000 + n)]["points"] == AUTO3
    own = variants.student_key(SET3, str(1000 + COPIER), SECRET, KEY3)
    varied = [q for q in KEY3 if own[q] != KEY3[q]]
    assert varied  # the copier's numbers differ from the public solution's
    statuses = {q["question"]: q["status"] for q in rows[str(1000 + COPIER)]["questions"]}
    assert not any(statuses[q] == "correct" for q in varied), statuses
    assert rows[str(1000 + COPIER)]["points"] < AUTO3
    assert rows["visitor"]["points"] == AUTO3  # not on the roster: the default numbers, which it has
    problems = list(csv.DictReader(open(term["out"] / "problems.csv", encoding="utf-8")))
    assert any(p["file"] == "visitor_03.ipynb" and "default numbers" in p["reason"] for p in problems)


def test_canvas_csv_column_by_column(term):
    rows = _rows(term["first"]["canvas.csv"])
    set3 = {k: r for k, r in _set3_rows(term).items()}
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{SET} (7001)", f"{SET3} (7003)",
                       "Capstone (7002)"]
    assert rows[1][:5] == ["Points Possible", "", "", "", ""]
    assert [float(c) for c in rows[1][5:]] == [SET_MAX, SET3_MAX, 20]
    assert len(rows) == 2 + 30
    for n, row in zip(range(1, 31), rows[2:]):
        s = _student(n)
        assert row[:5] == [s["name"], s["id"], s["sis"], s["login"], s["section"]], n
        assert row[5] == _expected_set_score(n), (n, row[5])
        assert row[6] == _set3_score(n, set3), (n, row[6])
        assert row[7] == {1: "18.0", 2: "12.0", 13: "15.0"}.get(n, ""), (n, row[7])


def test_moodle_csv_column_by_column(term):
    rows = _rows(term["first"]["moodle.csv"])
    set3 = _set3_rows(term)
    assert rows[0] == ["ID number", "Email address", "Full name", SET, f"{SET} feedback", SET3, f"{SET3} feedback",
                       "Capstone", "Capstone feedback"]
    for n, row in zip(range(1, 31), rows[1:]):
        s = _student(n)
        assert row[:3] == [s["sis"], "", s["name"]]
        assert row[3] == _expected_set_score(n)
        assert row[5] == _set3_score(n, set3)
        if not row[5]:
            assert row[6] == "Nothing handed in."
        else:
            assert row[6].startswith(f"{float(row[5]):g} of {SET3_MAX:g} points")
        feedback = row[4]
        if n in ABSENT:
            assert feedback == "Nothing handed in."
        else:
            assert feedback.startswith(f"{float(row[3]):g} of {SET_MAX:g} points")
        if n in LATE:
            assert "3 day(s) late, 30% off" in feedback
        if n == EXTENDED:
            assert "late" not in feedback
        if n == 1:
            assert f"{WRITTEN}: Marked by your teacher: well argued" in feedback
            assert row[8].startswith("18 of 20 points; Capstone: Marked") or "=clear forecast" in row[8]
            assert not row[8].startswith("=")
        if n in BLANK:
            assert "nothing was answered" in feedback


def test_feedback_shows_late_penalty_and_teacher_marks(term):
    detail = {r["person"]: r for r in term["book"]["submissions"] if r["exercise_set"] == SET}
    page = (term["out"] / detail["1003"]["feedback"]).read_text(encoding="utf-8")
    assert "3 day(s) late" in page and "30% of your points are taken off" in page
    page = (term["out"] / detail["1001"]["feedback"]).read_text(encoding="utf-8")
    assert "marked by your teacher" in page and "well argued" in page
    page = (term["out"] / detail[str(1000 + EXTENDED)]["feedback"]).read_text(encoding="utf-8")
    assert "your extended date" in page and "On time." in page
    # named by roster id, to attach per student; long.csv lists each page
    assert detail["1003"]["feedback"] == f"feedback/1003/{SET}.html"
    long = list(csv.DictReader(open(term["out"] / "long.csv", encoding="utf-8")))
    for row in long:
        if row["student_id"] and row["exercise_set"] in (SET, SET3):
            assert row["feedback"] == f"feedback/{row['student_id']}/{row['exercise_set']}.html", row
            assert (term["out"] / row["feedback"]).is_file()


def test_a_policy_change_rescores_without_any_kernel(term, monkeypatch, capsys):
    calls = term["base"] / "calls.txt"
    calls.write_text("")

    def refuse(*args, **kwargs):
        with open(calls, "a") as handle:
            handle.write("kernel\n")
        raise AssertionError("a notebook was executed again")

    monkeypatch.setattr(orchestrate, "run_submission", refuse)
    started = time.monotonic()
    assert orchestrate.main(term["common"] + ["--jobs", "2", "--late-policy", "zero-after-days:2"]) == 0
    seconds = time.monotonic() - started
    assert "executed 0," in capsys.readouterr().out and calls.read_text() == ""
    rows = _rows((term["out"] / "canvas.csv").read_text(encoding="utf-8"))
    set3 = _set3_rows(term)
    for n, row in zip(range(1, 31), rows[2:]):
        expected = "0.0" if n in LATE else _expected_set_score(n)
        assert row[5] == expected, (n, row[5])
        assert row[6] == _set3_score(n, set3), (n, row[6])  # set 03 has no due date: unchanged
    print(f"\n[term] re-scored after a policy change in {seconds:.1f} s, no kernel started", file=sys.stderr)
