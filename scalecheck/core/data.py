"""Registered data files: load them by name, with their hash checked.

Every file in ``data/`` is listed in ``data/registry.json`` with its sha256,
where it came from, its licence and how to cite it. :func:`load` refuses a file
whose bytes differ from the registered hash, so a lesson can never silently
run on edited data.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scalecheck.core.paths import data_dir

REQUIRED_FIELDS = ("name", "path", "sha256", "title", "kind", "source", "licence", "citation")
KINDS = ("real", "derived", "compiled", "course")


class DataIntegrityError(RuntimeError):
    """A registered file is missing or its bytes do not match the registry."""


@dataclass(frozen=True)
class DataEntry:
    """One registered data file and its provenance."""

    name: str
    path: str
    sha256: str
    title: str
    kind: str
    source: str
    licence: str
    citation: str
    notes: str = ""

    @property
    def file(self) -> Path:
        return data_dir() / self.path

    def credit(self) -> str:
        """The credit line a lesson prints under a figure made from this file."""
        return f"Data: {self.citation} Licence: {self.licence}."


def registry_path() -> Path:
    return data_dir() / "registry.json"


def registry() -> dict[str, DataEntry]:
    """All registered files, by name."""
    with open(registry_path(), encoding="utf-8") as handle:
        raw = json.load(handle)
    entries = {}
    for item in raw["files"]:
        known = {k: item[k] for k in DataEntry.__dataclass_fields__ if k in item}
        entries[item["name"]] = DataEntry(**known)
    return entries


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def entry(name: str) -> DataEntry:
    entries = registry()
    if name not in entries:
        raise KeyError(f"no data file registered as {name!r}; known: {', '.join(sorted(entries))}")
    return entries[name]


def verified_path(name: str) -> Path:
    """The path of a registered file after checking that its hash matches."""
    item = entry(name)
    if not item.file.is_file():
        raise DataIntegrityError(f"{name}: {item.file} is missing")
    actual = sha256_of(item.file)
    if actual != item.sha256:
        raise DataIntegrityError(
            f"{name}: {item.path} has sha256 {actual[:12]}..., registry says {item.sha256[:12]}...; "
            "the file was changed without updating data/registry.json "
            "(python tools/data_registry.py --update, after checking the change)"
        )
    return item.file


def load(name: str, **read_csv_kwargs) -> pd.DataFrame:
    """Load a registered CSV file as a DataFrame, verifying its hash first."""
    return pd.read_csv(verified_path(name), **read_csv_kwargs)


def validate_registry() -> list[str]:
    """Every problem with the registry and the files it lists (empty = valid)."""
    problems: list[str] = []
    try:
        with open(registry_path(), encoding="utf-8") as handle:
            raw = json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        return [f"registry unreadable: {error}"]
    seen_names: set[str] = set()
    listed_paths: set[str] = set()
    for item in raw.get("files", []):
        name = item.get("name", "?")
        for field in REQUIRED_FIELDS:
            if not str(item.get(field, "")).strip():
                problems.append(f"{name}: field {field!r} is empty or missing")
        if name in seen_names:
            problems.append(f"{name}: registered twice")
        seen_names.add(name)
        if item.get("kind") not in KINDS:
            problems.append(f"{name}: kind {item.get('kind')!r} is not one of {KINDS}")
        path = data_dir() / item.get("path", "")
        listed_paths.add(item.get("path", ""))
        if not path.is_file():
            problems.append(f"{name}: file {item.get('path')} is missing")
        elif sha256_of(path) != item.get("sha256"):
            problems.append(f"{name}: sha256 of {item.get('path')} does not match the registry")
    for path in sorted(data_dir().rglob("*")):
        relative = path.relative_to(data_dir()).as_posix()
        if path.is_file() and relative not in listed_paths and relative not in ("registry.json", "README.md"):
            problems.append(f"{relative}: in data/ but not registered")
    return problems
