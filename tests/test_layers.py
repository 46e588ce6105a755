"""The package's layers, enforced by reading every module's imports (ast, nothing is imported).

    core  <-  models  <-  exercise, ui  <-  classroom

A layer may import the layers to its left, never one to its right (exercise and
ui are siblings). On top of that:

- core and models stay free of widgets (``ipywidgets``): they are the pure,
  testable part a lesson calls;
- nothing outside ``classroom`` imports it: it is the teacher-only layer that a
  hand-out and the grader's kernels leave out;
- no import cycle between scalecheck modules (imports that run when a module is
  loaded; an import inside a function runs later and breaks no cycle).

docs/architecture.md describes the layers; the tests at the end feed the checker
synthetic modules, so a checker that finds nothing cannot pass by accident.
"""
from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scalecheck"

# rank of each layer: an import may only go to an equal or lower rank (siblings share one)
LAYER_RANK = {"core": 0, "models": 1, "exercise": 2, "ui": 2, "classroom": 3}
TEACHER_ONLY = "classroom"
NO_WIDGETS = {"core", "models"}
WIDGET_PACKAGES = {"ipywidgets"}


@dataclass(frozen=True)
class Import:
    source: str      # importing module, e.g. scalecheck.models.agi
    target: str      # imported module or package, e.g. scalecheck.core.units, ipywidgets
    line: int
    at_load: bool    # runs when the module is loaded (not inside a function, not TYPE_CHECKING)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of a (possibly relative) ``from`` import's module."""
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def imports_of(source_text: str, module: str, is_package: bool = False,
               known_modules: set[str] | frozenset[str] = frozenset()) -> list[Import]:
    """Every import statement of one module, absolute, with whether it runs at load time.

    ``from package import name`` counts as importing ``package.name`` when that is a
    module (``known_modules``), else as importing ``package``."""
    found: list[Import] = []

    def visit(node: ast.AST, at_load: bool) -> None:
        for child in ast.iter_child_nodes(node):
            child_at_load = at_load
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                child_at_load = False
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.body:
                    visit_statement(statement, False)
                for statement in child.orelse:
                    visit_statement(statement, at_load)
                continue
            visit_statement(child, child_at_load, recurse=True)

    def visit_statement(node: ast.AST, at_load: bool, recurse: bool = True) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(module, alias.name, node.lineno, at_load))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                target = candidate if candidate in known_modules else base
                found.append(Import(module, target, node.lineno, at_load))
        if recurse:
            visit(node, at_load and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(source_text), True)
    return found


def package_sources(package: Path = PACKAGE, root: Path = ROOT) -> dict[str, tuple[str, bool]]:
    """module name -> (source text, is a package __init__), for every .py under the package."""
    return {module_name(p, root): (p.read_text(encoding="utf-8"), p.name == "__init__.py")
            for p in sorted(package.rglob("*.py"))}


def all_imports(sources: dict[str, tuple[str, bool]]) -> list[Import]:
    known = set(sources)
    result: list[Import] = []
    for name, (text, is_package) in sources.items():
        result += imports_of(text, name, is_package, known)
    return result


def layer_of(module: str) -> str | None:
    """'models' for scalecheck.models.agi; 'core' for the root package; None outside scalecheck."""
    parts = module.split(".")
    if parts[0] != "scalecheck":
        return None
    if len(parts) == 1:
        return "core"  # scalecheck/__init__.py is loaded by every import: it may import nothing above core
    return parts[1] if parts[1] in LAYER_RANK else "unlayered"


def layer_violations(imports: list[Import]) -> list[str]:
    problems = []
    for item in imports:
        here, there = layer_of(item.source), layer_of(item.target)
        where = f"{item.source} line {item.line} imports {item.target}"
        if here == "unlayered":
            problems.append(f"{item.source} is in no layer (put it under one of {sorted(LAYER_RANK)})")
            continue
        if there is None:
            if here in NO_WIDGETS and item.target.split(".")[0] in WIDGET_PACKAGES:
                problems.append(f"{where}: widgets belong in scalecheck.ui, not in {here}")
            continue
        if there == TEACHER_ONLY and here != TEACHER_ONLY:
            problems.append(f"{where}: classroom is teacher-only and left out of hand-outs")
        elif there in LAYER_RANK and LAYER_RANK[there] > LAYER_RANK[here]:
            problems.append(f"{where}: {here} may not import {there} (a layer above it)")
        elif here != there and LAYER_RANK.get(there) == LAYER_RANK[here]:
            problems.append(f"{where}: {here} and {there} are siblings and stay independent")
    return sorted(set(problems))


def import_cycles(imports: list[Import]) -> list[list[str]]:
    """Strongly connected groups (Tarjan) of scalecheck modules importing each other at load time."""
    graph: dict[str, set[str]] = {}
    for item in imports:
        if item.at_load and layer_of(item.target) is not None and item.target != item.source:
            graph.setdefault(item.source, set()).add(item.target)
            graph.setdefault(item.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return cycles


# ---------------------------------------------------------------------------
# The package as it is


@pytest.fixture(scope="module")
def package_imports() -> list[Import]:
    return all_imports(package_sources())


def test_every_module_sits_in_a_layer():
    names = package_sources()
    assert len(names) > 20, "the checker found too few modules to be reading the package"
    loose = [n for n in names if layer_of(n) == "unlayered"]
    assert loose == [], f"modules outside core/models/exercise/ui/classroom: {loose}"


def test_layers_import_only_downwards(package_imports):
    assert any(layer_of(i.target) is not None for i in package_imports), "no scalecheck import was found"
    assert layer_violations(package_imports) == []


def test_no_import_cycle(package_imports):
    assert import_cycles(package_imports) == []


# ---------------------------------------------------------------------------
# The checker catches what it should (synthetic modules, so it cannot pass vacuously)


def _check(modules: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    sources = {name: (textwrap.dedent(text), False) for name, text in modules.items()}
    imports = all_imports(sources)
    return layer_violations(imports), import_cycles(imports)


@pytest.mark.parametrize("module, source, expected", [
    ("scalecheck.core.units", "from scalecheck.models import agi\n", "core may not import models"),
    ("scalecheck.core.units", "import scalecheck.exercise.checks\n", "core may not import exercise"),
    ("scalecheck.models.agi", "import ipywidgets as widgets\n", "widgets belong in scalecheck.ui"),
    ("scalecheck.models.agi", "from ipywidgets import IntSlider\n", "widgets belong in scalecheck.ui"),
    ("scalecheck.models.agi", "from scalecheck.ui.widgets import Explorer\n", "models may not import ui"),
    ("scalecheck.models.agi", "from scalecheck.exercise import checks\n", "models may not import exercise"),
    ("scalecheck.models.agi", "def f():\n    from scalecheck.classroom import release\n", "teacher-only"),
    ("scalecheck.exercise.keys", "from scalecheck.classroom.grading import grade\n", "teacher-only"),
    ("scalecheck.ui.widgets", "from scalecheck.classroom import feedback_report\n", "teacher-only"),
    ("scalecheck.ui.widgets", "from scalecheck.exercise.checks import judge\n", "siblings"),
    ("scalecheck.extras", "import os\n", "is in no layer"),
])
def test_checker_catches_a_layer_violation(module, source, expected):
    problems, _ = _check({module: source})
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("module, source", [
    ("scalecheck.models.agi", "from scalecheck.core import units\nimport numpy\n"),
    ("scalecheck.ui.widgets", "import ipywidgets\nfrom scalecheck.models import agi\n"),
    ("scalecheck.classroom.release", "from scalecheck.exercise.keys import write_atomic\n"),
    ("scalecheck.classroom.grading.runner", "from .scoring import score\nfrom ..release import x\n"),
])
def test_checker_allows_downward_imports(module, source):
    assert _check({module: source})[0] == []


def test_relative_imports_are_resolved():
    found = imports_of("from . import late\nfrom ..release import x\nfrom .scoring import score\n",
                       "scalecheck.classroom.grading.runner", False,
                       {"scalecheck.classroom.grading.late"})
    assert [i.target for i in found] == ["scalecheck.classroom.grading.late", "scalecheck.classroom.release",
                                         "scalecheck.classroom.grading.scoring"]
    in_package = imports_of("from .discovery import discover\n", "scalecheck.classroom.grading", True)
    assert in_package[0].target == "scalecheck.classroom.grading.discovery"


def test_checker_finds_a_cycle_at_load_time_only():
    _, cycles = _check({
        "scalecheck.models.a": "from scalecheck.models import b\n",
        "scalecheck.models.b": "import scalecheck.models.c\n",
        "scalecheck.models.c": "from scalecheck.models.a import thing\n",
    })
    assert cycles == [["scalecheck.models.a", "scalecheck.models.b", "scalecheck.models.c"]]
    _, deferred = _check({
        "scalecheck.models.a": "from scalecheck.models import b\n",
        "scalecheck.models.b": "def late():\n    from scalecheck.models import a\n",
    })
    assert deferred == []
    _, typing_only = _check({
        "scalecheck.models.a": "from scalecheck.models import b\n",
        "scalecheck.models.b": ("from typing import TYPE_CHECKING\n"
                                "if TYPE_CHECKING:\n    from scalecheck.models import a\n"),
    })
    assert typing_only == []


def test_architecture_doc_names_every_layer_and_module():
    """docs/architecture.md matches the tree: a new module gets its line in the doc."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = []
    for name in package_sources():
        parts = name.split(".")
        leaf = parts[-1]
        if len(parts) == 1 or leaf == "__main__" or re.fullmatch(r"lesson\d\d", leaf):
            continue  # the root package; explorer modules are covered by 'explorers/lessonNN'
        if not re.search(rf"(?<![\w]){re.escape(leaf)}(?![\w])", text):
            missing.append(name)
    assert missing == [], f"not described in docs/architecture.md: {missing}"
    for layer in LAYER_RANK:
        assert f"scalecheck/{layer}/" in text
