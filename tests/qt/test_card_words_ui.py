"""The graph marks a tensor used twice by one op, the Backward panel's card names the
user's tensors, and a check that fails at a kink says so (faults 4, 5, 22 of issue 10)."""

from __future__ import annotations

from gradviz.core.workspace import Workspace
from gradviz.qt.backward_panel import BackwardPanel
from gradviz.qt.graph_view import GraphView


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(700, 600)
    widget.show()
    return widget


def test_dot_x_x_is_marked_as_used_twice(qtbot):
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.apply("dot", "d", {"a": "x", "b": "x"})
    view = shown(qtbot, GraphView(ws))
    texts = [entry[2] for entry in view.scene.label_layer.entries]
    assert any("used twice" in t for t in texts), texts
    ws.create("w", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.apply("dot", "e", {"a": "x", "b": "w"})
    texts = [entry[2] for entry in view.scene.label_layer.entries]
    assert sum("used twice" in t for t in texts) == 1  # x·w uses each once


def test_the_card_names_d_for_two_times_d(qtbot):
    ws = Workspace()
    ws.create("d", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "2", "b": "d"})
    ws.apply("sum", "s", {"input": "y"})
    view = shown(qtbot, GraphView(ws))
    panel = shown(qtbot, BackwardPanel(ws, view.document))
    panel.set_root("s")
    panel.run_button.click()
    while panel.replay.current() is None or panel.replay.current().label != "MulBackward0":
        assert panel.step()
    text = panel.card.body.text()
    assert "grad_d" in text and "grad_a" not in text


def test_the_backward_panel_says_kink_and_titles_a_scalar_root(qtbot):
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[-1., 0., 2.]"}, requires_grad=True)
    ws.apply("relu", "r", {"input": "x"})
    ws.apply("sum", "s", {"input": "r"})
    panel = BackwardPanel(ws)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_root("s")
    panel.run_button.click()
    panel.check_leaf.setCurrentText("x")
    panel.check_button.click()
    note = panel.check_note.text()
    assert "FAIL" in note and "kink" in note
    assert "∂s / ∂x" in note and "sum(v" not in note
