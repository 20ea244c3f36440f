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
    panel = BackwardPanel(ws, view.document)
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
    assert view.scene.notes[seed_edge][0] == "scalar · 1"  # the seed waits at the root
    assert view.scene.current is None

    click(qtbot, panel.step_button)  # SumBackward0 runs
    assert view.scene.current == function_node_id(loss.grad_fn)
    assert panel.progress.text().endswith("SumBackward0")
    z = ws.tensors["z"]
    sent = view.scene.notes[(function_node_id(z.grad_fn), function_node_id(loss.grad_fn))]
    assert sent[0] == "3 · ‖g‖=1.732\n[1, 1, 1]"  # the card's rounding
    assert "grad_z = grad, copied to every element" in panel.card.text()  # z, not "a"

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
    assert panel.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: panel.replay.at_end, timeout=5000)
    qtbot.waitUntil(lambda: not panel.timer.isActive(), timeout=2000)
    assert panel.play_button.text() == "Play"


def test_clicking_an_edge_sends_the_full_gradient(qtbot, setup):
    ws, view, panel = setup
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    click(qtbot, panel.end_button)
    mul = function_node_id(ws.tensors["y"].grad_fn)
    w_id = tensor_node_id(ws.tensors["w"])
    view.edgeClicked.connect(panel.show_edge)  # the main window wires it this way
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
    click(qtbot, panel.zero_button)  # as the notes do: x.grad.zero_()
    assert torch.equal(ws.tensors["w"].grad, torch.zeros_like(first))
    assert ws.code_for(ws.history[-1]).splitlines()[0].endswith(".grad.zero_()")
    panel.none_action.trigger()  # the separate choice: .grad = None
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
    panel = BackwardPanel(ws, view.document)
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


def test_leaf_used_many_times_keeps_the_table_small(qtbot):
    """A leaf with many contributions: the cell lists the latest, the tooltip all of them,
    the table keeps its height (with its own scroll bar) and the sums are PyTorch's."""
    uses = 9
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., -2.]"}, requires_grad=True)
    ws.create("w", "tensor", {"data": "[3., 0.5]"}, requires_grad=True)
    ws.apply("mul", "t0", {"a": "x", "b": "w"})
    for i in range(1, uses):
        ws.apply("mul" if i % 2 else "add", f"t{i}", {"a": f"t{i - 1}", "b": "x"})
    ws.apply("sum", "loss", {"input": f"t{uses - 1}"})
    view = GraphView(ws)
    panel = BackwardPanel(ws, view.document)
    for widget in (view, panel):
        qtbot.addWidget(widget)
        widget.resize(520, 700)
        widget.show()
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    heights = set()
    while panel.step_button.isEnabled():
        click(qtbot, panel.step_button)
        heights.add(panel.leaves.height())
        row = panel.leaves.row_texts()["x"]
        state = next(s for s in panel.replay.leaf_states() if s.name == "x")
        assert row[3].split("\n")[0] == short(state.grad)  # the sum so far, as shown
    assert max(heights) <= panel.leaves.MAX_PX
    rows, tips = panel.leaves.row_texts(), panel.leaves.row_tips()
    hidden = uses - panel.leaves.SHOWN
    assert rows["x"][2].startswith(f"… {hidden} more")
    assert rows["x"][2].count("←") == panel.leaves.SHOWN
    assert tips["x"][2].startswith(f"{uses} contributions")
    assert tips["x"][2].count("←") == uses  # the full list
    # the reference: the same expression with a plain backward()
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    w = torch.tensor([3.0, 0.5], requires_grad=True)
    t = x * w
    for i in range(1, uses):
        t = t * x if i % 2 else t + x
    t.sum().backward()
    assert rows["x"][3] == short(x.grad) and rows["w"][3] == short(w.grad)
    assert torch.allclose(ws.tensors["x"].grad, x.grad)
    # the contributions listed are the gradients the engine sent into x, which add up to it
    state = next(s for s in panel.replay.leaf_states() if s.name == "x")
    assert len(state.contributions) == uses
    assert torch.allclose(sum(g for _, g in state.contributions), x.grad)
    # stepping back shrinks the list again, and a new run starts the table afresh
    click(qtbot, panel.reset_button)
    assert panel.leaves.row_texts()["x"][2] == "—"
    assert panel.leaves.height() <= panel.leaves.MAX_PX


def test_formula_card_shows_whole_rule_at_every_step(qtbot, setup):
    """The card only grows while stepping (no jumping panel) and never clips its text."""
    _, _, panel = setup
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    heights = []
    body, box = panel.card.body, panel.card.box
    while panel.step_button.isEnabled():
        click(qtbot, panel.step_button)
        # a taller rule grows the card once the panel has re-laid out (next event passes)
        qtbot.waitUntil(lambda: body.heightForWidth(box.width()) <= box.height(), timeout=999)
        assert box.height() <= body.height()  # the label fills the card: nothing clipped
        heights.append(panel.card.height())
    assert heights == sorted(heights)  # it never shrinks mid-replay: nothing below jumps


def _card_for_label(qtbot, panel, label: str) -> str:
    """Run, step until the node ``label`` is current; the card's shown text (rich text)."""
    panel.set_root("loss")
    click(qtbot, panel.run_button)
    while panel.step_button.isEnabled():
        click(qtbot, panel.step_button)
        if panel.card.card is not None and panel.card.card.label == label:
            return panel.card.body.text()
    raise AssertionError(f"{label} never ran")


def test_card_whose_rule_agrees_shows_a_green_tick(qtbot, setup):
    from gradviz.qt.backward_views import PASS

    shown = _card_for_label(qtbot, setup[2], "MulBackward0")
    assert "✓ the rule by hand gives exactly what PyTorch sent" in shown and PASS in shown
    assert "✗" not in shown


@pytest.mark.parametrize(
    ("compute", "says"),
    [
        (lambda c: [c.grad * 2, c.grad * 2], "✗ the rule by hand gives other numbers"),
        (lambda c: [c.grad @ c.grad.reshape(2, 2)], "✗ the rule could not be applied"),
    ],
    ids=["wrong numbers", "compute raises"],
)
def test_card_whose_rule_fails_shows_a_red_cross(qtbot, setup, monkeypatch, compute, says):
    """A broken card must say so on screen, never stay silent."""
    from dataclasses import replace

    from gradviz.core import backward_rules
    from gradviz.qt.backward_views import FAIL

    broken = replace(backward_rules.RULES["MulBackward0"], compute=compute)
    monkeypatch.setitem(backward_rules.RULES, "MulBackward0", broken)
    shown = _card_for_label(qtbot, setup[2], "MulBackward0")
    assert says in shown and FAIL in shown
    assert "✓" not in shown
    assert setup[2].card.text().count("✗") == 1


def test_text_only_card_says_it_is_not_recomputed(qtbot, setup):
    shown = _card_for_label(qtbot, setup[2], "AccumulateGrad")
    assert "shown as text; gradviz does not re-compute it" in shown
    assert "✓" not in shown and "✗" not in shown
