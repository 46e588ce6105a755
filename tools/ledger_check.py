"""Check the claims ledger (data/sources.csv, data/claims.csv) the way its authors must.

    python tools/ledger_check.py                  # every rule, seed files found automatically
    python tools/ledger_check.py --seeds DIR      # the five seed documents are in DIR
    python tools/ledger_check.py --no-seeds       # skip the checks that need the seed files

Exit status 1 when a problem is found. This is author-side tooling: it reads the
five seed documents (``../shared/seeds`` next to the course folder, or env
``SCALECHECK_SEEDS_DIR``), which are third-party texts the course cites by id and
line but does not ship. A hand-out carries :mod:`scalecheck.models.ledger` (loading,
claim cards, tallies) and not this file. tests/test_ledger.py imports it.

The rules, in groups: each source row (ids, dates and their precision, kind, seed
file); each claim row (id and source, vocabularies, unit, numbers, the evidence
and dates a verdict needs, links, cluster, the seed line, an English paraphrase);
rules across rows (symmetric relations, clusters, said-on against the source's
date); and, with the seed files, quotes (:func:`unquoted_values`, run by
:func:`check_all` and the command line): ``value_as_stated`` must be copied from
the cited seed line.
"""
from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scalecheck.core import paths  # noqa: E402
from scalecheck.core.units import UnitError, parse_unit  # noqa: E402
from scalecheck.models import ledger  # noqa: E402
from scalecheck.models.ledger import _number, _text  # noqa: E402  (the ledger's own cell readers)

CLAIM_ID_PATTERN = re.compile(r"^[0-9]{3}-[a-z0-9-]+$")
SOURCE_ID_PATTERN = re.compile(r"^[0-9]{3}$")
ISO_DATE_PATTERN = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")
FULL_DATE_PATTERN = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
CLUSTER_ID_PATTERN = CLAIM_ID_PATTERN  # a cluster is named after one of its claims
# Hiragana, Katakana, CJK ideographs, full-width forms, CJK punctuation
JAPANESE_PATTERN = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
MIN_ASCII_SHARE = 0.9  # a paraphrase must be at least 90% ASCII characters

#: verdicts that need a reason but no evidence: nothing was checked, or there is nothing to check
NO_EVIDENCE_NEEDED: tuple[str, ...] = ("not-checked", "not-checkable")


# ---------------------------------------------------------------------------
# Locations


def seeds_dir() -> Path | None:
    """The folder of the five seed documents, or None when it is not reachable.

    Env ``SCALECHECK_SEEDS_DIR`` first, then ``shared/seeds`` beside the course
    folder (the course root honours ``SCALECHECK_COURSE_ROOT``, see
    :func:`scalecheck.core.paths.course_root`).
    """
    override = os.environ.get("SCALECHECK_SEEDS_DIR")
    candidate = Path(override) if override else paths.course_root().parent / "shared" / "seeds"
    return candidate.resolve() if candidate.is_dir() else None


def lesson_prefixes() -> tuple[str, ...]:
    """The two-digit prefixes of the lessons on disk ("00", "01", ...): what ``lesson`` may name."""
    folder = paths.course_root() / "lessons"
    return tuple(sorted({p.name[:2] for p in folder.glob("[0-9][0-9]_*") if p.suffix in (".ipynb", ".md")}))


def _today() -> str:
    """Today's date as YYYY-MM-DD (env SCALECHECK_TODAY overrides it, for tests)."""
    return os.environ.get("SCALECHECK_TODAY") or datetime.date.today().isoformat()


def _rows(frame: pd.DataFrame) -> list[dict]:
    """The table's rows as plain dicts (column -> cell), in order: read cell by cell, a pandas row
    (iterrows' Series) costs about 90 us a lookup, which made one validation of the ledger 0.4 s."""
    return frame.to_dict("records")


def seed_lines(sources: pd.DataFrame, folder: Path | None) -> dict[str, list[str]]:
    """The lines of each reachable seed file, by source_id (empty without a folder)."""
    lines: dict[str, list[str]] = {}
    if folder is None:
        return lines
    for row in _rows(sources):
        name = _text(row.get("file"))
        if name and (folder / name).is_file():
            lines[_text(row["source_id"])] = (folder / name).read_text(encoding="utf-8").splitlines()
    return lines


# ---------------------------------------------------------------------------
# Sources


def _check_source_date(where: str, row: Mapping, problems: list[str]) -> None:
    precision, date = _text(row["date_precision"]), _text(row["date"])
    if precision not in ledger.DATE_PRECISIONS:
        problems.append(f"{where}: date_precision {precision!r} not in {ledger.DATE_PRECISIONS}")
    if date and not ISO_DATE_PATTERN.match(date):
        problems.append(f"{where}: date {date!r} is not ISO (YYYY, YYYY-MM or YYYY-MM-DD)")
    elif date and precision in ledger.DATE_PRECISIONS:
        parts = {"year": 1, "month": 2, "day": 3}[precision]
        if len(date.split("-")) != parts:
            problems.append(f"{where}: date {date!r} does not match precision {precision!r}")


def check_sources(sources: pd.DataFrame, problems: list[str], seed_folder: Path | None) -> None:
    """Rules for each row of sources.csv; problems are appended to ``problems``."""
    ids = [_text(s) for s in sources["source_id"]]
    for sid in sorted({s for s in ids if ids.count(s) > 1}):
        problems.append(f"sources: source_id {sid!r} appears more than once")
    for i, row in zip(sources.index, _rows(sources)):
        where = f"sources row {i + 2} ({_text(row['source_id']) or '?'})"
        if not SOURCE_ID_PATTERN.match(_text(row["source_id"])):
            problems.append(f"{where}: source_id must be three digits")
        for column in ("file", "title_en", "date", "kind", "language"):
            if not _text(row[column]):
                problems.append(f"{where}: {column} is empty")
        if _text(row["kind"]) and _text(row["kind"]) not in ledger.SOURCE_KINDS:
            problems.append(f"{where}: kind {_text(row['kind'])!r} not in {ledger.SOURCE_KINDS}")
        _check_source_date(where, row, problems)
        if seed_folder is not None and _text(row["file"]) and not (seed_folder / _text(row["file"])).is_file():
            problems.append(f"{where}: seed file {_text(row['file'])!r} not found in {seed_folder}")


# ---------------------------------------------------------------------------
# One claim row, rule group by rule group


def _check_identity(where: str, row: Mapping, source_ids: set[str], problems: list[str]) -> None:
    """claim_id pattern and prefix, a known source, the required text fields and ISO dates."""
    cid, sid = _text(row["claim_id"]), _text(row["source_id"])
    if not CLAIM_ID_PATTERN.match(cid):
        problems.append(f"{where}: claim_id must match {CLAIM_ID_PATTERN.pattern}")
    elif cid[:3] != sid:
        problems.append(f"{where}: claim_id prefix {cid[:3]!r} differs from source_id {sid!r}")
    if sid not in source_ids:
        problems.append(f"{where}: source_id {sid!r} is not in sources.csv")
    for column in ("speaker", "quantity"):
        if not _text(row[column]):
            problems.append(f"{where}: {column} is empty")
    for column in ("said_on", "forecast_made", "forecast_deadline"):
        date = _text(row[column])
        if column == "said_on" and not date:
            problems.append(f"{where}: said_on is empty")
        if date and not ISO_DATE_PATTERN.match(date):
            problems.append(f"{where}: {column} {date!r} is not ISO (YYYY, YYYY-MM or YYYY-MM-DD)")


def _check_quantity(where: str, row: Mapping, problems: list[str]) -> None:
    """Topic and verdict vocabularies, a unit that parses, numbers that are numbers, low <= high."""
    if _text(row["topic"]) not in ledger.TOPICS:
        problems.append(f"{where}: topic {_text(row['topic'])!r} is not one of TOPICS")
    if _text(row["verdict"]) not in ledger.VERDICTS:
        problems.append(f"{where}: verdict {_text(row['verdict'])!r} is not one of VERDICTS")
    try:
        parse_unit(_text(row["unit"]))
    except UnitError as error:
        problems.append(f"{where}: unit {_text(row['unit'])!r} does not parse ({error})")
    numbers: dict[str, float | None] = {}
    for column in ledger.NUMBER_COLUMNS:
        try:
            numbers[column] = _number(row[column])
        except ValueError:
            numbers[column] = None
            problems.append(f"{where}: {column} {_text(row[column])!r} is not a number")
    low, high = numbers["value_low"], numbers["value_high"]
    if low is not None and high is not None and low > high:
        problems.append(f"{where}: value_low {low:g} is greater than value_high {high:g}")


def _check_verdict_support(where: str, row: Mapping, lessons: tuple[str, ...], problems: list[str]) -> None:
    """What a verdict needs: a reason always, evidence unless nothing was checked, forecast dates."""
    verdict = _text(row["verdict"])
    # every verdict says why, including not-checked (why no public record could settle it)
    if verdict in ledger.VERDICTS and not _text(row["verdict_reason"]):
        problems.append(f"{where}: verdict {verdict!r} needs a verdict_reason")
    if verdict in ledger.VERDICTS and verdict not in NO_EVIDENCE_NEEDED and not _text(row["evidence"]):
        problems.append(f"{where}: verdict {verdict!r} needs evidence")
    if verdict in ledger.FORECAST_VERDICTS:
        for column in ("forecast_made", "forecast_deadline"):
            if not _text(row[column]):
                problems.append(f"{where}: verdict {verdict!r} needs {column}")
    _check_check_fields(where, row, verdict, problems)
    lesson = _text(row["lesson"])
    if lesson and lesson not in lessons:
        problems.append(f"{where}: lesson {lesson!r} must be empty or one of {', '.join(lessons)}")


def _check_check_fields(where: str, row: Mapping, verdict: str, problems: list[str]) -> None:
    """checked_on, confidence, forecast_wording and the open-forecast deadline."""
    checked_on, confidence = _text(row["checked_on"]), _text(row["confidence"])
    if checked_on and not FULL_DATE_PATTERN.match(checked_on):
        problems.append(f"{where}: checked_on {checked_on!r} is not a full ISO date (YYYY-MM-DD)")
    elif checked_on and checked_on > _today():
        problems.append(f"{where}: checked_on {checked_on} is in the future")
    if confidence and confidence not in ledger.CONFIDENCES:
        problems.append(f"{where}: confidence {confidence!r} is not one of {ledger.CONFIDENCES}")
    if verdict in ledger.VERDICTS and verdict != "not-checked":
        if not checked_on:
            problems.append(f"{where}: verdict {verdict!r} needs checked_on")
        if not confidence:
            problems.append(f"{where}: verdict {verdict!r} needs a confidence (H, M or L)")
    elif verdict == "not-checked" and confidence:
        problems.append(f"{where}: a not-checked claim has no verdict to grade, so no confidence")
    wording = _text(row["forecast_wording"])
    if wording and wording not in ledger.FORECAST_WORDINGS:
        problems.append(f"{where}: forecast_wording {wording!r} is not one of {ledger.FORECAST_WORDINGS}")
    if verdict in ("forecast-true", "forecast-false") and not wording:
        problems.append(f"{where}: resolved forecast needs a forecast_wording (flat or hedged)")
    # judged at the date of the check, not today, so the shipped ledger does not expire on its own
    deadline = _text(row["forecast_deadline"])
    if verdict == "forecast-open" and deadline and checked_on and deadline < checked_on[:len(deadline)]:
        problems.append(f"{where}: forecast-open but its deadline {deadline} had passed when it was checked")


def _check_links(where: str, row: Mapping, known_ids: set[str], problems: list[str]) -> None:
    """related ids exist and are not the claim itself; typed relations parse, exist and are in related."""
    cid = _text(row["claim_id"])
    related = {r.strip() for r in _text(row["related"]).split(";") if r.strip()}
    for other in sorted(related):
        if other == cid:
            problems.append(f"{where}: related lists the claim itself")
        elif other not in known_ids:
            problems.append(f"{where}: related id {other!r} does not exist")
    for kind, other in ledger.parse_relations(_text(row["relations"]), where, problems):
        if other == cid:
            problems.append(f"{where}: relation {kind}:{other} points at the claim itself")
        elif other not in known_ids:
            problems.append(f"{where}: relation target {other!r} does not exist")
        elif other not in related:
            # the old untyped column stays a superset, so readers of `related` see every link
            problems.append(f"{where}: relation target {other!r} is missing from related")


def _check_place_and_words(where: str, row: Mapping, line_counts: dict[str, int], problems: list[str]) -> None:
    """cluster_id, a seed line inside its file, and a paraphrase in the course's own English."""
    cluster = _text(row["cluster_id"])
    if not cluster:
        problems.append(f"{where}: cluster_id is empty")
    elif not CLUSTER_ID_PATTERN.match(cluster):
        problems.append(f"{where}: cluster_id {cluster!r} must look like a claim id")
    sid, line_text = _text(row["source_id"]), _text(row["seed_line"])
    if not re.fullmatch(r"[0-9]+", line_text) or int(line_text) < 1:
        problems.append(f"{where}: seed_line {line_text!r} must be a positive integer")
    elif sid in line_counts and int(line_text) > line_counts[sid]:
        problems.append(
            f"{where}: seed_line {line_text} is beyond the end of the seed file ({line_counts[sid]} lines)"
        )
    paraphrase = _text(row["paraphrase"])
    if not paraphrase:
        problems.append(f"{where}: paraphrase is empty")
        return
    if JAPANESE_PATTERN.search(paraphrase):
        problems.append(f"{where}: paraphrase contains Japanese characters")
    ascii_share = sum(ch.isascii() for ch in paraphrase) / len(paraphrase)
    if ascii_share < MIN_ASCII_SHARE:
        problems.append(f"{where}: paraphrase is only {ascii_share:.0%} ASCII")


# ---------------------------------------------------------------------------
# Across rows


def check_across_rows(claims: pd.DataFrame, sources: pd.DataFrame, problems: list[str]) -> None:
    """Rules that need more than one row: symmetric relations, clusters, dates against the source."""
    rows = {_text(r["claim_id"]): r for r in _rows(claims)}
    links = {cid: set(ledger.parse_relations(_text(r["relations"]))) for cid, r in rows.items()}
    for cid, pairs in links.items():
        for kind, other in sorted(pairs):
            if other not in rows or other == cid:
                continue
            if kind in ledger.SYMMETRIC_RELATIONS and (kind, cid) not in links[other]:
                problems.append(f"claims ({cid}): {kind}:{other} has no {kind}:{cid} in return")
            if kind == "duplicate" and _text(rows[other]["cluster_id"]) != _text(rows[cid]["cluster_id"]):
                problems.append(f"claims ({cid}): duplicate {other} is in another cluster")
            if kind == "resolves" and _text(rows[other]["verdict"]) not in ledger.FORECAST_VERDICTS:
                problems.append(f"claims ({cid}): resolves {other}, which is not a forecast")
    # a statement counted once has one outcome
    outcomes: dict[str, set[str]] = {}
    for r in rows.values():
        if _text(r["verdict"]) in ledger.FORECAST_VERDICTS:
            outcomes.setdefault(_text(r["cluster_id"]), set()).add(_text(r["verdict"]))
    for cluster, verdicts in sorted(outcomes.items()):
        if len(verdicts) > 1:
            problems.append(f"claims: cluster {cluster!r} mixes forecast verdicts {sorted(verdicts)}")
    source_dates = {_text(s["source_id"]): _text(s["date"]) for s in _rows(sources)}
    for cid, r in rows.items():
        said, published = _text(r["said_on"]), source_dates.get(_text(r["source_id"]), "")
        if said and published and ISO_DATE_PATTERN.match(said) and \
                said[:len(published)] > published[:len(said)]:
            problems.append(f"claims ({cid}): said_on {said} is after its source's date {published}")


# ---------------------------------------------------------------------------
# Quotes against the seed files


def unquoted_values(sources: pd.DataFrame, claims: pd.DataFrame, seeds: Path) -> list[tuple[str, str]]:
    """(claim_id, part) for each part of ``value_as_stated`` not found on the cited seed line.

    The source-language part (before any English gloss in brackets) must be copied,
    not retyped; parts separated by ";" or "…" are looked up one by one, after
    NFKC normalisation (full-width and half-width forms compare equal).
    """
    lines = seed_lines(sources, seeds)
    missing = []
    for row in _rows(claims):
        sid, line_text = _text(row["source_id"]), _text(row["seed_line"])
        if sid not in lines or not line_text.isdigit() or not 1 <= int(line_text) <= len(lines[sid]):
            continue  # check_claims reports a missing file or a line out of range
        line = unicodedata.normalize("NFKC", lines[sid][int(line_text) - 1])
        stated = _text(row["value_as_stated"]).split(" (")[0]
        for part in (p.strip() for p in re.split(r"[;…]", stated) if p.strip()):
            if unicodedata.normalize("NFKC", part) not in line:
                missing.append((_text(row["claim_id"]), part))
    return missing


# ---------------------------------------------------------------------------
# Everything


def validate(sources: pd.DataFrame, claims: pd.DataFrame, seeds: Path | None | str = "auto") -> list[str]:
    """Every problem found in the two tables; an empty list means valid.

    ``seeds`` is the folder of seed files used to check ``seed_line`` and quotes;
    by default it is found with :func:`seeds_dir`, and those checks are skipped
    when no folder is reachable (pass ``None`` to skip them on purpose).
    """
    problems: list[str] = []
    tables = (("sources", sources, ledger.SOURCE_COLUMNS), ("claims", claims, ledger.CLAIM_COLUMNS))
    for name, table, required in tables:
        missing = [c for c in required if c not in table.columns]
        if missing:
            problems.append(f"{name}: missing columns {missing}")
    if problems:
        return problems
    seed_folder = seeds_dir() if isinstance(seeds, str) and seeds == "auto" else (Path(seeds) if seeds else None)
    check_sources(sources, problems, seed_folder)
    ids = [_text(c) for c in claims["claim_id"]]
    for cid in sorted({c for c in ids if ids.count(c) > 1}):
        problems.append(f"claims: claim_id {cid!r} appears more than once")
    known_ids, source_ids = set(ids), {_text(s) for s in sources["source_id"]}
    line_counts = {sid: len(lines) for sid, lines in seed_lines(sources, seed_folder).items()}
    lessons = lesson_prefixes()
    for i, row in enumerate(_rows(claims)):
        where = f"claims row {int(i) + 2} ({_text(row['claim_id']) or '?'})"
        _check_identity(where, row, source_ids, problems)
        _check_quantity(where, row, problems)
        _check_verdict_support(where, row, lessons, problems)
        _check_links(where, row, known_ids, problems)
        _check_place_and_words(where, row, line_counts, problems)
    check_across_rows(claims, sources, problems)
    return problems


def check_all(seeds: Path | None | str = "auto") -> list[str]:
    """:func:`validate` of the shipped ledger, plus the quote check when the seed files are there."""
    sources, claims = ledger.load_sources(), ledger.load_claims()
    problems = validate(sources, claims, seeds)
    folder = seeds_dir() if isinstance(seeds, str) and seeds == "auto" else (Path(seeds) if seeds else None)
    if folder is not None and not problems:
        problems += [f"claims ({cid}): value_as_stated part {part!r} is not on its seed line"
                     for cid, part in unquoted_values(sources, claims, folder)]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--seeds", type=Path, help="folder of the five seed documents")
    group.add_argument("--no-seeds", action="store_true", help="skip the checks that need the seed files")
    args = parser.parse_args(argv)
    seeds: Path | None | str = None if args.no_seeds else (args.seeds or "auto")
    if isinstance(seeds, Path) and not seeds.is_dir():
        print(f"no folder {seeds}", file=sys.stderr)
        return 2
    folder = seeds_dir() if seeds == "auto" else seeds
    problems = check_all(seeds)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {ledger.data_dir()}; seed files: {folder or 'not checked'}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
