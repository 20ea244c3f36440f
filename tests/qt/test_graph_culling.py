"""A big graph in the view: items exist only near what is on screen, and opening one box
re-makes only the boxes that moved."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gradviz.core.graph import Graph, capture_module
from gradviz.core.graph_document import GraphDocument
from gradviz.core.graph_walk import release_deep
from gradviz.qt import graph_scene
from gradviz.qt.graph_view import GraphView
from gradviz.qt.inspector import Inspector
from gradviz.qt.workspace_model import WorkspaceModel


class Step(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return torch.tanh(self.fc(x))


@pytest.fixture
def big(qtbot):
    """A 50 000-node chain, opened collapsed, its ×10 000 fold opened: 10 000 boxes."""
    torch.manual_seed(0)
    net = nn.Sequential(*[Step() for _ in range(10_000)])
    graph = capture_module(net, torch.randn(1, 2), loss=lambda out: out.sum())
    doc = GraphDocument()
    view = GraphView(doc)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    qtbot.waitExposed(view)
    doc.show_external(graph, "chain")
    doc.unfold(next(n.id for n in doc.visible.nodes if n.id.startswith("fold:")))
    yield view, doc, graph
    doc.show_external(Graph(), "")  # the view lets go of the chain's nodes
    release_deep([doc, graph, net])  # a 50 000-node chain is freed on a big stack


def boxes_on_screen(view) -> set[str]:
    """The box ids whose items lie under the viewport, as the user sees them."""
    canvas = view.canvas
    seen = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    return {
        hit[1]
        for item in view.scene.items(seen)
        if (hit := view.scene.node_at_item(item)) is not None and hit[0] == "node"
    }


def test_a_50k_chain_makes_items_only_for_the_screen_around_the_view(big):
    view, doc, graph = big
    scene = view.scene
    assert len(graph) > 50_000 and view.node_count() > 10_000
    # a screenful of boxes and their edges, not ten thousand
    assert len(scene.node_items) < 200 and len(scene.items()) < 1_000
    shown = boxes_on_screen(view)
    assert shown and all(box in scene.node_items for box in shown)
    # what is on screen is what the model puts there: every box in the viewport has its item
    canvas = view.canvas
    seen = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    inside = {nid for nid in scene.rects if scene.node_rect(nid).intersects(seen)}
    assert inside and inside <= shown
    # scrolling to the end makes the items there, and still only around the view
    bottom = max(scene.rects, key=lambda nid: scene.rects[nid][1])
    view.canvas.centerOn(scene.node_rect(bottom).center())
    assert bottom in scene.node_items and bottom in boxes_on_screen(view)
    assert len(scene.node_items) < 400


def test_opening_a_box_keeps_the_items_of_the_boxes_that_stayed(big):
    view, doc, _graph = big
    scene = view.scene
    shown = sorted(
        (nid for nid in boxes_on_screen(view) if nid.startswith("group:net.")),
        key=lambda nid: scene.rects[nid][1],
    )
    target = shown[len(shown) // 2]
    above = [nid for nid in shown if scene.rects[nid][3] < scene.rects[target][1]]
    items = {nid: scene.node_items[nid] for nid in above}
    made = scene.items_made
    doc.expand(target[len("group:") :])
    assert target not in scene.node_items  # the opened box went; its children came
    assert any(nid.startswith(target + ".") for nid in scene.node_items)
    # the boxes above did not move: the very same items are still drawn
    assert above and all(scene.node_items[nid] is items[nid] for nid in above)
    assert scene.items_made - made < 400  # a screenful made again, not the graph
    # every box drawn has all its edges drawn, kept boxes included
    for nid in scene.node_items:
        assert all(scene.edges[i][1] is not None for i in scene._touch.get(nid, ()))
    # and every item drawn sits where the document places its box
    for nid, item in scene.node_items.items():
        x, y = doc.positions[nid]
        assert item.rect().center().x() == pytest.approx(x)
        assert item.rect().center().y() == pytest.approx(y)


def test_zoomed_far_out_a_big_graph_is_painted_as_plain_boxes(big):
    view, _doc, _graph = big
    view.zoom_by(0.001)  # as far out as the view goes
    view.canvas.viewport().repaint()
    assert len(view.scene.node_items) < 400  # the overview made no items
    image = view.canvas.viewport().grab().toImage()
    # the chain is a column of box-coloured pixels down the middle, not a blank view
    assert any(image.pixelColor(x, image.height() // 2).lightness() < 240 for x in range(0, 1200))


def test_the_inspector_names_an_external_graphs_tensors(qtbot):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2))
    x, y = torch.randn(4, 3), torch.randn(4, 2)
    graph = capture_module(net, x, loss=lambda out: F.mse_loss(out, y), names={"target": y})
    doc = GraphDocument()
    doc.show_external(graph, "batch")
    inspector = Inspector(WorkspaceModel())
    qtbot.addWidget(inspector)
    addmm = next(n for n in graph.nodes if n.label == "AddmmBackward0")
    inspector.show_function(addmm.ref, doc.tensor_names())
    sends = inspector.value_of("sends gradients to")
    assert "net.0.bias.grad" in sends and "a leaf" not in sends
    names = doc.tensor_names()
    assert names[id(y)] == "target" and names[id(x)] == "input"
    # the loss's saved tensors: the batch's target is named as such
    mse = next(n for n in graph.nodes if n.label == "MseLossBackward0")
    inspector.show_function(mse.ref, names)
    table = inspector.saved_table
    cells = {table.item(r, 0).text() for r in range(table.rowCount())}
    assert "target = target" in cells


def test_a_small_graph_still_makes_every_item(qtbot, monkeypatch):
    """Below the threshold nothing is culled (tests and small drawings see every item)."""
    monkeypatch.setattr(graph_scene, "LAZY_FROM", 10**9)
    torch.manual_seed(0)
    net = nn.Sequential(*[Step() for _ in range(30)])
    graph = capture_module(net, torch.randn(1, 2), loss=lambda out: out.sum())
    doc = GraphDocument()
    view = GraphView(doc)
    qtbot.addWidget(view)
    view.resize(400, 300)
    doc.show_external(graph, "small")
    doc.expand_all()
    assert not view.scene.lazy
    assert set(view.scene.node_items) == set(view.scene.rects) == {n.id for n in doc.visible.nodes}
