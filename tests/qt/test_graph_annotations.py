"""Stepping annotations on the graph view: the current node, the done ones, gradient labels.

What a user sees while stepping through backward: exactly the labels asked
for, stale ones gone, labels that never cover each other, and the same picture
whether the panel sends one batched update or many small calls.
"""

from __future__ import annotations

import itertools

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from gradviz.core.graph import capture_graph, function_node_id, tensor_node_id
from gradviz.core.workspace import Workspace
from gradviz.qt import graph_items as gi
from gradviz.qt.backward_panel import BackwardPanel
from gradviz.qt.graph_view import GraphView


@pytest.fixture
def ws():
    """z = x*x + x*y: AddBackward0 and the second MulBackward0 each have two inputs."""
    w = Workspace()
    w.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    w.create("y", "tensor", {"data": "[0.5, -1., 2.]"}, requires_grad=True)
    w.apply("mul", "xx", {"a": "x", "b": "x"})
    w.apply("mul", "xy", {"a": "x", "b": "y"})
    w.apply("add", "z", {"a": "xx", "b": "xy"})
    w.apply("sum", "loss", {"input": "z"})
    return w


def show(qtbot, widget, size=(900, 650)):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def view(qtbot, ws):
    return show(qtbot, GraphView(ws))


def ids(ws):
    fn = {name: function_node_id(ws[name].grad_fn) for name in ("xx", "xy", "z", "loss")}
    leaf = {name: tensor_node_id(ws[name]) for name in ("x", "y", "loss")}
    return fn, leaf


def into_add_and_mul(ws):
    """Edges (source, target) into the nodes with several inputs."""
    fn, leaf = ids(ws)
    return [(fn["xx"], fn["z"]), (fn["xy"], fn["z"]), (leaf["x"], fn["xy"]), (leaf["y"], fn["xy"])]


def drawn_notes(view):
    """The label frames in the scene (a frame holds its text as a child)."""
    return [i for i, (kind, _) in view.scene.info.items() if kind == "edge-note" and i.childItems()]


def overlapping(rects):
    return [(a, b) for a, b in itertools.combinations(rects, 2) if a.intersects(b)]


def test_set_annotations_shows_exactly_the_given_labels(view, ws):
    fn, leaf = ids(ws)
    edges = into_add_and_mul(ws)
    notes = {e: (f"g{i}\n[{i}, {i}, {i}]", f"tip {i}") for i, e in enumerate(edges)}
    view.set_annotations(fn["xy"], [fn["loss"], fn["z"]], notes)
    assert view.edge_labels() == {e: text for e, (text, _) in notes.items()}
    frames = drawn_notes(view)
    assert len(frames) == len(notes)
    assert sorted(f.toolTip() for f in frames) == sorted(tip for _, tip in notes.values())
    for e in notes:  # each label sits on the edge it names
        (kind, index) = view.scene.info[view.scene.note_items[e]]
        assert kind == "edge-note"
        edge = view.scene.edges[index][0]
        assert (edge.source, edge.target) == e
    items = view.scene.node_items
    assert items[fn["xy"]].pen().color() == gi.CURRENT
    assert items[fn["z"]].pen().color() == gi.DONE and items[fn["loss"]].pen().color() == gi.DONE
    assert items[fn["xx"]].pen().color() not in (gi.CURRENT, gi.DONE)
    assert view.annotations() == (fn["xy"], {fn["loss"], fn["z"]}, notes)


def test_updating_removes_stale_labels_and_states(view, ws):
    fn, leaf = ids(ws)
    a, b, c, d = into_add_and_mul(ws)
    view.set_annotations(fn["z"], [fn["loss"]], {a: ("A", ""), b: ("B", ""), c: ("C", "")})
    kept = view.scene.note_items[a]
    view.set_annotations(fn["xy"], [fn["z"]], {a: ("A", ""), c: ("C2", "new"), d: ("D", "")})
    assert view.edge_labels() == {a: "A", c: "C2", d: "D"}
    assert len(drawn_notes(view)) == 3  # B's frame and text left the scene
    assert view.scene.note_items[a] is kept  # unchanged labels are not redrawn
    items = view.scene.node_items
    assert items[fn["loss"]].pen() == gi.base_pen(view.graph().node(fn["loss"]))  # no longer done
    assert items[fn["z"]].pen().color() == gi.DONE and items[fn["xy"]].pen().color() == gi.CURRENT
    # an edge that carries a label is drawn in the label colour; one that lost it is plain again
    assert view.scene.edge_item(*a).pen().color() == gi.NOTE_BORDER
    assert view.scene.edge_item(*b).pen().color() == gi.EDGE
    view.set_annotations(None, [], {})
    assert view.edge_labels() == {} and not drawn_notes(view)
    assert all(i.pen().color() not in (gi.CURRENT, gi.DONE) for i in items.values())
    assert view.scene.edge_item(*a).pen().color() == gi.EDGE


def test_old_per_call_api_draws_the_same_picture(qtbot, ws):
    fn, leaf = ids(ws)
    batched, single = show(qtbot, GraphView(ws)), show(qtbot, GraphView(ws))
    steps = [
        (fn["z"], [fn["loss"]], into_add_and_mul(ws)[:2]),
        (fn["xy"], [fn["loss"], fn["z"]], into_add_and_mul(ws)[2:]),
    ]
    notes = {}
    for current, done, new_edges in steps:
        new = {e: (f"{e[0][-4:]}→{e[1][-4:]}\n[1, 2]", "tip") for e in new_edges}
        notes.update(new)
        batched.set_annotations(current, done, notes)
        for (s, t), (text, tip) in new.items():
            single.set_edge_text(s, t, text, tip)
        single.set_done(done)
        single.set_current(current)
        assert single.annotations() == batched.annotations()
        assert single.edge_labels() == batched.edge_labels()
        for e in notes:
            assert single.edge_label_rect(*e) == batched.edge_label_rect(*e)
        for nid, box in batched.scene.node_items.items():
            assert single.scene.node_items[nid].pen() == box.pen()
    single.clear_annotations()
    assert single.annotations() == (None, set(), {}) and not drawn_notes(single)


def test_labels_into_one_node_never_overlap_each_other_or_boxes(view, ws):
    edges = into_add_and_mul(ws)
    wide = "(3,) · ‖g‖=7.48\n[1, 2, 3] + [1, 2, 3] = [2, 4, 6]"
    view.set_annotations(None, [], {e: (wide, "") for e in edges})
    rects = [view.edge_label_rect(*e) for e in edges]
    assert not overlapping(rects)
    boxes = [view.scene.node_rect(n.id) for n in view.graph().nodes]
    assert not [(r, b) for r in rects for b in boxes if r.intersects(b)]
    # a label pushed away from its edge stays reachable (inside the scene) and says where it
    # belongs with a leader line from its edge
    scene_rect = view.scene.sceneRect()
    assert all(scene_rect.contains(r) for r in rects)
    for e, r in zip(edges, rects, strict=True):
        leader = view.scene._leaders.get(e)
        if leader is not None:
            end = leader.line().p2()
            assert r.adjusted(-0.5, -0.5, 0.5, 0.5).contains(end)


def test_a_wide_fan_in_keeps_its_labels_apart(qtbot):
    """Seven inputs into one node (drawn with a bus): every label has its own place."""
    parts = [torch.randn(2, requires_grad=True) for _ in range(7)]
    out = torch.cat(parts).sum()
    graph = capture_graph(out, names={f"p{i}": p for i, p in enumerate(parts)})
    view = show(qtbot, GraphView())
    view.show_graph(graph)
    cat = function_node_id(out.grad_fn.next_functions[0][0])
    edges = [(e.source, e.target) for e in graph.edges if e.target == cat]
    assert len(edges) == 7
    view.set_annotations(
        cat, [], {e: (f"2 · ‖g‖=1.41\n[1, 1] part {i}", "") for i, e in enumerate(edges)}
    )
    rects = [view.edge_label_rect(*e) for e in edges]
    assert all(r is not None for r in rects) and not overlapping(rects)


def test_backward_steps_label_edges_with_autograds_gradients(qtbot, ws):
    """Driven by the Backward panel: the labels into x*y carry torch.autograd's gradients."""
    view = show(qtbot, GraphView(ws))
    panel = show(qtbot, BackwardPanel(ws, view.document), (500, 700))
    panel.set_root("loss")
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    fn, leaf = ids(ws)
    while view.annotations()[0] != fn["xy"]:
        qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    xx, xy = x * x, x * y
    gx_xy, gy_xy = torch.autograd.grad(xy.sum(), (x, y), retain_graph=True)  # what x*y sends
    (gx_xx,) = torch.autograd.grad(xx.sum(), (x,), retain_graph=True)  # x*x sends, summed
    (gx,) = torch.autograd.grad((xx + xy).sum(), (x,))
    assert gx_xy.tolist() == [0.5, -1.0, 2.0] and gy_xy.tolist() == [1.0, 2.0, 3.0]
    labels = view.edge_labels()
    assert labels[(leaf["x"], fn["xy"])].endswith("[0.5, -1, 2]")
    assert labels[(leaf["y"], fn["xy"])].endswith("[1, 2, 3]")
    qtbot.mouseClick(panel.end_button, Qt.MouseButton.LeftButton)
    labels = view.edge_labels()
    assert gx_xx.tolist() == [2.0, 4.0, 6.0]
    assert labels[(leaf["x"], fn["xx"])].endswith("= [2, 4, 6]")  # x used twice by x*x
    assert torch.equal(ws["x"].grad, gx)
    rects = [view.edge_label_rect(*e) for e in labels]
    assert not overlapping(rects)


def test_labels_survive_a_live_update_and_hide_when_zoomed_out(view, ws):
    fn, leaf = ids(ws)
    edge = (leaf["x"], fn["xy"])
    view.set_annotations(fn["xy"], [], {edge: ("grad", "")})
    ws.apply("mul", "q", {"a": "y", "b": "y"})  # the graph is rebuilt
    assert view.edge_labels() == {edge: "grad"}
    assert view.scene.node_items[fn["xy"]].pen().color() == gi.CURRENT
    view.set_zoom(1.0)
    assert view.scene.note_items[edge].isVisible()
    view.set_zoom(0.2)  # unreadable: labels give way like the node text
    assert not view.scene.note_items[edge].isVisible()
    view.set_zoom(1.0)
    assert view.scene.note_items[edge].isVisible()


def test_labels_for_edges_not_on_screen_are_kept_not_drawn(view, ws):
    fn, leaf = ids(ws)
    ghost = ("t-nothing", fn["xy"])
    view.set_annotations(None, ["fn-nothing"], {ghost: ("lost", "")})
    assert view.annotations()[2] == {ghost: ("lost", "")}
    assert view.edge_labels() == {} and not drawn_notes(view)


def test_clicking_a_label_emits_its_edge(qtbot, view, ws):
    fn, leaf = ids(ws)
    edge = (leaf["y"], fn["xy"])
    view.set_annotations(None, [], {edge: ("gradient of y", "")})
    view.set_zoom(1.0)
    centre = view.edge_label_rect(*edge).center()
    view.canvas.centerOn(centre)
    with qtbot.waitSignal(view.edgeClicked) as blocker:
        pos = view.canvas.mapFromScene(centre)
        qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == list(edge)


def test_export_draws_the_labels_even_when_zoomed_out(tmp_path, view, ws):
    fn, leaf = ids(ws)
    view.set_annotations(fn["xy"], [], {(leaf["x"], fn["xy"]): ("grad\n[0.5, -1, 2]", "")})
    view.set_zoom(0.2)  # on screen the label gives way to the boxes
    assert not view.scene.note_items[(leaf["x"], fn["xy"])].isVisible()
    image = QImage(str(view.export(tmp_path / "g.png")))
    fill = gi.NOTE_FILL.rgb()
    assert any(
        image.pixel(x, y) == fill
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )
    assert not view.scene.note_items[(leaf["x"], fn["xy"])].isVisible()  # screen unchanged
