"""The whole class: discover, run (sandboxed, in parallel), judge, report.

Each submission is graded and written inside its own failure boundary:
whatever one notebook does, every other student is graded and the reports
are written.
"""
from __future__ import annotations

import argparse
import concurrent.futures as futures
import hashlib
import importlib
import json
import math
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import textwrap
import time
from collections import deque
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scalecheck.classroom.release import exercise_sets, keyless_tree
from scalecheck.core.paths import full_key_dir
from scalecheck.exercise import answers as answers_mod
from scalecheck.exercise import keys as keymod

from . import classroom, lms, sandbox
from .cache import Cache
from .discovery import HandinChanged, Submission, discover, load
from .runner import Limits, parse_notebook, run_submission
from .scoring import CLOSE_CREDIT, Execution, score, validate_execution

GRADER_VERSION = "3"  # 3: cache names from the hand-in's SHA-256 (the bytes are not kept after discovery)
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
                isinstance(value, int) and value.bit_length() < 1300
                or isinstance(value, float) and math.isfinite(value)):
            clean[question] = value
    return clean, [c[:300] for c in conflicts[:20]]


def widget_answers_in(document: dict | None) -> dict[str, Any]:
    try:
        return answers_mod.widget_answers_in_notebook(document or {})
    except Exception:
        return {}


def _safe_name(text: str) -> str:
    """A folder name from an id or name: no separators, no dot-only names, never empty."""
    return re.sub(r"[^\w\-. ]", "_", text).strip(". ")[:60] or "student"


def _feedback_names(students: list[str]) -> dict[str, str]:
    """A file-system-safe folder name per student; two students never share one."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for student in sorted(set(students)):
        safe = _safe_name(student)
        if safe.lower() in used or safe != student:
            safe = f"{safe}-{hashlib.sha256(student.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
        used.add(safe.lower())
        names[student] = safe
    return names


def feedback_paths(subs: list[Submission], person: dict[str, str]) -> dict[int, str]:
    """Each submission's feedback page, relative to the output folder.

    ``feedback/<roster id>/<set>.html`` for a submission matched to the
    roster (so the LMS can attach it to that student), else
    ``feedback/<submission name>/<set>.html``. Folder names are made safe
    (no separators or dot-only names: an id cannot climb out of feedback/),
    ids and names never share a folder, and a second submission of the same
    student and set gets its own page."""
    ids = _feedback_names([person[s.student] for s in subs if s.student in person])
    taken = {name.lower() for name in ids.values()}
    others = {}
    for name, safe in _feedback_names([s.student for s in subs if s.student not in person]).items():
        others[name] = safe if safe.lower() not in taken else f"{safe}-unmatched"
    paths: dict[int, str] = {}
    used: set[str] = set()
    for index, sub in enumerate(subs):
        folder = ids[person[sub.student]] if sub.student in person else others[sub.student]
        page = f"feedback/{folder}/{sub.exercise_set}.html"
        if page.lower() in used:  # the same student handed in twice: both pages are kept
            digest = hashlib.sha256(sub.display.encode("utf-8", "surrogatepass")).hexdigest()[:8]
            page = f"feedback/{folder}/{sub.exercise_set}-{digest}.html"
        used.add(page.lower())
        paths[index] = page
    return paths


def attempt_history(sidecar: bytes | None) -> tuple[dict[str, dict], list[str]]:
    """A submission's check history per question ({tries, first_correct}) and notes.

    Untrusted like everything handed in: validated by answers.read_history
    (wrong types, future dates, oversize lists are dropped with a note); it
    is reported, never scored."""
    if sidecar is None:
        return {}, []
    try:
        history = answers_mod.read_history(json.loads(sidecar.decode("utf-8-sig")))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}, []  # an unreadable side file is already reported with the answers
    except Exception as error:  # defence in depth: a history never stops grading
        return {}, [f"the check history could not be read ({type(error).__name__})"]
    tries = {q: {"tries": history.tries(q), "first_correct": history.first_correct(q)} for q in history.checks}
    return tries, [f"check history: {note}" for note in history.notes]


def _variants_module():
    """scalecheck.classroom.variants, imported when per-student variants are asked for."""
    try:
        from scalecheck.classroom import variants
    except ImportError as error:
        raise ValueError("per-student variants (--variant-secret-file) need scalecheck.classroom.variants, "
                         f"which this copy of the course does not have ({error})") from None
    if not hasattr(variants, "student_key"):
        raise ValueError("scalecheck.classroom.variants has no student_key(); update the course")
    return variants


def _check_request(submissions_dir: Path, out: Path, term: classroom.Options | None,
                   variant_secret: str | None) -> None:
    """Everything wrong with the command itself, before anything runs (ValueError / FileNotFoundError)."""
    if not submissions_dir.is_dir():
        raise FileNotFoundError(f"{submissions_dir} is not a folder")
    resolved_out, resolved_in = out.resolve(), submissions_dir.resolve()
    if resolved_out == resolved_in or resolved_in in resolved_out.parents:
        raise ValueError("the output folder must not be inside the submissions folder")
    if term is not None:
        term.validate(exercise_sets())  # a wrong option stops here, before anything runs
    if variant_secret is not None:
        if not str(variant_secret).strip():
            raise ValueError("the variant secret is empty")
        if term is None or term.roster is None:
            raise ValueError("per-student variants need --roster: each student's key comes from their roster id")
        _variants_module()


def grade(submissions_dir: Path, out: Path, *, jobs: int = 1, close_credit: float = CLOSE_CREDIT,
          limits: Limits | None = None, quiet: bool = False, unsafe_no_sandbox: bool = False,
          term: classroom.Options | None = None, variant_secret: str | None = None) -> dict:
    """Grade every submission in ``submissions_dir``; write the reports to ``out``.

    With ``variant_secret`` (and a roster in ``term``), a submission matched
    to a roster student is judged against that student's own key
    (``variants.student_key``); unmatched ones against the shared key.
    Raises SandboxUnavailable (before touching anything) when the sandbox
    cannot be built and ``unsafe_no_sandbox`` is not set.
    """
    submissions_dir, out = Path(submissions_dir), Path(out)
    _check_request(submissions_dir, out, term, variant_secret)
    sandbox_kind = "" if unsafe_no_sandbox else sandbox.check_available()
    run = _Run(jobs, close_credit, limits or Limits(), quiet, not unsafe_no_sandbox, sandbox_kind, term, variant_secret)
    old_umask = os.umask(0o077)  # every report, cache entry and folder is private
    try:
        return _grade(submissions_dir, out, run)
    finally:
        os.umask(old_umask)


@dataclass
class _Run:
    """How this grading run was asked for."""
    jobs: int
    close_credit: float
    limits: Limits
    quiet: bool
    use_sandbox: bool
    sandbox_kind: str
    options: classroom.Options | None
    variant_secret: str | None

    @property
    def warning(self) -> str:
        return "" if self.use_sandbox else UNSAFE_WARNING


@dataclass
class _Plan:
    """Which submissions run, which come from the cache, which copy another's run."""
    cached: list = field(default_factory=list)          # (index, cache name): verified now, loaded when judged
    to_run: list = field(default_factory=list)          # (index, cache name)
    copies: list = field(default_factory=list)          # (index, index of the identical file that runs)
    executed: int = 0                                   # runs actually started


def _plan(subs: list[Submission], cases: dict, cache: Cache, run: _Run) -> _Plan:
    plan, first_of = _Plan(), {}
    mode = f"sandbox={run.use_sandbox}".encode()
    limits = json.dumps(asdict(run.limits), sort_keys=True).encode()
    set_cases = {name: json.dumps(value, sort_keys=True).encode() for name, value in cases.items()}
    for index, sub in enumerate(subs):
        # the hashes recorded at discovery stand for the bytes: the same file gives the same name,
        # and the bytes that run are verified against them when they are read again
        side = bytes.fromhex(sub.sidecar_sha256) if sub.sidecar_path is not None else b"\0none"
        name = Cache.key(GRADER_VERSION.encode(), mode, bytes.fromhex(sub.sha256), side, sub.exercise_set.encode(),
                         set_cases[sub.exercise_set], limits)
        if cache.get(name) is not None:  # not kept: the grader's memory must not grow with the class
            plan.cached.append((index, name))
        elif name in first_of:  # identical files (e.g. untouched hand-outs) run once
            plan.copies.append((index, first_of[name]))
        else:
            first_of[name] = index
            plan.to_run.append((index, name))
    return plan


def _collect(future, cache: Cache, name: str) -> Execution:
    """A worker's result, validated; cached only when it is the notebook's own outcome."""
    try:
        execution = validate_execution(future.result())
    except Exception as error:
        return Execution(failure=f"the grader could not run it ({type(error).__name__}); not cached, try again")
    if execution is None:
        return Execution(failure="the grader could not read this submission's result; not cached")
    if not execution.failure.startswith("the grader"):
        cache.put(name, execution)
    return execution


def _execute(plan: _Plan, subs: list[Submission], sets: list[str], cases: dict, cache: Cache, run: _Run,
             judge: _Judge) -> None:
    """Run the planned submissions in sandboxed workers, handing each execution to ``judge`` as it
    arrives (cached ones first). Hand-ins are read (and verified) when their run is submitted, and
    only ``jobs + 1`` runs are in flight, so the grader holds a bounded number of hand-ins and
    executions however large the class."""
    total = len(subs)
    progress = _Progress(total, run.quiet)
    for index, name in plan.cached:
        judge(index, cache.get(name) or Execution(failure="the grader lost this submission's cached result "
                                                           "while grading; not cached, try again"))
        progress.step("(cached)")
    if plan.to_run:
        with tempfile.TemporaryDirectory(prefix="scg-course-") as kernel_root:
            course = _kernel_course(Path(kernel_root), sets)
            _Workers(plan, subs, course, cases, cache, run, judge, progress).run()
    progress.end()


class _Progress:
    def __init__(self, total: int, quiet: bool):
        self.total, self.quiet, self.done = total, quiet, 0

    def step(self, label: str, count: int = 1) -> None:
        self.done += count
        if not self.quiet:
            _progress(self.done, self.total, label)

    def end(self) -> None:
        if not self.quiet and self.total:
            sys.stderr.write("\n")


def _preload_report_modules() -> None:
    """Import what the class summary draws with (matplotlib: about a second of CPU) while the first
    kernels start, not after the last one has finished, when it would be serial time added to every
    grading run. Called after the workers are forked, so no import is half done in a forked child."""
    for name in ("matplotlib.ticker", "scalecheck.ui.widgets"):
        try:
            importlib.import_module(name)
        except Exception:  # the summary will say what is wrong when it is drawn
            pass


class _Workers:
    """The sandboxed runs: a process pool fed ``jobs + 1`` runs at a time (one queued beyond the
    workers, so a worker that finishes starts its next kernel at once while the grader judges), each
    hand-in read and verified just before its run is submitted and dropped once it is judged."""

    def __init__(self, plan: _Plan, subs: list[Submission], course: str, cases: dict, cache: Cache, run: _Run,
                 judge: _Judge, progress: _Progress):
        self.plan, self.subs, self.course, self.cases, self.cache = plan, subs, course, cases, cache
        self.run_, self.judge, self.progress = run, judge, progress
        self.work: deque = deque(plan.to_run)
        self.in_flight: dict = {}  # future -> (index, cache name, (raw, sidecar), submitted at)
        self.depth = max(1, run.jobs) + 1
        # a run ends itself within total_timeout_s (its watchdog); a queued one may wait for one run first
        self.overdue_s = 2 * (run.limits.total_timeout_s + 120)
        self.limits = asdict(run.limits)
        # fork on Linux: workers need not re-import the caller's main module
        self.context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self.pool = None

    def _new_pool(self) -> futures.ProcessPoolExecutor:
        return futures.ProcessPoolExecutor(max_workers=max(1, self.run_.jobs), mp_context=self.context)

    def run(self) -> None:
        self.pool = self._new_pool()
        try:
            self._fill()  # with fork, the pool starts all its workers at the first submit
            _preload_report_modules()
            while self.work or self.in_flight:
                self._fill()
                if self.in_flight:
                    self._wait()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _fill(self) -> None:
        while self.work and len(self.in_flight) < self.depth:
            index, name = self.work.popleft()
            sub = self.subs[index]
            try:
                handin = load(sub)
            except HandinChanged as error:
                self._changed(index, name, error)
                continue
            args = (run_submission, *handin, sub.exercise_set, self.course, self.cases[sub.exercise_set], self.limits,
                    index, self.run_.use_sandbox)
            try:
                future = self.pool.submit(*args)
            except BrokenProcessPool:  # a worker died: the runs still to come get a new pool
                self.pool.shutdown(wait=True, cancel_futures=True)
                self.pool = self._new_pool()
                future = self.pool.submit(*args)
            self.plan.executed += 1
            self.in_flight[future] = (index, name, handin, time.monotonic())

    def _changed(self, index: int, name: str, error: HandinChanged) -> None:
        """A hand-in that is not the file found: reported; an identical copy of it runs in its place."""
        copies = self.judge.copies_of.pop(index, [])
        self.judge.changed(index, error)
        self.progress.step(self.subs[index].student)
        if copies:
            first, rest = copies[0], copies[1:]
            self.plan.copies.remove((first, index))
            self.judge.copies_of[first] = rest
            for each in rest:
                self.plan.copies[self.plan.copies.index((each, index))] = (each, first)
            self.work.appendleft((first, name))

    def _wait(self) -> None:
        now = time.monotonic()
        first_due = min(started for *_, started in self.in_flight.values()) + self.overdue_s
        done, _ = futures.wait(list(self.in_flight), timeout=max(1.0, first_due - now),
                               return_when=futures.FIRST_COMPLETED)
        for future in done:
            index, name, handin, _ = self.in_flight.pop(future)
            judged = 1 + len(self.judge.copies_of.get(index, []))  # it and its identical copies
            self.judge(index, _collect(future, self.cache, name), handin)  # then its bytes go
            self.progress.step(f"{self.subs[index].student} / {self.subs[index].exercise_set}", judged)
        if not done:
            self._overdue(time.monotonic())

    def _overdue(self, now: float) -> None:
        """A run that never came back: it fails, its worker is killed, the other runs start again."""
        for process in list(getattr(self.pool, "_processes", {}).values()):
            process.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = self._new_pool()
        for future, (index, name, _handin, started) in list(self.in_flight.items()):
            del self.in_flight[future]
            if now - started >= self.overdue_s - 1.0:  # (a wait may end a little early)
                judged = 1 + len(self.judge.copies_of.get(index, []))
                self.judge(index, Execution(failure="the grader's worker did not finish in time; not cached, "
                                                    "try again"))
                self.progress.step(self.subs[index].student, judged)
            else:  # an innocent bystander of the killed pool: read again and run again
                self.plan.executed -= 1
                self.work.appendleft((index, name))


def _student_key(sub: Submission, base: dict, term: classroom.Term, run: _Run) -> tuple[dict, str]:
    """The key this submission is judged against, and a note when it is not the student's own."""
    if run.variant_secret is None:
        return base, ""
    person = term.person.get(sub.student)
    if person is None:
        return base, "not matched to the roster: judged against the hand-out's default numbers, not a personal variant"
    return _variants_module().student_key(sub.exercise_set, person, run.variant_secret, base), ""


def _failed_row(sub: Submission, term: classroom.Term, failure: str) -> dict:
    return {"student": sub.student, "exercise_set": sub.exercise_set, "file": sub.display, "status": "failed",
            "points": 0.0, "max_points": 0.0, "percent": 0.0, "questions": [], "notes": [], "failure": failure,
            "feedback": "", "person": term.person.get(sub.student, sub.student), "attempts": {}}


class _Judge:
    """Judges each submission the moment its execution arrives, writes its feedback, and keeps only the
    row: executed notebooks and hand-in bytes are dropped at once, so the grader's own memory stays flat
    however large the class (an identical copy is judged with the execution of the file it copies)."""

    def __init__(self, subs: list[Submission], plan: _Plan, keys_by_set: dict, term: classroom.Term, out: Path,
                 run: _Run):
        from scalecheck.classroom.feedback_report import write_feedback_html

        self.subs, self.keys_by_set, self.term, self.out, self.run = subs, keys_by_set, term, out, run
        self.write_feedback_html = write_feedback_html
        self.pages = feedback_paths(subs, term.person)
        self.copies_of: dict[int, list[int]] = {}
        for index, first in plan.copies:
            self.copies_of.setdefault(first, []).append(index)
        self.rows: dict[int, dict] = {}
        self.problems: dict[int, list[dict]] = {}

    def __call__(self, index: int, execution: Execution, handin: tuple[bytes, bytes | None] | None = None) -> None:
        """Judge submission ``index`` (and its identical copies) with ``execution``; ``handin`` is the
        bytes that ran, already verified; every other hand-in is read now and verified."""
        for each in [index, *self.copies_of.pop(index, [])]:
            self._one(each, execution, handin if each == index else None)

    def changed(self, index: int, error: HandinChanged) -> None:
        """A hand-in that is no longer the file discovery found: a failed row, and a problem saying so."""
        failure = str(error)
        self.rows[index] = _failed_row(self.subs[index], self.term, failure)
        self.problems[index] = [{"file": self.subs[index].display, "reason": failure}]

    def _one(self, index: int, execution: Execution, handin: tuple[bytes, bytes | None] | None = None) -> None:
        sub = self.subs[index]
        try:
            raw, sidecar = handin if handin is not None else load(sub)
        except HandinChanged as error:
            self.changed(index, error)
            return
        try:
            key, note = _student_key(sub, self.keys_by_set[sub.exercise_set], self.term, self.run)
            row, notes = _judge_one(sub, raw, sidecar, execution, key, self.run.close_credit, self.out,
                                    self.pages[index], self.run.warning, self.write_feedback_html, self.term)
            notes += [note] if note else []
        except Exception as error:  # the boundary: this student is reported, the class goes on
            row = _failed_row(sub, self.term,
                              f"the grader failed on this submission ({type(error).__name__}: {str(error)[:200]})")
            notes = [row["failure"]]
        self.rows[index] = row
        self.problems[index] = [{"file": sub.display, "reason": note} for note in notes]

    def results(self) -> tuple[list[dict], list[dict]]:
        """Rows and problems in submission order; a submission nothing judged is reported, never lost."""
        for index in range(len(self.subs)):
            if index not in self.rows:
                self._one(index, Execution(failure="the grader never received this submission's result; try again"))
        order = range(len(self.subs))
        return [self.rows[i] for i in order], [p for i in order for p in self.problems[i]]


def _write_reports(out: Path, rows: list[dict], keys_by_set: dict, term: classroom.Term, problems: list[dict],
                   run: _Run) -> None:
    from scalecheck.classroom.feedback_report import write_class_summary, write_gradebook, write_problems

    extra_keys, extra_rows = classroom.standalone(term)  # e.g. the capstone, marked in manual.csv
    all_keys = {**keys_by_set, **{k: v for k, v in extra_keys.items() if k not in keys_by_set}}
    rows.extend(extra_rows)
    problems.extend(term.problems)
    write_gradebook(out, rows, all_keys, run.warning)
    write_class_summary(out, rows, all_keys)
    try:  # only when asked for a term (course.py grade always is); grade() without it keeps the older outputs
        if run.options is not None:
            lms.write_exports(out, rows, all_keys, term.roster)
    except Exception as error:  # the gradebook and the reports stand without the LMS files
        problems.append({"file": "", "reason": "the LMS exports could not be written "
                                               f"({type(error).__name__}: {str(error)[:200]})"})
    write_problems(out, problems)


def _prepare_term(options: classroom.Options | None, subs: list[Submission], sets: list[str],
                  keys_by_set: dict) -> classroom.Term:
    """Roster, manual scores, deadlines: bad content becomes problems; a fault here loses only these features."""
    try:
        return classroom.prepare(options, subs, sets, keys_by_set)
    except Exception as error:
        return classroom.Term(problems=[{"file": "", "reason": f"the roster, manual scores and deadlines could not be "
                                         f"used ({type(error).__name__}: {str(error)[:200]}); graded without them"}])


def _grade(submissions_dir: Path, out: Path, run: _Run) -> dict:
    if not out.exists():
        out.mkdir(parents=True, mode=0o700)
    sets = exercise_sets()
    subs, skipped = discover(submissions_dir, sets)
    keys_by_set = {name: load_key(name) for name in sorted({s.exercise_set for s in subs})}
    term = _prepare_term(run.options, subs, sets, keys_by_set)
    cases = {name: {q: [list(args) for args, _ in e.get("cases", [])]
                    for q, e in entries.items() if e.get("kind") == "function"}
             for name, entries in keys_by_set.items()}
    cache = Cache(out / ".cache")
    plan = _plan(subs, cases, cache, run)
    judge = _Judge(subs, plan, keys_by_set, term, out, run)
    _execute(plan, subs, sets, cases, cache, run, judge)
    rows, problems = judge.results()
    graded = sum(r["status"] in ("graded", "blank") for r in rows)
    failed = sum(r["status"] == "failed" for r in rows)
    problems = [{"file": path, "reason": reason} for path, reason in skipped] + problems
    _write_reports(out, rows, keys_by_set, term, problems, run)
    return {"graded": graded, "failed": failed, "skipped": len(skipped), "executed": plan.executed,
            "from_cache": len(plan.cached), "identical": len(plan.copies),
            "problems": problems, "sandbox": run.sandbox_kind or "none (unsafe)"}


def _judge_one(sub: Submission, raw: bytes, sidecar: bytes | None, execution: Execution, key_entries: dict,
               close_credit: float, out: Path, feedback: str, warning: str, write_feedback_html,
               term=None) -> tuple[dict, list[str]]:
    saved, conflicts = saved_answers(raw, sidecar)
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
    attempts, history_notes = attempt_history(sidecar)
    notes = list(sub.notes) + conflicts + history_notes
    if execution.failure:
        notes.append(execution.failure)
    row = {"student": sub.student, "exercise_set": sub.exercise_set, "file": sub.display, "status": status,
           "points": round(earned, 4), "max_points": possible,
           "percent": round(100 * earned / possible, 1) if possible else 0.0,
           "manual_points_pending": sum(r.max_points for r in results if r.manual and r.status == "manual"),
           "questions": [asdict(r) for r in results], "notes": (sub.notes + conflicts + execution.problems)[:50],
           "failure": execution.failure, "feedback": feedback, "raw_points": round(raw, 4), "late": late,
           "person": term.person.get(sub.student, sub.student) if term is not None else sub.student,
           "attempts": attempts}
    write_feedback_html(out / feedback, sub, execution, results, earned, possible, notes=sub.notes + conflicts,
                        warning=warning,
                        late=late)
    return row, notes


HELP_EPILOG = """\
outputs (in --out, created private):
  gradebook.csv, gradebook.json   one row per student: points per question, totals, status
  feedback/<student>/<set>.html   the student's notebook, marked: verdict under each question, score table at the end
                                  (<student> is the roster id when the submission is matched to the roster)
  summary.csv, summary.png        per-question means and verdict shares, tries from the students' check
                                  histories; score distribution
  problems.csv                    every file not graded, and every note worth a look, with the reason
  long.csv                        one row per student x set: raw score, late penalty, final score, max
  canvas.csv, moodle.csv          with --roster: grades in Canvas's and Moodle's import forms
  .cache/                         private, verified results for re-grading unchanged submissions

Each submission runs in its own bubblewrap sandbox (no network, no other files, an unprivileged uid).
Without bubblewrap the grader refuses to run; --unsafe-no-sandbox runs kernels unisolated.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course.py grade", description="Grade a folder of submitted exercise notebooks, each in its own sandbox.",
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path,
                        help="folder of submissions (one folder per student, or student_set.ipynb)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the gradebook and feedback")
    parser.add_argument("--jobs", type=int, default=1, help="submissions run at once (default: 1)")
    parser.add_argument("--close-credit", type=float, default=CLOSE_CREDIT,
                        help=f"share of a question's points for a 'close' answer (default: {CLOSE_CREDIT:g})")
    parser.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout_s,
                        help="seconds per cell (default: %(default)s)")
    parser.add_argument("--total-timeout", type=int, default=Limits.total_timeout_s,
                        help="seconds per submission, reading the notebook included (default: %(default)s)")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb,
                        help="address space per kernel process, MB (default: %(default)s)")
    parser.add_argument("--output-kb", type=int, default=Limits.output_total_kb,
                        help="all output of one notebook, display updates included, KB (default: %(default)s)")
    term = parser.add_argument_group("running a term (see the README, 'Running a term')")
    term.add_argument("--roster", type=Path,
                      help="class list: a Canvas gradebook export, or student_id,name,email[,section]")
    term.add_argument("--manual", type=Path,
                      help="manual.csv: student,item,points,comment[,max] (written answers, capstone)")
    term.add_argument("--due", action="append", default=[], metavar="SET=TIME",
                      help="due time of a set, e.g. 01=2026-12-01T23:59 (UTC unless an offset is given); repeatable")
    term.add_argument("--deadlines", type=Path, help="deadlines.csv: set,due")
    term.add_argument("--extensions", type=Path, help="extensions.csv: student,set (or *),days or due")
    term.add_argument("--submitted", type=Path,
                      help="submitted.csv: student,set,submitted (else the files' times are used)")
    term.add_argument("--late-policy", default="none",
                      help="none | percent-per-day:N | zero-after-days:N (default: none)")
    term.add_argument("--variant-secret-file", type=Path,
                      help="the course secret that release --roster used: each rostered student is judged against "
                           "their own variant's key")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="run kernels without the sandbox (a warning goes on every report; "
                             "only for work you trust)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not 0 <= args.close_credit <= 1:
        parser.error("--close-credit must be between 0 and 1")
    if args.jobs < 1 or args.cell_timeout < 1 or args.total_timeout < 1 or args.memory_mb < 256 or args.output_kb < 16:
        parser.error("--jobs, --cell-timeout and --total-timeout must be at least 1, --memory-mb at least 256, "
                     "--output-kb at least 16")
    limits = Limits(args.cell_timeout, args.total_timeout, args.memory_mb, output_total_kb=args.output_kb)
    if args.unsafe_no_sandbox:
        print(f"grade: warning: {UNSAFE_WARNING}", file=sys.stderr)
    secret = None
    if args.variant_secret_file is not None:
        try:  # the variants module's own reader: the same rules as release --variant-secret-file
            secret = _variants_module().read_secret(args.variant_secret_file)
        except ValueError as error:
            print(f"grade: {error}", file=sys.stderr)
            return 2
    try:
        summary = grade(args.submissions, args.out, jobs=args.jobs, close_credit=args.close_credit, limits=limits,
                        unsafe_no_sandbox=args.unsafe_no_sandbox,
                        term=classroom.Options(args.roster, args.manual, args.due, args.deadlines, args.extensions,
                                               args.submitted, args.late_policy), variant_secret=secret)
    except sandbox.SandboxUnavailable as error:
        print(textwrap.fill(f"grade: refusing to grade: {error}", 100, subsequent_indent="  "), file=sys.stderr)
        return 3
    except (FileNotFoundError, ValueError) as error:  # keys.KeyError_ is a ValueError
        print(f"grade: {error}", file=sys.stderr)
        return 2
    print(f"graded {summary['graded']}, failed {summary['failed']}, skipped {summary['skipped']} "
          f"(executed {summary['executed']}, from cache {summary['from_cache']}"
          + (f", identical to another {summary['identical']}" if summary.get("identical") else "")
          + f"; sandbox: {summary['sandbox']})")
    if summary["problems"]:
        print(f"problems listed ({len(summary['problems'])}) in {args.out / 'problems.csv'}")
    return 0


