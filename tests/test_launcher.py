"""course.py (the launcher) and `course.py release` (the hand-out), without a browser."""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from scalecheck.classroom import release

ROOT = Path(__file__).resolve().parent.parent


def _load_course(path: Path = ROOT / "course.py"):
    spec = importlib.util.spec_from_file_location("course_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(folder / "course.py"), *args], capture_output=True, text=True,
                          timeout=60)


# ---------------------------------------------------------------------------
# help and commands (issue 18, item 12)


@pytest.mark.parametrize("args", [[], ["--help"], ["-h"], ["help"]])
def test_help_is_plain_text_listing_every_command_and_exits_0(args):
    result = _run(ROOT, *args)
    assert result.returncode == 0, result.stderr
    for command in ("lab", "test", "release", "grade", "progress"):
        assert f"\n  {command} " in result.stdout
    assert "``" not in result.stdout and "::" not in result.stdout  # no rST markup
    assert "Both commands" not in result.stdout


def test_unknown_command_exits_2_with_a_message():
    result = _run(ROOT, "lba")
    assert result.returncode == 2
    assert "unknown command 'lba'" in result.stderr


def test_lab_serves_the_course_root_and_opens_lesson_00():
    course = _load_course()
    command = course.lab_command(["--no-browser"])
    assert f"--ServerApp.root_dir={ROOT}" in command
    assert "--LabApp.default_url=/lab/tree/lessons/00_welcome.ipynb" in command
    assert "lessons/00_welcome.ipynb" not in [c for c in command if not c.startswith("--")]  # not a positional file
    assert "--no-browser" in command  # extra arguments are forwarded


def test_kernels_use_the_launching_folders_course():
    env = _load_course().course_environment()
    assert env["SCALECHECK_COURSE_ROOT"] == str(ROOT)
    assert env["PYTHONPATH"].split(":")[0] == str(ROOT)


# ---------------------------------------------------------------------------
# installs (issue 18, item 11)


def test_lab_installs_only_the_lab_extra_and_test_adds_the_test_extra(tmp_path, monkeypatch):
    course = _load_course()
    monkeypatch.setattr(course, "VENV", tmp_path / "venv")
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").write_text("")
    installs = []
    monkeypatch.setattr(course, "_pip", lambda arguments: installs.append(arguments))
    monkeypatch.setattr(course, "install_lab_settings", lambda: None)
    compiled = []
    monkeypatch.setattr(course, "compile_environment", lambda: compiled.append(True))

    course.ensure_environment(("lab",))
    assert installs[-1] == ["install", "--no-compile", "-e", f"{ROOT}[lab]"]  # no .pyc for every file
    assert compiled == []  # a learner's install stays small
    count = len(installs)
    course.ensure_environment(("lab",))
    assert len(installs) == count, "a current lab install was redone"
    course.ensure_environment(("lab", "test"))
    assert installs[-1] == ["install", "--no-compile", "-e", f"{ROOT}[lab,test]"]
    assert compiled == [True]  # the tests' hundreds of processes get bytecode once
    course.ensure_environment(("lab",))
    course.ensure_environment()
    assert len(installs) == count + 1, "switching between commands reinstalled"
    assert sorted(p.name for p in (tmp_path / "venv").glob(".scalecheck-installed-*")) == [
        ".scalecheck-installed-base", ".scalecheck-installed-lab", ".scalecheck-installed-test"]


@pytest.mark.parametrize("code, expected", [(0, 0), (1, 1), (5, 1)])
def test_test_command_runs_everything_on_two_workers_and_treats_no_tests_as_failure(monkeypatch, code, expected):
    course = _load_course()
    monkeypatch.setattr(course, "ensure_environment", lambda extras=(): None)
    calls = []
    monkeypatch.setattr(course.subprocess, "call", lambda command, **kwargs: calls.append((command, kwargs)) or code)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert course.run_tests(["-x"]) == expected  # pytest's 5 is "collected nothing": not a pass
    command, options = calls[-1]
    assert "PYTHONDONTWRITEBYTECODE" not in options["env"]  # tests and tools/ are compiled once, not per process
    assert command[1:3] == ["-m", "pytest"] and command[-1] == "-x"
    for part in ("tests", "lessons", "solutions", "--nbval-once"):
        assert part in command
    # xdist: two workers, tests sharing a costly fixture kept together (conftest.py XDIST_GROUPS)
    assert command[command.index("-n") + 1] == "2"
    assert command[command.index("--dist") + 1] == "loadgroup"


def test_xdist_is_pinned_where_the_test_command_needs_it():
    text = (ROOT / "pyproject.toml").read_text()
    test = text.split("test = [", 1)[1].split("]", 1)[0]
    assert '"pytest-xdist==' in test


def test_pyproject_keeps_test_tools_out_of_the_lab_extra():
    text = (ROOT / "pyproject.toml").read_text()
    lab = text.split("lab = [", 1)[1].split("]", 1)[0]
    for tool in ("playwright", "pytest", "hypothesis", "nbval"):
        assert tool not in lab


def test_lab_settings_install_the_course_extensions(tmp_path, monkeypatch):
    course = _load_course()
    monkeypatch.setattr(course, "VENV", tmp_path)
    course.install_lab_settings()
    share = tmp_path / "share" / "jupyter"
    assert json.loads((share / "lab" / "settings" / "overrides.json").read_text())[
        "@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
    for name in ("scalecheck-save", "scalecheck-select-keys"):  # Ctrl+S in a box; arrow keys on a drop-down
        package = json.loads((share / "labextensions" / name / "package.json").read_text())
        assert (share / "labextensions" / name / package["jupyterlab"]["_build"]["load"]).exists()


# ---------------------------------------------------------------------------
# the hand-out (issue 18, items 5, 11, 13)


def test_local_links_to_missing_files_become_text(tmp_path):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "01_a.ipynb").write_text("{}")
    text = "[one](01_a.ipynb), [two](02_b.ipynb), [web](https://x.org/a.md), [up](../../etc/passwd.md)"
    assert release.unlink_missing(text, tmp_path / "lessons", tmp_path) == (
        "[one](01_a.ipynb), two, [web](https://x.org/a.md), up")


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    """A hand-out of set 01 built from a course whose exercises/01 a teacher has typed into."""
    course = tmp_path_factory.mktemp("course")
    for part in ("scalecheck", "data", "lessons", "exercises", "solutions", "tools", "docs"):
        shutil.copytree(ROOT / part, course / part, ignore=shutil.ignore_patterns("__pycache__", "*.answers.json"))
    for name in ("course.py", "pyproject.toml", "environment.yml", "postBuild"):
        shutil.copy2(ROOT / name, course / name)
    tried = course / "exercises" / "01_orders_of_magnitude.ipynb"
    notebook = nbformat.read(tried, as_version=4)
    notebook.cells[1].source = "TEACHER_TYPED_THIS = 42\n" + notebook.cells[1].source
    notebook.cells.append(nbformat.v4.new_code_cell("EXTRA_TEACHER_CELL = True"))
    nbformat.write(notebook, tried)
    out = tmp_path_factory.mktemp("release") / "handout"
    notes: list[str] = []
    release.build_release(["01"], out, course_root=course, notes=notes)
    return {"course": course, "out": out, "notes": notes}


def test_handout_exercises_are_generated_afresh_not_the_working_copy(handout):
    out, course = handout["out"], handout["course"]
    text = (out / "exercises" / "01_orders_of_magnitude.ipynb").read_text()
    assert "TEACHER_TYPED_THIS" not in text and "EXTRA_TEACHER_CELL" not in text
    build = release._builder(course)
    fresh = nbformat.reads(build.generated_files(course / "solutions" / "01_orders_of_magnitude.ipynb",
                                                 with_keys=False)[build.EXERCISES / "01_orders_of_magnitude.ipynb"],
                           as_version=4)
    shipped = nbformat.read(out / "exercises" / "01_orders_of_magnitude.ipynb", as_version=4)
    assert [c.source for c in shipped.cells] == [c.source for c in fresh.cells]
    assert any("differs from what solutions/01" in note for note in handout["notes"])


def test_handout_holds_nothing_secret_or_teacher_only(handout):
    out = handout["out"]
    assert not (out / "solutions").exists()
    assert not (out / "scalecheck" / "classroom").exists()
    assert not (out / "tests").exists()
    public = json.loads((out / "exercises" / "keys" / "01_orders_of_magnitude.json").read_text())
    assert all("expected" not in entry for entry in public["questions"].values())
    assert not (out / "docs" / "capstone_rubric.md").exists()


def test_handout_environment_installs_the_course_but_no_test_tools(handout):
    environment = (handout["out"] / "environment.yml").read_text(encoding="utf-8")
    assert "jupyterlab==" in environment and "numpy==" in environment
    for tool in ("pytest", "nbval", "hypothesis", "playwright", "ruff"):
        assert tool not in environment, tool


def test_handout_launcher_offers_only_what_works_there(handout):
    result = _run(handout["out"], "--help")
    assert result.returncode == 0
    assert "\n  lab " in result.stdout and "\n  progress " in result.stdout
    for missing in ("test", "release", "grade", "distribute"):
        assert f"\n  {missing} " not in result.stdout
    assert _run(handout["out"], "test").returncode == 2


def test_handout_text_never_says_solutions_are_there(handout):
    out = handout["out"]
    for path in [out / "README.md"] + sorted(out.rglob("*.ipynb")):
        text = path.read_text()
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        assert "Solutions are in" not in text, path
        assert "](../solutions" not in text and "](solutions" not in text, path


def test_handout_links_only_to_files_it_holds(handout):
    out = handout["out"]
    for path in sorted(out.rglob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                for match in release.LOCAL_LINK.finditer(cell.source):
                    assert (path.parent / match.group(2)).exists(), f"{path.name}: dead link {match.group(0)}"


# ---------------------------------------------------------------------------
# navigation (issue 18, item 1): every lesson and set is reachable from lesson 00, and no link is dead


def _links(path: Path) -> list[str]:
    return [m.group(2) for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"
            for m in release.LOCAL_LINK.finditer(c.source)]


def test_lesson_00_links_every_lesson_and_exercise_set():
    linked = {(ROOT / "lessons" / target).resolve() for target in _links(ROOT / "lessons" / "00_welcome.ipynb")}
    wanted = set(p.resolve() for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb")) | set(
        p.resolve() for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
    wanted.discard((ROOT / "lessons" / "00_welcome.ipynb").resolve())
    assert not wanted - linked, f"lesson 00 does not link: {sorted(p.name for p in wanted - linked)}"


@pytest.mark.parametrize("folder", ["lessons", "exercises"])
def test_no_dead_local_links(folder):
    dead = [f"{p.name}: {target}" for p in sorted((ROOT / folder).glob("*.ipynb")) for target in _links(p)
            if not (p.parent / target).exists()]
    assert not dead


def test_release_from_a_checkout_with_typed_answers_does_not_say_regenerate(tmp_path):
    """In a git checkout whose committed hand-out is current, an answered exercises/01 is someone's work:
    the note says so, instead of advising `tools/build.py exercises`, which would overwrite it."""
    import subprocess

    course = tmp_path / "course"
    for part in ("scalecheck", "data", "lessons", "exercises", "solutions", "tools", "docs"):
        shutil.copytree(ROOT / part, course / part, ignore=shutil.ignore_patterns("__pycache__", "*.answers.json"))
    for name in ("course.py", "pyproject.toml", "environment.yml", "postBuild"):
        shutil.copy2(ROOT / name, course / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "course"]):
        subprocess.run(git + command, cwd=course, check=True, capture_output=True)
    tried = course / "exercises" / "01_orders_of_magnitude.ipynb"
    tried.write_text(tried.read_text(encoding="utf-8").replace("= ...", "= 7.9e19", 1), encoding="utf-8")
    notes: list[str] = []
    release.build_release(["01"], tmp_path / "handout", course_root=course, notes=notes)
    assert any("holds answers typed into it" in note for note in notes), notes
    assert not any("tools/build.py exercises" in note for note in notes), notes
    assert "7.9e19" not in (tmp_path / "handout" / "exercises" / "01_orders_of_magnitude.ipynb").read_text()
