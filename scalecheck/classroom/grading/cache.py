"""Re-using executions: private, authenticated, validated cache entries.

An entry is only written for a result that passed validation, only read
back when the file is a regular file owned by this user, not readable or
writable by anyone else, carries a valid HMAC made with a secret kept in
the (private) cache folder, and validates again.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import fields
from pathlib import Path

from scalecheck.exercise.keys import write_atomic

from .scoring import Execution, validate_execution

MAX_ENTRY_BYTES = 64 * 1024 * 1024


class Cache:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            raise ValueError(f"{folder} is not a folder of this user's; remove it and grade again")
        os.chmod(folder, 0o700)
        secret_path = folder / "secret"
        secret = _read_private(secret_path, 64)
        if secret is None or len(secret) != 32:
            secret = secrets.token_bytes(32)
            _remove(secret_path)
            fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secret)
        self.secret = secret

    @staticmethod
    def key(*parts: bytes) -> str:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return digest.hexdigest()

    def _mac(self, name: str, body: bytes) -> str:
        return hmac.new(self.secret, name.encode() + b"\0" + body, hashlib.sha256).hexdigest()

    def get(self, name: str) -> Execution | None:
        path = self.folder / f"{name}.json"
        raw = _read_private(path, MAX_ENTRY_BYTES)
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
            body = json.dumps(entry["data"], sort_keys=True, separators=(",", ":")).encode()
            if not hmac.compare_digest(str(entry["mac"]), self._mac(name, body)):
                raise ValueError("forged")
            execution = validate_execution(entry["data"])
        except (ValueError, KeyError, TypeError, RecursionError):
            execution = None
        if execution is None:
            _remove(path)  # a damaged or forged entry is never used, and not kept
        return execution

    def put(self, name: str, execution: Execution) -> None:
        # a shallow dict (asdict would deep-copy the executed notebook only to serialise it)
        data = {f.name: getattr(execution, f.name) for f in fields(execution)}
        if validate_execution(data) is None:
            return  # invalid results are never cached
        body = json.dumps(data, sort_keys=True, separators=(",", ":"))
        # serialised once: the entry holds the body as written, which get() re-serialises identically
        entry = '{"mac":"' + self._mac(name, body.encode()) + '","data":' + body + "}"
        write_atomic(self.folder / f"{name}.json", entry)
        os.chmod(self.folder / f"{name}.json", 0o600)


def _read_private(path: Path, limit: int) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        private = stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077
        if not private or info.st_size > limit:
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(limit + 1)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
