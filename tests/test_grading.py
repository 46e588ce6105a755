"""Classroom mode: release without leaks; grading of honest and hostile work.

The hostile corpus (tests/hostile/corpus.py, one submission per attack of
issue 12's classes) is graded in ONE sandboxed run with two workers; every
test below reads that run's reports. A probe submission tries to read the
solutions, .git, the output folder and classmates' work, and to reach the
network; any success prints LEAK, which must appear nowhere.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

import pytest

from scalecheck.classroom import grading, release
from scalecheck.classroom.grading import sandbox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SET = "01_orders_of_magnitude"
SOLUTION = ROOT / "solutions" / f"{SET}.ipynb"
KEY = json.loads((ROOT / "solutions" / "keys" / f"{SET}.json").read_text())["questions"]


# ---------------------------------------------------------------------------
# Release


def test_release_has_no_key_and_no_solutions(tmp_path):
    out = tmp_path / "handout"
    files = release.build_release(["01"], out)
    names = {p.relative_to(out).as_posix() for p in files}
    assert f"exercises/{SET}.ipynb" in names and f"exercises/keys/{SET}.json" in names
    assert "lessons/01_orders_of_magnitude.ipynb" in names and "lessons/00_welcome.ipynb" in names
    assert not any(n.startswith("solutions/") for n in names)
    assert not any("classroom" in n for n in names)
    # search every released file for every value only the key holds
    secrets = set()
    for entry in KEY.values():
        if entry["kind"] == "number":
            secrets |= {repr(entry["expected"]), json.dumps(entry["expected"])}
            secrets |= {hint for _, hint in entry["mistakes"]}
        if entry["kind"] == "function":
            secrets |= {json.dumps(out_value) for _, out_value in entry["cases"]}
        if entry["hint"]:
            secrets.add(entry["hint"])
        secrets |= {why for _, why in entry.get("explanations", [])}
    secrets = {s for s in secrets if len(s) >= 6}
    assert len(secrets) >= 10
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="ignore")
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.relative_to(out)} leaks {leaked[:3]}"


def test_release_checks_give_only_non_revealing_feedback(tmp_path, monkeypatch):
    out = tmp_path / "handout"
    release.build_release([SET], out)
    monkeypatch.setenv("SCALECHECK_COURSE_ROOT", str(out))
    monkeypatch.delenv("SCALECHECK_KEY_DIR", raising=False)
    from scalecheck.exercise import exercises

    ex = exercises.start(SET, strict=False)
    assert not ex.has_answers
    wrong = ex.number("q1_cluster_as_quoted", 1.98e19).feedback
    assert wrong.status == "recorded" and "graded later" in wrong.message
    assert ex.number("q1_cluster_as_quoted", "79 EFLOP").feedback.status == "wrong"  # unit kind is public
    assert ex.number("q1_cluster_as_quoted", 1e30).feedback.hint  # far outside the plausible range


def test_release_refuses_to_overwrite_other_folders(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    with pytest.raises(release.ReleaseError):
        release.build_release(["01"], precious)
    with pytest.raises(release.ReleaseError):
        release.build_release(["01"], precious, force=True)
    assert (precious / "thesis.tex").exists()
    with pytest.raises(release.ReleaseError, match="no exercise set"):
        release.build_release(["99"], tmp_path / "new")




# ---------------------------------------------------------------------------
# Grading the hostile corpus (one run)


def _need_sandbox() -> None:
    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as error:
        if os.path.exists(sandbox.BWRAP) or sandbox.is_root():
            raise  # CI (root, Debian, bubblewrap installed): a missing sandbox is a failure
        pytest.skip(f"no sandbox here: {error}")


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(os.fsencode(path.relative_to(folder)))
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _unclaimed_sandbox_processes() -> list[str]:
    """Processes under a sandbox uid that no grader run holds (sandbox.claimed_uid's flock): leftovers.

    A run holds its uid's claim until its kernel is gone, so a process under a uid nobody claims outlived
    the submission it ran for. Checking the claim (held here while that uid's processes are listed, so no
    run can take the uid meanwhile) keeps other grader runs on the machine, such as the journeys' on the
    other test worker, out of the finding."""
    import fcntl

    by_uid: dict[int, list[str]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        if sandbox.UID_BASE <= uid < sandbox.UID_BASE + 10 ** 9:
            by_uid.setdefault(uid, []).append(pid)
    found = []
    for uid, pids in by_uid.items():
        fd = os.open(os.path.join(sandbox.UID_CLAIMS, str(uid)), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a live grader run holds this uid
        else:
            found += [pid for pid in pids if os.path.exists(f"/proc/{pid}")]
        finally:
            os.close(fd)
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    _need_sandbox()
    base = tmp_path_factory.mktemp("class")
    submissions, out = base / "submissions", base / "grades"
    submissions.mkdir()
    private_keys = base / "private_keys"
    shutil.copytree(ROOT / "solutions" / "keys", private_keys)
    os.chmod(private_keys, 0o700)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    context = {
        "secret_files": [str(p) for p in (
            SOLUTION, ROOT / "solutions" / "keys" / f"{SET}.json", ROOT / ".git" / "HEAD", ROOT / ".git" / "config",
            ROOT / "README.md", ROOT / "course.py", private_keys / f"{SET}.json", submissions / f"bob_{SET}.ipynb",
            submissions / "alice" / f"{SET}.ipynb", out / "gradebook.csv", out / ".cache" / "secret",
            Path("/etc/shadow"))],
        "secret_folders": [str(p) for p in (ROOT / "solutions", ROOT / ".git", out, out / ".cache", submissions,
                                             private_keys, ROOT / "scalecheck")],
        "port": listener.getsockname()[1],
        "out_files": [str(out / "gradebook.csv"), str(out / "problems.csv")],
    }
    classes = corpus.build(submissions, context)
    before = _tree_hash(submissions)
    # the grader's working folders (scg-*) go to a folder of this run's own, so a check for leftovers does not
    # see another grader run's on the machine (the journeys grade on the other test worker). Not under pytest's
    # own temporary folder: the kernel's command line names its folder, and the probe counts a command line
    # with "pytest" in it as the grader's process seen from the sandbox.
    own_temp = Path(tempfile.mkdtemp(prefix="hostile-corpus-"))
    # no attack waits for a timeout: 30 s per cell only keeps a probe that tries every door from being cut off on a
    # loaded machine (the whole suite runs on two workers beside the notebooks' own kernels)
    limits = grading.Limits(cell_timeout_s=30, total_timeout_s=120, memory_mb=1536, output_total_kb=1024)
    old = os.environ.get("SCALECHECK_KEY_DIR")
    os.environ["SCALECHECK_KEY_DIR"] = str(private_keys)
    old_temp, tempfile.tempdir = tempfile.tempdir, str(own_temp)
    started = time.monotonic()
    try:
        summary = grading.grade(submissions, out, jobs=2, limits=limits, quiet=True)
    finally:
        tempfile.tempdir = old_temp
        if old is None:
            os.environ.pop("SCALECHECK_KEY_DIR", None)
        else:
            os.environ["SCALECHECK_KEY_DIR"] = old
        listener.close()
    seconds = time.monotonic() - started
    document = json.loads((out / "gradebook.json").read_text())
    yield {"summary": summary, "book": {r["student"]: r for r in document["students"]},
           "detail": {r["student"]: r for r in document["submissions"]}, "out": out, "submissions": submissions,
           "before": before, "limits": limits, "private_keys": private_keys, "classes": classes, "seconds": seconds,
           "own_temp": own_temp, "out_hash": _tree_hash(out),
           "problems": [(r["file"], r["reason"])
                        for r in csv.DictReader(open(out / "problems.csv", encoding="utf-8"))],
           "key": json.loads((private_keys / f"{SET}.json").read_text())["questions"]}
    shutil.rmtree(own_temp, ignore_errors=True)


def _results(graded, student) -> dict[str, dict]:
    return {q["question"]: q for q in graded["detail"][student]["questions"]}


def _feedback(graded, student) -> str:
    return (graded["out"] / graded["detail"][student]["feedback"]).read_text(encoding="utf-8")


def _two_right(graded, student) -> bool:
    results = _results(graded, student)
    return all(results[q]["status"] == "correct" for q in corpus.answered_questions())


def test_honest_work_keeps_every_point(graded):
    alice = _results(graded, "alice")
    for question, entry in graded["key"].items():
        assert alice[question]["status"] == ("manual" if entry["kind"] == "written" else "correct"), question
    assert graded["detail"]["alice"]["manual_points_pending"] > 0  # the argued answer waits for the teacher
    for student in ("bob", "dora", "José"):  # dora's file starts with a BOM; José's name is Latin-1
        assert _two_right(graded, student), student
        assert graded["detail"][student]["points"] == 2.0
    assert graded["detail"]["carol"]["status"] == "blank"
    assert any("Latin-1" in reason for _, reason in graded["problems"])


def test_1_one_submission_cannot_abort_the_class(graded):
    summary = graded["summary"]
    assert summary["graded"] + summary["failed"] == len(graded["detail"])
    display = graded["detail"]["h1_display"]
    assert any("read back" in note for note in display["notes"]) and display["status"] != "failed"
    assert graded["detail"]["h1_json"]["status"] == "failed"  # its kernel cannot talk any more: reported, no crash
    bigint = _results(graded, "h1_bigint")
    first, second = corpus.answered_questions()
    assert bigint[second]["status"] == "correct"  # one unreadable answer loses only itself
    assert bigint[first]["status"] != "correct"


def test_2_and_5_nothing_outlives_its_submission(graded):
    time.sleep(2)
    if sandbox.is_root():
        assert _unclaimed_sandbox_processes() == []
    assert _tree_hash(graded["out"]) == graded["out_hash"]  # no leftover process rewrote a report
    assert sorted(os.listdir(graded["own_temp"])) == []  # every submission's working folder removed
    assert "LEAK" not in _feedback(graded, "h2_plant") and _two_right(graded, "h2_plant")


def test_3_the_key_the_class_and_the_network_are_out_of_reach(graded):
    for student in graded["detail"]:
        if graded["detail"][student]["feedback"]:
            assert "LEAK" not in _feedback(graded, student), student
    probe = _feedback(graded, "h3_probe")
    assert "UID " in probe  # the probe ran to the end
    uid = int(probe.split("UID ", 1)[1].split()[0])
    assert uid != 0 and (uid >= sandbox.UID_BASE or not sandbox.is_root())
    assert _two_right(graded, "h3_probe")
    assert ("h3_link_01.ipynb", "a symbolic link; links are never followed") in graded["problems"]
    assert "h3_link" not in graded["detail"]


def test_4_students_cannot_harm_each_other(graded):
    # kill(-1) reaches no process but its own namespace's: it cannot even end itself
    assert graded["detail"]["h4_killall"]["points"] == 2.0
    for student in ("alice", "bob", "dora", "h3_probe", "h5_fork"):
        assert graded["detail"][student]["status"] == "graded", student


def test_5_limits_hold(graded):
    fork = _feedback(graded, "h5_fork")
    assert _two_right(graded, "h5_fork") and "refused" in fork
    assert _two_right(graded, "h5_updates")
    largest = max(p.stat().st_size for p in (graded["out"] / ".cache").glob("*.json"))
    assert largest < 4_000_000  # 200 MB of display updates and 17 MB of markdown left a few MB at most
    page = graded["out"] / graded["detail"]["h5_markdown"]["feedback"]
    assert page.stat().st_size < 3_500_000 and "not shown" in page.read_text(encoding="utf-8")
    assert "too many cells" in graded["detail"]["h5_cells"]["failure"]
    readback = graded["detail"]["h5_readback"]
    assert any("too large" in note for note in readback["notes"]) and readback["status"] == "graded"


def test_6_reports_are_inert(graded):
    page = _feedback(graded, "h6_inject").lower()
    tags = re.findall(r"<[^<>]*>", page)  # the student's attempts may remain as escaped text, never as markup
    assert not [t for t in tags if "script" in t or "javascript:" in t or "onerror" in t or "<img src=x" in t]
    assert "&lt;script&gt;" in page and "content-security-policy" in page
    assert _two_right(graded, "h6_inject")
    rows = list(csv.reader(open(graded["out"] / "gradebook.csv", encoding="utf-8", newline="")))
    names = [row[0] for row in rows[1:]]
    assert not any(name[:1] in "=+-@\t\r" for name in names)
    assert any(name.startswith("'=HYPERLINK") for name in names) and any(name.startswith("'@SUM") for name in names)


def test_7_honest_work_is_never_lost(graded):
    reasons = dict(graded["problems"])
    assert "folder" in reasons["x_01.ipynb"] and "hidden" in reasons[".eve_01.ipynb"]
    assert "not a notebook" in reasons["notes.txt"]
    assert graded["detail"]["a\\b"]["feedback"] != graded["detail"]["a_b"]["feedback"]
    assert graded["detail"]["a\\b"]["points"] == 2.0 and graded["detail"]["a_b"]["points"] == 0.0


def test_submissions_untouched_and_outputs_private(graded):
    assert _tree_hash(graded["submissions"]) == graded["before"]
    out = graded["out"]
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    for path in out.rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".cache", "feedback", "gradebook.csv", "gradebook.json", "problems.csv", "summary.csv", "summary.png"])


def test_reports_read_like_a_marked_script(graded):
    bob = _feedback(graded, "bob")
    assert "<title>Feedback — bob — set 01 orders of magnitude</title>" in bob
    assert "point(s)" not in bob and "graded later" not in bob
    assert bob.rindex("Your score") > bob.rindex("<div class='md'>")  # the score table comes last
    assert "<h2>" in bob  # markdown is rendered, not shown raw
    summary = list(csv.DictReader(open(graded["out"] / "summary.csv", encoding="utf-8")))
    assert {r["question"] for r in summary} == set(graded["key"])
    assert int(summary[0]["blank_submissions"]) >= 1  # carol: counted apart, not averaged in as 0%
    assert (graded["out"] / "summary.png").read_bytes()[:4] == b"\x89PNG"


def test_regrading_uses_verified_cache_entries_only(graded):
    out = graded["out"]
    first = (out / "gradebook.csv").read_text(encoding="utf-8")
    os.environ["SCALECHECK_KEY_DIR"] = str(graded["private_keys"])
    try:
        entries = sorted((out / ".cache").glob("*.json"), key=lambda p: p.stat().st_size)
        forged = json.loads(entries[0].read_text())
        forged["data"]["answers"] = {q: {"t": "str", "v": "forged"} for q in graded["key"]}
        entries[0].write_text(json.dumps(forged))
        summary = grading.grade(graded["submissions"], out, jobs=1, limits=graded["limits"], quiet=True)
        assert summary["executed"] == 1  # the forged entry was refused and its submission run again
        assert (out / "gradebook.csv").read_text(encoding="utf-8") == first
    finally:
        os.environ.pop("SCALECHECK_KEY_DIR", None)
