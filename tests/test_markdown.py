"""Markdown renders as written: no currency `$` turned into maths in any notebook.

JupyterLab reads `$...$` and `$$...$$` inside a paragraph as maths; a currency
amount such as "$150B ... $200T" then becomes italic run-on text. In JupyterLab 4
a single backslash does NOT protect a dollar: the markdown parser turns `\\$` into
`$` before MathJax scans the page, which then pairs it (measured in the browser;
jupyterlab/jupyterlab#8645). Write currency as `\\\\$` (two backslashes in the
cell source): markdown leaves `\\$`, which MathJax shows as a plain `$`.

This test reads every markdown cell of lessons/, exercises/ and solutions/ the way
JupyterLab does (code spans and blocks are left alone; markdown escapes are
undone; then each `$` not preceded by a backslash is a delimiter, paired within a
paragraph) and fails on:

- a maths span whose content reads as prose: two or more words of three or more
  letters outside TeX commands and `\\text{...}`, or an amount followed by a word
  or a space, e.g. `$150B clusters; $`;
- a `$` followed by a digit that pairs with nothing (a currency amount waiting
  for the next `$` to swallow the text between).

The browser renders the same cells in tests/test_journeys.py and fails on
MathJax errors.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("lessons", "exercises", "solutions")

FENCED = re.compile(r"(^|\n)(```|~~~).*?(\n\2|$)", re.S)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
HTML_CODE = re.compile(r"<(code|pre)\b.*?</\1>", re.S | re.I)
TEX_TEXT = re.compile(r"\\(?:text|mathrm|textrm|mbox|operatorname|mathit|textit|mathbf|textbf)\s*\{[^{}]*\}")
TEX_COMMAND = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}|\\[A-Za-z]+")
WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
DOLLAR = re.compile(r"\$\$|\$")


def maths_spans(markdown: str) -> tuple[list[str], list[int]]:
    """(contents of `$..$`/`$$..$$` spans, positions of unpaired `$` followed by a digit) in one cell."""
    text = FENCED.sub("\n", markdown)
    text = HTML_CODE.sub(" ", text)
    text = CODE_SPAN.sub(" ", text)
    # what the markdown parser leaves for MathJax: a source "\\\\$" becomes "\\$", a literal dollar;
    # every other backslash escape is undone, so a source "\\$" becomes a bare "$", a delimiter
    text = re.sub(r"\\\\\$", "  ", text)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    spans: list[str] = []
    lone_currency: list[int] = []
    for paragraph in re.split(r"\n[ \t]*\n", text):
        marks = list(DOLLAR.finditer(paragraph))
        index = 0
        while index < len(marks):
            opening = marks[index]
            closing = next((m for m in marks[index + 1:] if m.group() == opening.group()), None)
            if closing is None:
                if re.match(r"\s*\d", paragraph[opening.end():]):
                    lone_currency.append(opening.start())
                index += 1
                continue
            spans.append(paragraph[opening.end():closing.start()])
            index = marks.index(closing) + 1
    return spans, lone_currency


def reads_as_prose(maths: str) -> bool:
    """Text, not maths: two or more ordinary words outside TeX commands, or a span
    that opens with a number (an amount) and holds a word or ends in a space."""
    stripped = TEX_COMMAND.sub(" ", TEX_TEXT.sub(" ", maths))
    stripped = re.sub(r"[_^](?:\{[^{}]*\}|\w+)", " ", stripped)  # sub- and superscripts: N_{opt}, x^{max}
    words = len(WORD.findall(stripped))
    amount = re.match(r"\s*\d", maths) is not None
    return words >= 2 or (amount and (words >= 1 or maths != maths.rstrip()))


def problems_in(markdown: str) -> list[str]:
    spans, lone = maths_spans(markdown)
    found = [f"prose rendered as maths: ${span.strip()[:60]}$ (write currency as \\\\$: two backslashes)"
             for span in spans if reads_as_prose(span)]
    found += ["a currency $ that pairs with nothing yet (write it as \\\\$: two backslashes)" for _ in lone]
    return found


def markdown_cells() -> list[tuple[str, str]]:
    cells = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type == "markdown":
                    cells.append((f"{folder}/{path.name} cell {index}", cell.source))
    return cells


def _notebooks() -> list[str]:
    return [f"{folder}/{p.name}" for folder in FOLDERS for p in sorted((ROOT / folder).glob("*.ipynb"))]


@pytest.mark.parametrize("notebook", _notebooks())
def test_no_currency_dollar_renders_as_maths(notebook):
    path = ROOT / notebook
    bad = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "markdown":
            bad += [f"cell {index}: {problem}" for problem in problems_in(cell.source)]
    assert not bad, f"{notebook}:\n  " + "\n  ".join(bad)


# The rule itself, on examples: it must catch the bugs and pass real maths.

@pytest.mark.parametrize("text", [
    "A $150B cluster and a $200T economy.",                     # issue 18: run-on maths
    "It costs $5 billion to build and $2 billion a year.",
    "Capex: $150B.",                                            # a lone currency dollar
    '"1,000,000x per decade"; $150B clusters; $200T a year |',  # lesson 00's old course map
    "From $10 per GPU-hour\nto $2 per GPU-hour.",               # across a line break, same paragraph
    "Cost \\$150B and \\$200T a year.",                         # one backslash: JupyterLab still pairs them
])
def test_rule_catches_currency(text):
    assert problems_in(text)


@pytest.mark.parametrize("text", [
    "Cost \\\\$150B and \\\\$200T.",                            # escaped as JupyterLab needs
    "The loss $L(N, D) = E + A/N^\\alpha + B/D^\\beta$ falls.",
    "Compute $C \\approx 6ND$ FLOP, about $10^{25}$, or $2.4\\times$ a year.",
    "Optimal size $N_{opt}$ and $6 N_{opt} D$.",
    "$$\\text{tokens per parameter} = \\frac{D}{N}$$",
    "Code `price = $5 and $6` is code.",
    "Costs \\\\$5 and the loss $x^2$ too.",
    "```\nx = '$5 and then $6 more'\n```",
    "A paragraph with $x$.\n\nAnother with $y = 2x$.",
    "Ratio $\\frac{\\mathrm{FLOP}}{\\mathrm{token}}$ and $\\sum_i p_i \\log p_i$.",
    "$f(r) = \\begin{cases} r^2/2 & |r| \\le d \\\\ d(|r| - d/2) & \\text{otherwise} \\end{cases}$",
])
def test_rule_passes_maths_and_escaped_currency(text):
    assert problems_in(text) == []
