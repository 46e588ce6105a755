"""The grader's parts that need no kernel: validation, cache, discovery, inert reports, refusal."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import stat
import tracemalloc
from pathlib import Path

import pytest

from scalecheck.classroom import feedback_report as report
from scalecheck.classroom.grading import cache as cachemod
from scalecheck.classroom.grading import discovery, orchestrate, sandbox, scoring
from scalecheck.classroom.grading.runner import parse_notebook

SETS = ["01_orders_of_magnitude", "02_first_principles_cost"]


# -- what comes back from a kernel -------------------------------------------

def test_a_reply_of_the_wrong_shape_loses_nothing_but_itself():
    for payload in ([1, 2], "x", None, {"answers": [1]}, {"answers": "no"}):
        answers, notes, _ = scoring.validate_answers(payload)
        assert answers == {} and notes
    answers, notes, found = scoring.validate_answers({"found": True, "answers": {
        "q1": {"t": "num", "v": "7.9e19"},
        "q2": {"t": "int", "v": "9" * 5000},            # too long: dropped alone
        "q3": [1, 2],                                      # wrong shape: dropped alone
        "q4": {"t": "func", "outputs": [{"t": "num", "v": "1.0"}, {"t": "func", "outputs": []}]},
        "q 5; drop": {"t": "str", "v": "x"},               # not a question id
        "q6": {"t": "str", "v": "x" * 50_000},             # capped, kept
    }})
    assert found and set(answers) == {"q1", "q4", "q6"}
    assert answers["q4"]["outputs"][1]["t"] == "error" and len(answers["q6"]["v"]) == scoring.MAX_TEXT
    assert any("q2" in n for n in notes) and any("q3" in n for n in notes)


def test_invalid_executions_are_refused():
    good = {"answers": {"q1": {"t": "blank"}}, "problems": [], "failure": "", "seconds": 1.0, "executed": None}
    assert scoring.validate_execution(good) is not None
    for bad in ([], {**good, "answers": []}, {**good, "answers": {"q1": "7"}}, {**good, "seconds": float("nan")},
                {**good, "executed": {"cells": "x"}}, {**good, "failure": 3}):
        assert scoring.validate_execution(bad) is None


def test_score_survives_anything_and_written_answers_wait_for_the_teacher():
    key = {"q1": {"kind": "number", "unit": "", "expected": 2.0, "points": 1, "order": 1},
           "q2": {"kind": "written", "points": 2, "order": 2, "rubric": "r", "prompt": "p"}}
    results = scoring.score({"q1": {"t": "obj", "type": "list", "len": 3}}, {"q2": "my argument " * 10}, key, 0.5)
    assert [r.status for r in results] == ["invalid", "manual"]
    assert results[1].points == 0 and results[1].manual and results[1].max_points == 2
    results = scoring.score({"q1": {"t": "error", "v": "ValueError"}}, {}, key, 0.5)
    assert results[0].status == "invalid" and results[1].status == "unanswered"
    # a saved answer is used where the kernel has none
    assert scoring.score({}, {"q1": "2"}, key, 0.5)[0].status == "correct"


def test_a_bom_is_accepted_and_huge_notebooks_refused_before_running():
    document = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    assert parse_notebook(b"\xef\xbb\xbf" + json.dumps(document).encode())[0] is not None
    assert "UTF-8" in parse_notebook(b'{"cells": ["\xff"]}')[1]
    many = json.dumps({"cells": [{"cell_type": "markdown", "source": ""}] * 100_000}).encode()
    assert "too many cells" in parse_notebook(many)[1]
    assert "nested" in parse_notebook(b"[" * 100_000 + b"]" * 100_000)[1] or parse_notebook(b"[" * 100_000)[0] is None


def test_saved_answers_are_validated_and_never_raise():
    hostile = [b"", b"\x00\xff", b'{"metadata": {"widgets": 7}, "cells": []}', b"[" * 50_000]
    for raw in hostile:
        assert orchestrate.saved_answers(raw, b"{not json") [0] == {}
    values, _ = orchestrate.saved_answers(json.dumps({"cells": [], "metadata": {}}).encode(),
                                          json.dumps({"answers": {"q1": "7.5", "bad id!": "1", "q2": [1]}}).encode())
    assert "bad id!" not in values and "q2" not in values


# -- the cache ---------------------------------------------------------------

def test_cache_entries_are_private_verified_and_never_forged(tmp_path):
    store = cachemod.Cache(tmp_path / ".cache")
    assert stat.S_IMODE(os.stat(tmp_path / ".cache").st_mode) == 0o700
    execution = scoring.Execution(answers={"q1": {"t": "num", "v": "1.0"}})
    store.put("k1", execution)
    assert store.get("k1").answers == execution.answers
    entry = tmp_path / ".cache" / "k1.json"
    assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0
    forged = json.loads(entry.read_text())
    forged["data"]["answers"]["q1"]["v"] = "7.9e19"
    entry.write_text(json.dumps(forged))
    assert store.get("k1") is None and not entry.exists()  # forged: refused and removed
    store.put("k2", execution)
    os.chmod(tmp_path / ".cache" / "k2.json", 0o644)
    assert store.get("k2") is None  # readable by others: not trusted
    store.put("k3", scoring.Execution(answers={"q1": "not encoded"}))
    assert not (tmp_path / ".cache" / "k3.json").exists()  # invalid results are never cached


# -- discovery ---------------------------------------------------------------

def test_every_entry_is_graded_or_reported(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    notebook = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    (folder / "alice_01.ipynb").write_bytes(notebook)
    (folder / ".eve_01.ipynb").write_bytes(notebook)
    (folder / "x_01.ipynb").mkdir()
    (folder / "link_01.ipynb").symlink_to(folder / "alice_01.ipynb")
    (folder / "dirlink").symlink_to(tmp_path)
    os.mkfifo(folder / "fifo_01.ipynb")
    (folder / "orphan_01.answers.json").write_text("{}")
    (folder / "notes.txt").write_text("x")
    (folder / "nobody.ipynb").write_bytes(notebook)
    with open(os.path.join(os.fsencode(folder), b"Jos\xe9_01.ipynb"), "wb") as handle:
        handle.write(notebook)
    (folder / "bob").mkdir()
    (folder / "bob" / "01_orders_of_magnitude.ipynb").write_bytes(notebook)
    (folder / "bob" / "01_orders_of_magnitude.answers.json").write_text('{"answers": {}}')
    subs, skipped = discovery.discover(folder, SETS)
    reasons = dict(skipped)
    assert {s.student for s in subs} == {"alice", "bob", "José"}
    assert next(s for s in subs if s.student == "bob").sidecar_path is not None
    assert "Latin-1" in " ".join(next(s for s in subs if s.student == "José").notes)
    assert "hidden" in reasons[".eve_01.ipynb"]
    assert "folder" in reasons["x_01.ipynb"]
    assert "link" in reasons["link_01.ipynb"] and "link" in reasons["dirlink"]
    assert "regular" in reasons["fifo_01.ipynb"]
    assert "no notebook" in reasons["orphan_01.answers.json"]
    assert "not a notebook" in reasons["notes.txt"] and "names no exercise set" in reasons["nobody.ipynb"]
    assert len(subs) + len(skipped) == 11  # every entry accounted for (bob's folder through its notebook)


def _big_notebook(tag: int, kb: int = 256) -> bytes:
    filler = {"cell_type": "markdown", "metadata": {}, "source": f"{tag} " + "x" * (kb * 1024)}
    return json.dumps({"cells": [filler], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def test_discovery_keeps_no_hand_in_bytes(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for number in range(40):  # 40 x 256 kB: 10 MB if the bytes were kept
        (folder / f"s{number:02d}_01.ipynb").write_bytes(_big_notebook(number))
        (folder / f"s{number:02d}_01.answers.json").write_text('{"answers": {"q1": "1"}}')
    tracemalloc.start()
    try:
        subs, skipped = discovery.discover(folder, SETS)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(subs) == 40 and not skipped
    assert held < 1024 * 1024, f"discovery still holds {held // 1024} kB"
    for sub in subs:
        assert not any(isinstance(value, (bytes, bytearray, memoryview)) for value in vars(sub).values())
        raw = (folder / f"{sub.student}_01.ipynb").read_bytes()
        assert sub.sha256 == hashlib.sha256(raw).hexdigest() and sub.size == len(raw) and sub.sidecar_path
    # read when needed, and verified
    raw, side = discovery.load(subs[0])
    assert raw == (folder / "s00_01.ipynb").read_bytes() and side == b'{"answers": {"q1": "1"}}'


def test_a_hand_in_swapped_after_discovery_is_refused_when_read(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in ("a", "b", "c", "d"):
        (folder / f"{name}_01.ipynb").write_bytes(_big_notebook(ord(name), 1))
    (folder / "d_01.answers.json").write_text("{}")
    subs = {s.student: s for s in discovery.discover(folder, SETS)[0]}
    (folder / "a_01.ipynb").write_bytes(_big_notebook(999, 1))         # new content
    (folder / "b_01.ipynb").unlink()                                    # gone
    (folder / "c_01.ipynb").unlink()
    (folder / "c_01.ipynb").symlink_to(folder / "d_01.ipynb")           # a link now
    (folder / "d_01.answers.json").write_text('{"answers": {"q1": "9"}}')  # the answers file changed
    for student, words in (("a", "changed"), ("b", "no longer be read"), ("c", "no longer be read"),
                           ("d", "answers file changed")):
        with pytest.raises(discovery.HandinChanged, match=words):
            discovery.load(subs[student])


RECEIVED = Path("/nonexistent")


def _recording_run(raw, sidecar, exercise_set, course, cases, limits, index, use_sandbox):
    """A stand-in worker (fork-started: it reports through a file) that answers nothing."""
    with open(RECEIVED, "a") as handle:
        handle.write(hashlib.sha256(raw).hexdigest() + "\n")
    return {"answers": {}, "problems": [], "failure": "", "seconds": 0.01, "executed": None}


@pytest.mark.slow  # two gradings of a small class (stand-in runs): ~5 s each under load
def test_a_class_goes_on_when_hand_ins_change_between_discovery_and_their_run(tmp_path, monkeypatch):
    global RECEIVED
    RECEIVED = tmp_path / "received.txt"
    folder, out = tmp_path / "subs", tmp_path / "out"
    folder.mkdir()
    same = _big_notebook(0, 1)
    for name in ("amy", "ben", "cat", "dan", "eve"):
        (folder / f"{name}_01.ipynb").write_bytes(_big_notebook(ord(name[0]), 1))
    (folder / "fay_01.ipynb").write_bytes(same)  # fay and gus hand in identical files: one run for both
    (folder / "gus_01.ipynb").write_bytes(same)
    real_discover = orchestrate.discover
    swaps = {"ben_01.ipynb": _big_notebook(777, 1), "fay_01.ipynb": _big_notebook(778, 1)}

    def discover_then_swap(*args):
        found = real_discover(*args)
        for name, content in swaps.items():
            (folder / name).write_bytes(content)
        return found

    monkeypatch.setattr(orchestrate, "discover", discover_then_swap)
    monkeypatch.setattr(orchestrate, "run_submission", _recording_run)

    def grade() -> tuple[dict, dict]:
        RECEIVED.write_text("")
        summary = orchestrate.grade(folder, out, jobs=2, quiet=True, unsafe_no_sandbox=True)
        rows = {r["student"]: r for r in json.loads((out / "gradebook.json").read_text())["submissions"]}
        return summary, rows

    summary, rows = grade()
    for student in ("ben", "fay"):
        assert rows[student]["status"] == "failed" and "changed after the grader found it" in rows[student]["failure"]
    assert all(rows[s]["status"] != "failed" for s in ("amy", "cat", "dan", "eve", "gus"))  # gus runs in fay's place
    problems = (out / "problems.csv").read_text(encoding="utf-8")
    assert "ben_01.ipynb" in problems and "fay_01.ipynb" in problems
    received = set(RECEIVED.read_text().split())
    swapped = {hashlib.sha256(content).hexdigest() for content in swaps.values()}
    assert not received & swapped and len(received) == 5  # amy, cat, dan, eve, gus; never a swapped file
    assert summary["executed"] == 5 and summary["failed"] == 2
    # again: amy's result comes from the cache, but her file changes after discovery: the cached
    # result of the bytes found is not used for the bytes now there
    swaps.clear()
    swaps["amy_01.ipynb"] = _big_notebook(780, 1)
    summary, rows = grade()
    assert rows["amy"]["status"] == "failed" and "changed" in rows["amy"]["failure"]
    assert summary["from_cache"] == 5 and summary["executed"] == 2  # ben's and fay's new files run now
    assert all(rows[s]["status"] != "failed" for s in ("ben", "cat", "dan", "eve", "fay", "gus"))


@pytest.mark.slow  # two real (unsandboxed) kernels
def test_a_worker_keeps_no_threads_or_descriptors_from_earlier_runs():
    """A worker grades hundreds of submissions in a row: each run must close its kernel client's
    sockets and ZeroMQ context (nbclient leaves them to the manager's owner, the grader)."""
    import gc
    from dataclasses import asdict

    from scalecheck.classroom.grading.runner import Limits, run_submission

    root = str(Path(__file__).resolve().parent.parent)
    notebook = json.dumps({"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [],
                                      "execution_count": None}], "metadata": {}, "nbformat": 4,
                           "nbformat_minor": 5}).encode()

    def run() -> None:
        result = run_submission(notebook, None, SETS[0], root, {}, asdict(Limits(total_timeout_s=120)), 0, False)
        assert not result["failure"], result["failure"]

    run()  # the first run imports what every later one uses
    gc.disable()  # what is left behind must be closed, not merely collectable
    try:
        threads, fds = len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))
        run()
        run()
        assert len(os.listdir("/proc/self/task")) <= threads and len(os.listdir("/proc/self/fd")) <= fds
    finally:
        gc.enable()


def test_report_file_names_never_collide():
    names = orchestrate._feedback_names(["a\\b", "a_b", "A_b", "a/b", "..", "zoë 渡辺"])
    assert len(set(n.lower() for n in names.values())) == 6
    assert all("/" not in n and "\\" not in n and n not in (".", "..") for n in names.values())


# -- inert reports -----------------------------------------------------------

def _png(width=4, height=3) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_images_are_re_encoded_and_fakes_dropped():
    assert base64.b64decode(report.safe_image(_png()))[:8] == b"\x89PNG\r\n\x1a\n"
    fake = "iVBORw0KGgo" + "A" * 2000 + "'><script>alert(1)</script>"
    assert report.safe_image(fake) is None
    assert report.safe_image(base64.b64encode(b"<svg onload=alert(1)>").decode()) is None
    data = {"image/png": fake, "text/plain": "<script>x</script>"}
    html = report._outputs_html([{"output_type": "display_data", "data": data}])
    assert "<script" not in html


def test_markdown_renders_and_student_html_stays_dead():
    out = report.render_markdown("## Q3 **MWh** <script>alert(1)</script> [x](javascript:alert(1)) "
                                 "![t](http://tracker.example/p.png) <img src=x onerror=alert(1)>")
    assert "<h2>" in out and "<strong>MWh</strong>" in out
    assert "<script" not in out and "javascript:" not in out and "tracker.example" not in out and "<img" not in out


def test_csv_cells_cannot_be_formulas(tmp_path):
    report.write_problems(tmp_path, [{"file": f"{c}x_01.ipynb", "reason": "r"} for c in "=+-@\t\r"])
    import csv

    rows = list(csv.DictReader(open(tmp_path / "problems.csv", newline="")))
    assert len(rows) == 6 and all(row["file"].startswith("'") for row in rows)


# -- refusal -----------------------------------------------------------------

def test_without_bubblewrap_the_grader_refuses_and_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "BWRAP", str(tmp_path / "no-bwrap"))
    sandbox.check_available.cache_clear()
    try:
        (tmp_path / "subs").mkdir()
        code = orchestrate.main([str(tmp_path / "subs"), "--out", str(tmp_path / "out")])
    finally:
        sandbox.check_available.cache_clear()
    err = capsys.readouterr().err
    assert code == 3 and "bubblewrap" in err and "apt-get install bubblewrap" in err and "--unsafe-no-sandbox" in err
    assert not (tmp_path / "out").exists()


def test_help_names_the_command_shows_defaults_and_outputs(capsys):
    with pytest.raises(SystemExit) as stop:
        orchestrate.main(["--help"])
    text = capsys.readouterr().out
    assert stop.value.code == 0 and text.startswith("usage: course.py grade")
    assert "(default: 30)" in text and "(default: 180)" in text and "(default: 2048)" in text
    assert "gradebook.csv" in text and "problems.csv" in text and "summary.png" in text


def test_the_module_runs_as_a_command():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "scalecheck.classroom.grading", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("usage: course.py grade") and not done.stderr


# -- the read-back cell (kernel_extract.py), tested as the module it is ---------

def _extract(monkeypatch, answers, cases=None, found=True):
    """Run the read-back function with a stand-in session; return what it displayed."""
    from types import SimpleNamespace

    import IPython.display

    from scalecheck.classroom.grading import kernel_extract
    from scalecheck.exercise import exercises

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw=False: shown.append(data))
    monkeypatch.setattr(exercises, "ACTIVE", {"01_x": SimpleNamespace(answers=answers)} if found else {})
    kernel_extract._scalecheck_extract("01_x", json.dumps(cases or {}), "MARK:")
    (data,) = shown
    text = data["application/x-scalecheck-answers+json"]
    assert text.startswith("MARK:")
    return json.loads(text[len("MARK:"):])


def test_read_back_encodes_each_answer_on_its_own():
    import numpy as np

    from scalecheck.classroom.grading import kernel_extract as k

    class Hostile(float):
        def __float__(self):
            raise RuntimeError("no")

    class BadLen:
        def __len__(self):
            raise ValueError("no")

    assert k._scalecheck_encode(None) == {"t": "blank"} == k._scalecheck_encode(...)
    assert k._scalecheck_encode(True) == {"t": "bool", "v": True}
    assert k._scalecheck_encode("x" * 20_000)["v"] == "x" * k.MAX_TEXT
    assert k._scalecheck_encode(10 ** 500)["v"] == "inf" and k._scalecheck_encode(-(10 ** 500))["v"] == "-inf"
    assert k._scalecheck_encode(7) == {"t": "int", "v": "7"}
    assert k._scalecheck_encode(np.float64(2.5)) == {"t": "num", "v": "2.5"}
    assert k._scalecheck_encode(np.array(3.0)) == {"t": "num", "v": "3.0"}
    assert k._scalecheck_encode([1, 2]) == {"t": "obj", "type": "list", "len": 2}
    assert k._scalecheck_encode(BadLen()) == {"t": "obj", "type": "BadLen", "len": None}
    assert k._scalecheck_safe_encode(Hostile(1.0)) == {"t": "error", "v": "RuntimeError"}
    # what goes back is data the grader's own validation accepts
    assert scoring.validate_encoded(k._scalecheck_encode(2.5)) is not None


def test_read_back_runs_functions_on_the_cases_and_survives_their_errors(monkeypatch):
    def good(a, b):
        return a * b

    def bad(a, b):
        raise ZeroDivisionError("boom")

    reply = _extract(monkeypatch, {"q1": 3.0, "q2": good, "q3": bad, "q4": good},
                     cases={"q2": [[2, 3], [4, 5]], "q3": [[1, 1]]})
    answers = reply["answers"]
    assert reply["found"] and answers["q1"] == {"t": "num", "v": "3.0"}
    assert answers["q2"] == {"t": "func", "outputs": [{"t": "int", "v": "6"}, {"t": "int", "v": "20"}]}
    assert answers["q3"]["outputs"][0] == {"t": "error", "v": "ZeroDivisionError: boom"}
    assert answers["q4"] == {"t": "obj", "type": "function", "len": None}  # no cases: never called
    validated, notes, found = scoring.validate_answers(reply)
    assert found and set(validated) == {"q1", "q2", "q3", "q4"} and not notes


def test_read_back_without_a_session_or_with_too_much_says_so(monkeypatch):
    from scalecheck.classroom.grading import kernel_extract

    assert _extract(monkeypatch, {}, found=False) == {"found": False, "answers": {}}
    monkeypatch.setattr(kernel_extract, "MAX_PAYLOAD", 5_000)
    reply = _extract(monkeypatch, {"q1": "a" * 4_000, "q2": "b" * 4_000, "q3": 1.5})
    assert len(json.dumps(reply)) <= 5_000
    assert reply["answers"]["q3"] == {"t": "num", "v": "1.5"}
    assert {"t": "error", "v": "too large to send"} in reply["answers"].values()


def test_read_back_source_is_the_module_file_plus_one_call():
    from scalecheck.classroom.grading import kernel_extract
    from scalecheck.classroom.grading.runner import extraction_source

    source = extraction_source("01_x", {"q2": [[1, 2]]}, "MARK:")
    module_text = open(kernel_extract.__file__, encoding="utf-8").read()
    assert source.startswith(module_text)
    compile(source, "<read-back>", "exec")
    assert source.rstrip().splitlines()[-1] == "_scalecheck_extract('01_x', '{\"q2\": [[1, 2]]}', 'MARK:')"


def test_concurrent_grader_runs_never_share_a_sandbox_uid(tmp_path):
    """Two runs on one machine (two shards) claim different uids for their submission n: the process limit is per
    uid, so a fork bomb in one run must not leave a classmate in the other without a kernel."""
    claims = str(tmp_path / "claims")
    with sandbox.claimed_uid(3, claims) as first, sandbox.claimed_uid(3, claims) as second:
        assert first == sandbox.sandbox_uid(3) and second != first and second >= sandbox.UID_BASE
        with sandbox.claimed_uid(3, claims) as third:
            assert third not in (first, second)
    with sandbox.claimed_uid(3, claims) as again:  # released at exit, also when a run ends with an error
        assert again == first
    with pytest.raises(RuntimeError), sandbox.claimed_uid(3, claims):
        raise RuntimeError("the run failed")
    with sandbox.claimed_uid(3, claims) as after_error:
        assert after_error == first


def test_a_claims_folder_others_can_enter_or_a_link_is_refused(tmp_path):
    open_folder = tmp_path / "open"
    open_folder.mkdir(mode=0o777)
    os.chmod(open_folder, 0o777)
    with pytest.raises(sandbox.SandboxUnavailable, match="0700"), sandbox.claimed_uid(0, str(open_folder)):
        pass
    (tmp_path / "private").mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(tmp_path / "private")
    with pytest.raises(sandbox.SandboxUnavailable), sandbox.claimed_uid(0, str(tmp_path / "link")):
        pass


def test_widgets_in_a_grading_kernel_keep_their_state_and_publish_nothing(monkeypatch):
    """The grading kernel's widgets have no front end: their comms are the no-op kind, so a
    graded notebook sends the grader no widget traffic, and a widget still holds its value."""
    import comm
    import ipywidgets

    from scalecheck.exercise import grading_kernel

    sent = []

    class Recording(comm.base_comm.BaseComm):
        def publish_msg(self, msg_type, *args, **kwargs):
            sent.append(msg_type)

    monkeypatch.setattr(comm, "create_comm", Recording)
    ipywidgets.IntText(1).close()
    assert sent, "the recording comm should see a widget's messages before the change"
    sent.clear()
    grading_kernel.quiet_widget_comms()
    box = ipywidgets.IntText(3)
    box.value = 4
    assert isinstance(box.comm, comm.DummyComm)
    assert box.get_state()["value"] == 4 and box.value == 4
    box.close()
    assert sent == []


def test_a_grading_kernel_runs_code_without_a_debugger(tmp_path, monkeypatch):
    """The grading kernel leaves ipykernel's debugger (debugpy) out: nobody attaches one, and its import was
    about a tenth of the kernel's CPU per submission. The kernel still starts and runs a cell."""
    import sys

    from jupyter_client.manager import start_new_kernel

    spec = tmp_path / "kernels" / "grader"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-P", "-m", "scalecheck.exercise.grading_kernel", "-f", "{connection_file}"],
        "display_name": "grader", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    manager, client = start_new_kernel(kernel_name="grader", cwd=str(tmp_path))
    printed = []
    try:
        reply = client.execute_interactive(
            "import sys\nprint(sys.modules.get('debugpy'), 'debugpy.server' in sys.modules, 6 * 7)", timeout=60,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    assert "".join(printed).split() == ["None", "False", "42"]


def test_a_kernel_that_answers_garbage_leaves_no_traceback_for_the_teacher(capfd, caplog):
    """A submission whose kernel answers in a shape the client cannot read (here json.dumps replaced) fails
    alone. nbclient cancels its "kernel alive?" poll only when a cell's reply arrives, so the poll stayed in
    the worker's event loop; the next run woke it after the client was closed, and it printed "Task exception
    was never retrieved" and a traceback into the teacher's progress bar (seen grading the hostile corpus
    with `course.py grade`)."""
    import gc
    from dataclasses import asdict

    from scalecheck.classroom.grading.runner import Limits, run_submission

    root = str(Path(__file__).resolve().parent.parent)

    def notebook(source: str) -> bytes:
        return json.dumps({"cells": [{"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
                                      "execution_count": None}], "metadata": {}, "nbformat": 4,
                           "nbformat_minor": 5}).encode()

    limits = asdict(Limits(total_timeout_s=120))
    # the poll wakes every second: a cell longer than that leaves it mid-wait when the reply goes wrong
    garbled = run_submission(notebook("import json, time\ntime.sleep(1.5)\njson.dumps = lambda *a, **k: '[1, 2, 3]'"),
                             None, SETS[0], root, {}, limits, 0, False)
    assert "stopped answering properly" in garbled["failure"], garbled["failure"]
    after = run_submission(notebook("x = 1"), None, SETS[0], root, {}, limits, 0, False)
    assert not after["failure"], after["failure"]
    gc.collect()  # asyncio reports an unretrieved task exception when the task is collected
    # outside pytest the message goes to stderr through logging's last resort; here pytest's log capture has it
    printed = capfd.readouterr().err + "".join(record.getMessage() for record in caplog.records)
    assert "Traceback" not in printed and "never retrieved" not in printed, printed[-2000:]
