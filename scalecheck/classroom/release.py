"""Build a student hand-out: chosen lessons and exercises, no answer key, no solutions.

    python3 course.py release 01 02 --out handout/

The hand-out is a self-contained course folder (package, data, lessons,
exercises, public question lists, launcher) that students set up with the
same ``python3 course.py lab``. Its checks give only non-revealing feedback
(readable, unit, sign, plausible magnitude) and say grading comes later.

The exercises notebooks and public question lists are generated afresh from
``solutions/`` (with ``tools/build.py``'s generator), never copied from the
working copy of ``exercises/``: whatever a teacher typed into ``exercises/``
while trying a set stays out. Lesson outputs are cleared, so no stored number
in the hand-out can come from the key. Links to lessons that are not in the
hand-out become plain text.

With ``--roster roster.csv --variant-secret-file secret.txt`` it writes one
hand-out per rostered student, in a folder named by the student's id, whose
exercise sets hold that student's own numbers in their ``parameters`` cell
(see ``scalecheck.classroom.variants``); ``students.csv`` beside the folders
maps ids to folders (for the teacher, not for the students). Without
``--roster`` the hand-out is the same for everyone, with the default numbers.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from scalecheck.core.paths import PACKAGE_DIR, course_root
from scalecheck.exercise.keys import write_atomic

# The same course root every module uses (paths.course_root honours SCALECHECK_COURSE_ROOT)
COURSE_ROOT = course_root()
# Files of the course root that every hand-out carries
ROOT_FILES = ("pyproject.toml", "course.py", "postBuild")  # plus a learner environment.yml, written
# The package's teacher-only layer (the grader, its reports and this builder): never in a hand-out
TEACHER_ONLY_MODULES = ("classroom",)
# Learner pages under docs/ that lessons link to (the capstone rubric stays with the teacher)
LEARNER_DOCS = ("glossary.md", "python_for_this_course.md")
# A markdown link to a local notebook or page: [text](target) with no scheme
LOCAL_LINK = re.compile(r"\[([^\]]+)\]\((?![a-z]+:|#)([^)\s]+?\.(?:ipynb|md))(#[^)]*)?\)")


class ReleaseError(ValueError):
    pass


def exercise_sets(course_root: Path = COURSE_ROOT) -> list[str]:
    """Every exercise set with a solutions notebook, e.g. '01_orders_of_magnitude'."""
    return sorted(p.stem for p in (course_root / "solutions").glob("[0-9][0-9]_*.ipynb"))


def resolve_sets(selectors: list[str], course_root: Path = COURSE_ROOT) -> list[str]:
    """'01' or '01_orders_of_magnitude' -> full set names; unknown ones are an error."""
    known = exercise_sets(course_root)
    chosen: list[str] = []
    for selector in selectors:
        matches = [name for name in known if name == selector or name.split("_", 1)[0] == selector]
        if not matches:
            raise ReleaseError(f"no exercise set {selector!r}; known: {', '.join(known)}")
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


# The learner environment a hand-out carries (never the test tools of the course's own environment.yml)
PYTHON = "3.11"  # the Python the stored outputs are made with (pyproject's pins for >= 3.11)


def _quoted_list(pyproject: str, name: str) -> list[str]:
    """The strings of a TOML array ``name = [...]`` (the pins are plain quoted strings)."""
    match = re.search(rf"^{re.escape(name)}\s*=\s*\[(.*?)^\]", pyproject, re.S | re.M)
    if not match:
        raise ReleaseError(f"pyproject.toml has no {name} list")
    # one quoted pin per line, perhaps with a comment after it
    return [m.group(1) for line in match.group(1).splitlines() if (m := re.match(r'\s*"([^"]+)"', line))]


def learner_requirements(pyproject: str) -> list[str]:
    """The runtime pins and the ``lab`` extra, as written in pyproject.toml (markers kept); never ``test``."""
    return _quoted_list(pyproject, "dependencies") + _quoted_list(pyproject, "lab")


def conda_pins(requirements: list[str]) -> list[str]:
    """The pins for Python 3.11 (the lines for older Pythons dropped, markers removed)."""
    pins = []
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        if marker and "< '3.11'" in marker.replace('"', "'"):
            continue
        pins.append(spec.strip())
    return pins


def environment_yml(pins: list[str]) -> str:
    lines = ["# The learner's environment for this hand-out (Binder, conda): the course's runtime pins and",
             "# JupyterLab, no test tools. Written by scalecheck.classroom.release from pyproject.toml.",
             "name: scalecheck-handout", "channels:", "  - conda-forge", "dependencies:", f"  - python={PYTHON}",
             "  - pip", "  - pip:"]
    return "\n".join(lines + [f"      - {pin}" for pin in pins]) + "\n"


def copy_package(destination: Path, teacher_tools: bool = False) -> None:
    """Copy the scalecheck package (without caches, optionally without grader code)."""
    ignore = ["__pycache__", "*.pyc"] + ([] if teacher_tools else list(TEACHER_ONLY_MODULES))
    shutil.copytree(PACKAGE_DIR, destination / "scalecheck", ignore=shutil.ignore_patterns(*ignore))


def keyless_tree(destination: Path, sets: list[str], course_root: Path = COURSE_ROOT) -> Path:
    """The smallest course tree a student notebook runs in: package, data,
    public question lists. Used by the grader as its kernels' course root."""
    destination.mkdir(parents=True, exist_ok=True)
    copy_package(destination)
    shutil.copytree(course_root / "data", destination / "data")
    (destination / "exercises" / "keys").mkdir(parents=True)
    for name in sets:
        shutil.copy2(course_root / "exercises" / "keys" / f"{name}.json", destination / "exercises" / "keys")
    return destination


# Kernel log lines a teacher cannot act on (the grader's own kernels are local and private)
_KERNEL_NOISE = re.compile(r"running over TCP without encryption|Use IPC transport or launch with kernel")


@contextlib.contextmanager
def _quiet_kernels():
    """Keep the kernels' own warnings (written straight to file descriptor 2 by the
    kernel processes the key builder starts) off the teacher's screen; anything else
    they print is shown afterwards."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            for line in capture.read().decode("utf-8", "replace").splitlines():
                if line.strip() and not _KERNEL_NOISE.search(line):
                    print(line, file=sys.stderr)


def _builder(course_root: Path):
    """The course's own tools/build.py (the one generator of exercises and keys)."""
    path = course_root / "tools" / "build.py"
    spec = importlib.util.spec_from_file_location(f"scalecheck_build_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unlink_missing(markdown: str, here: Path, root: Path) -> str:
    """Links to files the hand-out does not hold become their plain text."""
    def replace(match: re.Match) -> str:
        target = (here / match.group(2)).resolve()
        inside = target == root.resolve() or root.resolve() in target.parents
        return match.group(0) if inside and target.exists() else match.group(1)
    return LOCAL_LINK.sub(replace, markdown)


def _cleared(notebook):
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return notebook


def _write_notebook(notebook, target: Path) -> None:
    import nbformat

    write_atomic(target, nbformat.writes(notebook) + "\n")


def _fix_links(out: Path) -> None:
    import nbformat

    for path in sorted(out.rglob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        changed = False
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                new = unlink_missing(cell.source, path.parent, out)
                changed |= new != cell.source
                cell.source = new
        if changed:
            _write_notebook(notebook, path)


def build_release(selectors: list[str], out: Path, course_root: Path = COURSE_ROOT, force: bool = False,
                  notes: list[str] | None = None) -> list[Path]:
    """Write a hand-out of the chosen sets to ``out``; returns the files written.

    ``notes`` (if given) collects messages for the teacher, e.g. a set whose
    committed exercises differ from what its solutions generate."""
    sets = resolve_sets(selectors, course_root)
    out = Path(out)
    _prepare_out(out, force)
    generated = _generate(sets, course_root)
    out.mkdir(parents=True)
    copy_package(out)
    shutil.copytree(course_root / "data", out / "data")
    (out / "exercises" / "keys").mkdir(parents=True)
    (out / "lessons").mkdir()
    _write_sets(out, generated, course_root, notes)
    _write_common(out, sets, course_root)
    _fix_links(out)
    return sorted(p for p in out.rglob("*") if p.is_file())


def _generate(sets: list[str], course_root: Path) -> dict[str, dict[Path, str]]:
    """Each set's exercises notebook and keys, generated afresh from its solutions."""
    build = _builder(course_root)
    generated: dict[str, dict[Path, str]] = {}
    for name in sets:
        try:
            with _quiet_kernels():
                generated[name] = build.generated_files(course_root / "solutions" / f"{name}.ipynb")
        except build.BuildError as error:
            raise ReleaseError(f"{name}: the exercises cannot be generated from its solutions: {error}") from None
    return generated


def _write_sets(out: Path, generated: dict[str, dict[Path, str]], course_root: Path, notes: list[str] | None) -> None:
    """Each set's exercises and public question list, and its lessons, outputs cleared."""
    import nbformat

    for name in generated:
        for path, text in generated[name].items():
            relative = path.relative_to(course_root)
            if relative.parts[0] == "solutions":
                continue  # the full key never leaves the teacher
            if path.suffix == ".ipynb":
                text = nbformat.writes(_cleared(nbformat.reads(text, as_version=4))) + "\n"
            write_atomic(out / relative, text)
            committed = course_root / relative
            if notes is not None and (not committed.exists() or committed.read_text(encoding="utf-8") != text):
                if relative.parts[0] == "exercises" and _builder(course_root).committed_text(committed) == text:
                    # answers typed into the working copy (JupyterLab saves them there): not stale, and
                    # "tools/build.py exercises" would overwrite them
                    notes.append(f"{relative} holds answers typed into it; the hand-out has the blank one")
                else:
                    notes.append(f"{relative} differs from what solutions/{name}.ipynb generates; the hand-out has "
                                 f"the generated version (update yours with: tools/build.py exercises "
                                 f"{name.split('_', 1)[0]})")
        prefix = name.split("_", 1)[0]
        for lesson in sorted((course_root / "lessons").glob(f"{prefix}_*.ipynb")):
            _write_notebook(_cleared(nbformat.read(lesson, as_version=4)), out / "lessons" / lesson.name)
        for handout in sorted((course_root / "lessons").glob(f"{prefix}_*.md")):
            shutil.copy2(handout, out / "lessons" / handout.name)  # e.g. the capstone assignment


def _write_common(out: Path, sets: list[str], course_root: Path) -> None:
    """Lesson 00, the learner's docs, the launcher and its settings, a README and the release marker."""
    import nbformat

    for welcome in sorted((course_root / "lessons").glob("00_*.ipynb")):
        _write_notebook(_cleared(nbformat.read(welcome, as_version=4)), out / "lessons" / welcome.name)
    for page in LEARNER_DOCS:
        if (course_root / "docs" / page).exists():
            (out / "docs").mkdir(exist_ok=True)
            shutil.copy2(course_root / "docs" / page, out / "docs" / page)
    for name in ROOT_FILES:
        if (course_root / name).exists():
            shutil.copy2(course_root / name, out / name)
    pins = conda_pins(learner_requirements((course_root / "pyproject.toml").read_text(encoding="utf-8")))
    (out / "environment.yml").write_text(environment_yml(pins), encoding="utf-8")
    shutil.copytree(course_root / "tools" / "lab_settings", out / "tools" / "lab_settings")
    (out / "README.md").write_text(
        "# Course hand-out\n\n"
        f"Exercise sets: {', '.join(sets)}.\n\n"
        "Set up and open the course with `python3 course.py lab` (Python 3.10+ and pip are all you need);\n"
        "`python3 course.py progress` shows which questions you have answered.\n"
        "Answer in the exercises notebooks; the checks tell you whether an answer is readable and has the\n"
        "right kind of unit, and your teacher grades it later. This hand-out has no answer key and no\n"
        "solutions. Save the notebook (Ctrl+S) and hand in the `.ipynb` file and the `.answers.json` file\n"
        "beside it (it also holds the history of your checks).\n",
        encoding="utf-8",
    )
    (out / "RELEASE.txt").write_text("sets: " + " ".join(sets) + "\n", encoding="utf-8")


def student_folders(ids: list[str]) -> dict[str, str]:
    """A file-system-safe folder name per student id; two ids never share one."""
    folders: dict[str, str] = {}
    used: set[str] = set()
    for student in ids:
        safe = re.sub(r"[^A-Za-z0-9_\-.@]", "_", student).strip(".")[:60] or "student"
        if safe != student or safe.lower() in used:
            safe = f"{safe}-{hashlib.sha256(student.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
        used.add(safe.lower())
        folders[student] = safe
    return folders


def _spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def personalise(handout: Path, sets: list[str], student_id: str, secret: str, course_root: Path = COURSE_ROOT) -> dict:
    """Write one student's numbers into the parameters cells of a hand-out's
    exercise notebooks; returns {set: numbers} for the sets that vary."""
    import nbformat

    from scalecheck.classroom import variants
    from scalecheck.exercise import params as paramsmod

    written = {}
    for name in sets:
        values = variants.student_params(name, student_id, secret, course_root)
        if not values:
            continue
        path = handout / "exercises" / f"{name}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        cells = [c for c in notebook.cells
                 if c.cell_type == "code" and paramsmod.PARAMETERS_TAG in c.metadata.get("tags", [])]
        if len(cells) != 1:
            raise ReleaseError(f"{name}: the exercises notebook needs one cell tagged 'parameters' "
                               f"(found {len(cells)})")
        cells[0].source = paramsmod.given_source(cells[0].source, values)
        _write_notebook(notebook, path)
        written[name] = values
    return written


def build_class_release(selectors: list[str], out: Path, roster_path: Path, secret_path: Path,
                        course_root: Path = COURSE_ROOT, force: bool = False,
                        notes: list[str] | None = None) -> list[Path]:
    """One hand-out per rostered student (``out/<id>/``), each with the student's numbers."""
    from scalecheck.classroom import variants
    from scalecheck.classroom.grading import roster as rostermod

    try:
        secret = variants.read_secret(secret_path)
        roster = rostermod.load_roster(roster_path)
    except (variants.VariantError, rostermod.InputError) as error:
        raise ReleaseError(str(error)) from None
    if notes is not None:
        notes.extend(roster.problems)
    out = Path(out)
    sets = resolve_sets(selectors, course_root)
    _prepare_out(out, force)
    with tempfile.TemporaryDirectory(prefix="scalecheck-release-") as scratch:
        common = Path(scratch) / "handout"
        build_release(selectors, common, course_root, notes=notes)
        out.mkdir(parents=True)
        folders = student_folders([s.key for s in roster.students])
        rows = []
        for student in roster.students:
            target = out / folders[student.key]
            shutil.copytree(common, target)
            try:
                numbers = personalise(target, sets, student.key, secret, course_root)
            except (variants.VariantError, ValueError) as error:
                raise ReleaseError(f"student {student.key}: {error}") from None
            if numbers:
                with open(target / "README.md", "a", encoding="utf-8") as readme:
                    readme.write(f"\nThis copy is yours: exercise sets {', '.join(sorted(numbers))} hold numbers "
                                 "drawn for you (the cell under 'Your numbers'). Answer with them; other students "
                                 "have others.\n")
            rows.append([student.key, student.name, folders[student.key], "; ".join(sorted(numbers))])
    with open(out / "students.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "name", "folder", "varied_sets"])
        writer.writerows([[_spreadsheet_safe(str(cell)) for cell in row] for row in rows])
    (out / "RELEASE.txt").write_text(f"sets: {' '.join(sets)}\nstudents: {len(rows)} (one folder each, "
                                     "see students.csv)\n", encoding="utf-8")
    return sorted(p for p in out.rglob("*") if p.is_file())


def _prepare_out(out: Path, force: bool) -> None:
    """Refuse to overwrite anything but an earlier hand-out; remove that one with --force."""
    if out.exists():
        if not force:
            raise ReleaseError(f"{out} exists; choose a new folder or pass --force to replace it")
        if (out / "solutions").exists() or any(out.iterdir()) and not (out / "RELEASE.txt").exists():
            raise ReleaseError(f"{out} does not look like an earlier hand-out; refusing to delete it")
        shutil.rmtree(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="course.py release",
        description="Build a student hand-out without keys or solutions: lessons, exercises generated afresh "
                    "from solutions/, data, the package and the launcher.")
    parser.add_argument("sets", nargs="+", help="exercise sets, e.g. 01 02 (or full names)")
    parser.add_argument("--out", required=True, type=Path, help="folder to create")
    parser.add_argument("--force", action="store_true", help="replace an earlier hand-out in --out")
    parser.add_argument("--roster", type=Path,
                        help="class list (Canvas export or student_id,name,email): one hand-out per student, "
                             "each with the student's own numbers (needs --variant-secret-file)")
    parser.add_argument("--variant-secret-file", type=Path,
                        help="file holding the course's secret (>= 16 characters) from which students' numbers are "
                             "drawn; give the grader the same file. Keep it out of the hand-out and of git")
    args = parser.parse_args(argv)
    if (args.roster is None) != (args.variant_secret_file is None):
        parser.error("--roster and --variant-secret-file go together")
    notes: list[str] = []
    try:
        if args.roster is not None:
            files = build_class_release(args.sets, args.out, args.roster, args.variant_secret_file,
                                        force=args.force, notes=notes)
        else:
            files = build_release(args.sets, args.out, force=args.force, notes=notes)
    except ReleaseError as error:
        print(f"release: {error}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"release: note: {note}")
    what = "one folder per student, see students.csv; " if args.roster is not None else ""
    print(f"release: wrote {len(files)} files to {args.out} ({what}no answer key, no solutions); "
          f"students open it with: python3 course.py lab")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
