"""Journey tests: the course as people use it, in a real browser, started the way the README says.

Every JupyterLab here is started THROUGH `python3 course.py lab` (as a subprocess,
in a copy of the course or in a hand-out), and the browser opens the URL that
command prints. The journeys:

J1 learner   lesson 00 -> file browser -> exercises/01; right, wrong, unit-slip and
             garbage answers and their feedback; Restart Kernel and Run All; change an
             answer; Ctrl+S with the cursor still in the box; close, reopen: the box
             shows the last answer.
J2 student   `course.py release 01` -> `course.py lab` in the hand-out -> answer -> save
             -> hand in the .ipynb alone.
J3 teacher   `course.py grade` on the notebooks of J1 and J2: each grade is what the
             screen showed; the feedback HTML opens in the browser and says the same;
             the gradebook row matches.
Also: every lesson and exercise notebook's markdown rendered once, failing on MathJax
errors and on prose swallowed into maths (an unescaped currency `$`).

The shared .venv is reused (SCALECHECK_VENV), so nothing is installed. Needs Debian's
chromium and playwright; skipped without them unless SCALECHECK_REQUIRE_BROWSER=1.
Screenshots go to tests/artifacts/journeys/.
"""
from __future__ import annotations

import csv
import json
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_support import CHROMIUM, REQUIRED, require_playwright  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts" / "journeys"

expect, sync_playwright = require_playwright()

# the copy of the course and the Lab that `course.py lab` starts in it, shared with tools/benchmark.py
sys.path.insert(0, str(ROOT / "tools"))
from lab_session import CourseLab, prepare_venv  # noqa: E402
from lab_session import clone as _clone  # noqa: E402
from lab_session import isolated_env as _isolated_env  # noqa: E402

VERDICTS = ("correct", "close", "wrong", "invalid", "unanswered", "recorded")
STATE: dict = {}  # what the journeys leave for the teacher's journey: saved notebooks and what the screen showed


def _course(*args: str, cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    """`python3 course.py ARGS` in a folder, as a user types it."""
    return subprocess.run([sys.executable, str(cwd / "course.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def pages(browser, request):
    """New pages for a test; on failure each is screenshotted to tests/artifacts/journeys/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened = []
    failed_before = request.session.testsfailed

    def new_page():
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        opened.append(page)
        return page

    yield new_page
    for number, page in enumerate(opened):
        if not page.is_closed():
            if request.session.testsfailed > failed_before:  # the call's report is counted before teardown
                try:
                    page.screenshot(path=str(ARTIFACTS / f"FAILED_{request.node.name}_{number}.png"))
                except Exception:
                    pass
            page.close()


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    # The copies share this .venv: bring its install up to date from the course itself first, or the
    # first copy's `course.py lab` would re-install the package from the copy (an editable install
    # pointing into a temporary folder that every later kernel would import)
    prepare_venv()
    return tmp_path_factory.mktemp("journeys")


@pytest.fixture(scope="module")
def clone_lab(home):
    """A fresh clone of the course, opened with `python3 course.py lab` (J1 and the render check share it)."""
    course = _clone(home / "clone")
    with CourseLab(course, home) as lab:
        yield course, lab


# ---------------------------------------------------------------------------
# Answers: chosen from the set's own key, judged by the course's own checks, so the
# journeys keep working while lesson authors change their questions.

SET = "01_orders_of_magnitude"


def _judge(question: str, answer: str) -> str:
    from scalecheck.exercise import exercises
    from scalecheck.exercise.answers import AnswerStore

    return exercises.ExerciseSet(SET, strict=False, store=AnswerStore()).check(question, answer).status


def _answer_plan() -> dict:
    """Two numeric questions with units, and typed answers for each verdict."""
    key = json.loads((ROOT / "solutions" / "keys" / f"{SET}.json").read_text())["questions"]
    numeric = [q for q, e in sorted(key.items(), key=lambda item: item[1].get("order", 0))
               if e.get("kind") == "number" and e.get("unit") and isinstance(e.get("expected"), (int, float))]
    assert len(numeric) >= 2, f"{SET} needs two numeric questions with units for the journey"
    plan = {}
    for question in numeric[:2]:
        expected, unit = key[question]["expected"], key[question]["unit"]
        candidates = {
            "correct": [f"{expected:.6g} {unit}"],
            "wrong": [f"{expected * f:.6g} {unit}" for f in (7, 0.13, 40)],
            "close": [f"{expected * f:.6g} {unit}" for f in (1000, 0.001)],
            "invalid": ["abc"],
        }
        chosen = {}
        for verdict, typed in candidates.items():
            chosen[verdict] = next((t for t in typed if _judge(question, t) == verdict), None)
            assert chosen[verdict], f"no {verdict} answer found for {question} among {typed}"
        plan[question] = chosen
    return plan


# ---------------------------------------------------------------------------
# Page helpers


def _status(page):
    return page.locator("#jp-main-statusbar")


def _wait_kernel_idle(page, timeout=90_000):
    # the toolbar says idle before a kernel exists: the status bar names it once it does
    expect(_status(page)).to_contain_text(re.compile(r"Python 3 \(ipykernel\) \| Idle"), timeout=timeout)


def _menu(page, top: str, item: str):
    page.get_by_role("menuitem", name=top, exact=True).click()
    page.get_by_role("menuitem", name=re.compile(rf"^{re.escape(item)}")).first.click()


def _run_all(page, ready):
    """Run All, and wait until `ready` (a locator) appears; once more if a loaded machine lost it."""
    _menu(page, "Run", "Run All Cells")
    try:
        ready.first.wait_for(timeout=45_000)
    except Exception:
        _wait_kernel_idle(page)
        _menu(page, "Run", "Run All Cells")
        ready.first.wait_for(timeout=60_000)


def _current_notebook(page):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def _open_from_file_browser(page, *names: str):
    """Walk the file browser from the course root: the home crumb, then each folder, then the file."""
    if not page.locator(".jp-DirListing").first.is_visible():
        page.get_by_role("tab", name=re.compile("File Browser")).first.click()
    page.locator(".jp-BreadCrumbs-home").first.click()
    for name in names:
        label = page.locator(".jp-DirListing-itemText", has_text=re.compile(rf"^{re.escape(name)}$"))
        item = page.locator(".jp-DirListing-item").filter(has=label)
        expect(item, f"{name} is not in the file browser").to_have_count(1, timeout=20_000)
        item.dblclick()


def _question(page, question: str):
    return _current_notebook(page).locator(".scalecheck-question").filter(
        has=page.locator(f".scalecheck-q-{question}"))


def _answer(page, question: str, typed: str, expected: str) -> str:
    """Type an answer, press Enter; the verdict the feedback then shows (waits for `expected` a while)."""
    box = _question(page, question).locator("input, textarea").first
    box.fill(typed)
    box.press("Enter")
    feedback = _question(page, question).locator(f".scalecheck-feedback.scalecheck-{expected}")
    try:
        feedback.wait_for(timeout=20_000)
    except Exception:
        pass
    return _verdict(page, question)


def _verdict(page, question: str) -> str:
    """The verdict on screen: the status class of the question's feedback."""
    classes = _question(page, question).locator(".scalecheck-feedback").first.get_attribute("class") or ""
    found = [c.removeprefix("scalecheck-") for c in classes.split() if c.removeprefix("scalecheck-") in VERDICTS]
    return found[0] if found else classes


def _saved_file_has(path: Path, needle: str, timeout: float = 20.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and needle in path.read_text(encoding="utf-8"):
            return True
        time.sleep(0.3)
    return False


def _save_with_ctrl_s(page, path: Path, timeout: float = 20.0) -> None:
    """Press Ctrl+S where the focus is, and wait until the file on disk changes."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    page.keyboard.press("Control+s")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and path.stat().st_mtime_ns != before:
            return
        time.sleep(0.2)
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 120)")
    raise AssertionError(f"Ctrl+S did not save {path.name} (focus: {focused})")


def _shot(locator, name: str) -> None:
    try:
        locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    except Exception:  # a screenshot is evidence, never the test
        pass


# ---------------------------------------------------------------------------
# J1: the learner


def test_j1_learner(pages, clone_lab):
    course, lab = clone_lab
    saved = course / "exercises" / f"{SET}.ipynb"
    if True:  # (one block, as the other journeys)
        # the printed URL lands on lesson 00, in a Lab that serves the whole course folder
        assert "/lab/tree/lessons/00_welcome.ipynb" in lab.url, lab.url
        page = pages()
        page.goto(lab.url)
        welcome = _current_notebook(page)
        expect(welcome.locator(".jp-RenderedMarkdown h1").first).to_contain_text("Lesson 00", timeout=90_000)
        _shot(page.locator("#main"), "j1_arrival")

        # through the file browser, up from lessons/ to the course root, into exercises/
        _open_from_file_browser(page, "exercises", "01_orders_of_magnitude.ipynb")
        expect(page.get_by_role("tab", name=re.compile("01_orders_of_magnitude.ipynb"))).to_be_visible()
        _wait_kernel_idle(page)
        _run_all(page, _current_notebook(page).locator(".scalecheck-feedback-line"))
        _wait_kernel_idle(page)

        plan = _answer_plan()
        first, second = list(plan)
        shown = {}
        for verdict in ("correct", "wrong", "close", "invalid", "correct"):  # right, wrong, a unit slip, garbage, right
            typed = plan[first][verdict]
            on_screen = _answer(page, first, typed, verdict)
            _shot(_question(page, first), f"j1_{first}_{verdict}")
            assert on_screen == verdict, f"{first} {typed!r}: the screen says {on_screen!r}, expected {verdict}"
        shown[first] = "correct"
        assert _answer(page, second, plan[second]["correct"], "correct") == "correct"
        _save_with_ctrl_s(page, saved)  # the cursor is still in the box
        assert _saved_file_has(saved, "widget-state"), "the saved notebook holds no widget state"

        # Restart Kernel and Run All: the boxes come back with what was typed
        _menu(page, "Kernel", "Restart Kernel and Run All Cells")
        page.locator(".jp-Dialog .jp-mod-accept").click()
        _wait_kernel_idle(page)
        box = _question(page, second).locator("input").first
        expect(box).to_have_value(plan[second]["correct"], timeout=60_000)
        expect(_question(page, first).locator("input").first).to_have_value(plan[first]["correct"])

        # change an answer and save with the cursor still in the box (no Enter, no click elsewhere)
        box.click()
        box.fill(plan[second]["wrong"])
        _save_with_ctrl_s(page, saved)
        _question(page, second).locator(".scalecheck-feedback.scalecheck-wrong").wait_for(timeout=20_000)
        shown[second] = "wrong"
        _shot(_question(page, second), "j1_after_ctrl_s")
        _wait_kernel_idle(page)
        _save_with_ctrl_s(page, saved)  # after the kernel wrote its feedback: the state on screen is the state saved

        # close everything, reopen from the file browser: the box shows the last answer typed
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab").filter(has_text=f"{SET}.ipynb")
        tab.locator(".lm-TabBar-tabCloseIcon").click()
        expect(tab).to_have_count(0, timeout=10_000)  # a "Save your work?" dialog would keep it open
        assert not page.locator(".jp-Dialog").count(), "closing asked to save: the notebook was not saved"
        _open_from_file_browser(page, "exercises", "01_orders_of_magnitude.ipynb")
        _wait_kernel_idle(page)
        _run_all(page, _current_notebook(page).locator(".scalecheck-feedback-line"))
        _wait_kernel_idle(page)
        expect(_question(page, second).locator("input").first).to_have_value(plan[second]["wrong"], timeout=30_000)
        expect(_question(page, second).locator(".scalecheck-feedback.scalecheck-wrong")).to_be_visible()
        _shot(_current_notebook(page), "j1_reopened")
        page.close()
    STATE["j1"] = {"notebook": saved, "shown": shown,
                   "typed": {first: plan[first]["correct"], second: plan[second]["wrong"]}}


# ---------------------------------------------------------------------------
# J2: a student with a hand-out


def test_j2_student_with_a_handout(pages, home):
    handout = home / "handout"
    made = _course("release", "01", "--out", str(handout), cwd=ROOT, env=_isolated_env(home))
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Kernel is running over TCP" not in made.stdout + made.stderr  # noise a teacher cannot act on
    assert not (handout / "solutions").exists() and not (handout / "tests").exists()
    plan = _answer_plan()
    first, second = list(plan)
    typed = {first: plan[first]["correct"], second: plan[second]["close"]}
    saved = handout / "exercises" / f"{SET}.ipynb"
    with CourseLab(handout, home) as lab:
        assert "/lab/tree/lessons/00_welcome.ipynb" in lab.url, lab.url
        page = pages()
        page.goto(lab.url)
        heading = _current_notebook(page).locator(".jp-RenderedMarkdown h1").first
        expect(heading).to_contain_text("Lesson 00", timeout=90_000)
        _open_from_file_browser(page, "exercises", f"{SET}.ipynb")
        _wait_kernel_idle(page)
        _run_all(page, _current_notebook(page).locator(".scalecheck-feedback-line"))
        _wait_kernel_idle(page)
        shown = {}
        for question, answer in typed.items():
            box = _question(page, question).locator("input").first
            box.fill(answer)
            box.press("Enter")
            answered = _question(page, question).locator(".scalecheck-feedback:not(.scalecheck-unanswered)")
            answered.wait_for(timeout=20_000)
            shown[question] = _verdict(page, question)
            # no key in a hand-out: the check must not say correct, close or wrong
            assert shown[question] not in ("correct", "close", "wrong"), f"the hand-out revealed {shown[question]}"
        _shot(_question(page, first), "j2_handout_feedback")
        _wait_kernel_idle(page)
        _question(page, second).locator("input").first.click()
        _save_with_ctrl_s(page, saved)
    STATE["j2"] = {"notebook": saved, "typed": typed, "shown": shown}


# ---------------------------------------------------------------------------
# J3: the teacher grades J1's and J2's notebooks


def test_j3_teacher_grades_what_the_screens_showed(pages, home):
    if "j1" not in STATE or "j2" not in STATE:
        pytest.skip("J3 grades the notebooks journeys J1 and J2 saved; one of them failed")
    from scalecheck.exercise.checks import CLOSE_CREDIT

    submissions = home / "submissions"
    submissions.mkdir()
    # each hands in the .ipynb alone, named as the README says
    shutil.copy2(STATE["j1"]["notebook"], submissions / f"alice_{SET}.ipynb")
    shutil.copy2(STATE["j2"]["notebook"], submissions / f"bob_{SET}.ipynb")
    grades = home / "grades"
    graded = _course("grade", str(submissions), "--out", str(grades), "--jobs", "2", cwd=ROOT,
                     env=_isolated_env(home), timeout=900)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    assert "running over TCP" not in graded.stdout + graded.stderr

    book = json.loads((grades / "gradebook.json").read_text())
    results = {(s["student"], q["question"]): q for s in book["submissions"] for q in s["questions"]}
    key = json.loads((ROOT / "solutions" / "keys" / f"{SET}.json").read_text())["questions"]
    credit = {"correct": 1.0, "close": CLOSE_CREDIT}
    # alice studied with the key: the grade is the verdict her screen showed
    for question, verdict in STATE["j1"]["shown"].items():
        result = results[("alice", question)]
        assert result["status"] == verdict, f"alice {question}: screen said {verdict}, graded {result['status']}"
        assert result["points"] == pytest.approx(credit.get(verdict, 0.0) * float(key[question].get("points", 1)))
    last_question, last_typed = list(STATE["j1"]["typed"].items())[1]
    assert results[("alice", last_question)]["answer"].startswith(last_typed.split()[0][:4]), \
        "alice was graded on an older answer than the last one typed"
    # bob had a hand-out: his screen showed his answers (not their marks); the grade judges exactly those
    for question, answer in STATE["j2"]["typed"].items():
        result = results[("bob", question)]
        assert result["status"] == _judge(question, answer), f"bob {question}: {answer!r} graded {result['status']}"

    # the gradebook row agrees with the detailed results
    with open(grades / "gradebook.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    for student in ("alice", "bob"):
        mine = [q for (s, _), q in results.items() if s == student]
        for result in mine:
            cell = rows[student][f"{SET}:{result['question']}"]
            if cell != "":
                assert float(cell) == pytest.approx(result["points"])
        assert float(rows[student][f"{SET}:total"]) == pytest.approx(sum(q["points"] for q in mine))

    # the feedback HTML opens in the browser and says the same
    page = pages()
    for student, journey in (("alice", "j1"), ("bob", "j2")):
        report = next((grades / "feedback").glob(f"{student}*/{SET}.html"))
        page.goto(report.as_uri())
        text = page.locator("body").inner_text()
        assert student in page.title() + text and SET[:2] in page.title() + text
        for question in STATE[journey]["typed"]:
            status = results[(student, question)]["status"]
            assert status in text.lower(), f"{student} {question}: verdict not in the report"
        assert "## " not in text and "**" not in text, "markdown shown raw in the feedback"
        page.screenshot(path=str(ARTIFACTS / f"j3_feedback_{student}.png"))


# ---------------------------------------------------------------------------
# Every lesson's and exercise set's markdown, rendered once by JupyterLab


def test_markdown_renders_without_maths_errors_or_run_on_maths(pages, clone_lab):
    """All markdown cells of lessons/ and exercises/ in one notebook, rendered by the
    Lab that `course.py lab` started: no MathJax error, and no maths that is really
    prose (a run of 5+ single-letter italic identifiers: "$150B clusters and $")."""
    import nbformat

    course, lab = clone_lab
    combined = nbformat.v4.new_notebook()
    combined.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                        "language": "python"}}
    origins = []
    for folder in ("lessons", "exercises"):
        for path in sorted((course / folder).glob("*.ipynb")):
            for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
                # only cells with a dollar or a TeX delimiter can typeset maths: the rest need no browser
                if cell.cell_type == "markdown" and re.search(r"\$|\\\(|\\\[|\\begin", cell.source):
                    combined.cells.append(nbformat.v4.new_markdown_cell(cell.source))
                    origins.append(f"{folder}/{path.name} cell {index}")
    nbformat.write(combined, course / "render_check.ipynb")
    page = pages()
    # a workspace of its own: Lab must not restore the journeys' tabs beside it
    page.goto(f"{lab.base}/lab/workspaces/render{secrets.token_hex(3)}/tree/render_check.ipynb?reset&token={lab.token}")
    rendered = _current_notebook(page).locator(".jp-MarkdownCell .jp-RenderedMarkdown")
    expect(rendered).to_have_count(len(origins), timeout=120_000)
    # MathJax typesets asynchronously: wait until the number of typeset formulas stops changing
    count, deadline = -1, time.time() + 60
    while time.time() < deadline:
        now = _current_notebook(page).locator("mjx-container").count()
        if now == count:
            break
        count = now
        time.sleep(1.5)
    problems = page.evaluate("""() => {
        const found = [];
        const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
        panel.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown').forEach((cell, index) => {
            if (cell.querySelector('mjx-merror')) {
                found.push([index, 'MathJax error: ' + cell.querySelector('mjx-merror').textContent.slice(0, 80)]);
            }
            cell.querySelectorAll('mjx-assistive-mml math').forEach(math => {
                let run = 0, longest = 0, letters = '';
                for (const child of math.querySelectorAll('*')) {
                    if (child.tagName.toLowerCase() === 'mi' && /^[A-Za-z]$/.test(child.textContent)) {
                        run += 1; letters += child.textContent;
                        if (run > longest) { longest = run; }
                    } else if (child.children.length === 0) { run = 0; }
                }
                if (longest >= 5) { found.push([index, 'prose typeset as maths: ' + math.textContent.slice(0, 60)]); }
            });
        });
        return found;
    }""")
    _shot(_current_notebook(page), "render_check")
    report = [f"{origins[index]}: {message}" for index, message in problems]
    assert not report, "markdown that does not render as written:\n  " + "\n  ".join(report)
