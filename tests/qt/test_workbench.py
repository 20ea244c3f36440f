"""The workbench through its real widgets: tensor form, grid, palette, inspector, code, undo."""

from __future__ import annotations

import runpy

import pytest
import torch
from PySide6.QtCore import Qt

from gradviz.qt.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    return w


def create_tensor(qtbot, window, name, factory, fields, requires_grad=False, dtype=None):
    dialog = window.new_tensor()
    form = dialog.form
    form.set_factory(factory)
    form.name.setText(name)
    for key, text in fields.items():
        form.field(key).set_text(text)
    form.requires_grad.setChecked(requires_grad)
    if dtype:
        form.dtype.setCurrentText(dtype)
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    return dialog


def apply_op(qtbot, window, op, out, **fields):
    palette = window.palette
    palette.select_op(op)
    for key, text in fields.items():
        palette.field(key).set_text(text)
    palette.out_name.setText(out)
    qtbot.mouseClick(palette.apply_button, Qt.MouseButton.LeftButton)


def test_create_tensor_through_the_dialog(qtbot, window):
    dialog = create_tensor(
        qtbot,
        window,
        "x",
        "tensor",
        {"data": "[[1, 2], [3, 4]]"},
        dtype="float32",
        requires_grad=True,
    )
    assert not dialog.isVisible()
    x = window.model.workspace["x"]
    assert x.requires_grad and x.dtype == torch.float32
    assert window.workspace_panel.list.names() == ["x"]
    grid = window.workspace_panel.grid_model
    assert (grid.rowCount(), grid.columnCount()) == (2, 2)
    assert grid.data(grid.index(1, 0)) == "3"
    assert "x = torch.tensor([[1, 2], [3, 4]], dtype=torch.float32, requires_grad=True)" in (
        window.code_view.code()
    )


def test_bad_literal_keeps_dialog_open_with_a_clear_message(qtbot, window):
    dialog = create_tensor(qtbot, window, "x", "tensor", {"data": "[[1, 2], [3]"})
    assert dialog.isVisible()
    assert "is not valid syntax" in dialog.form.error.text()
    assert window.model.workspace.names() == []
    assert "not valid syntax" in window.statusBar().currentMessage()


def test_palette_search_filters_ops(qtbot, window):
    qtbot.keyClicks(window.palette.search_box, "sigm")
    visible = window.palette.visible_ops()
    assert "sigmoid" in visible and "add" not in visible and "matmul" not in visible
    assert window.palette.current_op == "sigmoid"  # the name match wins over doc matches


def test_apply_op_with_broadcasting_explained(qtbot, window):
    ws = window.model.workspace
    ws.create("a", "ones", {"size": "2, 3"}, requires_grad=True)
    ws.create("b", "tensor", {"data": "[1., 2., 3.]"})
    window.palette.select_op("add")
    window.palette.field("a").set_text("a")
    window.palette.field("b").set_text("b")
    assert "b (3,) is expanded along axis 0 → result (2, 3)" in window.palette.broadcast.text()
    apply_op(qtbot, window, "add", "c", a="a", b="b")
    assert torch.equal(ws["c"], torch.ones(2, 3) + torch.tensor([1.0, 2.0, 3.0]))
    assert "c = a + b" in window.code_view.code()
    assert "Broadcasting" in window.statusBar().currentMessage()


def test_incompatible_shapes_are_refused_and_nothing_changes(qtbot, window):
    ws = window.model.workspace
    ws.create("a", "ones", {"size": "2, 3"})
    ws.create("v", "ones", {"size": "4"})
    window.palette.select_op("add")
    window.palette.field("a").set_text("a")
    window.palette.field("b").set_text("v")
    assert "cannot broadcast (2, 3) with (4,)" in window.palette.broadcast.text()
    apply_op(qtbot, window, "add", "c", a="a", b="v")
    assert ws.names() == ["a", "v"]
    assert "cannot broadcast (2, 3) with (4,)" in window.statusBar().currentMessage()
    assert "cannot broadcast" in window.palette.error.text()


def test_inspector_shows_autograd_properties_and_shared_storage(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "arange", {"end": "6"}, dtype="float32")
    apply_op(qtbot, window, "reshape", "v", input="x", shape="2, 3")
    window.model.select("v")
    insp = window.inspector
    assert insp.value_of("shape") == "(2, 3)"
    assert insp.value_of("view") == "yes"
    assert insp.value_of("shares storage with") == "x"
    assert insp.value_of("stride") == "(3, 1)"
    window.model.select("x")
    assert insp.value_of("is_leaf") == "True"
    assert insp.value_of("grad_fn") == "None"


def test_inspector_shows_grad_after_backward(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    ws.apply("sum", "s", {"input": "y"})
    ws.backward("s")
    window.model.select("x")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad((x * x).sum(), x)
    assert (
        window.inspector.value_of(".grad") == "[" + ", ".join(f"{v:.4g}" for v in g.tolist()) + "]"
    )
    assert window.inspector.value_of("requires_grad") == "True"


def test_editing_a_cell_follows_pytorch_rules(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[[1., 2.], [3., 4.]]"}, requires_grad=True)
    window.model.select("x")
    grid = window.workspace_panel.grid_model
    assert grid.setData(grid.index(0, 1), "9")
    assert ws["x"][0, 1].item() == 9
    assert ws["x"]._version == 1
    assert "no_grad" in window.statusBar().currentMessage()
    assert grid.data(grid.index(0, 1)) == "9"
    # a bad value is refused and nothing changes
    assert not grid.setData(grid.index(0, 0), "hello")
    assert ws["x"][0, 0].item() == 1
    assert "Edit refused" in window.statusBar().currentMessage()


def test_slice_picker_for_3d_tensors(qtbot, window):
    ws = window.model.workspace
    ws.create("t", "arange", {"end": "24"})
    ws.apply("reshape", "c", {"input": "t", "shape": "2, 3, 4"})
    window.model.select("c")
    panel = window.workspace_panel
    assert len(panel.spins) == 1
    grid = panel.grid_model
    assert (grid.rowCount(), grid.columnCount()) == (3, 4)
    assert grid.data(grid.index(0, 0)) == "0"
    panel.spins[0].setValue(1)
    assert grid.data(grid.index(0, 0)) == "12"
    assert grid.setData(grid.index(2, 3), "-5")
    assert ws["c"][1, 2, 3].item() == -5


def test_undo_redo_shortcuts(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"})
    apply_op(qtbot, window, "mul", "y", a="x", b="3")
    assert "y" in ws
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "y" not in ws
    assert window.workspace_panel.list.names() == ["x"]
    qtbot.keyClick(
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert "y" in ws
    assert "y = x * 3" in window.code_view.code()


def test_delete_button_removes_selected_tensor_and_undo_restores(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"})
    window.model.select("x")
    qtbot.mouseClick(window.workspace_panel.delete_button, Qt.MouseButton.LeftButton)
    assert ws.names() == []
    window.undo()
    assert ws.names() == ["x"]


def test_no_grad_checkbox(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"}, requires_grad=True)
    window.palette.select_op("mul")
    window.palette.no_grad.setChecked(True)
    apply_op(qtbot, window, "mul", "y", a="x", b="2")
    assert not ws["y"].requires_grad
    assert "with torch.no_grad():\n    y = x * 2" in window.code_view.code()


def test_export_code_runs_and_rebuilds_tensors(qtbot, window, tmp_path):
    ws = window.model.workspace
    create_tensor(qtbot, window, "x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    create_tensor(qtbot, window, "r", "rand", {"size": "3"})
    apply_op(qtbot, window, "mul", "y", a="x", b="r")
    apply_op(qtbot, window, "sum", "s", input="y")
    target = tmp_path / "out.py"
    assert window.export_code(target)
    ns = runpy.run_path(str(target))
    for name, t in ws.tensors.items():
        assert torch.equal(ns[name].detach(), t.detach())
        assert ns[name].requires_grad == t.requires_grad
        assert ns[name].shape == t.shape


def test_save_and_open_session(qtbot, window, tmp_path):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "5"})
    path = tmp_path / "s.gradviz"
    assert window.save_session_as(path)
    assert "s.gradviz" in window.windowTitle() and "•" not in window.windowTitle()
    window.new_session()
    assert ws.names() == []
    assert window.open_session(path)
    assert ws.names() == ["x", "y"]
    assert torch.equal(ws["y"], torch.full((2,), 5.0))


def test_opening_a_broken_session_keeps_the_current_one(qtbot, window, tmp_path):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"})
    bad = tmp_path / "bad.gradviz"
    bad.write_text("{ this is not json")
    assert not window.open_session(bad)
    assert ws.names() == ["x"]
    assert "not a gradviz session" in window.statusBar().currentMessage()


def test_window_geometry_and_theme_are_remembered(qtbot):
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.resize(first.minimumSizeHint().width() + 13, first.minimumSizeHint().height() + 7)
    first.docks["Code"].hide()
    first.set_theme("dark")
    size = first.size()
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    # offscreen window frames can differ by a few pixels; a lost geometry would be ~800×600
    assert second.width() == size.width() and abs(second.height() - size.height()) <= 8
    assert not second.docks["Code"].isVisible()  # dock layout restored too
    checked = [a.data() for a in second.theme_actions.actions() if a.isChecked()]
    assert checked == ["dark"]
    second.set_theme("light")


def test_example_session_opens(qtbot, window):
    window.open_example()
    assert window.model.workspace.names() == ["x", "y", "z", "out"]
    assert window.session_path is None


def test_unsaved_work_is_not_discarded_without_asking(qtbot, window, monkeypatch):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"})
    asked = []
    monkeypatch.setattr(
        "gradviz.qt.main_window.ask_discard", lambda parent: asked.append(1) or False
    )
    assert not window.new_session()
    assert ws.names() == ["x"] and asked == [1]
    assert not window.open_session(window.session_path or "whatever.gradviz")
    assert ws.names() == ["x"]
    window.close()
    assert window.isVisible()  # the close was cancelled
    monkeypatch.setattr("gradviz.qt.main_window.ask_discard", lambda parent: True)
    assert window.new_session()
    assert ws.names() == []


def test_saved_session_closes_without_asking(qtbot, window, monkeypatch, tmp_path):
    window.model.workspace.create("x", "ones", {"size": "2"})
    assert window.save_session_as(tmp_path / "s.gradviz")
    monkeypatch.setattr(
        "gradviz.qt.main_window.ask_discard", lambda parent: pytest.fail("asked needlessly")
    )
    window.close()
    assert not window.isVisible()


def test_delete_key_only_deletes_from_the_tensor_list(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2, 2"})
    window.model.select("x")
    panel = window.workspace_panel
    panel.grid.setFocus()
    qtbot.keyClick(panel.grid, Qt.Key.Key_Delete)
    assert ws.names() == ["x"]
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert ws.names() == []


def test_ctrl_n_reuses_the_open_dialog(qtbot, window):
    first = window.new_tensor()
    second = window.new_tensor()
    assert first is second and first.isVisible()


def test_undoing_a_delete_selects_the_tensor_again(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"})
    ws.create("y", "zeros", {"size": "2"})
    window.model.select("x")
    ws.delete("x")
    assert window.model.selected == ""
    window.undo()
    assert window.model.selected == "x"
    assert window.inspector.value_of("shape") == "(2,)"
