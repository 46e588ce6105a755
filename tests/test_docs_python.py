"""The "Python you need" page: every example runs, top to bottom, and prints what it says."""
import contextlib
import io
import re
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "python_for_this_course.md"


def _run(code: str, namespace: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(PAGE), "exec"), namespace)
    return out.getvalue()


def test_every_example_runs_and_prints_what_its_comment_says():
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 9
    namespace: dict = {}
    checked = 0
    for block in blocks:
        assert 2 <= len([line for line in block.splitlines() if line.strip()]) <= 9
        _run(block, namespace)
        for line in block.splitlines():
            match = re.match(r"^(print\(.*\))\s+# (.*)$", line)
            if match and not match.group(2).startswith(("about", "the two")):
                shown = _run(match.group(1), namespace).strip()  # the same print, once more
                assert shown == match.group(2).strip(), (line, shown)
                checked += 1
    assert checked >= 10
