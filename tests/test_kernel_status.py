"""The kernel publishes no "busy" status for a widget's message, and everything else as before.

Units on a stand-in kernel with ipykernel's method names, then a real ipykernel: a slider of a
course explorer is moved the way JupyterLab moves it (a comm_msg on the shell channel), and the
messages the kernel publishes for it are read back.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from scalecheck.core.kernel_status import quiet_busy_for_widget_messages

ROOT = Path(__file__).resolve().parent.parent


class StandInKernel:
    """ipykernel's two methods this wraps, recording what would be published."""

    def __init__(self):
        self.published: list[tuple[str, str]] = []
        self.parents = {"shell": {"header": {"msg_type": "execute_request"}}}

    def get_parent(self, channel=None):
        return self.parents.get(channel or "shell", {})

    def _publish_status(self, status, channel, parent=None):
        source = parent if parent is not None else self.get_parent(channel)
        self.published.append((status, source.get("header", {}).get("msg_type", "")))


def _message(kind: str) -> dict:
    return {"header": {"msg_type": kind}}


def test_busy_is_skipped_for_comm_messages_only():
    kernel = StandInKernel()
    assert quiet_busy_for_widget_messages(kernel) is True
    for kind in ("comm_msg", "execute_request", "comm_open", "kernel_info_request"):
        kernel._publish_status("busy", "shell", _message(kind))
        kernel._publish_status("idle", "shell", _message(kind))
    assert kernel.published == [
        ("idle", "comm_msg"),
        ("busy", "execute_request"), ("idle", "execute_request"),
        ("busy", "comm_open"), ("idle", "comm_open"),
        ("busy", "kernel_info_request"), ("idle", "kernel_info_request"),
    ]


def test_the_parent_comes_from_the_channel_when_not_given():
    kernel = StandInKernel()
    quiet_busy_for_widget_messages(kernel)
    kernel.parents["shell"] = _message("comm_msg")
    kernel._publish_status("busy", "shell")
    kernel.parents["shell"] = _message("execute_request")
    kernel._publish_status("busy", "shell")
    assert kernel.published == [("busy", "execute_request")]


def test_applying_twice_wraps_once():
    kernel = StandInKernel()
    quiet_busy_for_widget_messages(kernel)
    first = kernel._publish_status
    assert quiet_busy_for_widget_messages(kernel) is True
    assert kernel._publish_status is first


@pytest.mark.parametrize("kernel", [None, object(), pytest.param("other signature", id="other-signature")])
def test_anything_else_is_left_alone(kernel, monkeypatch):
    if kernel == "other signature":
        kernel = StandInKernel()
        kernel._publish_status = lambda state, where, parent=None: None  # not ipykernel's names
    before = getattr(kernel, "_publish_status", None)
    # in pytest there is no IPython kernel: None finds nothing to change either
    assert quiet_busy_for_widget_messages(kernel) is False
    assert getattr(kernel, "_publish_status", None) is before


def test_switched_off_it_changes_nothing(monkeypatch):
    from scalecheck.core import kernel_status

    monkeypatch.setattr(kernel_status, "QUIET_BUSY", False)
    kernel = StandInKernel()
    assert quiet_busy_for_widget_messages(kernel) is False
    kernel._publish_status("busy", "shell", _message("comm_msg"))
    assert kernel.published == [("busy", "comm_msg")]


def test_explorers_and_answer_boxes_ask_for_it(monkeypatch):
    from scalecheck.exercise import exercises
    from scalecheck.ui import widgets as course_widgets
    from scalecheck.ui.explorers import all_explorers

    calls = []
    monkeypatch.setattr(course_widgets, "quiet_busy_for_widget_messages", lambda: calls.append("explorer"))
    monkeypatch.setattr(exercises, "quiet_busy_for_widget_messages", lambda: calls.append("answer box"))
    explorer = all_explorers()["lesson02.battery"]()
    box = exercises.start("99_test", strict=False).number("q1", 8e19)
    try:
        assert calls == ["explorer", "answer box"]
    finally:  # widgets with the exercise's stable ids must not outlive the test (test_exercises makes them again)
        box.close()
        explorer.close()


def _messages_for(client, msg_id: str, timeout_s: float = 30.0) -> list[dict]:
    """IOPub messages whose parent is `msg_id`, up to its idle status."""
    found, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        message = client.get_iopub_msg(timeout=deadline - time.monotonic())
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        found.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return found
    raise AssertionError(f"no idle status for {msg_id} within {timeout_s} s; got {found}")


def test_a_real_kernel_moves_a_slider_without_a_busy_status():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(ROOT))
    try:
        setup = client.execute(
            "from scalecheck.ui.explorers import all_explorers\n"
            "explorer = all_explorers()['lesson02.battery']()\n"
            "slider = next(iter(explorer.controls.values()))\n"
            "before = explorer.readout.value\n"
            "target = slider.value + slider.step if slider.value + slider.step <= slider.max else slider.min\n"
            "print(slider.model_id, target)"
        )
        setup_messages = _messages_for(client, setup)
        states = [m["content"]["execution_state"] for m in setup_messages if m["msg_type"] == "status"]
        assert states == ["busy", "idle"], "a cell's execution keeps both statuses"
        printed = "".join(m["content"]["text"] for m in setup_messages if m["msg_type"] == "stream")
        assert printed, setup_messages
        model_id, target = printed.split()

        move = client.session.msg("comm_msg", {"comm_id": model_id, "data": {
            "method": "update", "state": {"value": json.loads(target)}, "buffer_paths": []}})
        client.shell_channel.send(move)
        moved = _messages_for(client, move["header"]["msg_id"])
        states = [m["content"]["execution_state"] for m in moved if m["msg_type"] == "status"]
        assert states == ["idle"]
        updates = [m for m in moved if m["msg_type"] == "comm_msg" and m["content"]["data"]["method"] == "update"]
        assert updates, "the explorer still answers the move"

        check = client.execute("print(explorer.readout.value != before, slider.value == target)")
        printed = "".join(m["content"]["text"] for m in _messages_for(client, check) if m["msg_type"] == "stream")
        assert printed.split() == ["True", "True"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

