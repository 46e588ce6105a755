"""Benchmark the course: notebook run times, explorer update latency, kernel memory.

    .venv/bin/python tools/benchmark.py              # everything but the test suite
    .venv/bin/python tools/benchmark.py --suite      # also time `python3 course.py test`
    .venv/bin/python tools/benchmark.py --markdown   # print the tables as Markdown

Prints, against the course's targets:

- headless execution time of every notebook (lessons, solutions, exercises)
  and of the whole course, beside the floor measured in the same run: an empty
  notebook that only imports what the course imports, times the notebook count
  (target: course <= 1.3 x floor);
- in-kernel latency of every explorer's update, median and p95 over repeated
  value changes of each of its controls (target: p95 <= 50 ms);
- the kernel's peak memory (max RSS) for each notebook (target: <= 300 MB);
- the install size of the environment, and optionally the suite's wall time.

A benchmark, not a test: the machine is shared and timings are noisy, so it
reports and never fails. Record the figures in docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import nbformat  # noqa: E402

import build  # noqa: E402

TARGET_RATIO, TARGET_P95_MS, TARGET_MB = 1.3, 50.0, 300.0
FLOOR_IMPORTS = """\
import numpy as np
import pandas as pd
import matplotlib
import ipywidgets as widgets
from scalecheck.core import data, hardware, units
from scalecheck.exercise import exercises
from scalecheck.ui import widgets as course_widgets
"""

PROBE = r'''
import json as _json, resource as _resource, statistics as _statistics, time as _time
def __scalecheck_probe():
    from scalecheck.ui.widgets import Explorer
    results = []
    for name, value in list(globals().items()):
        if not isinstance(value, Explorer) or name.startswith("_"):
            continue
        for control_name, control in value.controls.items():
            if hasattr(control, "options") and control.options:
                labels = [o[1] if isinstance(o, tuple) else o for o in control.options]
                values = (labels * 5)[:12]
            elif hasattr(control, "min") and hasattr(control, "max") and not isinstance(control.value, (tuple, list)):
                low, high = control.min, control.max
                values = [low + (high - low) * k / 11 for k in range(12)]
                if isinstance(control.value, int):
                    values = [int(round(v)) for v in values]
            elif isinstance(control.value, (tuple, list)) and hasattr(control, "min"):
                low, high = control.min, control.max
                span = high - low
                values = [(low + span * k / 30, high - span * k / 30) for k in range(12)]
            else:
                continue
            original = control.value
            value.update_ms.clear()
            for v in values:
                try:
                    control.value = v
                except Exception:
                    continue
            times = list(value.update_ms)
            control.value = original
            if times:
                times.sort()
                results.append({"explorer": name, "control": control_name, "n": len(times),
                                "median_ms": _statistics.median(times),
                                "p95_ms": times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]})
    peak_mb = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024
    print("SCALECHECK-BENCH:" + _json.dumps({"explorers": results, "peak_mb": peak_mb}))
__scalecheck_probe()
'''


def notebooks() -> list[Path]:
    found = []
    for folder in ("lessons", "solutions", "exercises"):
        found += sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb"))
    return found


def run_notebook(path: Path, probe: bool = True) -> dict:
    """Execute a notebook headless (fresh kernel); time it; probe its explorers."""
    notebook = nbformat.read(path, as_version=4)
    env = {"SCALECHECK_STRICT": "0"} if path.parent.name == "exercises" else {"SCALECHECK_STRICT": "1"}
    if path.parent.name == "exercises":
        env["SCALECHECK_ANSWERS"] = "/dev/null/none.json"  # do not write answer files
    start = time.perf_counter()
    build.execute(notebook, path.parent, env, timeout=600)
    seconds = time.perf_counter() - start
    result = {"notebook": f"{path.parent.name}/{path.name}", "seconds": seconds, "explorers": [], "peak_mb": None}
    if probe:
        # measured in a second run with the probe cell appended, so timing above stays clean
        probed = nbformat.read(path, as_version=4)
        probed.cells.append(nbformat.v4.new_code_cell(PROBE))
        build.execute(probed, path.parent, env, timeout=600)
        for output in probed.cells[-1].get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith("SCALECHECK-BENCH:"):
                    payload = json.loads(line.split(":", 1)[1])
                    result["explorers"], result["peak_mb"] = payload["explorers"], payload["peak_mb"]
    return result


def floor_seconds() -> float:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(FLOOR_IMPORTS)]
    notebook.metadata["kernelspec"] = dict(build.KERNELSPEC)
    start = time.perf_counter()
    build.execute(notebook, ROOT, {})
    return time.perf_counter() - start


def directory_mb(path: Path) -> float:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total / 1e6


def table(rows: list[list[str]], header: list[str], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*header), fmt.format(*["-" * w for w in widths])] + [fmt.format(*r) for r in rows])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="store_true", help="also time the README test command")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--only", nargs="*", help="notebook name prefixes")
    args = parser.parse_args()

    paths = notebooks()
    if args.only:
        paths = [p for p in paths if any(p.stem.startswith(o) for o in args.only)]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average at start {load:.2f}, {time.strftime('%Y-%m-%d %H:%M')}\n")

    floor_one = floor_seconds()
    results = [run_notebook(p) for p in paths]
    course = sum(r["seconds"] for r in results)
    floor = floor_one * len(results)
    rows = [[r["notebook"], f"{r['seconds']:.1f}", f"{r['peak_mb']:.0f}" if r["peak_mb"] else "-",
             "ok" if (r["peak_mb"] or 0) <= TARGET_MB else "OVER"] for r in results]
    print(table(rows, ["notebook", "seconds", "peak MB", f"<= {TARGET_MB:.0f} MB"], args.markdown))
    ratio = course / floor if floor else float("nan")
    print(f"\nwhole course: {course:.1f} s for {len(results)} notebooks; floor {floor:.1f} s "
          f"({floor_one:.2f} s x {len(results)}); ratio {ratio:.2f} (target <= {TARGET_RATIO})\n")

    explorer_rows = []
    for r in results:
        for e in r["explorers"]:
            explorer_rows.append([r["notebook"], e["explorer"], e["control"], str(e["n"]),
                                  f"{e['median_ms']:.0f}", f"{e['p95_ms']:.0f}",
                                  "ok" if e["p95_ms"] <= TARGET_P95_MS else "OVER"])
    print(table(explorer_rows, ["notebook", "explorer", "control", "n", "median ms", "p95 ms", f"<= {TARGET_P95_MS:.0f} ms"],
                args.markdown))
    print(f"\nenvironment: {sys.prefix} is {directory_mb(Path(sys.prefix)):.0f} MB")
    if args.suite:
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(ROOT / "course.py"), "test", "-q"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"suite: python3 course.py test took {time.perf_counter() - start:.0f} s (exit code {code})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
