"""The claims ledger: shipped files are valid, every rule catches a broken copy, cards render.

The rules live in tools/ledger_check.py (author-side: it reads the seed documents,
which a hand-out does not carry); loading, cards and tallies in scalecheck.models.ledger.
"""
from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from scalecheck.core.units import parse_unit
from scalecheck.models import ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import ledger_check  # noqa: E402

REVIEW_DATE = "2026-11"
KNOWN_ID = "002-roadmap-20k-h100-80ef"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


@pytest.fixture
def ledger_copy(tmp_path, monkeypatch):
    """A private copy of the two CSVs plus fake seed files long enough for every claim.

    Returns the folder; SCALECHECK_DATA_DIR and SCALECHECK_SEEDS_DIR point at it.
    """
    data = tmp_path / "data"
    data.mkdir()
    for name in (ledger.SOURCES_FILE, ledger.CLAIMS_FILE):
        shutil.copy(ledger.data_dir() / name, data / name)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for file in _read(data / ledger.SOURCES_FILE)["file"]:
        (seeds / file).write_text("line\n" * 200, encoding="utf-8")
    monkeypatch.setenv("SCALECHECK_DATA_DIR", str(data))
    monkeypatch.setenv("SCALECHECK_SEEDS_DIR", str(seeds))
    return tmp_path


def _problems_after(folder: Path, edit_claims=None, edit_sources=None) -> list[str]:
    """Apply an edit to the copied CSVs, reload them through the module, and validate."""
    for name, edit in ((ledger.CLAIMS_FILE, edit_claims), (ledger.SOURCES_FILE, edit_sources)):
        if edit is not None:
            path = folder / "data" / name
            frame = _read(path)
            frame = edit(frame)
            _write(frame, path)
    return ledger_check.validate(ledger.load_sources(), ledger.load_claims())


def _set(column: str, value: str, row: int = 0) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame
    return edit


def _row_of(frame: pd.DataFrame, verdict: str) -> int:
    return int(frame.index[frame["verdict"] == verdict][0])


def _row_by_id(frame: pd.DataFrame, claim_id: str) -> int:
    return int(frame.index[frame["claim_id"] == claim_id][0])


# --------------------------------------------------------------------------- shipped files

def test_shipped_files_validate():
    assert ledger_check.validate(ledger.load_sources(), ledger.load_claims()) == []


def test_shipped_seed_lines_are_in_range_of_the_real_seeds():
    seeds = ledger_check.seeds_dir()
    if seeds is None:
        pytest.skip("seed documents not reachable from this checkout")
    assert ledger_check.validate(ledger.load_sources(), ledger.load_claims(), seeds=seeds) == []


def test_columns_are_exactly_the_documented_ones():
    assert tuple(_read(ledger.data_dir() / ledger.CLAIMS_FILE).columns) == ledger.CLAIM_COLUMNS
    assert tuple(_read(ledger.data_dir() / ledger.SOURCES_FILE).columns) == ledger.SOURCE_COLUMNS


def test_every_source_has_claims_and_the_transcripts_carry_most():
    claims = ledger.load_claims()
    per_source = claims.groupby("source_id").size()
    assert set(per_source.index) == set(ledger.load_sources()["source_id"])
    assert len(claims) > 100
    assert per_source["002"] + per_source["003"] > len(claims) / 2


def test_load_claims_types_numbers():
    claims = ledger.load_claims()
    for column in ledger.NUMBER_COLUMNS:
        assert claims[column].dtype == float
    assert claims["seed_line"].dtype.kind == "i"
    assert claims.loc[claims["claim_id"] == KNOWN_ID, "value"].item() == 80.0


def test_every_unit_parses_and_every_verdict_is_known():
    claims = ledger.load_claims()
    for unit in claims["unit"]:
        parse_unit(unit)
    assert set(claims["verdict"]) <= set(ledger.VERDICTS)
    assert set(claims["topic"]) <= set(ledger.TOPICS)


def test_related_links_are_symmetric():
    claims = ledger.load_claims()
    related = {
        cid: {r for r in rel.split(";") if r}
        for cid, rel in zip(claims["claim_id"], claims["related"])
    }
    for cid, others in related.items():
        for other in others:
            assert cid in related[other], f"{other} does not link back to {cid}"


def test_forecast_dates_are_consistent_with_their_verdicts():
    claims = ledger.load_claims()
    forecasts = claims[claims["verdict"].str.startswith("forecast-")]
    assert len(forecasts) >= 10
    for _, row in forecasts.iterrows():
        assert row["forecast_made"] <= row["forecast_deadline"], row["claim_id"]
        assert row["resolution"], row["claim_id"]
        if row["verdict"] == "forecast-open":
            assert row["forecast_deadline"] >= REVIEW_DATE, row["claim_id"]
        elif row["verdict"] == "forecast-false":
            # a forecast fails only once its deadline has passed
            assert row["forecast_deadline"] < REVIEW_DATE, row["claim_id"]
        # forecast-true may resolve before its deadline: the event happened early


def test_no_forecast_is_left_open_past_its_deadline():
    claims = ledger.load_claims()
    last_check = claims["checked_on"].max()
    assert last_check >= "2026-11-29"
    open_ = claims[claims["verdict"] == "forecast-open"]
    assert (open_["forecast_deadline"] >= last_check).all()


def test_not_checked_is_at_most_a_tenth_and_each_says_why():
    claims = ledger.load_claims()
    unchecked = claims[claims["verdict"] == "not-checked"]
    assert len(unchecked) <= 0.10 * len(claims), f"{len(unchecked)} of {len(claims)} not-checked"
    assert (unchecked["verdict_reason"].str.len() > 20).all()
    assert (claims["verdict"] == "not-checkable").sum() > 0


def test_checked_rows_carry_date_confidence_and_evidence():
    claims = ledger.load_claims()
    checked = claims[~claims["verdict"].isin(["not-checked"])]
    assert checked["checked_on"].str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").all()
    assert set(checked["confidence"]) <= set(ledger.CONFIDENCES)
    needs = checked[~checked["verdict"].isin(ledger_check.NO_EVIDENCE_NEEDED)]
    assert (needs["evidence"].str.len() > 0).all()


def test_evidence_cites_shipped_files_not_the_old_curated_name():
    claims = ledger.load_claims()
    assert not claims["evidence"].str.contains("gpu_specs_curated").any()
    cited = claims["evidence"].str.contains("data/gpu_specs.csv", regex=False)
    assert cited.sum() >= 5
    assert (ledger.data_dir() / "gpu_specs.csv").is_file()


def test_value_as_stated_keeps_the_source_wording():
    claims = ledger.load_claims().set_index("claim_id")
    # the summary says a thousand feet; the value column holds the exact conversion in metres
    assert "千フィート" in claims.loc["001-ai-tsunami-1000-ft", "value_as_stated"]
    assert claims.loc["001-ai-tsunami-1000-ft", "value"] == pytest.approx(1000 * 0.3048)
    assert "12月前" in claims.loc["000-grok3-before-december", "value_as_stated"]
    numbered = claims[claims[list(ledger.NUMBER_COLUMNS)].notna().any(axis=1)]
    assert (numbered["value_as_stated"].str.len() > 0).all()


def test_typed_relations_are_valid_and_the_named_conflict_is_listed():
    claims = ledger.load_claims()
    table = ledger.relations_table(claims)
    assert set(table["relation"]) <= set(ledger.RELATION_TYPES)
    assert {"duplicate", "conflict", "derived", "resolves"} <= set(table["relation"])
    disagreements = ledger.disagreements(claims)
    pairs = {frozenset(p) for p in zip(disagreements["claim"], disagreements["other claim"])}
    assert frozenset({"002-others-have-100k-h100", "003-nobody-100k-coherent-2024"}) in pairs
    # symmetric relations are listed once per pair
    assert len(pairs) == len(disagreements)
    with pytest.raises(ValueError):
        ledger.relations_table(claims, "friendship")


def test_parse_relations_reports_malformed_items():
    problems: list[str] = []
    pairs = ledger.parse_relations("conflict:001-a; derived:002-b;nonsense;cousin:003-c", "here", problems)
    assert pairs == [("conflict", "001-a"), ("derived", "002-b")]
    assert any("nonsense" in p for p in problems) and any("cousin" in p for p in problems)
    assert ledger.parse_relations("") == []


def test_clusters_count_repeated_statements_once():
    claims = ledger.load_claims()
    once = ledger.counted_once(claims)
    assert once["cluster_id"].is_unique
    assert len(once) < len(claims)
    cluster = claims.set_index("claim_id")["cluster_id"]
    repeats = ["001-superintelligence-this-or-next-year", "001-superintelligence-quote",
               "003-superintelligence-opening", "003-superintelligence-transcript"]
    assert cluster[repeats].nunique() == 1
    assert cluster["002-roadmap-300k-b200-6zf"] == cluster["002-musk-300k-b200-mid-2025"]


def test_named_review_fixes_are_in_place():
    claims = ledger.load_claims().set_index("claim_id")
    for cid in ("001-grok-3-5-training", "003-grok-3-5-training"):
        assert claims.loc[cid, "verdict"] == "holds-with-caveat"
        assert claims.loc[cid, "forecast_deadline"] == ""
    assert claims.loc["002-karpathy-data-peak-2024", "verdict"] == "unverifiable"
    assert claims.loc["002-musk-300k-b200-mid-2025", "forecast_made"] == "2024-06"
    assert claims.loc["003-vision-implant-6-12-months", "verdict"] == "forecast-false"
    assert claims.loc["002-roadmap-300k-b200-6zf", "verdict"].startswith("forecast-")
    assert claims.loc["002-roadmap-step-5x-3x", "verdict"] != "holds"
    assert "other side" in claims.loc["003-quarter-mobile-cooling", "paraphrase"]
    for cid in ("004-fox-interview-april", "004-zilis-resigned-march"):
        assert claims.loc[cid, "said_on"] == "2023-07"
    assert "44.6" in claims.loc["004-sources-under-50m", "verdict_reason"]
    assert "2025" in claims.loc["004-musk-claims-100m", "verdict_reason"]
    assert "GPT-4o" in claims.loc["002-humaneval-95-with-10-tries", "verdict_reason"]
    assert "NVIDIA" in claims.loc["002-b200-5x-h100", "verdict_reason"]


def test_key_seed_lines_hold_the_number_they_cite():
    seeds = ledger_check.seeds_dir()
    if seeds is None:
        pytest.skip("seed documents not reachable from this checkout")
    sources = ledger.load_sources().set_index("source_id")
    claims = ledger.load_claims().set_index("claim_id")
    expected = {
        "000-grok2-15k-h100": "15000",
        "001-not-this-year-certainly-next": "来年は確実に",
        "000-largest-cluster": "世界最大",
        KNOWN_ID: "80",
        "002-humaneval-gpt4-67": "67%",
        "003-power-drop-50pct": "50%",
        "003-human-output-under-1-bit-s": "86,400",
        "004-deepmind-400m-gbp": "4",
    }
    for cid, needle in expected.items():
        sid = claims.loc[cid, "source_id"]
        lines = (seeds / sources.loc[sid, "file"]).read_text(encoding="utf-8").splitlines()
        assert needle in lines[int(claims.loc[cid, "seed_line"]) - 1], cid


def test_value_as_stated_is_verbatim_on_the_cited_seed_line():
    """The source-language part (before any English gloss in brackets) is copied, not retyped."""
    seeds = ledger_check.seeds_dir()
    if seeds is None:
        pytest.skip("seed documents not reachable from this checkout")
    assert ledger_check.unquoted_values(ledger.load_sources(), ledger.load_claims(), seeds) == []


def test_quote_check_catches_a_retyped_value(ledger_copy):
    sources, claims = ledger.load_sources(), ledger.load_claims()
    seeds = ledger_copy / "seeds"
    row = claims.index[claims["value_as_stated"].str.len() > 0][0]
    file = sources.set_index("source_id").loc[claims.loc[row, "source_id"], "file"]
    lines = (seeds / file).read_text(encoding="utf-8").splitlines()
    lines[int(claims.loc[row, "seed_line"]) - 1] = "copied: " + claims.loc[row, "value_as_stated"].split(" (")[0]
    (seeds / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    missing = dict(ledger_check.unquoted_values(sources, claims, seeds))
    assert claims.loc[row, "claim_id"] not in missing
    claims.loc[row, "value_as_stated"] = "retyped 12345"
    missing = dict(ledger_check.unquoted_values(sources, claims, seeds))
    assert missing[claims.loc[row, "claim_id"]] == "retyped 12345"


def test_seeds_are_looked_up_beside_the_course_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SCALECHECK_SEEDS_DIR", raising=False)
    course = tmp_path / "course"
    (tmp_path / "shared" / "seeds").mkdir(parents=True)
    course.mkdir()
    monkeypatch.setenv("SCALECHECK_COURSE_ROOT", str(course))
    assert ledger_check.seeds_dir() == (tmp_path / "shared" / "seeds").resolve()
    monkeypatch.setenv("SCALECHECK_SEEDS_DIR", str(tmp_path / "nowhere"))
    assert ledger_check.seeds_dir() is None


def test_lessons_named_by_claims_are_the_lessons_on_disk():
    prefixes = ledger_check.lesson_prefixes()
    assert prefixes[0] == "00" and "10" in prefixes
    assert set(ledger.load_claims()["lesson"].map(str).str.strip()) - {""} <= set(prefixes)


def test_command_line_reports_and_exits(ledger_copy, capsys):
    assert ledger_check.main(["--no-seeds"]) == 0
    assert "0 problem(s)" in capsys.readouterr().out
    _problems_after(ledger_copy, edit_claims=_set("topic", "astrology"))
    assert ledger_check.main([]) == 1
    assert "topic 'astrology'" in capsys.readouterr().out
    assert ledger_check.main(["--seeds", str(ledger_copy / "no-such-folder")]) == 2


def test_the_package_ships_no_author_side_checks():
    """A hand-out carries the ledger module; the seed lookup and the rules stay in tools/."""
    for name in ("validate", "seeds_dir", "NO_EVIDENCE_NEEDED", "CLAIM_ID_PATTERN"):
        assert not hasattr(ledger, name), name
    source = Path(ledger.__file__).read_text(encoding="utf-8")
    assert "/ \"shared\"" not in source and "SEEDS_DIR" not in source


# --------------------------------------------------------------------------- each rule catches a broken copy

CLAIM_BREAKAGES = [
    ("missing column", lambda f: f.drop(columns=["unit"]), "missing columns"),
    ("duplicate id", lambda f: f.assign(claim_id=[f.loc[0, "claim_id"]] * 2 + list(f["claim_id"][2:])),
     "appears more than once"),
    ("id pattern", _set("claim_id", "000_Bad_ID"), "must match"),
    ("id prefix", _set("claim_id", "004-wrong-prefix"), "differs from source_id"),
    ("unknown source", _set("source_id", "999"), "not in sources.csv"),
    ("topic", _set("topic", "astrology"), "topic 'astrology'"),
    ("verdict", _set("verdict", "maybe"), "verdict 'maybe'"),
    ("unit", _set("unit", "furlong/fortnight"), "does not parse"),
    ("number", _set("value", "about eighty"), "is not a number"),
    ("range order", lambda f: _set("value_high", "1")(_set("value_low", "5")(f)), "greater than value_high"),
    ("reason", lambda f: _set("verdict_reason", "", _row_of(f, "holds"))(f), "needs a verdict_reason"),
    ("evidence", lambda f: _set("evidence", "", _row_of(f, "holds"))(f), "needs evidence"),
    ("lesson", _set("lesson", "11"), "lesson '11'"),
    ("related unknown", _set("related", "000-no-such-claim"), "does not exist"),
    ("related self", lambda f: _set("related", f.loc[0, "claim_id"])(f), "lists the claim itself"),
    ("forecast deadline", lambda f: _set("forecast_deadline", "", _row_of(f, "forecast-open"))(f),
     "needs forecast_deadline"),
    ("forecast made", lambda f: _set("forecast_made", "", _row_of(f, "forecast-true"))(f), "needs forecast_made"),
    ("not-checked reason", lambda f: _set("verdict_reason", "", _row_of(f, "not-checked"))(f),
     "needs a verdict_reason"),
    ("checked_on missing", _set("checked_on", ""), "needs checked_on"),
    ("checked_on format", _set("checked_on", "2026-11"), "not a full ISO date"),
    ("checked_on future", _set("checked_on", "2999-01-01"), "in the future"),
    ("confidence missing", _set("confidence", ""), "needs a confidence"),
    ("confidence vocabulary", _set("confidence", "high"), "confidence 'high'"),
    ("confidence on not-checked", lambda f: _set("confidence", "H", _row_of(f, "not-checked"))(f),
     "no verdict to grade"),
    ("relation type", _set("relations", "cousin:000-xai-age-just-over-1yr"), "relation type 'cousin'"),
    ("relation format", _set("relations", "000-xai-age-just-over-1yr"), "is not type:claim_id"),
    ("relation target", _set("relations", "derived:000-no-such-claim"), "does not exist"),
    ("relation self", lambda f: _set("relations", "derived:" + f.loc[0, "claim_id"])(f), "points at the claim itself"),
    ("relation not in related", lambda f: _set("related", "", _row_by_id(f, "003-nobody-100k-coherent-2024"))(f),
     "missing from related"),
    ("conflict one-sided", lambda f: _set("relations", "", _row_by_id(f, "003-nobody-100k-coherent-2024"))(f),
     "has no conflict:002-others-have-100k-h100 in return"),
    ("duplicate split", lambda f: _set("cluster_id", "003-h100-150k", _row_by_id(f, "003-h100-150k"))(f),
     "is in another cluster"),
    ("resolves non-forecast",
     lambda f: _set("relations", "resolves:000-xai-age-just-over-1yr", _row_by_id(f, "001-gb200-30k"))(f),
     "which is not a forecast"),
    ("cluster empty", _set("cluster_id", ""), "cluster_id is empty"),
    ("cluster pattern", _set("cluster_id", "Cluster One"), "must look like a claim id"),
    ("cluster mixes outcomes",
     lambda f: _set("cluster_id", "002-rubin-cluster-by-2027", _row_by_id(f, "002-rubin-release-2026"))(f),
     "mixes forecast verdicts"),
    ("forecast wording missing", lambda f: _set("forecast_wording", "", _row_of(f, "forecast-false"))(f),
     "needs a forecast_wording"),
    ("forecast wording vocabulary", _set("forecast_wording", "certain"), "forecast_wording 'certain'"),
    ("open past deadline", lambda f: _set("forecast_deadline", "2021-01-01", _row_of(f, "forecast-open"))(f),
     "had passed when it was checked"),
    ("said after source", _set("said_on", "2025-01"), "after its source's date"),
    ("seed line zero", _set("seed_line", "0"), "positive integer"),
    ("seed line text", _set("seed_line", "twelve"), "positive integer"),
    ("seed line past end", _set("seed_line", "9999"), "beyond the end"),
    ("japanese paraphrase", _set("paraphrase", "Musk says 数千倍 growth."), "Japanese characters"),
    ("empty paraphrase", _set("paraphrase", ""), "paraphrase is empty"),
    ("non-ascii paraphrase", _set("paraphrase", "ÉÉÉÉÉÉÉÉÉÉ ok"), "ASCII"),
    ("date format", _set("said_on", "July 2024"), "is not ISO"),
    ("speaker", _set("speaker", ""), "speaker is empty"),
]


@pytest.mark.parametrize("name,edit,fragment", CLAIM_BREAKAGES, ids=[b[0] for b in CLAIM_BREAKAGES])
def test_rule_catches_broken_claims(ledger_copy, name, edit, fragment):
    assert ledger_check.validate(ledger.load_sources(), ledger.load_claims()) == [], "copy must start valid"
    problems = _problems_after(ledger_copy, edit_claims=edit)
    assert any(fragment in p for p in problems), problems


SOURCE_BREAKAGES = [
    ("kind", _set("kind", "rumour"), "kind 'rumour'"),
    ("precision", _set("date_precision", "day", 0), "does not match precision"),
    ("precision vocabulary", _set("date_precision", "season"), "date_precision 'season'"),
    ("duplicate source", _set("source_id", "001", 0), "appears more than once"),
    ("seed file", _set("file", "999_missing.txt"), "not found"),
    ("source columns", lambda f: f.drop(columns=["kind"]), "missing columns"),
]


@pytest.mark.parametrize("name,edit,fragment", SOURCE_BREAKAGES, ids=[b[0] for b in SOURCE_BREAKAGES])
def test_rule_catches_broken_sources(ledger_copy, name, edit, fragment):
    problems = _problems_after(ledger_copy, edit_sources=edit)
    assert any(fragment in p for p in problems), problems


def test_not_checkable_needs_no_evidence_but_unverifiable_does(ledger_copy):
    def edit(frame):
        frame.loc[_row_of(frame, "not-checkable"), "evidence"] = ""
        return frame
    assert _problems_after(ledger_copy, edit_claims=edit) == []

    def edit_unverifiable(frame):
        frame.loc[_row_of(frame, "unverifiable"), "evidence"] = ""
        return frame
    problems = _problems_after(ledger_copy, edit_claims=edit_unverifiable)
    assert any("'unverifiable' needs evidence" in p for p in problems), problems


def test_seed_check_is_skipped_without_seeds(ledger_copy):
    problems = _problems_after(ledger_copy, edit_claims=_set("seed_line", "9999"))
    assert any("beyond the end" in p for p in problems)
    assert ledger_check.validate(ledger.load_sources(), ledger.load_claims(), seeds=None) == []


def test_a_bad_number_survives_loading(ledger_copy):
    _problems_after(ledger_copy, edit_claims=_set("value_low", "n/a"))
    claims = ledger.load_claims()
    assert claims.loc[0, "value_low"] == "n/a"
    assert claims["value"].dtype == float


# --------------------------------------------------------------------------- cards

def test_card_shows_confidence_checked_on_value_as_stated_and_relations():
    card = ledger.claim("003-nobody-100k-coherent-2024")
    text = card.text()
    assert "Confidence: M; checked on 2026-11-29" in text
    assert "conflict 002-others-have-100k-h100" in text
    page = card._repr_html_()
    assert "Relations" in page and "Confidence" in page
    assert "As stated:" in ledger.claim("001-ai-tsunami-1000-ft").text()


def test_claim_card_text_and_html_show_speaker_and_verdict():
    card = ledger.claim(KNOWN_ID)
    text = repr(card)
    assert "Brian Wang" in text and "holds-with-caveat" in text
    assert "80 EFLOP/s" in text and "line 12" in text
    assert str(card) == text == card.text()
    page = card._repr_html_()
    assert "Brian Wang" in page and "holds-with-caveat" in page
    assert ledger.VERDICT_COLOURS["holds-with-caveat"] in page


def test_card_plain_text_is_deterministic_and_pretty_prints_the_same():
    class Printer:
        def __init__(self):
            self.out = []

        def text(self, s):
            self.out.append(s)

    printer = Printer()
    ledger.claim(KNOWN_ID)._repr_pretty_(printer, False)
    assert printer.out == [repr(ledger.claim(KNOWN_ID))]


def test_card_escapes_html(ledger_copy):
    _problems_after(ledger_copy, edit_claims=_set("paraphrase", "Costs <b>rise</b> & fall", 0))
    page = ledger.claim(ledger.load_claims().loc[0, "claim_id"])._repr_html_()
    assert "&lt;b&gt;rise&lt;/b&gt; &amp; fall" in page


def test_forecast_card_shows_deadline_and_resolution():
    text = repr(ledger.claim("000-grok3-before-december"))
    assert "forecast-false" in text and "deadline 2024-11-30" in text and "Resolution:" in text


def test_unknown_id_raises_keyerror_with_suggestion():
    with pytest.raises(KeyError, match=KNOWN_ID):
        ledger.claim("002-roadmap-20k-h100-80e")
    with pytest.raises(KeyError, match="no claim"):
        ledger.claim("zzz")


@pytest.mark.parametrize("value,unit,text", [
    (80, "EFLOP/s", "80 EFLOP/s"),
    (4e15, "FLOP/s", "4 PFLOP/s"),
    (150, "MW", "150 MW"),
    (1.5e11, "USD", "150 billion USD"),
    (5000, "USD/chip/yr", "5,000 USD/chip/yr"),
    (20, "x", "20x"),
    (1e6, "x", "1 million times"),
    (67, "%", "67%"),
    (2025, "year", "2025"),
    (0.1, "s", "0.1 s"),
    (100000, "GPU", "100,000 GPU"),
])
def test_format_value(value, unit, text):
    assert ledger.format_value(value, unit) == text


def test_card_numbers_for_ranges_and_bounds():
    assert ledger.claim("003-human-output-under-1-bit-s").numbers == "up to 1 bit/s"
    assert ledger.claim("001-superintelligence-this-or-next-year").numbers == "2025 to 2026"
    assert ledger.claim("002-openai-valuation-80b").numbers == "at least 80 billion USD"


# --------------------------------------------------------------------------- tallies

def test_verdict_counts_add_up():
    claims = ledger.load_claims()
    table = ledger.verdict_counts(claims)
    assert int(table.to_numpy().sum()) == len(claims)
    assert list(table.columns) == list(ledger.VERDICTS)
    assert table.sum(axis=0).to_dict() == {
        v: int((claims["verdict"] == v).sum()) for v in ledger.VERDICTS
    }
    assert table.sum(axis=1).to_dict() == claims["topic"].value_counts().to_dict()
    assert list(table.index) == [t for t in ledger.TOPICS if t in set(claims["topic"])]
