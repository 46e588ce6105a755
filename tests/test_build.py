"""The solutions -> exercises build: markers, key independence, drift, execution."""
import json
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
        '    """Cost of renting GPUs."""', "    # Step 1: GPU-hours", "    # Step 2: times the price", "    ...",
        "def half(x):"]
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
    text = "# T\n<!-- BEGIN SOLUTION -->\nsecret\n<!-- END SOLUTION -->\nkept"
    solution.cells = [nbformat.v4.new_markdown_cell(text)]
    exercise = build.make_exercise_notebook(solution)
    assert "secret" not in exercise.cells[0].source and "kept" in exercise.cells[0].source


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_solution_key_is_independent_and_check_cells_are_compared(path):
    notebook = nbformat.read(path, as_version=4)
    build.check_key_independence(notebook, path.stem)
    for cell in notebook.cells:
        if cell.cell_type == "code" and build.QUESTION_CALL.search(cell.source):
            assert "nbval-check-output" in cell.metadata.get("tags", []), cell.source[:60]


@pytest.mark.notebook_runs("solution")
def test_generated_files_are_up_to_date(notebook_runs_shared, monkeypatch, capsys):
    """CI's drift check, `build.py check`: regenerate exercises and keys, compare with git, run the set rules.

    Each key comes from the run of its solution that the notebook tests share (strict, with
    SCALECHECK_KEY_OUT); a solution whose shared run had any error gets its key the way
    build.py makes it (a run of its own, not strict), so the check says what build.py says."""
    build_key_alone = build.build_key
    shared = []

    def build_key(path):
        document = notebook_runs_shared.key(path)
        shared.append(document is not None)
        return document if document is not None else build_key_alone(path)

    monkeypatch.setattr(build, "build_key", build_key)
    status = build.cmd_check(None)
    out = capsys.readouterr().out
    assert status == 0, out[-5000:]
    assert len(shared) == len(SOLUTIONS) and "generated files are up to date" in out


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.notebook_runs("exercise", p.stem))
                                  for p in EXERCISES], ids=lambda p: p.stem)
def test_exercises_run_top_to_bottom_unanswered(path, notebook_runs_shared):
    """A blank exercises notebook runs without error; every question says 'not answered yet'.

    The run is the shared one (tests/notebook_runs.py): a copy in a folder of its own, not
    strict, answers saved beside the copy."""
    run = notebook_runs_shared.result("exercise", path)
    assert not run["failure"], run["failure"]
    notebook = nbformat.reads(json.dumps(run["notebook"]), as_version=4)  # joins the stored lines again
    texts = [o["data"]["text/plain"] for c in notebook.cells if c.cell_type == "code"
             for o in c.outputs if "data" in o and "text/plain" in o["data"]]
    statuses = [t.split(":")[1].split(".")[0].strip() for t in texts if t[:1] in "✔≈✘…?✎" and t[2:3] == "q"]
    keyed = json.loads((ROOT / "solutions" / "keys" / f"{path.stem}.json").read_text())["questions"]
    assert len(statuses) == len(keyed)
    assert set(statuses) == {"unanswered"}
    assert not any(o.output_type == "error" for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


def test_exercises_hold_no_solution_code():
    """The hand-outs as generated and as committed (the working copy's file where there is no git: it may
    hold a learner's answers and outputs, which is theirs to keep)."""
    for exercise, solution in zip(EXERCISES, SOLUTIONS):
        assert exercise.name == solution.name
        committed = build.committed_text(exercise)
        for text in (build.blank_exercise_text(exercise.stem),
                     committed if committed is not None else exercise.read_text(encoding="utf-8")):
            assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "ex.expect(" not in text
            assert '"outputs": []' in text and '"execution_count": null' in text


def test_numbers_are_read_as_written():
    read = {w: (v, d, s) for v, d, w, s in build.numbers_in_text(
        "H100 at 3.8e25 FLOP, 5.76 × 10²³, 1,234,567 GPUs, 45%, 79 EFLOP/s, $12 trillion, q8 and 0.045, "
        r"$2.5 \times 10^{19}$, 200")}
    assert read["3.8e25 FLOP"] == (3.8e25, 2, False)
    assert read["5.76 × 10²³"][0] == pytest.approx(5.76e23)
    assert read["1,234,567 GPUs"][:2] == (1234567, 7)
    assert read["45%"][0] in (45.0, 0.45)
    assert read["79 EFLOP/s"] == (79, 2, True) and read["12 trillion"] == (12, 2, True)
    assert read["1,234,567 GPUs"][2] is False
    assert read["0.045"][1] == 2 and read["200"][1] == 1
    assert read[r"2.5 \times 10^{19}"][0] == pytest.approx(2.5e19)
    assert "100" not in read and "8" not in read  # parts of names: H100, q8
    assert build.significant_digits("2.0") == 2 and build.significant_digits("2") == 1


@pytest.mark.parametrize("answer, text, hit", [
    (79.16e18, "a peak of 79 EFLOP/s", True),        # prefix: a 10^18 rescale
    (7.9e19, "about 79 of them", False),            # no prefix: no rescale by chance
    (1.14, "1,140 MWh", True),                      # printed in the next unit down
    (2.0e3, "step 2 of the method", False),         # one digit never counts
    (2.0e3, "in 2024 the cluster", False),          # a year counts only as itself
    (2024.0, "in 2024 the cluster", True),
    (1.149, "about 1.15", True),                    # across a rounding boundary
    (0.366, "beta = 0.37", True),
    (0.366, "beta = 0.39", False),
    (0.45, "45% of the data", True),                # a percentage is its fraction too
    (-0.35, "a slope of 0.35", True),
    (18.0, "suppliers quoted 18–24 months", False),   # the ends of a range
    (24.0, "quoted 18 - 24 months", False),
    (18.0, "it needs 18 turbines", True),
])
def test_printed_answer_rule(answer, text, hit):
    found = any(build.printed_match(answer, v, d, w, s) is not None for v, d, w, s in build.numbers_in_text(text))
    assert found is hit


def _fake_set(tmp_path, monkeypatch, lesson_cells, answers):
    (tmp_path / "solutions" / "keys").mkdir(parents=True)
    (tmp_path / "lessons").mkdir()
    entries = {f"q{i}": {"order": i, **keymod_entry(v)} for i, v in enumerate(answers, 1)}
    from scalecheck.exercise import keys
    keys.write_atomic(tmp_path / "solutions" / "keys" / "98_fake.json",
                      keys.dumps(keys.key_document("98_fake", entries)))
    nbformat.write(nbformat.v4.new_notebook(cells=lesson_cells), tmp_path / "lessons" / "98_fake.ipynb")
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "solutions" / "98_fake.ipynb")
    monkeypatch.setattr(build, "SOLUTIONS", tmp_path / "solutions")
    monkeypatch.setattr(build, "LESSONS", tmp_path / "lessons")


def keymod_entry(value):
    from scalecheck.exercise import keys
    return keys.make_entry("q", "number", expected=value)


def test_printed_command_counts_answers_and_exits_1_above_one(tmp_path, monkeypatch, capsys):
    code = nbformat.v4.new_code_cell("x = 3.14e23")
    code.outputs = [nbformat.v4.new_output("stream", text="compute: 3.15e+23 FLOP\n"),
                    nbformat.v4.new_output("display_data", data={"text/html": "<b>47</b> k USD", "image/png": "0.52"})]
    cells = [nbformat.v4.new_markdown_cell("The answer is not here: 2 and 2024."), code]
    _fake_set(tmp_path, monkeypatch, cells, [3.15e23, 0.52, 17.0])
    assert build.cmd_printed(["98"]) == 0  # one printed answer is allowed (a warm-up); images are not text
    out = capsys.readouterr().out
    assert "1 of 3 numeric answers printed" in out and "cell 1 output 0 (stream): '3.15e+23 FLOP'" in out
    _fake_set(tmp_path / "b", monkeypatch, cells, [3.15e23, 47e3])
    assert build.cmd_printed(["98"]) == 1
    assert "2 of 2" in capsys.readouterr().out


@pytest.mark.parametrize("unit, text, ok", [
    ("MWh", "How much energy, in **MWh**?", True),
    ("yr", "How many years until the wall?", True),
    ("token/param", "How many tokens per parameter is that?", True),
    ("GWh", "How much energy, in **MWh**?", False),
    ("", "The rise in loss, answer in nats/token.", False),   # issue 19: 04-Q7
    ("", "The rise is in nats per token, but the box takes a plain number with no unit.", True),
    ("", "Give K (a plain number).", True),
    ("", "The share, as a percentage.", False),
    ("%", "What share is that, in **%**?", True),
    ("%", "What fraction of the chips?", False),
    ("x", "By what factor does it grow?", True),
    ("x", "How large is it?", False),
])
def test_unit_label_rule(unit, text, ok):
    assert (build.unit_label_problem(unit, text) == "") is ok


def test_question_text_starts_at_its_heading():
    solution = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Set\n\n**How to answer.** e.g. in **%**"),
        nbformat.v4.new_code_cell("ex = exercises.start('x')"),
        nbformat.v4.new_markdown_cell("## Q1\n\nHow much, in **MWh**?"),
        nbformat.v4.new_code_cell("ex.number('q1_energy', 5)"),
    ])
    assert build.question_texts(solution) == {"q1_energy": "## Q1\n\nHow much, in **MWh**?"}


def test_how_to_answer_examples_must_not_be_answers(tmp_path, monkeypatch, capsys):
    """Issue 18 item 6: an example in a set's first cell judged correct or close fails the build."""
    from scalecheck.exercise import keys

    (tmp_path / "keys").mkdir()
    entries = {"q1": {"order": 1, **keys.make_entry("q1", "number", expected=8e19, unit="FLOP/s")},
               "q2": {"order": 2, **keys.make_entry("q2", "choice", options=["a", "b"], expected="a")}}
    keys.write_atomic(tmp_path / "keys" / "97_fake.json", keys.dumps(keys.key_document("97_fake", entries)))
    monkeypatch.setattr(build, "SOLUTIONS", tmp_path)
    for examples, status in (("`3.2e7`, `45 kWh` or `...`", 0), ("type `8e19` or `80 EFLOP/s`", 1), ("`8e16`", 1)):
        cell = nbformat.v4.new_markdown_cell(f"**How to answer.** {examples}; `a`")
        solution = nbformat.v4.new_notebook(cells=[cell])
        nbformat.write(solution, tmp_path / "97_fake.ipynb")
        assert build.cmd_examples(["97"]) == status
    out = capsys.readouterr().out
    assert "the example `8e16` is judged close for q1" in out and "`8e19` is judged correct" in out


def test_hints_report_never_fails(capsys):
    assert build.cmd_hints(None) == 0
    assert "questions have staged hints" in capsys.readouterr().out


def test_check_runs_the_exercise_set_rules(monkeypatch, capsys):
    """build.py check fails when a set breaks a rule (printed answers, unit labels, examples)."""
    calls = []
    for name, status in (("cmd_printed", 1), ("cmd_units", 0), ("cmd_examples", 0)):
        monkeypatch.setattr(build, name, lambda only, n=name, s=status: calls.append(n) or s)
    assert build.cmd_check(["zz"]) == 1  # no drift (no set named zz), but a rule broken
    assert calls == ["cmd_printed", "cmd_units", "cmd_examples"]
    assert "FAILED (printed answers)" in capsys.readouterr().out
    monkeypatch.setattr(build, "cmd_printed", lambda only: 0)
    assert build.cmd_check(["zz"]) == 0


def test_drift_check_tells_a_learners_answers_from_a_stale_hand_out(tmp_path, monkeypatch, capsys):
    """JupyterLab saves a learner's answers into exercises/: with the committed hand-out current, that is
    a note, not drift (and nothing is rewritten); a committed hand-out that differs is drift."""
    blank = build.blank_exercise_text("01")
    assert "= ..." in blank and blank == build.notebook_text(build.make_exercise_notebook(
        nbformat.read(ROOT / "solutions" / "01_orders_of_magnitude.ipynb", as_version=4)))
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    answered = exercises / "01_orders_of_magnitude.ipynb"
    answered.write_text(blank.replace("= ...", "= 7.9e19", 1), encoding="utf-8")
    (exercises / "01_orders_of_magnitude.answers.json").write_text('{"answers": {}}', encoding="utf-8")
    monkeypatch.setattr(build, "EXERCISES", exercises)
    monkeypatch.setattr(build, "committed_text", lambda path: blank)
    status = build.cmd_check(["01"], with_keys=False)
    out = capsys.readouterr().out
    assert "holds answers typed into it" in out and "DRIFT" not in out and status == 0, out[-3000:]
    assert "7.9e19" in answered.read_text(encoding="utf-8")
    monkeypatch.setattr(build, "committed_text", lambda path: blank.replace("= ...", "= None", 1))
    assert build.cmd_check(["01"], with_keys=False) == 1
    assert "DRIFT" in capsys.readouterr().out
    monkeypatch.setattr(build, "committed_text", lambda path: None)  # no git: the working copy is what counts
    assert build.cmd_check(["01"], with_keys=False) == 1


def test_regenerating_keeps_answers_typed_into_a_hand_out_unless_forced(tmp_path, monkeypatch, capsys):
    """`build.py exercises` after fixing a key (the README's re-grading step) must not erase answers that
    JupyterLab saved into exercises/: a notebook that differs from both the generated and the committed
    text is kept, with a message and exit 1, unless --force. A stale committed hand-out is still rewritten."""
    blank = build.blank_exercise_text("01")
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    target = exercises / "01_orders_of_magnitude.ipynb"
    answered = blank.replace("= ...", "= 7.9e19", 1)
    target.write_text(answered, encoding="utf-8")
    monkeypatch.setattr(build, "EXERCISES", exercises)
    monkeypatch.setattr(build, "ROOT", tmp_path)
    stale = blank.replace("= ...", "= None", 1)  # the last commit has an older hand-out
    monkeypatch.setattr(build, "committed_text", lambda path: stale)
    assert build.cmd_exercises(["01"], with_keys=False) == 1
    out = capsys.readouterr().out
    assert "kept exercises/01_orders_of_magnitude.ipynb" in out and "--force" in out, out
    assert target.read_text(encoding="utf-8") == answered
    assert build.main(["exercises", "01", "--no-keys", "--force"]) == 0
    assert target.read_text(encoding="utf-8") == blank
    target.write_text(stale, encoding="utf-8")  # the committed, stale hand-out: regenerated without asking
    assert build.cmd_exercises(["01"], with_keys=False) == 0
    assert target.read_text(encoding="utf-8") == blank
    target.write_text(answered, encoding="utf-8")
    monkeypatch.setattr(build, "committed_text", lambda path: None)  # no git: nothing to compare with
    assert build.cmd_exercises(["01"], with_keys=False) == 0
    assert target.read_text(encoding="utf-8") == blank


def test_blank_hand_outs_are_written_over_answered_ones(tmp_path):
    (tmp_path / "01_orders_of_magnitude.ipynb").write_text("answered", encoding="utf-8")
    written = build.write_blank_exercises(tmp_path)
    assert [p.name for p in written] == [p.name for p in SOLUTIONS]
    assert (tmp_path / "01_orders_of_magnitude.ipynb").read_text(encoding="utf-8") == build.blank_exercise_text("01")
    with pytest.raises(build.BuildError):
        build.blank_exercise_text("99")


def test_answers_saved_beside_a_hand_out_are_not_drift(tmp_path, monkeypatch, capsys):
    """The widgets save a learner's answers as exercises/<set>.answers.json (git-ignored): the whole-course
    drift check, which reports any generated-looking file without a solutions notebook, leaves it alone."""
    exercises = tmp_path / "exercises"
    build.write_blank_exercises(exercises)
    (exercises / "01_orders_of_magnitude.answers.json").write_text('{"answers": {}}', encoding="utf-8")
    (exercises / "99_gone.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(build, "EXERCISES", exercises)
    assert build.cmd_check(None, with_keys=False) == 1
    out = capsys.readouterr().out
    assert "99_gone.ipynb has no solutions notebook" in out and "answers.json" not in out, out[-3000:]
