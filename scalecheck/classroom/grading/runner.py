"""Running one submission (in a worker process): parse, sandbox, execute, read back.

Three steps: ``prepare`` (the cleaned notebook with the grader's read-back
cell appended, the hand-in and socket folders, the kernel's command and
environment), ``run_under_watchdog`` (the cells, with a thread that kills
the kernel when the total time is spent) and ``collect`` (problems per
cell, the answers read back, the cells kept for the report). The read-back
cell is ``kernel_extract.py``, sent as source. The worker's whole job
happens inside one time budget that starts before the notebook is parsed.
What it returns is validated again by the grader's
main process before use or caching.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import sandbox
from .scoring import Execution, validate_answers

MAX_CELLS = 2000
MAX_CELL_CHARS = 200_000
MAX_MESSAGE_BYTES = 16 * 1024 * 1024   # one ZeroMQ message from the kernel; larger ones drop the connection
EXTRACT_BUDGET = 2_000_000             # bytes the grader's own read-back cell may produce
ANSWERS_MIME = "application/x-scalecheck-answers+json"
OUTPUT_DROPPED = "[further output dropped: the grader's output limit was reached]\n"
MAX_REPORT_CELLS = 400                 # cells kept for the feedback report (and the cache)
MAX_REPORT_CHARS = 3_000_000


@dataclass
class Limits:
    cell_timeout_s: int = 30
    total_timeout_s: int = 180
    memory_mb: int = 2048
    output_kb: int = 512        # stdout/stderr per stream, in the kernel
    output_total_kb: int = 2048  # every output and display update together, counted in the grader
    processes: int = 64
    file_mb: int = 64
    disk_mb: int = 256


def extraction_source(exercise_set: str, cases: dict[str, list], marker: str) -> str:
    source = (Path(__file__).parent / "kernel_extract.py").read_text(encoding="utf-8")
    return source + f"\n_scalecheck_extract({exercise_set!r}, {json.dumps(cases)!r}, {marker!r})\n"


def parse_notebook(raw: bytes) -> tuple[dict | None, str]:
    """(notebook document, '') or (None, why not). A UTF-8 BOM is accepted."""
    if not raw.strip():
        return None, "the file is empty"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, f"not a valid notebook: not UTF-8 text (byte {error.start})"
    try:
        document = json.loads(text)
    except ValueError as error:
        message = getattr(error, "msg", str(error))
        line = getattr(error, "lineno", "?")
        return None, f"not a valid notebook: the JSON does not parse ({message} at line {line})"
    except RecursionError:
        return None, "not a valid notebook: the JSON is nested too deep"
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        return None, "not a notebook: no list of cells"
    if len(document["cells"]) > MAX_CELLS:
        return None, f"too many cells ({len(document['cells'])}; the limit is {MAX_CELLS})"
    return document, ""


def clean_cells(document: dict) -> list[dict]:
    """Code and markdown cells only, sources as text, no outputs or metadata."""
    cells = []
    for index, cell in enumerate(document["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown"):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            source = ""
        if len(source) > MAX_CELL_CHARS:
            source = source[:MAX_CELL_CHARS] + "\n# [the rest of this cell was cut by the grader]"
        if cell["cell_type"] == "code":
            cells.append({"cell_type": "code", "id": f"c{index}", "metadata": {}, "source": source,
                          "outputs": [], "execution_count": None})
        else:
            cells.append({"cell_type": "markdown", "id": f"c{index}", "metadata": {}, "source": source})
    return cells


def _client_classes(message_cap: int):
    """(kernel manager class, notebook client class), imported only in a worker."""
    return _manager_class(message_cap), _capped_client_class()


def _manager_class(message_cap: int):
    import zmq
    import zmq.asyncio
    from jupyter_client.manager import AsyncKernelManager

    class Manager(AsyncKernelManager):
        """Connection file readable by the kernel's uid (in a folder only it reaches);
        a client that refuses huge messages."""

        kernel_uid: int | None = None

        def write_connection_file(self, **kwargs):
            super().write_connection_file(**kwargs)
            if self.kernel_uid is not None:
                os.chmod(self.connection_file, 0o644)  # readable by the kernel's uid, writable by none of it

        def client(self, **kwargs):
            context = zmq.asyncio.Context()
            # pyzmq applies a context's socket options to every socket it makes
            context.setsockopt(zmq.MAXMSGSIZE, message_cap)
            context.setsockopt(zmq.LINGER, 0)
            # the client connects before the kernel has made its sockets: retry every 20 ms, not 100 ms
            context.setsockopt(zmq.RECONNECT_IVL, 20)
            return super().client(context=context, **kwargs)

    return Manager


def _capped_client_class():
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """Counts every message's size against one budget, display updates included."""

        budget = 2_000_000
        extract_budget = EXTRACT_BUDGET
        protected_cell = -1
        current_cell = -1
        freeze: Any = None
        extract_overflow = False
        _noted = False

        async def async_start_new_kernel_client(self):
            client = await super().async_start_new_kernel_client()
            if self.freeze is not None:
                self.freeze()  # before any student code: the socket folder stops being writable
            return client

        async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
            self.current_cell = cell_index
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

        async def _async_check_alive(self):
            # nbclient cancels a cell's "kernel alive?" poll only when the cell's reply arrives. When reading the
            # reply raised instead (a hostile kernel's garbled message), the poll stays in the worker's event
            # loop and wakes in a later run, after this client was closed: it ends here, quietly, rather than
            # failing an assertion and printing a traceback into the teacher's progress bar.
            if self.kc is None:
                from nbclient.exceptions import DeadKernelError

                raise DeadKernelError("this run is over")
            await super()._async_check_alive()

        def process_message(self, msg, cell, cell_index):
            content = msg.get("content") if isinstance(msg, dict) else None
            kind = msg.get("msg_type") if isinstance(msg, dict) else None
            if not isinstance(content, dict) or not isinstance(kind, str):
                return None
            if kind == "status":
                if content.get("execution_state") not in ("idle", "busy", "starting"):
                    return None
                return super().process_message(msg, cell, cell_index)
            if cell_index == self.protected_cell:
                if self.extract_budget < 0:
                    return None
                self.extract_budget -= _size(content)
                if self.extract_budget < 0:
                    self.extract_overflow = True
                    return None
            else:
                if self.budget < 0:
                    return None
                self.budget -= _size(content)
                if self.budget < 0:
                    if not self._noted:
                        self._noted = True
                        from nbformat.v4 import new_output

                        cell.outputs.append(new_output("stream", name="stderr",
                                                       text=OUTPUT_DROPPED))
                    return None
            try:
                return super().process_message(msg, cell, cell_index)
            except Exception as error:  # a malformed message from a hostile kernel
                if type(error).__name__ == "CellExecutionComplete":
                    raise
                return None

    return CappedClient


def _size(content: dict) -> int:
    try:
        return len(json.dumps(content, default=str))
    except (TypeError, ValueError, RecursionError):
        return 1 << 30


def run_submission(raw: bytes, sidecar: bytes | None, exercise_set: str, course: str, cases: dict[str, list],
                   limits: dict, index: int, use_sandbox: bool) -> dict:
    """Execute one submission; returns its Execution as a dict. Never raises."""
    started = time.monotonic()
    try:
        return _run(raw, sidecar, exercise_set, course, cases, Limits(**limits), index, use_sandbox, started)
    except Exception as error:  # the boundary: whatever happens, this submission alone fails
        return asdict(Execution(failure=f"the grader could not run it ({type(error).__name__}: {str(error)[:200]})",
                                seconds=time.monotonic() - started))


def _run(raw, sidecar, exercise_set, course, cases, limit: Limits, index, use_sandbox, started) -> dict:
    """Prepare -> run under the watchdog -> collect, all inside one time budget."""
    result = Execution()
    notebook, result.failure = _parsed(raw, limit, started)
    if notebook is None:
        return asdict(result)
    work = Path(tempfile.mkdtemp(prefix="scg-"))
    # as root, the kernel runs under a uid of its own, claimed so no other grader run on the machine shares it
    claim = sandbox.claimed_uid(index) if use_sandbox and sandbox.is_root() else contextlib.nullcontext(None)
    try:
        with claim as uid:
            job = prepare(work, raw, sidecar, notebook, exercise_set, course, cases, limit, uid, use_sandbox)
            remaining = max(1.0, limit.total_timeout_s - (time.monotonic() - started))
            client = _client(job, limit, remaining)
            result.failure = run_under_watchdog(client, job, limit, remaining)
            collect(job, client, limit, result)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        result.seconds = time.monotonic() - started
    return asdict(result)


# -- prepare: the notebook, the folders, the kernel's command and environment ---

@dataclass
class Job:
    """Everything one execution needs, made before any student code runs."""

    notebook: Any            # cleaned cells + the grader's read-back cell (last)
    marker: str              # the read-back's unguessable prefix
    ipc: Path                # the kernel's socket folder
    kernels: Path            # the folder holding the kernel spec
    uid: int | None          # the kernel's own uid in the sandbox (None: not root, or no sandbox)
    env: dict[str, str]
    start_in: str            # the kernel's working folder


def _parsed(raw: bytes, limit: Limits, started: float):
    """(nbformat notebook of the cleaned cells, '') or (None, why it cannot run)."""
    import nbformat

    document, reason = parse_notebook(raw)
    if document is None:
        return None, reason
    cells = clean_cells(document)
    if time.monotonic() - started >= limit.total_timeout_s:
        return None, f"stopped after the total time limit of {limit.total_timeout_s} s (while reading the notebook)"
    kernelspec = {"name": "scalecheck-grader", "display_name": "grader", "language": "python"}
    return nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "cells": cells,
                               "metadata": {"kernelspec": kernelspec}}), ""


def _handin_folders(work: Path, raw: bytes, sidecar: bytes | None, uid: int | None) -> tuple[Path, Path, Path]:
    """(handin, ipc, kernels): the hand-in read-only to the kernel, the socket folder its own."""
    os.chmod(work, 0o700)
    handin, ipc, kernels = work / "handin", work / "ipc", work / "kernels" / "scalecheck-grader"
    handin.mkdir()
    ipc.mkdir()
    kernels.mkdir(parents=True)
    (handin / "submission.ipynb").write_bytes(raw)
    if sidecar is not None:
        (handin / "submission.answers.json").write_bytes(sidecar)
    for path in (handin, handin / "submission.ipynb", handin / "submission.answers.json"):
        if path.exists():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    if uid is not None:
        os.chown(ipc, uid, uid)
    os.chmod(ipc, 0o700)
    return handin, ipc, kernels


def _kernel_command(work: Path, course: str, handin: Path, ipc: Path, uid: int | None, limit: Limits,
                    use_sandbox: bool) -> tuple[list[str], dict[str, str]]:
    """(argv, where): the kernel's command line, and its home, course, tmp and start folders."""
    kernel = [sys.executable, "-P", "-m", "scalecheck.exercise.grading_kernel", "-f", "{connection_file}",
              "--output-kb", str(limit.output_kb)]
    if use_sandbox:
        where = {"home": sandbox.HOME, "course": sandbox.COURSE, "tmp": "/tmp", "start": str(work)}
        limits = sandbox.SandboxLimits(limit.memory_mb, limit.processes, limit.file_mb, limit.disk_mb, 256,
                                       limit.total_timeout_s + 60)
        argv = sandbox.kernel_command(course=course, handin=str(handin), ipc_dir=str(ipc),
                                      uid=uid if uid is not None else 0, limits=limits,
                                      kernel_argv=kernel + ["--handin", sandbox.HANDIN, "--sandboxed"])
        return argv, where
    run_dir = work / "run"
    run_dir.mkdir()
    where = {"home": str(run_dir), "course": course, "tmp": str(run_dir), "start": str(run_dir)}
    return kernel + ["--memory-mb", str(limit.memory_mb), "--handin", str(handin)], where


def kernel_env(home: str, course: str, tmp: str) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's leaks in."""
    return {
        "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": home, "TMPDIR": tmp,
        "PYTHONPATH": course, "SCALECHECK_COURSE_ROOT": course,
        "SCALECHECK_NOTEBOOK": f"{home}/submission.ipynb", "SCALECHECK_ANSWERS": f"{home}/submission.answers.json",
        "SCALECHECK_STRICT": "0", "MPLBACKEND": "agg", "MPLCONFIGDIR": f"{tmp}/.mpl",
        "IPYTHONDIR": f"{tmp}/.ipython", "JUPYTER_RUNTIME_DIR": f"{tmp}/.jupyter-runtime",
        "JUPYTER_CONFIG_DIR": f"{tmp}/.jupyter", "JUPYTER_DATA_DIR": f"{tmp}/.jupyter-data",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
    }


def prepare(work: Path, raw: bytes, sidecar: bytes | None, notebook, exercise_set: str, course: str,
            cases: dict[str, list], limit: Limits, uid: int | None, use_sandbox: bool) -> Job:
    """The folders, the kernel spec and the notebook with the grader's read-back cell appended.

    ``uid``: the kernel's own uid (claimed by the caller: :func:`sandbox.claimed_uid`), or None."""
    import nbformat

    handin, ipc, kernels = _handin_folders(work, raw, sidecar, uid)
    argv, where = _kernel_command(work, course, handin, ipc, uid, limit, use_sandbox)
    (kernels / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "scalecheck grader",
                                                      "language": "python", "interrupt_mode": "message"}))
    marker = f"SCALECHECK-ANSWERS-{secrets.token_hex(8)}:"
    notebook.cells.append(nbformat.v4.new_code_cell(extraction_source(exercise_set, cases, marker)))
    return Job(notebook, marker, ipc, kernels, uid, kernel_env(where["home"], where["course"], where["tmp"]),
               where["start"])


# -- run under the watchdog ------------------------------------------------------

def _client(job: Job, limit: Limits, remaining: float):
    """The kernel manager and the capped notebook client for this job."""
    from jupyter_client.kernelspec import KernelSpecManager

    Manager, CappedClient = _client_classes(MAX_MESSAGE_BYTES)
    manager = Manager(kernel_name="scalecheck-grader", transport="ipc", ip=str(job.ipc / "k"),
                      connection_file=str(job.ipc / "kernel.json"),
                      kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(job.kernels.parent)]))
    manager.kernel_uid = job.uid
    client = CappedClient(
        job.notebook, km=manager, timeout=limit.cell_timeout_s, allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": "TimeoutError",
                          "evalue": f"the cell ran longer than {limit.cell_timeout_s} s and was stopped"},
        record_timing=False, store_widget_state=False, resources={"metadata": {"path": job.start_in}},
        startup_timeout=int(min(120, remaining)), ipython_hist_file=":memory:", shutdown_kernel="immediate",
    )
    client.budget = limit.output_total_kb * 1024
    client.protected_cell = len(job.notebook.cells) - 1
    if job.uid is not None:
        def freeze():  # before any student code: the socket folder stops being writable by the kernel
            os.chown(job.ipc, 0, 0)
            os.chmod(job.ipc, 0o755)
        client.freeze = freeze
    return client


def run_under_watchdog(client, job: Job, limit: Limits, remaining: float) -> str:
    """Execute every cell; a watchdog kills the kernel when the total time is spent.
    Returns why the run failed as a whole ('' when it ran to the end)."""
    from jupyter_core.utils import run_sync

    manager = client.km
    logging.getLogger("traitlets").setLevel(logging.CRITICAL)  # no kernel chatter in the progress bar
    timed_out, finished = threading.Event(), threading.Event()

    def watchdog():
        if not finished.wait(remaining):
            timed_out.set()
            _kill(manager)

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        # the kernel's own chatter is not the teacher's business (SCALECHECK_GRADER_DEBUG=1 shows it)
        quiet = None if os.environ.get("SCALECHECK_GRADER_DEBUG") else subprocess.DEVNULL
        client.execute(env=job.env, stdout=quiet, stderr=quiet, stdin=subprocess.DEVNULL)
        return ""
    except Exception as error:  # DeadKernelError, startup failures, ...
        if timed_out.is_set():
            return f"stopped after the total time limit of {limit.total_timeout_s} s"
        return _death_reason(error, client.current_cell, len(job.notebook.cells) - 1)
    finally:
        finished.set()
        _kill(manager)
        _close_client(client)
        try:
            run_sync(manager.cleanup_resources)()
        except Exception:
            pass


def _close_client(client) -> None:
    """Close the kernel client's sockets and its ZeroMQ context. nbclient leaves them to whoever owns
    the kernel manager (here, the grader): left open, every run would leave an I/O thread and a
    dozen descriptors behind in the worker until the garbage collector happened to find them."""
    kernel_client = getattr(client, "kc", None)
    if kernel_client is None:
        return
    client.kc = None
    try:
        kernel_client.stop_channels()
    except Exception:
        pass
    try:
        kernel_client.context.destroy(linger=0)
    except Exception:
        pass


def _death_reason(error: Exception, died_at: int, student_cells: int) -> str:
    where = f" in cell {died_at}" if 0 <= died_at < student_cells else ""
    if type(error).__name__ in ("DeadKernelError", "RuntimeError", "CellTimeoutError"):
        return (f"the kernel died or stopped responding{where} "
                f"({type(error).__name__}; e.g. os._exit, a signal, or memory)")
    return f"the kernel stopped answering properly{where} ({type(error).__name__})"  # its messaging was tampered with


# -- collect: problems per cell, the answers read back, the cells for the report --

def collect(job: Job, client, limit: Limits, result: Execution) -> None:
    """Fill ``result`` from the executed notebook (the read-back cell is removed)."""
    notebook = job.notebook
    result.problems.extend(cell_problems(notebook.cells[:-1], limit.cell_timeout_s))
    _read_answers(notebook.cells[-1], job.marker, client.extract_overflow, result)
    notebook.cells = notebook.cells[:-1]
    result.problems = result.problems[:50]
    result.executed = report_cells(notebook.cells)


def cell_problems(cells: list, cell_timeout_s: int) -> list[str]:
    """One line per cell that ended in an error (a per-cell time-out named as such)."""
    problems = []
    for number, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") in ("KeyboardInterrupt", "TimeoutError"):
                problems.append(f"cell {number}: stopped after the per-cell time limit of {cell_timeout_s} s")
            else:
                problems.append(f"cell {number}: {str(output.get('ename'))[:60]}: {str(output.get('evalue'))[:120]}")
    return problems


def answers_payload(extract_cell, marker: str) -> str | None:
    """The text after ``marker`` in the read-back cell's display data (the last one wins)."""
    payload = None
    for output in extract_cell.get("outputs", []):
        data = output.get("data") if isinstance(output, dict) else None
        text = data.get(ANSWERS_MIME, "") if isinstance(data, dict) else ""
        if isinstance(text, str) and text.startswith(marker):
            payload = text[len(marker):]
    return payload


def _read_answers(extract_cell, marker: str, overflow: bool, result: Execution) -> None:
    payload = answers_payload(extract_cell, marker)
    if overflow:
        result.problems.append("the answers could not be read back from the kernel (the reply was too large)")
    elif payload is not None:
        try:
            answers, notes, found = validate_answers(json.loads(payload))
        except (ValueError, RecursionError):
            answers, notes, found = {}, ["the answers could not be read back from the kernel (not JSON)"], True
        result.answers = answers
        result.problems.extend(notes)
        if not found:
            result.problems.append("the exercise set was never opened (the setup cell did not run or was removed)")
    elif not result.failure:
        result.problems.append("the answers could not be read back from the kernel")


def report_cells(cells: list) -> dict:
    """Plain data (no slow schema validation), cut to what a report can show."""
    kept, size = [], 0
    for cell in cells:
        size += len(cell.get("source", "")) + _size({"o": cell.get("outputs", [])})
        if len(kept) >= MAX_REPORT_CELLS or size > MAX_REPORT_CHARS:
            break
        kept.append(cell)
    return {"cells": json.loads(json.dumps(kept, default=str)), "cut": len(cells) - len(kept)}


def _kill(manager) -> None:
    """SIGKILL the kernel's process group (bwrap and, through the PID namespace, all it started)."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        try:
            os.kill(process.pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        process.wait(timeout=10)
    except Exception:
        pass
