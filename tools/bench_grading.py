"""Grading at class scale (issue 16, target 3): what the sandbox costs, --jobs 2 vs --jobs 1,
and whether the grader's own memory stays flat as the class grows.

    .venv/bin/python tools/bench_grading.py [--set 01] [--class-size 16] [--repeat 3]
    .venv/bin/python tools/bench_grading.py --memory 30 100 300      # grader peak RSS by class size

The first form prints (medians of --repeat runs, wall clock and CPU seconds, load average):
plain nbclient vs one sandboxed submission end to end (target <= 1.2x), the bare sandbox
start-up, and a class graded with --jobs 1 and --jobs 2, interleaved, --repeat times
(target: throughput >= 1.8x on 2 cores), end to end and in the steady state (the rate of
results once every worker has returned its first, which leaves out the class's fixed start and
end; a larger class comes closer to it). For the class runs it also says where the CPU
goes, per submission: the grader's own process (judging, feedback pages, validating and
caching results, reading hand-ins), its worker processes (nbclient driving the kernel), and
the sandboxed kernels themselves (read from /proc just before each kernel is stopped).

--memory grades synthetic classes in a child process each and reports that process's own
peak RSS (ru_maxrss of the grader, not of its workers or kernels). The submissions are
cheap: the kernel run is replaced by a stand-in that returns at once what a real run
returns, the submitted notebook with its stored outputs as the executed document and no
answers, so 300 submissions take seconds and what is measured is the grader's own
bookkeeping (discovery, results held, judging, reports). Target: flat.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
    own, kids = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    work = tempfile.mkdtemp(prefix="bench-plain-")
    try:
        env = dict(
            os.environ, SCALECHECK_COURSE_ROOT=course, PYTHONPATH=course, SCALECHECK_STRICT="0", MPLBACKEND="agg"
        )
        client = NotebookClient(
            notebook, kernel_name="python3", timeout=120, allow_errors=True, resources={"metadata": {"path": work}}
        )
        client.execute(env=env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    PLAIN_CPU.append({"client_cpu_s": _cpu(resource.RUSAGE_SELF) - own,
                      "kernel_cpu_s": _cpu(resource.RUSAGE_CHILDREN) - kids})
    return time.monotonic() - started


# -- where the CPU goes ----------------------------------------------------------------------
# Installed in this process before grading; the fork-started workers inherit it. Measurement
# only: nothing here changes what the grader does, apart from a /proc scan (a few ms) per kernel.

PLAIN_CPU: list[dict] = []
CPU_LOG = Path("/nonexistent")  # the workers append one JSON line per run (they cannot share memory)
MAIN_CPU: dict[str, float] = {}  # grader process, main thread: seconds per part
_KERNEL: dict[str, float] = {}   # in a worker: the kernel tree's CPU, sampled before it is stopped


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def tree_cpu_s(root: int) -> float:
    """CPU seconds used so far by ``root`` and every process under it (children they reaped included)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent, used = {}, {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/stat") as handle:
                text = handle.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()  # state, ppid, ...; utime..cstime are fields 11-14
        parent[int(name)], used[int(name)] = int(fields[1]), sum(int(x) for x in fields[11:15]) / tick
    tree, changed = {root}, True
    while changed:
        grown = tree | {pid for pid, ppid in parent.items() if ppid in tree}
        changed, tree = grown != tree, grown
    return sum(used.get(pid, 0.0) for pid in tree)


def _counted_run(*args):
    """run_submission, with the worker's own CPU and the kernel's CPU written to CPU_LOG."""
    from scalecheck.classroom.grading.runner import run_submission

    _KERNEL.clear()
    own, kids, started = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), time.monotonic()
    result = run_submission(*args)
    record = {"worker_cpu_s": _cpu(resource.RUSAGE_SELF) - own, "reaped_cpu_s": _cpu(resource.RUSAGE_CHILDREN) - kids,
              "kernel_cpu_s": _KERNEL.get("cpu_s"), "wall_s": time.monotonic() - started,
              "worker_threads": len(os.listdir("/proc/self/task")), "worker_fds": len(os.listdir("/proc/self/fd"))}
    with open(CPU_LOG, "a") as handle:
        handle.write(json.dumps(record) + "\n")
    return result


def _timed(name: str, function):
    def timed(*args, **kwargs):
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            MAIN_CPU[name] = MAIN_CPU.get(name, 0.0) + time.thread_time() - started

    return timed


def install_cpu_accounting() -> None:
    from scalecheck.classroom import feedback_report
    from scalecheck.classroom.grading import orchestrate, runner

    kill = runner._kill

    def counted_kill(manager):  # the grader stops every kernel here (nbclient does not: it was given the manager)
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is not None and "cpu_s" not in _KERNEL:
            _KERNEL["cpu_s"] = tree_cpu_s(process.pid)
        return kill(manager)

    runner._kill = counted_kill
    orchestrate.run_submission = _counted_run
    orchestrate._judge_one = _timed("judging (all)", orchestrate._judge_one)
    orchestrate.saved_answers = _timed("saved answers (parse the hand-in)", orchestrate.saved_answers)
    feedback_report.write_feedback_html = _timed("feedback page", feedback_report.write_feedback_html)
    orchestrate._collect = _timed("validate + cache the result", orchestrate._collect)
    orchestrate.load = _timed("read + verify the hand-in", orchestrate.load)
    judge = orchestrate._Judge.__call__

    def stamped_judge(self, *args, **kwargs):  # when each result reached the grader (steady-state throughput)
        RESULT_TIMES.append(time.monotonic())
        return judge(self, *args, **kwargs)

    orchestrate._Judge.__call__ = stamped_judge


RESULT_TIMES: list[float] = []


def steady_rate(jobs: int) -> float:
    """Results per second once every worker has returned its first one: (n - jobs) results over the
    time from the jobs-th result to the last, so the start (workers forked, first kernels started
    side by side) and the end (reports) are left out. NaN for a class too small to have that span."""
    times = sorted(RESULT_TIMES)
    if len(times) <= jobs + 1:
        return float("nan")
    return (len(times) - jobs) / (times[-1] - times[jobs - 1])


def grade_folder(notebooks: list, set_name: str, jobs: int, cpu: dict | None = None) -> float:
    """Seconds to grade ``notebooks`` with ``jobs`` workers; with ``cpu``, fill it with CPU seconds per
    submission: the grader's process (in all, and its parts), its workers, the kernels."""
    global CPU_LOG
    base = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        (base / "in").mkdir()
        for number, notebook in enumerate(notebooks):
            nbformat.write(notebook, base / "in" / f"s{number}_{set_name}.ipynb")
        CPU_LOG = base / "cpu.jsonl"
        CPU_LOG.write_text("")
        MAIN_CPU.clear()
        RESULT_TIMES.clear()
        own = _cpu(resource.RUSAGE_SELF)
        started = time.monotonic()
        summary = grading.grade(base / "in", base / "out", jobs=jobs, quiet=True)
        seconds = time.monotonic() - started
        assert summary["graded"] == len(notebooks) and summary["failed"] == 0, summary
        if cpu is not None:
            size = len(notebooks)
            runs = [json.loads(line) for line in CPU_LOG.read_text().splitlines()]
            kernels = [r["kernel_cpu_s"] for r in runs if r["kernel_cpu_s"] is not None]
            cpu.update({"grader process": (_cpu(resource.RUSAGE_SELF) - own) / size,
                        **{f"  {name}": value / size for name, value in MAIN_CPU.items()},
                        "grader workers (nbclient)": sum(r["worker_cpu_s"] for r in runs) / size,
                        "kernels (sandboxed)": sum(kernels) / len(kernels) if kernels else float("nan"),
                        "wall per run": statistics.median(r["wall_s"] for r in runs)})
        return seconds
    finally:
        shutil.rmtree(base, ignore_errors=True)


def bare_start(use_sandbox: bool) -> float:
    argv = [sys.executable, "-P", "-c", "import ipykernel.kernelapp"]
    if use_sandbox:
        folder = Path(tempfile.mkdtemp(prefix="bench-bare-"))
        for name in ("course", "handin", "ipc"):
            (folder / name).mkdir()
        argv = sandbox.kernel_command(
            course=str(folder / "course"),
            handin=str(folder / "handin"),
            ipc_dir=str(folder / "ipc"),
            uid=sandbox.sandbox_uid(0),
            limits=sandbox.SandboxLimits(),
            kernel_argv=argv,
        )
    started = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True, cwd="/")
    seconds = time.monotonic() - started
    if use_sandbox:
        shutil.rmtree(folder, ignore_errors=True)
    return seconds


def _stand_in_run(raw, sidecar, exercise_set, course, cases, limits, index, use_sandbox) -> dict:
    """What run_submission returns for a clean run with nothing answered, without a kernel."""
    try:
        executed = json.loads(raw)
    except ValueError:
        executed = None
    return {"answers": {}, "problems": [], "failure": "", "seconds": 0.01, "executed": executed}


def memory_child(size: int, set_name: str) -> None:
    """(in a child process) grade `size` stand-in submissions; print this process's peak RSS."""
    import resource

    from scalecheck.classroom.grading import orchestrate

    orchestrate.run_submission = _stand_in_run
    base = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        (base / "in").mkdir()
        # the solution keeps its stored outputs (figures included): a realistic executed document
        template = json.loads((ROOT / "solutions" / f"{set_name}.ipynb").read_text())
        for number in range(size):
            template["metadata"]["bench_submission"] = number  # distinct bytes: no cache hits, no copies
            (base / "in" / f"s{number:04d}_{set_name}.ipynb").write_text(json.dumps(template))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started, cpu = time.monotonic(), time.process_time()
        summary = grading.grade(base / "in", base / "out", jobs=1, quiet=True)
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu
        assert summary["graded"] == size, summary
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            "MEMORY:"
            + json.dumps(
                {
                    "size": size,
                    "peak_mb": peak,
                    "before_mb": before,
                    "seconds": seconds,
                    "cpu_s": cpu,
                    "notebook_kb": len(json.dumps(template)) / 1024,
                }
            )
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)


def memory_bench(sizes: list[int], set_name: str) -> None:
    print(f"grader peak RSS by class size (stand-in kernel runs; set {set_name}; load {os.getloadavg()[0]:.2f})")
    results = []
    for size in sizes:
        run = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(size), "--set", set_name],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        line = next((x for x in run.stdout.splitlines() if x.startswith("MEMORY:")), None)
        if line is None:
            print(f"  {size}: failed\n{run.stderr[-2000:]}")
            continue
        result = json.loads(line.split(":", 1)[1])
        results.append(result)
        print(
            f"  {size:4d} submissions: peak RSS {result['peak_mb']:6.0f} MB "
            f"(before grading {result['before_mb']:.0f} MB); "
            f"{result['seconds']:.1f} s wall, {result['cpu_s']:.1f} s CPU, {1000 * result['cpu_s'] / size:.0f} ms CPU "
            f"per submission; load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    if len(results) >= 2:
        first, last = results[0], results[-1]
        slope = (last["peak_mb"] - first["peak_mb"]) / (last["size"] - first["size"])
        print(
            f"growth: {slope * 1024:.0f} kB per submission (notebook {first['notebook_kb']:.0f} kB); "
            f"flat means ~0: {'met' if slope * 1024 < 0.1 * first['notebook_kb'] else 'NOT MET'}"
        )
        print(json.dumps({"memory": results}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="01")
    parser.add_argument("--class-size", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--memory", type=int, nargs="*", help="class sizes for the grader memory benchmark, e.g. 30 100 300"
    )
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    set_name = release.resolve_sets([args.set])[0]
    if args.memory_child:
        memory_child(args.memory_child, set_name)
        return
    if args.memory:
        memory_bench(args.memory, set_name)
        return
    print(
        f"sandbox: {sandbox.check_available()}; set {set_name}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    install_cpu_accounting()
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
    times: dict[int, list[float]] = {1: [], 2: []}
    rates: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[dict]] = {1: [], 2: []}
    for attempt in range(args.repeat):  # interleaved, the order alternating, fresh bytes each time (no cache)
        for jobs in (1, 2) if attempt % 2 == 0 else (2, 1):
            cpu: dict = {}
            load = os.getloadavg()[0]
            times[jobs].append(
                grade_folder(
                    [_submission(set_name, f"j{jobs}-{attempt}-{i}") for i in range(args.class_size)], set_name, jobs,
                    cpu,
                )
            )
            cpus[jobs].append(cpu)
            rates[jobs].append(steady_rate(jobs))
            print(
                f"  class of {args.class_size}, --jobs {jobs}: {times[jobs][-1]:.1f} s, "
                f"steady {rates[jobs][-1]:.3f} submissions/s "
                f"(load {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end)",
                flush=True,
            )
    jobs1, jobs2 = statistics.median(times[1]), statistics.median(times[2])
    ratios = [a / b for a, b in zip(times[1], times[2])]
    rows.append((f"class of {args.class_size}, --jobs 1 (median of {args.repeat})", jobs1))
    rows.append((f"class of {args.class_size}, --jobs 2 (median of {args.repeat})", jobs2))
    width = max(len(label) for label, _ in rows)
    for label, seconds in rows:
        print(f"{label:<{width}}  {seconds:7.2f} s")
    overhead = rows[1][1] / rows[0][1]
    print(
        f"grading one vs plain nbclient: {overhead:.2f}x "
        f"(target <= 1.2: {'met' if overhead <= 1.2 else 'NOT MET'}); "
        f"sandbox start-up overhead {rows[3][1] - rows[2][1]:+.2f} s; "
        f"--jobs 2 throughput {jobs1 / jobs2:.2f}x --jobs 1 (per pair {min(ratios):.2f}-{max(ratios):.2f}; "
        f"target >= 1.8: {'met' if jobs1 / jobs2 >= 1.8 else 'NOT MET'}); "
        f"load at end {os.getloadavg()[0]:.2f}"
    )
    steady = [b / a for a, b in zip(rates[1], rates[2])]
    print(
        f"steady state (after each worker's first result, before the reports): "
        f"--jobs 2 {statistics.median(steady):.2f}x "
        f"--jobs 1 (per pair {min(steady):.2f}-{max(steady):.2f}); the end-to-end ratio above also carries the "
        f"class's fixed start and end, which a larger class spreads thinner"
    )
    print_cpu(cpus, PLAIN_CPU)
    print(json.dumps({label: round(seconds, 3) for label, seconds in rows}))


def print_cpu(cpus: dict[int, list[dict]], plain: list[dict]) -> None:
    """CPU seconds per submission, medians over the class runs, by where they were spent."""
    names = list(dict.fromkeys(name for runs in cpus.values() for run in runs for name in run))
    print(f"CPU seconds per submission (medians of the class runs; load {os.getloadavg()[0]:.2f} now):")
    print(f"  {'':<40} {'--jobs 1':>9} {'--jobs 2':>9}")
    for name in names:
        cells = [statistics.median(run.get(name, 0.0) for run in cpus[jobs]) if cpus[jobs] else float("nan")
                 for jobs in (1, 2)]
        print(f"  {name:<40} {cells[0]:9.3f} {cells[1]:9.3f}")
    if plain:
        print(f"  plain nbclient: client {statistics.median(p['client_cpu_s'] for p in plain):.3f} s, "
              f"kernel {statistics.median(p['kernel_cpu_s'] for p in plain):.3f} s")
    if cpus[1] and cpus[2]:
        # two workers cannot beat the cores: a submission's CPU (grader + worker + kernel) over 2 cores
        parts = ("grader process", "grader workers (nbclient)", "kernels (sandboxed)")
        total = statistics.median(sum(run[name] for name in parts) for run in cpus[2])
        alone = statistics.median(run["wall per run"] for run in cpus[1])
        print(f"  ceiling of --jobs 2 on {os.cpu_count()} idle cores: {total:.2f} s of CPU per submission over "
              f"{min(2, os.cpu_count() or 1)} cores vs {alone:.2f} s of wall per run with --jobs 1 here: "
              f"at most {alone / (total / min(2, os.cpu_count() or 1)):.2f}x (the wall per run is only the "
              "idle figure on an idle machine)")


if __name__ == "__main__":
    main()
