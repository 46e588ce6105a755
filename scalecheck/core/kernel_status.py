"""The running kernel's "busy" status around widget messages (issue 16: explorers in the browser).

When a learner moves a slider or types an answer, JupyterLab sends the kernel a ``comm_msg``. Before
handling any request, ipykernel publishes ``status: busy``, and after it ``status: idle``. The page
handles the messages in turn, and its handling of the busy one (the kernel's status shown in the page
changes, then changes back) came first: in Chromium the widget's update was handled about 10 ms later,
and painted about 10 ms later again, than without it. Measured with ``tools/latency_probe.py``
(variants with and without the busy status, 20 presses each, taken in turn on one JupyterLab 4.6 on a
2-core machine; docs/benchmarks.md has both runs), key press to painted, median / p95 ms, busy ->
without:

- an HTML readout set by the kernel: 45 / 83 -> 27 / 33;
- a readout and a 20 kB image (what an explorer sends): 79 / 123 -> 50 / 60;
- lesson 07's data-wall explorer: 81 / 105 -> 57 / 70.

:func:`quiet_busy_for_widget_messages` stops that one status message for comm messages only. The
"idle" that ends each one still goes out: ipywidgets counts it to pace a slider's updates, and it
leaves JupyterLab's indicator where it was (idle). A cell's execution, and every other request,
publishes both as before.
"""

from __future__ import annotations

import inspect
from typing import Any

QUIET_MESSAGE_TYPES = frozenset({"comm_msg"})
#: False leaves every kernel as ipykernel made it (tools/latency_probe.py's "busy" variants set it, to
#: compare the two in one JupyterLab).
QUIET_BUSY = True
_MARK = "_scalecheck_quiet_busy"


def _message_type(message: Any) -> str:
    header = message.get("header") if isinstance(message, dict) else None
    return header.get("msg_type", "") if isinstance(header, dict) else ""


def quiet_busy_for_widget_messages(kernel: Any = None) -> bool:
    """Make ``kernel`` (default: the running IPython kernel) skip the "busy" status for comm messages.

    Returns True if the kernel is now quiet in this way (also when it already was), False if there is
    no kernel (plain Python, a terminal) or if its status method is not the ipykernel one this wraps
    (``_publish_status(status, channel, parent=None)`` beside ``get_parent(channel)``): then nothing
    changes, and widgets work as they always did, only with the busy status.
    """
    if not QUIET_BUSY:
        return False
    if kernel is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        kernel = getattr(get_ipython(), "kernel", None)
    publish = getattr(kernel, "_publish_status", None)
    get_parent = getattr(kernel, "get_parent", None)
    if not callable(publish) or not callable(get_parent):
        return False
    if getattr(publish, _MARK, False):
        return True
    try:
        parameters = list(inspect.signature(publish).parameters)
    except (TypeError, ValueError):
        return False
    if parameters[:3] != ["status", "channel", "parent"]:
        return False

    def publish_status(status, channel, parent=None):
        if status == "busy":
            source = parent if parent is not None else get_parent(channel)
            if _message_type(source) in QUIET_MESSAGE_TYPES:
                return None
        return publish(status, channel, parent)

    setattr(publish_status, _MARK, True)
    kernel._publish_status = publish_status
    return True
