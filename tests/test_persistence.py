"""Answers typed into widgets survive a kernel restart and a grader's re-run.

A real kernel executes the exercises notebook; the learner's typing is
simulated by setting the widget's value in that kernel (what JupyterLab's
comm message does). The notebook is then executed again in a fresh kernel.
"""
import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build  # noqa: E402

NOTEBOOK = ROOT / "exercises" / "01_orders_of_magnitude.ipynb"


def _feedback_lines(notebook):
    return [o["data"]["text/plain"] for c in notebook.cells if c.cell_type == "code"
            for o in c.outputs if "data" in o and o["data"].get("text/plain", "")[2:3] == "q"]


def _line(notebook, question):
    return next(line for line in _feedback_lines(notebook) if line[2:].startswith(question + ":"))


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / NOTEBOOK.name
    # the blank hand-out (exercises/ in this working copy may hold a learner's answers)
    target.write_text(build.blank_exercise_text(NOTEBOOK.stem), encoding="utf-8")
    return target


def _questions(kind):
    """Question ids of set 01 of one kind, from its answer key (lesson authors rename them)."""
    key = json.loads((ROOT / "solutions" / "keys" / (NOTEBOOK.stem + ".json")).read_text())["questions"]
    return [(q, e) for q, e in key.items() if e["kind"] == kind]


def test_typed_answer_survives_a_restart(copy):
    (right, right_entry), (slip, slip_entry), (untouched, _) = _questions("number")[:3]
    choice, choice_entry = _questions("choice")[0]
    typed = {right: f"{right_entry['expected']:.6g}",
             slip: f"{slip_entry['expected'] * 1000:.6g}",  # a factor of 1,000: close
             choice: choice_entry["expected"]}
    notebook = nbformat.read(copy, as_version=4)
    typing = nbformat.v4.new_code_cell(
        "import ipywidgets\n"
        "boxes = {c: w for w in list(ipywidgets.Widget.widgets.values()) for c in getattr(w, '_dom_classes', ())}\n"
        + "".join(f"boxes['scalecheck-q-{q}'].value = {v!r}\n" for q, v in typed.items()))
    notebook.cells.append(typing)
    env = {"SCALECHECK_STRICT": "0", "SCALECHECK_NOTEBOOK": str(copy)}
    build.execute(notebook, copy.parent, env)
    side = copy.with_name(copy.stem + ".answers.json")
    document = json.loads(side.read_text())
    assert document["answers"] == typed
    assert set(document["times"]) == set(typed) and all(t > 1.7e12 for t in document["times"].values())

    rerun = nbformat.read(copy, as_version=4)  # the file as saved, without the typing cell
    build.execute(rerun, copy.parent, env)
    assert _line(rerun, right).startswith("✔")
    assert _line(rerun, choice).startswith("✔")
    assert _line(rerun, slip).startswith("≈")
    assert _line(rerun, untouched).startswith("…")


def test_answer_saved_in_widget_state_survives_handing_in(copy):
    """Only the .ipynb is handed in: the answer comes from its saved widget state."""
    question, entry = _questions("number")[0]
    notebook = json.loads(copy.read_text())
    box = {"model_name": "TextModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
           "state": {"value": f"{entry['expected']:.6g}",
                     "_dom_classes": ["scalecheck-answer", f"scalecheck-q-{question}"]}}
    notebook["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "version_major": 2, "version_minor": 0, "state": {"m1": box}}}
    copy.write_text(json.dumps(notebook))
    rerun = nbformat.read(copy, as_version=4)
    build.execute(rerun, copy.parent, {"SCALECHECK_STRICT": "0", "SCALECHECK_NOTEBOOK": str(copy)})
    assert _line(rerun, question).startswith("✔")
    assert not copy.with_name(copy.stem + ".answers.json").exists()


def _type_and_dump_state(notebook_path, question, text, state_out):
    """A cell that types into one answer box and dumps the kernel's widget state
    (what JupyterLab saves into the notebook's metadata)."""
    return nbformat.v4.new_code_cell(
        "import ipywidgets, json\n"
        "boxes = {c: w for w in list(ipywidgets.Widget.widgets.values()) for c in getattr(w, '_dom_classes', ())}\n"
        f"boxes['scalecheck-q-{question}'].value = {text!r}\n"
        "import time; time.sleep(0.01)\n"
        f"json.dump(ipywidgets.Widget.get_manager_state(drop_defaults=True)['state'], open({str(state_out)!r}, 'w'))\n")


def test_restart_and_run_all_grades_the_last_answer_typed(copy, tmp_path):
    question = _questions("number")[-1][0]
    """Issue 18 item 2: 7.5 typed, restart + run all, 15 typed. JupyterLab keeps the
    first session's (dead) widget models in the saved state next to the new ones;
    the answer used must be 15, what the student last saw, and the disagreement
    between the two widgets is reported."""
    from scalecheck.exercise.answers import widget_answers_in_notebook

    env = {"SCALECHECK_STRICT": "0", "SCALECHECK_NOTEBOOK": str(copy)}
    states = []
    for number, text in enumerate(("7.5", "15")):
        notebook = nbformat.read(copy, as_version=4)
        state_out = tmp_path / f"state{number}.json"
        notebook.cells.append(_type_and_dump_state(copy, question, text, state_out))
        build.execute(notebook, copy.parent, env)
        states.append(json.loads(state_out.read_text()))
    # the answer widgets keep their model ids across sessions, so JupyterLab replaces
    # the dead model instead of saving it beside the new one ...
    def input_ids(state):
        return {k for k, m in state.items() if f"scalecheck-q-{question}" in m["state"].get("_dom_classes", [])}
    assert input_ids(states[0]) == input_ids(states[1]) and len(input_ids(states[0])) == 1
    # ... but a widget manager that keeps dead models (or a notebook saved by older code,
    # whose ids were random) holds both: the new models, then the dead ones
    dead = {f"dead-{k}": v for k, v in states[0].items()}
    saved = json.loads(copy.read_text())
    saved["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "version_major": 2, "version_minor": 0, "state": {**states[1], **dead}}}
    side = json.loads(copy.with_name(copy.stem + ".answers.json").read_text())
    assert side["answers"][question] == "15"
    assert widget_answers_in_notebook(saved)[question] == "15"  # was 7.5: the last model in the file
    from scalecheck.exercise.answers import saved_answers
    result = saved_answers(saved, side)
    assert result.values[question] == "15"
    assert len(result.conflicts) == 1 and result.conflicts[0].startswith(f"{question}: 3 saved answers disagree")
    assert "'7.5'" in result.conflicts[0] and "used the latest, '15'" in result.conflicts[0]
    # the notebook alone (handed in without the side file) gives the same answer
    assert saved_answers(saved, None).values[question] == "15"
    # and the kernel restores the box with it
    copy.write_text(json.dumps(saved))
    copy.with_name(copy.stem + ".answers.json").unlink()
    rerun = nbformat.read(copy, as_version=4)
    build.execute(rerun, copy.parent, env)
    assert "Read as 15" in _line(rerun, question)
