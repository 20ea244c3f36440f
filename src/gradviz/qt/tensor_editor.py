"""The Workspace panel: the list of named tensors and a grid to view and edit values.

A tensor with more than two dimensions is shown one 2-D slice at a time; the
spin boxes above the grid pick the slice. Edits go through the Workspace, so
they follow PyTorch's rules, land in the history and can be undone.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gradviz.core import literals
from gradviz.core.storage_notes import also_changed
from gradviz.core.tensor_info import readable_grad
from gradviz.core.workspace import Event, WorkspaceError
from gradviz.qt.workspace_model import WorkspaceModel

_Index = QModelIndex | QPersistentModelIndex

# English (tests compare with it); shown through QCoreApplication.translate("TensorEditor", ...)
EMPTY_LIST_HINT = QT_TRANSLATE_NOOP(
    "TensorEditor", "No tensors yet.\nPress Ctrl+N (or New tensor…) to make one."
)
NO_SELECTION_HINT = QT_TRANSLATE_NOOP(
    "TensorEditor", "Select a tensor above to see and edit its values."
)


def _tr(text: str) -> str:
    """A marked module-level text in the interface language."""
    return QCoreApplication.translate("TensorEditor", text)


def _format(value: Any, digits: int = 8) -> str:
    """Full-precision text of one element (what the editor starts from)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}g}"
    return str(value)


class SliceFormat:
    """One number format for a whole slice, so a column of numbers lines up.

    Whole numbers stay whole; ordinary values get the fewest decimals (up to 4)
    that show every value; a slice whose bulk is huge or tiny switches to
    scientific notation. In fixed mode a lone value too small for 4 decimals
    is written in scientific notation rather than shown as a misleading 0.0000.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.kind = "str"
        self.decimals = 4
        if values.dtype == np.bool_:
            self.kind = "bool"
            return
        if np.issubdtype(values.dtype, np.integer):
            self.kind = "int"
            return
        finite = np.abs(values[np.isfinite(values)]).astype(np.float64)
        nonzero = finite[finite > 0]
        if not nonzero.size or (np.all(finite == np.round(finite)) and nonzero.max() < 1e8):
            self.kind = "whole"
        elif nonzero.max() >= 1e5 or np.median(nonzero) < 1e-3:
            self.kind = "sci"
        else:
            self.kind = "fixed"
            rtol = 1e-6 if values.dtype == np.float32 else 1e-12
            shown = nonzero[nonzero >= 5e-5]
            self.decimals = next(
                (
                    d
                    for d in range(1, 4)
                    if np.allclose(np.round(shown, d), shown, rtol=rtol, atol=0)
                ),
                4,
            )

    def __call__(self, value: Any) -> str:
        if self.kind == "bool":
            return str(bool(value))
        if self.kind in ("int", "str"):
            return str(value)
        v = float(value)
        if not math.isfinite(v):
            return str(v)  # nan, inf, -inf
        if self.kind == "whole":
            return str(int(v))
        if self.kind == "sci" or (v != 0 and abs(v) < 5e-5):
            return f"{v:.4e}"
        return f"{v:.{self.decimals}f}"


class TensorGridModel(QAbstractTableModel):
    """A 2-D slice of one workspace tensor; edits call ``Workspace.edit``."""

    editFailed = Signal(str)
    edited = Signal(str)  # the workspace's note on how the edit was applied

    def __init__(self, model: WorkspaceModel) -> None:
        super().__init__()
        self.model = model
        self.name = ""
        self.lead: tuple[int, ...] = ()  # indices of the leading dims (for ndim > 2)
        self.data_mode = False  # write through .data (untracked by autograd)
        self.show_grad = False  # show name.grad instead (read-only: autograd writes it)
        self._values = np.zeros((0, 0))
        self._ndim = 0
        self._shape: tuple[int, ...] = ()
        self._fmt = SliceFormat(self._values)

    def source(self, name: str | None = None) -> torch.Tensor | None:
        """The tensor the grid shows: the named tensor, or its ``.grad`` when asked."""
        t = self.model.workspace.tensors.get(self.name if name is None else name)
        if t is not None and self.show_grad:
            return readable_grad(t)
        return t

    @property
    def label(self) -> str:
        return f"{self.name}.grad" if self.show_grad else self.name

    def set_tensor(self, name: str, lead: tuple[int, ...] = ()) -> None:
        t = self.source(name)
        shape = tuple(t.shape) if t is not None else None
        if name == self.name and lead == self.lead and shape == self._shape and name:
            # same cells, new values: update in place so an open cell editor survives
            self._values, self._ndim = self._slice()
            self._fmt = SliceFormat(self._values)
            if self._values.size:
                last = self.index(self.rowCount() - 1, self.columnCount() - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self.name, self.lead = name, lead
        self._shape = shape if shape is not None else ()
        self._values, self._ndim = self._slice()
        self._fmt = SliceFormat(self._values)
        self.endResetModel()

    def refresh(self) -> None:
        self.set_tensor(self.name, self.lead)

    @property
    def ndim(self) -> int:
        return self._ndim

    def _slice(self) -> tuple[np.ndarray, int]:
        t = self.source()
        if t is None:
            return np.zeros((0, 0)), 0
        ndim = t.dim()
        t = t.detach()
        if t.dim() > 2:
            t = t[self.lead]
        if t.dtype in (torch.bfloat16, torch.float16):
            t = t.float()
        values = t.cpu().numpy()
        return np.atleast_2d(values), ndim

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._values.shape[0] if self._values.size else 0

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._values.shape[1] if self._values.size else 0

    def display_text(self, row: int, col: int) -> str:
        return self._fmt(self._values[row, col])

    def widest_text(self) -> str:
        """The longest cell text of this slice (for the column width), without formatting all."""
        v = self._values
        if not v.size:
            return ""
        if self._fmt.kind in ("bool",):
            return "False"
        candidates = [v.min(), v.max()] if self._fmt.kind == "int" else []
        if self._fmt.kind not in ("int", "bool"):
            finite = v[np.isfinite(v)]
            if finite.size:
                candidates += [finite.min(), finite.max()]
                tiny = finite[(finite != 0) & (np.abs(finite) < 5e-5)]
                candidates += [float(x) for x in tiny[:1]]  # shown as -1.2345e-06
            if finite.size != v.size:
                candidates += [float(x) for x in v[~np.isfinite(v)][:3]]
        return max((self._fmt(c) for c in candidates), key=len, default="")

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._values[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._fmt(value)
        if role == Qt.ItemDataRole.EditRole:
            return _format(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            where = literals.format_index(self.element_index(index.row(), index.column()))
            how = self.tr("double-click or type to edit")
            if self.show_grad:
                how = self.tr("read-only: backward writes .grad")
            return f"{self.label}[{where}] = {_format(value)}\n{how}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        editable = index.isValid() and not self.show_grad
        return base | Qt.ItemFlag.ItemIsEditable if editable else base

    def element_index(self, row: int, col: int) -> tuple[Any, ...]:
        """The full tensor index of a grid cell (``...`` for a 0-d tensor: ``s[...] = v``)."""
        if self._ndim == 0:
            return (Ellipsis,)
        if self._ndim == 1:
            return (col,)
        return (*self.lead, row, col)

    def _refuse(self, text: str) -> str | None:
        """Why ``text`` cannot go into this tensor, said before PyTorch says it less clearly."""
        if not text:
            return self.tr("type a number (or True/False) to change the value")
        try:
            value = literals.parse_number(text)
        except literals.LiteralError as exc:
            return str(exc)
        t = self.model.workspace.tensors.get(self.name)
        if t is None or t.dtype == torch.bool or t.is_floating_point():
            return None
        dtype = str(t.dtype).replace("torch.", "")
        if isinstance(value, float) and not math.isfinite(value):
            return self.tr("{0} holds whole numbers only, so it cannot store {1}").format(
                dtype, value
            )
        info = torch.iinfo(t.dtype)
        if not info.min <= int(value) <= info.max:
            return self.tr("{0} holds {1} … {2}; {3} does not fit").format(
                dtype, info.min, info.max, text
            )
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.show_grad:
            return False
        text = str(value).strip()
        if text == _format(self._values[index.row(), index.column()]):
            return False  # unchanged: no history entry, no version bump
        where = self.element_index(index.row(), index.column())
        problem = self._refuse(text)
        if problem:
            self.editFailed.emit(self.tr("Edit refused: {0}").format(problem))
            return False
        try:
            note = self.model.workspace.edit(self.name, where, text, data=self.data_mode)
        except WorkspaceError as exc:
            self.editFailed.emit(self.tr("Edit refused: {0}").format(exc))
            return False
        note = note or f"{self.name}[{literals.format_index(where)}] = {text}"
        shared = also_changed(self.name, self.model.workspace.tensors)
        self.edited.emit(f"{note}; {shared}" if shared else note)
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if self._ndim == 0:
                return self.tr("value") if orientation == Qt.Orientation.Horizontal else ""
            if self._ndim == 1 and orientation == Qt.Orientation.Vertical:
                return ""
            return str(section)
        if role == Qt.ItemDataRole.ToolTipRole and self._ndim >= 1:
            axis = self._ndim - 1 if orientation == Qt.Orientation.Horizontal else self._ndim - 2
            return self.tr("index along dim {0}").format(axis)
        return None


class _HintTable(QTableView):
    """A table view that says what to do when it has nothing to show."""

    hint = ""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        model = self.model()
        if self.hint and model is not None and model.rowCount() == 0:
            _paint_hint(self, self.hint)


def _paint_hint(view: QAbstractItemView, text: str) -> None:
    painter = QPainter(view.viewport())
    colour = view.palette().placeholderText().color()
    painter.setPen(colour)
    rect = view.viewport().rect().adjusted(8, 8, -8, -8)
    flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
    painter.drawText(rect, int(flags), text)
    painter.end()


class TensorList(QTableWidget):
    """Name, shape, dtype and autograd flags of every workspace tensor."""

    COLUMNS = (
        QT_TRANSLATE_NOOP("TensorList", "name"),
        QT_TRANSLATE_NOOP("TensorList", "shape"),
        "dtype",
        QT_TRANSLATE_NOOP("TensorList", "autograd"),
    )
    TIPS = (
        QT_TRANSLATE_NOOP("TensorList", "the tensor's name in the session and in the code"),
        QT_TRANSLATE_NOOP("TensorList", "size along each axis"),
        QT_TRANSLATE_NOOP("TensorList", "element type"),
        QT_TRANSLATE_NOOP(
            "TensorList",
            "leaf ✓grad: a leaf that requires grad (it gets a .grad);\n"
            "XxxBackward0: made by an op autograd recorded;\n"
            "—: a constant autograd does not track",
        ),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setObjectName("tensor_list")
        self.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        for col, tip in enumerate(self.TIPS):
            self.horizontalHeaderItem(col).setToolTip(self.tr(tip))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if self.rowCount() == 0:
            _paint_hint(self, _tr(EMPTY_LIST_HINT))

    def names(self) -> list[str]:
        return [self.item(r, 0).text() for r in range(self.rowCount())]

    def fill(self, tensors: dict[str, torch.Tensor]) -> None:
        self.setRowCount(len(tensors))
        for row, (name, t) in enumerate(tensors.items()):
            if t.is_leaf and t.requires_grad:
                flag = self.tr("leaf ✓grad")
            elif t.grad_fn is not None:
                flag = type(t.grad_fn).__name__
            else:
                flag = "—"
            dtype = str(t.dtype).replace("torch.", "")
            device = "" if t.device.type == "cpu" else self.tr(" on {0}").format(t.device)
            tip = (
                self.tr("{0}: {1}{2}, shape {3}").format(name, dtype, device, tuple(t.shape)) + "\n"
                f"is_leaf={t.is_leaf}, requires_grad={t.requires_grad}, "
                f"grad_fn={type(t.grad_fn).__name__ if t.grad_fn is not None else None}"
            )
            cells = (name, str(tuple(t.shape)), dtype + device, flag)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                self.setItem(row, col, item)


class WorkspacePanel(QWidget):
    """Tensor list on top, value grid with slice picker below."""

    newTensorRequested = Signal()

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.list = TensorList()
        self.list.setMinimumHeight(90)
        self.grid_model = TensorGridModel(model)
        self.grid = _HintTable(objectName="grid")
        self.grid.setModel(self.grid_model)
        self.grid.horizontalHeader().setDefaultSectionSize(64)
        self.grid.verticalHeader().setDefaultSectionSize(22)
        self.grid.setToolTip("")
        self.new_button = QPushButton(self.tr("New tensor…"), objectName="new_tensor")
        self.new_button.setToolTip(self.tr("Create a named tensor (Ctrl+N)"))
        self.delete_button = QPushButton(self.tr("Delete"), objectName="delete_tensor")
        self.delete_button.setToolTip(
            self.tr("Delete the selected tensor (Del); Ctrl+Z brings it back")
        )
        self.data_mode = QCheckBox(self.tr("edit .data (untracked)"), objectName="data_mode")
        self.data_mode.setToolTip(
            self.tr(
                "Write through .data: autograd does not see the change and the version "
                "counter stays the same (as the notes warn, gradients may then be wrong)."
            )
        )
        self.show_grad = QCheckBox(self.tr("show .grad (read-only)"), objectName="show_grad")
        self.show_grad.setToolTip(
            self.tr(
                "Show the selected tensor's .grad in the grid instead of its values. "
                "Read-only: backward writes .grad (or zero it from the console)."
            )
        )
        self.slice_bar = QHBoxLayout()
        self.slice_label = QLabel(objectName="hint")
        self.slice_label.setToolTip(
            self.tr("A tensor with more than 2 dims is shown one 2-D slice at a time")
        )
        self.spins: list[QSpinBox] = []
        self._lead_shape: tuple[int, ...] = ()

        # the value grid folds away: on a laptop screen the Inspector below shows the values,
        # and the grid's room goes to the answers (Inspector, Backward card)
        self.grid_toggle = QToolButton(
            objectName="grid_toggle", text=self.tr("Values (edit elements)")
        )
        self.grid_toggle.setCheckable(True)
        self.grid_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.grid_toggle.setAutoRaise(True)
        self.grid_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.grid_toggle.setToolTip(
            self.tr("Show or hide the value grid, where elements are edited")
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.list)
        from gradviz.qt.console_objects import ObjectList  # what console code bound

        self.objects = ObjectList(model)
        top_layout.addWidget(self.objects)
        top_layout.addWidget(self.grid_toggle)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addLayout(self.slice_bar)
        bottom_layout.addWidget(self.grid)
        bottom_layout.addWidget(self.data_mode)
        bottom_layout.addWidget(self.show_grad)  # stacked: a narrow dock stays narrow
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([160, 200])
        self.grid_box = bottom
        self.grid_toggle.toggled.connect(self.show_grid)
        self.show_grid(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

        self.new_button.clicked.connect(self.newTensorRequested)
        self.delete_button.clicked.connect(self.delete_selected)
        self.list.itemSelectionChanged.connect(self._list_selection)
        self.data_mode.toggled.connect(lambda on: setattr(self.grid_model, "data_mode", on))
        self.show_grad.toggled.connect(self._grad_toggled)
        self.grid_model.editFailed.connect(self.model.message)
        self.grid_model.edited.connect(self.model.message)
        model.changed.connect(self._on_changed)
        model.selectionChanged.connect(self._show)
        self._on_changed(Event("reset"))

    # ---------------------------------------------------------------- slots
    def _on_changed(self, _event: Event) -> None:
        self.list.blockSignals(True)
        self.list.fill(self.model.workspace.tensors)
        self.list.blockSignals(False)
        self._show(self.model.selected)

    def _list_selection(self) -> None:
        rows = self.list.selectionModel().selectedRows()
        if rows:
            self.model.select(self.list.item(rows[0].row(), 0).text())

    def _show(self, name: str) -> None:
        names = self.list.names()
        self.list.blockSignals(True)
        if name in names:
            self.list.selectRow(names.index(name))
        else:
            self.list.clearSelection()
        self.list.blockSignals(False)
        self._rebuild_slice_picker(name)
        self.grid_model.set_tensor(name, self._lead())
        self._update_grid_chrome()
        self.delete_button.setEnabled(bool(name))

    def _grad_toggled(self, on: bool) -> None:
        self.grid_model.show_grad = on
        self.data_mode.setEnabled(not on)  # .grad is read-only: no edit mode to pick
        self._show(self.model.selected)

    def _update_grid_chrome(self) -> None:
        """Column width from the widest number, the slice label, and the empty-grid hint."""
        g = self.grid_model
        t = g.source()
        if g.name not in self.model.workspace.tensors:
            self.grid.hint = _tr(NO_SELECTION_HINT)
        elif t is None:
            self.grid.hint = self.tr(
                "{0}.grad is None: run backward first (or untick show .grad)"
            ).format(g.name)
        elif t.numel() == 0:
            self.grid.hint = self.tr("{0} is empty: shape {1} has no elements").format(
                g.label, tuple(t.shape)
            )
        else:
            self.grid.hint = ""
        metrics = self.grid.fontMetrics()
        widest = max(
            metrics.horizontalAdvance(g.widest_text()), metrics.horizontalAdvance(g.tr("value"))
        )
        self.grid.horizontalHeader().setDefaultSectionSize(min(max(widest + 14, 40), 200))
        self.grid.verticalHeader().setVisible(g.ndim >= 2)
        if self.spins:
            lead = ", ".join(str(s.value()) for s in self.spins)
            self.slice_label.setText(f"{g.label}[{lead}, :, :]")
        self.grid.viewport().update()

    def _rebuild_slice_picker(self, name: str) -> None:
        t = self.model.workspace.tensors.get(name)
        shape = tuple(t.shape) if t is not None else ()
        lead_dims = shape[:-2] if len(shape) > 2 else ()
        if lead_dims == self._lead_shape:
            return  # same slice choices: keep the spin boxes (and any focus in them)
        self._lead_shape = lead_dims
        old = [s.value() for s in self.spins]
        for spin in self.spins:
            self.slice_bar.removeWidget(spin)
            spin.hide()  # deleteLater waits for the event loop; don't leave it drawn meanwhile
            spin.deleteLater()
        self.slice_bar.removeWidget(self.slice_label)
        self.spins = []
        if lead_dims:
            self.slice_bar.addWidget(self.slice_label)
            for axis, size in enumerate(lead_dims):
                spin = QSpinBox(objectName=f"slice_{axis}")
                spin.setRange(0, max(size - 1, 0))
                spin.setPrefix(self.tr("dim {0}: ").format(axis))
                spin.setToolTip(
                    self.tr("which index along dim {0} (0 … {1}) the grid shows").format(
                        axis, size - 1
                    )
                )
                if axis < len(old):
                    spin.setValue(min(old[axis], size - 1))
                spin.valueChanged.connect(self._slice_moved)
                self.slice_bar.addWidget(spin)
                self.spins.append(spin)
            self.slice_label.show()
        else:
            self.slice_label.hide()

    def _lead(self) -> tuple[int, ...]:
        return tuple(s.value() for s in self.spins)

    def _slice_moved(self) -> None:
        self.grid_model.set_tensor(self.model.selected, self._lead())
        self._update_grid_chrome()

    def show_grid(self, on: bool) -> None:
        """Unfold (or fold away) the value grid."""
        if self.grid_toggle.isChecked() != on:
            self.grid_toggle.setChecked(on)  # comes back here through toggled
            return
        self.grid_box.setVisible(on)
        self.grid_toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def delete_selected(self) -> None:
        name = self.model.selected
        if not name:
            self.model.message.emit(self.tr("Select a tensor to delete"))
            return
        try:
            self.model.workspace.delete(name)
        except WorkspaceError as exc:
            self.model.message.emit(str(exc))
            return
        self.model.message.emit(self.tr("Deleted {0} (Ctrl+Z brings it back)").format(name))
