"""tools/build.py: the stored-output policy (clean, check) and the generated course map."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import build  # noqa: E402


def _executed_notebook():
    """A notebook as nbclient leaves it: a figure, a table, widget state, timings, trimmed language_info."""
    figure = nbformat.v4.new_code_cell("plt.plot([1, 2])")
    figure.metadata["execution"] = {"iopub.execute_input": "2026-11-29T22:00:00Z"}
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                                   "text/plain": "<Figure size 640x480 with 1 Axes>"},
                                             metadata={"image/png": {"width": 640}})]
    table = nbformat.v4.new_code_cell("table")
    table.outputs = [nbformat.v4.new_output("execute_result", data={"text/html": "<table></table>",
                                                                    "text/plain": "table"}, execution_count=2)]
    widget = nbformat.v4.new_code_cell("explorer")
    widget.outputs = [nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "a1b2c3", "version_major": 2, "version_minor": 0},
        "text/plain": "VBox()"})]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A lesson"), figure, table, widget])
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"x": {}}}}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def test_clean_drops_figures_widget_state_and_timings_but_keeps_text():
    notebook = _executed_notebook()
    build.clean_executed(notebook)
    figure, table, widget = notebook.cells[1:]
    data = figure.outputs[0]["data"]
    assert "image/png" not in data and "image/png" not in figure.outputs[0]["metadata"]
    assert data["text/plain"].startswith("<Figure size 640x480") and build.FIGURE_NOTE in data["text/plain"]
    assert "execution" not in figure.metadata
    assert table.outputs[0]["data"]["text/html"] == "<table></table>"  # text outputs are what a reviewer reads
    assert widget.outputs[0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] == "cell3-output0"
    assert "widgets" not in notebook.metadata
    assert build.stored_output_problems(notebook, "x") == []


def test_clean_is_idempotent_so_a_rerun_gives_no_diff():
    once = _executed_notebook()
    build.clean_executed(once)
    twice = copy.deepcopy(once)
    build.clean_executed(twice)
    assert build.notebook_text(once) == build.notebook_text(twice)


def test_language_info_is_what_the_kernel_writes():
    """JupyterLab rewrites language_info from the kernel unless it is deep-equal: a trimmed
    value made each lesson 'unsaved' when its kernel started."""
    from ipykernel.ipkernel import IPythonKernel

    notebook = _executed_notebook()
    build.clean_executed(notebook)
    assert notebook.metadata["language_info"] == IPythonKernel.language_info
    # what a real kernel wrote (another Python version) is kept, not replaced by this machine's
    written = dict(IPythonKernel.language_info, version="3.11.0")
    other = _executed_notebook()
    other.metadata["language_info"] = written
    build.clean_executed(other)
    assert other.metadata["language_info"] == written


def test_policy_check_names_each_breach():
    notebook = _executed_notebook()
    problems = " | ".join(build.stored_output_problems(notebook, "lessons/99_x.ipynb"))
    assert "metadata.widgets" in problems
    assert "language_info" in problems
    assert "cell 1 stores execution timings" in problems
    assert "cell 1 output 0 stores image/png" in problems


def test_check_fails_on_a_stored_figure_and_on_the_budget(tmp_path, monkeypatch, capsys):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "solutions").mkdir()
    monkeypatch.setattr(build, "ROOT", tmp_path)
    monkeypatch.setattr(build, "LESSONS", tmp_path / "lessons")
    monkeypatch.setattr(build, "SOLUTIONS", tmp_path / "solutions")
    path = tmp_path / "lessons" / "99_x.ipynb"
    nbformat.write(_executed_notebook(), path)
    assert build.check_stored_outputs(None) == 1
    assert "stores image/png" in capsys.readouterr().out
    assert build.cmd_clean(None) == 0
    assert build.check_stored_outputs(None) == 0
    monkeypatch.setattr(build, "LESSON_BYTES_BUDGET", path.stat().st_size - 1)
    assert build.check_stored_outputs(None) == 1
    assert "over the budget" in capsys.readouterr().out


def test_exercise_notebook_takes_language_info_from_the_solution_not_this_machine():
    solution = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Set")])
    solution.metadata["language_info"] = {"name": "python", "version": "3.11.0", "mimetype": "text/x-python"}
    assert build.make_exercise_notebook(solution).metadata["language_info"]["version"] == "3.11.0"


@pytest.mark.parametrize("folder", ["lessons", "solutions"])
def test_committed_notebooks_follow_the_policy(folder):
    problems = []
    for path in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb")):
        problems += build.stored_output_problems(nbformat.read(path, as_version=4), path.name)
    assert problems == [], problems[:10]


def test_lessons_fit_the_budget():
    total = sum(p.stat().st_size for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
    assert total <= build.LESSON_BYTES_BUDGET, f"lessons hold {total:,} bytes"
