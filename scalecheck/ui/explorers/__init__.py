"""The lessons' interactive explorers, one module per lesson (``lesson07`` ...).

A lesson cell stays one or two lines::

    from scalecheck.ui.explorers import lesson07
    lesson07.data_wall()

Each module keeps its update functions pure and importable, so pytest tests
them directly, and lists its zero-argument builders in ``EXPLORERS`` (name ->
callable returning a ready :class:`~scalecheck.ui.widgets.Explorer`). The
benchmark and the browser tests find every explorer through
:func:`all_explorers` instead of searching notebooks. Lesson 01's explorer is
deliberately left written out in its notebook, as the worked example of how
one is built.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable


def lesson_modules() -> list[str]:
    """Names of the explorer modules, e.g. ['lesson02', 'lesson03', ...]."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("lesson"))


def all_explorers() -> dict[str, Callable]:
    """Every explorer of the course as 'lesson07.data_wall' -> zero-argument builder."""
    found: dict[str, Callable] = {}
    for name in lesson_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        for explorer_name, builder in getattr(module, "EXPLORERS", {}).items():
            found[f"{name}.{explorer_name}"] = builder
    return found
