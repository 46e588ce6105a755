"""Build what is generated from the solutions notebooks, or check it is current.

    python tools/build.py exercises   # solutions/*.ipynb -> exercises/*.ipynb + answer keys
    python tools/build.py check       # regenerate in a temp folder, fail on any difference, and
                                      # run printed, units and examples on every set
    python tools/build.py check --no-keys  # the same without the keys (no kernel; the pre-commit hook)
    python tools/build.py execute 04  # re-run lessons/ and solutions/ in place (stored outputs, cleaned)
    python tools/build.py clean       # apply the stored-output policy to notebooks as stored (no kernel)
    python tools/build.py map         # write the course map between its markers in README.md and lessons/
    python tools/build.py printed 04  # which answers of set 04 does lesson 04 print? (exit 1 if > 1)
    python tools/build.py units 04    # does every number question's box unit agree with its text?
    python tools/build.py examples 04 # is a "How to answer" example value an answer of set 04?
    python tools/build.py hints       # which questions lack staged hints or mistake messages (a report)

``solutions/NN_name.ipynb`` is the only hand-edited source of an exercise set.
Markers (the ones nbgrader and otter use):

- ``### BEGIN SOLUTION`` / ``### END SOLUTION`` in a code cell: the region
  becomes a placeholder that still runs (``name = ...`` for each assignment,
  a stub for each function, keeping its signature and docstring). Comment
  lines starting with ``# Step`` are kept, in place (inside a function stub
  too), so a learner gets the named steps of a function as a skeleton.
- a line ending in ``# SOLUTION``: ``lhs = rhs  # SOLUTION`` becomes ``lhs = ...``.
- ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``: removed; these hold
  the ``ex.expect(...)`` calls that make the answer key. They may not use
  any name a solution region assigns, so a key can never be copied from the
  solution it checks.
- ``<!-- BEGIN SOLUTION -->`` / ``<!-- END SOLUTION -->`` in markdown: removed.

Keys are made by executing the solutions notebook with ``SCALECHECK_KEY_OUT``
set, so every expected value is computed by the same code the tests run.
"""
from __future__ import annotations

import argparse
import ast
import copy
import difflib
import html as html_module
import json
import os
import re
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from scalecheck.exercise import keys as keymod  # noqa: E402
from scalecheck.exercise.vocabulary import QUESTION_CALL  # noqa: E402

SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
LESSONS = ROOT / "lessons"

BEGIN_SOLUTION = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION\s*$")
END_SOLUTION = re.compile(r"^\s*### END SOLUTION\s*$")
BEGIN_HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$")
END_HIDDEN = re.compile(r"^\s*### END HIDDEN TESTS\s*$")
LINE_SOLUTION = re.compile(r"^(?P<lhs>\s*[^=#]+?=)(?!=).*#\s*SOLUTION\s*$")
MD_SOLUTION = re.compile(r"<!--\s*BEGIN SOLUTION\s*-->.*?<!--\s*END SOLUTION\s*-->\s*", re.S)
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class BuildError(RuntimeError):
    pass


# ---------------------------------------------------------------------------
# Code transformation


STEP_LINE = re.compile(r"^(?P<indent>\s*)# Step\b")


def _step_lines(code: str) -> list[tuple[int, str, str]]:
    """(line number from 1, indent, text) of every ``# Step`` comment line."""
    found = []
    for number, line in enumerate(code.splitlines(), start=1):
        match = STEP_LINE.match(line)
        if match:
            found.append((number, match.group("indent"), line.strip()))
    return found


def placeholder(code: str, indent: str) -> list[str]:
    """What a student sees instead of a solution region: runnable stubs,
    with the author's ``# Step ...`` comment lines kept where they stand."""
    code = textwrap.dedent(code)
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        raise BuildError(f"solution region does not parse: {error}") from None
    steps = _step_lines(code)
    out = [f"{indent}# YOUR CODE HERE"]

    def steps_before(line: int) -> None:
        while steps and steps[0][0] < line:
            _, _, text = steps.pop(0)
            out.append(f"{indent}{text}")

    for node in tree.body:
        steps_before(node.lineno)
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names: list[str] = []
            for target in targets:
                parts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
                names.extend(ast.unparse(part) for part in parts)
            out.append(f"{indent}{' = '.join(names)} = ...")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stub = copy.deepcopy(node)
            docstring = ast.get_docstring(node, clean=False)
            stub.body = ([ast.Expr(ast.Constant(docstring))] if docstring else []) + [ast.Expr(ast.Constant(...))]
            stub_lines = ast.unparse(stub).splitlines()
            inside = [s for s in steps if node.lineno <= s[0] <= (node.end_lineno or node.lineno)]
            steps[:] = [s for s in steps if s not in inside]
            if inside:
                body_indent = re.match(r"\s*", stub_lines[-1]).group(0)  # the indent of the final `...`
                stub_lines[-1:-1] = [f"{body_indent}{text}" for _, _, text in inside]
            for line in stub_lines:
                out.append(f"{indent}{line}")
    steps_before(10 ** 9)
    if indent and all(line.strip().startswith("#") for line in out):
        out.append(f"{indent}...")  # a block needs a statement: the region was, e.g., only a return
    return out


def transform_code(source: str) -> str:
    """Apply the solution and hidden-test markers to one code cell."""
    lines = source.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        begin = BEGIN_SOLUTION.match(line)
        if begin:
            j = i + 1
            while j < len(lines) and not END_SOLUTION.match(lines[j]):
                j += 1
            if j == len(lines):
                raise BuildError("### BEGIN SOLUTION without ### END SOLUTION")
            out.extend(placeholder("\n".join(lines[i + 1:j]), begin.group("indent")))
            i = j + 1
            continue
        if BEGIN_HIDDEN.match(line):
            j = i + 1
            while j < len(lines) and not END_HIDDEN.match(lines[j]):
                j += 1
            if j == len(lines):
                raise BuildError("### BEGIN HIDDEN TESTS without ### END HIDDEN TESTS")
            i = j + 1
            continue
        single = LINE_SOLUTION.match(line)
        if single:
            out.append(f"{single.group('lhs')} ...")
        else:
            out.append(line)
        i += 1
    return "\n".join(out).strip("\n")


def _regions(source: str, begin: re.Pattern, end: re.Pattern) -> list[str]:
    found, current = [], None
    for line in source.splitlines():
        if current is None and begin.match(line):
            current = []
        elif current is not None and end.match(line):
            found.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return found


def solution_names(notebook) -> set[str]:
    """Every name a solution region (or # SOLUTION line) assigns or defines."""
    names: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        chunks = _regions(cell.source, BEGIN_SOLUTION, END_SOLUTION)
        chunks += [m.group(0).split("#")[0] for m in map(LINE_SOLUTION.match, cell.source.splitlines()) if m]
        for chunk in chunks:
            try:
                tree = ast.parse(textwrap.dedent(chunk))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(node.name)
    return names


def check_key_independence(notebook, name: str) -> None:
    """Fail if a hidden key cell reads a name that a solution defines."""
    forbidden = solution_names(notebook)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for chunk in _regions(cell.source, BEGIN_HIDDEN, END_HIDDEN):
            try:
                tree = ast.parse(textwrap.dedent(chunk))
            except SyntaxError as error:
                raise BuildError(f"{name}: hidden key cell does not parse: {error}") from None
            used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            leaked = sorted(used & forbidden)
            if leaked:
                raise BuildError(
                    f"{name}: a key cell uses {', '.join(leaked)}, which a solution defines; "
                    "compute expected values independently (package functions, data, literals)"
                )


def make_exercise_notebook(solution):
    """The student version of a solutions notebook (a new object)."""
    notebook = nbformat.v4.new_notebook()
    # the language_info the solutions' kernel wrote (see kernel_language_info): taken from the
    # committed solution, not this machine, so the generated file is the same on every machine
    info = solution.metadata.get("language_info")
    info = copy.deepcopy(info) if isinstance(info, dict) and info.get("version") else {"name": "python"}
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": info}
    for cell in solution.cells:
        if cell.cell_type == "markdown":
            source = MD_SOLUTION.sub("", cell.source).strip()
            if not source:
                continue
            new = nbformat.v4.new_markdown_cell(source)
        elif cell.cell_type == "code":
            source = transform_code(cell.source)
            if not source.strip():
                continue
            new = nbformat.v4.new_code_cell(source)
            questions = QUESTION_CALL.findall(source)
            if questions:
                new.metadata["scalecheck"] = {"questions": questions}
        else:
            new = nbformat.v4.new_raw_cell(cell.source)
        new.id = cell.get("id", new.id)
        tags = [t for t in cell.metadata.get("tags", []) if not t.startswith("nbval")]
        if tags:
            new.metadata["tags"] = tags
        notebook.cells.append(new)
    return notebook


def notebook_text(notebook) -> str:
    return nbformat.writes(notebook) + "\n"


def blank_exercise_text(name: str, solutions: Path | None = None) -> str:
    """The hand-out of one exercise set (``"01"`` or its file stem), as generated from its solutions notebook.

    What a test or a copy of the course starts from: ``exercises/`` in a working copy may hold a
    learner's answers (JupyterLab saves them there), while this is the blank notebook a fresh clone has."""
    paths = solution_notebooks([name], solutions)
    if len(paths) != 1:
        raise BuildError(f"no single exercise set {name!r}: {[p.name for p in paths]}")
    return _exercise_text(nbformat.read(paths[0], as_version=4))


def write_blank_exercises(folder: Path, solutions: Path | None = None) -> list[Path]:
    """Every set's blank hand-out written into ``folder`` (over any notebook of the same name there)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in solution_notebooks(None, solutions):
        target = folder / path.name
        target.write_text(_exercise_text(nbformat.read(path, as_version=4)), encoding="utf-8")
        written.append(target)
    return written


def _exercise_text(solution) -> str:
    return notebook_text(make_exercise_notebook(solution))


def _shown(path: Path) -> str:
    """A path as the messages name it: relative to the course where it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def committed_text(path: Path) -> str | None:
    """A file as the last commit has it; None outside a git checkout, or where git cannot say."""
    import subprocess

    if not path.is_relative_to(ROOT):
        return None
    try:
        shown = subprocess.run(["git", "show", f"HEAD:{path.relative_to(ROOT).as_posix()}"], cwd=ROOT,
                               capture_output=True, timeout=60)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    return shown.stdout.decode("utf-8", errors="replace") if shown.returncode == 0 else None


# ---------------------------------------------------------------------------
# Keys


def execute(notebook, cwd: Path, env: dict[str, str], timeout: int = 120):
    """Run a notebook in a fresh kernel with extra environment variables."""
    from nbclient import NotebookClient

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(cwd)}}, record_timing=False)
        client.execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return notebook


def build_key(solution_path: Path) -> dict:
    """Execute a solutions notebook and collect its ex.expect(...) declarations."""
    notebook = nbformat.read(solution_path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "key.json"
        execute(notebook, solution_path.parent,
                {"SCALECHECK_KEY_OUT": str(out), "SCALECHECK_STRICT": "0"})
        if not out.is_file():
            raise BuildError(f"{solution_path.name}: no ex.expect(...) ran, so no key was made")
        return json.loads(out.read_text(encoding="utf-8"))


def generated_files(solution_path: Path, with_keys: bool = True) -> dict[Path, str]:
    """Every file generated from one solutions notebook, with its text."""
    name = solution_path.stem
    solution = nbformat.read(solution_path, as_version=4)
    check_key_independence(solution, name)
    files = {EXERCISES / solution_path.name: _exercise_text(solution)}
    if with_keys:
        document = build_key(solution_path)
        entries = document["questions"]
        asked = set(QUESTION_CALL.findall("\n".join(c.source for c in solution.cells if c.cell_type == "code")))
        missing = sorted(asked - set(entries))
        if missing:
            raise BuildError(f"{name}: questions asked but never given a key with ex.expect: {', '.join(missing)}")
        files[SOLUTIONS / "keys" / f"{name}.json"] = keymod.dumps(keymod.key_document(name, entries))
        files[EXERCISES / "keys" / f"{name}.json"] = keymod.dumps(keymod.public_document(name, entries))
    return files


def solution_notebooks(only: list[str] | None = None, folder: Path | None = None) -> list[Path]:
    """The solutions notebooks (of ``folder``, default the course's), those starting with an ``only`` prefix."""
    paths = sorted((folder or SOLUTIONS).glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if any(p.stem.startswith(o) for o in only)]
    return paths


# ---------------------------------------------------------------------------
# Commands


def holds_typed_work(target: Path, current: str, generated: str) -> bool:
    """An exercise notebook whose text is neither what is generated nor what the last commit has: most likely
    work typed into it (JupyterLab saves a learner's, or a teacher's trial, answers there), possibly an
    earlier regeneration not yet committed. Outside git (nothing to compare with), never."""
    if target.parent != EXERCISES or current == generated:
        return False
    committed = committed_text(target)
    return committed is not None and current != committed


def cmd_exercises(only: list[str] | None, with_keys: bool = True, force: bool = False) -> int:
    kept = 0
    for path in solution_notebooks(only):
        for target, text in generated_files(path, with_keys).items():
            current = target.read_text(encoding="utf-8") if target.is_file() else None
            if current == text:
                continue
            if current is not None and not force and holds_typed_work(target, current, text):
                kept += 1
                print(f"kept {_shown(target)}: it differs from the last commit and from what "
                      f"{path.name} generates (answers typed into it in JupyterLab, or an earlier regeneration "
                      "not yet committed). Move it away, or run again with --force to replace it.")
                continue
            keymod.write_atomic(target, text)
            print(f"wrote {_shown(target)}")
    return 1 if kept else 0


def cmd_check(only: list[str] | None, with_keys: bool = True) -> int:
    """Regenerate everything and compare with what is committed; then the stored-output
    policy, and the exercise sets' own rules. ``with_keys=False`` (``--no-keys``) skips the
    keys, which need a kernel per set: the quick check for a pre-commit hook."""
    drift = 0
    expected_targets: set[Path] = set()
    for path in solution_notebooks(only):
        for target, text in generated_files(path, with_keys).items():
            expected_targets.add(target)
            current = target.read_text(encoding="utf-8") if target.is_file() else ""
            if current != text and target.parent == EXERCISES and committed_text(target) == text:
                # the committed hand-out is current; the working copy holds someone's answers (JupyterLab
                # saves a learner's work into exercises/), which is not drift and must not be overwritten
                print(f"note: {_shown(target)} holds answers typed into it; the committed "
                      "hand-out is up to date")
                continue
            if current != text:
                drift += 1
                print(f"DRIFT {_shown(target)} differs from what {path.name} generates:")
                diff = difflib.unified_diff(current.splitlines(), text.splitlines(), "committed", "generated",
                                            lineterm="", n=1)
                print("\n".join(list(diff)[:40]))
    if not only:
        generated_dirs = [EXERCISES, EXERCISES / "keys", SOLUTIONS / "keys"] if with_keys else [EXERCISES]
        for folder in generated_dirs:
            for stray in sorted(folder.glob("[0-9][0-9]_*")):
                if stray.name.endswith(".answers.json"):
                    continue  # answers an exercises notebook saved beside itself (git-ignored), not a generated file
                if stray.is_file() and stray not in expected_targets:
                    drift += 1
                    print(f"DRIFT {_shown(stray)} has no solutions notebook behind it")
    print(f"{drift} generated file(s) out of date" if drift else "generated files are up to date")
    stored = check_stored_outputs(only)
    course_map_drift = 0 if only else cmd_map(write=False)
    quality = quality_checks(only)
    return 1 if drift or stored or course_map_drift or quality else 0


def quality_checks(only: list[str] | None) -> int:
    """The exercise sets' own rules, for every set (or the named ones): at most one
    numeric answer printed in the lesson, box units that agree with the text, and
    no "How to answer" example that is an answer. 1 if any set breaks one."""
    failed = []
    for name, command in (("printed answers", cmd_printed), ("unit labels", cmd_units),
                          ("'How to answer' examples", cmd_examples)):
        if command(only):
            failed.append(name)
    print("exercise-set checks: " + (f"FAILED ({', '.join(failed)})" if failed else "all pass"))
    return 1 if failed else 0


# What an executed notebook keeps in git. Figures are the bulk of a lesson's bytes
# (base64 PNG, 70% of 2.4 MB before this policy), no test compares them (nbval
# skips images) and one changed pixel rewrites a whole line of base64, so a prose
# or code change used to come with an unreadable diff. Text and HTML outputs stay:
# they are small, reviewable, and the checked cells (nbval-check-output) compare
# them. A learner runs the cells to draw figures; the course site
# (tools/build_site.py) executes lessons, so its pages show every figure.
LESSON_BYTES_BUDGET = 1_000_000
FIGURE_NOTE = "(figure not stored in the notebook: run this cell to draw it)"


def kernel_language_info() -> dict:
    """language_info as the course's kernel reports it on start-up (kernel_info_reply).

    JupyterLab writes the running kernel's language_info into the notebook and skips
    the write only when the stored value is deep-equal; a trimmed {"name": "python"}
    made every lesson "unsaved" the moment its kernel started."""
    import comm

    # importing ipykernel.ipkernel points the comm package at ipykernel's comm manager for good. This process is
    # not a kernel: widgets made in it afterwards (the tests make many) then closed against another manager than
    # the one they had opened with, and Widget.__del__ raised KeyErrors
    before = comm.create_comm, comm.get_comm_manager
    try:
        from ipykernel.ipkernel import IPythonKernel
    finally:
        comm.create_comm, comm.get_comm_manager = before
    return copy.deepcopy(dict(IPythonKernel.language_info))


def _is_stored_figure(mime: str) -> bool:
    return mime.startswith("image/") or mime == "application/pdf"


def strip_figures(output) -> bool:
    """Drop the image data of one output, leaving a text line in its place; True if any."""
    data = output.get("data")
    if not isinstance(data, dict):
        return False
    figures = [mime for mime in data if _is_stored_figure(mime)]
    if not figures:
        return False
    for mime in figures:
        del data[mime]
        output.get("metadata", {}).pop(mime, None)
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else str(text)
    data["text/plain"] = f"{text.rstrip()} {FIGURE_NOTE}".strip()
    return True


def clean_executed(notebook, language_info: dict | None = None) -> None:
    """Keep what a reader needs and a reviewer can read; drop what changes on every run.

    Idempotent, and needs no kernel, so ``build.py clean`` applies it to stored notebooks."""
    notebook.metadata.pop("widgets", None)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    info = notebook.metadata.get("language_info")
    if language_info is not None:
        info = language_info
    elif not (isinstance(info, dict) and info.get("version")):  # trimmed or missing: not what a kernel writes
        info = kernel_language_info()
    notebook.metadata["language_info"] = info
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        # widget views point at state that is not stored: give them stable ids
        # so re-running a notebook does not rewrite every view in git
        for number, output in enumerate(cell.get("outputs", [])):
            strip_figures(output)
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if isinstance(view, dict) and "model_id" in view:
                view["model_id"] = f"cell{index}-output{number}"


def stored_output_problems(notebook, name: str) -> list[str]:
    """Where a stored notebook breaks the policy above (what ``clean_executed`` produces)."""
    problems = []
    if notebook.metadata.get("widgets"):
        problems.append(f"{name}: metadata.widgets stored (widget state, with PNG bytes for image explorers)")
    info = notebook.metadata.get("language_info")
    if not isinstance(info, dict) or set(info) != set(kernel_language_info()):
        problems.append(f"{name}: metadata.language_info is not what the kernel writes "
                        "(JupyterLab would mark the notebook unsaved when the kernel starts)")
    for index, cell in enumerate(notebook.cells):
        if "execution" in cell.get("metadata", {}):
            problems.append(f"{name}: cell {index} stores execution timings")
        for number, output in enumerate(cell.get("outputs", [])):
            figures = [m for m in output.get("data", {}) if _is_stored_figure(m)]
            if figures:
                problems.append(f"{name}: cell {index} output {number} stores {', '.join(figures)}")
    return problems


def lesson_paths(only: list[str] | None = None) -> list[Path]:
    paths = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if any(p.stem.startswith(o) for o in only)]
    return paths


def check_stored_outputs(only: list[str] | None) -> int:
    """1 if a lesson or solution stores what the policy drops, or the lessons exceed their budget."""
    problems = []
    paths = lesson_paths(only) + solution_notebooks(only)
    for path in paths:
        problems += stored_output_problems(nbformat.read(path, as_version=4), str(path.relative_to(ROOT)))
    if not only:
        total = sum(p.stat().st_size for p in lesson_paths())
        if total > LESSON_BYTES_BUDGET:
            problems.append(f"lessons/*.ipynb hold {total:,} bytes, over the budget of {LESSON_BYTES_BUDGET:,}")
    for problem in problems[:40]:
        print(f"STORED {problem}")
    if problems:
        print(f"stored outputs: {len(problems)} problem(s); `python tools/build.py clean` fixes all but the budget")
    else:
        print("stored outputs: clean (no figures, no widget state, kernel's language_info)")
    return 1 if problems else 0


def cmd_clean(only: list[str] | None) -> int:
    """Apply the stored-output policy to lessons and solutions as stored, without a kernel."""
    for path in lesson_paths(only) + solution_notebooks(only):
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)
        clean_executed(notebook)
        cleaned = notebook_text(notebook)
        if cleaned != text:
            keymod.write_atomic(path, cleaned)
            print(f"cleaned {path.relative_to(ROOT)}: {len(text):,} -> {len(cleaned):,} bytes")
    return 0


def cmd_execute(only: list[str] | None) -> int:
    for path in lesson_paths(only) + solution_notebooks(only):
        notebook = nbformat.read(path, as_version=4)
        execute(notebook, path.parent, {"SCALECHECK_STRICT": "1"})
        clean_executed(notebook)
        keymod.write_atomic(path, notebook_text(notebook))
        print(f"executed {path.relative_to(ROOT)}")
    return 0


# ---------------------------------------------------------------------------
# The course map: the lesson table in README.md and lesson 00, made from lessons/

MAP_START = "<!-- course-map:start -->"
MAP_END = "<!-- course-map:end -->"
LEDGER = ROOT / "data" / "claims.csv"
HEADING = re.compile(r"^#\s+(?P<title>.+?)\s*$", re.M)
LESSON_PREFIX = re.compile(r"^Lesson\s+\d+\s*[—–-]+\s*")


def _first_heading(markdown: str) -> str:
    match = HEADING.search(markdown)
    return LESSON_PREFIX.sub("", match.group("title")).strip() if match else ""


def _subtitle(markdown: str) -> str:
    """The lesson's one-line promise: the italic paragraph right under its heading."""
    for paragraph in re.split(r"\n\s*\n", markdown)[1:3]:
        text = " ".join(line.strip() for line in paragraph.strip().splitlines())
        if len(text) > 2 and text.startswith("*") and text.endswith("*") and not text.startswith("**"):
            return text.strip("*").strip()
    return ""


def lesson_entries(lessons: Path | None = None, exercises: Path | None = None,
                   ledger: Path | None = None) -> list[dict]:
    """One entry per lesson notebook in course order (00_welcome first), from the files alone."""
    import csv

    lessons, exercises, ledger = lessons or LESSONS, exercises or EXERCISES, ledger or LEDGER
    claims: dict[str, int] = {}
    total = 0
    if ledger.is_file():
        with ledger.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                total += 1
                for number in re.findall(r"\d\d", row.get("lesson") or ""):
                    claims[number] = claims.get(number, 0) + 1
    paths = sorted(lessons.glob("[0-9][0-9]_*.ipynb"), key=lambda p: (p.name[:2], "welcome" not in p.stem, p.stem))
    entries = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        first = next((c.source for c in notebook.cells if c.cell_type == "markdown" and HEADING.search(c.source)), "")
        number = path.name[:2]
        extras = []
        for other in sorted(lessons.glob(f"{number}_*.md")):
            extras.append((_first_heading(other.read_text(encoding="utf-8")) or other.stem, other.name))
        exercise = exercises / path.name
        entries.append({
            "number": number, "file": path.name, "title": _first_heading(first) or path.stem,
            "subtitle": _subtitle(first), "exercises": exercise.name if exercise.is_file() else "",
            "claims": total if "claims" in path.stem else claims.get(number, 0),
            "all_claims": "claims" in path.stem,
            "extras": extras if "welcome" not in path.stem else [],
        })
    # an extra page (the capstone assignment) goes on the last notebook row of its number only
    seen: set[str] = set()
    for entry in reversed(entries):
        if entry["number"] in seen:
            entry["extras"] = []
        seen.add(entry["number"])
    return entries


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|")


def course_map(entries: list[dict], lessons_link: str, exercises_link: str, dollar: str) -> str:
    """The map as a markdown table. Links are relative to where the table sits; ``dollar`` is
    how a currency sign is written there (``\\$`` in README, ``\\\\$`` in notebook markdown)."""
    lines = ["| # | lesson | exercises | ledger claims | what it asks |", "|---|---|---|---|---|"]
    for e in entries:
        lesson = f"[{_cell_text(e['title'])}]({lessons_link}{e['file']})"
        lesson += "".join(f"; [{_cell_text(title)}]({lessons_link}{name})" for title, name in e["extras"])
        exercise = f"[exercises {e['number']}]({exercises_link}{e['exercises']})" if e["exercises"] else "—"
        claims = f"all {e['claims']}" if e["all_claims"] else (str(e["claims"]) if e["claims"] else "—")
        subtitle = re.sub(r"\\*\$", lambda _: dollar, _cell_text(e["subtitle"]))
        lines.append(f"| {e['number']} | {lesson} | {exercise} | {claims} | {subtitle} |")
    return "\n".join(lines)


def replace_map(text: str, table: str, where: str) -> str:
    """Put the table between the markers; a missing or repeated marker is a build error."""
    if text.count(MAP_START) != 1 or text.count(MAP_END) != 1 or text.index(MAP_START) > text.index(MAP_END):
        raise BuildError(f"{where}: needs exactly one {MAP_START} ... {MAP_END} pair, in that order")
    head, rest = text.split(MAP_START, 1)
    _, tail = rest.split(MAP_END, 1)
    return f"{head}{MAP_START}\n{table}\n{MAP_END}{tail}"


def map_targets() -> dict[Path, str]:
    """Every file that carries the map, with its text as the map would make it."""
    entries = lesson_entries()
    targets: dict[Path, str] = {}
    readme = ROOT / "README.md"
    targets[readme] = replace_map(readme.read_text(encoding="utf-8"),
                                  course_map(entries, "lessons/", "exercises/", "\\$"), "README.md")
    for path in lesson_paths():
        notebook = nbformat.read(path, as_version=4)
        cells = [c for c in notebook.cells if c.cell_type == "markdown" and MAP_START in c.source]
        if not cells:
            continue
        table = course_map(entries, "", "../exercises/", "\\\\$")
        for cell in cells:
            cell.source = replace_map(cell.source, table, str(path.relative_to(ROOT)))
        targets[path] = notebook_text(notebook)
    return targets


def cmd_map(write: bool = True) -> int:
    """Write the course map where its markers are (or, with write=False, count the files that drift)."""
    drift = 0
    for path, text in map_targets().items():
        if path.read_text(encoding="utf-8") == text:
            continue
        drift += 1
        if write:
            keymod.write_atomic(path, text)
            print(f"wrote the course map in {path.relative_to(ROOT)}")
        else:
            print(f"DRIFT {path.relative_to(ROOT)}: its course map is not what lessons/ gives "
                  "(run `python tools/build.py map`)")
    if not write:
        print(f"course map: {drift} file(s) out of date" if drift else "course map: up to date")
    return 1 if drift and not write else 0


# ---------------------------------------------------------------------------
# Printed answers: does a lesson give away its exercise set's answers?

# A number as written in prose, code or output: 1.2, 1,234, 3.8e25, 3.8 × 10^25,
# 3.8×10²⁵, 3.8 \times 10^{25}, 10^25, 45%. Not part of a name (H100, q8, FP8).
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
NUMBER_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9_.\-])(?P<sign>[-−]?)"
    r"(?P<mantissa>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:(?P<e>[eE][-+]?\d+)"
    r"|\s*(?:×|x|\*|·|\\times|\\cdot)\s*10\s*(?:\^\s*\{?\s*(?P<p1>[-−]?\d+)\s*\}?|\*\*\s*\(?(?P<p2>-?\d+)\)?|(?P<p3>[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?"
    r"(?P<percent>[ \u00a0\u202f]?%)?"
    r"(?P<after>[ \u00a0\u202f]?[A-Za-zµ][\w/*·^µ]*)?"
)
SCALE_WORDS = {"thousand", "million", "billion", "trillion", "bn", "k", "K", "M", "B", "T"}


def _followed_by_scale(after: str) -> bool:
    """Does the word after a number rescale it: a scale word ("billion", "47k",
    "39.3T") or a unit with an SI prefix ("EFLOP/s", "GW", "MWh")?"""
    from scalecheck.core.units import split_prefix

    word = after.strip()
    if not word:
        return False
    if word in SCALE_WORDS:
        return True
    try:
        split = split_prefix(word)
    except Exception:  # an odd word is simply not a unit
        return False
    return split is not None and split[0] != 1.0
POWER_OF_TEN = re.compile(r"(?<![A-Za-z0-9_.])10\s*(?:\^\s*\{?\s*(?P<p1>[-−]?\d+)\s*\}?|(?P<p3>[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))")
_TAG = re.compile(r"<[^>]+>")


def significant_digits(mantissa: str) -> int:
    """Significant digits as written: "2" and "200" have 1, "2.0" and "25" have 2,
    "0.045" has 2 (leading zeros never count; an integer's trailing zeros do not)."""
    digits = mantissa.replace(",", "")
    if "." in digits:
        whole, fraction = digits.split(".")
        stripped = (whole + fraction).lstrip("0")
        return len(stripped) if stripped else 1
    stripped = digits.lstrip("0").rstrip("0")
    return max(1, len(stripped))


def numbers_in_text(text: str) -> list[tuple[float, int, str, bool]]:
    """(value, significant digits, the text as written, followed by a scale) for
    every number in ``text``. A percentage gives its fraction too (45% -> 45
    and 0.45). The last item is True when a prefix or scale word follows
    ("79 EFLOP/s", "47k", "\\$12 trillion"): only then is a 10^3k rescale plausible."""
    found: list[tuple[float, int, str, bool]] = []
    for match in NUMBER_IN_TEXT.finditer(text):
        mantissa = match.group("mantissa")
        start, end = match.start("mantissa"), match.end("mantissa")
        if re.match(r"\s?[–-]\s?\d", text[end:end + 4]) or re.search(r"\d\s?[–-]\s?$", text[max(0, start - 4):start]):
            continue  # an end of a range ("18–24 months"), not a value the lesson states
        try:
            value = float(mantissa.replace(",", ""))
            power = match.group("p1") or match.group("p2") or (match.group("p3") or "").translate(_SUPERSCRIPTS)
            if match.group("e"):
                value = float(mantissa.replace(",", "") + match.group("e"))
            elif power:
                value *= 10.0 ** int(power.replace("−", "-"))
        except (ValueError, OverflowError):
            continue
        if match.group("sign"):
            value = -value
        digits = significant_digits(mantissa)
        written = match.group(0).strip()
        scaled = not match.group("percent") and _followed_by_scale(match.group("after") or "")
        found.append((value, digits, written, scaled))
        if match.group("percent"):
            found.append((value / 100, digits, written, False))
    for match in POWER_OF_TEN.finditer(text):  # a bare 10^25: one significant digit
        power = (match.group("p1") or match.group("p3") or "").translate(_SUPERSCRIPTS).replace("−", "-")
        try:
            found.append((10.0 ** int(power), 1, match.group(0), False))
        except (ValueError, OverflowError):
            pass
    return found


def _round_sig(value: float, digits: int = 2) -> float:
    import math

    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def is_year(value: float, written: str) -> bool:
    """A year (1900-2100 written as a bare four-digit integer) in prose."""
    number = written.split()[0] if written.split() else written
    return re.fullmatch(r"(19|20)\d\d", number) is not None


def printed_match(answer: float, value: float, digits: int, written: str, scaled: bool = True) -> int | None:
    """The rescale exponent 3k (0, ±3, ±6, ...) under which a printed number
    shows ``answer``, or None. The rule (documented for authors):

    - the printed number must be written with at least 2 significant digits
      ("2", "200", "10^25", "0.5" never count: they carry one digit);
    - a year (a bare integer 1900-2100) counts only as itself (answer within 0.5);
    - the ends of a range ("18–24 months", "2-4") are not values the lesson
      states (numbers_in_text skips them);
    - signs are ignored (a learner reads "-0.35" and "0.35" alike);
    - it shows the answer when it equals the answer rounded to 2 significant
      digits, or lies within 1% of it (so 1.149 and 1.15 agree across a
      rounding boundary);
    - or the same after multiplying by 10^(3k) for an integer k, when the
      number is followed by a unit prefix or scale word (``scaled``: "79
      EFLOP/s", "47k", "12 trillion", "157 m"), which is how a rescaled answer
      is printed. Without that, any 2-digit mantissa would match some answer
      at some power of 1,000 by chance (about 1 number in 270).
    """
    import math

    if digits < 2 or answer == 0 or value == 0:
        return None
    answer, value = abs(answer), abs(value)
    if is_year(value, written):
        return 0 if abs(value - answer) < 0.5 else None
    shift = round(math.log10(answer / value) / 3) * 3
    for exponent in ((shift - 3, shift, shift + 3) if scaled else (0,)):
        scaled = value * 10.0 ** exponent
        if _round_sig(scaled) == _round_sig(answer) or abs(scaled / answer - 1) <= 0.01:
            return exponent
    return None


def lesson_texts(lesson) -> list[tuple[str, str]]:
    """(where, text) for each markdown cell, code cell and stored text output of a lesson."""
    texts: list[tuple[str, str]] = []
    for index, cell in enumerate(lesson.cells):
        if cell.cell_type in ("markdown", "code"):
            texts.append((f"cell {index} ({cell.cell_type})", cell.source))
        for number, output in enumerate(cell.get("outputs", [])):
            if output.get("output_type") == "stream":
                texts.append((f"cell {index} output {number} (stream)", output.get("text", "")))
            for mime, data in (output.get("data") or {}).items():
                if mime in ("text/plain", "text/markdown", "text/latex", "text/html"):
                    text = "".join(data) if isinstance(data, list) else str(data)
                    if mime == "text/html":
                        text = re.sub(r"[ \t]+", " ", html_module.unescape(_TAG.sub(" ", text)))
                    texts.append((f"cell {index} output {number} ({mime})", text))
    return texts


def printed_answers(only: str) -> tuple[list[str], dict[str, list[str]]]:
    """For set ``only`` (e.g. "04"): (number questions, question -> hits in the lesson)."""
    keys_found = sorted((SOLUTIONS / "keys").glob(f"{only}*.json"))
    lessons = sorted(LESSONS.glob(f"{only}*.ipynb"))
    if not keys_found or not lessons:
        raise BuildError(f"set {only}: need solutions/keys/{only}_*.json and lessons/{only}_*.ipynb")
    entries = keymod.read_document(keys_found[0])["questions"]
    numbers = {q: e["expected"] for q, e in entries.items() if e.get("kind") == "number"}
    lesson = nbformat.read(lessons[0], as_version=4)
    hits: dict[str, list[str]] = {}
    for where, text in lesson_texts(lesson):
        for value, digits, written, scaled in numbers_in_text(text):
            for question, answer in numbers.items():
                exponent = printed_match(answer, value, digits, written, scaled)
                if exponent is not None:
                    rescale = "" if exponent == 0 else f" (x 10^{exponent})"
                    hits.setdefault(question, []).append(f"{where}: {written!r}{rescale} for {answer:.4g}")
    return list(numbers), hits


def cmd_printed(only: list[str] | None) -> int:
    """List each numeric answer of a set that its lesson prints; 1 if more than one is."""
    status = 0
    for prefix in _set_prefixes(only):
        numbers, hits = printed_answers(prefix)
        print(f"set {prefix}: {len(hits)} of {len(numbers)} numeric answers printed in lesson {prefix}"
              + (" (at most 1 allowed)" if len(hits) > 1 else ""))
        for question in numbers:
            for line in hits.get(question, [])[:5]:
                print(f"  {question}: {line}")
            if len(hits.get(question, [])) > 5:
                print(f"  {question}: ... {len(hits[question]) - 5} more")
        if len(hits) > 1:
            status = 1
    return status


def _set_prefixes(only: list[str] | None) -> list[str]:
    prefixes = [p.stem[:2] for p in solution_notebooks(only)]
    if not prefixes:
        raise BuildError(f"no solutions notebook matches {only}")
    return prefixes


# ---------------------------------------------------------------------------
# Unit labels: the box's unit must agree with what the question's text asks

_MULTIPLE_WORDS = re.compile(r"\b(?:factor|times|ratio|multiple|fold|x)\b|×", re.I)
_PERCENT_WORDS = re.compile(r"%|\bper ?cent|\bpercentage", re.I)
# A request for a unit: "in **MWh**" (the course's convention) or "answer/give it in nats/token"
_UNIT_REQUEST = re.compile(
    r"\bin\s+\*\*(?P<bold>[^*\n]{1,30})\*\*"
    r"|\b(?:answer|give (?:it|the answer|your answer)|express(?:ed)? (?:it)?)\s+in\s+"
    r"(?P<word>[A-Za-z$%µ][\w$%µ*·/\-^]*(?: per [A-Za-z]+)?)",
    re.I)
_NO_UNIT_SAID = re.compile(r"plain number|no unit|without (?:a )?unit|dimensionless|unitless", re.I)


def _plain_text(markdown: str) -> str:
    text = markdown.replace("\\$", "$").replace("**", "").replace("`", "")
    return re.sub(r"\s+per\s+", "/", text)


def _unit_tokens(text: str) -> list[str]:
    return re.findall(r"[A-Za-z$µ][\w$µ*·\-^]*(?:/[A-Za-z$µ][\w$µ*·\-^]*)*", text)


def _same_unit(token: str, unit) -> bool:
    from scalecheck.core.units import UnitError, parse_unit

    try:
        parsed = parse_unit(token)
    except (UnitError, ValueError, KeyError, ZeroDivisionError):
        return False
    return parsed.dimension == unit.dimension and abs(parsed.scale / unit.scale - 1) < 1e-9


def unit_label_problem(unit_text: str, question_text: str) -> str:
    """Why the box's unit disagrees with the question text, or "" if it agrees.

    - "%": the text must say % or percent; "x": a factor, ratio, times or ×;
    - no unit: the text must not ask for one ("in nats/token", "in MWh",
      "as a percentage");
    - any other unit: the text must name it, or a unit of the same kind and
      size (e.g. "years" for yr, "tokens/parameter" for token/param).
    """
    from scalecheck.core.units import UnitError, parse_unit

    text = _plain_text(question_text)
    if unit_text == "%":
        return "" if _PERCENT_WORDS.search(text) else "the box asks for % but the text never says percent"
    if unit_text == "x":
        return "" if _MULTIPLE_WORDS.search(text) else \
            "the box asks for a multiple (x) but the text never says factor/times/ratio"
    if not unit_text:
        if re.search(r"\bas a percent(age)?\b|\bin (?:per ?cent|%)", text, re.I):
            return "the text asks for a percentage but the box has no unit (give a fraction, or use unit '%')"
        if _NO_UNIT_SAID.search(text):
            return ""  # the text says the box takes a plain number, whatever the quantity's unit
        for match in _UNIT_REQUEST.finditer(question_text.replace("\\$", "$")):
            token = re.sub(r"\s+per\s+", "/", (match.group("bold") or match.group("word")).strip()).rstrip(".,;:")
            try:
                parsed = parse_unit(token)
                dimensioned = parsed.dimension_text != "1"
            except (UnitError, ValueError, KeyError, ZeroDivisionError):
                dimensioned = "/" in token  # an unknown compound unit, e.g. nats/token
            if dimensioned:
                return f"the text asks for {token!r} but the box says no unit"
        return ""
    unit = parse_unit(unit_text)
    if unit_text in text or any(_same_unit(token, unit) for token in _unit_tokens(text)):
        return ""
    return f"the box asks for {unit_text!r} but the text never names that unit"


def question_texts(solution) -> dict[str, str]:
    """Each question's markdown: the markdown cells since the previous question's
    code cell, from the last one that has a heading (so a set's introduction,
    with its "How to answer" examples, is not part of Q1)."""
    texts: dict[str, str] = {}
    pending: list[str] = []
    for cell in solution.cells:
        if cell.cell_type == "markdown":
            pending.append(MD_SOLUTION.sub("", cell.source))
        elif cell.cell_type == "code":
            asked = QUESTION_CALL.findall(transform_code(cell.source))
            headed = [i for i, text in enumerate(pending) if re.search(r"^#", text, re.M)]
            own = pending[headed[-1]:] if headed else pending
            for question in asked:
                texts[question] = "\n".join(own)
            if asked:
                pending = []
    return texts


def cmd_units(only: list[str] | None) -> int:
    status = 0
    for path in solution_notebooks(only):
        keys_path = SOLUTIONS / "keys" / f"{path.stem}.json"
        entries = keymod.read_document(keys_path)["questions"]
        texts = question_texts(nbformat.read(path, as_version=4))
        problems = []
        for question, entry in entries.items():
            if entry.get("kind") != "number":
                continue
            if question not in texts:
                problems.append(f"  {question}: not asked in {path.name} "
                                f"(is the key stale? build.py exercises {path.stem[:2]})")
                continue
            problem = unit_label_problem(entry.get("unit", ""), texts[question])
            if problem:
                problems.append(f"  {question}: {problem}")
        verdict = f"{len(problems)} unit label problem(s)" if problems else "unit labels agree with the text"
        print(f"set {path.stem[:2]}: {verdict}")
        print("\n".join(problems)) if problems else None
        status = status or (1 if problems else 0)
    return status


# ---------------------------------------------------------------------------
# "How to answer" examples must not be answers (issue 18 item 6)

CODE_SPAN = re.compile(r"`([^`\n]{1,40})`")


def example_answers(solution) -> list[str]:
    """The example inputs (code spans that read as a number) in a set's first markdown cell."""
    from scalecheck.core.units import parse_quantity
    from scalecheck.exercise.checks import is_blank

    first = next((c for c in solution.cells if c.cell_type == "markdown"), None)
    examples = []
    for span in CODE_SPAN.findall(first.source if first else ""):
        if is_blank(span):
            continue
        try:
            parse_quantity(span)
        except (ValueError, OverflowError):
            continue
        examples.append(span)
    return examples


def example_problems(path: Path) -> list[str]:
    """Each "How to answer" example judged correct or close for a question of the set."""
    from scalecheck.exercise.checks import NumberSpec, judge

    entries = keymod.read_document(SOLUTIONS / "keys" / f"{path.stem}.json")["questions"]
    problems = []
    for example in example_answers(nbformat.read(path, as_version=4)):
        for question, entry in entries.items():
            spec = keymod.spec_from_entry(entry)
            if isinstance(spec, NumberSpec):
                status = judge(question, example, spec).status
                if status in ("correct", "close"):
                    problems.append(f"  the example `{example}` is judged {status} for {question}")
    return problems


def cmd_examples(only: list[str] | None) -> int:
    status = 0
    for path in solution_notebooks(only):
        problems = example_problems(path)
        print(f"set {path.stem[:2]}: " + (f"{len(problems)} 'How to answer' example(s) give an answer away"
                                          if problems else "no 'How to answer' example is an answer"))
        if problems:
            print("\n".join(problems))
            status = 1
    return status


def cmd_hints(only: list[str] | None) -> int:
    """Report (never fail) which questions lack staged hints or mistake messages."""
    for path in solution_notebooks(only):
        entries = keymod.read_document(SOLUTIONS / "keys" / f"{path.stem}.json")["questions"]
        graded = {q: e for q, e in entries.items() if e.get("kind") != "written"}
        no_hints = [q for q, e in graded.items() if not e.get("hints")]
        no_mistakes = [q for q, e in graded.items() if e.get("kind") == "number" and not e.get("mistakes")]
        written = [q for q, e in entries.items() if e.get("kind") == "written"]
        print(f"set {path.stem[:2]}: {len(graded) - len(no_hints)} of {len(graded)} questions have staged hints; "
              f"{len(written)} written; number questions without a mistake message: {', '.join(no_mistakes) or 'none'}")
        if no_hints:
            print(f"  without staged hints: {', '.join(no_hints)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build exercises and keys from the solutions notebooks.")
    parser.add_argument("command", choices=("exercises", "check", "execute", "clean", "map", "printed", "units",
                                            "examples", "hints"))
    parser.add_argument("only", nargs="*", help="notebook name prefixes, e.g. 01")
    parser.add_argument("--no-keys", action="store_true",
                        help="exercises/check: exercise notebooks only, without executing the solutions for keys")
    parser.add_argument("--force", action="store_true",
                        help="exercises: also replace exercise notebooks that hold answers typed into them")
    args = parser.parse_args(argv)
    try:
        if args.command == "exercises":
            return cmd_exercises(args.only, with_keys=not args.no_keys, force=args.force)
        if args.command == "check":
            return cmd_check(args.only, with_keys=not args.no_keys)
        if args.command == "clean":
            return cmd_clean(args.only)
        if args.command == "map":
            return cmd_map()
        if args.command == "printed":
            return cmd_printed(args.only)
        if args.command == "units":
            return cmd_units(args.only)
        if args.command == "examples":
            return cmd_examples(args.only)
        if args.command == "hints":
            return cmd_hints(args.only)
        return cmd_execute(args.only)
    except BuildError as error:
        print(f"build error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
