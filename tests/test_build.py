"""The solutions -> exercises build: markers, key independence, drift, execution."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build  # noqa: E402

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))


def test_solution_region_becomes_runnable_placeholders():
    source = "\n".join([
        "x = 1",
        "### BEGIN SOLUTION",
        "answer_flop = 2 * x",
        "a, b = 1, 2",
        "total: float = a + b",
        "for i in range(3):",
        "    pass",
        "def f(n, m=2):",
        '    """Doc."""',
        "    return n * m",
        "### END SOLUTION",
        "ex.number('q1', answer_flop)",
    ])
    out = build.transform_code(source)
    assert "2 * x" not in out and "return n * m" not in out and "range" not in out
    assert "answer_flop = ..." in out and "a = b = ..." in out and "total = ..." in out
    assert "def f(n, m=2):" in out and "Doc." in out
    namespace = {"ex": type("E", (), {"number": staticmethod(lambda *a: a)})()}
    exec(out, namespace)  # the placeholder still runs
    assert namespace["answer_flop"] is ... and namespace["f"](1) is None


def test_step_comments_are_kept_as_a_skeleton():
    """INTERFACES #3: ``# Step`` lines survive in the placeholder, inside a function stub too."""
    source = "\n".join([
        "### BEGIN SOLUTION",
        "# Step 0: the rate",
        "rate = 2",
        "def cost_usd(hours, price=2.0):",
        '    """Cost of renting GPUs."""',
        "    # Step 1: GPU-hours",
        "    gpu_hours = hours * 8",
        "    # an ordinary comment is dropped",
        "    # Step 2: times the price",
        "    return gpu_hours * price",
        "### END SOLUTION",
        "def half(x):",
        "    ### BEGIN SOLUTION",
        "    # Step 1: divide",
        "    return x / 2",
        "    ### END SOLUTION",
    ])
    out = build.transform_code(source)
    assert out.splitlines()[:9] == [
        "# YOUR CODE HERE", "# Step 0: the rate", "rate = ...", "def cost_usd(hours, price=2.0):",
        '    """Cost of renting GPUs."""', "    # Step 1: GPU-hours", "    # Step 2: times the price", "    ...", "def half(x):"]
    assert "ordinary comment" not in out and "gpu_hours * price" not in out and "x / 2" not in out
    assert out.splitlines()[-3:] == ["    # YOUR CODE HERE", "    # Step 1: divide", "    ..."]
    namespace = {}
    exec(out, namespace)
    assert namespace["cost_usd"](1) is None and namespace["half"](1) is None  # runs: "not answered yet"


def test_indented_region_and_single_line_marker():
    source = "def g():\n    ### BEGIN SOLUTION\n    y = 3\n    ### END SOLUTION\n    return y\nz = 5  # SOLUTION"
    out = build.transform_code(source)
    assert "    y = ..." in out and "z = ..." in out and "5" not in out
    exec(out, {})


def test_hidden_tests_are_removed_and_unclosed_markers_fail():
    assert build.transform_code("### BEGIN HIDDEN TESTS\nex.expect('q', expected=1)\n### END HIDDEN TESTS") == ""
    with pytest.raises(build.BuildError):
        build.transform_code("### BEGIN SOLUTION\nx = 1")
    with pytest.raises(build.BuildError):
        build.transform_code("### BEGIN HIDDEN TESTS\nx = 1")
    with pytest.raises(build.BuildError):
        build.transform_code("### BEGIN SOLUTION\nx = (\n### END SOLUTION")


def _notebook(*sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return notebook


def test_a_key_copied_from_the_solution_is_refused():
    leaky = _notebook("### BEGIN SOLUTION\nmy_answer = 6\n### END SOLUTION",
                      "### BEGIN HIDDEN TESTS\nex.expect('q1', expected=my_answer)\n### END HIDDEN TESTS")
    with pytest.raises(build.BuildError, match="my_answer"):
        build.check_key_independence(leaky, "leaky")
    fine = _notebook("### BEGIN SOLUTION\nmy_answer = 6\n### END SOLUTION",
                     "### BEGIN HIDDEN TESTS\nex.expect('q1', expected=2 * 3)\n### END HIDDEN TESTS")
    build.check_key_independence(fine, "fine")


def test_markdown_solution_text_is_removed():
    solution = nbformat.v4.new_notebook()
    solution.cells = [nbformat.v4.new_markdown_cell("# T\n<!-- BEGIN SOLUTION -->\nsecret\n<!-- END SOLUTION -->\nkept")]
    exercise = build.make_exercise_notebook(solution)
    assert "secret" not in exercise.cells[0].source and "kept" in exercise.cells[0].source


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_solution_key_is_independent_and_check_cells_are_compared(path):
    notebook = nbformat.read(path, as_version=4)
    build.check_key_independence(notebook, path.stem)
    for cell in notebook.cells:
        if cell.cell_type == "code" and build.QUESTION_CALL.search(cell.source):
            assert "nbval-check-output" in cell.metadata.get("tags", []), cell.source[:60]


def test_generated_files_are_up_to_date():
    """CI's drift check: regenerate exercises and keys, compare with git."""
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build.py"), "check"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_exercises_run_top_to_bottom_unanswered(path, tmp_path):
    """A blank exercises notebook runs without error; every question says 'not answered yet'."""
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    notebook = nbformat.read(copy, as_version=4)
    build.execute(notebook, tmp_path, {"SCALECHECK_STRICT": "0", "SCALECHECK_NOTEBOOK": str(copy)})
    texts = [o["data"]["text/plain"] for c in notebook.cells if c.cell_type == "code"
             for o in c.outputs if "data" in o and "text/plain" in o["data"]]
    statuses = [t.split(":")[1].split(".")[0].strip() for t in texts if t[:1] in "✔≈✘…?✎" and t[2:3] == "q"]
    keyed = json.loads((ROOT / "solutions" / "keys" / f"{path.stem}.json").read_text())["questions"]
    assert len(statuses) == len(keyed)
    assert set(statuses) == {"unanswered"}
    assert not any(o.output_type == "error" for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


def test_exercises_hold_no_solution_code():
    for exercise, solution in zip(EXERCISES, SOLUTIONS):
        assert exercise.name == solution.name
        text = exercise.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "ex.expect(" not in text
        assert '"outputs": []' in text and '"execution_count": null' in text
