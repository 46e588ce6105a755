"""Per-student variants: numbers drawn from a secret, keys computed per student,
hand-outs that hold a student's numbers and nothing of the key or the secret."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from scalecheck.classroom import variants
from scalecheck.core.paths import full_key_dir, public_key_dir
from scalecheck.exercise import keys as keymod
from scalecheck.exercise import params

SECRET = "test-secret-of-this-course-0123456789"
VARIED_SETS = ("02_first_principles_cost", "03_training_run_cost")
STUDENTS = ("s1001", "s1002", "s1003")


def base_key(set_name: str) -> dict:
    return keymod.read_document(full_key_dir() / f"{set_name}.json")["questions"]


def varied_questions(set_name: str) -> list[str]:
    """Questions whose expected value is not the same for every student."""
    base = base_key(set_name)
    keys = [variants.student_key(set_name, s, SECRET, base) for s in STUDENTS]
    return [q for q, e in base.items() if any(k[q] != e for k in keys)]


# -- the learner's side: declaring and rewriting a parameters cell -------------

def test_vary_returns_the_defaults_and_checks_the_declaration():
    p = params.vary(mfu=(0.30, 0.25, 0.38, 0.01), years=(5, 3, 7, 1))
    assert (p.mfu, p["years"], dict(p)) == (0.30, 5, {"mfu": 0.30, "years": 5})
    assert p.specs["mfu"].grid()[:3] == [0.25, 0.26, 0.27] and p.specs["years"].grid() == [3, 4, 5, 6, 7]
    for bad in ((0.3, 0.25, 0.38), (0.305, 0.25, 0.38, 0.01), (1, 5, 3, 1), (1, 0, 2, 0), ("1", 0, 2, 1),
                (0.3, 0.25, 0.38, 0.007), (float("nan"), 0, 1, 1)):
        with pytest.raises(params.ParamsError):
            params.vary(x=bad)
    with pytest.raises(AttributeError, match="no parameter 'nope'.*mfu"):
        p.nope  # noqa: B018 (the attribute read is what raises)
    with pytest.raises(AttributeError):
        p.mfu = 0.5


def test_given_source_replaces_only_the_declaration():
    source = ("from scalecheck.exercise import params\n\nP = params.vary(\n    a=(5, 2, 15, 1),  # minutes\n"
              "    b=(0.078, 0.05, 0.12, 0.001),\n)\nP")
    cell = params.read_cell(source)
    assert (cell.variable, list(cell.specs)) == ("P", ["a", "b"])
    rewritten = params.given_source(source, {"a": 9, "b": 0.104})
    assert rewritten.startswith("from scalecheck.exercise import params\n") and rewritten.endswith("\nP")
    assert "P = params.given(a=9, b=0.104)" in rewritten and "vary" not in rewritten
    namespace: dict = {}
    exec(rewritten[: -len("\nP")], namespace)
    assert dict(namespace["P"]) == {"a": 9, "b": 0.104}
    with pytest.raises(params.ParamsError):
        params.given_source(source, {"a": 9})
    for bad in ("P = params.vary(a=(1, 0, 2, 1 + x))", "x = 1", "P = params.vary((1, 0, 2, 1))",
                "P = params.vary(a=(1, 0, 2, 1)"):
        with pytest.raises(params.ParamsError):
            params.read_cell(bad)


# -- the teacher's side: numbers per student -----------------------------------

def test_numbers_are_deterministic_per_student_and_differ_across_students():
    for set_name in VARIED_SETS:
        specs = variants.declared(set_name)
        assert specs, f"{set_name} declares no varied numbers"
        students = [f"s{n}" for n in range(2000, 2012)]
        drawn = [variants.student_params(set_name, s, SECRET) for s in students]
        assert drawn == [variants.student_params(set_name, s, SECRET) for s in students]
        # a grid of a few dozen combinations: most students differ, some may share numbers
        assert len({json.dumps(d, sort_keys=True) for d in drawn}) >= len(students) // 2
        for values in drawn:
            assert set(values) == set(specs)
            for name, value in values.items():
                spec = specs[name]
                assert value != spec.default and value in spec.grid()
        other = [variants.student_params(set_name, s, SECRET + "x") for s in students]
        assert other != drawn  # another secret, other numbers


def test_a_set_without_parameters_is_the_same_for_everyone():
    base = base_key("01_orders_of_magnitude")
    assert variants.student_params("01_orders_of_magnitude", "s1001", SECRET) == {}
    assert variants.student_key("01_orders_of_magnitude", "s1001", SECRET, base) == base


def test_bad_secret_student_or_set_is_a_clear_error(tmp_path):
    with pytest.raises(variants.VariantError, match="at least 16"):
        variants.student_params(VARIED_SETS[0], "s1", "short")
    with pytest.raises(variants.VariantError, match="student id"):
        variants.student_params(VARIED_SETS[0], "  ", SECRET)
    with pytest.raises(variants.VariantError, match="not an exercise set"):
        variants.student_params("../etc", "s1", SECRET)
    (tmp_path / "short.txt").write_text("abc\n")
    (tmp_path / "binary.txt").write_bytes(b"\xff" * 40)
    (tmp_path / "good.txt").write_text(f"  {SECRET}\n")
    for name, message in (("short.txt", "at least 16"), ("binary.txt", "UTF-8"), ("missing.txt", "could not be read")):
        with pytest.raises(variants.VariantError, match=message):
            variants.read_secret(tmp_path / name)
    assert variants.read_secret(tmp_path / "good.txt") == SECRET


# -- the teacher's side: keys per student --------------------------------------

@pytest.mark.parametrize("set_name", VARIED_SETS)
def test_default_numbers_give_the_committed_key(set_name):
    """The key program run in-process agrees with the key the build made by running the notebook."""
    defaults = {name: spec.default for name, spec in variants.declared(set_name).items()}
    assert variants.key_entries(set_name, defaults) == base_key(set_name)


@pytest.mark.parametrize("set_name", VARIED_SETS)
def test_student_keys_vary_only_the_varied_questions(set_name):
    base = base_key(set_name)
    varied = varied_questions(set_name)
    assert 2 <= len(varied) <= 3, varied
    document = keymod.read_document(full_key_dir() / f"{set_name}.json")
    for student in STUDENTS:
        key = variants.student_key(set_name, student, SECRET, base)
        assert set(key) == set(base)
        for question, entry in key.items():
            if question in varied:
                assert entry["expected"] != base[question]["expected"]
            else:
                assert entry == base[question]
        as_document = variants.student_key(set_name, student, SECRET, document)
        assert as_document["questions"] == key and as_document["format"] == document["format"]


@pytest.mark.parametrize("set_name", VARIED_SETS)
def test_every_variant_stays_inside_the_public_sanity_range(set_name):
    """A learner's immediate check (public key only) accepts every variant's right answer."""
    public = keymod.read_document(public_key_dir() / f"{set_name}.json")["questions"]
    specs = variants.declared(set_name)
    corners = [{name: (spec.low if pick else spec.high) for name, spec in specs.items()} for pick in (True, False)]
    corners += [{name: (spec.low if i == j else spec.high) for j, (name, spec) in enumerate(specs.items())}
                for i in range(len(specs))]
    for values in corners:
        entries = variants.key_entries(set_name, values)
        for question, entry in entries.items():
            if entry["kind"] != "number":
                continue
            low, high = public[question]["plausible"]
            assert low <= abs(entry["expected"]) <= high, (question, values, entry["expected"], (low, high))
            assert math.copysign(1, entry["expected"]) == (public[question]["sign"] or 1)


# -- proof: each student's solution passes that student's key, and only that one --

ROOT = Path(__file__).resolve().parent.parent


def _run_solution_for(set_name: str, values: dict, key_dir: Path, monkeypatch) -> dict:
    """Run the solutions notebook, strict, with the student's numbers and key; return the answers
    as the grader's read-back cell sends them."""
    import nbformat
    from nbclient import NotebookClient

    from scalecheck.classroom.grading.runner import ANSWERS_MIME, extraction_source
    from scalecheck.exercise import params as paramsmod

    notebook = nbformat.read(ROOT / "solutions" / f"{set_name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if paramsmod.PARAMETERS_TAG in cell.metadata.get("tags", []):
            cell.source = paramsmod.given_source(cell.source, values)
    cases = {q: [list(args) for args, _ in e.get("cases", [])]
             for q, e in base_key(set_name).items() if e["kind"] == "function"}
    notebook.cells.append(nbformat.v4.new_code_cell(extraction_source(set_name, cases, "MARK:")))
    monkeypatch.setenv("SCALECHECK_KEY_DIR", str(key_dir))
    monkeypatch.setenv("SCALECHECK_STRICT", "1")  # a solution that fails its (per-student) check raises
    monkeypatch.delenv("SCALECHECK_KEY_OUT", raising=False)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "solutions")}}).execute()
    for output in notebook.cells[-1].outputs:
        text = output.get("data", {}).get(ANSWERS_MIME, "")
        if text.startswith("MARK:"):
            return json.loads(text[len("MARK:"):])["answers"]
    raise AssertionError("the answers were not read back")


@pytest.mark.parametrize("set_name", VARIED_SETS)
def test_each_students_solution_passes_its_own_key_and_fails_anothers(set_name, tmp_path, monkeypatch):
    from scalecheck.classroom.grading import scoring

    base = base_key(set_name)
    varied = varied_questions(set_name)
    keys = {s: variants.student_key(set_name, s, SECRET, base) for s in STUDENTS}
    answers = {}
    for student in STUDENTS:
        key_dir = tmp_path / student
        keymod.write_atomic(key_dir / f"{set_name}.json", keymod.dumps(keymod.key_document(set_name, keys[student])))
        # strict mode also fails if the notebook's own expect() differs from the per-student key on disk
        answers[student] = _run_solution_for(set_name, variants.student_params(set_name, student, SECRET),
                                             key_dir, monkeypatch)
    compared = 0
    for student in STUDENTS:
        own = {r.question: r.status for r in scoring.score(answers[student], {}, keys[student], 0.5)}
        assert all(status in ("correct", "manual") for status in own.values()), own
        for other in STUDENTS:
            if other != student:
                theirs = {r.question: r.status for r in scoring.score(answers[student], {}, keys[other], 0.5)}
                # a small grid may give two students the same number for one question: only the
                # questions whose numbers differ must fail
                differ = [q for q in varied if abs(keys[student][q]["expected"] - keys[other][q]["expected"])
                          > 1.5 * keys[other][q]["rel_tol"] * abs(keys[other][q]["expected"])]
                compared += bool(differ)
                assert all(theirs[q] != "correct" for q in differ), (student, other, theirs)
                assert all(theirs[q] == own[q] for q in theirs if q not in varied)
        default = {r.question: r.status for r in scoring.score(answers[student], {}, base, 0.5)}
        assert all(default[q] != "correct" for q in varied)  # the public solution's numbers are not theirs
    assert compared >= len(STUDENTS)  # most pairs of students differ in a varied answer


# -- the class release: one hand-out per student ------------------------------

@pytest.fixture(scope="module")
def class_release(tmp_path_factory):
    from scalecheck.classroom import release

    folder = tmp_path_factory.mktemp("class")
    roster = folder / "roster.csv"
    roster.write_text("student_id,name,email\ns1001,Ada One,ada@uni.example\ns1002,Bo Two,bo@uni.example\n"
                      "=HYPERLINK(1),Eve Formula,eve@uni.example\n", encoding="utf-8")
    secret = folder / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    out = folder / "handouts"
    notes: list[str] = []
    release.build_class_release(["03"], out, roster, secret, notes=notes)
    return {"out": out, "roster": roster, "secret": secret, "notes": notes}


def test_class_release_gives_each_student_their_own_numbers(class_release):
    import csv

    import nbformat

    out = class_release["out"]
    with open(out / "students.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["student_id"] for r in rows] == ["s1001", "s1002", "'=HYPERLINK(1)"]  # a formula stays text
    folders = [r["folder"] for r in rows]
    assert folders[:2] == ["s1001", "s1002"] and "/" not in folders[2] and folders[2].startswith("_HYPERLINK")
    set_name = "03_training_run_cost"
    for student, folder in zip(["s1001", "s1002", "=HYPERLINK(1)"], folders):
        notebook = nbformat.read(out / folder / "exercises" / f"{set_name}.ipynb", as_version=4)
        cell = next(c for c in notebook.cells if params.PARAMETERS_TAG in c.metadata.get("tags", []))
        namespace: dict = {}
        exec(cell.source, namespace)
        assert dict(namespace["P"]) == variants.student_params(set_name, student, SECRET)
        assert "params.given(" in cell.source and "vary(" not in cell.source
        assert "numbers drawn for you" in (out / folder / "README.md").read_text(encoding="utf-8")


def test_class_release_reveals_neither_the_secret_nor_a_key(class_release):
    out = class_release["out"]
    set_name = "03_training_run_cost"
    base = base_key(set_name)
    varied = varied_questions(set_name)
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        assert not (folder / "solutions").exists() and not (folder / "scalecheck" / "classroom").exists()
        assert not (folder / "students.csv").exists()
        student = folder.name
        if student not in ("s1001", "s1002"):
            continue
        key = variants.student_key(set_name, student, SECRET, base)
        secrets_and_answers = [SECRET.encode()] + [repr(key[q]["expected"]).encode() for q in varied] + [
            f"{key[q]['expected']:.4g}".encode() for q in varied]
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert not any(s in data for s in secrets_and_answers), path
        public = json.loads((folder / "exercises" / "keys" / f"{set_name}.json").read_text())
        assert all("expected" not in e and "hints" not in e for e in public["questions"].values())


def test_release_options_are_checked(class_release, tmp_path, capsys):
    from scalecheck.classroom import release

    with pytest.raises(SystemExit) as stop:
        release.main(["03", "--out", str(tmp_path / "a"), "--roster", str(class_release["roster"])])
    assert stop.value.code == 2 and "go together" in capsys.readouterr().err
    short = tmp_path / "short.txt"
    short.write_text("abc")
    assert release.main(["03", "--out", str(tmp_path / "b"), "--roster", str(class_release["roster"]),
                         "--variant-secret-file", str(short)]) == 2
    assert "at least 16" in capsys.readouterr().err
    bad_roster = tmp_path / "roster.csv"
    bad_roster.write_text("who,what\n1,2\n")
    assert release.main(["03", "--out", str(tmp_path / "c"), "--roster", str(bad_roster),
                         "--variant-secret-file", str(class_release["secret"])]) == 2
    assert "missing column" in capsys.readouterr().err
    assert not any((tmp_path / name).exists() for name in "abc")


@pytest.mark.parametrize("set_name", VARIED_SETS)
def test_the_public_answer_is_never_right_for_a_variant(set_name):
    """Each parameter moved alone over its whole grid: the default's answer never passes a variant's key."""
    from scalecheck.classroom.grading import scoring

    base = base_key(set_name)
    specs = variants.declared(set_name)
    defaults = {name: spec.default for name, spec in specs.items()}
    public_answers = {q: {"t": "num", "v": repr(e["expected"])} for q, e in base.items() if e["kind"] == "number"}
    checked = 0
    for name, spec in specs.items():
        for value in spec.grid():
            if value == spec.default:
                continue
            key = variants.key_entries(set_name, {**defaults, name: value})
            moved = [q for q in public_answers if key[q]["expected"] != base[q]["expected"]]
            assert moved, (name, value)
            results = {r.question: r.status for r in scoring.score(public_answers, {}, key, 0.5)}
            assert all(results[q] != "correct" for q in moved), (name, value, results)
            checked += 1
    assert checked >= 8
