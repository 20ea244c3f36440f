"""The Console panel through its real widgets: type, run off the GUI thread, interrupt, undo."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import Qt

from gradviz.qt.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.console.shutdown()


def type_input(qtbot, window, *lines: str) -> None:
    """Type each line into the console's input and press Enter, as a user would."""
    box = window.console.input
    box.setFocus()
    for line in lines:
        qtbot.keyClicks(box, line)
        qtbot.keyClick(box, Qt.Key.Key_Return)


def wait_idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.console.busy, timeout=30000)


def test_a_typed_tensor_appears_in_the_workspace_list(qtbot, window):
    type_input(qtbot, window, "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)")
    wait_idle(qtbot, window)
    assert window.workspace_panel.list.names() == ["x"]
    type_input(qtbot, window, "y = (x * x).sum()")
    wait_idle(qtbot, window)
    assert window.workspace_panel.list.names() == ["x", "y"]
    assert ">>> y = (x * x).sum()" in window.console.text()
    assert "y = (x * x).sum()" in window.code_view.code()  # one history: the Code panel shows it


def test_a_block_continues_with_dots_and_runs_on_an_empty_line(qtbot, window):
    type_input(qtbot, window, "total = torch.zeros(1)", "for i in range(4):")
    wait_idle(qtbot, window)
    assert not window.console.busy and window.console.input.toPlainText().startswith("for")
    type_input(qtbot, window, "total += i")
    assert "total += i" in window.console.input.toPlainText()  # still collecting
    type_input(qtbot, window, "")
    wait_idle(qtbot, window)
    assert window.model.workspace["total"].item() == 6.0
    assert "... " in window.console.text()


def test_printed_output_and_echoed_values_show(qtbot, window):
    type_input(qtbot, window, "print('hello from the console')")
    wait_idle(qtbot, window)
    type_input(qtbot, window, "torch.tensor([7, 8])")
    wait_idle(qtbot, window)
    text = window.console.text()
    assert "hello from the console" in text
    assert "tensor([7, 8])" in text


def test_errors_print_like_python_with_a_plain_sentence(qtbot, window):
    type_input(qtbot, window, "a = torch.ones(2, 3)", "b = a @ torch.ones(2, 3)")
    wait_idle(qtbot, window)
    text = window.console.text()
    assert "Traceback (most recent call last):" in text
    assert 'File "<console-2>", line 1' in text
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied" in text
    assert "gradviz: " in text  # the plain sentence from core/errors.py
    type_input(qtbot, window, "c = a + 1")  # the app keeps working
    wait_idle(qtbot, window)
    assert "c" in window.workspace_panel.list.names()


def test_stop_interrupts_an_endless_loop_and_the_window_stays_live(qtbot, window):
    type_input(qtbot, window, "n = 0")
    wait_idle(qtbot, window)
    type_input(qtbot, window, "while True: n += 1", "")
    qtbot.waitUntil(lambda: window.model.workspace.namespace["n"] > 0)
    # the GUI thread is free meanwhile: the workspace refuses changes with a plain line
    window.undo()
    assert "running" in window.statusBar().currentMessage()
    qtbot.mouseClick(window.console.stop_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert "KeyboardInterrupt" in window.console.text()
    assert window.model.workspace.namespace["n"] > 0
    type_input(qtbot, window, "m = torch.ones(1)")
    wait_idle(qtbot, window)
    assert "m" in window.workspace_panel.list.names()


def test_ctrl_c_interrupts_too(qtbot, window):
    type_input(qtbot, window, "while True: pass", "")
    qtbot.waitUntil(lambda: window.console.busy)
    qtbot.keyClick(window.console.input, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert "KeyboardInterrupt" in window.console.text()


def test_undo_a_console_input(qtbot, window):
    type_input(qtbot, window, "w = torch.ones(2, requires_grad=True)")
    wait_idle(qtbot, window)
    type_input(qtbot, window, "loss = (w * 3).sum(); loss.backward(); w2 = w * 2")
    wait_idle(qtbot, window)
    ws = window.model.workspace
    assert torch.equal(ws["w"].grad, torch.tensor([3.0, 3.0]))
    window.undo()  # replays the history on a worker thread
    wait_idle(qtbot, window)
    assert window.workspace_panel.list.names() == ["w"]
    assert ws["w"].grad is None
    window.redo()  # also replayed on the worker
    wait_idle(qtbot, window)
    assert window.workspace_panel.list.names() == ["w", "loss", "w2"]
    assert torch.equal(ws["w"].grad, torch.tensor([3.0, 3.0]))


def test_history_recall_and_completion(qtbot, window):
    type_input(qtbot, window, "weights = torch.ones(3)")
    wait_idle(qtbot, window)
    box = window.console.input
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.toPlainText() == "weights = torch.ones(3)"
    box.clear()
    qtbot.keyClicks(box, "weig")
    qtbot.keyClick(box, Qt.Key.Key_Tab)
    assert box.toPlainText() == "weights"
    qtbot.keyClicks(box, ".resh")
    qtbot.keyClick(box, Qt.Key.Key_Tab)
    assert box.toPlainText() == "weights.reshape"  # the common part of reshape, reshape_as
    offered = box.completer.model().stringList()
    assert {"weights.reshape(", "weights.reshape_as("} <= set(offered)
    assert box.completer.popup().isVisible()


def test_opening_a_session_with_code_asks_first(qtbot, window, tmp_path, monkeypatch):
    from gradviz.core.workspace import Workspace

    ws = Workspace()
    ws.run_code("secret = torch.arange(3.0)")
    path = tmp_path / "code.gradviz"
    ws.save(path)
    asked = []
    monkeypatch.setattr(
        "gradviz.qt.main_window.ask_run_code", lambda parent, p: asked.append(p) or False
    )
    assert window.open_session(path)
    assert asked == [path]
    assert window.workspace_panel.list.names() == []  # opened without running
    assert "without running" in window.statusBar().currentMessage()
    window.redo()
    wait_idle(qtbot, window)
    assert window.workspace_panel.list.names() == ["secret"]


def test_help_lessons_opens_a_lesson_in_the_console(qtbot, window):
    titles = [a.text() for a in window.lessons_menu.actions()]
    assert "Gradients accumulate; zero_() starts again" in titles
    act = next(a for a in window.lessons_menu.actions() if a.text().startswith("Gradients"))
    act.trigger()
    console = window.console
    assert "step 1/6: y = 2 x.x has gradient 4x" in console.text()
    assert console.input.toPlainText().startswith("import torch")
    qtbot.keyClick(console.input, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert torch.equal(window.model.workspace["x"].grad, torch.tensor([0.0, 4.0, 8.0, 12.0]))
    assert "step 2/6" in console.text()
    assert console.input.toPlainText().startswith("y = x.sum()")


def test_modules_optimizers_and_arrays_are_listed(qtbot, window):
    objects = window.workspace_panel.objects
    assert not objects.isVisible()
    window.console.run_source(
        "net = nn.Sequential(nn.Linear(3, 2), nn.ReLU())\n"
        "opt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
        "a = np.ones(4)\nt = torch.from_numpy(a)\nb = np.zeros(2)"
    )
    wait_idle(qtbot, window)
    assert objects.isVisible()
    assert objects.names() == ["net", "opt", "a", "b"]
    net = objects.topLevelItem(0)
    assert net.text(1) == "Sequential · 8 parameters"
    rows = [(net.child(i).text(0), net.child(i).text(1)) for i in range(net.childCount())]
    assert rows == [("0.weight", "2×3 · 6 elements"), ("0.bias", "2 · 2 elements")]
    assert objects.topLevelItem(1).text(1) == "SGD · lr=0.1 · 2 tensors"
    assert objects.topLevelItem(2).text(1) == "ndarray float64 (4,) · shares memory with t"
    assert "shares" not in objects.topLevelItem(3).text(1)
    assert window.workspace_panel.list.names() == ["t"]


def test_backward_in_the_console_steps_through_in_the_backward_panel(qtbot, window):
    type_input(qtbot, window, "x = torch.tensor([1.0, -2.0], requires_grad=True)")
    wait_idle(qtbot, window)
    type_input(
        qtbot, window, "for k in (1, 2):", "loss = (x * k).pow(2).sum()", "loss.backward()", ""
    )
    wait_idle(qtbot, window)
    bar, panel = window.calls_bar, window.backward_panel
    assert bar.isVisible()
    assert bar.labels() == [
        "1. line 3: backward from loss, 4 steps",
        "2. line 3: backward from loss, 4 steps",
    ]
    assert bar.combo.currentIndex() == 1  # the newest call by default
    call = window.model.workspace.backward_calls[1]
    assert panel.trace is call and panel.replay.position == 0
    assert window.graph_view.scene is not None
    labels = []
    while panel.step_button.isEnabled():
        qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
        labels.append(panel.progress.text())
    assert labels[0].endswith("SumBackward0") and len(labels) == 4
    # .grad before and after this call: 2x from the first call, then 2x + 8x
    x0 = torch.tensor([1.0, -2.0])
    row = panel.leaves.row_texts()["x"]
    assert row[1].endswith("[2, -4]") and row[3].endswith("[10, -20]")  # as the user reads it
    assert torch.equal(call.leaves[next(iter(call.leaves))].after, 10 * x0)
    assert torch.equal(call.leaves[next(iter(call.leaves))].before, 2 * x0)
    bar.pick(0)  # another call
    assert panel.trace is window.model.workspace.backward_calls[0]


def test_undo_replays_console_code_off_the_gui_thread(qtbot, window):
    import threading

    type_input(qtbot, window, "import threading; tid = threading.get_ident()")
    wait_idle(qtbot, window)
    type_input(qtbot, window, "t = torch.ones(1)")
    wait_idle(qtbot, window)
    window.undo()
    assert window.console.busy or "t" not in window.model.workspace.tensors
    wait_idle(qtbot, window)
    assert window.workspace_panel.list.names() == []
    assert window.model.workspace.namespace["tid"] != threading.main_thread().ident
    assert window.act_redo.isEnabled()
    window.redo()
    wait_idle(qtbot, window)
    assert window.workspace_panel.list.names() == ["t"] and not window.act_redo.isEnabled()
    assert "redid: t = torch.ones(1)" in window.statusBar().currentMessage()
