#!/usr/bin/env python3
"""Set up the course's environment and open it. Standard library only.

Commands are listed by `python3 course.py --help`; see README.md for more.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SCALECHECK_VENV", ROOT / ".venv"))
FIRST_LESSON = "lessons/00_welcome.ipynb"
LAB_SETTINGS = ROOT / "tools" / "lab_settings"
# Bump when the way this script installs changes (the pins are hashed separately).
INSTALL_RECIPE = "2"
# --nbval-once (conftest.py): nbval's checks on lessons and solutions, from one execution
# per notebook that the build, exercise and site tests share (tests/notebook_runs.py)
# -n 2 --dist loadgroup (pytest-xdist): two workers (the machine the README times has two cores); the tests of
# a module with a costly shared fixture (a JupyterLab, a graded corpus) stay on one worker (conftest.py)
PYTEST_ARGS = [
    "tests", "lessons", "solutions",
    "--nbval-once", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
    "-n", "2", "--dist", "loadgroup",
]


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_tool(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def install_digest() -> str:
    """What an installed extra was built from: the pins and the install recipe."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(INSTALL_RECIPE.encode())
    return digest.hexdigest()


def stamp_file(extra: str) -> Path:
    """One stamp per extra ("base", "lab", "test"): switching commands reinstalls only what is missing."""
    return VENV / f".scalecheck-installed-{extra}"


def _pip(arguments: list[str]) -> None:
    """pip, quiet. Python warnings are off for it and its build backend: the one it
    prints here is setuptools' editable-install notice box, which a learner cannot act
    on. Everything pip itself reports still shows, and all output of a failed install."""
    command = [str(venv_python()), "-m", "pip", "--disable-pip-version-check", "--quiet"] + arguments
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, PYTHONWARNINGS="ignore"))
    if result.returncode != 0:
        print(result.stdout, file=sys.stderr)
        raise SystemExit(f"[course] installing failed (pip exit code {result.returncode}); its output is above.")
    if result.stdout.strip():
        print(result.stdout.rstrip(), flush=True)


def ensure_environment(extras: tuple[str, ...] = ()) -> None:
    """Create .venv and install the course with these extras, unless already current."""
    if sys.version_info < (3, 10):  # noqa: UP036 - course.py runs on whatever python3 a learner has
        sys.exit(f"[course] Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    needed = ("base",) + tuple(extras)
    digest = install_digest()
    missing = [extra for extra in needed
               if not (stamp_file(extra).exists() and stamp_file(extra).read_text() == digest)]
    if not venv_python().exists() or missing:
        if not venv_python().exists():
            say(f"creating a virtual environment in {VENV}")
            venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
            _pip(["install", "--upgrade", "pip"])  # older bundled pips cannot install editable from pyproject
        what = " and ".join(["the course"] + [f"its {extra} tools" for extra in extras])
        say(f"installing {what} with pinned versions (a few minutes the first time)")
        # editable: lessons find data/ and the keys next to the package's own folder
        target = f"{ROOT}[{','.join(extras)}]" if extras else str(ROOT)
        # --no-compile: no .pyc for every file of every package at install (about 150 MB, and time);
        # Python writes them for what a lesson actually imports, the first time it imports it
        _pip(["install", "--no-compile", "-e", target])
        if "test" in extras:
            compile_environment()
        for extra in needed:
            stamp_file(extra).write_text(digest)
    if "lab" in extras:
        install_lab_settings()


def compile_environment() -> None:
    """Bytecode for every module of the environment and the course, once, on both cores.

    The tests start hundreds of Python processes (kernels, sandboxed kernels that cannot write, workers).
    Where PYTHONDONTWRITEBYTECODE is set (CI machines often set it) none of them caches what it compiles,
    and without .pyc files every kernel compiles numpy, matplotlib and IPython again (a fresh clone's
    .venv held none). Learners (`lab`) skip this: see --no-compile above."""
    say("compiling the environment's modules once (the tests start hundreds of Python processes)")
    subprocess.run([str(venv_python()), "-m", "compileall", "-q", "-j", "0", str(VENV), str(ROOT / "scalecheck")],
                   stdout=subprocess.DEVNULL, check=False)


def install_lab_settings() -> None:
    """JupyterLab settings for the course: save widget state (answers travel with the
    notebook), no news pop-up, and two small extensions: Ctrl+S works inside an answer box,
    and arrow keys on a drop-down change its choice, not the cell (tools/lab_settings/labextensions)."""
    share = VENV / "share" / "jupyter"
    target = share / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LAB_SETTINGS / "overrides.json", target)
    for extension in sorted((LAB_SETTINGS / "labextensions").glob("*/package.json")):
        destination = share / "labextensions" / extension.parent.name
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(extension.parent, destination)


def lab_command(extra: list[str]) -> list[str]:
    """`jupyter lab` serving the whole course folder, opening lesson 00 (also the URL it prints)."""
    command = [str(venv_tool("jupyter")), "lab", f"--ServerApp.root_dir={ROOT}",
               f"--LabApp.default_url=/lab/tree/{FIRST_LESSON}"] + extra
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")
    return command


def course_environment() -> dict[str, str]:
    """Kernels use this folder's course (its keys or their absence, its data), whichever .venv runs them."""
    env = dict(os.environ, SCALECHECK_COURSE_ROOT=str(ROOT))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def run_lab(extra: list[str]) -> int:
    ensure_environment(("lab",))
    say(f"opening JupyterLab on {FIRST_LESSON} in {ROOT} (stop it with Ctrl+C)")
    try:
        return subprocess.call(lab_command(extra), cwd=ROOT, env=course_environment())
    except KeyboardInterrupt:
        return 0


def run_tests(extra: list[str]) -> int:
    ensure_environment(("lab", "test"))
    say("running every test: package, data, build drift, exercises, nbval on lessons and solutions")
    # the tests' own modules (pytest's rewritten test files, tools/) are cached too, whatever the caller set
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    code = subprocess.call([str(venv_python()), "-m", "pytest"] + PYTEST_ARGS + extra, cwd=ROOT, env=env)
    if code == 5:
        # pytest's "no tests collected": a suite that tested nothing has not passed
        say("pytest collected no tests (exit code 5); treating that as a failure")
        return 1
    return code


def run_site(extra: list[str]) -> int:
    ensure_environment(("lab", "site"))
    say("building the course site into site/ (lessons are executed; about a minute on two cores)")
    return subprocess.call([str(venv_python()), str(ROOT / "tools" / "build_site.py")] + extra, cwd=ROOT)


def run_module(module: str, extra: list[str], env: dict[str, str] | None = None) -> int:
    ensure_environment()
    return subprocess.call([str(venv_python()), "-m", module] + extra, cwd=os.getcwd(), env=env)


def commands() -> dict[str, tuple[str, object]]:
    """The commands that work in this folder: a hand-out has no tests, solutions or grader."""
    available: dict[str, tuple[str, object]] = {
        "lab": ("open JupyterLab on lesson 00 (installs the course in .venv first if needed);\n"
                "              extra arguments go to `jupyter lab`, e.g. --no-browser --ServerApp.port=8899",
                run_lab),
        "progress": ("show your progress: per exercise set, questions answered, correct, close, still open",
                     lambda extra: run_module("scalecheck.exercise.progress", extra, course_environment())),
    }
    if (ROOT / "tests").is_dir():
        available["test"] = ("install the test tools too and run every test; extra arguments go to pytest",
                             run_tests)
    if (ROOT / "tools" / "build_site.py").is_file():
        available["site"] = ("build the course as a static site in site/ (lessons executed, the claims ledger,\n"
                             "              glossary, search; works offline); site --help for options",
                             run_site)
    if (ROOT / "solutions").is_dir() and (ROOT / "scalecheck" / "classroom" / "release.py").exists():
        available["release"] = ("teachers: build a hand-out without keys or solutions, e.g.\n"
                                "              release 01 02 --out handout/   (release --help for options)",
                                lambda extra: run_module("scalecheck.classroom.release", extra))
        available["distribute"] = ("teachers: a hand-out as its own repository folder for JupyterHub\n"
                                   "              (nbgitpuller) or Binder, e.g. distribute 01 02 --out class-release/",
                                   lambda extra: run_module("scalecheck.classroom.distribute", extra))
    if (ROOT / "scalecheck" / "classroom" / "grading").is_dir():
        available["grade"] = ("teachers: grade a folder of submissions, e.g.\n"
                              "              grade submissions/ --out grades/   (grade --help for options and outputs)",
                              lambda extra: run_module("scalecheck.classroom.grading", extra))
    return available


def help_text(available: dict[str, tuple[str, object]]) -> str:
    lines = ["usage: python3 course.py COMMAND [arguments]", "", "commands:"]
    lines += [f"  {name:<11} {text}" for name, (text, _) in available.items()]
    lines += ["", f"Every command uses one virtual environment, {VENV} (SCALECHECK_VENV",
              "chooses another), created on first use with the versions pinned in pyproject.toml.",
              "`lab` installs what learners need" + ("; `test` adds the test tools." if "test" in available else ".")
              + " More in README.md."]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    available = commands()
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(help_text(available))
        return 0
    if argv[0] not in available:
        print(f"course.py: unknown command {argv[0]!r}; choose one of: {', '.join(available)}\n", file=sys.stderr)
        print(help_text(available), file=sys.stderr)
        return 2
    return available[argv[0]][1](argv[1:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
