"""A teacher's term, scripted (issue 15, "Done means"), graded in the sandbox.

A 30-student roster in Canvas's export form; submissions that are correct,
partly right, wrong, blank, late, late with an extension, not on the roster,
or missing; manual capstone and written-answer scores; one run with two
workers from the command line. canvas.csv and moodle.csv are then read
column by column, and a change of late policy re-scores everything without
starting a kernel. Kept fast: four distinct notebooks are executed (identical
files run once), everything else is re-used.
"""
from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import nbformat
import pytest

from scalecheck.classroom.grading import orchestrate, sandbox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SET = "01_orders_of_magnitude"
KEY = json.loads((ROOT / "solutions" / "keys" / f"{SET}.json").read_text())["questions"]
AUTO = sum(e["points"] for e in KEY.values() if e["kind"] != "written")
SET_MAX = sum(e["points"] for e in KEY.values())
WRITTEN = next(q for q, e in KEY.items() if e["kind"] == "written")
FIRSTS = ["Ada", "Ben", "Cleo", "Dev", "Eun", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena", "Mo", "Nia", "Oli",
          "Pia", "Quin", "Rae", "Sol", "Tao", "Uma", "Vic", "Wen", "Xia", "Yuri", "Zoe", "Amir", "Bea", "Cyd", "Dara"]


def _student(n: int) -> dict:
    return {"name": f"Family{n:02d}, {FIRSTS[n - 1]}", "first": FIRSTS[n - 1], "last": f"Family{n:02d}",
            "id": str(1000 + n), "sis": f"S{1000 + n}", "login": f"u{1000 + n}", "section": "A" if n % 2 else "B"}


STUDENTS = [_student(n) for n in range(1, 31)]
CORRECT, LATE, EXTENDED = range(1, 13), (3, 4), 5
PARTIAL, WRONG, BLANK, ABSENT = range(13, 18), range(18, 23), range(23, 26), range(26, 31)


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
    wrong = corpus.answer(corpus.answer(corpus.exercise(), "cluster_fp8_sparse_flop_per_s", "1.0"), "run_energy_gwh", "-3")
    for n in CORRECT:   # by login, in a folder
        _write(subs / f"u{1000 + n}" / f"{SET}.ipynb", solution)
    for n in PARTIAL:   # by name, written first-last
        _write(subs / f"{FIRSTS[n - 1]}_Family{n:02d}_01.ipynb", corpus.right())
    for n in WRONG:     # by SIS User ID
        _write(subs / f"S{1000 + n}_01.ipynb", wrong)
    for n in BLANK:     # by Canvas ID; the hand-out untouched
        _write(subs / f"{1000 + n}_01.ipynb", corpus.exercise())
    _write(subs / "visitor_01.ipynb", solution)  # on no roster
    roster = base / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{SET} (7001)", "Capstone (7002)",
                         "Current Score"])
        writer.writerow(["    Points Possible", "", "", "", "", SET_MAX, 20, "(read only)"])
        for s in STUDENTS:
            writer.writerow([s["name"], s["id"], s["sis"], s["login"], s["section"], "", "", ""])
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
    common = [str(subs), "--out", str(out), "--roster", str(roster), "--manual", str(manual), "--submitted", str(submitted),
              "--extensions", str(extensions), "--due", "01=2026-12-01T23:59"]
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


def test_the_term_grades_everyone_once(term, capsys):
    executed = [r for r in term["book"]["submissions"] if r["exercise_set"] == SET]
    assert len(executed) == 26  # 25 rostered hand-ins and the visitor
    print(f"\n[term] 26 submissions (4 distinct notebooks executed) graded in {term['seconds']:.1f} s with --jobs 2 "
          f"({26 / term['seconds']:.2f} submissions/s)", file=sys.stderr)
    problems = list(csv.DictReader(open(term["out"] / "problems.csv", encoding="utf-8")))
    assert any(p["file"] == "visitor_01.ipynb" and "not on the roster" in p["reason"] for p in problems)
    for n in ABSENT:
        assert any(p["file"] == "roster.csv" and f"({1000 + n})" in p["reason"] and "nothing" in p["reason"] for p in problems)
    assert not any("manual.csv" in p["file"] or "extensions.csv" in p["file"] for p in problems)


def test_canvas_csv_column_by_column(term):
    rows = _rows(term["first"]["canvas.csv"])
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{SET} (7001)", "Capstone (7002)"]
    assert rows[1][:5] == ["Points Possible", "", "", "", ""] and float(rows[1][5]) == SET_MAX and float(rows[1][6]) == 20
    assert len(rows) == 2 + 30
    for n, row in zip(range(1, 31), rows[2:]):
        s = _student(n)
        assert row[:5] == [s["name"], s["id"], s["sis"], s["login"], s["section"]], n
        assert row[5] == _expected_set_score(n), (n, row[5])
        assert row[6] == {1: "18.0", 2: "12.0", 13: "15.0"}.get(n, ""), (n, row[6])


def test_moodle_csv_column_by_column(term):
    rows = _rows(term["first"]["moodle.csv"])
    assert rows[0] == ["ID number", "Email address", "Full name", SET, f"{SET} feedback", "Capstone", "Capstone feedback"]
    for n, row in zip(range(1, 31), rows[1:]):
        s = _student(n)
        assert row[:3] == [s["sis"], "", s["name"]]
        assert row[3] == _expected_set_score(n)
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
            assert row[6].startswith("18 of 20 points; Capstone: Marked") or "=clear forecast" in row[6]
            assert not row[6].startswith("=")
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
    for n, row in zip(range(1, 31), rows[2:]):
        expected = "0.0" if n in LATE else _expected_set_score(n)
        assert row[5] == expected, (n, row[5])
    print(f"\n[term] re-scored after a policy change in {seconds:.1f} s, no kernel started", file=sys.stderr)
