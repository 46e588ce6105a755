"""The exercise mechanism: key loading, strict mode, widgets, saved answers."""
import json

import pytest

from scalecheck.exercise import exercises, keys
from scalecheck.exercise.answers import AnswerStore, widget_answers_in_notebook

ENTRIES = {
    "q1": {"order": 1, **keys.make_entry("q1", "number", expected=7.9e19, unit="FLOP/s", rel_tol=0.03)},
    "q2": {"order": 2, **keys.make_entry("q2", "choice", options=["BF16 dense", "FP8 with sparsity"],
                                         expected="BF16 dense")},
    "q3": {"order": 3, **keys.make_entry("q3", "function", cases=[((2,), 4.0)], points=2)},
}


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course tree with a full and a public key for set '99_test'."""
    (tmp_path / "solutions" / "keys").mkdir(parents=True)
    (tmp_path / "exercises" / "keys").mkdir(parents=True)
    keys.write_atomic(tmp_path / "solutions" / "keys" / "99_test.json",
                      keys.dumps(keys.key_document("99_test", ENTRIES)))
    keys.write_atomic(tmp_path / "exercises" / "keys" / "99_test.json",
                      keys.dumps(keys.public_document("99_test", ENTRIES)))
    monkeypatch.setenv("SCALECHECK_COURSE_ROOT", str(tmp_path))
    for name in ("SCALECHECK_NOTEBOOK", "JPY_SESSION_NAME", "SCALECHECK_ANSWERS", "SCALECHECK_KEY_DIR",
                 "SCALECHECK_KEY_OUT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_code_answers_with_key(course):
    ex = exercises.start("99_test", strict=False)
    assert ex.has_answers
    assert ex.number("q1", 8e19).feedback.status == "correct"
    assert ex.choice("q2", "fp8 with sparsity").feedback.status == "wrong"
    assert ex.check("q3", lambda x: x * 2).status == "correct"
    summary = ex.summary()
    assert summary.points == (3.0, 4.0)
    assert "3 of 3 answered, 2 correct, 0 close, 1 still open; 3 of 4 points earned" in summary.text()


def test_blank_exercise_runs_and_says_not_answered(course):
    ex = exercises.start("99_test", strict=False)
    box = ex.number("q1", ...)
    assert box.feedback.status == "unanswered"
    assert repr(box).startswith("… q1: unanswered")
    assert ex.choice("q2").feedback.status == "unanswered"
    assert ex.check("q3", ...).status == "unanswered"


def test_widget_input_is_checked_and_saved(course, tmp_path):
    store = AnswerStore(sidecar=tmp_path / "nb.answers.json")
    ex = exercises.start("99_test", strict=False, store=store)
    box = ex.number("q1")
    box.value = "79 EFLOP/s"  # what JupyterLab sends when the learner presses Enter
    assert box.feedback.status == "correct"
    assert "correct" in box.feedback_html.value
    assert ex.feedback["q1"].passed
    box.value = "abc"
    assert box.feedback.status == "invalid"
    box.value = "7.9e22"
    assert box.feedback.status == "close"
    assert json.loads((tmp_path / "nb.answers.json").read_text())["answers"]["q1"] == "7.9e22"
    # a new session (kernel restart) restores the saved answer
    again = exercises.start("99_test", strict=False, store=AnswerStore(sidecar=tmp_path / "nb.answers.json"))
    restored = again.number("q1")
    assert restored.value == "7.9e22" and restored.feedback.status == "close"
    choice = again.choice("q2")
    choice.value = "BF16 dense"
    assert choice.feedback.passed
    store = AnswerStore(sidecar=tmp_path / "nb.answers.json")
    assert exercises.start("99_test", strict=False, store=store).choice("q2").feedback.passed


def test_code_answer_wins_over_saved_widget_answer(course, tmp_path):
    store = AnswerStore(sidecar=tmp_path / "nb.answers.json")
    store.put("q1", "1e10")
    ex = exercises.start("99_test", strict=False, store=store)
    assert ex.number("q1", 7.9e19).feedback.passed
    assert ex.number("q1", ...).feedback.status == "wrong"  # no code answer: the saved one


def test_answers_in_saved_widget_state(course, tmp_path):
    """JupyterLab's saved widget state carries answers handed in as one file."""
    state = {"state": {
        "a1": {"model_name": "TextModel",
               "state": {"value": "79 EFLOP/s", "_dom_classes": ["scalecheck-answer", "scalecheck-q-q1"]}},
        "a2": {"model_name": "RadioButtonsModel",
               "state": {"index": 0, "_options_labels": ["BF16 dense", "FP8 with sparsity"],
                         "_dom_classes": ["scalecheck-q-q2"]}},
        "junk1": {"model_name": "TextModel", "state": {"value": "x", "_dom_classes": "not-a-list"}},
        "junk2": "not a model",
        "junk3": {"state": {"_dom_classes": ["scalecheck-q-q9"], "index": 7, "_options_labels": []}},
    }}
    notebook = {"metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": state}}, "cells": []}
    assert widget_answers_in_notebook(notebook) == {"q1": "79 EFLOP/s", "q2": "BF16 dense"}
    malformed = {"metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": []}}}}
    for broken in ({}, {"metadata": None}, malformed):
        assert widget_answers_in_notebook(broken) == {}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook))
    ex = exercises.start("99_test", strict=False, store=AnswerStore(notebook=path))
    assert ex.number("q1").feedback.passed
    assert ex.choice("q2").feedback.passed
    # the side file, written later by the kernel, wins over the notebook copy
    AnswerStore(notebook=path).put("q1", "1e10")
    box = exercises.start("99_test", strict=False, store=AnswerStore(notebook=path)).number("q1")
    assert box.feedback.status == "wrong"


def test_damaged_side_file_loses_nothing_else(course, tmp_path):
    side = tmp_path / "nb.answers.json"
    side.write_text("{not json")
    ex = exercises.start("99_test", strict=False, store=AnswerStore(sidecar=side))
    box = ex.number("q1")
    assert box.feedback.status == "unanswered"
    box.value = "8e19"
    assert box.feedback.passed
    assert json.loads(side.read_text())["answers"] == {"q1": "8e19"}


def test_public_key_only_gives_non_revealing_feedback(course):
    (course / "solutions" / "keys" / "99_test.json").unlink()
    ex = exercises.start("99_test", strict=False)
    assert not ex.has_answers
    feedback = ex.number("q1", 1e10).feedback
    assert feedback.status == "recorded" and "graded later" in feedback.message
    assert ex.choice("q2", "FP8 with sparsity").feedback.status == "recorded"
    assert ex.check("q3", lambda x: x).status == "recorded"
    assert "graded later" in ex.summary().text()


def test_unknown_question_and_missing_key(course):
    ex = exercises.start("99_test", strict=False)
    feedback = ex.check("q11", 1)
    assert feedback.status == "invalid" and "Did you mean 'q1'" in feedback.message
    assert ex.number("q2", 1).feedback.status == "invalid"  # q2 is a choice
    missing = exercises.start("00_nothing", strict=False)
    assert "no question list" in missing.number("q1", 1).feedback.message


def test_strict_mode_raises_on_a_failing_solution(course):
    ex = exercises.start("99_test", strict=True)
    assert ex.number("q1", 7.9e19).feedback.passed
    with pytest.raises(exercises.SolutionCheckFailed, match="q1"):
        ex.number("q1", 1e10)
    with pytest.raises(exercises.SolutionCheckFailed):
        ex.check("q3", ...)
    with pytest.raises(exercises.SolutionCheckFailed):
        ex.check("nope", 1)


def test_expect_detects_a_stale_key(course):
    ex = exercises.start("99_test", strict=True)
    ex.expect("q1", "number", expected=7.9e19, unit="FLOP/s", rel_tol=0.03)  # same as on disk
    with pytest.raises(exercises.SolutionCheckFailed, match="differs"):
        ex.expect("q2", "choice", options=["BF16 dense", "FP8 with sparsity"], expected="FP8 with sparsity")


def test_expect_writes_the_key_when_building(course, tmp_path, monkeypatch):
    out = tmp_path / "built.json"
    monkeypatch.setenv("SCALECHECK_KEY_OUT", str(out))
    ex = exercises.start("98_new", strict=False)
    ex.expect("a", "number", expected=2.0)
    ex.expect("b", "choice", options=["x", "y"], expected="y")
    built = keys.read_document(out)
    assert list(built["questions"]) == ["a", "b"] and built["questions"]["b"]["order"] == 2
    assert ex.check("a", 2.0).passed  # authored entries are used at once


def test_mimebundle_has_widget_and_feedback_text(course):
    ex = exercises.start("99_test", strict=False)
    bundle = ex.number("q1", 8e19)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("✔ q1: correct")


def test_try_it_practice_box(course):
    box = exercises.try_it("p1", expected=1e24, unit="FLOP", rel_tol=0.01)
    assert box.feedback.status == "unanswered"
    box.value = "1 YFLOP"
    assert box.feedback.passed
    box.value = "1 YFLOP/s"
    assert box.feedback.status == "wrong"
    choice = exercises.try_it("p2", "choice", options=["rate", "amount"], expected="rate")
    choice.value = "amount"
    assert choice.feedback.status == "wrong"


def test_summary_scores_close_answers_as_the_grader_does(course):
    """Issue 18 item 7: a close answer earns CLOSE_CREDIT of its points in the summary too."""
    from scalecheck.classroom import grading
    from scalecheck.exercise import checks

    ex = exercises.start("99_test", strict=False)
    assert ex.number("q1", 7.9e22).feedback.status == "close"  # a factor of 1,000
    assert ex.choice("q2", "BF16 dense").feedback.passed
    summary = ex.summary()
    assert summary.points == (1.0 + checks.CLOSE_CREDIT, 4.0)
    assert "2 of 3 answered, 1 correct, 1 close, 1 still open; 1.5 of 4 points earned" in summary.text()
    html_table = summary._repr_html_()
    assert "<th>earned</th>" in html_table and "<td>Q1</td>" in html_table and "q1" not in html_table.split("</p>")[1]
    # the grader's default credit is the same constant
    import inspect
    assert inspect.signature(grading.grade).parameters["close_credit"].default == checks.CLOSE_CREDIT


def test_boxes_have_human_labels_not_internal_ids(course):
    """Issue 18 item 10: "Q1 answer (FLOP/s)", never the question id."""
    ex = exercises.start("99_test", strict=False)
    box = ex.number("q1")
    labels = [w.value for w in box._widgets if type(w).__name__ == "HTML" and w is not box.feedback_html]
    assert labels == ["<b>Q1 answer (FLOP/s)</b>"]
    choice = ex.choice("q2")
    assert any(getattr(w, "value", None) == "<b>Q2 answer: pick one</b>" for w in choice._widgets)
    assert exercises.try_it("p9", expected=1.0) is not None


def test_hints_come_in_stages(course):
    """Issue 19 item 4: general hint first, then more specific ones; known mistakes keep their message."""
    ex = exercises.start("99_test", strict=False)
    ex.authored["h"] = {"order": 9, **keys.make_entry(
        "h", "number", expected=100.0, unit="MWh", hint="general", hints=["more specific", "most specific"],
        mistakes=[(400.0, "you used the peak, not the average")])}
    box = ex.number("h")
    box.value = "50"
    assert box.feedback.hint == "general" and box.feedback.hint_label == "Hint 1 of 3"
    box.value = "50"  # the same answer again: same stage
    assert box.feedback.hint == "general"
    box.value = "60"
    assert box.feedback.hint == "more specific" and "Hint 2 of 3: more specific" in box.feedback.text()
    box.value = "400"
    assert box.feedback.hint == "you used the peak, not the average"
    box.value = "70"
    assert box.feedback.hint == "most specific"
    box.value = "75"
    assert box.feedback.hint == "most specific"  # the last repeats
    box.value = "100"
    assert box.feedback.passed and not box.feedback.hint
    # old keys without hints: one plain hint, as before
    ex.authored["p"] = {"order": 10, **keys.make_entry("p", "number", expected=1.0, hint="only one")}
    for value in ("5", "6", "7"):
        assert ex.check("p", value).hint == "only one"
        assert "Hint: only one" in ex.check("p", value).text()


WRITTEN = dict(points=2, rubric="names both readings; uses the 1,000x factor",
               model_answer="The like-for-like reading ...", min_words=5)


def test_written_answer_widget_with_full_key(course, tmp_path):
    ex = exercises.start("99_test", strict=False, store=AnswerStore(sidecar=tmp_path / "nb.answers.json"))
    ex.authored["q11"] = {"order": 11, **keys.make_entry("q11", "written", **WRITTEN)}
    box = ex.written("q11")
    assert type(box.input).__name__ == "Textarea" and box.button.description == "Submit"
    assert box.feedback.status == "unanswered"
    box.value = "too short"
    box.submit()
    assert box.feedback.status == "invalid" and "at least 5" in box.feedback.message
    assert "model answer" not in box.feedback_html.value.lower()
    box.value = "The headline compares FP4 sparse with BF16 dense numbers."
    assert "press Submit" in box.feedback_html.value  # a draft until submitted
    box.submit()
    assert box.feedback.status == "recorded"
    assert "A model answer" in box.feedback_html.value and "What earns the points" in box.feedback_html.value
    assert ex.answers["q11"].startswith("The headline")
    assert json.loads((tmp_path / "nb.answers.json").read_text())["answers"]["q11"].startswith("The headline")
    summary = ex.summary()
    assert "1 to be marked by your teacher" in summary.text()
    assert summary.points[0] == 0.0
    # restored in a new session
    again = exercises.start("99_test", strict=False, store=AnswerStore(sidecar=tmp_path / "nb.answers.json"))
    again.authored["q11"] = ex.authored["q11"]
    assert again.written("q11").value.startswith("The headline")


def test_written_answer_public_key_hides_model_answer(course):
    entry = keys.make_entry("q11", "written", **WRITTEN)
    public = keys.public_entry("q11", {"order": 11, **entry})
    assert public == {"kind": "written", "points": 2.0, "order": 11, "min_words": 5}
    (course / "solutions" / "keys" / "99_test.json").unlink()
    document = keys.public_document("99_test", {**ENTRIES, "q11": {"order": 4, **entry}})
    keys.write_atomic(course / "exercises" / "keys" / "99_test.json", keys.dumps(document))
    ex = exercises.start("99_test", strict=False)
    feedback = ex.written("q11", "one two three four five six").feedback
    assert feedback.status == "recorded" and not feedback.extra
    assert "like-for-like" not in feedback.html()


def test_written_answer_in_strict_mode(course):
    ex = exercises.start("99_test", strict=True)
    ex.expect("q11", "written", **WRITTEN)
    assert ex.written("q11", "one two three four five").feedback.status == "recorded"
    with pytest.raises(exercises.SolutionCheckFailed):
        ex.written("q11", "one two")
    with pytest.raises(exercises.SolutionCheckFailed):
        ex.written("q11", "   ")
    with pytest.raises(keys.KeyError_):
        keys.make_entry("q12", "written", points=1)  # no rubric


def test_showing_a_question_again_closes_the_old_widgets(course):
    ex = exercises.start("99_test", strict=False)
    first = ex.number("q1")
    owned = list(first._widgets)
    assert owned and all(w.comm is not None for w in owned)
    second = ex.number("q1")
    assert first._widgets == [] and all(w.comm is None for w in owned)  # closed: the frontend forgets them
    assert all(w.comm is not None for w in second._widgets)


def _model(value, question, stamp=None):
    classes = ["scalecheck-answer", f"scalecheck-q-{question}"] + ([f"scalecheck-t-{stamp}"] if stamp else [])
    return {"model_name": "TextModel", "state": {"value": value, "_dom_classes": classes}}


def _notebook(*models):
    return {"metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {
        "state": {f"m{i}": m for i, m in enumerate(models)}}}}, "cells": []}


def test_saved_answers_take_the_most_recent_and_report_conflicts():
    from scalecheck.exercise.answers import saved_answers

    notebook = _notebook(_model("15", "q8", 2000), _model("7.5", "q8", 1000), _model("3", "q1", 500))
    result = saved_answers(notebook, {"answers": {"q8": "15", "q1": "4"}, "times": {"q8": 2000, "q1": 400}})
    assert result.values == {"q8": "15", "q1": "3"}  # q1: the notebook's is later than the side file's
    assert result.times == {"q8": 2000, "q1": 500}
    assert len(result.conflicts) == 2
    assert all("used the latest" in c for c in result.conflicts)
    # a side file written before timestamps existed: it wins over unstamped widgets, as before
    old = saved_answers(_notebook(_model("1", "q1")), {"answers": {"q1": "2"}})
    assert old.values == {"q1": "2"} and "times unknown" in old.conflicts[0]
    # the same answer twice is no conflict
    assert saved_answers(_notebook(_model("2", "q1", 5)), {"answers": {"q1": "2"}, "times": {"q1": 9}}).conflicts == []
    # hostile input: a message, not an exception
    bad = saved_answers({"metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": [1]}}}}, ["x"])
    assert bad.values == {} and len(bad.conflicts) == 2


def test_store_restores_the_most_recent_answer_and_stamps_the_widget(course, tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(_notebook(_model("8e19", "q1", 9_000_000_000_000))))  # typed after the side file
    store = AnswerStore(notebook=path)
    store.put("q1", "1e10", at_ms=1_000)
    ex = exercises.start("99_test", strict=False, store=store)
    box = ex.number("q1")
    assert box.feedback.passed
    assert "scalecheck-t-9000000000000" in box.input._dom_classes
    box.value = "7.9e19"
    stamps = [c for c in box.input._dom_classes if c.startswith("scalecheck-t-")]
    assert len(stamps) == 1 and int(stamps[0].split("-")[-1]) > 1.7e12
    assert json.loads(store.sidecar.read_text())["times"]["q1"] == int(stamps[0].split("-")[-1])


# -- the check history (issue 15, item 6) ------------------------------------

def _history_file(tmp_path) -> dict:
    return json.loads((tmp_path / "nb.answers.json").read_text())["attempts"]


def test_every_check_is_recorded_without_the_key(course, tmp_path):
    store = AnswerStore(sidecar=tmp_path / "nb.answers.json")
    ex = exercises.start("99_test", strict=False, store=store)
    box = ex.number("q1")
    box.value = "3 EFLOP/s"      # wrong
    box.value = "7.9e22"         # close
    box.value = "79 EFLOP/s"     # correct
    box.submit()                 # the same answer checked again: not a new try
    ex.check("q3", lambda x: x + 1)
    ex.check("q3", lambda x: x + 1)  # re-running the cell: the same try
    ex.check("q3", lambda x: x * 2)
    ex.check("q3", ...)          # blank: no try
    attempts = _history_file(tmp_path)
    assert [c[1] for c in attempts["q1"]] == ["wrong", "close", "correct"]
    assert [c[1] for c in attempts["q3"]] == ["wrong", "correct"]
    assert all(len(c) == 3 and isinstance(c[0], int) for c in attempts["q1"])
    stored = json.dumps(attempts)
    assert "7.9e+19" not in stored and "79000000000000000000" not in stored and "EFLOP" not in stored
    history = store.history()
    assert (history.tries("q1"), history.first_correct("q1")) == (3, 3)
    assert (history.tries("q3"), history.first_correct("q3")) == (2, 2)
    assert store.all()["q1"] == "79 EFLOP/s"  # the answers are kept beside the history


def test_a_code_answer_is_a_try_once_and_a_restored_box_is_none(course, tmp_path):
    store = AnswerStore(sidecar=tmp_path / "nb.answers.json")
    ex = exercises.start("99_test", strict=False, store=store)
    ex.number("q1", 8e19)
    ex.number("q1", 8e19)   # Run All again
    ex.choice("q2", "BF16 dense")
    store.put("q2", "FP8 with sparsity", at_ms=5)  # typed earlier, no verdict recorded
    assert [c[1] for c in _history_file(tmp_path)["q1"]] == ["correct"]
    before = _history_file(tmp_path)
    exercises.start("99_test", strict=False, store=store).choice("q2")  # restored from the side file: not a check
    assert _history_file(tmp_path) == before


def test_history_keeps_the_latest_checks_only(course, tmp_path):
    from scalecheck.exercise.answers import HISTORY_LIMIT

    store = AnswerStore(sidecar=tmp_path / "nb.answers.json")
    for n in range(HISTORY_LIMIT + 15):
        assert store.put("q1", str(n), at_ms=1_000 + n, verdict="wrong")
    kept = _history_file(tmp_path)["q1"]
    assert len(kept) == HISTORY_LIMIT and kept[-1][0] == 1_000 + HISTORY_LIMIT + 14


@pytest.mark.parametrize("attempts", [
    "not a dict", [1, 2], {"q1": "x"}, {"q1": [[None, "wrong"], ["1", "wrong"], [True, "correct"], [5, "genius"],
                                              [5, 7], [5], {"t": 5}, [5, "wrong", "NOT HEX"], [5, "wrong", 3]]},
    {"../etc": [[5, "wrong"]], "q 1": [[5, "wrong"]]},
])
def test_a_hostile_history_is_ignored_with_a_note(course, tmp_path, attempts):
    from scalecheck.exercise.answers import read_history

    side = tmp_path / "nb.answers.json"
    side.write_text(json.dumps({"answers": {"q2": "BF16 dense"}, "attempts": attempts}))
    history = read_history(json.loads(side.read_text()))
    assert history.checks == {} and history.notes
    store = AnswerStore(sidecar=side)
    assert store.put("q1", "8e19", at_ms=9, verdict="correct")  # writing over it never fails
    assert store.all() == {"q1": "8e19", "q2": "BF16 dense"}
    assert store.history().checks == {"q1": [(9, "correct", store.history().checks["q1"][0][2])]}


def test_huge_and_future_histories_are_bounded(course):
    from scalecheck.exercise.answers import HISTORY_LIMIT, HISTORY_QUESTIONS, read_history

    now = 1_800_000_000_000
    huge = {f"q{n}": [[now - 1000 + i, "wrong", "ab"] for i in range(700)] for n in range(HISTORY_QUESTIONS + 20)}
    huge["q0"] = [[now + 10 * 86_400_000, "correct"], [now - 5, "correct"], [1e300, "wrong"], [float("nan"), "wrong"]]
    history = read_history({"attempts": huge}, now=now)
    assert len(history.checks) == HISTORY_QUESTIONS
    assert all(len(c) <= HISTORY_LIMIT for c in history.checks.values())
    assert history.checks["q0"] == [(now - 5, "correct", "")]
    notes = " ".join(history.notes)
    assert "future" in notes and "beyond the latest" in notes and "beyond the first" in notes and "not read" in notes
