"""The whole class: discover, run (sandboxed, in parallel), judge, report.

Each submission is graded and written inside its own failure boundary:
whatever one notebook does, every other student is graded and the reports
are written.
"""
from __future__ import annotations

import argparse
import concurrent.futures as futures
import hashlib
import json
import math
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import textwrap
from dataclasses import asdict
from pathlib import Path
from typing import Any

from scalecheck.exercise import answers as answers_mod
from scalecheck.exercise import keys as keymod
from scalecheck.core.paths import full_key_dir
from scalecheck.classroom.release import exercise_sets, keyless_tree
from . import classroom, lms, sandbox
from .cache import Cache
from .discovery import Submission, discover
from .runner import Limits, parse_notebook, run_submission
from .scoring import CLOSE_CREDIT, Execution, score, validate_execution

GRADER_VERSION = "2"
UNSAFE_WARNING = ("Graded WITHOUT the sandbox (--unsafe-no-sandbox): a notebook could read the key and "
                  "change files and other students' results. Do not rely on these grades for untrusted work.")


def load_key(exercise_set: str) -> dict[str, dict]:
    return keymod.read_document(full_key_dir() / f"{exercise_set}.json")["questions"]


def _progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    sys.stderr.write(f"\r[grade] [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:40]:<40}")
    sys.stderr.flush()


def _kernel_course(folder: Path, sets: list[str]) -> str:
    """A read-only-able course copy with no key, no solutions, no .git and no grader code."""
    course = folder / "course"
    keyless_tree(course, sets)
    shutil.rmtree(course / "scalecheck" / "classroom", ignore_errors=True)  # keyless_tree leaves it out already
    for path in [course, *course.rglob("*")]:
        if path.is_symlink():
            path.unlink()
        elif path.is_dir():
            os.chmod(path, 0o755)
        else:
            os.chmod(path, 0o644)
    return str(course)


def saved_answers(raw: bytes, sidecar: bytes | None) -> tuple[dict[str, Any], list[str]]:
    """The answers saved in the notebook's widgets and its answers file (most
    recent wins, conflicts reported), validated; never raises."""
    document, _ = parse_notebook(raw)
    side = None
    if sidecar is not None:
        try:
            side = json.loads(sidecar.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            side = None
    values: dict[str, Any] = {}
    conflicts: list[str] = []
    try:
        chooser = getattr(answers_mod, "saved_answers", None)
        if chooser is not None:
            chosen = chooser(document or {}, side if isinstance(side, dict) else None)
            values, conflicts = dict(chosen.values), [str(c) for c in chosen.conflicts]
        else:  # before answers.saved_answers existed: the answers file wins over the widgets
            values = widget_answers_in(document)
            if isinstance(side, dict) and isinstance(side.get("answers"), dict):
                values.update(side["answers"])
    except Exception as error:
        return {}, [f"the saved answers could not be read ({type(error).__name__})"]
    clean = {}
    for question, value in list(values.items())[:200]:
        if not isinstance(question, str) or not re.fullmatch(r"[A-Za-z0-9_]{1,100}", question):
            continue
        if isinstance(value, str):
            clean[question] = value[:10_000]
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and (
                isinstance(value, int) and value.bit_length() < 1300 or isinstance(value, float) and math.isfinite(value)):
            clean[question] = value
    return clean, [c[:300] for c in conflicts[:20]]


def widget_answers_in(document: dict | None) -> dict[str, Any]:
    try:
        return answers_mod.widget_answers_in_notebook(document or {})
    except Exception:
        return {}


def _feedback_names(students: list[str]) -> dict[str, str]:
    """A file-system-safe folder name per student; two students never share one."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for student in sorted(set(students)):
        safe = re.sub(r"[^\w\-. ]", "_", student).strip(". ")[:60] or "student"
        if safe.lower() in used or safe != student:
            safe = f"{safe}-{hashlib.sha256(student.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
        used.add(safe.lower())
        names[student] = safe
    return names


def grade(submissions_dir: Path, out: Path, *, jobs: int = 1, close_credit: float = CLOSE_CREDIT,
          limits: Limits | None = None, quiet: bool = False, unsafe_no_sandbox: bool = False,
          term: classroom.Options | None = None) -> dict:
    """Grade every submission in ``submissions_dir``; write the reports to ``out``.

    Raises SandboxUnavailable (before touching anything) when the sandbox
    cannot be built and ``unsafe_no_sandbox`` is not set.
    """
    limits = limits or Limits()
    submissions_dir, out = Path(submissions_dir), Path(out)
    if not submissions_dir.is_dir():
        raise FileNotFoundError(f"{submissions_dir} is not a folder")
    resolved_out, resolved_in = out.resolve(), submissions_dir.resolve()
    if resolved_out == resolved_in or resolved_in in resolved_out.parents:
        raise ValueError("the output folder must not be inside the submissions folder")
    if term is not None:
        term.validate(exercise_sets())  # a wrong option stops here, before anything runs
    sandbox_kind = "" if unsafe_no_sandbox else sandbox.check_available()
    old_umask = os.umask(0o077)  # every report, cache entry and folder is private
    try:
        return _grade(submissions_dir, out, jobs, close_credit, limits, quiet, not unsafe_no_sandbox, sandbox_kind, term)
    finally:
        os.umask(old_umask)


def _grade(submissions_dir: Path, out: Path, jobs: int, close_credit: float, limits: Limits, quiet: bool,
           use_sandbox: bool, sandbox_kind: str, options: classroom.Options | None = None) -> dict:
    from scalecheck.classroom.feedback_report import write_class_summary, write_feedback_html, write_gradebook, write_problems

    if not out.exists():
        out.mkdir(parents=True, mode=0o700)
    sets = exercise_sets()
    subs, skipped = discover(submissions_dir, sets)
    keys_by_set = {name: load_key(name) for name in sorted({s.exercise_set for s in subs})}
    try:  # roster, manual scores, deadlines: bad content becomes problems; a fault here loses only these features
        term = classroom.prepare(options, subs, sets, keys_by_set)
    except Exception as error:
        term = classroom.Term(problems=[{"file": "", "reason": f"the roster, manual scores and deadlines could not be "
                                         f"used ({type(error).__name__}: {str(error)[:200]}); graded without them"}])
    cases = {name: {q: [list(args) for args, _ in e.get("cases", [])] for q, e in entries.items() if e.get("kind") == "function"}
             for name, entries in keys_by_set.items()}
    cache = Cache(out / ".cache")
    mode = f"sandbox={use_sandbox}".encode()
    executions: dict[int, Execution] = {}
    to_run = []
    first_of: dict[str, int] = {}   # identical files (e.g. untouched hand-outs) run once
    copies: list[tuple[int, int]] = []
    for index, sub in enumerate(subs):
        name = Cache.key(GRADER_VERSION.encode(), mode, sub.raw, sub.sidecar or b"\0none", sub.exercise_set.encode(),
                         json.dumps(cases[sub.exercise_set], sort_keys=True).encode(),
                         json.dumps(asdict(limits), sort_keys=True).encode())
        cached = cache.get(name)
        if cached is not None:
            executions[index] = cached
        elif name in first_of:
            copies.append((index, first_of[name]))
        else:
            first_of[name] = index
            to_run.append((index, sub, name))

    with tempfile.TemporaryDirectory(prefix="scg-course-") as kernel_root:
        course = _kernel_course(Path(kernel_root), sets)
        done = len(subs) - len(to_run)
        if not quiet:
            _progress(done, len(subs), "(cached)" if done else "")
        # fork on Linux: workers need not re-import the caller's main module
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        with futures.ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
            pending = {
                pool.submit(run_submission, sub.raw, sub.sidecar, sub.exercise_set, course, cases[sub.exercise_set],
                            asdict(limits), index, use_sandbox): (index, sub, name)
                for index, sub, name in to_run
            }
            rounds = -(-len(to_run) // max(1, jobs))
            deadline = rounds * (limits.total_timeout_s + 120) + 60
            try:
                for future in futures.as_completed(pending, timeout=deadline):
                    index, sub, name = pending.pop(future)
                    try:
                        execution = validate_execution(future.result())
                    except Exception as error:
                        execution = Execution(failure=f"the grader could not run it ({type(error).__name__}); not cached, try again")
                    else:
                        if execution is None:
                            execution = Execution(failure="the grader could not read this submission's result; not cached")
                        elif not execution.failure.startswith("the grader"):
                            cache.put(name, execution)
                    executions[index] = execution
                    done += 1
                    if not quiet:
                        _progress(done, len(subs), f"{sub.student} / {sub.exercise_set}")
            except futures.TimeoutError:
                for future, (index, _sub, _name) in pending.items():
                    future.cancel()
                    executions[index] = Execution(failure="the grader's worker did not finish in time; not cached, try again")
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.kill()
    if not quiet and subs:
        sys.stderr.write("\n")
    for index, first in copies:
        executions[index] = executions[first]

    warning = "" if use_sandbox else UNSAFE_WARNING
    feedback_names = _feedback_names([s.student for s in subs])
    rows: list[dict] = []
    problems = [{"file": path, "reason": reason} for path, reason in skipped]
    for index, sub in enumerate(subs):
        try:
            row, notes = _judge_one(sub, executions[index], keys_by_set[sub.exercise_set], close_credit,
                                    out, feedback_names[sub.student], warning, write_feedback_html, term)
        except Exception as error:  # the boundary: this student is reported, the class goes on
            row = {"student": sub.student, "exercise_set": sub.exercise_set, "file": sub.display, "status": "failed",
                   "points": 0.0, "max_points": 0.0, "percent": 0.0, "questions": [], "notes": [],
                   "failure": f"the grader failed on this submission ({type(error).__name__}: {str(error)[:200]})",
                   "feedback": "", "person": term.person.get(sub.student, sub.student)}
            notes = [row["failure"]]
        rows.append(row)
        problems.extend({"file": sub.display, "reason": note} for note in notes)
    extra_keys, extra_rows = classroom.standalone(term)  # e.g. the capstone, marked in manual.csv
    all_keys = {**keys_by_set, **{k: v for k, v in extra_keys.items() if k not in keys_by_set}}
    graded = sum(r["status"] in ("graded", "blank") for r in rows)
    failed = sum(r["status"] == "failed" for r in rows)
    rows.extend(extra_rows)
    problems.extend(term.problems)
    write_gradebook(out, rows, all_keys, warning)
    write_class_summary(out, rows, all_keys)
    try:  # only when asked for a term (course.py grade always is); grade() without it keeps the older outputs
        if options is not None:
            lms.write_exports(out, rows, all_keys, term.roster)
    except Exception as error:  # the gradebook and the reports stand without the LMS files
        problems.append({"file": "", "reason": f"the LMS exports could not be written ({type(error).__name__}: {str(error)[:200]})"})
    write_problems(out, problems)
    return {"graded": graded, "failed": failed, "skipped": len(skipped), "executed": len(to_run),
            "from_cache": len(subs) - len(to_run) - len(copies), "identical": len(copies), "problems": problems,
            "sandbox": sandbox_kind or "none (unsafe)"}


def _judge_one(sub: Submission, execution: Execution, key_entries: dict, close_credit: float, out: Path,
               folder_name: str, warning: str, write_feedback_html, term=None) -> tuple[dict, list[str]]:
    saved, conflicts = saved_answers(sub.raw, sub.sidecar)
    results = score(execution.answers, saved, key_entries, close_credit)
    late: dict = {}
    if term is not None:  # manual marks replace the machine's; then the late penalty
        results, late = term.adjust(sub, results)
    raw = sum(r.points for r in results)
    earned = round(raw * (1 - late.get("share", 0.0)), 4)
    possible = sum(r.max_points for r in results)
    # blank: ran cleanly and nothing was answered (not: answers that could not be read)
    blank = not execution.failure and not execution.problems and all(r.status == "unanswered" for r in results)
    status = "failed" if execution.failure else "blank" if blank else "graded"
    notes = list(sub.notes) + conflicts
    if execution.failure:
        notes.append(execution.failure)
    feedback = f"feedback/{folder_name}/{sub.exercise_set}.html"
    row = {"student": sub.student, "exercise_set": sub.exercise_set, "file": sub.display, "status": status,
           "points": round(earned, 4), "max_points": possible,
           "percent": round(100 * earned / possible, 1) if possible else 0.0,
           "manual_points_pending": sum(r.max_points for r in results if r.manual and r.status == "manual"),
           "questions": [asdict(r) for r in results], "notes": (sub.notes + conflicts + execution.problems)[:50],
           "failure": execution.failure, "feedback": feedback, "raw_points": round(raw, 4), "late": late,
           "person": term.person.get(sub.student, sub.student) if term is not None else sub.student}
    write_feedback_html(out / feedback, sub, execution, results, earned, possible, notes=sub.notes + conflicts, warning=warning,
                        late=late)
    return row, notes


HELP_EPILOG = """\
outputs (in --out, created private):
  gradebook.csv, gradebook.json   one row per student: points per question, totals, status
  feedback/<student>/<set>.html   the student's notebook, marked: verdict under each question, score table at the end
  summary.csv, summary.png        per-question means and verdict shares; score distribution
  problems.csv                    every file not graded, and every note worth a look, with the reason
  long.csv                        one row per student x set: raw score, late penalty, final score, max
  canvas.csv, moodle.csv          with --roster: grades in Canvas's and Moodle's import forms
  .cache/                         private, verified results for re-grading unchanged submissions

Each submission runs in its own bubblewrap sandbox (no network, no other files, an unprivileged uid).
Without bubblewrap the grader refuses to run; --unsafe-no-sandbox runs kernels unisolated.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="course.py grade", description="Grade a folder of submitted exercise notebooks, each in its own sandbox.",
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, help="folder of submissions (one folder per student, or student_set.ipynb)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the gradebook and feedback")
    parser.add_argument("--jobs", type=int, default=1, help="submissions run at once (default: 1)")
    parser.add_argument("--close-credit", type=float, default=CLOSE_CREDIT,
                        help=f"share of a question's points for a 'close' answer (default: {CLOSE_CREDIT:g})")
    parser.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout_s, help="seconds per cell (default: %(default)s)")
    parser.add_argument("--total-timeout", type=int, default=Limits.total_timeout_s,
                        help="seconds per submission, reading the notebook included (default: %(default)s)")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb, help="address space per kernel process, MB (default: %(default)s)")
    parser.add_argument("--output-kb", type=int, default=Limits.output_total_kb,
                        help="all output of one notebook, display updates included, KB (default: %(default)s)")
    term = parser.add_argument_group("running a term (see the README, 'Running a term')")
    term.add_argument("--roster", type=Path, help="class list: a Canvas gradebook export, or student_id,name,email[,section]")
    term.add_argument("--manual", type=Path, help="manual.csv: student,item,points,comment[,max] (written answers, capstone)")
    term.add_argument("--due", action="append", default=[], metavar="SET=TIME",
                      help="due time of a set, e.g. 01=2026-12-01T23:59 (UTC unless an offset is given); repeatable")
    term.add_argument("--deadlines", type=Path, help="deadlines.csv: set,due")
    term.add_argument("--extensions", type=Path, help="extensions.csv: student,set (or *),days or due")
    term.add_argument("--submitted", type=Path, help="submitted.csv: student,set,submitted (else the files' times are used)")
    term.add_argument("--late-policy", default="none",
                      help="none | percent-per-day:N | zero-after-days:N (default: none)")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="run kernels without the sandbox (a warning goes on every report; only for work you trust)")
    args = parser.parse_args(argv)
    if not 0 <= args.close_credit <= 1:
        parser.error("--close-credit must be between 0 and 1")
    if args.jobs < 1 or args.cell_timeout < 1 or args.total_timeout < 1 or args.memory_mb < 256 or args.output_kb < 16:
        parser.error("--jobs, --cell-timeout and --total-timeout must be at least 1, --memory-mb at least 256, --output-kb at least 16")
    limits = Limits(args.cell_timeout, args.total_timeout, args.memory_mb, output_total_kb=args.output_kb)
    if args.unsafe_no_sandbox:
        print(f"grade: warning: {UNSAFE_WARNING}", file=sys.stderr)
    try:
        summary = grade(args.submissions, args.out, jobs=args.jobs, close_credit=args.close_credit, limits=limits,
                        unsafe_no_sandbox=args.unsafe_no_sandbox,
                        term=classroom.Options(args.roster, args.manual, args.due, args.deadlines, args.extensions,
                                               args.submitted, args.late_policy))
    except sandbox.SandboxUnavailable as error:
        print(textwrap.fill(f"grade: refusing to grade: {error}", 100, subsequent_indent="  "), file=sys.stderr)
        return 3
    except (FileNotFoundError, ValueError, keymod.KeyError_ if hasattr(keymod, "KeyError_") else ValueError) as error:
        print(f"grade: {error}", file=sys.stderr)
        return 2
    print(f"graded {summary['graded']}, failed {summary['failed']}, skipped {summary['skipped']} "
          f"(executed {summary['executed']}, from cache {summary['from_cache']}"
          + (f", identical to another {summary['identical']}" if summary.get("identical") else "")
          + f"; sandbox: {summary['sandbox']})")
    if summary["problems"]:
        print(f"problems listed ({len(summary['problems'])}) in {args.out / 'problems.csv'}")
    return 0


