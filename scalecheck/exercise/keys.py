"""Answer keys: what each question expects, as JSON the checks and the grader read.

A key is written by ``tools/build.py exercises`` from the ``ex.expect(...)``
cells of a solutions notebook. Two files come out per exercise set:

- ``solutions/keys/NN_name.json``: the full key (expected values, known
  mistakes, hints, test cases). It never goes into a student hand-out.
- ``exercises/keys/NN_name.json``: the public question list (kind, unit,
  options, points, sign, a wide sanity range). Enough for the checks to give
  non-revealing feedback, nothing more.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from scalecheck.exercise.checks import ChoiceSpec, FunctionSpec, NumberSpec, WrittenSpec

KINDS = ("number", "choice", "function", "written")
KEY_FORMAT = 1


class KeyError_(ValueError):
    """A key file or entry is malformed."""


def _finite(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise KeyError_(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise KeyError_(f"{what} must be finite, got {value!r}")
    return number


def make_entry(question: str, kind: str, *, expected: Any = None, unit: str = "",
               judge: str = "rel", rel_tol: float = 0.02, factor: float = 2.0,
               mistakes: Any = (), hint: str = "", points: float = 1.0,
               options: Any = (), explanations: Any = None, cases: Any = (),
               function_name: str = "", hints: Any = (), rubric: str = "",
               model_answer: str = "", min_words: int = 0) -> dict:
    """Validate an author's ``expect`` arguments and return a JSON-ready entry.

    ``hints``: more specific hints for the 2nd, 3rd, ... wrong answer (the
    first gets ``hint``). Stored only when given, so keys written before
    hints existed stay byte-identical.
    """
    if kind not in KINDS:
        raise KeyError_(f"{question}: kind must be one of {KINDS}")
    entry: dict[str, Any] = {"kind": kind, "points": _finite(points, "points"), "hint": str(hint)}
    if isinstance(hints, str):
        hints = [hints]
    if hints:
        entry["hints"] = [str(h) for h in hints]
    if kind == "number":
        from scalecheck.core.units import parse_unit

        parse_unit(unit or "1")  # raises on an unknown unit
        if judge not in ("rel", "log"):
            raise KeyError_(f"{question}: judge must be 'rel' or 'log'")
        entry.update(
            unit=unit, expected=_finite(expected, f"{question} expected"), judge=judge,
            rel_tol=_finite(rel_tol, "rel_tol"), factor=_finite(factor, "factor"),
            mistakes=[[_finite(v, f"{question} mistake"), str(h)] for v, h in mistakes],
        )
    elif kind == "choice":
        options = [str(o) for o in options]
        if str(expected) not in options:
            raise KeyError_(f"{question}: expected {expected!r} is not among the options {options}")
        entry.update(options=options, expected=str(expected),
                     explanations=[[str(k), str(v)] for k, v in dict(explanations or {}).items()])
    elif kind == "written":
        if not str(rubric).strip():
            raise KeyError_(f"{question}: a written question needs a rubric (what earns the points)")
        words = int(_finite(min_words, f"{question} min_words"))
        if words < 0:
            raise KeyError_(f"{question}: min_words must be >= 0")
        entry.update(rubric=str(rubric), model_answer=str(model_answer), min_words=words)
    else:
        entry.update(
            function_name=function_name or "your function", rel_tol=_finite(rel_tol, "rel_tol"),
            cases=[[list(args), _finite(out, f"{question} case output")] for args, out in cases],
        )
        if not entry["cases"]:
            raise KeyError_(f"{question}: a function question needs test cases")
    return entry


def _plausible_range(question: str, expected: float) -> list[float]:
    """A wide range of powers of ten around the answer, off-centre by a
    per-question amount so its middle does not give the answer away."""
    magnitude = math.log10(abs(expected)) if expected else 0.0
    seed = hashlib.sha256(question.encode()).digest()
    below, above = 2 + seed[0] % 3, 2 + seed[1] % 3  # 2 to 4 decades each way
    return [10.0 ** (math.floor(magnitude) - below), 10.0 ** (math.ceil(magnitude) + above)]


def public_entry(question: str, entry: dict) -> dict:
    """The part of a key entry that may go to students."""
    public = {"kind": entry["kind"], "points": entry["points"]}
    if "order" in entry:
        public["order"] = entry["order"]
    if entry["kind"] == "number":
        expected = entry["expected"]
        public.update(unit=entry["unit"], judge=entry["judge"],
                      sign=0 if expected == 0 else (1 if expected > 0 else -1),
                      plausible=_plausible_range(question, expected))
    elif entry["kind"] == "choice":
        public.update(options=entry["options"])
    elif entry["kind"] == "written":
        public.update(min_words=entry.get("min_words", 0))  # never the model answer or rubric
    else:
        public.update(function_name=entry["function_name"])
    return public


def _hints(entry: dict) -> tuple[str, ...]:
    hints = entry.get("hints") or ()
    return tuple(str(h) for h in hints) if isinstance(hints, (list, tuple)) else ()


def spec_from_entry(entry: dict, has_answers: bool = True):
    """Turn a (full or public) key entry into the spec a check function takes."""
    kind = entry.get("kind")
    if kind == "number":
        return NumberSpec(
            unit=entry.get("unit", ""),
            expected=entry.get("expected") if has_answers else None,
            judge=entry.get("judge", "rel"),
            rel_tol=entry.get("rel_tol", 0.02),
            factor=entry.get("factor", 2.0),
            mistakes=tuple((float(v), str(h)) for v, h in entry.get("mistakes", [])),
            hint=entry.get("hint", ""),
            hints=_hints(entry),
            sign=int(entry.get("sign", 0)),
            plausible=tuple(entry["plausible"]) if entry.get("plausible") else None,
        )
    if kind == "choice":
        return ChoiceSpec(
            options=tuple(entry.get("options", ())),
            expected=entry.get("expected") if has_answers else None,
            explanations=tuple((k, v) for k, v in entry.get("explanations", [])),
            hint=entry.get("hint", ""),
            hints=_hints(entry),
        )
    if kind == "function":
        cases = tuple((tuple(args), float(out)) for args, out in entry.get("cases", [])) if has_answers else ()
        return FunctionSpec(cases=cases, rel_tol=entry.get("rel_tol", 1e-6),
                            hint=entry.get("hint", ""), name=entry.get("function_name", "your function"),
                            hints=_hints(entry))
    if kind == "written":
        return WrittenSpec(
            min_words=int(entry.get("min_words", 0) or 0),
            rubric=str(entry.get("rubric", "")) if has_answers else "",
            model_answer=str(entry.get("model_answer", "")) if has_answers else "",
            hint=entry.get("hint", ""),
            hints=_hints(entry),
        )
    raise KeyError_(f"unknown question kind {kind!r}")


def key_document(exercise_set: str, entries: dict[str, dict]) -> dict:
    return {"format": KEY_FORMAT, "exercise_set": exercise_set, "questions": entries}


def public_document(exercise_set: str, entries: dict[str, dict]) -> dict:
    return key_document(exercise_set, {q: public_entry(q, e) for q, e in entries.items()})


def dumps(document: dict) -> str:
    """Stable JSON text: the same key always gives the same bytes."""
    return json.dumps(document, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give what open() would
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_document(path: Path) -> dict:
    """Read and sanity-check a key or public key file."""
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if not isinstance(document, dict) or not isinstance(document.get("questions"), dict):
        raise KeyError_(f"{path}: not a key file (no 'questions' table)")
    if document.get("format") != KEY_FORMAT:
        raise KeyError_(f"{path}: key format {document.get('format')!r}, expected {KEY_FORMAT}")
    for question, entry in document["questions"].items():
        if not isinstance(entry, dict) or entry.get("kind") not in KINDS:
            raise KeyError_(f"{path}: question {question!r} has no valid kind")
    return document
