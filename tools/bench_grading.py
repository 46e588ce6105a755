"""How much the grader's sandbox costs: one submission graded vs plain nbclient,
the bare sandbox start-up, and class throughput with --jobs 1 and --jobs 2.

    .venv/bin/python tools/bench_grading.py [--set 01] [--class-size 4] [--repeat 3]

Prints a small table (seconds; medians of --repeat runs). Run it on an idle
machine: the figures are wall-clock times.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from scalecheck.classroom import grading, release  # noqa: E402
from scalecheck.classroom.grading import sandbox  # noqa: E402


def _submission(set_name: str, tag: str) -> nbformat.NotebookNode:
    notebook = nbformat.read(ROOT / "solutions" / f"{set_name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.cells.append(nbformat.v4.new_markdown_cell(f"submission {tag}"))  # distinct bytes: no cache hits
    return notebook


def plain_nbclient(notebook, course: str) -> float:
    from nbclient import NotebookClient

    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="bench-plain-")
    try:
        env = dict(os.environ, SCALECHECK_COURSE_ROOT=course, PYTHONPATH=course, SCALECHECK_STRICT="0", MPLBACKEND="agg")
        client = NotebookClient(notebook, kernel_name="python3", timeout=120, allow_errors=True,
                                resources={"metadata": {"path": work}})
        client.execute(env=env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return time.monotonic() - started


def grade_folder(notebooks: list, set_name: str, jobs: int) -> float:
    base = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        (base / "in").mkdir()
        for number, notebook in enumerate(notebooks):
            nbformat.write(notebook, base / "in" / f"s{number}_{set_name}.ipynb")
        started = time.monotonic()
        summary = grading.grade(base / "in", base / "out", jobs=jobs, quiet=True)
        seconds = time.monotonic() - started
        assert summary["graded"] == len(notebooks) and summary["failed"] == 0, summary
        return seconds
    finally:
        shutil.rmtree(base, ignore_errors=True)


def bare_start(use_sandbox: bool) -> float:
    argv = [sys.executable, "-P", "-c", "import ipykernel.kernelapp"]
    if use_sandbox:
        folder = Path(tempfile.mkdtemp(prefix="bench-bare-"))
        for name in ("course", "handin", "ipc"):
            (folder / name).mkdir()
        argv = sandbox.kernel_command(course=str(folder / "course"), handin=str(folder / "handin"), ipc_dir=str(folder / "ipc"),
                                      uid=sandbox.sandbox_uid(0), limits=sandbox.SandboxLimits(), kernel_argv=argv)
    started = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True, cwd="/")
    seconds = time.monotonic() - started
    if use_sandbox:
        shutil.rmtree(folder, ignore_errors=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="01")
    parser.add_argument("--class-size", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    set_name = release.resolve_sets([args.set])[0]
    print(f"sandbox: {sandbox.check_available()}; set {set_name}; {os.cpu_count()} cores; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-course-") as folder:
        release.keyless_tree(Path(folder) / "course", [set_name])
        course = str(Path(folder) / "course")
        plain = [plain_nbclient(_submission(set_name, f"p{i}"), course) for i in range(args.repeat)]
    rows.append(("plain nbclient, one notebook", statistics.median(plain)))
    one = [grade_folder([_submission(set_name, f"g{i}")], set_name, 1) for i in range(args.repeat)]
    rows.append(("grade one submission (sandboxed, end to end)", statistics.median(one)))
    rows.append(("bare Python start, no sandbox", statistics.median(bare_start(False) for _ in range(args.repeat))))
    rows.append(("bare Python start, in the sandbox", statistics.median(bare_start(True) for _ in range(args.repeat))))
    notebooks = [_submission(set_name, f"c{i}") for i in range(args.class_size)]
    jobs1 = grade_folder(notebooks, set_name, 1)
    jobs2 = grade_folder([_submission(set_name, f"d{i}") for i in range(args.class_size)], set_name, 2)
    rows.append((f"class of {args.class_size}, --jobs 1", jobs1))
    rows.append((f"class of {args.class_size}, --jobs 2", jobs2))
    width = max(len(label) for label, _ in rows)
    for label, seconds in rows:
        print(f"{label:<{width}}  {seconds:7.2f} s")
    print(f"grading one vs plain nbclient: {rows[1][1] / rows[0][1]:.2f}x; sandbox start-up overhead "
          f"{rows[3][1] - rows[2][1]:+.2f} s; --jobs 2 throughput {jobs1 / jobs2:.2f}x --jobs 1")
    print(json.dumps({label: round(seconds, 3) for label, seconds in rows}))


if __name__ == "__main__":
    main()
