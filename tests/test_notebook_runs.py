"""--nbval-once (conftest.py) judges every cell as `--nbval-lax` does, from the shared execution.

A small notebook with each case nbval distinguishes (sanitised equal output, changed
output, an error, stderr beside a result, an untagged cell whose output changed,
display data before a result) is tested both ways in a scratch copy of the course's
pytest set-up; the verdict of every cell must be the same. A kernel that dies fails
its cell and every cell after it.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
CHECK = {"tags": ["nbval-check-output"]}


def _cell(source, outputs=(), count=None, metadata=None):
    cell = new_code_cell(source, metadata=dict(metadata or {}))
    cell.outputs, cell.execution_count = list(outputs), count
    return cell


def _scratch(tmp_path: Path, cells) -> Path:
    """A folder with the course's pytest set-up, the runner and the sanitiser, and lessons/probe.ipynb."""
    (tmp_path / "tests").mkdir()
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")  # its pytest options (nbval loaded by conftest)
    for name in ("notebook_runs.py", "nbval_sanitize.cfg"):
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests" / name)
    (tmp_path / "lessons").mkdir()
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "lessons" / "probe.ipynb")
    return tmp_path


def _verdicts(folder: Path, *options: str) -> dict[int, str]:
    command = [sys.executable, "-m", "pytest", "lessons/probe.ipynb", "-rA", "-q", "-p", "no:cacheprovider", *options]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)
    found = {int(n): v for v, n in re.findall(r"^(PASSED|FAILED|ERROR) \S+::Cell (\d+)", result.stdout, re.M)}
    assert found, result.stdout[-3000:] + result.stderr[-2000:]
    return found


@pytest.mark.slow
def test_each_cell_gets_the_verdict_nbval_gives(tmp_path):
    """... and under xdist (course.py test's -n 2 --dist loadgroup) the same, from ONE execution: the
    controller's runner executes the notebook and both workers judge its cells from that run."""
    runs = tmp_path / "runs.txt"
    cells = [
        _cell("print('at 0x7f00ab')", [new_output("stream", name="stdout", text="at 0x1234\n")], 1, CHECK),
        _cell("print('changed')", [new_output("stream", name="stdout", text="original\n")], 2, CHECK),
        _cell("1 / 0", [], 3),
        _cell("import sys\nprint('note', file=sys.stderr)\n1 + 1",
              [new_output("stream", name="stderr", text="note\n"),
               new_output("execute_result", data={"text/plain": "2"}, execution_count=4)], 4, CHECK),
        _cell("print('untagged and changed')", [new_output("stream", name="stdout", text="other\n")], 5),
        _cell("from IPython.display import HTML, display\ndisplay(HTML('<b>a</b>'))\n7",
              [new_output("display_data",
                          data={"text/html": "<b>a</b>", "text/plain": "<IPython.core.display.HTML object>"}),
               new_output("execute_result", data={"text/plain": "7"}, execution_count=6)], 6, CHECK),
        _cell("print('never run before')", [new_output("stream", name="stdout", text="x\n")], None),
        _cell(f"open({str(runs)!r}, 'a').write('run\\n')", [], 8),
    ]
    (tmp_path / "course").mkdir()
    folder = _scratch(tmp_path / "course", cells)
    nbval = _verdicts(folder, "--nbval-lax", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg")
    once = _verdicts(folder, "--nbval-once")
    assert once == nbval
    assert [once[i] for i in range(8)] == ["PASSED", "FAILED", "FAILED", "PASSED", "PASSED", "PASSED", "FAILED",
                                           "PASSED"]
    assert runs.read_text().count("run") == 2  # nbval's own run and --nbval-once's
    shared = _verdicts(folder, "--nbval-once", "-n", "2", "--dist", "loadgroup")
    assert shared == once
    assert runs.read_text().count("run") == 3, "under xdist the notebook ran more than once"


@pytest.mark.slow
def test_a_dead_kernel_fails_its_cell_and_the_rest(tmp_path):
    cells = [_cell("x = 1", [], 1), _cell("import os\nos._exit(1)", [], 2), _cell("x", [], 3)]
    verdicts = _verdicts(_scratch(tmp_path, cells), "--nbval-once")
    assert verdicts == {0: "PASSED", 1: "FAILED", 2: "FAILED"}

