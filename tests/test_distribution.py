"""Handing a release to a class (issue 15, item 7): its own repository folder for JupyterHub + nbgitpuller and Binder.

One hand-out is built (set 01) and read back: the learner environment installs the course's runtime pins and
JupyterLab and nothing from the test extra; no solutions, full keys or teacher-only code; Binder's config opens
lesson 00; a notebook folder imports the package from the pulled folder without any install.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from scalecheck.classroom import distribute

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[=<>;\s]", r, maxsplit=1)[0].lower() for r in requirements}


def _pip_pins(environment: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+-\s+([A-Za-z0-9_.-]+)==(\S+)$", environment, re.M))


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    # the solutions' kernels import this checkout's package, whatever the venv's editable install points at
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([saved] if saved else []))
    try:
        return _build(tmp_path_factory)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


def _build(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "class-release"
    code = distribute.main(["01", "--out", str(out), "--repo", "https://github.com/teacher/scaling-2027",
                            "--branch", "term-1", "--hub", "https://hub.uni.example"])
    assert code == 0
    return out


def test_learner_environment_has_no_test_tools(handout):
    test_only = _names(distribute._quoted_list(PYPROJECT, "test")) - _names(distribute.learner_requirements(PYPROJECT))
    assert {"pytest", "nbval", "hypothesis", "playwright"} <= test_only
    for name in ("binder/environment.yml", "environment.yml", "requirements.txt"):
        text = (handout / name).read_text(encoding="utf-8").lower()
        assert not [tool for tool in test_only if re.search(rf"^\s*-?\s*{re.escape(tool)}\b", text, re.M)], name
    binder = (handout / "binder" / "environment.yml").read_text(encoding="utf-8")
    assert binder == (handout / "environment.yml").read_text(encoding="utf-8")
    # every runtime and lab pin of pyproject (for Python 3.11) is there, at its version
    wanted = dict(p.split("==") for p in distribute.conda_pins(distribute.learner_requirements(PYPROJECT)))
    assert _pip_pins(binder) == wanted and {"numpy", "ipywidgets", "jupyterlab"} <= set(wanted)
    assert "  - python=3.11" in binder.splitlines()
    requirements = (handout / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "ipywidgets==8.1.9" in requirements or any(r.startswith("ipywidgets==") for r in requirements)


def test_no_solutions_keys_or_teacher_code(handout):
    assert not (handout / "solutions").exists()
    assert not (handout / "scalecheck" / "classroom").exists()
    assert not list(handout.rglob("*solution*"))
    for key in (handout / "exercises" / "keys").glob("*.json"):
        for entry in json.loads(key.read_text())["questions"].values():
            assert "expected" not in entry and "model_answer" not in entry, key.name
    assert (handout / "exercises" / "01_orders_of_magnitude.ipynb").is_file()


def test_binder_config_opens_lesson_00(handout):
    post = handout / "binder" / "postBuild"
    assert os.access(post, os.X_OK)
    text = post.read_text(encoding="utf-8")
    assert "pip install --quiet --no-deps -e ." in text and 'cd "$(dirname "$0")/.."' in text
    settings = json.loads(text.split("<<'JSON'\n", 1)[1].split("\nJSON", 1)[0])
    assert settings["ServerApp"]["default_url"] == "/lab/tree/lessons/00_welcome.ipynb"
    assert (handout / "lessons" / "00_welcome.ipynb").is_file()
    assert subprocess.run(["bash", "-n", str(post)]).returncode == 0
    page = (handout / "DISTRIBUTE.md").read_text(encoding="utf-8")
    binder = re.search(r"<(https://mybinder\.org/[^>]+)>", page).group(1)
    assert binder == "https://mybinder.org/v2/gh/teacher/scaling-2027/term-1?urlpath=lab/tree/lessons/00_welcome.ipynb"
    puller = urlsplit(re.search(r"<(https://hub\.uni\.example/[^>]+)>", page).group(1))
    assert puller.path == "/hub/user-redirect/git-pull"
    assert parse_qs(puller.query) == {"repo": ["https://github.com/teacher/scaling-2027"], "branch": ["term-1"],
                                      "urlpath": ["lab/tree/scaling-2027/lessons/00_welcome.ipynb"]}
    assert "OWNER/REPO" not in page


def test_a_pulled_folder_imports_its_own_package_without_install(handout):
    """On a hub, nbgitpuller only clones: the kernel starts in the notebook's folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCALECHECK_") and k != "PYTHONPATH"}
    for folder in ("lessons", "exercises"):
        found = subprocess.run([sys.executable, "-c", "from scalecheck.core import paths; "
                                "print(paths.course_root()); print(paths.full_key_dir().exists())"],
                               cwd=handout / folder, env=env, capture_output=True, text=True, check=True)
        assert found.stdout.split() == [str(handout.resolve()), "False"], found


def test_bad_addresses_are_refused_before_building(tmp_path, capsys):
    assert distribute.main(["01", "--out", str(tmp_path / "x"), "--repo", "git@github.com:me/r.git"]) == 2
    assert "https://github.com/OWNER/REPO" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_placeholders_are_marked(tmp_path):
    page = distribute._distribute_md(["01_orders_of_magnitude"], distribute.REPO_PLACEHOLDER, "main",
                                     distribute.HUB_PLACEHOLDER)
    assert "placeholders" in page and "--repo" in page


def test_docs_describe_the_links():
    doc = (ROOT / "docs" / "distribute.md").read_text(encoding="utf-8")
    assert "python -m scalecheck.classroom.distribute" in doc
    assert "/hub/user-redirect/git-pull?repo=" in doc and "mybinder.org/v2/gh/" in doc
    assert "lessons/00_welcome.ipynb" in doc


def test_teaching_walkthrough_is_in_order_and_its_grade_options_exist():
    from scalecheck.classroom import release
    from scalecheck.classroom.grading import orchestrate

    doc = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    headings = [h.lower() for h in re.findall(r"^## \d+\. (.+)$", doc, re.M)]
    steps = ["roster", "release", "distribution", "collecting", "grading", "manual", "late", "exports", "re-grading"]
    assert [next(i for i, h in enumerate(headings) if step in h) for step in steps] == list(range(len(steps)))
    known = {option for action in orchestrate._parser()._actions for option in action.option_strings}
    written = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", doc)) - {"--repo", "--hub", "--out", "--force"}
    release_options = {"--roster", "--variant-secret-file"}
    assert written - known - release_options == set()
    assert release_options <= {o for a in _release_parser(release)._actions for o in a.option_strings}


def _release_parser(release):
    """release.main's parser, caught before it parses."""
    import argparse

    found = {}

    class Stop(Exception):
        pass

    original = argparse.ArgumentParser.parse_args

    def capture(self, *args, **kwargs):
        found["parser"] = self
        raise Stop

    argparse.ArgumentParser.parse_args = capture
    try:
        release.main(["01", "--out", "x"])
    except Stop:
        pass
    finally:
        argparse.ArgumentParser.parse_args = original
    return found["parser"]


def test_the_next_release_into_the_checkout_keeps_its_git_history(handout, tmp_path, monkeypatch):
    checkout = tmp_path / "class-repo"
    shutil.copytree(handout, checkout, symlinks=True)
    (checkout / ".git").mkdir()
    (checkout / ".git" / "HEAD").write_text("ref: refs/heads/term-1\n")
    (checkout / "stale.txt").write_text("from an earlier release")
    assert distribute.main(["01", "--out", str(checkout)]) == 2  # without --force nothing is touched
    assert (checkout / "stale.txt").exists()
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the solutions' kernels import this checkout's package
    assert distribute.main(["01", "--out", str(checkout), "--force", "--repo", "https://github.com/t/r"]) == 0
    assert (checkout / ".git" / "HEAD").read_text() == "ref: refs/heads/term-1\n"
    assert not (checkout / "stale.txt").exists() and (checkout / "binder" / "postBuild").is_file()
    assert (checkout / "lessons" / "scalecheck").is_symlink() and not (checkout / "solutions").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("scalecheck-distribute-")]
