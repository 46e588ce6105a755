"""Where the course's files are: the course root, data/, and the answer keys.

Everything is found from the package's own location (the course is installed
editable from its folder), so notebooks never use ``../../data`` paths. Three
environment variables override this, for hand-outs and for the grader:
``SCALECHECK_COURSE_ROOT``, ``SCALECHECK_DATA_DIR`` and ``SCALECHECK_KEY_DIR``.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # scalecheck/, above this core/ layer


def course_root() -> Path:
    """The folder that holds lessons/, exercises/, solutions/ and data/."""
    override = os.environ.get("SCALECHECK_COURSE_ROOT")
    return Path(override).resolve() if override else PACKAGE_DIR.parent


def data_dir() -> Path:
    """The folder of registered data files."""
    override = os.environ.get("SCALECHECK_DATA_DIR")
    return Path(override).resolve() if override else course_root() / "data"


def full_key_dir() -> Path:
    """Answer keys with expected values; absent from a student hand-out."""
    override = os.environ.get("SCALECHECK_KEY_DIR")
    return Path(override).resolve() if override else course_root() / "solutions" / "keys"


def public_key_dir() -> Path:
    """Question lists without answers (units, choices, points, sanity ranges)."""
    return course_root() / "exercises" / "keys"
