"""The workbench as a demanding user meets it: each test pins a bug found by using
the real app (keyboard flow, odd values, narrow docks, theme switches) or a
polish that the user can see."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QFormLayout, QLineEdit

from gradviz.core.tensor_info import GRAD_HINT_NO_GRAD, GRAD_HINT_NON_LEAF, describe
from gradviz.qt import theme
from gradviz.qt.inspector import Inspector
from gradviz.qt.main_window import MainWindow
from gradviz.qt.op_palette import NO_TENSORS_HINT, OpPalette
from gradviz.qt.tensor_editor import NO_SELECTION_HINT, SliceFormat, WorkspacePanel
from gradviz.qt.tensor_form import NewTensorDialog, TensorForm
from gradviz.qt.workspace_model import WorkspaceModel


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
def model():
    m = WorkspaceModel()
    yield m
    m.close()


def _status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


# ---------------------------------------------------------------- value grid
def test_editing_a_0d_scalar_in_the_grid_works(qtbot, window):
    # used to be refused with "index: empty input": a 0-d tensor has the index ()
    ws = window.model.workspace
    ws.create("s", "tensor", {"data": "5."}, requires_grad=True)
    window.model.select("s")
    grid = window.workspace_panel.grid_model
    assert (grid.rowCount(), grid.columnCount()) == (1, 1)
    assert grid.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "value"
    assert grid.setData(grid.index(0, 0), "7.5")
    assert ws["s"].item() == 7.5 and ws["s"].dim() == 0 and ws["s"].requires_grad
    assert ws["s"]._version == 1
    assert "s[...] = 7.5" in window.code_view.code()
    assert grid.data(grid.index(0, 0)) == "7.5"
    window.undo()
    assert ws["s"].item() == 5.0


def test_typing_into_a_cell_editor_commits_without_qt_warnings(qtbot, capfd, window):
    # the grid used to reset its model inside setData; the open editor then
    # belonged to no view and Qt warned "commitData called with an editor ..."
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[[1., 2.], [3., 4.]]"}, requires_grad=True)
    window.model.select("x")
    panel = window.workspace_panel
    resets, changes = [], []
    panel.grid_model.modelReset.connect(lambda: resets.append(1))
    panel.grid_model.dataChanged.connect(lambda *a: changes.append(1))
    index = panel.grid_model.index(1, 1)
    panel.grid.setCurrentIndex(index)
    panel.grid.setFocus()
    panel.grid.edit(index)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "7")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.wait(20)
    assert ws["x"][1, 1].item() == 7.0
    assert panel.grid_model.data(index) == "7"
    assert resets == [] and changes  # values refreshed in place, the editor survived
    assert "commitData" not in capfd.readouterr().err


@pytest.mark.parametrize(
    ("dtype", "text", "why"),
    [
        ("int64", "1e400", "whole numbers only"),
        ("int64", "99999999999999999999999", "does not fit"),
        ("uint8", "-1", "holds 0 … 255"),
        ("int64", "", "type a number"),
        ("float32", "hello", "hello"),
    ],
)
def test_values_a_dtype_cannot_hold_are_refused_clearly(window, dtype, text, why):
    ws = window.model.workspace
    ws.create("t", "tensor", {"data": "[1, 2]"}, dtype=dtype)
    window.model.select("t")
    grid = window.workspace_panel.grid_model
    before = ws["t"].clone()
    history = len(ws.history)
    assert not grid.setData(grid.index(0, 0), text)
    assert torch.equal(ws["t"], before) and len(ws.history) == history
    message = _status(window)
    assert message.startswith("Edit refused:") and why in message
    assert "Error" not in message  # no raw Python exception names


def test_edit_int_and_bool_cells_follow_pytorch_casting(window):
    ws = window.model.workspace
    ws.create("i", "tensor", {"data": "[1, 2]"})
    ws.create("b", "tensor", {"data": "[True, False]"})
    grid = window.workspace_panel.grid_model
    window.model.select("i")
    assert grid.setData(grid.index(0, 0), "2.7")
    assert ws["i"].tolist() == [2, 2] and "stored as 2" in _status(window)
    window.model.select("b")
    assert grid.setData(grid.index(0, 1), "1")
    assert ws["b"].tolist() == [True, True]
    assert grid.data(grid.index(0, 1)) == "True"


def test_data_mode_edit_keeps_the_version(window):
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    window.model.select("x")
    panel = window.workspace_panel
    panel.data_mode.setChecked(True)
    assert panel.grid_model.setData(panel.grid_model.index(0, 1), "9")
    assert ws["x"].tolist() == [1.0, 9.0] and ws["x"]._version == 0
    assert "x.data[1] = 9" in window.code_view.code()
    assert ".data edit" in _status(window)


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ([1.0, 2.0, -3.0], ["1", "2", "-3"]),
        ([3.25], ["3.25"]),
        ([0.5, 2.0], ["0.5", "2.0"]),
        ([0.1234567, -1.5], ["0.1235", "-1.5000"]),
        ([1.0, 2.5, 1234567.0], ["1.0000e+00", "2.5000e+00", "1.2346e+06"]),
        ([1e-6, 2e-6], ["1.0000e-06", "2.0000e-06"]),
        ([0.5, -1e-7, 2.0], ["0.5", "-1.0000e-07", "2.0"]),  # never a misleading 0.0
        ([float("nan"), 1.5, float("inf")], ["nan", "1.5", "inf"]),
    ],
)
def test_slice_format_is_consistent_and_hides_nothing(values, shown):
    array = np.array(values, dtype=np.float32)
    fmt = SliceFormat(array)
    assert [fmt(v) for v in array] == shown


def test_grid_columns_are_wide_enough_for_every_number(qtbot, model):
    panel = WorkspacePanel(model)
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    model.workspace.create(
        "x", "tensor", {"data": "[[1., 2.5, -3e-8], [1234567.891, float('nan'), 1e20]]"}
    )
    model.select("x")
    grid, view = panel.grid_model, panel.grid
    metrics = view.fontMetrics()
    for r in range(grid.rowCount()):
        for c in range(grid.columnCount()):
            text = grid.data(grid.index(r, c))
            assert metrics.horizontalAdvance(text) + 6 <= view.columnWidth(c), text
    assert grid.data(grid.index(1, 0)) == "1.2346e+06"
    tip = grid.data(grid.index(1, 0), Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("x[1, 0] = 1234567.9")


def test_empty_states_say_what_to_do(qtbot, model):
    panel = WorkspacePanel(model)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.grid.hint == NO_SELECTION_HINT
    assert not panel.list.grab().isNull()  # paints its "No tensors yet" hint
    model.workspace.create("e", "zeros", {"size": "0, 3"})
    model.select("e")
    assert "has no elements" in panel.grid.hint
    model.workspace.create("x", "ones", {"size": "2"})
    model.select("x")
    assert panel.grid.hint == ""
    assert panel.list.item(1, 0).toolTip().startswith("x: float32, shape (2,)")


def test_slice_label_names_the_slice_shown(qtbot, window):
    ws = window.model.workspace
    ws.create("t", "arange", {"end": "24"}, dtype="float32")
    ws.apply("reshape", "c", {"input": "t", "shape": "2, 3, 4"})
    window.model.select("c")
    panel = window.workspace_panel
    assert panel.slice_label.text() == "c[0, :, :]"
    spin = panel.spins[0]
    spin.setValue(1)
    assert panel.slice_label.text() == "c[1, :, :]"
    assert panel.grid_model.data(panel.grid_model.index(0, 0)) == "12"
    # an edit elsewhere keeps the same spin box (and the slice picked)
    assert panel.grid_model.setData(panel.grid_model.index(0, 0), "5")
    assert panel.spins[0] is spin and spin.value() == 1
    assert ws["c"][1, 0, 0].item() == 5


def test_delete_says_how_to_get_it_back(window):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"})
    window.model.select("x")
    window.workspace_panel.delete_selected()
    assert "x" not in ws
    assert "Deleted x" in _status(window) and "Ctrl+Z" in _status(window)


# ------------------------------------------------------------ new tensor form
def test_dialog_starts_typing_in_the_first_field_and_enter_creates(qtbot, window):
    dialog = window.new_tensor()
    qtbot.waitExposed(dialog)
    data = dialog.form.field("data").widget
    assert dialog.focusWidget() is data
    qtbot.keyClicks(data, "[[1., -2.], [3., 4.]]")
    qtbot.keyClick(data, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert window.model.workspace["x"].tolist() == [[1.0, -2.0], [3.0, 4.0]]
    assert _status(window) == "Created x: shape (2, 2), float32"


def test_escape_closes_the_dialog_without_creating(qtbot, window):
    dialog = window.new_tensor()
    qtbot.waitExposed(dialog)
    dialog.form.field("data").set_text("[1.]")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert window.model.workspace.names() == []


@pytest.mark.parametrize("seed", ["-5", str(2**64), "99999999999999999999999"])
def test_out_of_range_seeds_are_refused_clearly(qtbot, model, seed):
    form = TensorForm(model)
    qtbot.addWidget(form)
    form.set_factory("rand")
    form.field("size").set_text("3")
    form.seed.setText(seed)
    assert not form.create()
    assert form.error.text() == f"seed: use a whole number from 0 to {2**64 - 1}"
    assert form.seed.property("invalid") is True
    assert model.workspace.names() == []
    form.seed.setText("7")  # typing clears the mark, and a good seed works
    assert not form.seed.property("invalid")
    assert form.create()
    torch.manual_seed(7)
    assert torch.equal(model.workspace["x"], torch.rand(3))


def test_a_seed_left_in_the_field_is_not_used_by_a_non_random_factory(qtbot, model):
    form = TensorForm(model)
    qtbot.addWidget(form)
    form.set_factory("rand")
    form.seed.setText("3")
    form.set_factory("zeros")
    assert not form.seed.isEnabled()
    form.field("size").set_text("2")
    assert form.create()
    assert "manual_seed" not in model.workspace.export_code()


def test_empty_name_and_bad_field_are_marked(qtbot, model):
    form = TensorForm(model)
    qtbot.addWidget(form)
    form.name.setText("  ")
    form.field("data").set_text("[1.]")
    assert not form.create()
    assert form.error.text().startswith("Name:")
    assert form.name.property("invalid") is True
    form.name.setText("a")
    form.set_factory("full")
    form.field("size").set_text("2, x")
    form.field("fill_value").set_text("3")
    assert not form.create()
    assert form.field("size").widget.property("invalid") is True
    assert not form.field("fill_value").widget.property("invalid")
    assert model.workspace.names() == []


def test_like_factories_start_from_the_selected_tensor(qtbot, model):
    model.workspace.create("a", "ones", {"size": "2"})
    model.workspace.create("b", "ones", {"size": "3, 3"})
    model.select("a")
    form = TensorForm(model)
    qtbot.addWidget(form)
    form.set_factory("zeros_like")
    assert form.field("input").text() == "a"
    assert form.create()
    assert model.workspace["x"].shape == (2,)


def test_dialog_rows_line_up_and_an_error_does_not_squeeze_the_doc(qtbot, model):
    dialog = NewTensorDialog(model)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    form = dialog.form
    form.set_factory("full")
    qtbot.wait(10)  # let the form lay out its new rows
    # one label column for the factory's fields and for dtype/device/seed
    x_field = form.field("fill_value").widget.geometry().x()
    assert form.dtype.geometry().x() == x_field == form.seed.geometry().x()
    form.field("size").set_text("2, x")
    dialog._create()
    qtbot.wait(10)
    assert dialog.isVisible() and form.error.text()
    line = form.doc.fontMetrics().lineSpacing()
    assert form.doc.height() >= 2 * line
    assert form.error.height() >= line


# ------------------------------------------------------------------ palette
def test_numbers_alone_are_refused_with_a_clear_message(window):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"})
    palette = window.palette
    palette.select_op("add")
    palette.field("a").set_text("2")
    palette.field("b").set_text("3")
    assert not palette.apply()
    assert "pick a workspace tensor" in palette.error.text()
    assert ws.names() == ["x"]
    assert "did not return a tensor" not in _status(window)


def test_enter_in_any_field_applies_even_a_plain_combo_box(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[0., 1.]"})
    palette = window.palette
    palette.select_op("sigmoid")
    combo = palette.field("input").widget
    qtbot.keyClick(combo, Qt.Key.Key_Return)
    assert torch.equal(ws["y"], torch.sigmoid(torch.tensor([0.0, 1.0])))
    assert _status(window) == "sigmoid(x) applied → y: shape (2,), float32"
    palette.select_op("sum")
    qtbot.keyClick(palette.field("keepdim").widget, Qt.Key.Key_Return)
    assert "y1" in ws


def test_search_keyboard_flow(qtbot, model):
    model.workspace.create("x", "ones", {"size": "2"})
    palette = OpPalette(model)
    qtbot.addWidget(palette)
    palette.show()
    palette.activateWindow()
    qtbot.waitActive(palette)
    palette.search_box.setFocus()
    qtbot.keyClicks(palette.search_box, "soft")
    qtbot.keyClick(palette.search_box, Qt.Key.Key_Return)
    assert palette.current_op == "softmax"
    assert palette.focusWidget() is palette.field("input").widget
    palette.search_box.setFocus()
    qtbot.keyClick(palette.search_box, Qt.Key.Key_Down)
    assert palette.focusWidget() is palette.tree
    qtbot.keyClicks(palette.search_box, "zzzz")
    assert palette.visible_ops() == [] and "No op matches" in palette.error.text()


def test_bool_params_have_one_label_and_rows_line_up(qtbot, model):
    palette = OpPalette(model)
    qtbot.addWidget(palette)
    palette.show()
    palette.select_op("sum")
    qtbot.wait(10)
    keepdim = palette.field("keepdim").widget
    assert isinstance(keepdim, QCheckBox) and keepdim.text() == "keepdim"
    label = palette.form.labelForField(keepdim)
    assert label is None or label.text() == ""
    x_result = palette.out_name.geometry().x()
    assert palette.field("dim").widget.geometry().x() == x_result == keepdim.geometry().x()
    assert palette.form.itemAt(palette.form.rowCount() - 1, QFormLayout.ItemRole.FieldRole)


def test_many_parameters_scroll_instead_of_squeezing(qtbot, model):
    model.workspace.create("p", "tensor", {"data": "[1., 2.]"})
    palette = OpPalette(model)
    qtbot.addWidget(palette)
    palette.resize(360, 380)  # a short dock
    palette.show()
    palette.select_op("smooth_l1_loss")
    qtbot.wait(20)
    for f in palette.fields:
        assert f.widget.height() >= f.widget.minimumSizeHint().height(), f.param.name
    assert palette.out_name.height() >= palette.out_name.minimumSizeHint().height()
    assert palette.apply_button.isVisible()
    assert palette.apply_button.visibleRegion().boundingRect().height() > 0


def test_code_preview_and_no_tensors_hint(qtbot, model):
    palette = OpPalette(model)
    qtbot.addWidget(palette)
    palette.show()
    palette.select_op("mul")
    assert palette.broadcast.text() == NO_TENSORS_HINT
    model.workspace.create("x", "ones", {"size": "2"}, requires_grad=True)
    palette.select_op("mul")
    palette.field("a").set_text("x")
    palette.field("b").set_text("3")
    palette.out_name.setText("z")
    assert palette.code_preview.text() == "z = x * 3"
    palette.no_grad.setChecked(True)
    assert palette.code_preview.text() == "with torch.no_grad():\n    z = x * 3"
    palette.field("b").set_text("")  # not valid yet: no preview
    assert palette.code_preview.text() == ""


def test_errors_are_said_once_marked_and_cleared_on_edit(qtbot, window):
    ws = window.model.workspace
    ws.create("a", "ones", {"size": "2, 3"})
    ws.create("v", "ones", {"size": "4"})
    palette = window.palette
    palette.select_op("add")
    palette.field("a").set_text("a")
    palette.field("b").set_text("v")
    assert not palette.apply()
    assert "cannot broadcast (2, 3) with (4,)" in palette.error.text()
    assert "cannot broadcast" not in palette.broadcast.text()  # not twice
    palette.field("b").set_text("a")
    assert palette.error.text() == ""
    palette.select_op("sum")
    palette.field("dim").set_text("a")
    assert not palette.apply()
    assert palette.field("dim").widget.property("invalid") is True
    palette.field("dim").set_text("0")
    assert not palette.field("dim").widget.property("invalid")
    palette.out_name.setText("a")
    assert not palette.apply()
    assert palette.out_name.property("invalid") is True
    assert ws.names() == ["a", "v"]


def test_first_tensor_input_is_the_selected_tensor(window):
    ws = window.model.workspace
    ws.create("a", "ones", {"size": "2"})
    ws.create("b", "ones", {"size": "2"})
    window.model.select("a")
    window.palette.select_op("exp")
    assert window.palette.field("input").text() == "a"
    window.palette.select_op("mul")
    assert (window.palette.field("a").text(), window.palette.field("b").text()) == ("a", "b")


# ---------------------------------------------------------------- inspector
def test_inspector_explains_a_missing_grad(window):
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.create("c", "tensor", {"data": "[1., 2.]"})
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    ws.apply("sum", "s", {"input": "y"})
    ws.backward("s", retain_graph=True)
    insp = window.inspector
    window.model.select("y")
    assert insp.value_of(".grad") == GRAD_HINT_NON_LEAF
    window.model.select("c")
    assert insp.value_of(".grad") == GRAD_HINT_NO_GRAD
    window.model.select("x")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad((x * x).sum(), x)
    assert insp.value_of(".grad") == "[" + ", ".join(f"{v:.4g}" for v in g.tolist()) + "]"
    assert ".grad =" in insp.values.toPlainText()  # the values box shows the gradient too
    # after retain_grad and a second backward, the non-leaf keeps its gradient
    ws.retain_grad("y")
    ws.zero_grad()
    ws.backward("s")
    window.model.select("y")
    assert insp.value_of(".grad") == "[1, 1]"


def test_inspector_names_a_views_base_and_follows_in_place_versions(window):
    ws = window.model.workspace
    ws.create("x", "arange", {"end": "6"}, dtype="float32")
    ws.apply("view", "v", {"input": "x", "shape": "2, 3"})
    ws.apply("clone", "c", {"input": "x"})
    insp = window.inspector
    window.model.select("v")
    assert insp.value_of("view") == "yes" and insp.value_of("._base") == "x"
    window.model.select("c")
    assert insp.value_of("view") == "no" and insp.value_of("._base") is None
    assert insp.value_of("shares storage with") == "—"
    window.model.select("x")
    assert insp.value_of("version") == "0"
    ws.apply("add_", None, {"a": "v", "b": "1"})
    assert insp.value_of("version") == "1"  # x and its view share one version counter
    assert insp.value_of("shares storage with") == "v"


def test_describe_does_not_warn_about_non_leaf_grad(recwarn):
    x = torch.ones(2, requires_grad=True)
    info = describe("y", {"x": x, "y": x * 2})
    assert info.grad is None and info.grad_text == GRAD_HINT_NON_LEAF
    assert not [w for w in recwarn if "grad attribute" in str(w.message)]


def test_inspector_does_not_scroll_sideways_in_a_narrow_dock(qtbot, model):
    model.workspace.create("x", "ones", {"size": "2"}, requires_grad=True)
    model.select("x")
    insp = Inspector(model)
    qtbot.addWidget(insp)
    insp.resize(200, 400)
    insp.show()
    assert insp.table.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    header = insp.table.horizontalHeader()
    assert header.sectionSize(0) + header.sectionSize(1) <= insp.table.viewport().width() + 1
    row = next(r for r in range(insp.table.rowCount()) if insp.table.item(r, 0).text() == ".grad")
    assert insp.table.item(row, 1).toolTip().startswith(insp.value_of(".grad"))


# --------------------------------------------------------------------- code
def test_newest_action_is_highlighted_and_follows_the_theme(qtbot, qapp, window, restore_theme):
    ws = window.model.workspace
    code = window.code_view
    assert code.newest_lines() == []
    theme.apply_theme(qapp, "light")
    ws.create("x", "ones", {"size": "2"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "2"}, no_grad=True)
    assert code.newest_lines() == ["with torch.no_grad():", "    y = x * 2"]
    selections = code.text.extraSelections()  # keep the list: its items are views into it
    light = selections[0].format.background().color()
    theme.apply_theme(qapp, "dark")
    qapp.processEvents()
    selections = code.text.extraSelections()
    dark = selections[0].format.background().color()
    text = code.text.palette().text().color()
    assert light.lightness() > 200 and dark.lightness() < 100
    assert abs(text.lightness() - dark.lightness()) > 100  # the marked line stays readable
    window.undo()
    assert code.newest_lines() == ["x = torch.ones(2, requires_grad=True)"]


def test_open_dialog_follows_the_workspace(qtbot, window):
    # the dialog is not modal: tensors made meanwhile must be pickable in *_like,
    # and the suggested name must not collide with them
    ws = window.model.workspace
    dialog = window.new_tensor()
    form = dialog.form
    form.set_factory("ones_like")
    assert form.name.text() == "x"
    ws.create("x", "ones", {"size": "3"})
    assert form.name.text() == "x1"
    assert form.field("input").text() == "x"
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert torch.equal(ws["x1"], torch.ones(3))
    form.name.setText("mine")
    ws.create("x2", "ones", {"size": "1"})
    assert form.name.text() == "mine"  # a name the user typed is never replaced


def test_a_closed_dialog_stops_listening(qtbot, window):
    ws = window.model.workspace
    dialog = window.new_tensor()
    dialog.reject()
    ws.create("x", "ones", {"size": "3"})
    assert dialog.form.name.text() == "x"  # no longer updated: it is closed
    dialog.show()
    assert dialog.form.name.text() == "x1"  # shown again: current again


def test_untouched_inputs_follow_new_tensors_and_the_selection(window):
    ws = window.model.workspace
    palette = window.palette
    palette.select_op("add")  # built while the workspace is empty
    ws.create("x", "ones", {"size": "2"})
    ws.create("w", "ones", {"size": "2"})
    assert (palette.field("a").text(), palette.field("b").text()) == ("w", "x")
    window.model.select("x")
    assert (palette.field("a").text(), palette.field("b").text()) == ("x", "w")
    assert palette.code_preview.text() == "y = x + w"
    palette.field("b").set_text("x")  # the user's pick stays put from now on
    ws.create("z", "ones", {"size": "2"})
    assert (palette.field("a").text(), palette.field("b").text()) == ("x", "x")


def test_inspector_drops_a_function_from_an_undone_graph(window):
    ws = window.model.workspace
    ws.create("x", "ones", {"size": "2"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "3"})
    insp = window.inspector
    insp.show_function(ws["y"].grad_fn)
    assert insp.title.text() == "function MulBackward0"
    ws.edit("x", (0,), "2", data=True)  # an ordinary change keeps it
    assert insp.title.text() == "function MulBackward0"
    window.undo()
    window.undo()  # y is gone, and with it the function shown
    assert insp.title.text() == "tensor x" or insp.title.text() == "Nothing selected"
    assert "MulBackward0" not in insp.title.text()
