"""The Workspace panel: the list of named tensors and a grid to view and edit values.

A tensor with more than two dimensions is shown one 2-D slice at a time; the
spin boxes above the grid pick the slice. Edits go through the Workspace, so
they follow PyTorch's rules, land in the history and can be undone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
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
    QVBoxLayout,
    QWidget,
)

from gradviz.core.workspace import Event, WorkspaceError
from gradviz.qt.workspace_model import WorkspaceModel

_Index = QModelIndex | QPersistentModelIndex


def _format(value: Any, digits: int = 8) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}g}"
    return str(value)


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
        self._values = np.zeros((0, 0))
        self._ndim = 0

    def set_tensor(self, name: str, lead: tuple[int, ...] = ()) -> None:
        self.beginResetModel()
        self.name, self.lead = name, lead
        self._values, self._ndim = self._slice()
        self.endResetModel()

    def refresh(self) -> None:
        self.set_tensor(self.name, self.lead)

    def _slice(self) -> tuple[np.ndarray, int]:
        t = self.model.workspace.tensors.get(self.name)
        if t is None:
            return np.zeros((0, 0)), 0
        t = t.detach()
        if t.dim() > 2:
            t = t[self.lead]
        if t.dtype in (torch.bfloat16, torch.float16):
            t = t.float()
        values = t.cpu().numpy()
        return np.atleast_2d(values), self.model.workspace.tensors[self.name].dim()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._values.shape[0]

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._values.shape[1]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _format(self._values[index.row(), index.column()], 4)
        if role in (Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            return _format(self._values[index.row(), index.column()])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.isValid() else base

    def element_index(self, row: int, col: int) -> tuple[int, ...]:
        """The full tensor index of a grid cell."""
        if self._ndim == 0:
            return ()
        if self._ndim == 1:
            return (col,)
        return (*self.lead, row, col)

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        text = str(value).strip()
        if text == _format(self._values[index.row(), index.column()]):
            return False  # unchanged: no history entry, no version bump
        where = self.element_index(index.row(), index.column())
        try:
            note = self.model.workspace.edit(self.name, where, text, data=self.data_mode)
        except WorkspaceError as exc:
            self.editFailed.emit(f"Edit refused: {exc}")
            return False
        self.edited.emit(note or f"{self.name}{list(where)} = {text}")
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)
        return None


class TensorList(QTableWidget):
    """Name, shape, dtype and autograd flags of every workspace tensor."""

    COLUMNS = ("name", "shape", "dtype", "grad")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)

    def names(self) -> list[str]:
        return [self.item(r, 0).text() for r in range(self.rowCount())]

    def fill(self, tensors: dict[str, torch.Tensor]) -> None:
        self.setRowCount(len(tensors))
        for row, (name, t) in enumerate(tensors.items()):
            flag = (
                "leaf ✓grad"
                if t.is_leaf and t.requires_grad
                else (type(t.grad_fn).__name__ if t.grad_fn is not None else "—")
            )
            cells = (name, str(tuple(t.shape)), str(t.dtype).replace("torch.", ""), flag)
            for col, text in enumerate(cells):
                self.setItem(row, col, QTableWidgetItem(text))


class WorkspacePanel(QWidget):
    """Tensor list on top, value grid with slice picker below."""

    newTensorRequested = Signal()

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.list = TensorList()
        self.grid_model = TensorGridModel(model)
        self.grid = QTableView(objectName="grid")
        self.grid.setModel(self.grid_model)
        self.grid.horizontalHeader().setDefaultSectionSize(64)
        self.grid.verticalHeader().setDefaultSectionSize(22)
        self.new_button = QPushButton("New tensor…", objectName="new_tensor")
        self.delete_button = QPushButton("Delete", objectName="delete_tensor")
        self.data_mode = QCheckBox("edit .data (untracked)", objectName="data_mode")
        self.data_mode.setToolTip(
            "Write through .data: autograd does not see the change and the version "
            "counter stays the same (as the notes warn, gradients may then be wrong)."
        )
        self.slice_bar = QHBoxLayout()
        self.slice_label = QLabel(objectName="hint")
        self.spins: list[QSpinBox] = []

        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.list)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addLayout(self.slice_bar)
        bottom_layout.addWidget(self.grid)
        bottom_layout.addWidget(self.data_mode)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([160, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

        self.new_button.clicked.connect(self.newTensorRequested)
        self.delete_button.clicked.connect(self.delete_selected)
        self.list.itemSelectionChanged.connect(self._list_selection)
        self.data_mode.toggled.connect(lambda on: setattr(self.grid_model, "data_mode", on))
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
        self.delete_button.setEnabled(bool(name))

    def _rebuild_slice_picker(self, name: str) -> None:
        t = self.model.workspace.tensors.get(name)
        shape = tuple(t.shape) if t is not None else ()
        lead_dims = shape[:-2] if len(shape) > 2 else ()
        old = [s.value() for s in self.spins]
        for spin in self.spins:
            self.slice_bar.removeWidget(spin)
            spin.hide()  # deleteLater waits for the event loop; don't leave it drawn meanwhile
            spin.deleteLater()
        self.slice_bar.removeWidget(self.slice_label)
        self.spins = []
        if lead_dims:
            lead = ", ".join(f"i{i}" for i in range(len(lead_dims)))
            self.slice_label.setText(f"slice [{lead}, :, :]")
            self.slice_bar.addWidget(self.slice_label)
            for axis, size in enumerate(lead_dims):
                spin = QSpinBox(objectName=f"slice_{axis}")
                spin.setRange(0, max(size - 1, 0))
                spin.setPrefix(f"dim {axis}: ")
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

    def delete_selected(self) -> None:
        name = self.model.selected
        if not name:
            self.model.message.emit("Select a tensor to delete")
            return
        try:
            self.model.workspace.delete(name)
        except WorkspaceError as exc:
            self.model.message.emit(str(exc))
