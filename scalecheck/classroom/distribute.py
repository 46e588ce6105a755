"""Hand a release to a class through JupyterHub + nbgitpuller or through Binder.

    python -m scalecheck.classroom.distribute 01 02 --out class-release/ \
        [--repo https://github.com/OWNER/REPO] [--branch main] [--hub https://hub.example.edu] [--force]

This builds the ordinary hand-out (``release.build_release``: lessons,
exercises generated afresh, public question lists, data, the package without
its teacher-only ``classroom`` layer; never ``solutions/`` or a full key) and
makes the folder ready to be its own git repository:

- ``binder/environment.yml`` and ``binder/postBuild``: Binder (repo2docker)
  uses the ``binder/`` folder when it exists. The environment holds the
  course's runtime pins and JupyterLab, nothing from the ``test`` extra;
  postBuild installs the course package from the folder itself (editable,
  no dependencies), the course's JupyterLab settings, and makes lesson 00
  the page the server opens.
- ``environment.yml`` (the hand-out's root copy) is rewritten to the same
  learner environment, so no copy in the hand-out installs the test tools.
- ``requirements.txt``: the same pins for pip, for a JupyterHub image.
- ``lessons/scalecheck`` and ``exercises/scalecheck``: links to the package,
  so a notebook pulled by nbgitpuller onto a hub whose image has the
  dependencies (``requirements.txt``) but not this course imports the
  package from the pulled folder (a kernel starts in its notebook's folder,
  which is on ``sys.path``); no install step for students.
- ``DISTRIBUTE.md``: the links for this release (nbgitpuller and Binder).

Push the folder to its own repository (or an orphan branch) -- never the
teacher's course repository, which holds the solutions. docs/distribute.md
walks through it.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

from scalecheck.classroom import release
from scalecheck.classroom.release import PYTHON, _quoted_list, conda_pins, environment_yml, learner_requirements  # noqa: F401
from scalecheck.exercise.keys import write_atomic

FIRST_LESSON = "lessons/00_welcome.ipynb"
REPO_PLACEHOLDER = "https://github.com/OWNER/REPO"  # replaced by --repo; docs explain it
HUB_PLACEHOLDER = "https://HUB.EXAMPLE.EDU"
# Folders whose notebooks import the package: each gets a link to it (see the module docstring)
NOTEBOOK_FOLDERS = ("lessons", "exercises")


POSTBUILD = """#!/usr/bin/env bash
# Binder (repo2docker) runs this after building binder/environment.yml.
# Installs this hand-out's course package (editable: its data and question
# lists stay in this folder), the course's JupyterLab settings, and opens
# {first_lesson} when the server starts without a path.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHONWARNINGS=ignore pip install --quiet --no-deps -e .
prefix="$(python -c 'import sys; print(sys.prefix)')"
share="$prefix/share/jupyter"
mkdir -p "$share/lab/settings" "$share/labextensions" "$prefix/etc/jupyter/jupyter_server_config.d"
cp tools/lab_settings/overrides.json "$share/lab/settings/overrides.json"
for extension in tools/lab_settings/labextensions/*/; do
  [ -d "$extension" ] || continue
  rm -rf "$share/labextensions/$(basename "$extension")"
  cp -r "$extension" "$share/labextensions/"
done
cat > "$prefix/etc/jupyter/jupyter_server_config.d/scalecheck_first_lesson.json" <<'JSON'
{default_url_json}
JSON
"""


def binder_link(repo: str, branch: str) -> str:
    """A mybinder.org link that builds ``repo`` at ``branch`` and opens lesson 00 in JupyterLab."""
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", repo)
    if not match:
        raise release.ReleaseError(f"{repo}: a Binder link needs a https://github.com/OWNER/REPO address")
    owner, name = match.groups()
    return f"https://mybinder.org/v2/gh/{owner}/{name}/{quote(branch, safe='')}?urlpath=" + quote(
        f"lab/tree/{FIRST_LESSON}", safe="/")


def nbgitpuller_link(hub: str, repo: str, branch: str) -> str:
    """A link that clones (or updates) the hand-out into each student's hub home and opens lesson 00.

    nbgitpuller clones into a folder named after the repository, so the path
    to open starts with that name."""
    folder = re.sub(r"\.git$", "", repo.rstrip("/").rsplit("/", 1)[-1])
    query = urlencode({"repo": repo, "branch": branch, "urlpath": f"lab/tree/{folder}/{FIRST_LESSON}"})
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def _link_package(out: Path) -> None:
    for folder in NOTEBOOK_FOLDERS:
        link = out / folder / "scalecheck"
        if (out / folder).is_dir() and not link.exists():
            os.symlink(os.path.join("..", "scalecheck"), link, target_is_directory=True)


def _distribute_md(sets: list[str], repo: str, branch: str, hub: str) -> str:
    placeholder = repo == REPO_PLACEHOLDER or hub == HUB_PLACEHOLDER
    return "\n".join([
        "# Handing out this release", "",
        f"Exercise sets: {', '.join(sets)}. This folder has no solutions and no answer key.", "",
        "1. Make this folder its own git repository and push it (a new repository, or an orphan branch of one",
        "   that does not hold the course's solutions). Publish updates as new commits: never force-push, or",
        "   students' copies can no longer be updated.",
        "2. JupyterHub with nbgitpuller (the hub's image installs `requirements.txt`):  ",
        f"   <{nbgitpuller_link(hub, repo, branch)}>",
        "3. Binder (builds from `binder/`):  ", f"   <{binder_link(repo, branch)}>", "",
        "Students save their notebooks (Ctrl+S) and hand in `exercises/NN_*.ipynb` with the `.answers.json` beside",
        "it (it also holds their check history).",
        *(["", f"The addresses above are placeholders ({REPO_PLACEHOLDER}, {HUB_PLACEHOLDER}): build again with",
           "--repo and --hub, or replace them by hand."] if placeholder else []),
    ]) + "\n"


def prepare_for_hub(out: Path, sets: list[str], course_root: Path = release.COURSE_ROOT, repo: str = REPO_PLACEHOLDER,
                    branch: str = "main", hub: str = HUB_PLACEHOLDER) -> list[Path]:
    """Add the Binder / JupyterHub files to a built hand-out in ``out``; returns the files written."""
    requirements = learner_requirements((course_root / "pyproject.toml").read_text(encoding="utf-8"))
    environment = environment_yml(conda_pins(requirements))
    default_url = json.dumps({"ServerApp": {"default_url": f"/lab/tree/{FIRST_LESSON}"},
                              "LabApp": {"default_url": f"/lab/tree/{FIRST_LESSON}"}}, indent=1)
    files = {
        out / "binder" / "environment.yml": environment,
        out / "binder" / "postBuild": POSTBUILD.format(first_lesson=FIRST_LESSON, default_url_json=default_url),
        out / "environment.yml": environment,
        out / "requirements.txt": "# The learner's packages for this hand-out (a JupyterHub image): no test tools.\n"
                                  + "\n".join(requirements) + "\n",
        out / "DISTRIBUTE.md": _distribute_md(sets, repo, branch, hub),
        out / ".gitignore": ".venv/\n__pycache__/\n*.pyc\n.ipynb_checkpoints/\n",
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    os.chmod(out / "binder" / "postBuild", 0o755)
    _link_package(out)
    return sorted(files)


def build(selectors: list[str], out: Path, *, repo: str = REPO_PLACEHOLDER, branch: str = "main",
          hub: str = HUB_PLACEHOLDER, force: bool = False, notes: list[str] | None = None) -> list[Path]:
    """The hand-out of ``selectors`` in ``out``, ready to push for nbgitpuller and Binder."""
    binder_link(repo, branch)  # a wrong address stops here, before anything is built
    out = Path(out)
    if (out / ".git").exists():  # the next release into the class repository's checkout: keep its history
        if not force:
            raise release.ReleaseError(f"{out} is a git checkout; pass --force to replace its files with this release")
        return _rebuild_checkout(selectors, out, repo, branch, hub, notes)
    written = release.build_release(selectors, out, force=force, notes=notes)
    extra = prepare_for_hub(out, release.resolve_sets(selectors), repo=repo, branch=branch, hub=hub)
    return sorted(set(written) | set(extra))


def _rebuild_checkout(selectors: list[str], out: Path, repo: str, branch: str, hub: str,
                      notes: list[str] | None) -> list[Path]:
    """Build beside the checkout, then replace everything in it but .git (release --force would delete .git)."""
    if not (out / "RELEASE.txt").exists():
        raise release.ReleaseError(f"{out} holds no earlier hand-out (no RELEASE.txt); refusing to replace its files")
    with tempfile.TemporaryDirectory(prefix="scalecheck-distribute-", dir=out.parent) as scratch:
        fresh = Path(scratch) / "release"
        build(selectors, fresh, repo=repo, branch=branch, hub=hub, notes=notes)
        for old in out.iterdir():
            if old.name != ".git":
                shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
        for new in fresh.iterdir():
            shutil.move(str(new), str(out / new.name))
    return sorted(p for p in out.rglob("*") if ".git" not in p.relative_to(out).parts and p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scalecheck.classroom.distribute",
        description="Build a hand-out (no keys, no solutions) as its own repository folder for JupyterHub + "
                    "nbgitpuller and Binder: learner environment without test tools, Binder config opening lesson 00, "
                    "and the links in DISTRIBUTE.md.")
    parser.add_argument("sets", nargs="+", help="exercise sets, e.g. 01 02")
    parser.add_argument("--out", required=True, type=Path, help="folder to create (then push it as its own repository)")
    parser.add_argument("--repo", default=REPO_PLACEHOLDER,
                        help="where the folder will be pushed (https://github.com/OWNER/REPO)")
    parser.add_argument("--branch", default="main", help="the branch students pull (default: main)")
    parser.add_argument("--hub", default=HUB_PLACEHOLDER, help="your JupyterHub's address, for the nbgitpuller link")
    parser.add_argument("--force", action="store_true", help="replace an earlier hand-out in --out")
    args = parser.parse_args(argv)
    notes: list[str] = []
    try:
        files = build(args.sets, args.out, repo=args.repo, branch=args.branch, hub=args.hub, force=args.force,
                      notes=notes)
    except release.ReleaseError as error:
        print(f"distribute: {error}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"distribute: note: {note}")
    print(f"distribute: wrote {len(files)} files to {args.out}; the links are in {args.out / 'DISTRIBUTE.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
