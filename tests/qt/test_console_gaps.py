"""Console follow-ups: .grad in the grid, shared memory and objects in the Inspector."""

from __future__ import annotations

import torch
from PySide6.QtCore import Qt

from gradviz.qt.tensor_editor import WorkspacePanel
from gradviz.qt.workspace_model import WorkspaceModel


def _grid_values(grid) -> list[list[str]]:
    return [
        [grid.data(grid.index(r, c)) for c in range(grid.columnCount())]
        for r in range(grid.rowCount())
    ]


def test_grid_shows_grad_read_only(qtbot):
    model = WorkspaceModel()
    panel = WorkspacePanel(model)
    qtbot.addWidget(panel)
    model.workspace.run_code("w = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)")
    model.select("w")
    panel.show_grad.setChecked(True)
    assert panel.grid_model.rowCount() == 0  # no grad yet: the hint says why
    assert "w.grad is None" in panel.grid.hint
    model.workspace.run_code("(w ** 3).sum().backward()")
    grid = panel.grid_model
    oracle = 3 * torch.tensor([[1.0, 2.0], [3.0, 4.0]]) ** 2  # d/dw sum(w^3)
    assert _grid_values(grid) == [[str(int(v)) for v in row] for row in oracle.tolist()]
    index = grid.index(0, 0)
    assert not grid.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not grid.setData(index, "5")
    assert model.workspace.tensors["w"].grad[0, 0].item() == 3.0
    assert "w.grad[0, 0]" in grid.data(index, Qt.ItemDataRole.ToolTipRole)
    panel.show_grad.setChecked(False)  # back to the values, editable again
    assert _grid_values(grid) == [["1", "2"], ["3", "4"]]
    assert grid.flags(index) & Qt.ItemFlag.ItemIsEditable
