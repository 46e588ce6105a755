"""Shard and merge: grade a large class in K independent pieces, then join the reports.

    python -m scalecheck.classroom.grading.shard split --shards K --index I SUBMISSIONS [--into DIR]
    python -m scalecheck.classroom.grading.shard grade --shards K --index I SUBMISSIONS --out OUT_I [grader options]
    python -m scalecheck.classroom.grading.shard seal OUT_I
    python -m scalecheck.classroom.grading.shard merge OUT_1 ... OUT_K --out MERGED

``split`` picks a stable subset: a submission goes to shard
``sha256(key) mod K``, where the key is its top-level entry in the folder
(a student's folder stays whole; ``alice_01.ipynb`` and its
``alice_01.answers.json`` share a key). The same folder and K give the same
split on every machine, so K machines (or K jobs of a job array) can each
take their index without talking to each other. With ``--into`` the chosen
entries are copied (times kept: the late rules read them) into a folder the
normal grader grades; without it their names are printed.

``grade`` is split + the normal grader (``course.py grade``) into OUT_I, its
cache in OUT_I/.cache, + ``seal``: a manifest of every report file's SHA-256.

``merge`` refuses (exit code 1, nothing written) when a shard is not sealed,
its files do not match its seal, its gradebook does not hold together (points
outside 0..max, an unknown set or question, a feedback path outside the
feedback folder, a link), or two shards graded the same student's same set.
Otherwise it writes one gradebook, summary, problems list, long.csv and
feedback folder, as one grading run of the whole class would have.
The seal detects changed or damaged files, not a forger who rewrites the
seal as well: keep shard outputs where only the graders can write.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from pathlib import Path

SEAL = "shard-seal.json"
REPORTS = ("gradebook.json", "gradebook.csv", "problems.csv", "summary.csv", "long.csv")
FEEDBACK = re.compile(r"feedback/([^/\\\x00]{1,80})/([0-9]{2}_[A-Za-z0-9_]{1,80})\.html")
STATUSES = ("graded", "blank", "failed")


class ShardError(Exception):
    """A shard output that cannot be merged; the message says which and why."""


def shard_key(entry_name: str) -> str:
    """The name that decides the shard: a notebook and its answers file share it."""
    for suffix in (".answers.json", ".ipynb"):
        if entry_name.endswith(suffix):
            return entry_name[: -len(suffix)]
    return entry_name


def shard_of(entry_name: str, shards: int) -> int:
    digest = hashlib.sha256(shard_key(entry_name).encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % shards


def select(submissions: Path, shards: int, index: int) -> list[str]:
    """The top-level entries of ``submissions`` that belong to shard ``index`` of ``shards``."""
    if shards < 1 or not 0 <= index < shards:
        raise ValueError(f"need --shards >= 1 and 0 <= --index < --shards (got {shards} and {index})")
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is not a folder")
    return sorted(name for name in os.listdir(submissions) if shard_of(name, shards) == index)


def copy_selection(submissions: Path, names: list[str], into: Path) -> None:
    """Copy the chosen entries (no links followed; the grader would refuse them anyway)."""
    into.mkdir(parents=True, exist_ok=True)
    for name in names:
        source, target = submissions / name, into / name
        if source.is_symlink():
            continue  # the grader reports links; a copy must not turn one into a real file
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True)
        elif source.is_file():
            shutil.copy2(source, target)


# --------------------------------------------------------------------------- seal


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _report_files(out: Path) -> list[str]:
    names = [name for name in REPORTS if (out / name).exists()]
    feedback = out / "feedback"
    if feedback.is_dir():
        names += sorted(str(p.relative_to(out)) for p in feedback.rglob("*") if not p.is_dir() or p.is_symlink())
    return names


def seal(out: Path) -> Path:
    """Write the manifest: SHA-256 of every report and feedback file."""
    files = {}
    for name in _report_files(out):
        path = out / name
        if path.is_symlink() or not path.is_file():
            raise ShardError(f"{path}: not a regular file; a grader output holds none")
        files[name] = _sha256(path)
    target = out / SEAL
    target.write_text(json.dumps({"version": 1, "files": files}, indent=1) + "\n")
    return target


def verify_seal(out: Path) -> None:
    try:
        manifest = json.loads((out / SEAL).read_text())
        files = manifest["files"]
        assert isinstance(files, dict)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        raise ShardError(f"{out}: no readable {SEAL} (seal a shard with `shard seal` after grading it)") from None
    present = set(_report_files(out))
    if present != set(files):
        extra, missing = sorted(present - set(files)), sorted(set(files) - present)
        raise ShardError(f"{out}: files differ from its seal (added {extra[:5]}, missing {missing[:5]})")
    for name, digest in files.items():
        path = out / name
        if path.is_symlink() or not path.is_file() or _sha256(path) != digest:
            raise ShardError(f"{out}: {name} was changed after the shard was sealed")


# --------------------------------------------------------------------------- merge


def _rows(out: Path, keys: dict[str, dict]) -> list[dict]:
    """The shard's submission rows, checked to hold together against the key."""
    try:
        document = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
        rows = document["submissions"]
        assert isinstance(rows, list)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        raise ShardError(f"{out}: gradebook.json is missing or unreadable") from None
    for number, row in enumerate(rows):
        where = f"{out}: gradebook.json submission {number}"
        if not isinstance(row, dict) or not isinstance(row.get("student"), str) or row.get("status") not in STATUSES:
            raise ShardError(f"{where}: not a grader row")
        name = row.get("exercise_set")
        if name not in keys:
            raise ShardError(f"{where}: unknown exercise set {name!r}")
        points, most = row.get("points"), row.get("max_points")
        possible = sum(float(e.get("points", 1.0)) for e in keys[name].values())
        if (
            not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (points, most))
            or abs(most - possible) > 1e-6
            or not -1e-9 <= points <= most + 1e-9
        ):
            raise ShardError(f"{where}: points {points!r} of {most!r} do not fit the key's {possible:g}")
        questions = row.get("questions")
        if not isinstance(questions, list) or any(
            not isinstance(q, dict) or q.get("question") not in keys[name] for q in questions
        ):
            raise ShardError(f"{where}: its questions are not the key's")
        for q in questions:
            value, top = q.get("points"), float(keys[name][q["question"]].get("points", 1.0))
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not -1e-9 <= value <= top + 1e-9:
                raise ShardError(f"{where}: question {q['question']} has {value!r} of {top:g} points")
        feedback = row.get("feedback", "")
        if feedback:
            match = FEEDBACK.fullmatch(feedback) if isinstance(feedback, str) else None
            if match is None or match.group(2) != name or match.group(1) in (".", ".."):
                raise ShardError(f"{where}: feedback path {str(feedback)[:80]!r} is not feedback/<student>/<set>.html")
            info = os.lstat(out / feedback) if (out / feedback).exists() or (out / feedback).is_symlink() else None
            if info is None or not stat.S_ISREG(info.st_mode):
                raise ShardError(f"{where}: its feedback file is missing or not a regular file")
    return rows


def _problems(out: Path) -> list[dict]:
    import csv

    path = out / "problems.csv"
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return [{"file": r.get("file", ""), "reason": r.get("reason", "")} for r in csv.DictReader(handle)]


def merge(outputs: list[Path], merged: Path) -> dict:
    """Check every shard, then write the merged reports into ``merged`` (new or empty)."""
    from scalecheck.classroom.feedback_report import write_class_summary, write_gradebook, write_problems
    from scalecheck.classroom.release import exercise_sets

    from . import lms
    from .orchestrate import load_key

    if len({p.resolve() for p in outputs}) != len(outputs):
        raise ShardError("the same shard output is named twice")
    if merged.exists() and any(merged.iterdir()):
        raise ShardError(f"{merged} is not empty; merge into a new folder")
    keys = {name: load_key(name) for name in exercise_sets()}
    rows: list[dict] = []
    problems: list[dict] = []
    owner: dict[tuple[str, str], Path] = {}
    feedback_owner: dict[str, Path] = {}
    conflicts: list[str] = []
    warnings: set[str] = set()
    for out in outputs:
        verify_seal(out)
        shard_rows = _rows(out, keys)
        for row in shard_rows:
            key = (row["student"], row["exercise_set"])
            if key in owner:
                conflicts.append(f"{row['student']} / {row['exercise_set']} graded in {owner[key]} and in {out}")
            owner[key] = out
            if row.get("feedback"):
                if row["feedback"] in feedback_owner:
                    conflicts.append(f"{row['feedback']} written by {feedback_owner[row['feedback']]} and by {out}")
                feedback_owner[row["feedback"]] = out
        rows += shard_rows
        problems += _problems(out)
        warning = json.loads((out / "gradebook.json").read_text(encoding="utf-8")).get("warning")
        if warning:
            warnings.add(str(warning))
    if conflicts:
        raise ShardError(
            "shards overlap (a student's set graded twice: merge needs disjoint shards):\n  "
            + "\n  ".join(conflicts[:20])
        )
    merged.mkdir(parents=True, exist_ok=True, mode=0o700)
    used = {r["exercise_set"] for r in rows}
    present = {name: keys[name] for name in sorted(used)}
    for feedback, out in feedback_owner.items():
        (merged / feedback).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out / feedback, merged / feedback)
    rows.sort(key=lambda r: (r["student"], r["exercise_set"]))
    write_gradebook(merged, rows, present, " ".join(sorted(warnings)))
    write_class_summary(merged, rows, present)
    lms.write_exports(merged, rows, present, None)
    write_problems(merged, problems)
    return {"shards": len(outputs), "submissions": len(rows), "problems": len(problems)}


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scalecheck.classroom.grading.shard",
        description="Grade a class in K shards and merge the reports.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("split", "grade"):
        command = commands.add_parser(
            name, help="choose shard INDEX of K" + (" and grade it" if name == "grade" else "")
        )
        command.add_argument("--shards", type=int, required=True)
        command.add_argument("--index", type=int, required=True)
        command.add_argument("submissions", type=Path)
        if name == "split":
            command.add_argument("--into", type=Path, help="copy the chosen entries here (else print their names)")
        else:
            command.add_argument("--out", type=Path, required=True)
    commands.add_parser("seal", help="write the manifest of a graded shard").add_argument("out", type=Path)
    command = commands.add_parser("merge", help="merge sealed shard outputs")
    command.add_argument("outputs", type=Path, nargs="+")
    command.add_argument("--out", type=Path, required=True)
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "grade":
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    try:
        if args.command == "split":
            names = select(args.submissions, args.shards, args.index)
            if args.into:
                copy_selection(args.submissions, names, args.into)
                print(f"shard {args.index}/{args.shards}: {len(names)} entries copied to {args.into}")
            else:
                print("\n".join(names))
            return 0
        if args.command == "grade":
            from .orchestrate import main as grade_main

            names = select(args.submissions, args.shards, args.index)
            with tempfile.TemporaryDirectory(prefix=f"shard{args.index}-") as folder:
                copy_selection(args.submissions, names, Path(folder) / "in")
                code = grade_main([str(Path(folder) / "in"), "--out", str(args.out), *rest])
            if code == 0:
                seal(args.out)
            return code
        if args.command == "seal":
            print(f"sealed {seal(args.out)}")
            return 0
        summary = merge(args.outputs, args.out)
        print(
            f"merged {summary['shards']} shards: {summary['submissions']} submissions, "
            f"{summary['problems']} problems listed, into {args.out}"
        )
        return 0
    except (ShardError, ValueError, FileNotFoundError) as error:
        print(f"shard: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
