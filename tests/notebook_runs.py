"""Run each course notebook once per test session, two at a time, and share what it printed.

Before this, one `course.py test` executed every solution twice (the build check's key,
then nbval) and every lesson twice (nbval, then the site build), one after another. Now
`conftest.py` starts this file as a background process at the start of the run; it
executes the notebooks the selected tests need, two at a time, while the quick tests run,
and writes one JSON file per notebook. The tests that need a notebook wait for its file:

- the notebook cells of lessons/ and solutions/ (nbval's checks, see conftest.py),
- the build check (a solution's run writes its answer key, SCALECHECK_KEY_OUT),
- the exercises run blank (test_build),
- the course site (executed lessons, with widget state, via SCALECHECK_SITE_EXECUTED).

Every message a cell's execution sends is recorded the way nbval records it (display
data, results, streams, errors: the "raw" outputs), beside the notebook as nbclient
builds it (with output widgets routed into widget state), so each consumer sees what
its own execution would have seen. Errors do not stop a run (as under nbval: every
cell runs, each cell passes or fails on its own).

    python tests/notebook_runs.py OUT_DIR --jobs 2 lesson:lessons/01_x.ipynb solution:...
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("lesson", "solution", "exercise")
# nbval's --nbval-cell-timeout in course.py for lessons and solutions; build.execute's default for exercises
CELL_TIMEOUT_S = {"lesson": 300, "solution": 300, "exercise": 120}
RAW_TYPES = ("display_data", "execute_result", "stream", "error")


def result_name(kind: str, path: Path) -> str:
    return f"{kind}-{Path(path).stem}.json"


def key_name(path: Path) -> str:
    return f"solution-{Path(path).stem}.key.json"


def _raw_output(msg: dict) -> dict | None:
    """One iopub message as nbval stores it before comparing (nbval.plugin.IPyNbCell.runtest)."""
    kind, content = msg["msg_type"], msg["content"]
    if kind in ("display_data", "execute_result"):
        out = {"output_type": kind, "metadata": content.get("metadata", {}), "data": content.get("data", {})}
        if kind == "execute_result":
            out["execution_count"] = content.get("execution_count")
        return out
    if kind == "stream":
        return {"output_type": "stream", "name": content["name"], "text": content["text"]}
    if kind == "error":
        return {"output_type": "error", "ename": content["ename"], "evalue": content["evalue"],
                "traceback": content["traceback"]}
    return None


def _client_class():
    from nbclient import NotebookClient

    class RecordingClient(NotebookClient):
        """nbclient, plus every output message of each cell as nbval would have seen it."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.raw: dict[int, list[dict]] = {}
            self.running_index = -1

        async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
            self.running_index = cell_index
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

        def process_message(self, msg, cell, cell_index):
            if msg["msg_type"] in RAW_TYPES:
                self.raw.setdefault(cell_index, []).append(_raw_output(msg))
            return super().process_message(msg, cell, cell_index)

    return RecordingClient


def _write_json(path: Path, document: dict) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document), encoding="utf-8")
    os.replace(partial, path)  # readers never see half a file


def run_one(kind: str, path_text: str, out_text: str) -> str:
    """Execute one notebook; write OUT/<kind>-<stem>.json. Returns the file's name."""
    import nbformat

    path, out = Path(path_text).resolve(), Path(out_text)
    env = {"SCALECHECK_STRICT": "1"}  # as conftest.py sets it for nbval: a failing solution raises
    cwd = path.parent
    if kind == "solution":
        env["SCALECHECK_KEY_OUT"] = str(out / key_name(path))
    elif kind == "exercise":
        # as test_build ran it: a copy in a folder of its own, not strict, answers saved beside the copy
        folder = out / f"exercise-{path.stem}"
        folder.mkdir(parents=True, exist_ok=True)
        # the hand-out generated from the solutions, as a fresh clone has it: exercises/ in this working copy
        # may hold a learner's answers (the drift check compares the committed file with the same text)
        if str(ROOT / "tools") not in sys.path:  # once per runner, not once per notebook
            sys.path.insert(0, str(ROOT / "tools"))
        import build

        copy = folder / path.name
        copy.write_text(build.blank_exercise_text(path.stem, path.parent.parent / "solutions"), encoding="utf-8")
        path = copy
        cwd = folder
        env = {"SCALECHECK_STRICT": "0", "SCALECHECK_NOTEBOOK": str(path)}
    notebook = nbformat.read(path, as_version=4)
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    client = _client_class()(notebook, timeout=CELL_TIMEOUT_S[kind], kernel_name="python3", allow_errors=True,
                             store_widget_state=(kind == "lesson"), record_timing=False,
                             resources={"metadata": {"path": str(cwd)}})
    failure = None
    started = time.perf_counter()
    try:
        # the kernel's own stderr is start-up chatter; cell errors arrive as messages
        client.execute(stderr=subprocess.DEVNULL)
    except Exception as error:  # a timeout or a dead kernel: this cell and the ones after it did not finish
        failure = {"cell": client.running_index, "message": f"{type(error).__name__}: {error}"[:4000]}
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    document = {"kind": kind, "path": str(Path(path_text).resolve()),
                "seconds": round(time.perf_counter() - started, 2),
                "failure": failure, "raw": {str(k): v for k, v in client.raw.items()},
                "notebook": json.loads(nbformat.writes(notebook))}
    _write_json(out / result_name(kind, Path(path_text)), document)
    return result_name(kind, Path(path_text))


def _safe_run_one(kind: str, path_text: str, out_text: str) -> str:
    """run_one, but a crash still leaves a result file, so no test waits for ever."""
    try:
        return run_one(kind, path_text, out_text)
    except BaseException:
        document = {"kind": kind, "path": path_text, "seconds": 0, "raw": {}, "notebook": None,
                    "failure": {"cell": -1,
                                "message": "the notebook could not be run:\n" + traceback.format_exc()[-4000:]}}
        _write_json(Path(out_text) / result_name(kind, Path(path_text)), document)
        return result_name(kind, Path(path_text))


def run_all(jobs: list[tuple[str, str]], out: Path, workers: int = 2) -> None:
    """Run (kind, path) jobs in the given order, `workers` at a time."""
    out.mkdir(parents=True, exist_ok=True)
    if workers <= 1:
        for kind, path in jobs:
            _safe_run_one(kind, path, str(out))
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_safe_run_one, [k for k, _ in jobs], [p for _, p in jobs], [str(out)] * len(jobs)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("jobs", nargs="+", help="kind:path, kind one of " + ", ".join(KINDS))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    jobs = []
    for job in args.jobs:
        kind, _, path = job.partition(":")
        if kind not in KINDS or not path:
            parser.error(f"not kind:path: {job!r}")
        jobs.append((kind, path))
    run_all(jobs, args.out, args.workers)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.modules.setdefault("rfc3987_syntax", None)  # 3 s of import for IRI checks nobody runs (see conftest.py)
    raise SystemExit(main())
