"""The per-submission sandbox: Debian's bubblewrap, an unprivileged uid, limits.

Design (why it looks like this)
-------------------------------
* **bubblewrap, no daemon.** ``bwrap`` builds a fresh mount, PID, network,
  IPC and UTS namespace for every kernel. Inside, the kernel sees only:
  the Python installation and virtual environment (read-only), a key-less,
  ``.git``-less copy of the course (read-only, ``/course``), the hand-in
  (read-only, ``/handin``), a private size-capped ``/tmp`` and working
  folder (``/home/student``, both tmpfs) and one folder for the kernel's
  sockets. No other submission, output folder, cache, checkout, and no
  ``/proc`` of the grader (a new ``/proc`` for the new PID namespace).
* **How the grader talks to the kernel.** With ``--unshare-net`` the grader
  cannot reach TCP ports inside, so the kernel uses ZeroMQ's ``ipc``
  transport: Unix sockets in a folder shared with the grader. That keeps
  nbclient (and its time limits) in the grader, where a hostile kernel
  cannot tamper with them, and keeps the network namespace empty (not even
  loopback is shared). The alternative, nbclient inside the sandbox passing
  back a JSON result, would put the per-cell time limit and the output cap
  under the student's control. The socket folder is handed back to root as
  soon as the kernel is ready, so student code cannot store files in it.
* **Never root.** As root, bwrap sets up the namespaces, then ``prlimit``
  fixes the limits and ``setpriv`` drops to a uid used by no account (one per
  submission, so one submission's processes cannot signal, count against or
  write to another's), with no capabilities and ``no_new_privs``, *before*
  Python starts. Python runs with ``-P`` (no working folder on
  ``sys.path``). As an ordinary user, bwrap makes a user namespace instead
  (the kernel runs as the grader's uid mapped to ``nobody``, seeing only the
  folders above).
* **Everything dies with it.** ``--die-with-parent`` and the PID namespace:
  when the kernel's bwrap is killed, every process the submission started
  dies too; the tmpfs folders vanish with the namespace.

Not protected: CPU time shared with other jobs, memory beyond the
per-process address-space cap times the process cap, and kernel (Linux)
exploits. See the README's "How it stays safe".
"""
from __future__ import annotations

import contextlib
import functools
import os
import pwd
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BWRAP = "/usr/bin/bwrap"
# uids no account uses: one per submission index, far above ordinary accounts
UID_BASE = 2_900_000_000
HOME = "/home/student"
COURSE = "/course"
HANDIN = "/handin"

INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
                "bubblewrap), or pass --unsafe-no-sandbox to run kernels without isolation (only for work you trust)")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be built here; the message says what is missing."""


@dataclass(frozen=True)
class SandboxLimits:
    memory_mb: int = 2048     # address space per process
    processes: int = 64       # processes and threads of the submission's uid
    file_mb: int = 64         # largest file it may write
    disk_mb: int = 256        # each of /tmp and the working folder (tmpfs)
    open_files: int = 256
    cpu_s: int = 600          # CPU seconds per process: a backstop behind the wall-clock limit


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def sandbox_uid(index: int) -> int:
    """A uid no account uses, for submission ``index``."""
    uid = UID_BASE + index % 1_000_000
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1_000_000


# Where grader runs claim their sandbox uids: a folder only root can create. Two grader runs on one machine
# (two shards, two teachers) would otherwise give their submissions number n the same uid, and the process
# limit counts per uid: a fork bomb in one run would leave a classmate in the other unable to start a kernel.
UID_CLAIMS = "/run/scalecheck-sandbox-uids"


def _claims_folder(folder: str) -> str:
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise SandboxUnavailable(f"{folder} must be a folder of the grader's own, closed to others (0700)")
    return folder


@contextlib.contextmanager
def claimed_uid(index: int, folder: str = UID_CLAIMS):
    """A sandbox uid for submission ``index`` that no other grader run on this machine holds; held until exit.

    The claim is an exclusive lock (flock) on a file named after the uid: the kernel releases it when the
    process ends, so a crashed run leaves no stale claim. Starts at :func:`sandbox_uid` and steps on.
    """
    import fcntl

    folder = _claims_folder(folder)
    uid = sandbox_uid(index)
    for _ in range(1_000):
        fd = os.open(os.path.join(folder, str(uid)), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            uid = sandbox_uid(uid - UID_BASE + 1)  # the next free uid no account uses
            continue
        try:
            yield uid
        finally:
            os.close(fd)
        return
    raise SandboxUnavailable("no free sandbox uid: over a thousand submissions are being graded on this machine")


def _python_roots() -> list[str]:
    """Folders the kernel's Python needs (read-only): the installation and the venv."""
    roots = set()
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                   os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))):
        if prefix and not prefix.startswith("/usr"):
            roots.add(os.path.realpath(prefix))
    # a prefix inside another is already covered
    ordered = sorted(roots, key=len)
    return [r for i, r in enumerate(ordered) if not any(r.startswith(o + "/") for o in ordered[:i])]


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime"):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return args


def _dirs_for(path: str, made: set[str]) -> list[str]:
    """--dir entries (world-readable) for every missing parent of ``path``:
    bwrap would otherwise create them 0700, unreadable to the kernel's uid."""
    args = []
    parts = Path(path).parts[1:-1]
    current = ""
    for part in parts:
        current += "/" + part
        if current not in made and current not in ("/usr", "/tmp"):
            made.add(current)
            args += ["--perms", "0755", "--dir", current]
    return args


def kernel_command(*, course: str, handin: str, ipc_dir: str, uid: int, limits: SandboxLimits,
                   kernel_argv: list[str]) -> list[str]:
    """The argv that starts ``kernel_argv`` inside a fresh sandbox."""
    root = is_root()
    args = [BWRAP, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grader"]
    if not root:
        # an ordinary user needs a user namespace to build the others
        args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"]
    args += _system_binds()
    # the private /tmp comes before the Python binds: a course or venv that lives under /tmp
    # (a clone in a temporary folder) is then bound on top of it instead of hidden by it
    size = str(limits.disk_mb * 1024 * 1024)
    args += ["--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
    made: set[str] = set()
    for folder in _python_roots():
        args += _dirs_for(folder + "/x", made) + ["--ro-bind", folder, folder]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "0755", "--dir", "/home", "--perms", "0777", "--size", size, "--tmpfs", HOME]
    args += ["--ro-bind", course, COURSE, "--ro-bind", handin, HANDIN]
    # the socket folder keeps its real path: the connection file names it for both sides
    args += _dirs_for(ipc_dir + "/x", made)
    args += ["--bind", ipc_dir, ipc_dir, "--chdir", HOME, "--"]
    args += ["/usr/bin/prlimit", f"--as={limits.memory_mb * 1024 * 1024}", f"--nproc={limits.processes}",
             f"--fsize={limits.file_mb * 1024 * 1024}", f"--nofile={limits.open_files}", "--core=0",
             f"--cpu={limits.cpu_s}", "--"]
    if root:
        args += ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs", "--"]
    return args + kernel_argv


def missing_tools() -> list[str]:
    needed = [BWRAP, "/usr/bin/prlimit"] + (["/usr/bin/setpriv"] if is_root() else [])
    return [tool for tool in needed if not (os.path.isfile(tool) and os.access(tool, os.X_OK))]


@functools.lru_cache(maxsize=1)
def check_available() -> str:
    """Raise SandboxUnavailable (saying what is missing and how to get it)
    unless a sandboxed Python can start here; returns a one-line description."""
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"the sandbox needs Linux namespaces (this is {sys.platform}); {INSTALL_HINT}")
    missing = missing_tools()
    if missing:
        raise SandboxUnavailable(f"{', '.join(missing)} not found; {INSTALL_HINT}")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="scg-probe-") as folder:
        for name in ("course", "handin", "ipc"):
            os.mkdir(os.path.join(folder, name))
        os.chmod(folder, 0o755)
        for name in ("course", "handin", "ipc"):
            os.chmod(os.path.join(folder, name), 0o755)
        uid = sandbox_uid(0)
        command = kernel_command(course=f"{folder}/course", handin=f"{folder}/handin", ipc_dir=f"{folder}/ipc", uid=uid,
                                 limits=SandboxLimits(),
                                 kernel_argv=[sys.executable, "-P", "-c",
                                              "import os, ipykernel, zmq; print(os.getuid())"])
        try:
            probe = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/")
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SandboxUnavailable(f"bubblewrap could not start ({error}); {INSTALL_HINT}") from None
    if probe.returncode != 0:
        detail = (probe.stderr.strip().splitlines() or ["no message"])[-1][:300]
        hint = ("unprivileged user namespaces seem disabled: run the grader as root, or enable them "
                "(sudo sysctl kernel.unprivileged_userns_clone=1 on Debian; "
                "kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu 24.04)"
                if not is_root() and any(w in detail for w in ("namespace", "uid map", "Operation not permitted"))
                else "a Python the sandboxed uid cannot read (e.g. installed under a private home) also causes this")
        raise SandboxUnavailable(f"a sandboxed test kernel failed to start: {detail}; {hint}; "
                                 "or pass --unsafe-no-sandbox")
    if is_root() and probe.stdout.strip() == "0":
        raise SandboxUnavailable("the sandboxed test process still ran as root; refusing to grade")
    kind = f"bubblewrap, uid {UID_BASE}+n" if is_root() else "bubblewrap in a user namespace"
    return kind
