"""Shard-and-merge grading: a stable split, sealed shard outputs, a merge that refuses overlap and tampering.

One small class (four submissions, one of them the full solution) is graded for real in two
sandboxed shards and merged; every hostile case then starts from a copy of those outputs.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scalecheck.classroom.grading import sandbox, shard

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build  # noqa: E402

SET = "01_orders_of_magnitude"


def test_split_is_a_stable_partition_and_keeps_answers_files_with_their_notebook(tmp_path):
    names = (
        [f"s{n}_{SET}.ipynb" for n in range(40)] + [f"s{n}_{SET}.answers.json" for n in range(40)] + ["carol", "dan"]
    )
    for name in names:
        (tmp_path / name).mkdir() if "." not in name else (tmp_path / name).write_text("{}")
    for shards in (1, 2, 3, 7):
        parts = [shard.select(tmp_path, shards, i) for i in range(shards)]
        assert sorted(sum(parts, [])) == sorted(names)  # every entry in exactly one shard
        assert sum(len(p) for p in parts) == len(names)
        assert parts == [shard.select(tmp_path, shards, i) for i in range(shards)]  # same answer every time
        for part in parts:
            notebooks = {n[: -len(".ipynb")] for n in part if n.endswith(".ipynb")}
            sidecars = {n[: -len(".answers.json")] for n in part if n.endswith(".answers.json")}
            assert notebooks == sidecars
    # the shard depends on the name alone: a fixed value, as on any other machine
    assert (
        shard.shard_of("alice", 1000)
        == int.from_bytes(__import__("hashlib").sha256(b"alice").digest()[:8], "big") % 1000
    )
    halves = [len(shard.select(tmp_path, 2, i)) for i in range(2)]
    assert min(halves) >= 20  # 82 entries: a hash split is not lopsided


def test_bad_arguments_give_a_message_not_a_traceback(tmp_path):
    for argv in (
        ["split", "--shards", "2", "--index", "2", str(tmp_path)],
        ["split", "--shards", "0", "--index", "0", str(tmp_path)],
        ["split", "--shards", "2", "--index", "0", str(tmp_path / "nowhere")],
        ["merge", str(tmp_path / "a"), "--out", str(tmp_path / "m")],
    ):
        run = subprocess.run(
            [sys.executable, "-m", "scalecheck.classroom.grading.shard", *argv],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert run.returncode == 1 and "Traceback" not in run.stderr and run.stderr.startswith("shard: "), run.stderr


def _need_sandbox() -> None:
    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as error:
        if os.path.exists(sandbox.BWRAP) or sandbox.is_root():
            raise
        pytest.skip(f"no sandbox here: {error}")


def _notebook(source: Path | None, tag: str) -> str:
    """A submission: the solutions notebook (``source``) or, with None, the blank hand-out, tagged."""
    # with None, the hand-out as a fresh clone has it (exercises/ here may hold a learner's answers)
    document = json.loads(source.read_text() if source is not None else build.blank_exercise_text(SET))
    document["cells"].append({"cell_type": "markdown", "metadata": {}, "source": f"submission {tag}"})
    return json.dumps(document)


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    _need_sandbox()
    base = tmp_path_factory.mktemp("shards")
    submissions = base / "submissions"
    submissions.mkdir()
    students = ["ann", "ben", "cho", "dev"]
    for student in students:
        source = ROOT / "solutions" / f"{SET}.ipynb" if student == "ann" else None
        (submissions / f"{student}_{SET}.ipynb").write_text(_notebook(source, student))
    outputs = []
    for index in range(2):
        out = base / f"out{index}"
        code = shard.main(["grade", "--shards", "2", "--index", str(index), str(submissions), "--out", str(out)])
        assert code == 0
        outputs.append(out)
    merged = base / "merged"
    assert shard.main(["merge", *map(str, outputs), "--out", str(merged)]) == 0
    return {"base": base, "outputs": outputs, "merged": merged, "students": students}


def test_merge_is_the_whole_class(sharded):
    book = json.loads((sharded["merged"] / "gradebook.json").read_text())
    rows = {r["student"]: r for r in book["submissions"]}
    assert sorted(rows) == sharded["students"]
    # the solution keeps every point the machine marks (written answers wait for the teacher)
    assert rows["ann"]["points"] + rows["ann"]["manual_points_pending"] == rows["ann"]["max_points"] > 0
    assert all(rows[s]["status"] == "blank" and rows[s]["points"] == 0 for s in ("ben", "cho", "dev"))
    for row in rows.values():
        assert (sharded["merged"] / row["feedback"]).is_file()
    with open(sharded["merged"] / "gradebook.csv", newline="") as handle:
        assert sorted(r["student"] for r in csv.DictReader(handle)) == sharded["students"]
    with open(sharded["merged"] / "long.csv", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 4
    assert (sharded["merged"] / "summary.csv").exists() and (sharded["merged"] / "problems.csv").exists()
    shard_rows = [json.loads((o / "gradebook.json").read_text())["submissions"] for o in sharded["outputs"]]
    assert all(shard_rows), "both shards got work: the test covers a real merge"
    assert all((o / ".cache").is_dir() for o in sharded["outputs"])  # each shard keeps its own cache


def _copy(sharded, name: str) -> list[Path]:
    copies = []
    for number, out in enumerate(sharded["outputs"]):
        target = sharded["base"] / f"{name}{number}"
        shutil.copytree(out, target, symlinks=True)
        copies.append(target)
    return copies


def _refused(outputs: list[Path], merged: Path, needle: str) -> None:
    with pytest.raises(shard.ShardError, match=needle):
        shard.merge(outputs, merged)
    assert not merged.exists() or not any(merged.iterdir()), "a refused merge writes nothing"


def test_the_same_student_in_two_shards_is_refused(sharded):
    first, second = _copy(sharded, "twice")
    book = json.loads((first / "gradebook.json").read_text())
    student = book["submissions"][0]["student"]
    # a second copy of that student's set, graded in the other shard (e.g. alice_01 and alice/01_...)
    extra = sharded["base"] / "twice_in"
    extra.mkdir()
    (extra / f"{student}_{SET}.ipynb").write_text(_notebook(None, "again"))
    third = sharded["base"] / "twice_out"
    assert shard.main(["grade", "--shards", "1", "--index", "0", str(extra), "--out", str(third)]) == 0
    _refused([first, second, third], sharded["base"] / "twice_merged", f"{student} / {SET} graded in")
    # and one shard output named twice (a copy) is refused as well
    _refused([first, second, sharded["outputs"][0]], sharded["base"] / "twice_merged", "graded in")


def test_a_changed_shard_output_is_refused(sharded):
    first, second = _copy(sharded, "changed")
    path = first / "gradebook.json"
    book = json.loads(path.read_text())
    row = (
        next(r for r in book["submissions"] if r["points"] < r["max_points"])
        if any(r["points"] < r["max_points"] for r in book["submissions"])
        else book["submissions"][0]
    )
    row["points"] = row["max_points"]
    path.write_text(json.dumps(book))
    _refused([first, second], sharded["base"] / "changed_merged", "changed after the shard was sealed")
    (first / "feedback" / "planted.html").write_text("<p>x</p>")
    _refused([first, second], sharded["base"] / "changed_merged", "differ from its seal")
    os.remove(first / shard.SEAL)
    _refused([first, second], sharded["base"] / "changed_merged", "no readable")


@pytest.mark.parametrize(
    "tamper", ["points_over_max", "question_points", "unknown_set", "feedback_escape", "feedback_link", "not_json"]
)
def test_a_forged_and_resealed_shard_is_still_refused(sharded, tamper):
    first, second = _copy(sharded, f"forged_{tamper}")
    path = first / "gradebook.json"
    book = json.loads(path.read_text())
    row = book["submissions"][0]
    if tamper == "points_over_max":
        row["points"] = row["max_points"] + 5
        needle = "do not fit"
    elif tamper == "question_points":
        row["questions"][0]["points"] = 1e9
        needle = "has 1000000000"
    elif tamper == "unknown_set":
        row["exercise_set"] = "99_made_up"
        needle = "unknown exercise set"
    elif tamper == "feedback_escape":
        row["feedback"] = f"feedback/../../{SET}.html"
        needle = "feedback path"
    elif tamper == "feedback_link":
        target = first / row["feedback"]
        target.unlink()
        target.symlink_to(ROOT / "solutions" / f"{SET}.ipynb")
        needle = "not a regular file"
    if tamper == "not_json":
        path.write_text("{ not json")
        needle = "missing or unreadable"
    else:
        path.write_text(json.dumps(book))
    if tamper == "feedback_link":
        # a forger cannot seal a link either: sealing refuses it, so forge the manifest by hand
        with pytest.raises(shard.ShardError):
            shard.seal(first)
        manifest = json.loads((first / shard.SEAL).read_text())
        manifest["files"]["gradebook.json"] = shard._sha256(path)
        (first / shard.SEAL).write_text(json.dumps(manifest))
        needle = "changed after|not a regular file"
    else:
        shard.seal(first)
    _refused([first, second], sharded["base"] / f"forged_{tamper}_merged", needle)


def test_merge_refuses_a_folder_that_is_not_empty(sharded):
    merged = sharded["base"] / "busy"
    merged.mkdir()
    (merged / "keep.txt").write_text("teacher's file")
    with pytest.raises(shard.ShardError, match="not empty"):
        shard.merge(sharded["outputs"], merged)
    assert (merged / "keep.txt").read_text() == "teacher's file"
