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


def test_language_info_is_what_the_kernel_writes(monkeypatch):
    """JupyterLab rewrites language_info from the kernel unless it is deep-equal: a trimmed
    value made each lesson 'unsaved' when its kernel started."""
    import comm

    # the import below points comm at ipykernel's manager: put comm back afterwards (build.kernel_language_info)
    monkeypatch.setattr(comm, "create_comm", comm.create_comm)
    monkeypatch.setattr(comm, "get_comm_manager", comm.get_comm_manager)
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


# ---------------------------------------------------------------------------
# The course map


def _lesson(folder: Path, name: str, heading: str, subtitle: str = "") -> None:
    first = f"# {heading}\n\n*{subtitle}*\n\nBody." if subtitle else f"# {heading}\n\nBody."
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(first)]), folder / name)


def test_map_comes_from_the_files_in_lessons(tmp_path):
    lessons, exercises = tmp_path / "lessons", tmp_path / "exercises"
    lessons.mkdir()
    exercises.mkdir()
    _lesson(lessons, "00_welcome.ipynb", "Lesson 00 — Welcome", "Start here.")
    _lesson(lessons, "01_units.ipynb", "Lesson 01 — Units | prefixes", "What the \\\\$ buys.")
    _lesson(lessons, "02_new.ipynb", "A lesson without an exercise set")
    (lessons / "02_extra.md").write_text("# Extra page\n", encoding="utf-8")
    nbformat.write(nbformat.v4.new_notebook(), exercises / "01_units.ipynb")
    ledger = tmp_path / "claims.csv"
    ledger.write_text("claim_id,lesson\na,01\nb,01\nc,\n", encoding="utf-8")
    entries = build.lesson_entries(lessons, exercises, ledger)
    assert [e["file"] for e in entries] == ["00_welcome.ipynb", "01_units.ipynb", "02_new.ipynb"]
    table = build.course_map(entries, "lessons/", "exercises/", "\\$")
    rows = table.splitlines()
    assert rows[2] == "| 00 | [Welcome](lessons/00_welcome.ipynb) | — | — | Start here. |"
    # the title is the first heading without its 'Lesson NN —'; a pipe cannot break the table
    assert rows[3] == ("| 01 | [Units \\| prefixes](lessons/01_units.ipynb) | [exercises 01](exercises/01_units.ipynb)"
                       " | 2 | What the \\$ buys. |")
    assert rows[4] == ("| 02 | [A lesson without an exercise set](lessons/02_new.ipynb); "
                       "[Extra page](lessons/02_extra.md) | — | — |  |")


def test_map_markers_are_required_once_and_in_order():
    text = f"intro\n{build.MAP_START}\nold table\n{build.MAP_END}\nafter\n"
    assert build.replace_map(text, "NEW", "x") == f"intro\n{build.MAP_START}\nNEW\n{build.MAP_END}\nafter\n"
    start, end = build.MAP_START, build.MAP_END
    for broken in ("no markers", f"{end}\n{start}", f"{start}{start}{end}"):
        with pytest.raises(build.BuildError):
            build.replace_map(broken, "NEW", "x")


def test_map_drift_fails_the_check_and_map_fixes_it(tmp_path, monkeypatch, capsys):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    _lesson(lessons, "01_units.ipynb", "Lesson 01 — Units", "Say what kind of number it is.")
    welcome = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        f"# Welcome\n\n{build.MAP_START}\nstale\n{build.MAP_END}\n")])
    nbformat.write(welcome, lessons / "00_welcome.ipynb")
    (tmp_path / "README.md").write_text(f"# Course\n\n{build.MAP_START}\n{build.MAP_END}\n", encoding="utf-8")
    monkeypatch.setattr(build, "ROOT", tmp_path)
    monkeypatch.setattr(build, "LESSONS", lessons)
    monkeypatch.setattr(build, "EXERCISES", tmp_path / "exercises")
    monkeypatch.setattr(build, "LEDGER", tmp_path / "none.csv")
    assert build.cmd_map(write=False) == 1
    assert "DRIFT README.md" in capsys.readouterr().out
    assert build.cmd_map() == 0
    assert build.cmd_map(write=False) == 0
    assert "[Units](lessons/01_units.ipynb)" in (tmp_path / "README.md").read_text(encoding="utf-8")
    source = nbformat.read(lessons / "00_welcome.ipynb", as_version=4).cells[0].source
    assert "[Units](01_units.ipynb)" in source and "stale" not in source


def test_committed_course_map_is_current(capsys):
    assert build.cmd_map(write=False) == 0, capsys.readouterr().out


def test_reading_the_kernels_language_info_leaves_the_comm_package_alone():
    """Importing ipykernel.ipkernel repoints comm at ipykernel's comm manager; widgets made afterwards in a
    process that is not a kernel then raised KeyErrors when collected. In a fresh process (the import runs once)."""
    import subprocess

    code = ("import sys; sys.path.insert(0, 'tools'); import comm, build; before = (comm.create_comm, "
            "comm.get_comm_manager); info = build.kernel_language_info(); "
            "print(info['name'], (comm.create_comm, comm.get_comm_manager) == before, "
            "'ipykernel.ipkernel' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["python", "True", "True"], done.stderr[-2000:]
