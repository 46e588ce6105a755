"""What the real-browser tests share: where Chromium is, Playwright or a clear skip, and a JupyterLab.

Without Playwright or Debian's Chromium a browser test is skipped, except where
SCALECHECK_REQUIRE_BROWSER=1 (CI), where a missing browser fails the run.
conftest.py starts one Chromium (``chromium``) and one JupyterLab on a copy of the
course (``course_lab``) per test run, for every test that needs them.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("SCALECHECK_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("SCALECHECK_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAB_USER_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings": {"saveState": True},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def write_blank_exercises(folder: Path) -> None:
    """The hand-outs as a fresh clone has them, over whatever exercises/ held in this working copy
    (JupyterLab saves a learner's answers there; a test must start from the blank notebook)."""
    if str(ROOT / "tools") not in sys.path:
        sys.path.insert(0, str(ROOT / "tools"))
    import build

    build.write_blank_exercises(folder)


def require_playwright():
    """(expect, sync_playwright) from Playwright; skip or fail the caller when unavailable."""
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:  # pragma: no cover
        expect = sync_playwright = None
    if sync_playwright is None or not CHROMIUM.exists():
        reason = "playwright or /usr/bin/chromium missing (apt-get install chromium)"
        if REQUIRED:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)
    return expect, sync_playwright


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def jupyterlab(home: Path):
    """A JupyterLab server on 127.0.0.1 with a token, on a copy of lessons/ and exercises/ in
    ``home/course``, with settings of its own; stopped by the PID it started."""
    root = home / "course"
    for folder in ("lessons", "exercises"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("*.answers.json"))
    write_blank_exercises(root / "exercises")
    settings = home / "settings"
    for name, values in LAB_USER_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               IPYTHONDIR=str(home / "ipython"), MPLCONFIGDIR=str(home / "mpl"), SCALECHECK_STRICT="0")
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--allow-root"]
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"JupyterLab exited: {(home / 'lab.log').read_text()[-2000:]}") from None
                time.sleep(0.5)
        else:
            raise RuntimeError("JupyterLab did not start in 90 s")
        yield {"base": base, "token": token, "root": root}
    finally:
        try:
            request = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(request, timeout=5)
            server.wait(timeout=15)
        except Exception:
            pass
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        log.close()
