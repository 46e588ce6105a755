"""Finding submissions: every entry of the folder is graded or reported.

Nothing here follows a symbolic link, and files are opened with
``O_NOFOLLOW`` and read up to a cap, so a submission that is a link to the
solutions (or a FIFO, or a device) is reported, never read.
"""
from __future__ import annotations

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
    raw: bytes = b""
    sidecar: bytes | None = None
    notes: list[str] = field(default_factory=list)


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


def read_capped(path: bytes | str, limit: int) -> tuple[bytes | None, str]:
    """The bytes of a regular file, never through a link; (None, reason) otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        return None, f"could not be opened ({error.strerror})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > limit:
            return None, f"too large ({info.st_size // 1024 // 1024} MB; the limit is {limit // 1024 // 1024} MB)"
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            return None, f"too large (the limit is {limit // 1024 // 1024} MB)"
        return b"".join(chunks), ""
    finally:
        os.close(fd)


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
        raw, reason = read_capped(path, MAX_NOTEBOOK_BYTES)
        if raw is None:
            scan.skipped.append((shown, reason))
            continue
        side_path = path[: -len(b".ipynb")] + b".answers.json"
        side = None
        if side_path in scan.sidecars:
            used_sidecars.add(side_path)
            side, why = read_capped(side_path, MAX_SIDECAR_BYTES)
            if side is None:
                notes = notes + [f"its answers file was not read: {why}"]
        found.append(Submission(os.fsdecode(path), shown, student, name, raw, side, list(notes)))
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
            newer = max((old, sub), key=lambda s: (_mtime(s.path), s.display))
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


def _mtime(path: str) -> float:
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return 0.0
