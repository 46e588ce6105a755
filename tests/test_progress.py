"""scalecheck.exercise.progress: a learner's progress per set, from saved answers, judged like the checks judge them."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scalecheck.exercise import exercises, progress
from scalecheck.exercise.answers import AnswerStore

ROOT = Path(__file__).resolve().parent.parent
SET = "01_orders_of_magnitude"


def _course(tmp_path: Path, with_key: bool) -> Path:
    for folder in ("exercises/keys",) + (("solutions/keys",) if with_key else ()):
        (tmp_path / folder).mkdir(parents=True)
        shutil.copy2(ROOT / folder / f"{SET}.json", tmp_path / folder)
    return tmp_path


def _numeric_questions() -> list[tuple[str, float, str]]:
    key = json.loads((ROOT / "solutions" / "keys" / f"{SET}.json").read_text())["questions"]
    return [(q, e["expected"], e["unit"]) for q, e in sorted(key.items(), key=lambda i: i[1]["order"])
            if e["kind"] == "number" and e.get("unit")]


@pytest.fixture
def answered(tmp_path, monkeypatch):
    def make(with_key: bool):
        root = _course(tmp_path, with_key)
        monkeypatch.setenv("SCALECHECK_COURSE_ROOT", str(root))
        store = AnswerStore(root / "exercises" / f"{SET}.ipynb")
        (right_q, right, unit), (close_q, close, cunit), (wrong_q, wrong, wunit) = _numeric_questions()[:3]
        store.put(right_q, f"{right:.6g} {unit}", at_ms=1)
        store.put(close_q, f"{close * 1000:.6g} {cunit}", at_ms=2)
        store.put(wrong_q, f"{wrong * 7:.6g} {wunit}", at_ms=3)
        return root
    return make


def test_with_the_full_key_counts_correct_close_and_open(answered):
    answered(with_key=True)
    row = progress.set_progress(SET)
    assert row.judged
    assert (row.answered, row.correct, row.close) == (3, 1, 1)
    assert row.still_open == row.questions - 2
    # the same verdicts the exercise set itself gives
    ex = exercises.ExerciseSet(SET, strict=False, store=AnswerStore())
    assert row.questions == sum(1 for e in ex.entries.values() if e.get("kind") != "function")


def test_without_the_key_says_graded_later(answered):
    answered(with_key=False)
    report = progress.report()
    (row,) = report.rows
    assert not row.judged and row.answered == 3 and row.still_open == row.questions - 3
    assert "graded later" in report.text() and "graded later" in report._repr_html_()


def test_no_answers_yet_and_damaged_files_never_raise(tmp_path, monkeypatch):
    root = _course(tmp_path, with_key=True)
    monkeypatch.setenv("SCALECHECK_COURSE_ROOT", str(root))
    assert progress.set_progress(SET).answered == 0
    (root / "exercises" / f"{SET}.ipynb").write_text("{not json")
    (root / "exercises" / f"{SET}.answers.json").write_text('{"answers": [1, 2]}')
    text = progress.report().text()
    assert SET in text and "0 of" in text
    assert progress.main([]) == 0


def test_a_damaged_notebook_is_named_and_its_side_file_still_counts(answered):
    """A notebook cut short (a crash mid-save, a bad hand edit) is not shown as a set never started: the
    overview says which file cannot be read and where, that the side file's answers still count, and where
    JupyterLab's last checkpoint is (Lab cannot open the broken file, so cannot revert it either)."""
    root = answered(with_key=True)
    notebook = root / "exercises" / f"{SET}.ipynb"
    notebook.write_text('{"cells": [\n  {"cell_type": "code",')
    row = progress.set_progress(SET)
    assert row.answered == 3  # the answers the side file holds
    (note,) = [p for p in row.problems if f"{SET}.ipynb" in p]
    assert "not valid JSON (line 2" in note and "checkpoint" not in note  # none saved yet
    checkpoints = root / "exercises" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    (checkpoints / f"{SET}-checkpoint.ipynb").write_text("{}")
    (note,) = [p for p in progress.set_progress(SET).problems if f"{SET}.ipynb" in p]
    assert f".ipynb_checkpoints/{SET}-checkpoint.ipynb: copy it over the broken file" in note
    notebook.write_bytes(b'{"cells": "\xff\xfe"}')
    assert any("not UTF-8" in p for p in progress.set_progress(SET).problems)
    notebook.unlink()  # no notebook at all is not a problem: the side file alone is enough
    assert not [p for p in progress.set_progress(SET).problems if f"{SET}.ipynb" in p]


def test_command_line_help_exits_0(capsys):
    assert progress.main(["--help"]) == 0
    assert "course.py progress" in capsys.readouterr().out


def test_progress_shows_your_own_tries_per_question(answered):
    root = answered(with_key=True)
    store = AnswerStore(root / "exercises" / f"{SET}.ipynb")
    (first, _, _), (second, _, _) = _numeric_questions()[:2]
    for moment, verdict in ((10, "wrong"), (11, "close"), (12, "correct")):
        store.put(first, f"answer {moment}", at_ms=moment, verdict=verdict)
    store.put(second, "9", at_ms=13, verdict="wrong")
    row = progress.set_progress(SET)
    labels = {label: (tries, first_ok) for label, tries, first_ok in row.history}
    assert sorted(labels.values()) == [(1, None), (3, 3)]
    text = progress.report().text()
    assert "3 tries, correct at try 3" in text and "1 try, not correct yet" in text
    assert "correct at try 3" in progress.report()._repr_html_()


def test_progress_survives_a_hand_edited_history(answered):
    root = answered(with_key=False)
    side = root / "exercises" / f"{SET}.answers.json"
    document = json.loads(side.read_text())
    document["attempts"] = {"q1": [["yesterday", "correct"]], "bad id": 5}
    side.write_text(json.dumps(document))
    text = progress.report().text()
    assert "unreadable entries of the check history were ignored" in text
    assert "correct at try" not in text  # without the key, no verdict on correctness is shown
