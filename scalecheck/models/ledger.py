"""The claims ledger: every quantitative claim in the five source documents.

``data/sources.csv`` has one row per seed document and ``data/claims.csv`` one
row per claim: who said it, when, what number, in what unit, and what the
course concluded about it (the *verdict*) with its reason and evidence. The
CSV files are the source of truth; this module loads and shows them. The
authors' checks of the two files (every rule, and quotes against the seed
documents, which the course cites but does not ship) are in
``tools/ledger_check.py``, outside the package a learner receives.

Besides the verdict, each claim records when it was last checked
(``checked_on``), how sure the verdict is (``confidence``: H, M or L, graded as
in the course's reference facts), the number as the source states it before any
conversion (``value_as_stated``), typed links to other claims (``relations``:
``duplicate``, ``conflict``, ``derived``, ``resolves``), a ``cluster_id`` shared
by the copies of one statement (so repeats count once), and for forecasts the
``forecast_wording`` (flat or hedged) that lesson 10 turns into a probability.
A claim no public record could settle is ``not-checked`` with its reason; an
opinion, metaphor or scenario is ``not-checkable``.

>>> card = claim("002-roadmap-20k-h100-80ef")   # doctest: +SKIP
>>> card.verdict                                  # doctest: +SKIP
'holds-with-caveat'
"""
from __future__ import annotations

import difflib
import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scalecheck.core import paths
from scalecheck.core.units import format_si, split_prefix

# ---------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------

SOURCE_COLUMNS: tuple[str, ...] = (
    "source_id", "file", "title_en", "title_ja", "outlet", "author", "speakers",
    "event", "date", "date_precision", "kind", "language",
)

CLAIM_COLUMNS: tuple[str, ...] = (
    "claim_id", "source_id", "seed_line", "speaker", "said_on", "topic",
    "paraphrase", "quantity", "value", "value_low", "value_high", "unit",
    "verdict", "verdict_reason", "evidence", "lesson", "related",
    "forecast_made", "forecast_deadline", "resolution",
    # added in the truth pass (issue 13); models/forecasts.py reads only the columns above
    "checked_on", "confidence", "value_as_stated", "relations", "cluster_id", "forecast_wording",
)

TOPICS: tuple[str, ...] = (
    "compute", "cost", "power", "scaling", "data", "synthetic-data", "inference",
    "agi", "economy", "robots", "energy", "forecast", "history", "funding",
    "safety", "population", "space", "benchmark", "people",
)

VERDICTS: tuple[str, ...] = (
    "holds", "holds-with-caveat", "unit-confusion", "arithmetic-error",
    "contradicted", "unverifiable", "forecast-true", "forecast-false",
    "forecast-open", "not-checkable", "not-checked",
)

SOURCE_KINDS: tuple[str, ...] = (
    "interview report", "full transcript", "talk transcript",
    "critical commentary", "talk summary",
)

DATE_PRECISIONS: tuple[str, ...] = ("day", "month", "year")

NUMBER_COLUMNS: tuple[str, ...] = ("value", "value_low", "value_high")

#: confidence in a verdict, graded as the course's reference facts grade theirs:
#: H = primary source or several independent sources that agree; M = one good secondary
#: source or a reputable analyst's estimate; L = press reports, an unverified company claim
#: or the course's own inference
CONFIDENCES: tuple[str, ...] = ("H", "M", "L")

#: typed links between claims. ``duplicate``: the same statement reported twice (symmetric);
#: ``conflict``: the two claims cannot both be true (symmetric); ``derived``: this claim is
#: computed from the target; ``resolves``: this claim settles the target forecast
RELATION_TYPES: tuple[str, ...] = ("duplicate", "conflict", "derived", "resolves")
SYMMETRIC_RELATIONS: tuple[str, ...] = ("duplicate", "conflict")

#: how a forecast was worded, read by the forecast scoring of lesson 10
FORECAST_WORDINGS: tuple[str, ...] = ("flat", "hedged")

FORECAST_VERDICTS: tuple[str, ...] = ("forecast-true", "forecast-false", "forecast-open")

VERDICT_COLOURS: dict[str, str] = {
    "holds": "#2e7d32",
    "holds-with-caveat": "#827717",
    "unit-confusion": "#e65100",
    "arithmetic-error": "#d84315",
    "contradicted": "#c62828",
    "unverifiable": "#616161",
    "forecast-true": "#1b5e20",
    "forecast-false": "#b71c1c",
    "forecast-open": "#1565c0",
    "not-checkable": "#6a1b9a",
    "not-checked": "#9e9e9e",
}

SOURCES_FILE = "sources.csv"
CLAIMS_FILE = "claims.csv"


# ---------------------------------------------------------------------------
# Locations and loading
# ---------------------------------------------------------------------------

def data_dir() -> Path:
    """The folder holding sources.csv and claims.csv (see :func:`scalecheck.core.paths.data_dir`)."""
    return paths.data_dir()


def _read_text_csv(path: Path) -> pd.DataFrame:
    """Read a CSV keeping every cell as text (empty cells become "")."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _float_or_text(cell: Any) -> Any:
    """A float for a number (NaN for an empty cell); the original text otherwise."""
    text = str(cell).strip()
    if text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return text


def load_sources() -> pd.DataFrame:
    """The seed documents, one row each, all columns as text."""
    return _read_text_csv(data_dir() / SOURCES_FILE)


def load_claims() -> pd.DataFrame:
    """The claims ledger with numbers typed.

    ``value``, ``value_low`` and ``value_high`` become floats (NaN when empty)
    and ``seed_line`` an integer. A cell that does not parse is kept as its
    text rather than dropped, so tools/ledger_check.py can report it.
    """
    claims = _read_text_csv(data_dir() / CLAIMS_FILE)
    for column in NUMBER_COLUMNS:
        if column in claims.columns:
            converted = claims[column].map(_float_or_text)
            if all(isinstance(v, float) for v in converted):
                claims[column] = converted.astype(float)
            else:
                claims[column] = converted.astype(object)
    if "seed_line" in claims.columns:
        texts = claims["seed_line"].astype(str).str.strip()
        if texts.str.fullmatch(r"[0-9]+").all():
            claims["seed_line"] = texts.astype(int)
    return claims


# ---------------------------------------------------------------------------
# Reading cells (also used by tools/ledger_check.py)
# ---------------------------------------------------------------------------

def _text(cell: Any) -> str:
    """A cell as stripped text; NaN and None become ""."""
    if cell is None:
        return ""
    if isinstance(cell, float) and math.isnan(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _number(cell: Any) -> float | None:
    """A cell as a float; None when empty. Raises ValueError when not a number."""
    if isinstance(cell, bool):
        raise ValueError(f"{cell!r} is not a number")
    if isinstance(cell, (int, float)):
        return None if isinstance(cell, float) and math.isnan(cell) else float(cell)
    text = _text(cell)
    if text == "":
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not finite")
    return value


def parse_relations(text: str, where: str = "relations", problems: list[str] | None = None
                    ) -> list[tuple[str, str]]:
    """``"conflict:003-x;derived:002-y"`` as ``[("conflict", "003-x"), ("derived", "002-y")]``.

    A malformed item is reported in ``problems`` (when given) and left out.
    """
    pairs: list[tuple[str, str]] = []
    for item in [i.strip() for i in str(text).split(";") if i.strip()]:
        kind, sep, target = (part.strip() for part in item.partition(":"))
        if not sep or not target:
            if problems is not None:
                problems.append(f"{where}: relation {item!r} is not type:claim_id")
            continue
        if kind not in RELATION_TYPES:
            if problems is not None:
                problems.append(f"{where}: relation type {kind!r} is not one of {RELATION_TYPES}")
            continue
        pairs.append((kind, target))
    return pairs


# ---------------------------------------------------------------------------
# Claim cards
# ---------------------------------------------------------------------------

_NUMBER_WORDS = ((1e15, "quadrillion"), (1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def _plain_number(value: float) -> str:
    """A readable number: 150,000 / 1.5 billion / 0.05."""
    value = float(value)
    size = abs(value)
    for scale, word in _NUMBER_WORDS:
        if size >= scale:
            return f"{value / scale:.4g} {word}"
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:.6g}"


def format_value(value: float, unit: str) -> str:
    """One number with its unit, written the way the course prints it.

    >>> format_value(80, "EFLOP/s")
    '80 EFLOP/s'
    >>> format_value(1.5e11, "USD")
    '150 billion USD'
    >>> format_value(2025, "year")
    '2025'
    >>> format_value(1e6, "x")
    '1 million times'
    """
    unit, value = unit.strip(), float(value)
    if unit == "year":
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if unit == "x":
        number = _plain_number(value)
        return f"{number} times" if " " in number else f"{number}x"
    if unit == "%":
        return f"{value:g}%"
    split = split_prefix(unit)
    if split is not None:
        factor, base_unit = split
        return format_si(value * factor, base_unit)
    number = _plain_number(float(value))
    return f"{number} {unit}".strip() if unit not in ("", "1") else number


def _numbers_text(value: float | None, low: float | None, high: float | None, unit: str) -> str:
    """The claim's numbers as one phrase: a point, a range, or a bound."""
    parts = []
    if value is not None:
        parts.append(format_value(value, unit))
    if low is not None and high is not None:
        rng = f"{format_value(low, unit)} to {format_value(high, unit)}"
        parts.append(f"(range {rng})" if value is not None else rng)
    elif low is not None:
        parts.append(f"at least {format_value(low, unit)}")
    elif high is not None:
        parts.append(f"up to {format_value(high, unit)}")
    return " ".join(parts) if parts else f"(no number; unit {unit})" if unit else "(no number)"


@dataclass(frozen=True)
class ClaimCard:
    """One ledger row, ready to show in a notebook."""

    claim_id: str
    source_id: str
    source_title: str
    seed_file: str
    seed_line: int
    speaker: str
    said_on: str
    topic: str
    paraphrase: str
    quantity: str
    value: float | None
    value_low: float | None
    value_high: float | None
    unit: str
    verdict: str
    verdict_reason: str
    evidence: str
    lesson: str
    related: tuple[str, ...]
    forecast_made: str
    forecast_deadline: str
    resolution: str
    checked_on: str = ""
    confidence: str = ""
    value_as_stated: str = ""
    relations: tuple[tuple[str, str], ...] = ()
    cluster_id: str = ""

    @property
    def numbers(self) -> str:
        """The claimed number(s) with units, e.g. ``80 EFLOP/s``."""
        return _numbers_text(self.value, self.value_low, self.value_high, self.unit)

    def text(self) -> str:
        """The plain-text card (deterministic, for nbval)."""
        lines = [
            f"{self.claim_id}  [{self.verdict}]",
            f"Said by {self.speaker} on {self.said_on}; source {self.source_id} "
            f"({self.source_title}), line {self.seed_line} of {self.seed_file}",
            f"Claim: {self.paraphrase}",
            f"Number: {self.quantity} = {self.numbers}",
        ]
        if self.value_as_stated:
            lines.append(f"As stated: {self.value_as_stated}")
        lines += [
            f"Topic: {self.topic}",
            f"Verdict: {self.verdict}" + (f" - {self.verdict_reason}" if self.verdict_reason else ""),
        ]
        if self.confidence or self.checked_on:
            lines.append(f"Confidence: {self.confidence or '-'}; checked on {self.checked_on or '-'}")
        if self.evidence:
            lines.append(f"Evidence: {self.evidence}")
        if self.forecast_made or self.forecast_deadline:
            lines.append(f"Forecast: made {self.forecast_made or '?'}, deadline {self.forecast_deadline or '?'}")
        if self.resolution:
            lines.append(f"Resolution: {self.resolution}")
        if self.lesson:
            lines.append(f"Lesson: {self.lesson}")
        if self.relations:
            lines.append("Relations: " + "; ".join(f"{kind} {other}" for kind, other in self.relations))
        if self.related:
            lines.append(f"Related: {'; '.join(self.related)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def __str__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())

    def _repr_html_(self) -> str:
        esc = html.escape
        colour = VERDICT_COLOURS.get(self.verdict, "#9e9e9e")
        rows = [
            ("Said by", f"{esc(self.speaker)}, {esc(self.said_on)}"),
            ("Source", f"{esc(self.source_id)}: {esc(self.source_title)} "
                       f"(<code>{esc(self.seed_file)}</code>, line {self.seed_line})"),
            ("Number", f"<code>{esc(self.quantity)}</code> = <b>{esc(self.numbers)}</b>"),
        ]
        if self.value_as_stated:
            rows.append(("As stated", esc(self.value_as_stated)))
        rows += [
            ("Topic", esc(self.topic)),
            ("Reason", esc(self.verdict_reason)),
        ]
        if self.confidence or self.checked_on:
            rows.append(("Confidence", f"{esc(self.confidence or '-')}; checked on {esc(self.checked_on or '-')}"))
        if self.evidence:
            rows.append(("Evidence", esc(self.evidence)))
        if self.forecast_made or self.forecast_deadline:
            rows.append(("Forecast", f"made {esc(self.forecast_made or '?')}, "
                                     f"deadline {esc(self.forecast_deadline or '?')}"))
        if self.resolution:
            rows.append(("Resolution", esc(self.resolution)))
        if self.lesson:
            rows.append(("Lesson", esc(self.lesson)))
        if self.relations:
            rows.append(("Relations", esc("; ".join(f"{kind} {other}" for kind, other in self.relations))))
        if self.related:
            rows.append(("Related", esc("; ".join(self.related))))
        body = "".join(
            f"<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>{k}</th>"
            f"<td style='text-align:left'>{v}</td></tr>"
            for k, v in rows
        )
        return (
            f"<div class='scalecheck-claim' style='border:1px solid #ccc;border-left:6px solid {colour};"
            f"padding:0.5em 0.8em;margin:0.4em 0;max-width:60em'>"
            f"<div><code>{esc(self.claim_id)}</code> "
            f"<span style='background:{colour};color:white;padding:0 0.4em;border-radius:3px'>"
            f"{esc(self.verdict)}</span></div>"
            f"<p style='margin:0.4em 0'>{esc(self.paraphrase)}</p>"
            f"<table style='font-size:90%'>{body}</table></div>"
        )


def claim(claim_id: str) -> ClaimCard:
    """The card of one claim; KeyError (with close matches) for an unknown id."""
    claims = load_claims()
    matches = claims[claims["claim_id"] == claim_id]
    if matches.empty:
        close = difflib.get_close_matches(claim_id, claims["claim_id"].tolist(), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise KeyError(f"no claim {claim_id!r} in the ledger.{hint}")
    row = matches.iloc[0]
    sources = load_sources().set_index("source_id")
    sid = _text(row["source_id"])
    title = _text(sources.loc[sid, "title_en"]) if sid in sources.index else "?"
    seed_file = _text(sources.loc[sid, "file"]) if sid in sources.index else "?"

    def number(column: str) -> float | None:
        try:
            return _number(row[column])
        except ValueError:
            return None

    return ClaimCard(
        claim_id=_text(row["claim_id"]),
        source_id=sid,
        source_title=title,
        seed_file=seed_file,
        seed_line=int(_text(row["seed_line"]) or 0),
        speaker=_text(row["speaker"]),
        said_on=_text(row["said_on"]),
        topic=_text(row["topic"]),
        paraphrase=_text(row["paraphrase"]),
        quantity=_text(row["quantity"]),
        value=number("value"),
        value_low=number("value_low"),
        value_high=number("value_high"),
        unit=_text(row["unit"]),
        verdict=_text(row["verdict"]),
        verdict_reason=_text(row["verdict_reason"]),
        evidence=_text(row["evidence"]),
        lesson=_text(row["lesson"]),
        related=tuple(r.strip() for r in _text(row["related"]).split(";") if r.strip()),
        forecast_made=_text(row["forecast_made"]),
        forecast_deadline=_text(row["forecast_deadline"]),
        resolution=_text(row["resolution"]),
        checked_on=_text(row.get("checked_on", "")),
        confidence=_text(row.get("confidence", "")),
        value_as_stated=_text(row.get("value_as_stated", "")),
        relations=tuple(parse_relations(_text(row.get("relations", "")))),
        cluster_id=_text(row.get("cluster_id", "")),
    )


# ---------------------------------------------------------------------------
# Tallies
# ---------------------------------------------------------------------------

def verdict_counts(claims: pd.DataFrame) -> pd.DataFrame:
    """Number of claims per topic (rows) and verdict (columns), for plots.

    Rows are the topics that occur, in :data:`TOPICS` order (unknown topics
    last); columns are all of :data:`VERDICTS` in order, so the same verdict
    always has the same colour and position.
    """
    topics = claims["topic"].map(_text)
    verdicts = claims["verdict"].map(_text)
    table = pd.crosstab(topics, verdicts)
    present = [t for t in TOPICS if t in table.index] + sorted(t for t in table.index if t not in TOPICS)
    columns = list(VERDICTS) + sorted(v for v in table.columns if v not in VERDICTS)
    table = table.reindex(index=present, columns=columns, fill_value=0).astype(int)
    table.index.name = "topic"
    table.columns.name = "verdict"
    return table


def relations_table(claims: pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """Every typed relation as one row (claim_id, relation, other_id), optionally of one ``kind``.

    Symmetric relations (duplicate, conflict) are listed once per pair.
    """
    if kind is not None and kind not in RELATION_TYPES:
        raise ValueError(f"kind must be one of {RELATION_TYPES}, got {kind!r}")
    rows, seen = [], set()
    for cid, text in zip(claims["claim_id"].map(_text), claims["relations"].map(_text)):
        for relation, other in parse_relations(text):
            if kind is not None and relation != kind:
                continue
            key = (relation, *sorted((cid, other))) if relation in SYMMETRIC_RELATIONS else (relation, cid, other)
            if key in seen:
                continue
            seen.add(key)
            rows.append({"claim_id": cid, "relation": relation, "other_id": other})
    return pd.DataFrame(rows, columns=["claim_id", "relation", "other_id"])


def disagreements(claims: pd.DataFrame) -> pd.DataFrame:
    """Each conflict between two claims, side by side: who said what, and the verdicts."""
    pairs = relations_table(claims, "conflict")
    rows = claims.set_index("claim_id")
    table = []
    for cid, other in zip(pairs["claim_id"], pairs["other_id"]):
        if cid not in rows.index or other not in rows.index:
            continue
        a, b = rows.loc[cid], rows.loc[other]
        table.append({
            "claim": cid, "speaker": _text(a["speaker"]), "says": _text(a["paraphrase"]),
            "verdict": _text(a["verdict"]),
            "other claim": other, "other speaker": _text(b["speaker"]), "other says": _text(b["paraphrase"]),
            "other verdict": _text(b["verdict"]),
        })
    return pd.DataFrame(table, columns=["claim", "speaker", "says", "verdict", "other claim",
                                        "other speaker", "other says", "other verdict"])


def counted_once(claims: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster (the first claim of each), so repeated statements count once."""
    return claims.drop_duplicates(subset="cluster_id", keep="first").reset_index(drop=True)
