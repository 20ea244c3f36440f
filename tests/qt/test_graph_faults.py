"""Faults a newcomer hit in the graph and Backward panels (issue 10: 3, 6, 8, 14, 18, 20)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QPushButton
from torch import nn

from gradviz.core.graph import capture_module
from gradviz.core.workspace import Workspace
from gradviz.qt.backward_panel import BackwardPanel
from gradviz.qt.graph_view import GraphView
from gradviz.qt.theme import apply_theme


def show(qtbot, widget, size=(900, 650)):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def chain_ws() -> Workspace:
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.create("w", "tensor", {"data": "[0.5, -1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    ws.apply("sigmoid", "s", {"input": "x"})
    ws.apply("add", "z", {"a": "y", "b": "s"})
    ws.apply("mul", "q", {"a": "z", "b": "z"})
    ws.apply("sum", "loss", {"input": "q"})
    return ws


# ------------------------------------------------------------------------- 3
def test_empty_backward_panel_is_disabled_and_says_what_to_do(qtbot):
    panel = show(qtbot, BackwardPanel(Workspace()), (420, 600))
    buttons = [panel.reset_button, panel.back_button, panel.step_button, panel.end_button]
    buttons += [panel.play_button, panel.check_button, panel.run_button, panel.zero_button]
    assert [b.objectName() for b in buttons if b.isEnabled()] == []
    assert "No tensors yet" in panel.root_label.text()  # not a blank header
    assert not panel.v_box.isVisible()  # no "v =" field without a root


def _bright_pixels(widget) -> int:
    image = widget.grab().toImage()
    return sum(
        1
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).lightness() > 170
    )


def test_disabled_buttons_look_disabled_in_the_dark_theme(qtbot, qapp, restore_theme):
    # restore_theme puts the app back: later tests measure widgets in the default style
    apply_theme(qapp, "dark")
    on, off = QPushButton("Step ▶"), QPushButton("Step ▶")
    off.setEnabled(False)
    for b in (on, off):
        show(qtbot, b, (90, 28))
    # the enabled button's text is bright on the dark face; the disabled one's is dim
    assert _bright_pixels(on) > 20
    assert _bright_pixels(off) < _bright_pixels(on) / 4


# ------------------------------------------------------------------------- 6
def test_gradient_labels_never_cover_shape_labels_or_touch_boxes(qtbot):
    ws = chain_ws()
    view = show(qtbot, GraphView(ws))
    panel = BackwardPanel(ws, view.document)
    qtbot.addWidget(panel)
    panel.set_root("loss")
    panel.run_backward()
    panel.run_to_end()
    scene = view.scene
    labels = [scene.note_rect(*key) for key in scene.note_items]
    assert len(labels) >= 8
    boxes = [item.sceneBoundingRect() for item in scene.node_items.values()]  # pen included
    shapes = [
        QRectF(x0, y0, x1 - x0, y1 - y0) for x0, y0, x1, y1 in scene.label_layer.rects().values()
    ]
    assert shapes  # the shape labels under the producers
    for r in labels:
        assert not [b for b in boxes if r.intersects(b)], "a gradient label touches a box"
        assert not [s for s in shapes if r.intersects(s)], "a gradient label covers a shape"


# ------------------------------------------------------------------------- 8
def _edges_through_boxes(view) -> list[tuple[str, str, str]]:
    """Edges whose line passes through a box that is neither of its ends."""
    scene = view.scene
    bad = []
    for edge, item in scene.edges:
        path = item.path()
        ends = {edge.source, edge.target}
        for nid, box in scene.node_items.items():
            if nid in ends:
                continue
            rect = box.rect().adjusted(2, 2, -2, -2)
            if any(rect.contains(path.pointAtPercent(t / 40)) for t in range(41)):
                bad.append((edge.source, edge.target, nid))
    return bad


def test_with_saved_tensors_every_edge_runs_down_and_clear_of_other_boxes(qtbot):
    ws = Workspace()
    view = show(qtbot, GraphView(ws))
    view.saved_box.setChecked(True)  # on from the start: every op adds its saved tensors live
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.create("w", "tensor", {"data": "[0.5, -1., 2.]"}, requires_grad=True)
    for op, name, args in [
        ("mul", "y", {"a": "x", "b": "w"}), ("sigmoid", "s", {"input": "x"}),
        ("mul", "z", {"a": "y", "b": "s"}), ("tanh", "t", {"input": "z"}),
        ("mul", "q", {"a": "t", "b": "x"}), ("mul", "q2", {"a": "q", "b": "w"}),
        ("sum", "loss", {"input": "q2"}),
    ]:  # fmt: skip
        ws.apply(op, name, args)
        pos = view.document.positions
        for e in view.document.visible.edges:
            assert pos[e.target][1] > pos[e.source][1], (e.source, e.target)
        assert _edges_through_boxes(view) == [], name
    assert sum(n.kind == "saved" for n in view.graph().nodes) == 10


def test_a_name_made_again_deeper_never_sits_above_its_producer(qtbot):
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "2"})
    ws.apply("add", "z", {"a": "x", "b": "1"})
    ws.apply("mul", "c", {"a": "z", "b": "2"})
    ws.apply("mul", "d", {"a": "c", "b": "2"})
    view = show(qtbot, GraphView(ws))
    ws.delete("y")
    ws.apply("mul", "y", {"a": "d", "b": "2"})  # y again, three rows further down
    y = view.node_by_name("y")
    producer = next(e.source for e in view.graph().edges if e.target == y.id)
    assert view.node_position(y.id)[1] > view.node_position(producer)[1]


# ------------------------------------------------------------------------ 14
def test_an_external_graph_keeps_a_banner_with_a_way_back(qtbot):
    ws = chain_ws()
    view = show(qtbot, GraphView(ws))
    assert not view.banner.isVisible()
    net = nn.Sequential(nn.Linear(3, 2))
    graph = capture_module(net, torch.randn(4, 3), loss=lambda o: o.pow(2).mean())
    view.document.show_external(graph, "training batch loss")
    assert view.banner.isVisible() and "training batch loss" in view.banner_text.text()
    qtbot.wait(50)  # the banner lasts: no timer takes it away
    assert view.banner.isVisible()
    qtbot.mouseClick(view.back_button, Qt.MouseButton.LeftButton)
    assert not view.banner.isVisible() and view.node_by_name("loss") is not None


# ------------------------------------------------------------------------ 18
def test_one_node_is_not_one_nodes(qtbot):
    ws = Workspace()
    ws.create("x", "ones", {"size": "2"})
    view = show(qtbot, GraphView(ws))
    assert view.status.text() == "1 node · depth 1"


# ------------------------------------------------------------------------ 20
def test_empty_canvas_explains_how_to_start(qtbot):
    ws = Workspace()
    view = show(qtbot, GraphView(ws))
    assert view.empty_hint.isVisible() and "requires_grad" in view.empty_hint.text()
    assert view.canvas.viewport().geometry().contains(view.empty_hint.geometry())
    ws.create("x", "ones", {"size": "2"}, requires_grad=True)
    assert not view.empty_hint.isVisible()


def test_legend_tells_plain_constants_from_cut_off_ones(qtbot):
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.create("c", "ones", {"size": "2"})  # plain data: never cut from anything
    ws.apply("mul", "y", {"a": "x", "b": "c"})
    ws.apply("detach", "u", {"input": "y"})  # cut off from y
    view = show(qtbot, GraphView(ws))
    assert view.legend["constant"].text() == "constant" and view.legend["cut"].text() == "cut off"
    c, u = view.node_by_name("c"), view.node_by_name("u")
    assert not c.cut and u.cut
    assert "cut off" not in view.tooltip_for(c.id) and "cut off" in view.tooltip_for(u.id)


def test_inspector_empty_hint_wraps_without_a_sideways_scrollbar(qtbot):
    from gradviz.qt.inspector import Inspector
    from gradviz.qt.workspace_model import WorkspaceModel

    model = WorkspaceModel()
    inspector = show(qtbot, Inspector(model), (300, 400))
    assert inspector.title.text() == "Nothing selected"
    assert inspector.values.horizontalScrollBar().maximum() == 0
    model.workspace.create("x", "ones", {"size": "200"})
    inspector.show_tensor("x")
    assert inspector.values.lineWrapMode() == inspector.values.LineWrapMode.NoWrap


def test_inspector_shows_a_function_as_tables_not_dicts(qtbot):
    from gradviz.qt.inspector import Inspector
    from gradviz.qt.workspace_model import WorkspaceModel

    model = WorkspaceModel()
    ws = model.workspace
    ws.create("x", "tensor", {"data": "[[1., 2., 3.]]"}, requires_grad=True)
    ws.create("w", "tensor", {"data": "[[1., 0.], [0., 1.], [1., 1.]]"}, requires_grad=True)
    ws.apply("matmul", "y", {"a": "x", "b": "w"})
    inspector = show(qtbot, Inspector(model), (420, 500))
    fn = ws["y"].grad_fn
    inspector.show_function(fn)
    text = " ".join(
        inspector.table.item(r, c).text()
        for r in range(inspector.table.rowCount())
        for c in range(2)
    )
    assert "{" not in text and "fn-" not in text and "0x" not in text  # no dicts, no ids
    assert inspector.value_of("sends gradients to") == "x.grad, w.grad"
    rows = {
        inspector.saved_table.item(r, 0).text(): [
            inspector.saved_table.item(r, c).text() for c in range(1, 5)
        ]
        for r in range(inspector.saved_table.rowCount())
    }
    # the oracle: what torch itself saved on the node
    saved = {a[7:]: getattr(fn, a) for a in dir(fn) if a.startswith("_saved_")}
    tensors = {k: v for k, v in saved.items() if isinstance(v, torch.Tensor)}
    assert len(rows) == len(tensors) > 0
    for name, t in tensors.items():
        key = next(k for k in rows if k.split(" = ")[0] == name)
        shape, dtype, state, size = rows[key]
        assert shape == str(tuple(t.shape)) and dtype == "float32" and state == "kept"
        assert size == f"{t.numel() * t.element_size()} B"
    ws.backward("y", "[[1., 1.]]")  # without retain_graph: the saved tensors are freed
    inspector.show_function(fn)
    states = {
        inspector.saved_table.item(r, 3).text() for r in range(inspector.saved_table.rowCount())
    }
    assert states == {"freed"}
    F.relu  # noqa: B018  (torch.nn.functional imported for readers of the module graph tests)
