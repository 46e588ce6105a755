"""The grader's reports: per-student HTML feedback, the gradebook, the class summary.

Everything a student controls is inert by the time it is written:

- HTML: markdown is rendered with raw HTML escaped (mistune, ``escape=True``,
  harmful link schemes dropped, remote images replaced by their alt text);
  every other text is escaped; images are decoded and re-encoded by Pillow
  (so only pixels survive); the page carries a Content-Security-Policy that
  allows no script, no remote resource and no form. Each report is capped in
  size, with a note where something was cut.
- CSV: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is prefixed with an apostrophe, so spreadsheets show it as text.
"""
from __future__ import annotations

import base64
import binascii
import csv
import html
import io
import json
import re
from pathlib import Path
from typing import Any

from scalecheck.exercise.keys import write_atomic
from scalecheck.exercise.vocabulary import QUESTION_CALL, STATUS_COLOURS, STATUS_SYMBOLS, STATUSES

# the grader's two extra states of a written answer share the colour of "recorded"
_COLOURS = {**STATUS_COLOURS, "manual": STATUS_COLOURS["recorded"], "marked": STATUS_COLOURS["recorded"]}
_LABELS = {"manual": "to be marked by your teacher", "marked": "marked by your teacher"}
MAX_TEXT = 4000              # characters of one output or cell shown
MAX_REPORT = 3_000_000       # characters of one feedback page
MAX_CELLS = 400              # notebook cells shown in one report
MAX_IMAGE_B64 = 4_000_000    # characters of one base64 image considered
MAX_IMAGE_PIXELS = 12_000_000
_KERNEL_VERDICT = re.compile(
    "^[" + re.escape("".join(STATUS_SYMBOLS.values())) + r"] [A-Za-z0-9_]+: (" + "|".join(STATUSES) + r")\.")
_KERNEL_TALK = re.compile(r"graded later|answers are graded|graded by your teacher", re.I)
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; "
       "base-uri 'none';")


# ---------------------------------------------------------------------------
# Inert pieces


def csv_cell(value: Any) -> Any:
    """A value safe in a spreadsheet: formula-looking text becomes text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    if isinstance(value, list):
        value = "".join(v for v in value if isinstance(v, str))
    text = value if isinstance(value, str) else ""
    return text if len(text) <= limit else text[:limit] + "\n[… cut by the grader]"


def safe_image(data: Any, mime: str = "image/png") -> str | None:
    """A base64 PNG re-encoded from the decoded pixels, or None when it is not a real image."""
    if not isinstance(data, str) or len(data) > MAX_IMAGE_B64:
        return None
    try:
        raw = base64.b64decode(re.sub(r"\s+", "", data), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        from PIL import Image

        with Image.open(io.BytesIO(raw), formats=["PNG", "JPEG"]) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return None
            image.load()
            if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                image = image.convert("RGBA")
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
    except Exception:  # Pillow raises many kinds on a crafted file
        return None
    return base64.b64encode(buffer.getvalue()).decode("ascii")


_MARKDOWN = None


def render_markdown(source: str) -> str:
    """Markdown as HTML with nothing of the student's HTML alive."""
    global _MARKDOWN
    if _MARKDOWN is None:
        import mistune

        class Renderer(mistune.HTMLRenderer):
            def image(self, text: str, url: str, title: str | None = None) -> str:
                return f"[image: {html.escape(text)}]"  # no remote fetches, no unchecked inline data

        _MARKDOWN = mistune.create_markdown(renderer=Renderer(escape=True), plugins=["strikethrough", "table"])
    try:
        return _MARKDOWN(source)
    except Exception:  # a pathological input: show it as text
        return f"<pre>{html.escape(source)}</pre>"


def _outputs_html(outputs: list) -> str:
    parts = []
    for output in outputs if isinstance(outputs, list) else []:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            text = _text(output.get("text"))
            if text.strip() and not _KERNEL_TALK.search(text):
                parts.append(f"<pre class='out'>{html.escape(text)}</pre>")
        elif kind == "error":
            parts.append(f"<pre class='err'>{html.escape(_text(output.get('ename'), 100))}: "
                         f"{html.escape(_text(output.get('evalue')))}</pre>")
        elif kind in ("execute_result", "display_data"):
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            if _WIDGET_VIEW in data:
                continue  # a live widget: its answer is graded below, its view means nothing here
            image = None
            for mime in ("image/png", "image/jpeg"):
                if mime in data:
                    image = safe_image(data[mime], mime)
                    break
            if image:
                parts.append(f"<img alt='a plot from the notebook' src='data:image/png;base64,{image}'>")
                continue
            text = _text(data.get("text/plain"))
            if text and not _KERNEL_VERDICT.match(text) and not _KERNEL_TALK.search(text):
                parts.append(f"<pre class='out'>{html.escape(text)}</pre>")
    return "".join(parts)


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


def _verdict_html(result) -> str:
    colour = _COLOURS.get(result.status, "#57606a")
    label = _LABELS.get(result.status, result.status)
    if result.status == "marked":  # the teacher's score (manual.csv), with their comment
        answer = f"<div class='written'>{html.escape(result.answer)}</div>" if result.answer.strip() else ""
        return (f"<div class='q' style='border-left:5px solid {colour}'><b>{html.escape(result.question)}</b> — "
                f"<span style='color:{colour};font-weight:bold'>{html.escape(label)}</span>, "
                f"{result.points:g} of {_points(result.max_points)}. {html.escape(result.message)}{answer}</div>")
    if result.manual:
        answer = (f"<div class='written'>{html.escape(result.answer)}</div>" if result.answer.strip()
                  else "<p><i>No written answer was found.</i></p>")
        worth = f"worth {_points(result.max_points)}" if result.answer.strip() else f"0 of {_points(result.max_points)}"
        return (f"<div class='q' style='border-left:5px solid {colour}'><b>{html.escape(result.question)}</b> — "
                f"<span style='color:{colour};font-weight:bold'>"
                f"{html.escape(label if result.answer.strip() else 'unanswered')}</span>"
                f" ({worth}). Your written answer:{answer}</div>")
    hint = f"<br><b>Hint:</b> {html.escape(result.hint)}" if result.hint else ""
    return (f"<div class='q' style='border-left:5px solid {colour}'><b>{html.escape(result.question)}</b> — "
            f"your answer: <code>{html.escape(result.answer)}</code> — "
            f"<span style='color:{colour};font-weight:bold'>{html.escape(label)}</span>, "
            f"{result.points:g} of {_points(result.max_points)}. {html.escape(result.message)}{hint}</div>")


def _score_table(results, earned: float, possible: float, late: dict | None = None) -> str:
    rows = []
    for r in results:
        colour = _COLOURS.get(r.status, "#57606a")
        shown = (r.answer[:80] + ("…" if len(r.answer) > 80 else "")) if r.answer else "(none)"
        pending = r.status == "manual" and r.answer.strip()
        points = f"— of {r.max_points:g}" if pending else f"{r.points:g} of {r.max_points:g}"
        rows.append(f"<tr><td>{html.escape(r.question)}</td><td><code>{html.escape(shown)}</code></td>"
                    f"<td style='color:{colour}'>{html.escape(_LABELS.get(r.status, r.status))}</td>"
                    f"<td class='n'>{points}</td></tr>")
    percent = 100 * earned / possible if possible else 0
    if late and late.get("days"):
        raw = sum(r.points for r in results)
        rows.append(f"<tr><td colspan='3'>Late: {late['days']} day(s) after {html.escape(late.get('due', ''))} "
                    f"({html.escape(late.get('policy', ''))})</td><td class='n'>−{raw - earned:g}</td></tr>")
    return ("<h2>Your score</h2><table class='score'><tr><th>Question</th><th>Your answer</th><th>Verdict</th>"
            "<th>Points</th></tr>" + "".join(rows) +
            f"<tr class='total'><td colspan='3'>Total</td>"
            f"<td class='n'>{earned:g} of {possible:g} ({percent:.0f}%)</td></tr></table>")


STYLE = """<style>
body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45;color:#1f2328}
pre{background:#f6f8fa;padding:6px;overflow-x:auto;white-space:pre-wrap}
pre.out{background:#fff;border-left:3px solid #ddd} pre.err{background:#fff0f0}
div.q{background:#fafafa;padding:6px 10px;margin:6px 0 14px} div.md{margin:10px 0}
div.written{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:6px;margin-top:4px}
p.warn{background:#fff8c5;border:1px solid #d4a72c;padding:6px} p.fail{color:#cf222e}
table{border-collapse:collapse} td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
td.n{text-align:right;white-space:nowrap} tr.total td{font-weight:bold} img{max-width:100%}</style>"""


def _report_head(title: str, results, earned: float, possible: float, execution, notes: list[str] | None,
                 warning: str, late: dict | None) -> list[str]:
    """The top of a report: score, deadline, failure and notes."""
    manual = sum(r.max_points for r in results if r.status == "manual" and r.answer.strip())
    head = [f"<h1>{html.escape(title)}</h1>"]
    if warning:
        head.append(f"<p class='warn'><b>Warning:</b> {html.escape(warning)}</p>")
    share = 100 * earned / possible if possible else 0
    head.append(f"<p><b>Score: {earned:g} of {_points(possible)}</b> ({share:.0f}%)"
                + (f"; written answers worth {_points(manual)} are still to be marked by your teacher."
                   if manual else ".")
                + " Each question's verdict is under the cell where you answered it; the table at the end sums them"
                " up.</p>")
    if late and "days" in late:
        when = (f"Handed in {html.escape(late['submitted'])} ({html.escape(late.get('source', ''))}); due "
                f"{html.escape(late['due'])}" + (" (your extended date)" if late.get("extended") else ""))
        head.append(f"<p><b>Deadline:</b> {when}. " + (
            f"{late['days']} day(s) late: {html.escape(late.get('policy', ''))}, so {100 * late.get('share', 0):g}% "
            "of your points are taken off.</p>" if late["days"] else "On time.</p>"))
    if execution.failure:
        head.append("<p class='fail'><b>This notebook could not be run to the end:</b> "
                    f"{html.escape(execution.failure)}. "
                    "Answers saved in its answer boxes were still graded.</p>")
    for note in (list(notes or []) + list(execution.problems))[:20]:
        head.append(f"<p style='color:#9a6700'>Note: {html.escape(note)}</p>")
    return head


def _cell_html(cell: dict, by_question: dict, placed: set[str]) -> str:
    """One cell of the student's notebook, with the verdict of each question first answered in it."""
    source = _text(cell.get("source", ""), 20_000)
    if cell.get("cell_type") == "markdown":
        return f"<div class='md'>{render_markdown(source)}</div>"
    if cell.get("cell_type") != "code":
        return ""
    if "ex.summary(" in source:
        piece = (f"<pre>{html.escape(source)}</pre><p><i>(Your progress table is replaced by the grader's "
                 "score table at the end.)</i></p>")
    else:
        piece = f"<pre>{html.escape(source)}</pre>{_outputs_html(cell.get('outputs', []))}"
    for question in QUESTION_CALL.findall(source):
        if question in by_question and question not in placed:
            placed.add(question)
            piece += _verdict_html(by_question[question])
    return piece


def _report_body(execution, by_question: dict, placed: set[str], size: int) -> list[str]:
    """The notebook's cells, capped in number and size (a note says what was left out)."""
    body: list[str] = []
    executed = execution.executed if isinstance(execution.executed, dict) else {}
    cells = executed.get("cells", [])
    cells = cells if isinstance(cells, list) else []
    left = executed.get("cut", 0)
    left = left if isinstance(left, int) and left > 0 else 0
    for number, cell in enumerate(cells):
        if number >= MAX_CELLS or size > MAX_REPORT:
            left = len(cells) - number
            break
        piece = _cell_html(cell, by_question, placed) if isinstance(cell, dict) else ""
        size += len(piece)
        if piece:
            body.append(piece)
    if left:
        cut = (f"The rest of the notebook ({left} cells) is not shown: a report is limited to "
               f"{MAX_CELLS} cells and {MAX_REPORT // 1_000_000} MB. Every question is still graded below.")
        body.append(f"<p class='warn'>{html.escape(cut)}</p>")
    return body


def write_feedback_html(path: Path, submission, execution, results, earned: float, possible: float,
                        notes: list[str] | None = None, warning: str = "", late: dict | None = None) -> None:
    """One student's report: their notebook marked like a script, the score table at the end."""
    by_question = {r.question: r for r in results}
    placed: set[str] = set()
    title = f"Feedback — {submission.student} — set {submission.exercise_set.replace('_', ' ')}"
    head = _report_head(title, results, earned, possible, execution, notes, warning, late)
    body = _report_body(execution, by_question, placed, sum(map(len, head)))
    missing = [r for r in results if r.question not in placed]
    if missing:
        body.append("<h2>Questions not found in the notebook</h2>")
        body.extend(_verdict_html(r) for r in missing)
    body.append(_score_table(results, earned, possible, late))
    page = (f"<!doctype html><html lang='en'><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
            f"<title>{html.escape(title)}</title>{STYLE}<body>" + "\n".join(head + body) + "</body></html>")
    write_atomic(path, page)


# ---------------------------------------------------------------------------
# Gradebook, problems, class summary


def _question_columns(keys_by_set: dict[str, dict]) -> list[tuple[str, str]]:
    return [(name, q) for name, entries in sorted(keys_by_set.items())
            for q, _ in sorted(entries.items(), key=lambda item: item[1].get("order", 0))]


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    write_atomic(path, buffer.getvalue())


def write_problems(out: Path, problems: list[dict]) -> None:
    _write_csv(out / "problems.csv", ["file", "reason"], problems)


def write_gradebook(out: Path, rows: list[dict], keys_by_set: dict[str, dict], warning: str = "") -> None:
    """gradebook.csv (one row per student) and gradebook.json (everything).

    A written answer's cell is empty until the teacher fills in its points."""
    columns = _question_columns(keys_by_set)
    students = sorted({r["student"] for r in rows})
    sets = sorted(keys_by_set)
    late_sets = [s for s in sets if any(r.get("late") and r["exercise_set"] == s for r in rows)]
    header = (["student"] + [f"{s}:{q}" for s, q in columns] + [f"{s}:late_days" for s in late_sets]
              + [f"{s}:late_penalty" for s in late_sets] + [f"{s}:total" for s in sets]
              + ["total", "max", "percent", "status"])
    table = []
    for student in students:
        mine = {r["exercise_set"]: r for r in rows if r["student"] == student}
        line: dict[str, Any] = {"student": student}
        for name, question in columns:
            result = next((q for q in mine.get(name, {}).get("questions", []) if q["question"] == question), None)
            line[f"{name}:{question}"] = ("" if result and result.get("manual") and result.get("status") == "manual"
                                          else result["points"] if result else 0.0)
        for name in late_sets:  # the set's total is after the penalty
            late = mine.get(name, {}).get("late") or {}
            line[f"{name}:late_days"] = late.get("days", "")
            raw = mine[name].get("raw_points", mine[name]["points"]) if name in mine else 0.0
            line[f"{name}:late_penalty"] = (round(raw - mine[name]["points"], 4)
                                            if name in mine else "")
        total = possible = 0.0
        for name in sets:
            line[f"{name}:total"] = mine[name]["points"] if name in mine else 0.0
            total += line[f"{name}:total"]
            possible += sum(float(e.get("points", 1.0)) for e in keys_by_set[name].values())
        line.update(total=round(total, 4), max=possible, percent=round(100 * total / possible, 1) if possible else 0.0,
                    status="; ".join(f"{n}: {_status_text(mine[n])}" if n in mine else f"{n}: missing" for n in sets))
        table.append(line)
    _write_csv(out / "gradebook.csv", header, table)
    document = {"students": table, "submissions": rows}
    if warning:
        document["warning"] = warning
    write_atomic(out / "gradebook.json", json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def _status_text(row: dict) -> str:
    if row["status"] == "blank":
        return "blank (nothing answered)"
    pending = row.get("manual_points_pending") or 0
    to_mark = pending and row["status"] != "failed"
    return row["status"] + (f", {pending:g} points of written answers to mark" if to_mark else "")


SEVERAL_TRIES = 3  # "needed several tries": three or more checks of different answers


def _tries(rows: list[dict], name: str, question: str) -> dict:
    """Tries per question from the students' check histories (reported, never scored)."""
    counts = [r["attempts"][question]["tries"] for r in rows
              if r["exercise_set"] == name and question in (r.get("attempts") or {})]
    return {"students_with_history": len(counts),
            "mean_tries": round(sum(counts) / len(counts), 2) if counts else "",
            "share_several_tries": round(sum(c >= SEVERAL_TRIES for c in counts) / len(counts), 4) if counts else ""}


def _rank_by_tries(stats: list[dict]) -> None:
    """tries_rank 1 = the question the largest share of students needed several tries for."""
    ranked = sorted((s for s in stats if s["students_with_history"]),
                    key=lambda s: (-s["share_several_tries"], -s["mean_tries"], s["exercise_set"], s["question"]))
    for rank, s in enumerate(ranked, start=1):
        s["tries_rank"] = rank
    for s in stats:
        s.setdefault("tries_rank", "")


def write_class_summary(out: Path, rows: list[dict], keys_by_set: dict[str, dict]) -> None:
    """summary.csv (per-question means, verdict shares and tries) and summary.png.

    Blank submissions (nothing answered) are counted apart, not averaged in as 0%.
    Tries come from the check histories handed in with the answers (the side
    files): how many students have one, their mean number of tries, the share
    who needed SEVERAL_TRIES or more, and the questions ranked by that share."""
    answered_rows = [r for r in rows if r["status"] != "blank"]
    stats = []
    for name, question in _question_columns(keys_by_set):
        results = [q for r in answered_rows if r["exercise_set"] == name
                   for q in r["questions"] if q["question"] == question]
        count = len(results) or 1
        entry = keys_by_set[name][question]
        stats.append({
            "exercise_set": name, "question": question, "kind": entry.get("kind", ""),
            "max_points": float(entry.get("points", 1.0)), "submissions": len(results),
            "blank_submissions": sum(r["status"] == "blank" and r["exercise_set"] == name for r in rows),
            "mean_points": round(sum(q["points"] for q in results) / count, 4) if results else "",
            **{f"share_{s}": round(sum(q["status"] == s for q in results) / count, 4)
               for s in ("correct", "close", "wrong", "unanswered", "invalid", "manual")},
            **_tries(rows, name, question),
        })
    _rank_by_tries(stats)
    fields = ["exercise_set", "question", "kind", "max_points", "submissions", "blank_submissions", "mean_points",
              "share_correct", "share_close", "share_wrong", "share_unanswered", "share_invalid", "share_manual",
              "students_with_history", "mean_tries", "share_several_tries", "tries_rank"]
    _write_csv(out / "summary.csv", fields, stats)
    _summary_png(out / "summary.png", rows, stats)


def _summary_png(path: Path, rows: list[dict], stats: list[dict]) -> None:
    from matplotlib.ticker import MaxNLocator

    from scalecheck.ui.widgets import figure_png, new_figure

    graded = [r for r in rows if r["status"] != "blank"]
    blank = len(rows) - len(graded)
    auto = [s for s in stats if s["kind"] != "written"]
    height = max(4.0, 1.2 + 0.32 * len(auto))
    figure = new_figure(figsize=(11, height))
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    left.hist([r["percent"] for r in graded], bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001],
              color="tab:blue", edgecolor="white")
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_xlim(0, 100)
    left.set_xlabel("score (% of points)", fontsize=10)
    left.set_ylabel("submissions", fontsize=10)
    title = f"Scores of {len(graded)} submissions"
    if blank:
        title += f"\n(+{blank} blank: not answered, not counted)"
    left.set_title(title, loc="left", fontsize=11)
    labels, shares, colours = [], [], []
    for s in auto:
        labels.append(f"{s['exercise_set'][:2]} {s['question']}")
        if s["submissions"] and s["max_points"]:
            share = float(s["mean_points"]) / s["max_points"]
            shares.append(share)
            colours.append("tab:red" if share < 0.5 else "tab:green")
        else:
            shares.append(0.0)
            colours.append("lightgrey")
    positions = list(range(len(auto)))
    right.barh(positions, shares, color=colours)
    for position, s in zip(positions, auto):
        if not s["submissions"]:
            right.text(0.01, position, "not answered", va="center", fontsize=9, color="dimgrey")
    right.set_yticks(positions, labels, fontsize=9)
    right.invert_yaxis()
    right.set_xlim(0, 1)
    right.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0%}")
    right.set_xlabel("mean share of points (close counts as partial credit)", fontsize=10)
    right.set_title("Per question (red: most of the class missed it)", loc="left", fontsize=11)
    figure.tight_layout()
    png = figure_png(figure)
    tmp = path.with_suffix(".png.tmp")
    tmp.write_bytes(png)
    tmp.replace(path)
