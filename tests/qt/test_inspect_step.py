""" "Inspect this step": one training batch's loss graph, stepped through in the Backward panel."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import Qt

from gradviz.qt.backward_views import short
from gradviz.qt.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    yield w
    w.training_panel.shutdown()  # never leave the worker thread behind


def ids(graph) -> set[str]:
    return {n.id for n in graph.nodes}


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def inspect_one_step(qtbot, window):
    """Train one batch of the moons demo, then press "Inspect this step"."""
    training = window.training_panel
    training.form.demo.setCurrentIndex(training.form.demo.findData("moons"))
    window.tabs.setCurrentWidget(training)
    click(qtbot, training.step_button)
    qtbot.waitUntil(lambda: training.run is not None and training.run.state.waiting)
    with qtbot.waitSignal(training.inspectRequested) as sent:
        click(qtbot, training.inspect_button)
    return sent.args[0]


def test_inspected_batch_steps_through_backward(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("sum", "loss", {"input": "x"})
    code_before = list(ws.code_lines())

    graph = inspect_one_step(qtbot, window)
    view, panel = window.graph_view, window.backward_panel
    # the graph view shows the batch graph, grouped by module, and the Backward dock is up
    assert window.tabs.currentWidget() is view
    output = next(n for n in graph.nodes if n.kind == "output")
    assert output.id in view.graph() and ids(view.graph()) <= ids(graph)
    assert any(g.endswith("fc1") for g in view.groups())
    assert panel.isVisible()
    header = panel.root_label.text()
    assert "training batch loss" in header and "not in the workspace" in header
    assert panel.run_button.isEnabled() and not panel.v_box.isVisible()  # a scalar loss

    loss = output.ref
    leaves = {n.name: n.ref for n in graph.nodes if n.kind == "leaf"}
    assert any(name.endswith("fc1.weight") for name in leaves)
    # the graph holds a snapshot of the model, so its weights have no .grad of their own yet
    grads_before = {name: p.grad for name, p in leaves.items()}
    assert all(g is None for g in grads_before.values())
    live = window.training_panel.session.model
    live_before = [p.grad.clone() for p in live.parameters()]
    assert not any(ref is p for ref in leaves.values() for p in live.parameters())

    click(qtbot, panel.run_button)
    assert not panel.error.isVisible(), panel.error.text()
    assert panel.progress.text() == f"step 0 / {len(panel.trace.steps)}"
    seed = (panel.trace.root_edge, "scalar · 1")
    assert view.edge_labels() == {seed[0]: seed[1]}  # the seed waits on the loss edge
    for _ in range(3):
        click(qtbot, panel.step_button)
    labels = view.edge_labels()
    assert len(labels) > 1  # gradients written on the batch graph's edges
    # the ids match: real nodes, or the collapsed module boxes drawn for them
    shown = view.document.visible
    assert all(src in shown and tgt in shown for src, tgt in labels)
    assert any(src in graph and tgt in graph for src, tgt in labels)
    assert "step 3 /" in panel.progress.text() and "[" not in panel.progress.text()
    assert panel.card.text()  # the formula card follows the steps

    while panel.step_button.isEnabled():
        click(qtbot, panel.step_button)
    # the final .grad the panel shows is torch.autograd.grad of the same loss
    names = list(leaves)
    expected = torch.autograd.grad(loss, [leaves[n] for n in names], retain_graph=True)
    states = {s.name: s for s in panel.replay.leaf_states()}
    rows = panel.leaves.row_texts()
    assert set(states) == set(names)
    for name, ref in zip(names, expected, strict=True):
        assert torch.allclose(states[name].grad, ref, atol=1e-6), name
        assert torch.allclose(states[name].final, ref, atol=1e-6), name
        assert rows[name][3].split("\n")[0] == short(ref)
    # the snapshot's .grad, the live model's .grad and the workspace's code are untouched
    for name, p in leaves.items():
        assert p.grad is None, name
    for p, g in zip(live.parameters(), live_before, strict=True):
        assert torch.equal(p.grad, g)
    assert ws.code_lines() == code_before
    assert not panel.zero_button.isEnabled() and not panel.retain.isEnabled()

    # clicking a workspace tensor to read it changes nothing here (the root is explicit)
    window.model.select("x")
    assert panel.external is not None and panel.trace is not None
    assert view.banner.isVisible() and "training batch loss" in view.banner_text.text()
    # the banner's button: back to the workspace
    click(qtbot, view.back_button)
    assert not view.banner.isVisible()
    assert panel.external is None and panel.trace is None
    assert "training batch loss" not in panel.root_label.text()
    assert output.id not in view.graph() and view.edge_labels() == {}
    panel.root_pick.setCurrentIndex(panel.root_pick.findData("loss"))
    panel.root_pick.activated.emit(panel.root_pick.currentIndex())  # the user picks loss
    click(qtbot, panel.run_button)
    assert not panel.error.isVisible(), panel.error.text()
    assert ws.tensors["x"].grad.tolist() == [1.0, 1.0]
    assert "loss.backward()" in ws.code_lines()[-1]

    with qtbot.waitSignal(window.training_panel.runFinished, timeout=10_000):
        click(qtbot, window.training_panel.stop_button)


def test_a_workspace_change_ends_the_batch_replay(qtbot, window):
    graph = inspect_one_step(qtbot, window)
    panel = window.backward_panel
    click(qtbot, panel.run_button)
    click(qtbot, panel.step_button)
    assert ids(window.graph_view.graph()) <= ids(graph) and panel.trace is not None
    window.model.workspace.create("a", "ones", {"size": "2"})  # the view shows the workspace
    assert panel.external is None and panel.trace is None
    assert window.graph_view.edge_labels() == {}
    assert panel.zero_button.isEnabled() and panel.retain.isEnabled()
    with qtbot.waitSignal(window.training_panel.runFinished, timeout=10_000):
        click(qtbot, window.training_panel.stop_button)


def test_training_on_after_inspect_leaves_the_batch_replayable(qtbot, window):
    """The batch graph is a snapshot: training on changes the live weights, not the
    weights that graph saved, so backward through it still runs and matches autograd."""
    inspect_one_step(qtbot, window)
    panel, training = window.backward_panel, window.training_panel
    window.tabs.setCurrentWidget(training)
    click(qtbot, training.step_button)  # one more batch: optimizer.step() writes the weights
    qtbot.waitUntil(lambda: training.run.state.waiting and training.session.step == 2)
    grads_before = [p.grad.clone() for p in training.session.model.parameters()]
    click(qtbot, panel.run_button)
    assert panel.error.isHidden() or not panel.error.text(), panel.error.text()
    assert panel.trace is not None and len(panel.trace.steps) > 0
    # the live model's gradients are untouched by the inspection's backward
    for p, g in zip(training.session.model.parameters(), grads_before, strict=True):
        assert torch.equal(p.grad, g)
    with qtbot.waitSignal(training.runFinished, timeout=10_000):
        click(qtbot, training.stop_button)


def test_a_diagnosis_layer_selects_its_module_in_the_inspected_graph(qtbot, window, tmp_path):
    graph = inspect_one_step(qtbot, window)
    doc, training = window.graph_document, window.training_panel
    fc1 = next(m for m in graph.modules() if m.endswith(".fc1"))
    training.diagnosis.select("fc1")  # what a click on a verdict about fc1 does
    picked = doc.selected
    assert picked is not None
    members = doc.members_of(picked)
    assert members and all((m.module or "").startswith(fc1) for m in members)
    window.graph_view.grab().save(str(tmp_path / "diagnosis_link.png"))
    # a layer this graph does not have leaves the selection as it was
    training.diagnosis.select("no_such_layer")
    assert doc.selected == picked
