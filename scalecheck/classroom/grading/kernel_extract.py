"""Kernel side: the one cell the grader appends to read a submission's answers.

The grader never imports this file: ``runner.extraction_source`` sends its
source to the student's kernel as the last cell, followed by one call
(``_scalecheck_extract(set, cases, marker)``). It is still a plain module, so
linters read it and tests/test_grader_units.py imports and tests it. Its
names start with ``_scalecheck`` (or are constants) so that it shadows
nothing a student defined. Everything it sends
back is treated by the grader as untrusted (the student's code runs in the
same kernel and may have changed anything), validated answer by answer, and
judged in the grader's own process. So this code only has to be *honest
when left alone* and *small*: each answer is encoded on its own (one that
cannot be encoded becomes an error entry, the others survive) and the whole
payload is capped.
"""
import json
import numbers

MAX_TEXT = 10_000          # characters of a text (written answers are long)
MAX_DIGITS = 400           # an integer with more digits is sent as a float
MAX_PAYLOAD = 900_000      # characters of the whole reply


def _scalecheck_encode(value, depth=0):
    if value is None or value is Ellipsis:
        return {"t": "blank"}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, str):
        return {"t": "str", "v": value[:MAX_TEXT]}
    if isinstance(value, numbers.Integral):
        number = int(value)
        if number.bit_length() > 1300:  # str() of it would be slow or refused
            return {"t": "num", "v": "inf" if number > 0 else "-inf"}
        return {"t": "int", "v": str(number)[:MAX_DIGITS]}
    if isinstance(value, numbers.Real):
        return {"t": "num", "v": repr(float(value))}
    if getattr(value, "shape", None) == () and hasattr(value, "item") and depth < 2:
        return _scalecheck_encode(value.item(), depth + 1)
    try:
        size = len(value)
        size = size if isinstance(size, int) and 0 <= size < 10 ** 12 else None
    except Exception:
        size = None
    return {"t": "obj", "type": str(type(value).__name__)[:40], "len": size}


def _scalecheck_safe_encode(value):
    try:
        return _scalecheck_encode(value)
    except BaseException as error:  # a hostile __len__, __index__, __float__ ...
        return {"t": "error", "v": type(error).__name__[:60]}


def _scalecheck_extract(set_name, cases_json, marker):
    try:
        import scalecheck.exercise.exercises as exercises
        session = dict(exercises.ACTIVE).get(set_name)
    except BaseException:
        session = None
    cases = json.loads(cases_json)
    answers = {}
    try:
        given = dict(session.answers) if session is not None else {}
    except BaseException:
        given = {}
    for question, value in list(given.items())[:200]:
        question = str(question)[:100]
        if callable(value) and question in cases:
            outputs = []
            for args in cases[question]:
                try:
                    outputs.append(_scalecheck_safe_encode(value(*args)))
                except BaseException as error:
                    outputs.append({"t": "error", "v": (type(error).__name__ + ": " + str(error))[:200]})
            answers[question] = {"t": "func", "outputs": outputs}
        elif callable(value):
            answers[question] = {"t": "obj", "type": "function", "len": None}
        else:
            answers[question] = _scalecheck_safe_encode(value)
    text = json.dumps({"found": session is not None, "answers": answers})
    if len(text) > MAX_PAYLOAD:  # drop the longest answers until it fits
        for question in sorted(answers, key=lambda q: -len(json.dumps(answers[q]))):
            answers[question] = {"t": "error", "v": "too large to send"}
            text = json.dumps({"found": session is not None, "answers": answers})
            if len(text) <= MAX_PAYLOAD:
                break
    # Sent as display data, not printed: the kernel's cap on stdout may be spent
    from IPython.display import display

    display({"application/x-scalecheck-answers+json": marker + text}, raw=True)
