"""Build what is generated from the solutions notebooks, or check it is current.

    python tools/build.py exercises   # solutions/*.ipynb -> exercises/*.ipynb + answer keys
    python tools/build.py check       # regenerate in a temp folder, fail on any difference
    python tools/build.py execute     # re-run lessons/ and solutions/ in place (stored outputs)

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

from scalecheck import keys as keymod  # noqa: E402

SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
LESSONS = ROOT / "lessons"

BEGIN_SOLUTION = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION\s*$")
END_SOLUTION = re.compile(r"^\s*### END SOLUTION\s*$")
BEGIN_HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$")
END_HIDDEN = re.compile(r"^\s*### END HIDDEN TESTS\s*$")
LINE_SOLUTION = re.compile(r"^(?P<lhs>\s*[^=#]+?=)(?!=).*#\s*SOLUTION\s*$")
MD_SOLUTION = re.compile(r"<!--\s*BEGIN SOLUTION\s*-->.*?<!--\s*END SOLUTION\s*-->\s*", re.S)
QUESTION_CALL = re.compile(r"\bex\.(?:number|choice|check|written)\(\s*['\"](?P<q>[A-Za-z0-9_]+)['\"]")
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
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
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
    files = {EXERCISES / solution_path.name: notebook_text(make_exercise_notebook(solution))}
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


def solution_notebooks(only: list[str] | None = None) -> list[Path]:
    paths = sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if any(p.stem.startswith(o) for o in only)]
    return paths


# ---------------------------------------------------------------------------
# Commands


def cmd_exercises(only: list[str] | None, with_keys: bool = True) -> int:
    for path in solution_notebooks(only):
        for target, text in generated_files(path, with_keys).items():
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                keymod.write_atomic(target, text)
                print(f"wrote {target.relative_to(ROOT)}")
    return 0


def cmd_check(only: list[str] | None) -> int:
    """Regenerate everything and compare with what is committed."""
    drift = 0
    expected_targets: set[Path] = set()
    for path in solution_notebooks(only):
        for target, text in generated_files(path).items():
            expected_targets.add(target)
            current = target.read_text(encoding="utf-8") if target.is_file() else ""
            if current != text:
                drift += 1
                print(f"DRIFT {target.relative_to(ROOT)} differs from what {path.name} generates:")
                diff = difflib.unified_diff(current.splitlines(), text.splitlines(), "committed", "generated", lineterm="", n=1)
                print("\n".join(list(diff)[:40]))
    if not only:
        generated_dirs = [EXERCISES, EXERCISES / "keys", SOLUTIONS / "keys"]
        for folder in generated_dirs:
            for stray in sorted(folder.glob("[0-9][0-9]_*")):
                if stray.is_file() and stray not in expected_targets:
                    drift += 1
                    print(f"DRIFT {stray.relative_to(ROOT)} has no solutions notebook behind it")
    print(f"{drift} generated file(s) out of date" if drift else "generated files are up to date")
    return 1 if drift else 0


def clean_executed(notebook) -> None:
    """Drop what changes on every run and carries no teaching value."""
    notebook.metadata.pop("widgets", None)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        # widget views point at state that is not stored: give them stable ids
        # so re-running a notebook does not rewrite every view in git
        for number, output in enumerate(cell.get("outputs", [])):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if isinstance(view, dict) and "model_id" in view:
                view["model_id"] = f"cell{index}-output{number}"


def cmd_execute(only: list[str] | None) -> int:
    paths = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb")) + solution_notebooks()
    if only:
        paths = [p for p in paths if any(p.stem.startswith(o) for o in only)]
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        execute(notebook, path.parent, {"SCALECHECK_STRICT": "1"})
        clean_executed(notebook)
        keymod.write_atomic(path, notebook_text(notebook))
        print(f"executed {path.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build exercises and keys from the solutions notebooks.")
    parser.add_argument("command", choices=("exercises", "check", "execute"))
    parser.add_argument("only", nargs="*", help="notebook name prefixes, e.g. 01")
    parser.add_argument("--no-keys", action="store_true", help="exercises only, without executing")
    args = parser.parse_args(argv)
    try:
        if args.command == "exercises":
            return cmd_exercises(args.only, with_keys=not args.no_keys)
        if args.command == "check":
            return cmd_check(args.only)
        return cmd_execute(args.only)
    except BuildError as error:
        print(f"build error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
