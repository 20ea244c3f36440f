"""Console follow-ups: .grad in the grid, shared memory and objects in the Inspector."""

from __future__ import annotations

import threading

import numpy as np
import pytest
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


def _inspector(qtbot):
    from gradviz.qt.inspector import Inspector

    model = WorkspaceModel()
    panel = WorkspacePanel(model)
    inspector = Inspector(model)
    qtbot.addWidget(panel)
    qtbot.addWidget(inspector)
    return model, panel, inspector


def test_inspector_names_the_array_a_tensor_shares_memory_with(qtbot):
    model, _panel, inspector = _inspector(qtbot)
    model.workspace.run_code(
        "a = np.zeros(3)\nt = torch.from_numpy(a)\nu = torch.ones(3)\nb = u.numpy()"
    )
    ns = model.workspace.namespace
    assert np.shares_memory(ns["a"], ns["t"].numpy())  # the oracle: NumPy itself
    model.select("t")
    assert inspector.value_of("shares memory with array") == "a"
    model.select("u")
    assert inspector.value_of("shares memory with array") == "b"
    model.workspace.run_code("c = torch.zeros(2)")
    model.select("c")  # its own memory: no such row
    assert inspector.value_of("shares memory with array") is None


def test_selecting_objects_shows_them_in_the_inspector(qtbot):
    model, panel, inspector = _inspector(qtbot)
    model.workspace.run_code(
        "net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))\n"
        "t = torch.ones(2, 2)\narr = t.numpy()"
    )
    objects = panel.objects
    assert objects.names() == ["net", "arr"]
    objects.setCurrentItem(objects.topLevelItem(0))  # what a click does
    net = model.workspace.namespace["net"]
    assert inspector.title.text() == "Sequential net"
    assert inspector.value_of("parameters") == f"{sum(p.numel() for p in net.parameters()):,}"
    for key, value in net.state_dict().items():
        shape = "×".join(map(str, value.shape))
        size = f"{value.numel():,} element{'s' * (value.numel() != 1)}"
        assert inspector.value_of(key) == f"{shape} · {size}"
    assert model.selected == ""  # one selection across both lists
    objects.setCurrentItem(objects.topLevelItem(1))
    assert inspector.title.text() == "ndarray arr"
    assert inspector.value_of("shape") == "(2, 2)"
    assert inspector.value_of("dtype") == "float32"
    assert inspector.value_of("shares memory with") == "t"
    model.select("t")  # picking a tensor again shows the tensor, and the array list lets go
    assert inspector.title.text() == "tensor t"
    assert not objects.selectedItems()


@pytest.fixture
def window(qtbot):
    from gradviz.qt.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.console.shutdown()


def _session_with_code(tmp_path, source):
    from gradviz.core.workspace import Workspace

    ws = Workspace()
    ws.run_code("secret = torch.arange(3.0)")
    ws.history[-1].args["source"] = source  # what the file will run when opened
    path = tmp_path / "code.gradviz"
    ws.save(path)
    return path


def test_opening_a_session_runs_its_code_on_the_console_worker(
    qtbot, window, tmp_path, monkeypatch
):
    path = _session_with_code(
        tmp_path, "import threading\nsecret = torch.arange(3.0)\nran_on = threading.get_ident()"
    )
    asked = []
    monkeypatch.setattr(
        "gradviz.qt.main_window.ask_run_code", lambda parent, p: asked.append(p) or True
    )
    assert window.open_session(path)
    assert asked == [path]  # the dialog still asks first
    qtbot.waitUntil(lambda: not window.console.busy, timeout=30000)
    ws = window.model.workspace
    assert ws.namespace["ran_on"] != threading.get_ident()  # not the GUI thread
    assert torch.equal(ws["secret"], torch.arange(3.0))
    assert window.workspace_panel.list.names() == ["secret"]
    assert window.session_path == path and not window.is_modified


def test_stopping_a_session_that_loops_opens_nothing(qtbot, window, tmp_path, monkeypatch):
    window.model.workspace.run_code("mine = torch.ones(2)")
    before = list(window.model.workspace.history)
    path = _session_with_code(tmp_path, "while True:\n    pass")
    monkeypatch.setattr("gradviz.qt.main_window.ask_run_code", lambda parent, p: True)
    window._saved_history = before  # nothing to discard: no question
    assert window.open_session(path)
    assert window.console.busy  # the loop runs on the worker; the GUI thread is free
    window.console.interrupt()
    qtbot.waitUntil(lambda: not window.console.busy, timeout=30000)
    assert "opening stopped" in window.open_error
    assert window.model.workspace.history == before  # exactly as it was
    assert window.workspace_panel.list.names() == ["mine"]
    assert window.session_path != path
