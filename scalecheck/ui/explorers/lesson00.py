"""Lesson 00's claims explorer: filter the claims ledger and see the matching claims and their verdicts.

``filter_claims``, ``verdict_shares``, ``claims_table_html`` and
``match_readout`` are pure (tested in tests/test_explorers_late.py);
``claims_explorer`` builds the pickers, the verdict bars and the table.
"""
from __future__ import annotations

import re
from html import escape

import matplotlib
import numpy as np
import pandas as pd

from scalecheck.core.plotting import STYLE, decorate
from scalecheck.models import ledger
from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer

ANY = "(any)"
TABLE_ROWS = 25
TABLE_COLUMNS = ("claim_id", "speaker", "paraphrase", "verdict", "confidence")
FILTER_COLUMNS = (("topic", "topic"), ("source", "source_id"), ("speaker", "speaker"), ("verdict", "verdict"),
                  ("confidence", "confidence"))


def choices(claims: pd.DataFrame, column: str) -> list[str]:
    """'(any)' and every value of a column, sorted."""
    return [ANY] + sorted(claims[column].dropna().astype(str).unique())


def verdict_order(claims: pd.DataFrame) -> list[str]:
    """Verdicts from the most to the least common (the order of the bars)."""
    return list(claims["verdict"].value_counts().index)


def filter_claims(claims: pd.DataFrame, topic=ANY, source=ANY, speaker=ANY, verdict=ANY, word="", confidence=ANY,
                  relation=ANY) -> pd.DataFrame:
    """The claims that match every chosen value ('(any)' matches all); ``word`` is searched in the paraphrase."""
    chosen = claims
    for (_name, column), value in zip(FILTER_COLUMNS, (topic, source, speaker, verdict, confidence)):
        if value != ANY:
            chosen = chosen[chosen[column].astype(str) == str(value)]
    if relation != ANY:
        # keep claims with at least one link of this type, e.g. "conflict:003-..."
        pattern = f"(?:^|;){re.escape(str(relation))}:"
        chosen = chosen[chosen["relations"].fillna("").str.contains(pattern, regex=True)]
    word = "" if word is None else str(word).strip()
    if word:
        chosen = chosen[chosen["paraphrase"].fillna("").str.contains(word, case=False, regex=False)]
    return chosen


def verdict_shares(chosen: pd.DataFrame, verdicts: list[str]) -> np.ndarray:
    """Percentage of the chosen claims with each verdict (all zero when nothing matches)."""
    by_verdict = chosen["verdict"].value_counts()
    return np.array([100 * by_verdict.get(name, 0) / max(len(chosen), 1) for name in verdicts], dtype=float)


def claims_table_html(chosen: pd.DataFrame, limit: int = TABLE_ROWS) -> str:
    """The first ``limit`` matching claims as an HTML table (every value escaped), and how many more there are."""
    shown = chosen.head(limit)
    # plain lists of the five shown columns: itertuples over every column costs ~10 ms an update
    values = shown[list(TABLE_COLUMNS)].astype(str).to_numpy().tolist()
    rows = "".join("<tr>" + "".join(f"<td>{escape(value)}</td>" for value in row) + "</tr>" for row in values)
    more = f"<p>... and {len(chosen) - len(shown)} more</p>" if len(chosen) > len(shown) else ""
    return (f"<table style='font-size:85%'><tr><th>id</th><th>speaker</th><th>claim</th>"
            f"<th>verdict</th><th>conf.</th></tr>{rows}</table>{more}")


def match_readout(chosen: pd.DataFrame, claims: pd.DataFrame) -> str:
    return f"{len(chosen)} of {len(claims)} claims match"


def claims_explorer(claims: pd.DataFrame | None = None) -> Explorer:
    """Pickers for topic, source, speaker, verdict, confidence and link type, and a word search.

    The Explorer's widget also holds the table of matching claims, so
    displaying the Explorer shows pickers, readout, verdict bars and table.
    """
    import ipywidgets as widgets

    claims = ledger.load_claims() if claims is None else claims
    # only the columns the filter and the table read: every filtering step copies each column
    claims = claims[[*dict.fromkeys([column for _, column in FILTER_COLUMNS] + ["relations", *TABLE_COLUMNS])]]
    verdicts = verdict_order(claims)
    colours = [ledger.VERDICT_COLOURS.get(verdict, "0.5") for verdict in verdicts]  # as on the claim cards
    controls = {
        "topic": widgets.Dropdown(options=choices(claims, "topic"), description="topic"),
        "source": widgets.Dropdown(options=choices(claims, "source_id"), description="source"),
        "speaker": widgets.Dropdown(options=choices(claims, "speaker"), description="speaker"),
        "verdict": widgets.Dropdown(options=choices(claims, "verdict"), description="verdict"),
        "word": widgets.Text(description="word", placeholder="e.g. GPU", continuous_update=False),
        "confidence": widgets.Dropdown(options=[ANY, *ledger.CONFIDENCES], description="confidence"),
        "relation": widgets.Dropdown(options=[ANY, *ledger.RELATION_TYPES], description="link"),
    }
    table_view = widgets.HTML()
    # Built once on a fixed 0-100% axis, so an update redraws only the bars
    with matplotlib.rc_context(STYLE):
        figure = new_blit_figure(figsize=(6.5, 2.8))
        figure.subplots_adjust(left=0.25, right=0.95, bottom=0.18, top=0.88)
        ax = figure.add_subplot()
        bars = ax.barh(verdicts, np.zeros(len(verdicts)), color=colours)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_xlabel("share of the matching claims (%)")
        decorate(ax, title="Matching claims by verdict", source="Data: course claims ledger (data/claims.csv).")
    figure.moving(*bars)

    def update(topic, source, speaker, verdict, word, confidence, relation):
        chosen = filter_claims(claims, topic, source, speaker, verdict, word, confidence, relation)
        for bar, share in zip(bars, verdict_shares(chosen, verdicts)):
            bar.set_width(share)
        table_view.value = claims_table_html(chosen)
        return match_readout(chosen, claims)

    explorer = Explorer(controls, update, figure, css_class="claims-explorer")
    explorer.widget.children = (*explorer.widget.children, table_view)
    explorer.table = table_view
    return explorer


EXPLORERS = {"claims": claims_explorer}
