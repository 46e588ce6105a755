"""The course site: built by `tools/build_site.py` (as `course.py site` runs it), then read as a visitor would.

One build per test run (lessons executed, as the real command does), served on
127.0.0.1. Every page is checked statically (links, titles, language, headings,
alt text, nothing fetched from outside, no answer-key material), and opened in
Chromium for console errors, painted figures, the ledger filter, a claim's verdict
and the search box.
"""
from __future__ import annotations

import csv
import functools
import html.parser
import http.server
import importlib.util
import json
import os
import re
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    # registered under its name so the worker processes that execute lessons can find its functions
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build_site = _load_builder()
# the tests that read the built site wait for the lessons' shared runs (conftest.py plans them)
needs_lessons = pytest.mark.notebook_runs("lesson")


@pytest.fixture(scope="module")
def site(tmp_path_factory, notebook_runs_shared):
    """The site as `course.py site` builds it, from the lessons' runs the notebook tests share
    (executed with widget state, as build_site executes them; a lesson whose shared run
    had an error makes the build execute every lesson itself, so it fails as it would alone)."""
    out = tmp_path_factory.mktemp("site") / "site"
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    executed = notebook_runs_shared.executed_lessons(build_site.lesson_paths())
    saved = os.environ.get("SCALECHECK_SITE_EXECUTED")
    if executed is not None:
        os.environ["SCALECHECK_SITE_EXECUTED"] = str(executed)
    try:
        summary = build_site.build(out, execute=True, jobs=2)
    finally:
        if saved is None:
            os.environ.pop("SCALECHECK_SITE_EXECUTED", None)
        else:
            os.environ["SCALECHECK_SITE_EXECUTED"] = saved
    return out, summary


@pytest.fixture(scope="module")
def server(site):
    out, _ = site
    handler = functools.partial(_QuietHandler, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Page(html.parser.HTMLParser):
    """What the static checks need from one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.title = ""
        self._in_title = False
        self.links: list[str] = []
        self.resources: list[str] = []
        self.images: list[dict] = []
        self.headings: list[int] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag in ("script", "img", "iframe", "source", "audio", "video") and attrs.get("src"):
            self.resources.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            self.resources.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


@functools.cache  # the site is built once and never changed; links re-read the same pages
def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@needs_lessons
def test_build_makes_every_kind_of_page(site):
    out, summary = site
    lessons = sorted(p.stem for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
    for stem in lessons:
        assert (out / "lessons" / f"{stem}.html").is_file(), stem
    for exercise in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"):
        assert (out / "exercises" / f"{exercise.stem}.html").is_file()
        # the hand-out as generated (a working copy's file may hold answers: see the test below)
        assert (out / "exercises" / exercise.name).read_text(encoding="utf-8") == build_site.blank_exercise(exercise)
    with open(ROOT / "data" / "claims.csv", encoding="utf-8") as handle:
        claim_ids = [row["claim_id"] for row in csv.DictReader(handle)]
    for claim_id in claim_ids:
        assert (out / "claims" / f"{claim_id}.html").is_file(), claim_id
    assert summary["claims"] == len(claim_ids)
    assert summary["explorers"] >= 10, "explorers should be shown as images of their default state"
    for name in ("index.html", "glossary.html", "references.html", "claims/index.html"):
        assert (out / name).is_file()
    assert not (out / "solutions").exists()


@needs_lessons
def test_every_page_has_language_title_ordered_headings_and_alt_text(site):
    out, _ = site
    for path in _pages(out):
        page = _parse(path)
        where = path.relative_to(out)
        assert page.lang == "en", f"{where}: no language"
        assert page.title.strip(), f"{where}: no title"
        assert page.headings and page.headings[0] == 1, f"{where}: does not start with one h1"
        assert page.headings.count(1) == 1, f"{where}: more than one h1"
        for before, after in zip(page.headings, page.headings[1:]):
            assert after <= before + 1, f"{where}: heading h{before} is followed by h{after}"
        for image in page.images:
            assert (image.get("alt") or "").strip(), f"{where}: an image without alt text"


@needs_lessons
def test_every_internal_link_resolves_and_nothing_is_fetched_from_outside(site):
    out, _ = site
    for path in _pages(out):
        page = _parse(path)
        where = path.relative_to(out)
        for resource in page.resources:
            assert not re.match(r"^(https?:)?//", resource), f"{where} fetches {resource} from outside"
        for link in page.links:
            parsed = urlparse(link)
            if parsed.scheme in ("http", "https", "mailto") or link.startswith("data:"):
                continue
            target = (path.parent / unquote(parsed.path)).resolve() if parsed.path else path
            assert target.is_file(), f"{where}: link {link} leads nowhere"
            if parsed.fragment and target.suffix == ".html":
                assert parsed.fragment in _parse(target).ids, f"{where}: anchor {link} does not exist"


def _key_material() -> tuple[set[str], set[str]]:
    """Strings only an answer key holds: (text such as hints and model answers, numbers)."""
    texts: set[str] = set()
    numbers: set[str] = set()
    for key_file in (ROOT / "solutions" / "keys").glob("[0-9][0-9]_*.json"):
        for entry in json.loads(key_file.read_text(encoding="utf-8"))["questions"].values():
            texts |= {entry.get("hint", "")} | set(entry.get("hints", []))
            texts |= {m[1] for m in entry.get("mistakes", [])} | {e[1] for e in entry.get("explanations", [])}
            texts |= {entry.get("model_answer", ""), entry.get("rubric", "")}
            if entry.get("kind") == "number":
                numbers |= {repr(entry["expected"]), json.dumps(entry["expected"])}
            for _args, output in entry.get("cases", []):
                numbers.add(json.dumps(output))
    return {t for t in texts if len(t) >= 12}, {n for n in numbers if len(n) >= 6}


@needs_lessons
def test_the_site_offers_the_generated_hand_outs_not_a_working_copys_answers(site, tmp_path):
    """JupyterLab saves answers into exercises/; a site built from that copy offers the blank hand-out."""
    out, _ = site
    offered = sorted((out / "exercises").glob("[0-9][0-9]_*.ipynb"))
    assert offered and all(p.read_text(encoding="utf-8") == build_site.blank_exercise(p) for p in offered)
    answered = tmp_path / "01_orders_of_magnitude.ipynb"
    blank = build_site.blank_exercise(answered)
    answered.write_text(blank.replace("= ...", "= 7.9e19", 1), encoding="utf-8")
    assert "= ..." in blank and "7.9e19" not in build_site.blank_exercise(answered)


def test_no_page_holds_answer_key_material(site):
    out, _ = site
    texts, numbers = _key_material()
    assert len(texts) >= 50 and len(numbers) >= 30
    for path in _pages(out):
        content = path.read_text(encoding="utf-8")
        leaked = [t for t in texts if t in content]
        assert not leaked, f"{path.relative_to(out)} holds key text: {leaked[:2]}"
        # exercise pages must not hold a key value; lessons may print one warm-up value (issue 19),
        # and a claim page states the source's own number, which a question may start from
        if path.parent.name == "exercises":
            leaked = [n for n in numbers if n in content]
            assert not leaked, f"{path.relative_to(out)} holds key values: {leaked[:3]}"
        assert "BEGIN HIDDEN TESTS" not in content and "ex.expect(" not in content


@pytest.fixture(scope="module")
def browser_page(server, chromium):
    """A page of the run's Chromium (conftest.py) that may fetch only from 127.0.0.1."""
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    page.route(re.compile(r"^(?!http://127\.0\.0\.1).*"),
               lambda route: (outside.append(route.request.url), route.abort()))
    page.outside_requests = outside
    yield page
    page.close()


def _open(page, url: str) -> list[str]:
    errors: list[str] = []
    on_console = lambda message: errors.append(message.text) if message.type == "error" else None  # noqa: E731
    on_error = lambda error: errors.append(str(error))  # noqa: E731
    page.on("console", on_console)
    page.on("pageerror", on_error)
    page.goto(url, wait_until="load")
    page.remove_listener("console", on_console)
    page.remove_listener("pageerror", on_error)
    return errors


@needs_lessons
def test_pages_open_without_errors_and_lessons_paint_their_figures(site, server, browser_page):
    out, _ = site
    claim_pages = sorted((out / "claims").glob("*.html"))
    # every page that is not a claim, and every tenth claim page (they share one template)
    chosen = [p for p in _pages(out) if p.parent.name != "claims"] + claim_pages[::10]
    for path in chosen:
        relative = path.relative_to(out).as_posix()
        errors = _open(browser_page, f"{server}/{relative}")
        assert not errors, f"{relative}: console errors {errors[:3]}"
        if relative.startswith("lessons/") and relative.endswith(".ipynb.html") is False \
                and not relative.startswith(("lessons/00_", "lessons/10_capstone")):
            painted = browser_page.evaluate(
                "Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length")
            assert painted >= 1, f"{relative}: no figure painted"
            broken = browser_page.evaluate(
                "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length")
            assert broken == 0, f"{relative}: {broken} images failed to load"
    assert not browser_page.outside_requests, f"pages asked for outside addresses: {browser_page.outside_requests[:3]}"


@needs_lessons
def test_ledger_table_filters_and_a_claim_page_shows_its_verdict(server, browser_page):
    with open(ROOT / "data" / "claims.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert not _open(browser_page, f"{server}/claims/index.html")
    total = browser_page.locator("#claims-table tbody tr").count()
    assert total == len(rows)
    verdict = "contradicted"
    expected = sum(1 for r in rows if r["verdict"] == verdict)
    browser_page.select_option('select[data-filter="verdict"]', verdict)
    assert browser_page.locator("#claims-table tbody tr:visible").count() == expected
    assert browser_page.inner_text("#claim-count") == str(expected)
    browser_page.select_option('select[data-filter="verdict"]', "")
    browser_page.fill('input[data-filter="text"]', "Memphis")
    memphis = sum(1 for r in rows if "memphis" in " ".join(r.values()).lower())
    shown = browser_page.locator("#claims-table tbody tr:visible").count()
    assert 0 < shown <= total and shown >= min(memphis, 1)

    row = next(r for r in rows if r["verdict"] not in ("", "not-checked"))
    assert not _open(browser_page, f"{server}/claims/{row['claim_id']}.html")
    text = browser_page.inner_text("main")
    assert f"Verdict: {row['verdict']}" in text
    assert row["paraphrase"][:40] in text


@needs_lessons
def test_search_box_finds_a_lesson(server, browser_page):
    assert not _open(browser_page, f"{server}/index.html")
    browser_page.fill("#search-box", "Chinchilla")
    results = browser_page.locator("#search-results li a")
    results.first.wait_for()
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("lessons/04_" in h or "lessons/05_" in h for h in hrefs), hrefs
    results.first.click()
    browser_page.wait_for_load_state("load")
    assert "chinchilla" in browser_page.inner_text("main").lower()


def test_math_to_mathml_leaves_currency_and_code_alone():
    text = r"Costs \\$150B and \\$5T; `a $b$ c` stays; $E = mc^2$ becomes maths; \$3 too."
    converted = build_site.math_to_mathml(text)
    assert r"\$150B" in converted and r"\$5T" in converted and r"\$3" in converted and "`a $b$ c`" in converted
    assert converted.count("<math") == 1


def test_rewrite_link_maps_course_files_to_pages():
    assert build_site.rewrite_link("../exercises/01_orders_of_magnitude.ipynb", "lessons") == \
        "../exercises/01_orders_of_magnitude.html"
    assert build_site.rewrite_link("01_orders_of_magnitude.ipynb#units", "lessons") == \
        "../lessons/01_orders_of_magnitude.html#units"
    assert build_site.rewrite_link("../docs/glossary.md", "lessons") == "../glossary.html"
    assert build_site.rewrite_link("../solutions/01_orders_of_magnitude.ipynb", "lessons") is None
    assert build_site.rewrite_link("https://epoch.ai", "lessons") == "https://epoch.ai"
