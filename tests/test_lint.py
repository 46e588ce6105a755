"""ruff, configured in pyproject.toml ([tool.ruff]), finds nothing in the course's code and notebooks."""
from __future__ import annotations

import collections
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    if importlib.util.find_spec("ruff") is None:
        if os.environ.get("CI"):
            pytest.fail("ruff is not installed; it is in the test extra (python3 course.py test installs it)")
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "--no-cache", "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    findings = [line for line in result.stdout.splitlines() if ":" in line and not line.startswith("Found")]
    per_file = collections.Counter(line.split(":", 1)[0] for line in findings)
    summary = "\n".join(f"{count:4d}  {name}" for name, count in per_file.most_common())
    assert result.returncode == 0, (f"ruff: {len(findings)} finding(s); `ruff check --fix` fixes some\n{summary}\n"
                                    + "\n".join(findings[:30]) + result.stderr[-2000:])
