"""Finding submissions: every entry of the folder is graded or reported.

Nothing here follows a symbolic link, and files are opened with
``O_NOFOLLOW`` and read up to a cap, so a submission that is a link to the
solutions (or a FIFO, or a device) is reported, never read.

Discovery keeps no hand-in bytes: it reads each file once to record its
size, SHA-256 and time, and ``load`` reads it again when it is needed (its
run submitted, or its cached result judged), refusing bytes whose hash is
not the one recorded. The grader's memory then does not grow with the size
of the class, and a file swapped between discovery and its run is reported,
never graded as the file that was found.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_SIDECAR_BYTES = 1024 * 1024
MAX_DEPTH = 3  # submissions/<student>/<set>.ipynb, and one folder more
MAX_ENTRIES = 20_000


@dataclass
class Submission:
    path: str            # filesystem path (may hold surrogate escapes of a non-UTF-8 name)
    display: str         # the path relative to the folder, as readable text
    student: str
    exercise_set: str
    notes: list[str] = field(default_factory=list)
    # what was found, so that the bytes read later can be verified (no bytes are kept)
    sha256: str = ""                 # of the notebook as discovered
    size: int = 0
    mtime: float | None = None       # the notebook's time as discovered (the late rules read it)
    sidecar_path: str | None = None  # its answers file, when one was found and could be read
    sidecar_sha256: str = ""


class HandinChanged(Exception):
    """A hand-in that is not, or no longer, the file discovery found; the message says why."""


@dataclass(frozen=True)
class Found:
    """One file as read at discovery: enough to verify it later, not its bytes."""

    sha256: str
    size: int
    mtime: float


def readable_name(raw: bytes) -> tuple[str, str]:
    """A file name as text, and a note when it was not UTF-8 (read as Latin-1,
    which is what an old zip tool most likely wrote)."""
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        return text, f"its name is not valid UTF-8; read as Latin-1: {printable(text)}"


def printable(text: str, limit: int = 200) -> str:
    """Text with control characters shown as escapes (for reports)."""
    cleaned = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return cleaned[:limit]


def clean_student(text: str) -> str:
    text = unicodedata.normalize("NFC", printable(text, 120)).strip(" _-.")
    return re.sub(r"\s+", " ", text) or "unknown"


def _open_regular(path: bytes | str, limit: int) -> tuple[int | None, os.stat_result | None, str]:
    """(fd, stat, '') of a regular file no larger than ``limit``, never through a link; (None, None, why) else."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        return None, None, f"could not be opened ({error.strerror})"
    try:
        info = os.fstat(fd)
    except OSError as error:
        os.close(fd)
        return None, None, f"could not be read ({error.strerror})"
    reason = ""
    if not stat.S_ISREG(info.st_mode):
        reason = "not a regular file"
    elif info.st_size > limit:
        reason = f"too large ({info.st_size // 1024 // 1024} MB; the limit is {limit // 1024 // 1024} MB)"
    if reason:
        os.close(fd)
        return None, None, reason
    return fd, info, ""


def _chunks(fd: int, limit: int):
    """The file's bytes in chunks; raises OSError past ``limit`` (a file that grows while it is read)."""
    total = 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return
        total += len(chunk)
        if total > limit:
            raise OSError(0, f"too large (the limit is {limit // 1024 // 1024} MB)")
        yield chunk


def read_capped(path: bytes | str, limit: int) -> tuple[bytes | None, str]:
    """The bytes of a regular file, never through a link; (None, reason) otherwise."""
    fd, _, reason = _open_regular(path, limit)
    if fd is None:
        return None, reason
    try:
        return b"".join(_chunks(fd, limit)), ""
    except OSError as error:
        return None, error.strerror or "could not be read"
    finally:
        os.close(fd)


def fingerprint(path: bytes | str, limit: int) -> tuple[Found | None, str]:
    """The file's SHA-256, size and time, read in chunks and not kept; (None, reason) when it cannot be read."""
    fd, info, reason = _open_regular(path, limit)
    if fd is None:
        return None, reason
    try:
        digest, size = hashlib.sha256(), 0
        for chunk in _chunks(fd, limit):
            digest.update(chunk)
            size += len(chunk)
        return Found(digest.hexdigest(), size, info.st_mtime), ""
    except OSError as error:
        return None, error.strerror or "could not be read"
    finally:
        os.close(fd)


def _verified(path: str, expected: str, limit: int, what: str) -> bytes:
    raw, reason = read_capped(path, limit)
    if raw is None:
        raise HandinChanged(f"{what} could no longer be read when it was graded ({reason}); "
                            "it was not graded: grade again")
    if hashlib.sha256(raw).hexdigest() != expected:
        raise HandinChanged(f"{what} changed after the grader found it (its bytes are not the ones found); "
                            "it was not graded: grade again to grade the new version")
    return raw


def load(sub: Submission) -> tuple[bytes, bytes | None]:
    """(notebook bytes, answers-file bytes or None), read now and verified against what discovery
    recorded; raises HandinChanged for a file that was swapped, changed or removed since."""
    raw = _verified(sub.path, sub.sha256, MAX_NOTEBOOK_BYTES, "the notebook")
    side = None
    if sub.sidecar_path is not None:
        side = _verified(sub.sidecar_path, sub.sidecar_sha256, MAX_SIDECAR_BYTES, "its answers file")
    return raw, side


def _match_set(stem: str, sets: list[str]) -> tuple[str, str] | None:
    for name in sorted(sets, key=len, reverse=True):
        number = name.split("_", 1)[0]
        for token in (name, number):
            hit = re.search(rf"(^|[_\-\s.]){re.escape(token)}($|[_\-\s.])", stem)
            if hit:
                return name, stem[: hit.start()] + stem[hit.end():]
    return None


class _Scan:
    """Every entry of the submissions folder: notebooks, answers files, and (path, reason) for the rest."""

    def __init__(self) -> None:
        self.notebooks: dict[bytes, tuple[str, list[str]]] = {}
        self.sidecars: dict[bytes, str] = {}
        self.skipped: list[tuple[str, str]] = []
        self.count = 0

    def walk(self, directory: bytes, shown: str, depth: int) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as error:
            self.skipped.append((shown or ".", f"folder could not be read ({error.strerror})"))
            return
        for entry in entries:
            self.count += 1
            name, note = readable_name(entry.name)
            relative = f"{shown}/{name}" if shown else name
            reason = self._entry(entry, name, note, relative, depth)
            if reason:
                self.skipped.append((printable(relative, 300), reason))

    def _entry(self, entry: os.DirEntry, name: str, note: str, relative: str, depth: int) -> str:
        """Take one entry; the reason it is not graded, or "" (a folder is walked into)."""
        shown_path = printable(relative, 300)
        if self.count > MAX_ENTRIES:
            return f"not looked at: more than {MAX_ENTRIES} entries in the folder"
        if entry.is_symlink():
            return "a symbolic link; links are never followed"
        if name.startswith("."):
            return "a hidden name (starts with a dot); not graded"
        if entry.is_dir(follow_symlinks=False):
            if depth >= MAX_DEPTH:
                return "a folder nested too deep; not looked into"
            if name.endswith(".ipynb"):
                return "a folder, not a notebook"
            self.walk(entry.path, relative, depth + 1)
            return ""
        if not entry.is_file(follow_symlinks=False):
            return "not a regular file"
        if name.endswith(".answers.json"):
            self.sidecars[entry.path] = shown_path
            return ""
        if not name.endswith(".ipynb"):
            return "not a notebook (.ipynb)"
        self.notebooks[entry.path] = (shown_path, [note] if note else [])
        return ""


def _submissions(scan: _Scan, sets: list[str]) -> list[Submission]:
    """Each notebook that names a set, read (capped), with its answers file beside it."""
    found: list[Submission] = []
    used_sidecars: set[bytes] = set()
    for path, (shown, notes) in scan.notebooks.items():
        parts = shown.split("/")
        matched = _match_set(parts[-1][: -len(".ipynb")], sets)
        if matched is None:
            scan.skipped.append((shown, "its name names no exercise set "
                                        "(expected e.g. alice_01.ipynb or alice/01_....ipynb)"))
            continue
        name, rest = matched
        student = clean_student(parts[0] if len(parts) > 1 else rest)
        seen, reason = fingerprint(path, MAX_NOTEBOOK_BYTES)
        if seen is None:
            scan.skipped.append((shown, reason))
            continue
        sub = Submission(os.fsdecode(path), shown, student, name, list(notes), seen.sha256, seen.size, seen.mtime)
        side_path = path[: -len(b".ipynb")] + b".answers.json"
        if side_path in scan.sidecars:
            used_sidecars.add(side_path)
            side, why = fingerprint(side_path, MAX_SIDECAR_BYTES)
            if side is None:
                sub.notes.append(f"its answers file was not read: {why}")
            else:
                sub.sidecar_path, sub.sidecar_sha256 = os.fsdecode(side_path), side.sha256
        found.append(sub)
    for side_path, shown in scan.sidecars.items():
        if side_path not in used_sidecars:
            scan.skipped.append((shown, "an answers file with no notebook of the same name beside it"))
    return found


def _newest_only(found: list[Submission], skipped: list[tuple[str, str]]) -> list[Submission]:
    """Two submissions for one student and set: keep the newest, report the rest."""
    chosen: dict[tuple[str, str], Submission] = {}
    for sub in sorted(found, key=lambda s: s.display):
        key = (sub.student, sub.exercise_set)
        if key in chosen:
            old = chosen[key]
            newer = max((old, sub), key=lambda s: (s.mtime or 0.0, s.display))
            older = sub if newer is old else old
            chosen[key] = newer
            skipped.append((older.display,
                            f"duplicate for {sub.student} / {sub.exercise_set}; graded {newer.display} (newer)"))
        else:
            chosen[key] = sub
    return sorted(chosen.values(), key=lambda s: (s.student, s.exercise_set))


def discover(folder: str | os.PathLike, sets: list[str]) -> tuple[list[Submission], list[tuple[str, str]]]:
    """Submissions in ``folder``: ``<student>/<set>.ipynb`` or ``<student>_<set>.ipynb``
    (the set named in full or by its number, e.g. ``alice_01.ipynb``).

    Returns the submissions and (path, reason) for every entry not graded.
    """
    scan = _Scan()
    scan.walk(os.fsencode(folder), "", 1)
    found = _submissions(scan, sets)
    return _newest_only(found, scan.skipped), scan.skipped
