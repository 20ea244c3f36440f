"""An in-place change names the views it reached, and an edit through a view names its
base (fault 9 of issue 10). The oracle is the memory itself: the view really changed."""

from __future__ import annotations

import pytest
import torch

from gradviz.qt.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    return w


def test_add_in_place_on_a_base_names_its_view(qtbot, window):
    ws = window.model.workspace
    ws.create("t", "arange", {"end": "6"}, dtype="float32")
    ws.apply("reshape", "v", {"input": "t", "shape": "2, 3"})
    palette = window.palette
    palette.select_op("add_")
    palette.field("a").set_text("t")
    palette.field("b").set_text("100")
    with qtbot.waitSignal(window.model.message) as said:
        assert palette.apply()
    assert torch.equal(ws.tensors["v"], torch.arange(6.0).reshape(2, 3) + 100)  # it did change
    assert "t changed in place" in said.args[0] and "view v changed too" in said.args[0]


def test_a_grid_edit_through_a_view_names_the_base(qtbot, window):
    ws = window.model.workspace
    ws.create("t", "arange", {"end": "6"}, dtype="float32")
    ws.apply("reshape", "v", {"input": "t", "shape": "2, 3"})
    grid = window.workspace_panel.grid_model
    grid.set_tensor("v")
    with qtbot.waitSignal(window.model.message) as said:
        assert grid.setData(grid.index(0, 1), "50")
    assert ws.tensors["t"][1].item() == 50.0  # the base changed through the view
    assert "base t changed too" in said.args[0]
