"""The glossary (docs/glossary.md) covers every term a lesson puts in a heading or in bold.

A learner who meets a technical word must be able to look it up. A lesson's
headings and bold text are where it introduces terms, so every short bold
phrase and every acronym there must be a glossary term or one of its "also"
spellings. Bold used for plain emphasis ("**when**", "**how much**") is listed
in EMPHASIS below, on purpose and in one place, so adding a new bold term
without a glossary line fails.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))

# Bold used as emphasis or as a plot-legend pointer, not as a term.
EMPHASIS = {
    "all models", "amount", "answer checks", "average", "bends", "beyond", "blue curve", "both",
    "bullish reading", "capital", "check", "checked mechanically", "claims", "coin flip", "conclude",
    "cost", "counted a bigger stock", "data need", "dotted blue", "earlier", "explorers", "filter",
    "flat", "floor", "gap", "green square", "growth test", "hedged", "how much", "in this notebook",
    "money", "next", "observation", "on the low side", "one", "only as an average over the whole day",
    "orange dashed", "other operating cost", "own", "rate", "red dot", "reliability", "rent", "rounding",
    "rule", "running top", "same loss", "small", "solid blue", "solutions", "speed", "spread",
    "statement", "the facility", "the gpu alone", "threshold", "trend", "typical", "when", "words",
    "what to measure", "which quantity", "is the unit honest", "is the arithmetic right", "how",
    "cite the evidence", "run a cell", "you will be able to", "your answers are kept",
    "high-quality", "always on time", "spend to", "what is left of the original", "the constraints",
    "the data wall", "wang's reading", "subset, date range and method", "supply", "algorithms", "benchmarks",
    "batteries", "power", "energy", "geometry", "method", "code",
    "verdict", "formats again", "private data", "other modalities", "repeating data", "line",
    "the server, per gpu", "the arithmetic holds", "satya nadella", "brian wang", "epoch's own rank",
    "what counts as the frontier", "for a given training budget", "a stated range",
    "around", "compute", "frontier", "quantity", "holds, with caveats", "today's value", "unverifiable as stated",
    "state the uncertainty",
    "a billion chips", "smaller number formats", "bold", "which rows count", "state the claim precisely",
    "address the best counter-argument",
}
# Model names (GPT-4, Grok-2, Llama 3 8B) are names, not terms.
MODEL_NAME = re.compile(r"(GPT|Grok|Llama|Gemini|Claude|Falcon|Chinchilla|Gopher)[- ]?[0-9][\w.\- ]*")
# Names of people, companies, models and exams are not technical terms.
PROPER = {"GPT", "NVIDIA", "XAI", "OPENAI", "II", "III", "IV", "US", "USA", "UK", "EU", "AI", "SAT",
          "SELC", "NVL", "SXM", "PCIE", "CEO", "LLM", "LLMS", "OK", "TSMC", "IEA", "FAQ"}


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def glossary_names() -> set[str]:
    names: set[str] = set()
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| \*\*(.+?)\*\*(?: \(also: (.*?)\))? \|", line)
        if not match:
            continue
        names.add(_normal(match.group(1)))
        for alias in (match.group(2) or "").split(", "):
            if alias:
                names.add(_normal(alias))
    return names


def glossary_rows() -> list[tuple[str, list[str], str, str, str]]:
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| \*\*(.+?)\*\*(?: \(also: (.*?)\))? \| (.*?) \| (.*?) \| (.*?) \|$", line)
        if match:
            aliases = [a for a in (match.group(2) or "").split(", ") if a]
            rows.append((match.group(1), aliases, match.group(3), match.group(4), match.group(5)))
    return rows


def _normal(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = re.sub(r"\(.*?\)", "", text).strip()
    return text[:-1] if text.endswith("s") and len(text) > 3 else text


def _is_candidate(bold: str) -> bool:
    """A short bold phrase that could name a term (not a number, quote, formula or sentence)."""
    text = bold.strip()
    if re.search(r"[0-9\"“”'`$=×·≈→/(]", text.replace("'s", "")) and not re.fullmatch(r"[A-Za-z0-9@/-]+", text):
        return False
    if text.endswith((".", ":", "!", "?", ",")) or len(text.split()) > 3:
        return False
    return bool(re.search(r"[A-Za-z]", text))


def _terms_in(path: Path) -> tuple[set[str], set[str]]:
    bolds, acronyms = set(), set()
    for cell in _cells(path):
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        text = re.sub(r"`[^`]*`", "", text)
        spans = [m.strip() for m in re.findall(r"\*\*([^*]+)\*\*", text)]
        headings = re.findall(r"^#+\s+(.*)$", text, flags=re.M)
        bolds.update(s for s in spans if _is_candidate(s))
        for piece in spans + headings:
            for token in re.findall(r"(?<![\w-])[A-Z][A-Za-z0-9@/]*[A-Z0-9](?![\w-])", piece):
                if sum(ch.isupper() for ch in token) >= 2 and token.upper() not in PROPER \
                        and not re.fullmatch(r"[A-Z]\d+[A-Z]?", token):
                    acronyms.add(token)
    return bolds, acronyms


def test_glossary_parses_and_every_row_is_complete():
    rows = glossary_rows()
    assert len(rows) >= 80
    for term, _aliases, meaning, where, japanese in rows:
        assert len(meaning.split()) >= 4, f"{term}: the meaning is too short"
        assert japanese.strip() and japanese.strip() != "—", f"{term}: no Japanese term"
        assert where.startswith("[") or where == "—", f"{term}: 'introduced in' is not a lesson link"


def test_the_lesson_named_as_introducing_a_term_uses_it():
    texts = {p.name: "\n".join("".join(c["source"]) for c in _cells(p)) for p in LESSONS}
    for term, aliases, _meaning, where, _ja in glossary_rows():
        match = re.search(r"\(\.\./lessons/(.+?)\)", where)
        if not match:
            continue
        text = texts.get(match.group(1))
        assert text is not None, f"{term}: links a lesson that does not exist: {match.group(1)}"
        words = [term] + aliases
        assert any(re.search(r"(?<![\w-])" + re.escape(w) + r"(?!\w)", text, flags=re.I) for w in words), \
            f"{term}: {match.group(1)} does not use it"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_links_the_glossary(lesson):
    first = next(c for c in _cells(lesson) if c["cell_type"] == "markdown")
    assert "docs/glossary.md" in "".join(first["source"]), f"{lesson.name}: first cell does not link the glossary"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_terms_in_headings_and_bold_are_in_the_glossary(lesson):
    names = glossary_names()
    bolds, acronyms = _terms_in(lesson)
    emphasis = {_normal(e) for e in EMPHASIS}
    missing = sorted(b for b in bolds if _normal(b) not in names and _normal(b) not in emphasis
                     and not MODEL_NAME.fullmatch(b.strip()))
    missing += sorted(a for a in acronyms if _normal(a) not in names)
    assert not missing, f"{lesson.name}: terms in bold or headings that docs/glossary.md lacks: {missing}"


def test_the_checker_catches_a_missing_term(tmp_path):
    """A bold term the glossary lacks is found (the test above can fail)."""
    notebook = {"cells": [{"cell_type": "markdown", "source": ["## The **frobnication ratio** and XYZQ\n"]}]}
    path = tmp_path / "99_x.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    bolds, acronyms = _terms_in(path)
    assert "frobnication ratio" in bolds and "XYZQ" in acronyms
    assert _normal("frobnication ratio") not in glossary_names()
