"""The grader's hostile corpus: one submission per attack, numbered by the
classes of issue 12, plus honest work that must keep every point.

``build(folder, context)`` writes the class into ``folder``; ``context``
names the paths a probe should fail to reach. Every probe prints
``LEAK <what>`` for anything it manages (the word is assembled at run time,
so it appears in a report only when a probe succeeded).
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat

from scalecheck.exercise.vocabulary import QUESTION_CALL as CALL

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build as builder  # noqa: E402  (this module has a build() of its own)

SET = "01_orders_of_magnitude"
SOLUTION = ROOT / "solutions" / f"{SET}.ipynb"


def exercise() -> nbformat.NotebookNode:
    """The blank hand-out, generated from the solutions as `release` makes it (exercises/ in this working
    copy may hold a learner's answers)."""
    return nbformat.reads(builder.blank_exercise_text(SET), as_version=4)


def answer(notebook, name: str, value: str):
    for cell in notebook.cells:
        if cell.cell_type == "code" and re.search(rf"^{name} = \.\.\.$", cell.source, re.M):
            cell.source = re.sub(rf"^{name} = \.\.\.$", f"{name} = {value}", cell.source, flags=re.M)
            return notebook
    raise AssertionError(f"no placeholder {name} in {SET}.ipynb")


def _solution_cells() -> dict[str, str]:
    cells = {}
    for cell in nbformat.read(SOLUTION, as_version=4).cells:
        found = CALL.search(cell.source) if cell.cell_type == "code" and "ex.expect" not in cell.source else None
        if found:
            cells[found.group("q")] = "\n".join(line for line in cell.source.splitlines()
                                                if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    return cells


def right(notebook=None, questions: int = 2):
    """The first ``questions`` questions answered with the solution's own code
    (so the corpus follows the exercise set as it changes)."""
    notebook = notebook or exercise()
    solved = _solution_cells()
    done = 0
    for cell in notebook.cells:
        found = CALL.search(cell.source) if cell.cell_type == "code" else None
        if found and done < questions and found.group("q") in solved:
            cell.source = solved[found.group("q")]
            done += 1
    return notebook


def answered_questions(questions: int = 2) -> list[str]:
    return [CALL.search(c.source).group("q") for c in right().cells
            if c.cell_type == "code" and CALL.search(c.source) and "YOUR CODE HERE" not in c.source][:questions]


def empty() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook()


def after_setup(notebook, source: str):
    index = next(i for i, c in enumerate(notebook.cells) if "exercises.start" in c.source)
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return notebook


def at_end(notebook, source: str):
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    return notebook


def _bare_cell(kind: str, cell_id: str, source: str) -> dict:
    """A cell as a plain dict: nbformat's new_*_cell validates each one against the schema, which was 34 s of
    CPU for the 100,000-cell notebook alone."""
    cell = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def write(folder: Path, name: str | bytes, notebook, bom: bool = False) -> None:
    data = json.dumps(notebook, ensure_ascii=False).encode("utf-8")  # no validation: 100,000 cells must be quick
    path = os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else name.encode())
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write((b"\xef\xbb\xbf" if bom else b"") + data)


def probe_source(context: dict) -> str:
    """Try to reach everything the sandbox must hide; print LEAK for each success."""
    return "\n".join([
        "import glob, os, socket, sys",
        f"targets = {json.dumps(context['secret_files'])}",
        f"folders = {json.dumps(context['secret_folders'])}",
        "for path in targets:",
        "    try:",
        "        with open(path, 'rb') as handle:",
        "            handle.read(1)",
        "        print('LE' + 'AK read', path)",
        "    except OSError:",
        "        pass",
        "for folder in folders:",
        "    try:",
        "        if os.listdir(folder):",
        "            print('LE' + 'AK list', folder)",
        "    except OSError:",
        "        pass",
        "for base in ['/course', '/handin', '/home', '/tmp', '/root', '/proc/1/root/course']:",
        "    for pattern in ['/**/solutions', '/**/keys/*.json', '/**/.git', '/**/gradebook.csv', '/**/.cache']:",
        "        for hit in glob.glob(base + pattern, recursive=True)[:3]:",
        "            if not hit.startswith('/course/exercises/keys/'):",
        "                print('LE' + 'AK found', hit)",
        f"for address in [('127.0.0.1', {context['port']}), ('1.1.1.1', 53), ('8.8.8.8', 443)]:",
        "    try:",
        "        socket.create_connection(address, timeout=2).close()",
        "        print('LE' + 'AK net', address)",
        "    except OSError:",
        "        pass",
        "try:",
        "    socket.getaddrinfo('example.com', 80)",
        "    print('LE' + 'AK dns')",
        "except OSError:",
        "    pass",
        "pids = [p for p in os.listdir('/proc') if p.isdigit()]",
        "print('UID', os.getuid(), 'EUID', os.geteuid(), 'PIDS', len(pids))",
        "for pid in pids:",
        "    try:",
        "        cmd = open(f'/proc/{pid}/cmdline', 'rb').read()",
        "    except OSError:",
        "        continue",
        "    if b'pytest' in cmd or b'scalecheck.classroom.grading ' in cmd:",
        "        print('LE' + 'AK grader process visible', pid)",
        "try:",
        "    os.listdir(f'/proc/{os.getppid()}/root/work')",
        "except OSError:",
        "    pass",
        "else:",
        "    print('LE' + 'AK /work through /proc')",
    ])


def build(folder: Path, context: dict) -> dict[str, str]:
    """Write the corpus; returns student -> the attack class it stands for."""
    classes: dict[str, str] = {}

    # -- honest work ------------------------------------------------------
    solution = nbformat.read(SOLUTION, as_version=4)
    for cell in solution.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    write(folder, f"alice/{SET}.ipynb", solution)
    write(folder, f"bob_{SET}.ipynb", right())                      # two answers right
    write(folder, "carol_01.ipynb", exercise())                     # blank
    write(folder, "dora_01.ipynb", right(), bom=True)                # 7: a BOM is honest
    write(folder, b"Jos\xe9_01.ipynb", right())                       # 1/7: a Latin-1 zip name
    classes.update(alice="honest", bob="honest", carol="blank", dora="7 BOM", José="1 name")

    # -- 1. one submission aborts the class --------------------------------
    write(folder, "h1_display_01.ipynb", after_setup(right(), "\n".join([
        "import IPython.display",
        "_real = IPython.display.display",
        "def _fake(data, raw=False, **kwargs):",                       # the read-back becomes a JSON list
        "    if isinstance(data, dict):",
        "        data = {mime: str(text).split(':', 1)[0] + ':[1, 2, 3]' for mime, text in data.items()}",
        "    _real(data, raw=raw, **kwargs)",
        "IPython.display.display = _fake",
    ])))
    write(folder, "h1_json_01.ipynb", after_setup(right(), "import json\njson.dumps = lambda *a, **k: '[1, 2, 3]'"))
    bigint = right()
    first = next(c for c in bigint.cells if c.cell_type == "code" and CALL.search(c.source) and "YOUR CODE" not in c.source)
    first.source = re.sub(r"(ex\.number\(\s*['\"]\w+['\"],\s*)(.+)\)\s*$", r"\1 10 ** 5000)", first.source.rstrip())
    write(folder, "h1_bigint_01.ipynb", bigint)  # 7: one unreadable answer
    classes.update(h1_display="1", h1_json="1", h1_bigint="1/7")

    # -- 2. back to root: leftovers plant config for a later kernel ---------
    write(folder, "h2_plant_01.ipynb", after_setup(right(), "\n".join([
        "import os, subprocess, sys",
        "code = ('import os, time\\n'",
        "        'for _ in range(600):\\n'",
        "        '    for d in [\"/tmp/.ipython/profile_default/startup\", os.path.expanduser(\"~/.ipython/profile_default/startup\")]:\\n'",
        "        '        try:\\n'",
        "        '            os.makedirs(d, exist_ok=True); open(d + \"/00-evil.py\", \"w\").write(\"print(\\'LE\\' + \\'AK planted\\')\")\\n'",
        "        '        except OSError: pass\\n'",
        f"        '    for p in {json.dumps(context['out_files'])}:\\n'",
        "        '        try: open(p, \"a\").write(\"evil\")\\n'",
        "        '        except OSError: pass\\n'",
        "        '    time.sleep(0.1)\\n')",
        "subprocess.Popen([sys.executable, '-c', code], start_new_session=True,",
        "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)",
    ])))
    classes["h2_plant"] = "2"

    # -- 3. the key is reachable --------------------------------------------
    write(folder, "h3_probe_01.ipynb", after_setup(right(), probe_source(context)))
    os.symlink(SOLUTION, folder / "h3_link_01.ipynb")                # a link to the solutions
    classes.update(h3_probe="3", h3_link="3")

    # -- 4. students harm each other -----------------------------------------
    write(folder, "h4_killall_01.ipynb", after_setup(right(), "\n".join([
        "import os, signal, glob",
        "for path in glob.glob('/tmp/scg-*/**', recursive=True) + glob.glob('/home/*/*.answers.json'):",
        "    try:",
        "        open(path, 'w').write('{}')",
        "        print('LE' + 'AK wrote', path)",
        "    except OSError:",
        "        pass",
        "os.kill(-1, signal.SIGKILL)",                                 # every process it can reach
    ])))
    classes["h4_killall"] = "4"

    # -- 5. limits that leak ------------------------------------------------------
    write(folder, "h5_fork_01.ipynb", after_setup(right(), "\n".join([
        "import subprocess",
        "started = 0",
        "for _ in range(200):",
        "    try:",
        "        subprocess.Popen(['/usr/bin/sleep', '600'], start_new_session=True)",
        "        started += 1",
        "    except OSError:",
        "        break",
        "print('started', started)",
        "try:",
        "    with open('/tmp/big', 'wb') as handle:",
        "        for _ in range(1024):",
        "            handle.write(b'0' * 1024 * 1024)",
        "    print('LE' + 'AK 1 GiB written')",
        "except OSError as error:",
        "    print('refused', type(error).__name__)",
    ])))
    write(folder, "h5_updates_01.ipynb", after_setup(right(), "\n".join([
        "from IPython.display import display",
        "handle = display('start', display_id=True)",
        "for i in range(2000):",
        "    handle.update('y' * 100_000)",
    ])))
    markdown = right()
    markdown.cells = markdown.cells[:2] + [_bare_cell("markdown", f"m{number}", "# x\n" + "z" * 9_000)
                                           for number in range(1900)] + markdown.cells[2:]
    write(folder, "h5_markdown_01.ipynb", markdown)
    huge = exercise()
    huge.cells = [_bare_cell("code", f"h{number}", "") for number in range(100_000)]
    write(folder, "h5_cells_01.ipynb", huge)
    write(folder, "h5_readback_01.ipynb", after_setup(right(), "\n".join([
        "import IPython.display",
        "def flood(*args, **kwargs):",
        "    for _ in range(40):",
        "        get_ipython().display_pub.publish({'text/plain': 'x' * 4_000_000})",
        "IPython.display.display = flood",
    ])))
    classes.update(h5_fork="5", h5_updates="5", h5_markdown="5", h5_cells="5", h5_readback="5")

    # -- 6. report injection ----------------------------------------------------------
    injected = after_setup(right(), "\n".join([
        "from IPython.display import display",
        "display({'image/png': 'iVBORw0KGgo' + 'A' * 1200 + \"'><script>alert(1)</script>\",",
        "         'text/html': '<script>alert(2)</script>'}, raw=True)",
        "print('</pre><script>alert(3)</script>')",
    ]))
    injected.cells.insert(0, nbformat.v4.new_markdown_cell(
        "<script>alert(4)</script> [click](javascript:alert(5)) <img src=x onerror=alert(6)>"))
    write(folder, "h6_inject_01.ipynb", injected)
    for name in ('=HYPERLINK("evil.example")', "@SUM(1+1)", "+1+cmd|' calc'!A0"):
        write(folder, f"{name}_01.ipynb", empty())  # no cells: a quick kernel, a row in the gradebook
    classes.update(h6_inject="6")

    # -- 7. honest work lost ----------------------------------------------------------
    (folder / "x_01.ipynb").mkdir()
    write(folder, ".eve_01.ipynb", right())
    write(folder, "a\\b_01.ipynb", right())
    write(folder, "a_b_01.ipynb", empty())
    classes.update({"a\\b": "7 names", "a_b": "7 names"})
    (folder / "notes.txt").write_text("the teacher's notes")
    return classes
