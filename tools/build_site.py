"""Build the course's static site into site/: lessons as executed, exercises as questions, the ledger.

    .venv/bin/python tools/build_site.py [--out site] [--jobs 2] [--stored]

(``python3 course.py site`` runs this after setting up the environment.)

What it makes, all relative links so the folder works from any static host and
offline from disk:

- ``index.html``: the course map (generated from the files in ``lessons/``);
- ``lessons/<stem>.html``: every lesson executed, as after *Run All*. An explorer
  needs a kernel to move, so each one shows the image of its default state, the
  values of its controls and a line on how to run it live;
- ``exercises/<stem>.html`` and the ``.ipynb`` beside it: the questions only (the
  generated exercises notebook, never a solution or a key);
- ``claims/index.html``: the ledger as a table that filters, and
  ``claims/<claim_id>.html``: one page per claim (stable, citable URLs);
- ``glossary.html``, ``references.html``, and a search box on every page.

Maths is turned into MathML at build time (latex2mathml), so pages need no
MathJax and nothing is fetched from outside. nbconvert renders notebooks (the
course already depends on it); its "basic" template gives the cells without
its CDN scripts, and this module wraps them in its own page.
"""
from __future__ import annotations

import argparse
import html
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
EXERCISES = ROOT / "exercises"
DATA = ROOT / "data"
DOCS = ROOT / "docs"
SITE_TITLE = "Check the scaling claims"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"

sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------------------
# Which pages, in which order


def lesson_paths() -> list[Path]:
    """Lessons in course order: 00_welcome first, then by number and name."""
    paths = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
    return sorted(paths, key=lambda p: (p.name[:2], "welcome" not in p.stem, p.stem))


def exercise_paths() -> list[Path]:
    return sorted(EXERCISES.glob("[0-9][0-9]_*.ipynb"))


def blank_exercise(path: Path) -> str:
    """An exercises notebook as a fresh clone has it (tools/build.py generates it from the solutions)."""
    if str(ROOT / "tools") not in sys.path:  # called once per exercise set
        sys.path.insert(0, str(ROOT / "tools"))
    import build

    return build.blank_exercise_text(path.stem, ROOT / "solutions")


def notebook_title(notebook: dict, fallback: str) -> str:
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown":
            match = re.search(r"^#\s+(.+)$", "".join(cell.get("source", "")), flags=re.M)
            if match:
                return re.sub(r"[*_`]", "", match.group(1)).strip()
    return fallback


# ---------------------------------------------------------------------------
# Executing lessons, keeping the widgets' state so explorers can be drawn


def execute_notebook(path_text: str) -> dict:
    """Run one notebook in a fresh kernel from its own folder; return it with widget state."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path_text)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    # the kernel's own stderr is start-up chatter (e.g. ipykernel's TCP warning); cell errors
    # still arrive as messages and stop the build
    client.execute(stderr=subprocess.DEVNULL)
    return json.loads(nbformat.writes(notebook))


def load_lessons(paths: list[Path], execute: bool, jobs: int) -> dict[Path, dict]:
    """Each lesson as a notebook dict: executed now, or as stored in git with --stored."""
    reuse = os.environ.get("SCALECHECK_SITE_EXECUTED")  # a folder of executed copies (tests reuse one run)
    if reuse and all((Path(reuse) / p.name).is_file() for p in paths):
        return {p: json.loads((Path(reuse) / p.name).read_text(encoding="utf-8")) for p in paths}
    if not execute:
        return {p: json.loads(p.read_text(encoding="utf-8")) for p in paths}
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(execute_notebook, [str(p) for p in paths]))
    return dict(zip(paths, results))


def _widget_models(notebook: dict) -> dict[str, dict]:
    try:
        state = notebook["metadata"]["widgets"][WIDGET_STATE_MIME]["state"]
    except (KeyError, TypeError):
        return {}
    return state if isinstance(state, dict) else {}


def _model_children(model: dict) -> list[str]:
    children = model.get("state", {}).get("children", [])
    return [c[len("IPY_MODEL_"):] for c in children if isinstance(c, str) and c.startswith("IPY_MODEL_")]


def explorer_parts(models: dict[str, dict], model_id: str) -> tuple[list[str], list[str], list[str]]:
    """The PNG images (base64), control readings and HTML readouts under one widget, in order."""
    images: list[str] = []
    controls: list[str] = []
    readouts: list[str] = []
    seen: set[str] = set()

    def walk(identifier: str) -> None:
        if identifier in seen or identifier not in models:
            return
        seen.add(identifier)
        model = models[identifier]
        name = model.get("model_name", "")
        state = model.get("state", {})
        if name == "ImageModel":
            for buffer in model.get("buffers", []):
                if buffer.get("path") == ["value"] and buffer.get("encoding") == "base64":
                    images.append(buffer["data"])
        elif name in ("HTMLModel", "HTMLMathModel") and state.get("value"):
            readouts.append(str(state["value"]))
        elif name == "LabelModel" and state.get("value"):
            readouts.append(html.escape(str(state["value"])))
        elif "value" in state and name.endswith(("SliderModel", "DropdownModel", "ToggleButtonsModel",
                                                  "RadioButtonsModel", "CheckboxModel", "TextModel",
                                                  "FloatTextModel", "IntTextModel", "SelectionSliderModel",
                                                  "FloatLogSliderModel")):
            label = str(state.get("description") or "").strip().rstrip(":")
            value = state.get("value")
            if "_options_labels" in state and isinstance(state.get("index"), int):
                labels = state["_options_labels"]
                if 0 <= state["index"] < len(labels):
                    value = labels[state["index"]]
            if isinstance(value, float):
                value = f"{value:.4g}"
            controls.append(f"{label} = {value}" if label else str(value))
        for child in _model_children(model):
            walk(child)

    walk(model_id)
    return images, controls, readouts


def freeze_explorers(notebook: dict) -> int:
    """Replace every widget view by a static figure of its default state; return how many."""
    models = _widget_models(notebook)
    replaced = 0
    for cell in notebook.get("cells", []):
        outputs = cell.get("outputs", [])
        for index, output in enumerate(outputs):
            view = output.get("data", {}).get(WIDGET_VIEW_MIME)
            if not isinstance(view, dict):
                continue
            images, controls, readouts = explorer_parts(models, str(view.get("model_id", "")))
            parts = ['<figure class="explorer">']
            for number, image in enumerate(images, 1):
                alt = "Explorer in its default state" + (f" (figure {number})" if len(images) > 1 else "")
                parts.append(f'<img src="data:image/png;base64,{image}" alt="{alt}">')
            parts.extend(f'<div class="readout">{r}</div>' for r in readouts)
            caption = ("Interactive in JupyterLab: run this lesson with <code>python3 course.py lab</code> "
                       "to move the controls.")
            if controls:
                caption = "Shown at its default settings (" + html.escape("; ".join(controls)) + "). " + caption
            parts.append(f"<figcaption>{caption}</figcaption></figure>")
            outputs[index] = {"output_type": "display_data", "metadata": {},
                              "data": {"text/html": "".join(parts)}}
            replaced += 1
    notebook.get("metadata", {}).pop("widgets", None)
    return replaced


# ---------------------------------------------------------------------------
# Markdown: maths to MathML, links to site pages


_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$(?!\d)", re.S)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def math_to_mathml(markdown: str) -> str:
    """Turn $...$ and $$...$$ into MathML, leaving code spans and escaped \\$ alone."""
    from latex2mathml.converter import convert

    pieces: list[str] = []
    position = 0
    for code in _CODE.finditer(markdown):
        pieces.append(_convert_math_in(markdown[position:code.start()], convert))
        pieces.append(code.group(0))
        position = code.end()
    pieces.append(_convert_math_in(markdown[position:], convert))
    return "".join(pieces)


def _convert_math_in(text: str, convert) -> str:
    # Lessons write currency as two backslashes and a dollar, because JupyterLab's markdown step
    # eats one backslash before MathJax sees the page; for this renderer one backslash is enough
    text = text.replace("\\\\$", "\\$")

    def replace(match: re.Match) -> str:
        display = match.group(1) is not None
        latex = match.group(1) if display else match.group(2)
        try:
            mathml = convert(latex.strip(), display="block" if display else "inline")
        except Exception:  # noqa: BLE001 - an unparsable formula is shown as its source
            return f"<code>{html.escape(latex)}</code>"
        return mathml.replace("\n", "")
    return _MATH.sub(replace, text)


def rewrite_link(target: str, page_dir: str) -> str | None:
    """Where a link written for JupyterLab points in the site; None when it has no page there.

    ``page_dir`` is the page's folder relative to the site root ("" or "lessons").
    """
    if re.match(r"^[a-z]+:|^#|^mailto:", target):
        return target
    path, _, anchor = target.partition("#")
    name = Path(path).name
    up = "../" * (page_dir.count("/") + 1 if page_dir else 0)
    anchor = f"#{anchor}" if anchor else ""
    if name.endswith(".ipynb"):
        stem = name[:-len(".ipynb")]
        # the folder named in the link, else the page's own folder (a lesson and its exercises share a stem)
        folder = next((part for part in reversed(Path(path).parts[:-1]) if part not in ("..", ".")), page_dir)
        if folder == "solutions":
            return None
        candidates = [("exercises", EXERCISES), ("lessons", LESSONS)]
        candidates.sort(key=lambda item: item[0] != folder)
        for site_folder, course_folder in candidates:
            if (course_folder / name).is_file():
                return f"{up}{site_folder}/{stem}.html{anchor}"
        return None
    if name == "glossary.md":
        return f"{up}glossary.html{anchor}"
    if name.endswith(".md") and (LESSONS / name).is_file():
        return f"{up}lessons/{name[:-3]}.html{anchor}"
    if name.endswith(".md") and (DOCS / name).is_file():
        return f"{up}docs/{name[:-3]}.html{anchor}"
    if (DATA / name).is_file() and "data" in Path(path).parts:
        return f"{up}data/{name}"
    return None


_HREF = re.compile(r'href="([^"]*)"')


def rewrite_links(page_html: str, page_dir: str) -> str:
    def replace(match: re.Match) -> str:
        target = html.unescape(match.group(1))
        new = rewrite_link(target, page_dir)
        if new is None:
            return 'data-unlinked="' + html.escape(target) + '"'
        return f'href="{html.escape(new)}"'
    return _HREF.sub(replace, page_html)


def render_markdown(text: str) -> str:
    """Markdown of our own pages (glossary, capstone) to HTML, maths as MathML."""
    import mistune

    return mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])(math_to_mathml(text))


# ---------------------------------------------------------------------------
# Notebooks to HTML


_EXPORTER = None


def notebook_body(notebook: dict, with_outputs: bool = True) -> str:
    """The cells of a notebook as HTML (nbconvert's basic template), maths as MathML."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = json.loads(json.dumps(notebook))
    for cell in notebook.get("cells", []):
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
        if cell.get("cell_type") == "markdown":
            cell["source"] = math_to_mathml("".join(cell.get("source", "")))
        if not with_outputs and cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = HTMLExporter(template_name="basic", exclude_input_prompt=True, exclude_output_prompt=True)
        # The notebooks are the course's own, not untrusted input; bleach-cleaning every output
        # took most of the build time and would strip the explorers' MathML and figures.
        _EXPORTER.register_filter("clean_html", lambda text: text)
        _EXPORTER.log.setLevel(logging.ERROR)  # its "alt text missing" warning: add_missing_alt gives one
    body, _ = _EXPORTER.from_notebook_node(nbformat.from_dict(notebook))
    # nbconvert's basic template leaves '$' maths for MathJax; none is left after the conversion
    return add_missing_alt(body)


def add_missing_alt(body: str) -> str:
    """Give every figure an alt text (nbconvert writes plot images without one)."""
    counter = iter(range(1, 10_000))

    def replace(match: re.Match) -> str:
        tag = re.sub(r'\salt="No description has been provided for this image"', "", match.group(0))
        if re.search(r"\salt=", tag):
            return tag
        return tag[:-1].rstrip("/") + f' alt="Figure {next(counter)}: the plot drawn by the code cell above">'
    return re.sub(r"<img\b[^>]*>", replace, body)


# ---------------------------------------------------------------------------
# Page frame


def page(title: str, body: str, depth: int, nav: str, prev_next: str = "", description: str = "") -> str:
    root = "../" * depth
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · {SITE_TITLE}</title>
<meta name="description" content="{html.escape(description or title)}">
<link rel="stylesheet" href="{root}assets/site.css">
<link rel="icon" href="data:,">
</head>
<body data-root="{root}">
<header class="site-header">
<a class="brand" href="{root}index.html">{SITE_TITLE}</a>
<div class="search" role="search">
<input id="search-box" type="search" placeholder="Search lessons, claims, glossary"
 aria-label="Search the course" autocomplete="off">
<ol id="search-results" aria-live="polite"></ol>
</div>
</header>
<div class="layout">
<nav class="toc" aria-label="Course">{nav}</nav>
<main id="content">
{body}
{prev_next}
</main>
</div>
<footer class="site-footer">Course code MIT; lesson text CC BY 4.0; data under the licences in
<a href="{root}references.html">References</a>.</footer>
<script src="{root}assets/search-index.js"></script>
<script src="{root}assets/site.js"></script>
</body>
</html>
"""


def navigation(lessons: list[tuple[str, str]], depth: int, current: str = "") -> str:
    root = "../" * depth
    items = []
    for href, title in lessons:
        mark = ' aria-current="page"' if href == current else ""
        items.append(f'<li><a href="{root}{href}"{mark}>{html.escape(title)}</a></li>')
    extra = [("claims/index.html", "Claims ledger"), ("glossary.html", "Glossary"),
             ("references.html", "References")]
    current_mark = ' aria-current="page"'
    more = "".join(f'<li><a href="{root}{h}"{current_mark if h == current else ""}>{t}</a></li>'
                   for h, t in extra)
    return f'<p class="toc-head">Lessons</p><ul class="lessons">{"".join(items)}</ul><ul class="more">{more}</ul>'


def prev_next_links(order: list[tuple[str, str]], index: int, depth: int) -> str:
    root = "../" * depth
    parts = ['<nav class="prev-next" aria-label="Previous and next lesson">']
    if index > 0:
        href, title = order[index - 1]
        parts.append(f'<a rel="prev" href="{root}{href}">← {html.escape(title)}</a>')
    if index + 1 < len(order):
        href, title = order[index + 1]
        parts.append(f'<a rel="next" href="{root}{href}">{html.escape(title)} →</a>')
    parts.append("</nav>")
    return "".join(parts)


# ---------------------------------------------------------------------------
# The ledger's pages


def _cell(row: Any, column: str) -> str:
    value = row.get(column, "") if hasattr(row, "get") else ""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def claim_lessons(claims_ids: Iterable[str], lesson_texts: dict[str, str]) -> dict[str, list[str]]:
    """Which lessons cite each claim id in their text."""
    found: dict[str, list[str]] = {cid: [] for cid in claims_ids}
    for stem, text in lesson_texts.items():
        for cid in set(re.findall(r"\b\d{3}-[a-z0-9]+(?:-[a-z0-9]+)+\b", text)):
            if cid in found:
                found[cid].append(stem)
    return found


def claim_relations(row: Any) -> list[tuple[str, str]]:
    """(relation type, claim id) pairs: typed relations where the ledger has them, else 'related'."""
    pairs: list[tuple[str, str]] = []
    for item in re.split(r"[;,\s]+", _cell(row, "relations")):
        if ":" in item:
            kind, _, target = item.partition(":")
            pairs.append((kind, target))
    typed = {target for _, target in pairs}
    for target in re.split(r"[;,\s]+", _cell(row, "related")):
        if target and target not in typed:
            pairs.append(("related", target))
    return pairs


def claim_page_body(row: Any, sources: dict[str, dict], taught_in: list[str], lesson_titles: dict[str, str],
                    known_ids: set[str]) -> str:
    cid = _cell(row, "claim_id")
    source = sources.get(_cell(row, "source_id"), {})
    title = source.get("title_en") or source.get("title") or ""
    source_label = html.escape(f"{_cell(row, 'source_id')}: {title}".strip(": "))
    fields = [
        ("Source", f"{source_label}, line {html.escape(_cell(row, 'seed_line'))}"),
        ("Speaker", html.escape(_cell(row, "speaker"))),
        ("Said on", html.escape(_cell(row, "said_on"))),
        ("Topic", html.escape(_cell(row, "topic"))),
        ("Value as stated", html.escape(_cell(row, "value_as_stated"))),
        ("Value", html.escape(" ".join(x for x in (_cell(row, "value"), _cell(row, "unit")) if x))),
        ("Range", html.escape("–".join(x for x in (_cell(row, "value_low"), _cell(row, "value_high")) if x))),
        ("Forecast made", html.escape(_cell(row, "forecast_made"))),
        ("Forecast deadline", html.escape(_cell(row, "forecast_deadline"))),
        ("Resolution", html.escape(_cell(row, "resolution"))),
        ("Checked on", html.escape(_cell(row, "checked_on"))),
        ("Confidence", html.escape(_cell(row, "confidence"))),
    ]
    rows = "".join(f"<tr><th scope=\"row\">{k}</th><td>{v}</td></tr>" for k, v in fields if v)
    verdict = html.escape(_cell(row, "verdict"))
    evidence = html.escape(_cell(row, "evidence"))
    evidence = re.sub(r"(https?://[^\s;,)]+)", r'<a href="\1" rel="external">\1</a>', evidence)
    related = []
    for kind, target in claim_relations(row):
        label = html.escape(target)
        link = f'<a href="{html.escape(target)}.html">{label}</a>' if target in known_ids else label
        related.append(f"<li><span class=\"relation\">{html.escape(kind)}</span> {link}</li>")
    lessons = "".join(f'<li><a href="../lessons/{s}.html">{html.escape(lesson_titles.get(s, s))}</a></li>'
                      for s in taught_in)
    return f"""<article class="claim">
<h1>Claim <code>{html.escape(cid)}</code></h1>
<p class="paraphrase">{html.escape(_cell(row, 'paraphrase'))}</p>
<p class="verdict verdict-{verdict}">Verdict: <strong>{verdict}</strong></p>
<h2>Why</h2>
<p>{html.escape(_cell(row, 'verdict_reason')) or 'No reason recorded yet.'}</p>
<h2>Evidence</h2>
<p>{evidence or 'None recorded.'}</p>
<h2>Details</h2>
<table class="fields">{rows}</table>
<h2>Related claims</h2>
{'<ul>' + ''.join(related) + '</ul>' if related else '<p>None.</p>'}
<h2>Taught in</h2>
{'<ul>' + lessons + '</ul>' if lessons else '<p>No lesson cites this claim by id yet.</p>'}
<p class="note">The five sources are third-party texts and are not reproduced here; the course cites
them by id and line. Paraphrases are the course's own words.</p>
</article>"""


def claims_table_body(claims: list[Any]) -> str:
    columns = ["source_id", "speaker", "topic", "verdict", "confidence"]
    options = {}
    for column in columns:
        values = sorted({_cell(r, column) for r in claims if _cell(r, column)})
        options[column] = values
    selects = []
    for column in columns:
        label = column.replace("_id", "").replace("_", " ")
        opts = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in options[column])
        selects.append(f'<label>{label} <select data-filter="{column}">'
                       f'<option value="">all</option>{opts}</select></label>')
    rows = []
    for r in claims:
        cid = _cell(r, "claim_id")
        data = " ".join(f'data-{c.replace("_", "-")}="{html.escape(_cell(r, c))}"' for c in columns)
        rows.append(
            f'<tr {data}><td><a href="{html.escape(cid)}.html"><code>{html.escape(cid)}</code></a></td>'
            f"<td>{html.escape(_cell(r, 'source_id'))}</td><td>{html.escape(_cell(r, 'speaker'))}</td>"
            f"<td>{html.escape(_cell(r, 'topic'))}</td><td>{html.escape(_cell(r, 'paraphrase'))}</td>"
            f"<td>{html.escape(_cell(r, 'verdict'))}</td><td>{html.escape(_cell(r, 'confidence'))}</td></tr>")
    return f"""<h1>The claims ledger</h1>
<p>Every quantitative claim the course found in its five sources, with the course's verdict. Filter by
the menus or type words; each claim id opens the claim's own page.</p>
<form class="filters" aria-label="Filter the claims">{''.join(selects)}
<label>words <input type="search" data-filter="text" aria-label="Filter by words"></label></form>
<p><span id="claim-count">{len(claims)}</span> of {len(claims)} claims shown.</p>
<table class="claims" id="claims-table"><thead><tr><th scope="col">claim</th><th scope="col">source</th>
<th scope="col">speaker</th><th scope="col">topic</th><th scope="col">paraphrase</th><th scope="col">verdict</th>
<th scope="col">confidence</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"""


# ---------------------------------------------------------------------------
# Search index


def plain_text(page_html: str, limit: int = 20_000) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S)
    text = re.sub(r"<math\b.*?</math>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()[:limit]


# ---------------------------------------------------------------------------
# The build


def build(out: Path, execute: bool = True, jobs: int = 2) -> dict[str, Any]:
    """Build the whole site into ``out`` (replaced); return counts for the caller to print."""
    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    (out / "assets").mkdir(parents=True)
    for sub in ("lessons", "exercises", "claims", "data", "docs"):
        (out / sub).mkdir()

    lesson_files = lesson_paths()
    notebooks = load_lessons(lesson_files, execute, jobs)
    titles = {p.stem: notebook_title(nb, p.stem) for p, nb in notebooks.items()}
    order = [(f"lessons/{p.stem}.html", titles[p.stem]) for p in lesson_files]
    capstone = LESSONS / "10_capstone_assignment.md"
    search: list[dict[str, str]] = []
    pages = 0
    explorers = 0

    def write(relative: str, content: str, title: str) -> None:
        nonlocal pages
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        pages += 1
        search.append({"url": relative, "title": title, "text": plain_text(content)})

    lesson_texts = {}
    for index, path in enumerate(lesson_files):
        notebook = notebooks[path]
        lesson_texts[path.stem] = "\n".join("".join(c.get("source", "")) for c in notebook.get("cells", []))
        explorers += freeze_explorers(notebook)
        body = rewrite_links(notebook_body(notebook), "lessons")
        exercise = next(iter(EXERCISES.glob(path.stem[:2] + "_*.ipynb")), None) if path.stem[:2] != "00" else None
        if exercise is not None:
            body += (f'<p class="exercise-link">Practise: <a href="../exercises/{exercise.stem}.html">'
                     f"exercises {path.stem[:2]}</a>.</p>")
        nav = navigation(order, 1, f"lessons/{path.stem}.html")
        write(f"lessons/{path.stem}.html", page(titles[path.stem], body, 1, nav, prev_next_links(order, index, 1)),
              titles[path.stem])

    if capstone.is_file():
        body = rewrite_links(render_markdown(capstone.read_text(encoding="utf-8")), "lessons")
        write(f"lessons/{capstone.stem}.html", page("Capstone assignment", body, 1, navigation(order, 1)),
              "Capstone assignment")
    for doc in sorted(DOCS.glob("*.md")):
        if doc.name in ("glossary.md",):
            continue
        text = doc.read_text(encoding="utf-8")
        title = (re.search(r"^#\s+(.+)$", text, flags=re.M) or [None, doc.stem])[1]
        body = rewrite_links(render_markdown(text), "docs")
        write(f"docs/{doc.stem}.html", page(title, body, 1, navigation(order, 1)), title)

    for path in exercise_paths():
        # the hand-out generated from its solutions, not the working copy's file: JupyterLab saves the answers
        # a teacher or learner typed into exercises/, and a site built from that copy would publish them
        text = blank_exercise(path)
        notebook = json.loads(text)
        title = notebook_title(notebook, path.stem)
        (out / "exercises" / path.name).write_text(text, encoding="utf-8")
        download = (f'<p class="download"><a href="{path.name}" download>Download the notebook</a> and open it '
                    "in JupyterLab with the course installed (<code>python3 course.py lab</code>): the answer "
                    "boxes and checks need a kernel. This page shows the questions only.</p>")
        body = download + rewrite_links(notebook_body(notebook, with_outputs=False), "exercises")
        write(f"exercises/{path.stem}.html", page(title, body, 1, navigation(order, 1)), title)

    glossary = DOCS / "glossary.md"
    if glossary.is_file():
        body = rewrite_links(render_markdown(glossary.read_text(encoding="utf-8")), "")
        write("glossary.html", page("Glossary", body, 0, navigation(order, 0, "glossary.html")), "Glossary")

    claims_count = _build_claims(out, order, titles, lesson_texts, write)
    write("references.html", page("References", references_body(), 0, navigation(order, 0, "references.html")),
          "References")
    for data_file in sorted(DATA.iterdir()):
        if data_file.is_file():
            shutil.copyfile(data_file, out / "data" / data_file.name)

    write("index.html", page(SITE_TITLE, home_body(order, titles, lesson_files), 0, navigation(order, 0)),
          SITE_TITLE)
    (out / "assets" / "site.css").write_text(SITE_CSS + pygments_css(), encoding="utf-8")
    (out / "assets" / "site.js").write_text(SITE_JS, encoding="utf-8")
    index_json = json.dumps(search, ensure_ascii=False).replace("</", "<\\/")
    (out / "assets" / "search-index.js").write_text(f"window.SEARCH_INDEX = {index_json};\n", encoding="utf-8")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {"pages": pages, "claims": claims_count, "explorers": explorers, "bytes": size,
            "seconds": time.perf_counter() - started}


def _build_claims(out: Path, order, titles, lesson_texts, write) -> int:
    from scalecheck.models import ledger

    claims_frame = ledger.load_claims()
    sources_frame = ledger.load_sources()
    sources = {str(r["source_id"]): r.to_dict() for _, r in sources_frame.iterrows()}
    rows = [r for _, r in claims_frame.iterrows()]
    known = {_cell(r, "claim_id") for r in rows}
    taught = claim_lessons(known, lesson_texts)
    for r in rows:
        cid = _cell(r, "claim_id")
        lessons = sorted(set(taught.get(cid, [])) | {
            s for s in titles if _cell(r, "lesson") and s.startswith(_cell(r, "lesson").zfill(2)[:2])
            and "claims" not in s})
        body = claim_page_body(r, sources, lessons, titles, known)
        claim_page = page(f"Claim {cid}", body, 1, navigation(order, 1), description=_cell(r, "paraphrase"))
        write(f"claims/{cid}.html", claim_page, f"Claim {cid}: {_cell(r, 'paraphrase')}")
    write("claims/index.html", page("Claims ledger", claims_table_body(rows), 1,
                                    navigation(order, 1, "claims/index.html")), "Claims ledger")
    return len(rows)


def references_body() -> str:
    registry = json.loads((DATA / "registry.json").read_text(encoding="utf-8"))
    files = registry.get("files", registry)
    items = []
    for name, entry in sorted(files.items()) if isinstance(files, dict) else []:
        if not isinstance(entry, dict):
            continue
        citation = html.escape(str(entry.get("citation") or entry.get("source") or ""))
        citation = re.sub(r"(https?://[^\s;,)]+)", r'<a href="\1" rel="external">\1</a>', citation)
        licence = html.escape(str(entry.get("license") or entry.get("licence") or ""))
        items.append(f'<li><a href="data/{html.escape(name)}"><code>{html.escape(name)}</code></a>: '
                     f"{citation}{' (' + licence + ')' if licence else ''}</li>")
    from scalecheck.models import ledger

    sources = ledger.load_sources()
    def described(row) -> str:
        fields = (str(row[c]) for c in sources.columns if c != "source_id" and str(row[c]) not in ("", "nan"))
        return html.escape(" · ".join(fields))

    source_items = "".join(f"<li><code>{html.escape(str(r['source_id']))}</code>: {described(r)}</li>"
                           for _, r in sources.iterrows())
    return f"""<h1>References</h1>
<h2>The five sources</h2>
<p>Third-party texts (in Japanese), cited by id and line and not reproduced.</p>
<ul>{source_items}</ul>
<h2>Data files</h2>
<p>Every data file the lessons use, with its origin, licence and citation (from
<code>data/registry.json</code>).</p>
<ul>{''.join(items)}</ul>"""


def home_body(order, titles, lesson_files) -> str:
    rows = []
    for path in lesson_files:
        exercise = next(iter(EXERCISES.glob(path.stem[:2] + "_*.ipynb")), None) if path.stem[:2] != "00" else None
        practice = f'<a href="exercises/{exercise.stem}.html">exercises</a>' if exercise else ""
        rows.append(f'<tr><td>{path.stem[:2]}</td><td><a href="lessons/{path.stem}.html">'
                    f"{html.escape(titles[path.stem])}</a></td><td>{practice}</td></tr>")
    return f"""<h1>{SITE_TITLE}</h1>
<p>A course that teaches you to check the big numbers of the AI-scaling debate yourself: compute and
its units, what clusters and training runs cost, scaling laws, the data wall, synthetic data, and what
"AGI" could measurably mean. These pages show every lesson as it looks after running it. To move the
explorers and answer the exercises, install the course and run <code>python3 course.py lab</code>.</p>
<h2>Lessons</h2>
<table class="map"><thead>
<tr><th scope="col">#</th><th scope="col">lesson</th><th scope="col">practice</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<h2>Also here</h2>
<ul><li><a href="claims/index.html">The claims ledger</a>: every claim of the five sources with its verdict.</li>
<li><a href="glossary.html">Glossary</a> with the Japanese terms of the sources.</li>
<li><a href="references.html">References</a>: data, licences and the sources.</li></ul>"""


def pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    return "\n" + HtmlFormatter(style="default").get_style_defs(".highlight")


# Own CSS and JavaScript, small on purpose: a search box and a table filter do
# not need a framework, and the site must fetch nothing from outside.
ASSETS = Path(__file__).resolve().parent / "site_assets"
SITE_CSS = (ASSETS / "site.css").read_text(encoding="utf-8")
SITE_JS = (ASSETS / "site.js").read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="course.py site",
        description="Build the course's static site: lessons executed, exercises as questions, the claims "
                    "ledger with a page per claim, glossary, references and search. Works offline.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "site"), help="folder to write (replaced)")
    parser.add_argument("--jobs", type=int, default=2, help="lessons executed at once")
    parser.add_argument("--stored", action="store_true",
                        help="use the outputs stored in the lessons instead of executing them (explorers then "
                             "have no image)")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    if out == ROOT or ROOT.is_relative_to(out):
        parser.error(f"refusing to replace {out}: it holds the course")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    summary = build(out, execute=not args.stored, jobs=args.jobs)
    print(f"[site] {summary['pages']} pages ({summary['claims']} claim pages, {summary['explorers']} explorers "
          f"shown as images), {summary['bytes'] / 1e6:.1f} MB, in {summary['seconds']:.0f} s: {out}")
    print(f"[site] preview: python3 -m http.server --directory {out} 8000  then open http://localhost:8000/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
