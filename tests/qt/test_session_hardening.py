"""The window's session and undo/redo surface under bad input: what the user sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import Qt

from gradviz.core import limits
from gradviz.qt.main_window import MainWindow
from gradviz.resources import resource_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    return w


def _session(*actions: dict) -> str:
    return json.dumps({"format": "gradviz-session", "version": 1, "actions": list(actions)})


X = {"kind": "create", "target": "x", "op": "ones", "args": {"size": "2"}, "options": {}}
BAD = {
    "list target": _session(X, {"kind": "apply", "target": ["x"], "op": "add_",
                                "args": {"a": "x", "b": "1"}}),
    "device 1": _session({**X, "options": {"device": 1}}),
    "nested": '{"format": "gradviz-session", "version": 1, "actions": ' + "[" * 100_000 + "}",
    "long int": '{"format": "gradviz-session", "version": ' + "1" * 5000 + ', "actions": []}',
}  # fmt: skip


@pytest.mark.parametrize("content", BAD.values(), ids=BAD.keys())
def test_file_open_shows_why_a_bad_session_was_refused(qtbot, window, tmp_path, content):
    ws = window.model.workspace
    ws.create("keep", "ones", {"size": "2"})
    ws.apply("mul", "twice", {"a": "keep", "b": "2"})
    ws.undo()
    title = window.windowTitle()
    path = tmp_path / "bad.gradviz"
    path.write_text(content, encoding="utf-8")
    assert not window.open_session(path)
    message = window.statusBar().currentMessage()
    assert message.startswith("Could not open: bad.gradviz")
    assert ws.names() == ["keep"] and ws.can_redo
    # the window's undo/redo state is the workspace's
    assert window.act_undo.isEnabled() == ws.can_undo
    assert window.act_redo.isEnabled() == ws.can_redo
    assert window.windowTitle() == title


def test_redo_stays_enabled_after_undoing_several_actions(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"})
    ws.apply("mul", "y", {"a": "x", "b": "2"})
    ws.apply("mul", "z", {"a": "y", "b": "3"})
    for _ in range(2):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ws.names() == ["x"]
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_Z, redo)
    assert ws.names() == ["x", "y"]
    assert window.act_redo.isEnabled()  # one more to redo
    assert window.statusBar().currentMessage() == "redid: y = x * 2"
    qtbot.keyClick(window, Qt.Key.Key_Z, redo)
    assert torch.equal(ws["z"], torch.full((2,), 6.0))
    assert not window.act_redo.isEnabled()
    assert window.statusBar().currentMessage() == "redid: z = y * 3"


def test_a_failed_redo_keeps_redo_enabled_and_says_why(qtbot, window):
    ws = window.model.workspace
    ws.create("a", "arange", {"end": "500"})
    ws.undo()
    old = limits.max_elements()
    limits.set_max_elements(100)
    try:
        window.redo()
    finally:
        limits.set_max_elements(old)
    assert "size limit of 100 elements" in window.statusBar().currentMessage()
    assert ws.names() == [] and window.act_redo.isEnabled()
    window.redo()  # the undone action is still there to redo
    assert (
        ws.names() == ["a"]
        and window.statusBar().currentMessage() == "redid: a = torch.arange(500)"
    )


def test_the_size_limit_setting_is_remembered_and_used(qtbot, window):
    old = limits.max_elements()
    try:
        window.set_size_limit(1234)
        assert limits.max_elements() == 1234
        limits.set_max_elements(old)
        second = MainWindow()  # reads the setting at start
        qtbot.addWidget(second)
        assert limits.max_elements() == 1234
        second.model.workspace.create("a", "arange", {"end": "1234"})
        with pytest.raises(Exception, match="size limit of 1,234 elements"):
            second.model.workspace.create("b", "arange", {"end": "1235"})
    finally:
        limits.set_max_elements(old)


def test_the_example_is_read_only_and_the_title_says_so(qtbot, window, tmp_path, monkeypatch):
    example = resource_path("examples", "chain_rule.gradviz")
    original = example.read_text()
    assert window.open_example()
    assert window.windowTitle() == "chain_rule.gradviz (example, read-only) — gradviz"
    asked = []

    def save_dialog(parent, caption, suggested, _filter):
        asked.append((caption, suggested))
        return str(tmp_path / "mine.gradviz"), ""

    monkeypatch.setattr("gradviz.qt.main_window.QFileDialog.getSaveFileName", save_dialog)
    window.model.workspace.apply("mul", "w", {"a": "x", "b": "3"})
    assert window.windowTitle().endswith("(example, read-only) • — gradviz")
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 1 and "example" in asked[0][0] and "read-only" in asked[0][0]
    assert asked[0][1].endswith("chain_rule.gradviz")
    assert window.windowTitle() == "mine.gradviz — gradviz"
    assert example.read_text() == original
    assert json.loads((tmp_path / "mine.gradviz").read_text())["actions"][-1]["target"] == "w"
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 1  # now it is the user's own file: Ctrl+S saves in place


def test_gradviz_gui_with_a_bad_file_prints_one_line(tmp_path):
    path = tmp_path / "bad.gradviz"
    path.write_text(_session({**X, "target": ["x"]}), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-m", "gradviz", "gui", str(path)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "gradviz gui: error: bad.gradviz: action 1 'target' must be text, found a list"
    ]


def test_the_exported_py_prints_the_tensors_when_run(qtbot, window, tmp_path):
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("sum", "s", {"input": "x"})
    ws.backward("s")
    target = tmp_path / "session.py"
    assert window.export_code(target)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run(
        [sys.executable, str(target)], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "x = tensor([1., 2.], requires_grad=True)",
        "x.grad = tensor([1., 1.])",
        "s = tensor(3., grad_fn=<SumBackward0>)",
    ]
    assert "print(" not in window.code_view.code()  # the panel lists the actions only
