"""`python3 course.py lab` in a copy of the course, as a learner starts it: for the benchmark and the journeys.

    from lab_session import CourseLab, clone, prepare_venv
    prepare_venv()                                  # once: bring the shared .venv's install up to date
    course = clone(tmp / "course")                  # what a fresh clone holds (no answers, caches)
    with CourseLab(course, tmp / "home") as lab:    # isolated HOME and Jupyter folders, a free port
        page.goto(f"{lab.base}/lab/tree/lessons/...?token={lab.token}")

Used by tools/benchmark.py, tools/latency_probe.py and tests/test_journeys.py (tools/ is put on
sys.path by the caller), so the way a copy is made and a Lab started and stopped lives in one place.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("SCALECHECK_VENV", ROOT / ".venv"))

# What a clone of the repository holds that `course.py lab` needs (tests/ is left out: a learner's run does not use it)
# Debian's Chromium, headless, for the benchmark and the latency probe (quiet: no updates, sync or first-run pages)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CLONE_PARTS = (
    "course.py",
    "pyproject.toml",
    "environment.yml",
    "README.md",
    "scalecheck",
    "data",
    "lessons",
    "exercises",
    "solutions",
    "tools",
    "docs",
)
# Only what makes a headless run deterministic; the course's own settings (saved widget state,
# the Ctrl+S extension) come from `course.py lab` itself.
TEST_USER_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(home: Path, venv: Path = VENV) -> dict[str, str]:
    """The environment of a Lab that touches nothing of the user's: HOME and every Jupyter folder in `home`."""
    settings = home / "settings"
    for name, values in TEST_USER_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return dict(
        os.environ,
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        IPYTHONDIR=str(home / "ipython"),
        MPLCONFIGDIR=str(home / "mpl"),
        SCALECHECK_VENV=str(venv),
        SCALECHECK_STRICT="0",
        PYTHONWARNINGS="ignore",
    )


def clone(destination: Path, source: Path = ROOT) -> Path:
    """A copy of the course as a fresh clone has it: no answers, caches or checkpoints."""
    ignore = shutil.ignore_patterns("*.answers.json", "__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
    destination.mkdir(parents=True)
    for part in CLONE_PARTS:
        path = source / part
        if path.is_dir():
            shutil.copytree(path, destination / part, ignore=ignore)
        elif path.exists():
            shutil.copy2(path, destination / part)
    if (destination / "exercises").is_dir() and (source / "solutions").is_dir():
        # exercises/ here may hold answers typed into it (JupyterLab saves a learner's work there): the
        # hand-outs are written afresh from the solutions, as a fresh clone has them
        if str(Path(__file__).resolve().parent) not in sys.path:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
        import build

        build.write_blank_exercises(destination / "exercises", source / "solutions")
    return destination


def prepare_venv(venv: Path = VENV, timeout: float = 1800) -> None:
    """Bring the shared .venv's install up to date from this course (a no-op when it is current).

    The copies share the .venv: without this, the first copy's `course.py lab` would re-install the
    package from the copy (an editable install pointing into a temporary folder that every later
    kernel would import)."""
    subprocess.run(
        [sys.executable, str(ROOT / "course.py"), "lab", "--version"],
        cwd=ROOT,
        check=True,
        env=dict(os.environ, SCALECHECK_VENV=str(venv)),
        capture_output=True,
        timeout=timeout,
    )


class CourseLab:
    """`python3 course.py lab` in `folder`, on a free port, without opening a browser; the URL it prints.

    `extra_args` go to `jupyter lab` after the course's own (e.g. a ServerApp setting to compare)."""

    URL = re.compile(r"(http://127\.0\.0\.1:\d+/\S*\?token=[0-9a-f]+)")

    def __init__(self, folder: Path, home: Path, extra_args: Sequence[str] = (), start_timeout: float = 180):
        self.folder, self.home = Path(folder), Path(home)
        self.extra_args, self.start_timeout = list(extra_args), start_timeout
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_path = self.home / f"lab-{self.folder.name}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> CourseLab:
        port = free_port()
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "course.py",
                "lab",
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                *self.extra_args,
            ],
            cwd=self.folder,
            env=isolated_env(self.home),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + self.start_timeout
        while time.time() < deadline:
            found = self.URL.search(self.log_path.read_text())
            if found:
                self.url = found.group(1)
                self.base = self.url.split("/lab")[0]
                self.token = self.url.rsplit("token=", 1)[1]
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        log = self.log_path.read_text()[-3000:]
        self.__exit__()
        raise RuntimeError(f"course.py lab printed no URL in {self.start_timeout:.0f} s: {log}")

    def shut_down_kernels(self) -> None:
        """Shut down every kernel of this Lab (so the next measurement runs beside no idle kernels)."""
        try:
            with urllib.request.urlopen(f"{self.base}/api/kernels?token={self.token}", timeout=10) as response:
                kernels = json.load(response)
            for kernel in kernels:
                request = urllib.request.Request(
                    f"{self.base}/api/kernels/{kernel['id']}?token={self.token}", method="DELETE"
                )
                urllib.request.urlopen(request, timeout=30).close()
        except Exception as error:  # the server's own shutdown ends them at the end
            print(f"  (kernels not shut down: {type(error).__name__})", flush=True)

    def __exit__(self, *exc) -> None:
        if self.process is None:
            return
        try:
            request = urllib.request.Request(f"{self.base}/api/shutdown?token={self.token}", method="POST")
            urllib.request.urlopen(request, timeout=5)
            self.process.wait(timeout=15)
        except Exception:
            pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def _no_delay_connection() -> type:
    """A kernel WebSocket connection with Nagle's algorithm off (TCP_NODELAY) on the server's end.

    jupyter_server leaves the kernel WebSocket in Tornado's default, Nagle on (checked: the socket's
    TCP_NODELAY is 0), so a small message written while the previous one is unacknowledged may wait
    for the browser's delayed ACK, and an explorer update is several small messages (status busy,
    echo_update, readout, image, status idle). For tools/latency_probe.py, which compares both on
    one Lab: on this machine the difference was within the noise (docs/benchmarks.md)."""
    from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

    class NoDelayWebsocketConnection(ZMQChannelsWebsocketConnection):
        def connect(self):
            stream = getattr(self.websocket_handler.ws_connection, "stream", None)
            sock = getattr(stream, "socket", None)
            if sock is not None and os.environ.get("SCALECHECK_LOG_NODELAY"):
                before = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                self.log.warning("scalecheck: kernel WebSocket TCP_NODELAY was %s, setting 1", before)
            # ?scalecheck_nodelay=0 on the WebSocket URL keeps Nagle on (tools/latency_probe.py compares both)
            if self.websocket_handler.get_argument("scalecheck_nodelay", "1") != "0":
                self.websocket_handler.set_nodelay(True)
            return super().connect()

    return NoDelayWebsocketConnection


def __getattr__(name: str):
    # built on first use, so importing this module does not import jupyter_server
    # (`--ServerApp.kernel_websocket_connection_class=tools.lab_session.NoDelayWebsocketConnection`)
    if name == "NoDelayWebsocketConnection":
        value = globals()[name] = _no_delay_connection()
        return value
    raise AttributeError(name)
