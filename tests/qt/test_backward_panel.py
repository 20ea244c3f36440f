"""The Backward panel as a user drives it: run, step, read the graph, the card and the leaves."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import Qt

from gradviz.core.backward import ACCUMULATE
from gradviz.core.graph import function_node_id, tensor_node_id
from gradviz.core.workspace import Workspace
from gradviz.qt.backward_panel import BackwardPanel
from gradviz.qt.backward_views import short
from gradviz.qt.graph_view import GraphView


@pytest.fixture
def ws():
    w = Workspace()
    w.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    w.create("w", "tensor", {"data": "[0.5, -1., 2.]"}, requires_grad=True)
    w.apply("mul", "y", {"a": "x", "b": "w"})
    w.apply("sigmoid", "s", {"input": "x"})
    w.apply("add", "z", {"a": "y", "b": "s"})
    w.apply("sum", "loss", {"input": "z"})
    return w


@pytest.fixture
def setup(qtbot, ws):
    view = GraphView(ws)
    panel = BackwardPanel(ws, view)
    for widget in (view, panel):
        qtbot.addWidget(widget)
        widget.resize(700, 700)
        widget.show()
    return ws, view, panel


def expected_grads() -> dict[str, torch.Tensor]:
    """The same expression with a plain backward(): the reference."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ((x * w) + torch.sigmoid(x)).sum().backward()
    return {"x": x.grad, "w": w.grad}


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_step_through_a_small_graph(qtbot, setup):
    ws, view, panel = setup
    panel.set_root("loss")
    assert "loss" in panel.root_label.text() and "gradient" in panel.root_label.text()
    assert not panel.v_box.isVisible()  # a scalar needs no v
    click(qtbot, panel.run_button)
    trace = panel.trace
    assert trace is not None and panel.progress.text() == f"step 0 / {len(trace.steps)}"
    loss = ws.tensors["loss"]
    seed_edge = (function_node_id(loss.grad_fn), tensor_node_id(loss))
    assert view.scene.notes[seed_edge][0] == "scalar · ‖g‖=1\n1"  # the seed waits at the root
    assert view.scene.current is None

    click(qtbot, panel.step_button)  # SumBackward0 runs
    assert view.scene.current == function_node_id(loss.grad_fn)
    assert panel.progress.text().endswith("SumBackward0")
    z = ws.tensors["z"]
    sent = view.scene.notes[(function_node_id(z.grad_fn), function_node_id(loss.grad_fn))]
    assert sent[0] == "3 · ‖g‖=1.73\n[1, 1, 1]"
    assert "grad_a = grad, copied to every element" in panel.card.text()

    while panel.step_button.isEnabled():
        click(qtbot, panel.step_button)
    assert view.scene.current == trace.steps[-1].node
    assert view.scene.done == {s.node for s in trace.steps[:-1]}
    mul = function_node_id(ws.tensors["y"].grad_fn)
    x_id = tensor_node_id(ws.tensors["x"])
    assert view.scene.notes[(x_id, mul)][0].endswith("[0.5, -1, 2]")  # grad_x = grad ⊙ w
    # every leaf's final .grad, as shown, equals a plain backward()'s
    rows = panel.leaves.row_texts()
    for name, grad in expected_grads().items():
        assert rows[name][3] == short(grad)
        assert torch.allclose(ws.tensors[name].grad, grad)
    # x is used twice: both contributions are listed, then their sum
    assert rows["x"][2].count("←") == 2
    assert "SigmoidBackward0" in rows["x"][2] and "MulBackward0" in rows["x"][2]


def test_back_reset_and_run_to_end(qtbot, setup):
    ws, view, panel = setup
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    click(qtbot, panel.step_button)
    click(qtbot, panel.step_button)
    second = view.scene.current
    click(qtbot, panel.step_button)
    click(qtbot, panel.back_button)
    assert view.scene.current == second and panel.replay.position == 2
    click(qtbot, panel.end_button)
    assert panel.replay.at_end and not panel.step_button.isEnabled()
    assert len(view.scene.notes) == len(panel.replay.edges())
    click(qtbot, panel.reset_button)
    assert view.scene.current is None and len(view.scene.notes) == 1  # the seed only
    assert panel.leaves.row_texts()["x"][3] == "None"  # nothing accumulated yet


def test_play_runs_to_the_end(qtbot, setup):
    _, view, panel = setup
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    panel.speed.setValue(20)
    click(qtbot, panel.play_button)
    assert panel.play_button.text() == "⏸ Pause"
    qtbot.waitUntil(lambda: panel.replay.at_end, timeout=5000)
    qtbot.waitUntil(lambda: not panel.timer.isActive(), timeout=2000)
    assert panel.play_button.text() == "▶ Play"


def test_clicking_an_edge_sends_the_full_gradient(qtbot, setup):
    ws, view, panel = setup
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    click(qtbot, panel.end_button)
    mul = function_node_id(ws.tensors["y"].grad_fn)
    w_id = tensor_node_id(ws.tensors["w"])
    with qtbot.waitSignal(panel.tensorRequested) as blocker:
        view.edgeClicked.emit(w_id, mul)
    title, tensor = blocker.args
    assert title == "gradient MulBackward0 → w"
    assert torch.equal(tensor, expected_grads()["w"])


def test_non_scalar_root_asks_for_v(qtbot, setup):
    ws, _, panel = setup
    panel.set_root("z")
    assert panel.v_box.isVisible()
    assert "gradient of sum(v * z)" in panel.v_note.text()
    assert panel.v_edit.text() == "[1.0, 1.0, 1.0]"
    panel.v_edit.setText("[1.0, 2.0]")
    click(qtbot, panel.run_button)
    assert panel.error.isVisible() and "shape (3,)" in panel.error.text()
    assert ws.tensors["x"].grad is None and panel.trace is None  # nothing happened
    panel.v_edit.setText("[1.0, 0.0, 2.0")
    click(qtbot, panel.run_button)
    assert "not valid syntax" in panel.error.text()
    panel.v_edit.setText("[1.0, 0.0, 2.0]")
    click(qtbot, panel.run_button)
    assert not panel.error.isVisible()
    assert ws.tensors["w"].grad.tolist() == [1.0, 0.0, 6.0]  # v ⊙ x
    assert ws.history[-1].kind == "backward"  # the code panel sees z.backward(...)
    assert "z.backward(torch.tensor([1.0, 0.0, 2.0]))" in ws.code_lines()[-1]


def test_second_backward_without_retain_graph_shows_pytorchs_error(qtbot, setup):
    ws, _, panel = setup
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    grads = ws.tensors["x"].grad.clone()
    click(qtbot, panel.run_button)
    assert panel.error.isVisible()
    text = panel.error.text()
    assert "retain_graph" in text and "Trying to backward through the graph a second time" in text
    assert torch.equal(ws.tensors["x"].grad, grads)  # the refused pass changed nothing


def test_retain_graph_lets_gradients_accumulate_and_zero_grads_clears(qtbot, ws, setup):
    _, _, panel = setup
    panel.set_root("loss")
    panel.retain.setChecked(True)
    click(qtbot, panel.run_button)
    first = ws.tensors["w"].grad.clone()
    click(qtbot, panel.run_button)
    assert not panel.error.isVisible()
    click(qtbot, panel.end_button)
    row = panel.leaves.row_texts()["w"]
    assert row[1] == short(first)  # .grad before this pass
    assert row[3] == short(2 * first)  # accumulated
    assert torch.equal(ws.tensors["w"].grad, 2 * first)
    click(qtbot, panel.zero_button)
    assert ws.tensors["w"].grad is None and ws.tensors["x"].grad is None


@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
def test_non_leaf_hint_and_retain_grad_button(qtbot, ws, setup):
    _, _, panel = setup
    panel.set_root("loss")
    panel.retain.setChecked(True)  # keep the graph: we backward through y again below
    click(qtbot, panel.run_button)
    assert panel.hint_box.isVisible() and "not leaves" in panel.hint.text()
    assert ws.tensors["y"].grad is None  # (PyTorch warns here: that is the point)
    panel.retain_pick.setCurrentText("y")
    click(qtbot, panel.retain_button)
    assert ws.tensors["y"].retains_grad
    ws.apply("sum", "loss2", {"input": "y"})
    panel.set_root("loss2")
    click(qtbot, panel.run_button)
    assert not panel.error.isVisible(), panel.error.text()
    click(qtbot, panel.end_button)
    assert ws.tensors["y"].grad.tolist() == [1.0, 1.0, 1.0]
    assert panel.leaves.row_texts()["y"][3] == "[1, 1, 1]"


def test_numerical_check_table_shows_pass(qtbot, setup):
    _, _, panel = setup
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    assert panel.check_button.isEnabled()
    panel.check_leaf.setCurrentText("x")
    click(qtbot, panel.check_button)
    assert panel.check_table.isVisible()
    verdicts = panel.check_table.verdicts()
    assert verdicts["max |autograd − numeric|"] == "pass"
    assert verdicts["max relative error"] == "pass"
    assert verdicts["torch.autograd.gradcheck"] == "pass"
    assert "PASS" in panel.check_note.text()


def test_detach_cut_is_explained(qtbot):
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[0., 1., 2., 3.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    ws.apply("detach", "u", {"input": "y"})
    ws.apply("mul", "y2", {"a": "u", "b": "x"})
    ws.apply("sum", "out", {"input": "y2"})
    view = GraphView(ws)
    panel = BackwardPanel(ws, view)
    qtbot.addWidget(view)
    qtbot.addWidget(panel)
    panel.set_root("out")
    click(qtbot, panel.run_button)
    assert panel.cuts.isVisibleTo(panel) and "u" in panel.cuts.text()
    assert ws.tensors["x"].grad.tolist() == [0.0, 1.0, 4.0, 9.0]  # u, not 3x²
    labels = [s.label for s in panel.trace.steps]
    assert labels.count("MulBackward0") == 1  # y = x * x never runs
    assert labels[-1] == ACCUMULATE


def test_selecting_another_tensor_keeps_the_replay(qtbot, setup):
    ws, view, panel = setup
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    click(qtbot, panel.step_button)
    current = view.scene.current
    panel.set_root("x")  # the user clicks x to inspect it
    assert panel.trace is not None and view.scene.current == current
    click(qtbot, panel.step_button)
    assert panel.progress.text().startswith("[loss] step 2 /")
    assert "x" in panel.root_label.text()  # the next Run starts from x


def test_root_that_needs_no_grad_and_undo(qtbot, setup):
    ws, view, panel = setup
    ws.create("c", "ones", {"size": "2"})
    panel.set_root("c")
    assert "does not require grad" in panel.root_label.text()
    assert not panel.run_button.isEnabled()
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    click(qtbot, panel.step_button)
    ws.undo()  # the tensors are rebuilt: the record no longer matches anything on screen
    assert panel.trace is None and view.scene.current is None
    assert panel.run_button.isEnabled()
    ws.delete("loss")
    assert panel.root_name is None
