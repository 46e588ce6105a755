"""The kernel the grader runs a student's notebook in: ipykernel with limits.

    python -P -m scalecheck.exercise.grading_kernel -f CONNECTION_FILE [--memory-mb N]
        [--output-kb N] [--handin FOLDER]

It runs unprivileged (inside the grader's sandbox it was started by
``setpriv`` under a uid of its own). Before any student code runs it

- copies the hand-in (the notebook and its answers file, read-only in
  ``--handin``) into the working folder, where the notebook's widgets read
  saved answers and may write new ones;
- optionally caps the address space (``RLIMIT_AS``; in the sandbox
  ``prlimit`` has already done so);
- caps what stdout and stderr may carry in total, so a 100 MB print becomes
  a short note (the grader caps every other output as it arrives);
- leaves out ipykernel's debugger (debugpy), which no grader uses.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys


class CappedStream:
    """Wraps an output stream and drops everything past a byte budget."""

    def __init__(self, stream, budget_bytes: int):
        self._stream = stream
        self._left = budget_bytes
        self._noted = False

    def write(self, text):
        if not isinstance(text, str):
            text = str(text)
        if self._left <= 0:
            if not self._noted:
                self._noted = True
                self._stream.write("\n[output truncated by the grader]\n")
            return len(text)
        piece = text[: self._left]
        self._left -= len(piece)
        self._stream.write(piece)
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def copy_handin(folder: str) -> None:
    for name in ("submission.ipynb", "submission.answers.json"):
        source = os.path.join(folder, name)
        if os.path.isfile(source) and not os.path.islink(source):
            shutil.copyfile(source, name)


def quiet_widget_comms() -> None:
    """Widgets made in this kernel keep their state but publish no comm messages.

    No front end ever attaches to a grading kernel, so ipywidgets' comm_open and update
    messages reach only the grader, which discards them after decoding each one: on
    solutions/01 they were 232 of the run's 304 messages, CPU on both ends for nothing
    (issue 16, grading throughput). What the grader reads (the answers recorded by the
    exercise calls, the cells' outputs) does not pass through comms. Called after ipykernel
    has installed its own comm factory, which this replaces with the comm package's no-op one.
    """
    import comm

    comm.create_comm = comm.DummyComm


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-f", dest="connection_file", required=True)
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--output-kb", type=int, default=512)
    parser.add_argument("--handin", default="")
    parser.add_argument("--sandboxed", action="store_true",
                        help="inside the grader's PID namespace: its parent is not the grader's pid")
    args, extra = parser.parse_known_args(argv)

    if args.memory_mb > 0:
        import resource

        limit = args.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if args.handin:
        copy_handin(args.handin)

    if args.sandboxed:
        # ipykernel would see a parent pid that does not exist in this PID
        # namespace and exit; bwrap --die-with-parent ends it with the grader
        os.environ.pop("JPY_PARENT_PID", None)
    # No debugger: nobody attaches one to a grading kernel. ipykernel treats debugpy as optional (an
    # ImportError turns its debugger off), and importing it cost about 0.15 s of the kernel's ~1.7 s of CPU
    # per submission (issue 16); it is also one less server in the student's process.
    sys.modules.setdefault("debugpy", None)
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    # extra: options jupyter_client adds (e.g. the history file)
    app.initialize(["-f", args.connection_file] + [a for a in extra if a.startswith("--")])
    quiet_widget_comms()
    budget = args.output_kb * 1024
    sys.stdout = CappedStream(sys.stdout, budget)
    sys.stderr = CappedStream(sys.stderr, budget)
    app.start()


if __name__ == "__main__":
    main()
