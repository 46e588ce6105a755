"""Per-student variants: each student's numbers and answer key (the teacher's side).

How a set varies (see ``scalecheck.exercise.params`` for the learner's side):

- The solutions notebook declares its varied numbers in one code cell tagged
  ``parameters``: ``P = params.vary(name=(default, low, high, step), ...)``.
  Its questions, solutions and hidden key cells use ``P.name``. Only numbers
  that are the exercise's own assumptions vary; a number a source states
  stays fixed. A set without such a cell is the same for everyone.
- A student's numbers come from HMAC-SHA256 keyed with the course secret over
  (set, student id, parameter name): each value is drawn evenly from the
  declared grid, leaving out the default (so the public solutions hold
  nothing to copy). The same (secret, set, student) always gives the same
  numbers; without the secret they cannot be guessed, since a student id
  and the ranges are all a student knows.
- A student's key is computed without running the notebook in a kernel: the
  notebook's *key program* -- its plain code cells (imports, data), the
  parameters cell rewritten to the student's numbers, and the hidden
  ``### BEGIN HIDDEN TESTS`` regions, whose ``ex.expect(...)`` calls are
  recorded -- runs in the teacher's process (solution regions and the
  question widgets are left out). The hidden regions may not use solution
  names (tools/build.py enforces it), so they run on their own. Results are
  cached per (set, numbers); with the default numbers the program gives the
  committed key, which tests/test_variants.py checks.
- The grader calls ``student_key`` in its own process and judges there; the
  sandboxed kernels see only the public question list, never a per-student
  key, and never the secret.
- The public question list's sanity range (``keys.public_entry``) spans
  several decades around the default answer; the tests check every varied
  question's extreme variants still fall inside it, so a learner's immediate
  check neither rejects their own correct answer nor hints at the default.

The secret is a file holding at least 16 characters (e.g. ``python3 -c "import
secrets; print(secrets.token_urlsafe(32))" > secret.txt``); keep it out of git.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
import re
import textwrap
from pathlib import Path
from typing import Any

from scalecheck.core.paths import PACKAGE_DIR
from scalecheck.exercise import keys as keymod
from scalecheck.exercise import params as paramsmod

COURSE_ROOT = PACKAGE_DIR.parent
MIN_SECRET_CHARS = 16
BEGIN_HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$")
END_HIDDEN = re.compile(r"^\s*### END HIDDEN TESTS\s*$")
SOLUTION_MARK = re.compile(r"^\s*### BEGIN SOLUTION\s*$|#\s*SOLUTION\s*$", re.M)


class VariantError(ValueError):
    """A secret, a declaration or a key program that cannot be used."""


def read_secret(path: Path) -> str:
    """The course secret from its file (surrounding whitespace ignored)."""
    path = Path(path)
    try:
        raw = path.read_bytes()[:4096]
    except OSError as error:
        raise VariantError(f"{path.name}: the variant secret could not be read ({error.strerror})") from None
    try:
        secret = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise VariantError(f"{path.name}: the variant secret is not UTF-8 text") from None
    if len(secret) < MIN_SECRET_CHARS:
        raise VariantError(f"{path.name}: the variant secret must hold at least {MIN_SECRET_CHARS} characters "
                           "(e.g. the output of: python3 -c \"import secrets; print(secrets.token_urlsafe(32))\")")
    return secret


# -- the solutions notebook ---------------------------------------------------

def _solution_path(set_name: str, course_root: Path) -> Path:
    if not re.fullmatch(r"\d\d_[A-Za-z0-9_]+", set_name or ""):
        raise VariantError(f"{set_name!r} is not an exercise set name")
    return Path(course_root) / "solutions" / f"{set_name}.ipynb"


@functools.lru_cache(maxsize=32)
def _cells(path: Path, mtime_ns: int) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(cell type, source, tags) of every cell; cached per file version."""
    document = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for cell in document.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        cells.append((cell.get("cell_type", ""), source, tuple(cell.get("metadata", {}).get("tags", []))))
    return tuple(cells)


def solution_cells(set_name: str, course_root: Path = COURSE_ROOT):
    path = _solution_path(set_name, course_root)
    if not path.is_file():
        raise VariantError(f"no solutions notebook for {set_name!r}")
    return _cells(path, path.stat().st_mtime_ns)


def parameter_cell(cells) -> tuple[int, paramsmod.ParameterCell] | None:
    """(index, parsed cell) of the cell tagged 'parameters', or None."""
    found = [(i, source) for i, (kind, source, tags) in enumerate(cells)
             if kind == "code" and paramsmod.PARAMETERS_TAG in tags]
    if not found:
        return None
    if len(found) > 1:
        raise VariantError("more than one cell is tagged 'parameters'")
    index, source = found[0]
    return index, paramsmod.read_cell(source)


def declared(set_name: str, course_root: Path = COURSE_ROOT) -> dict[str, paramsmod.Spec]:
    """The varied numbers a set declares ({} for a set that does not vary)."""
    found = parameter_cell(solution_cells(set_name, course_root))
    return found[1].specs if found else {}


# -- a student's numbers ------------------------------------------------------

def _draw(spec: paramsmod.Spec, digest: bytes) -> float:
    grid = spec.grid()
    choices = [v for v in grid if v != spec.default] or grid
    return choices[int.from_bytes(digest[:8], "big") % len(choices)]


def params_for(specs: dict[str, paramsmod.Spec], set_name: str, student_id: str, secret: str) -> dict[str, float]:
    """Each parameter drawn from HMAC(secret, set, student, name)."""
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_CHARS:
        raise VariantError(f"the variant secret must hold at least {MIN_SECRET_CHARS} characters")
    student = str(student_id).strip()
    if not student:
        raise VariantError("a student id is needed to draw the student's numbers")
    values = {}
    for name, spec in specs.items():
        message = "\0".join(("scalecheck-variant-1", set_name, student, name)).encode("utf-8")
        values[name] = _draw(spec, hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest())
    return values


def student_params(set_name: str, student_id: str, secret: str, course_root: Path = COURSE_ROOT) -> dict[str, float]:
    """The student's numbers for a set ({} when the set does not vary)."""
    return params_for(declared(set_name, course_root), set_name, student_id, secret)


# -- a student's key ----------------------------------------------------------

class _KeyRecorder:
    """Stands in for the exercise set: records expect(...), ignores the rest."""

    def __init__(self) -> None:
        self.entries: dict[str, dict] = {}

    def expect(self, question: str, kind: str = "number", **details: Any) -> None:
        entry = json.loads(json.dumps(keymod.make_entry(question, kind, **details)))  # as the key file stores it
        self.entries[question] = {"order": len(self.entries) + 1, **entry}

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def _hidden_regions(source: str) -> str:
    found, current = [], None
    for line in source.splitlines():
        if current is None and BEGIN_HIDDEN.match(line):
            current = []
        elif current is not None and END_HIDDEN.match(line):
            found.append(textwrap.dedent("\n".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    return "\n".join(found)


def key_program(cells, values: dict[str, float]) -> list[str]:
    """The code that makes a set's key for ``values`` (see the module docstring)."""
    found = parameter_cell(cells)
    program = []
    for index, (kind, source, _tags) in enumerate(cells):
        if kind != "code":
            continue
        if found and index == found[0]:
            program.append(paramsmod.given_source(source, values))
        elif BEGIN_HIDDEN.search(source) or any(BEGIN_HIDDEN.match(line) for line in source.splitlines()):
            program.append(_hidden_regions(source))
        elif not SOLUTION_MARK.search(source):
            program.append(source)
    return program


@functools.lru_cache(maxsize=256)
def _entries_for(set_name: str, course_root: str, values_json: str) -> str:
    cells = solution_cells(set_name, Path(course_root))
    recorder = _KeyRecorder()
    namespace: dict[str, Any] = {"__name__": f"scalecheck_key_{set_name}"}
    for number, source in enumerate(key_program(cells, json.loads(values_json))):
        try:
            # the teacher's own solutions notebook, run in the teacher's process (never a student's code)
            exec(compile(source, f"<{set_name} key program, part {number}>", "exec"), namespace)
        except Exception as error:
            raise VariantError(f"{set_name}: the key could not be computed "
                               f"({type(error).__name__}: {error})") from error
        namespace["ex"] = recorder  # after the setup cell opened the set: record instead of showing widgets
    return json.dumps(recorder.entries)


def key_entries(set_name: str, values: dict[str, float], course_root: Path = COURSE_ROOT) -> dict[str, dict]:
    """The key entries a set's key program gives for these numbers."""
    specs = declared(set_name, course_root)
    if set(values) != set(specs):
        raise VariantError(f"{set_name}: numbers for {sorted(values)}, but the set declares {sorted(specs)}")
    ordered = json.dumps({name: values[name] for name in specs})
    return json.loads(_entries_for(set_name, str(course_root), ordered))


def student_key(set_name: str, student_id: str, secret: str, base_key: dict,
                course_root: Path = COURSE_ROOT) -> dict:
    """The student's answer key, in the structure of ``base_key`` (a key
    document, or its questions table as the grader loads it)."""
    is_document = isinstance(base_key.get("questions"), dict) and "format" in base_key
    base_entries = base_key["questions"] if is_document else base_key
    values = student_params(set_name, student_id, secret, course_root)
    if not values:
        return copy.deepcopy(base_key)
    entries = key_entries(set_name, values, course_root)
    if set(entries) != set(base_entries):
        raise VariantError(f"{set_name}: the key program's questions {sorted(entries)} differ from the key's "
                           f"{sorted(base_entries)} (regenerate the key: tools/build.py exercises)")
    if is_document:
        return {**copy.deepcopy(base_key), "questions": entries}
    return entries
