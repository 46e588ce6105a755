"""Numbers that may differ from one student to the next (the learner's side).

A solutions notebook lists them in one code cell tagged ``parameters``::

    from scalecheck.exercise import params

    P = params.vary(grok2_mfu=(0.30, 0.25, 0.38, 0.01))   # (default, low, high, step)

``vary`` returns the defaults (today's numbers, the ones the public course and
its committed key use). Choose a step that moves the answer by more than the
question's tolerance, so that a neighbouring variant's answer (or the public
solution's) is never judged right (tests/test_variants.py checks it). The
question's text names the parameter, its solution and its hidden key cell
compute from ``P.grok2_mfu``, so a different number gives a different, still
self-consistent, question.

A class hand-out built with ``course.py release --roster ... --variant-secret-file ...``
holds, in that cell, one student's own numbers instead::

    P = params.given(grok2_mfu=0.33)

The teacher's side (``scalecheck.classroom.variants``) draws those numbers
from a secret and computes each student's key; nothing here knows the secret
or any expected value. Only questions whose numbers are the exercise's own
assumptions are varied; a number a source states stays a literal.
"""
from __future__ import annotations

import ast
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

PARAMETERS_TAG = "parameters"
MAX_GRID = 10_000  # values one parameter may take; a larger grid is an author's mistake


class ParamsError(ValueError):
    """A parameter declaration that cannot be used."""


@dataclass(frozen=True)
class Spec:
    """One varied number: its default and the grid low, low + step, ..., high."""

    default: float
    low: float
    high: float
    step: float

    def grid(self) -> list[float]:
        """Every allowed value, rounded to the step's decimals (ints stay ints)."""
        count = int(round((self.high - self.low) / self.step)) + 1
        decimals = _decimals(self.step)
        integral = all(float(v).is_integer() for v in (self.low, self.step))
        values = [round(self.low + k * self.step, decimals) for k in range(count)]
        return [int(v) for v in values] if integral else values


def _decimals(step: float) -> int:
    """Decimal places that represent multiples of ``step`` (0.01 -> 2, 500 -> 0)."""
    text = repr(float(step))
    if "e" in text:
        return max(0, -int(text.split("e")[1])) + 6
    fraction = text.split(".")[1].rstrip("0")
    return len(fraction)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParamsError(f"{what} must be a finite number, got {value!r}")
    return value


def make_spec(name: str, declared: Any) -> Spec:
    """Check an author's ``(default, low, high, step)`` and return its Spec."""
    if not name.isidentifier() or name.startswith("_"):
        raise ParamsError(f"{name!r} is not a usable parameter name")
    if not isinstance(declared, (tuple, list)) or len(declared) != 4:
        raise ParamsError(f"{name}: give (default, low, high, step), got {declared!r}")
    default, low, high, step = (_number(v, f"{name}: each of (default, low, high, step)") for v in declared)
    if step <= 0 or low > high:
        raise ParamsError(f"{name}: needs low <= high and a step > 0")
    spec = Spec(default, low, high, step)
    count = (high - low) / step
    if count + 1 > MAX_GRID or abs(count - round(count)) > 1e-6:
        raise ParamsError(f"{name}: (high - low) must be a whole number of steps (at most {MAX_GRID})")
    if not any(math.isclose(default, v, rel_tol=1e-9, abs_tol=1e-12) for v in spec.grid()):
        raise ParamsError(f"{name}: the default {default!r} is not one of the allowed values low + k x step")
    return spec


class Params(Mapping):
    """The numbers of one hand-out: read as ``P.name`` or ``P["name"]``."""

    def __init__(self, values: dict[str, float], specs: dict[str, Spec] | None = None):
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_specs", dict(specs or {}))

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> float:
        try:
            return self._values[name]
        except KeyError:
            known = ", ".join(self._values) or "none"
            raise AttributeError(f"no parameter {name!r} in this set (its parameters: {known})") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the parameters are fixed for this hand-out; use them, do not change them")

    @property
    def specs(self) -> dict[str, Spec]:
        return dict(self._specs)

    def __repr__(self) -> str:
        return "Your numbers for this set: " + ", ".join(f"{k} = {v!r}" for k, v in self._values.items())

    def _repr_markdown_(self) -> str:
        rows = "".join(f"| `{k}` | {v!r} |\n" for k, v in self._values.items())
        head = "**Your numbers for this set** (use them where a question names them)\n\n"
        return head + "| name | value |\n|---|---|\n" + rows


def vary(**declared: tuple) -> Params:
    """Declare the varied numbers of a solutions notebook; returns the defaults."""
    specs = {name: make_spec(name, value) for name, value in declared.items()}
    return Params({name: spec.default for name, spec in specs.items()}, specs)


def given(**values: float) -> Params:
    """The numbers written into one student's hand-out."""
    return Params({name: _number(value, name) for name, value in values.items()})


# -- reading and rewriting a parameters cell (no code is run) -----------------

@dataclass(frozen=True)
class ParameterCell:
    variable: str               # the name the cell binds, e.g. "P"
    module: str                 # how the cell names this module, e.g. "params"
    specs: dict[str, Spec]
    first_line: int             # the assignment's lines in the cell, from 1
    last_line: int


def read_cell(source: str) -> ParameterCell:
    """Find ``NAME = params.vary(name=(default, low, high, step), ...)`` in a cell's source."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ParamsError(f"the parameters cell does not parse: {error}") from None
    found = [node for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
             and _called_name(node.value.func) == "vary"]
    if len(found) != 1 or len(found[0].targets) != 1 or not isinstance(found[0].targets[0], ast.Name):
        raise ParamsError("the parameters cell needs exactly one 'NAME = params.vary(...)'")
    node = found[0]
    if node.value.args or any(k.arg is None for k in node.value.keywords):
        raise ParamsError("params.vary takes keyword arguments only: name=(default, low, high, step)")
    specs = {}
    for keyword in node.value.keywords:
        try:
            declared = ast.literal_eval(keyword.value)
        except ValueError:
            raise ParamsError(f"{keyword.arg}: write (default, low, high, step) as plain numbers") from None
        specs[keyword.arg] = make_spec(keyword.arg, declared)
    func = node.value.func
    module = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
    return ParameterCell(node.targets[0].id, module, specs, node.lineno, node.end_lineno or node.lineno)


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def given_source(source: str, values: Mapping[str, float]) -> str:
    """The parameters cell with its ``vary(...)`` replaced by ``given(...)`` of ``values``."""
    cell = read_cell(source)
    if set(values) != set(cell.specs):
        raise ParamsError(f"values for {sorted(values)} do not match the declared {sorted(cell.specs)}")
    lines = source.splitlines()
    arguments = ", ".join(f"{name}={values[name]!r}" for name in cell.specs)
    call = f"{cell.module}.given" if cell.module else "given"
    replacement = ["# Your own numbers, drawn for you: other students have others",
                   f"{cell.variable} = {call}({arguments})"]
    return "\n".join(lines[: cell.first_line - 1] + replacement + lines[cell.last_line:])
