"""The graph at laptop sizes (1280×720 and 1600×900), in the main window as a learner opens it:
an 8-block MLP from "Inspect this step" opens collapsed and readable, its repeated blocks fold
into one ×8 box, and stepping backward keeps the current node in sight."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import Qt
from torch import nn

from gradviz.core.graph import capture_module
from gradviz.qt.main_window import MainWindow

SIZES = [(1280, 720), (1600, 900)]


def mlp_graph(blocks: int = 8, width: int = 16):
    torch.manual_seed(0)
    net = nn.Sequential(*[m for _ in range(blocks) for m in (nn.Linear(width, width), nn.Tanh())])
    x, y = torch.randn(32, width), torch.randn(32, width)
    return capture_module(net, x, loss=lambda out: F.mse_loss(out, y))


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def window(qtbot, request):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(*request.param)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.training_panel.shutdown()


def on_screen(view, node_id: str) -> bool:
    """Whether the box of ``node_id`` lies wholly inside the graph's visible area."""
    rect = view.scene.node_rect(node_id)
    shown = view.canvas.mapFromScene(rect).boundingRect()
    return view.canvas.viewport().rect().contains(shown)


def test_a_module_graph_opens_collapsed_with_readable_labels(window):
    graph = mlp_graph()
    window.inspect_graph(graph)
    view = window.graph_view
    assert view.document.collapsed  # opened collapsed
    assert view.node_count() < len(graph) / 4
    px = view.text_px()
    assert set(px) == {"node", "edge"} and min(px.values()) >= 9  # every label readable
    fold = next(nid for nid in view.scene.node_items if nid.startswith("fold:"))
    assert on_screen(view, fold)  # the whole network, as one box, in view
    assert view.scene.visible_text(fold)[0].endswith("×8")


def test_repeated_blocks_fold_into_one_box_that_a_click_opens(qtbot, window):
    graph = mlp_graph()
    window.inspect_graph(graph)
    view = window.graph_view
    fold = next(nid for nid in view.scene.node_items if nid.startswith("fold:"))
    lines = view.scene.visible_text(fold)
    assert lines[0] == "net.0…15 Linear→Tanh ×8"
    params = sum(n.ref.numel() for n in graph.nodes if n.kind == "leaf" and n.name)
    assert lines[1].startswith(f"{params:,} params")
    centre = view.scene.node_rect(fold).center()
    view.canvas.centerOn(centre)
    qtbot.mouseClick(
        view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=view.canvas.mapFromScene(centre)
    )
    boxes = sorted(nid for nid in view.scene.node_items if nid.startswith("group:"))
    assert boxes == sorted(f"group:net.{i}" for i in range(16))  # all eight pairs, each a box
    assert min(view.text_px().values()) >= 9
    qtbot.mouseClick(view.collapse_button, Qt.MouseButton.LeftButton)
    assert [n for n in view.scene.node_items if n.startswith("group:")] == ["group:net"]
    qtbot.mouseClick(view.expand_button, Qt.MouseButton.LeftButton)
    assert not any(n.startswith(("group:", "fold:")) for n in view.scene.node_items)


def test_stepping_keeps_the_current_node_in_view(qtbot, window):
    graph = mlp_graph()
    assert 40 <= len(graph) <= 45
    window.inspect_graph(graph)
    view, panel = window.graph_view, window.backward_panel
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    steps = 0
    while panel.step_button.isEnabled():
        qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
        view.settle()  # the smooth pan, finished
        current = view.scene.current
        assert current is not None and on_screen(view, current), (steps, current)
        steps += 1
    assert steps == len(panel.trace.steps)
    assert min(view.text_px().values()) >= 9  # following never zoomed out to unreadable
