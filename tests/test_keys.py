import math

import pytest

from scalecheck.exercise import keys
from scalecheck.exercise.checks import ChoiceSpec, FunctionSpec, NumberSpec, judge


def test_number_entry_round_trip():
    entry = keys.make_entry("q1", "number", expected=7.9e19, unit="FLOP/s", rel_tol=0.03,
                            mistakes=[(1.98e19, "BF16")], hint="h", points=2)
    spec = keys.spec_from_entry(entry)
    assert isinstance(spec, NumberSpec) and spec.expected == 7.9e19 and spec.mistakes == ((1.98e19, "BF16"),)
    assert judge("q1", 8e19, spec).passed


@pytest.mark.parametrize("kwargs, message", [
    (dict(kind="number", expected=float("nan"), unit="W"), "finite"),
    (dict(kind="number", expected="abc", unit="W"), "number"),
    (dict(kind="number", expected=1.0, unit="furlong"), "unknown unit"),
    (dict(kind="number", expected=1.0, judge="vibes"), "judge"),
    (dict(kind="choice", options=["a", "b"], expected="c"), "not among"),
    (dict(kind="function", cases=[]), "test cases"),
    (dict(kind="essay"), "kind"),
])
def test_bad_entries_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keys.make_entry("q", **kwargs)


def test_public_entry_hides_the_answer():
    number = keys.make_entry("q1_cluster", "number", expected=7.9e19, unit="FLOP/s",
                             mistakes=[(1.98e19, "BF16")], hint="secret hint")
    public = keys.public_entry("q1_cluster", number)
    assert "expected" not in public and "mistakes" not in public and "hint" not in public
    low, high = public["plausible"]
    assert low < 7.9e19 < high
    assert high / low >= 1e5  # a wide band, several orders of magnitude
    # bands are off-centre by a per-question amount, so the middle of a band
    # does not give the answer away: across questions it misses by up to 10x
    misses = [abs(math.log10(math.sqrt(lo * hi) / 7.9e19))
              for lo, hi in (keys._plausible_range(f"q{i}", 7.9e19) for i in range(40))]
    assert max(misses) >= 0.9 and len({round(m, 2) for m in misses}) >= 3
    choice = keys.public_entry("q3", keys.make_entry("q3", "choice", options=["a", "b"], expected="b"))
    assert choice == {"kind": "choice", "points": 1.0, "options": ["a", "b"]}
    function = keys.public_entry("q6", keys.make_entry("q6", "function", cases=[((1,), 2.0)], function_name="f"))
    assert "cases" not in function
    assert isinstance(keys.spec_from_entry(function, has_answers=False), FunctionSpec)


def test_public_specs_judge_without_answers():
    entry = keys.make_entry("q", "choice", options=["a", "b"], expected="b")
    spec = keys.spec_from_entry(keys.public_entry("q", entry), has_answers=False)
    assert isinstance(spec, ChoiceSpec) and spec.expected is None
    assert judge("q", "a", spec).status == "recorded"


def test_documents_are_stable_and_validated(tmp_path):
    entries = {"q1": keys.make_entry("q1", "number", expected=1.0)}
    text = keys.dumps(keys.key_document("set", entries))
    assert text == keys.dumps(keys.key_document("set", entries))
    path = tmp_path / "k.json"
    keys.write_atomic(path, text)
    assert keys.read_document(path)["questions"]["q1"]["expected"] == 1.0
    for broken in ("{", "[]", '{"format": 1, "questions": {"q": {"kind": "essay"}}}',
                   '{"format": 99, "questions": {}}'):
        path.write_text(broken)
        with pytest.raises(ValueError):
            keys.read_document(path)


def test_write_atomic_gives_ordinary_permissions(tmp_path):
    import os

    path = tmp_path / "out.json"
    keys.write_atomic(path, "{}")
    umask = os.umask(0)
    os.umask(umask)
    assert (path.stat().st_mode & 0o777) == 0o666 & ~umask
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_hints_are_stored_only_when_given_and_old_keys_load():
    old = keys.make_entry("q", "number", expected=1.0, hint="h")
    assert "hints" not in old  # keys written before hints existed stay byte-identical
    assert keys.spec_from_entry(old).hints == ()
    new = keys.make_entry("q", "number", expected=1.0, hint="h", hints=["h2", "h3"])
    assert new["hints"] == ["h2", "h3"] and keys.spec_from_entry(new).hints == ("h2", "h3")
    assert "hints" not in keys.public_entry("q", new) and "hint" not in keys.public_entry("q", new)
    assert keys.spec_from_entry({**old, "hints": "not a list"}).hints == ()


def test_written_entry_and_its_public_part():
    entry = keys.make_entry("q11", "written", points=2, rubric="R", model_answer="M", min_words=30)
    assert entry == {"kind": "written", "points": 2.0, "hint": "", "rubric": "R", "model_answer": "M", "min_words": 30}
    public = keys.public_entry("q11", entry)
    assert public == {"kind": "written", "points": 2.0, "min_words": 30}
    assert keys.spec_from_entry(entry).model_answer == "M"
    assert keys.spec_from_entry(public, has_answers=False).model_answer == ""
    assert keys.spec_from_entry(entry, has_answers=False).rubric == ""
    with pytest.raises(keys.KeyError_):
        keys.make_entry("q11", "written", rubric="R", min_words=-1)
