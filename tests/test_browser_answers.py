"""Real browser: the saved notebook holds one answer widget per question, and the answer last typed.

Issue 18 item 2: after typing an answer, saving, running the notebook again and
typing another answer, JupyterLab's saved widget state held two text boxes for
the question (165 -> 330 models, 69 -> 124 KB) and the notebook alone gave the
stale answer. Re-showing a question now closes its old widgets (and its widgets
keep their model ids), and every answer carries the time it was typed.
"""
from __future__ import annotations

import json
import re
import shutil
import time

import pytest

test_browser = pytest.importorskip("test_browser")  # skips (or fails in CI) without chromium/playwright
import browser_support  # noqa: E402
from test_browser import ARTIFACTS, ROOT, _open_and_run_all, _run_all, _wait_idle, expect  # noqa: E402

QUESTION = "q8_like_for_like"


def _saved(path):
    for _ in range(40):
        try:
            return json.loads(path.read_text())
        except ValueError:  # caught mid-write
            time.sleep(0.5)
    raise AssertionError("the notebook was never readable")


def _save(page, path):
    before = path.stat().st_mtime
    page.keyboard.press("Control+s")
    deadline = time.time() + 30
    while time.time() < deadline and path.stat().st_mtime == before:
        time.sleep(0.5)
    time.sleep(1)
    return _saved(path)


def _models(notebook):
    return notebook["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})


def test_run_all_again_keeps_one_widget_per_question_and_the_last_answer(browser, lab):
    from scalecheck.exercise.answers import saved_answers

    # a fresh copy of its own: the run's Lab is shared, and test_browser saves answers in exercises/
    folder = lab["root"] / "rerun"
    shutil.copytree(ROOT / "exercises", folder / "exercises", ignore=shutil.ignore_patterns("*.answers.json"))
    browser_support.write_blank_exercises(folder / "exercises")
    saved = folder / "exercises" / "01_orders_of_magnitude.ipynb"
    key = json.loads(saved.with_name("keys").joinpath(saved.stem + ".json").read_text())["questions"]
    if QUESTION not in key:
        pytest.skip(f"{QUESTION} is no longer in set 01")
    page = _open_and_run_all(browser, lab, "rerun/exercises/01_orders_of_magnitude.ipynb")
    question = page.locator(".scalecheck-question").filter(has=page.locator(f".scalecheck-q-{QUESTION}"))
    feedback = question.locator(".scalecheck-feedback-line")
    expect(feedback).to_contain_text("Not answered", timeout=60_000)
    _wait_idle(page)
    question.scroll_into_view_if_needed()
    expect(question).to_contain_text("Q8 answer")
    question.locator("input").fill("7.5")
    question.locator("input").press("Enter")
    expect(feedback).to_contain_text("7.5")
    _wait_idle(page)
    first = _save(page, saved)
    count = len(_models(first))
    assert count > 0

    _run_all(page)  # the same kernel: the first run's widgets are still alive there
    expect(question.locator("input")).to_have_value("7.5", timeout=60_000)  # restored from the side file
    _wait_idle(page)
    question.locator("input").fill("15")
    question.locator("input").press("Enter")
    expect(feedback).to_contain_text("15")
    _wait_idle(page)
    second = _save(page, saved)
    question.screenshot(path=str(ARTIFACTS / "exercise01_q8_after_rerun.png"))

    assert len(_models(second)) == count, "widget models piled up in the saved notebook"
    assert saved_answers(second, None).values[QUESTION] == "15"  # the notebook alone, as handed in
    side = json.loads(saved.with_name(saved.stem + ".answers.json").read_text())
    both = saved_answers(second, side)
    assert both.values[QUESTION] == "15" and both.conflicts == []
    classes = [c for m in _models(second).values() for c in m.get("state", {}).get("_dom_classes", [])]
    assert any(re.fullmatch(r"scalecheck-t-\d{13}", c) for c in classes)
    page.close()
