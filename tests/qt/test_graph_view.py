"""The graph view as a user sees it: growing live, clicks, search, groups, export, annotations."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication
from torch import nn

from gradviz.core.graph import capture_module, function_node_id, tensor_node_id
from gradviz.core.workspace import Workspace
from gradviz.qt import graph_items as gi
from gradviz.qt.graph_view import GraphView


@pytest.fixture
def ws():
    w = Workspace()
    w.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    w.create("w", "tensor", {"data": "[0.5, -1., 2.]"}, requires_grad=True)
    return w


@pytest.fixture
def view(qtbot, ws):
    v = GraphView(ws)
    qtbot.addWidget(v)
    v.resize(900, 650)
    v.show()
    qtbot.waitExposed(v)
    return v


def positions_by_key(view):
    out = {}
    for n in view.graph().nodes:
        out[view.key_of(n.id)] = view.node_position(n.id)
    return out


def click_scene_point(qtbot, view, point):
    view.canvas.centerOn(point)
    pos = view.canvas.mapFromScene(point)
    qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_view_grows_with_each_op_and_old_nodes_stay_put(qtbot, view, ws):
    assert view.node_count() == 2  # two leaves, nothing computed yet
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    assert view.node_count() == 4  # + MulBackward0 + y
    before = positions_by_key(view)
    ws.apply("detach", "u", {"input": "y"})
    ws.apply("mul", "z", {"a": "u", "b": "x"})
    ws.apply("sum", "loss", {"input": "z"})
    # + u (constant) + MulBackward0 + z + SumBackward0 + loss
    assert view.node_count() == 9
    after = positions_by_key(view)
    for key, pos in before.items():
        assert after[key] == pos, key
    u = view.node_by_name("u")
    assert u.kind == "constant" and u.cut
    # undo replays the history: new tensor objects, same places on screen
    ws.undo()
    assert view.node_count() == 7
    undone = positions_by_key(view)
    for key, pos in undone.items():
        assert after[key] == pos, key
    ws.redo()
    assert positions_by_key(view) == after


def test_deleting_a_tensor_removes_its_node(view, ws):
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    ws.delete("y")
    names = {n.name for n in view.graph().nodes}
    assert "y" not in names and {"x", "w"} <= names


def test_clicking_a_node_emits_it(qtbot, view, ws):
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    fn = function_node_id(ws["y"].grad_fn)
    rect = view.scene.node_rect(fn)
    with qtbot.waitSignal(view.nodeClicked) as blocker:
        click_scene_point(qtbot, view, rect.center())
    node = blocker.args[0]
    assert node.id == fn and node.label == "MulBackward0" and node.ref is ws["y"].grad_fn
    assert view.selected().id == fn
    assert view.scene.node_items[fn].pen().color() == gi.SELECTED


def test_clicking_a_node_shows_it_in_the_inspector(qtbot):
    from gradviz.qt.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    view = window.graph_view
    assert isinstance(view, GraphView)
    click_scene_point(qtbot, view, view.scene.node_rect(function_node_id(ws["y"].grad_fn)).center())
    assert "MulBackward0" in window.inspector.title.text()
    click_scene_point(qtbot, view, view.scene.node_rect(tensor_node_id(ws["x"])).center())
    assert window.inspector.title.text() == "tensor x"


def test_clicking_an_edge_emits_its_ends(qtbot, view, ws):
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    edge, item = next((e, i) for e, i in view.scene.edges if e.source == tensor_node_id(ws["x"]))
    point = item.path().pointAtPercent(0.5)
    with qtbot.waitSignal(view.edgeClicked) as blocker:
        click_scene_point(qtbot, view, point)
    assert blocker.args == [edge.source, edge.target]


def test_dragging_pans_instead_of_clicking(qtbot, view, ws):
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    view.set_zoom(4.0)
    bars = (view.canvas.horizontalScrollBar(), view.canvas.verticalScrollBar())
    start = [b.value() for b in bars]
    viewport = view.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))
    for step in range(1, 11):  # QTest.mouseMove carries no buttons; send real drag moves
        pos = QPointF(400 - 10 * step, 300 - 10 * step)
        move = QMouseEvent(
            QEvent.Type.MouseMove, pos, viewport.mapToGlobal(pos), Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
        )  # fmt: skip
        QApplication.sendEvent(viewport, move)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    assert [b.value() for b in bars] != start
    assert view.selected() is None  # a drag is not a click


def test_wheel_zoom_and_level_of_detail(view, ws):
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    view.set_zoom(1.0)
    assert view.scene.text_layer.isVisible() and view.scene.label_layer.isVisible()
    view.set_zoom(0.2)
    assert not view.scene.text_layer.isVisible()  # labels give way to boxes
    assert not view.scene.label_layer.isVisible()
    view.set_zoom(1.0)
    assert view.scene.text_layer.isVisible()
    view.fit()
    rect = view.scene.itemsBoundingRect()
    seen = view.canvas.mapToScene(view.canvas.viewport().rect()).boundingRect()
    assert seen.contains(rect)


def test_search_finds_a_node_by_name(qtbot, view, ws):
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    with qtbot.waitSignal(view.nodeClicked) as blocker:
        qtbot.keyClicks(view.search, "w")
    assert blocker.args[0].name == "w"
    assert view.selected().name == "w"
    assert "1 of" in view.status.text()
    view.search.clear()
    qtbot.keyClicks(view.search, "mulback")
    assert view.selected().label == "MulBackward0"
    view.search.clear()
    qtbot.keyClicks(view.search, "zzz")
    assert view.status.text() == "no node matches 'zzz'"
    assert view.selected().label == "MulBackward0"  # a miss keeps the selection


def test_hover_tooltip_shows_the_formula(view, ws):
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    tip = view.tooltip_for(function_node_id(ws["y"].grad_fn))
    assert "MulBackward0" in tip and "out = a ⊙ b" in tip
    assert "leaf" in view.tooltip_for(tensor_node_id(ws["x"]))


def test_saved_tensors_toggle_is_off_by_default(view, ws):
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    assert not view.saved_box.isChecked()
    assert not [n for n in view.graph().nodes if n.kind == "saved"]
    before = view.node_count()
    view.saved_box.setChecked(True)
    saved = [n for n in view.graph().nodes if n.kind == "saved"]
    assert sorted(n.label for n in saved) == ["other", "self"]
    assert view.node_count() == before + 2
    assert view.scene.node_items[saved[0].id].brush().color() == gi.FILL["saved"]


def _mlp_graph():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x, target = torch.randn(5, 4), torch.randn(5, 2)
    return capture_module(net, x, loss=lambda out: F.mse_loss(out, target))


def test_module_groups_collapse_and_expand(qtbot):
    view = GraphView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    graph = _mlp_graph()
    view.show_graph(graph)
    assert view.document.collapsed  # too tall to fit at a readable zoom: it opens collapsed
    qtbot.mouseClick(view.expand_button, Qt.MouseButton.LeftButton)
    assert view.graph() is not None and view.groups() == ["net", "net.0", "net.1", "net.2"]
    assert set(view.scene.group_items) == {"net", "net.0", "net.1", "net.2"}
    total = view.node_count()
    height = view.scene.sceneRect().height()
    view.collapse("net.0")
    assert view.is_collapsed("net.0")
    assert view.node_count() == total - 4 + 1  # four nodes became one box
    assert "group:net.0" in view.scene.node_items
    assert view.scene.sceneRect().height() < height  # laid out again: the box takes less room
    view.expand("net.0")
    assert view.node_count() == total
    # clicking a frame's title toggles it, as a user would
    title = view.scene.group_items["net.2"].rect().topLeft()
    with qtbot.waitSignal(view.groupToggled) as blocker:
        click_scene_point(qtbot, view, title + type(title)(12, 9))
    assert blocker.args == ["net.2", True]
    box = view.scene.node_items["group:net.2"].rect().center()
    click_scene_point(qtbot, view, box)
    assert not view.is_collapsed("net.2") and view.node_count() == total


def test_export_png_svg_dot(tmp_path, view, ws):
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    png, svg, dot = (view.export(tmp_path / f"g.{s}") for s in ("png", "svg", "dot"))
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 100
    # the PNG really shows the boxes: some pixels have the leaf colour
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3)}  # fmt: skip
    assert gi.FILL["leaf"].name() in colours and gi.FILL["output"].name() in colours
    text = svg.read_text()
    assert text.startswith("<?xml") and "<svg" in text and "MulBackward0" in text
    dot_text = dot.read_text()
    assert dot_text.startswith("digraph {") and "MulBackward0" in dot_text
    with pytest.raises(ValueError, match="unknown export format"):
        view.export(tmp_path / "g.bmp")


def test_annotation_api_highlights_nodes_and_edges(qtbot, view, ws):
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    ws.apply("sum", "loss", {"input": "y"})
    mul = function_node_id(ws["y"].grad_fn)
    total = function_node_id(ws["loss"].grad_fn)
    view.set_current(mul)
    view.set_done([total])
    assert view.scene.node_items[mul].pen().color() == gi.CURRENT
    assert view.scene.node_items[total].pen().color() == gi.DONE
    x = tensor_node_id(ws["x"])
    view.set_edge_text(x, mul, "grad [0.5, -1, 2]", "∂loss/∂x")
    notes = [i for i, (kind, _) in view.scene.info.items() if kind == "edge-note"]
    notes = [i for i in notes if i.childItems()]  # the frame, not its text
    assert len(notes) == 1 and notes[0].toolTip() == "∂loss/∂x"
    assert notes[0].childItems()[0].text() == "grad [0.5, -1, 2]"
    # annotations survive a live update
    ws.apply("mul", "q", {"a": "w", "b": "w"})
    assert view.scene.node_items[mul].pen().color() == gi.CURRENT
    view.clear_annotations()
    assert view.scene.node_items[mul].pen().color() != gi.CURRENT
    assert not [k for k, _ in view.scene.info.values() if k == "edge-note"]


def test_ids_match_a_trace_capture(view, ws):
    """The backward panel annotates with ids from capture_graph(root): they must be on screen."""
    from gradviz.core.graph import capture_graph

    ws.apply("mul", "y", {"a": "x", "b": "w"})
    ws.apply("sum", "loss", {"input": "y"})
    trace_graph = capture_graph(ws["loss"])
    assert {n.id for n in trace_graph.nodes} <= set(view.scene.node_items)


def test_large_graph_builds_and_zooms(qtbot):
    view = GraphView()
    qtbot.addWidget(view)
    h = torch.randn(2, 4)
    for _ in range(300):
        h = torch.tanh(h @ torch.randn(4, 4, requires_grad=True))
    from gradviz.core.graph import capture_graph

    view.show_graph(capture_graph(h.sum()))
    assert view.node_count() == 902
    view.fit()
    # Fit stops where text is still readable; the rest scrolls, with an overview minimap
    assert view.scene.text_layer.isVisible() and min(view.text_px().values()) >= 9
    assert view.minimap.isVisibleTo(view)
    view.set_zoom(0.2)  # the user may zoom out further: text then gives way to boxes
    assert not view.scene.text_layer.isVisible()


def test_minimap_shows_a_picture_made_once_not_the_scene_on_every_scroll(qtbot, monkeypatch):
    from gradviz.core.graph import capture_graph
    from gradviz.qt.graph_scene import GraphScene

    view = GraphView()
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    h = torch.randn(2, 4)
    for _ in range(300):
        h = torch.tanh(h @ torch.randn(4, 4, requires_grad=True))
    renders = []
    real = GraphScene.render
    monkeypatch.setattr(GraphScene, "render", lambda *a, **k: renders.append(1) or real(*a, **k))
    view.show_graph(capture_graph(h.sum()))
    view.fit()
    mm = view.minimap
    assert mm.isVisible()
    mm.viewport().repaint()
    QApplication.processEvents()
    bar = view.canvas.verticalScrollBar()
    for _ in range(6):  # the user scrolls down: the frame moves, the picture stays
        bar.setValue(bar.value() + 200)
        view.canvas.viewport().repaint()
        mm.viewport().update()
        QApplication.processEvents()
    assert len(renders) == 1
    assert not mm.items()  # it has no items of its own to paint
    # the picture is the drawing: box outlines, not an empty background
    image = mm.grab().toImage()
    colours = {image.pixelColor(x, y).rgb() for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3)}  # fmt: skip
    assert len(colours) > 4
    # a new graph: a new picture
    view.show_graph(capture_graph((h * 2).sum()))
    mm.viewport().repaint()
    QApplication.processEvents()
    assert len(renders) == 2


def test_no_grad_result_is_drawn_cut_off_from_its_inputs(view, ws):
    ws.apply("mul", "c", {"a": "x", "b": "w"}, no_grad=True)
    c = view.node_by_name("c")
    assert c.kind == "constant" and c.cut
    cuts = {(e.source, e.target) for e, _ in view.scene.edges if e.kind == "cut"}
    assert cuts == {(tensor_node_id(ws["x"]), c.id), (tensor_node_id(ws["w"]), c.id)}
    assert view.scene.node_items[c.id].pen().color() == gi.CUT
    assert view.scene.visible_text(c.id) == ["c", "(3)"]


def test_a_value_read_by_many_nodes_shares_one_bus(view, ws):
    for i in range(7):
        ws.apply("mul", f"p{i}", {"a": "x", "b": "w"})
    buses = [item for item, (kind, _) in view.scene.info.items() if kind == "bus"]
    assert len(buses) == 2  # x and w each feed 7 products
    x_edges = [item for e, item in view.scene.edges if e.source == tensor_node_id(ws["x"])]
    assert len(x_edges) == 7
    for item in x_edges:  # each edge is a short straight drop, still its own clickable item
        assert item.boundingRect().width() < 20


def test_export_to_a_missing_folder_fails_cleanly(tmp_path, view, ws):
    with pytest.raises(OSError):
        view.export(tmp_path / "missing" / "g.png")
    assert not (tmp_path / "missing").exists()


def test_background_edges_and_text_follow_the_dark_theme(qtbot, ws, restore_theme):
    from gradviz.qt.theme import apply_theme

    app = QApplication.instance()
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    ws.apply("sum", "loss", {"input": "y"})
    v = GraphView(ws)
    qtbot.addWidget(v)
    v.resize(600, 500)
    v.show()
    qtbot.waitExposed(v)

    def corner_lightness() -> int:
        image = v.canvas.viewport().grab().toImage()
        return image.pixelColor(3, 3).lightness()

    leaf = tensor_node_id(ws.tensors["x"])
    fill = v.scene.node_items[leaf].brush().color()
    assert corner_lightness() > 200  # light by default
    apply_theme(app, "dark")  # what View → Theme → Dark does
    qtbot.wait(1)
    assert v.scene.theme == "dark"
    assert v.scene.backgroundBrush().color().lightness() < 60
    assert corner_lightness() < 60  # what the user sees, not just the brush
    edge_pen = v.scene.edges[0][1].pen().color()
    assert edge_pen.lightness() > 120  # edges stand out on the dark background
    assert v.scene.label_layer.colours[0].lightness() > 150  # shapes under the boxes
    # the boxes keep torchviz's light fills, with dark text on them
    assert v.scene.node_items[leaf].brush().color() == fill
    assert v.scene.text_layer.colours[0].lightness() < 60
    apply_theme(app, "light")
    qtbot.wait(1)
    assert v.scene.theme == "light" and corner_lightness() > 200


def test_a_view_made_in_the_dark_theme_starts_dark(qtbot, ws):
    app = QApplication.instance()
    saved = app.property("gradviz_theme")
    app.setProperty("gradviz_theme", "dark")
    try:
        v = GraphView(ws)
        qtbot.addWidget(v)
        assert v.scene.theme == "dark"
        assert v.scene.backgroundBrush().color() == QColor(gi.THEMES["dark"]["BACKGROUND"])
    finally:
        app.setProperty("gradviz_theme", saved)
        v.scene.set_theme("light")
