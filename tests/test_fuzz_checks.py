"""Property-based fuzzing: no input a learner can produce makes a check raise.

Bounded (max_examples) so it runs in the normal suite in a few seconds.
"""
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalecheck.exercise import exercises, keys
from scalecheck.exercise.answers import AnswerStore, saved_answers
from scalecheck.exercise.checks import STATUSES, ChoiceSpec, FunctionSpec, NumberSpec, WrittenSpec, judge, with_stage

scalars = st.one_of(
    st.none(), st.just(...), st.booleans(), st.integers(), st.integers(min_value=10 ** 300, max_value=10 ** 400),
    st.floats(allow_nan=True, allow_infinity=True), st.complex_numbers(), st.text(max_size=300),
    st.text(alphabet="0123456789.eE+-x^ ,_", max_size=30),
    st.sampled_from(["80 EFLOP/s", "1.14 TWh", "4 PF", "1e400", "-0", "nan", "inf", "10^", "5 x 10^-3 MW", "１２３"]),
)
numpy_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(np.float64),
    st.integers(min_value=-(2 ** 63), max_value=2 ** 63 - 1).map(np.int64),
    st.lists(st.floats(), max_size=4).map(np.array),
    st.floats().map(np.array),
)
containers = st.one_of(
    st.lists(scalars, max_size=3), st.tuples(scalars), st.dictionaries(st.text(max_size=3), scalars, max_size=2),
    st.lists(st.floats(), max_size=3).map(pd.Series), st.just(pd.DataFrame({"a": [1.0]})), st.builds(object),
)
anything = st.one_of(scalars, numpy_values, containers)

SPECS = [
    NumberSpec(unit="FLOP/s", expected=7.9e19, rel_tol=0.03, mistakes=((1.98e19, "m"),)),
    NumberSpec(unit="MWh", expected=1.14e6, judge="log", factor=1.5),
    NumberSpec(unit="", expected=0.0),
    NumberSpec(unit="yr", expected=-3.0, sign=-1),
    NumberSpec(unit="FLOP/s", expected=None, sign=1, plausible=(1e16, 1e22)),
    ChoiceSpec(options=("a", "B c"), expected="B c"),
    ChoiceSpec(options=("a", "b")),
    FunctionSpec(cases=(((2.0,), 4.0),)),
    NumberSpec(unit="MWh", expected=1.0, hint="g", hints=("h2", "h3")),
    WrittenSpec(min_words=5, rubric="r", model_answer="m"),
    WrittenSpec(),
]
EXAMPLES = 300


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=anything)
def test_no_check_raises(answer):
    for spec in SPECS:
        feedback = judge("q", answer, spec)
        assert feedback.status in STATUSES
        assert feedback.message and isinstance(feedback.text(), str) and isinstance(feedback.html(), str)
        for stage in (0, 1, 5):
            assert with_stage(feedback, spec, stage).status == feedback.status


@settings(max_examples=100, deadline=None)
@given(result=anything)
def test_no_function_result_raises(result):
    feedback = judge("q", lambda *args: result, FunctionSpec(cases=(((1,), 1.0),)))
    assert feedback.status in STATUSES


@settings(max_examples=EXAMPLES, deadline=None)
@given(text=st.one_of(st.text(max_size=200), st.sampled_from(["79 EFLOP/s", "nan", "-1e9", "1e999", "abc", ""])))
def test_widget_handler_never_raises(text, tmp_path_factory):
    """What a learner types into the answer box goes through the widget's own handler."""
    folder = tmp_path_factory.mktemp("fuzz")
    entry = {"order": 1, **keys.make_entry("q", "number", expected=7.9e19, unit="FLOP/s")}
    ex = exercises.ExerciseSet("fuzz", strict=False, store=AnswerStore(sidecar=folder / "a.json"))
    ex.authored["q"] = entry
    box = ex.number("q")
    box.value = text
    assert box.feedback.status in STATUSES
    assert box.feedback_html.value


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=12), children, max_size=4)),
    max_leaves=25,
)
model = st.fixed_dictionaries({"state": st.fixed_dictionaries({
    "_dom_classes": st.one_of(json_values, st.lists(st.sampled_from(
        ["scalecheck-q-q1", "scalecheck-q-q2", "scalecheck-t-1700000000000", "scalecheck-t-99999999999999999999",
         "scalecheck-t-abc", "scalecheck-t-", "other"]), max_size=4)),
    "value": json_values, "index": json_values, "_options_labels": json_values})})
notebooks = st.one_of(json_values, st.builds(
    lambda models: {"metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": models}}}},
    st.one_of(json_values, st.dictionaries(st.text(max_size=4), st.one_of(model, json_values), max_size=4))))
sidecars = st.one_of(json_values, st.builds(
    lambda a, t: {"answers": a, "times": t}, json_values,
    st.one_of(json_values, st.dictionaries(st.sampled_from(["q1", "q2"]), json_values))))


@settings(max_examples=EXAMPLES, deadline=None)
@given(notebook=notebooks, sidecar=sidecars)
def test_saved_answers_is_total(notebook, sidecar):
    """Any saved notebook or side file, however malformed: answers or a message, never an exception."""
    result = saved_answers(notebook, sidecar)
    assert isinstance(result.values, dict) and isinstance(result.conflicts, list)
    assert all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in result.values.values())
    assert all(isinstance(c, str) for c in result.conflicts)
