"""What the real-browser tests share: where Chromium is, and Playwright or a clear skip.

Without Playwright or Debian's Chromium a browser test module is skipped, except
where SCALECHECK_REQUIRE_BROWSER=1 (CI), where a missing browser fails the run.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("SCALECHECK_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("SCALECHECK_REQUIRE_BROWSER") == "1"


def require_playwright():
    """(expect, sync_playwright) from Playwright; skip or fail the calling module when unavailable."""
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
