"""The Inspector: everything about the selected tensor, a backward function, or
a gradient flowing along an edge."""

from __future__ import annotations

from typing import Any

import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.tensor_info import describe, readable_grad
from gradviz.core.workspace import Event
from gradviz.qt.workspace_model import WorkspaceModel

EMPTY_HINT = "Select a tensor in the Workspace or a node in the graph to see its details here."


class Inspector(QWidget):
    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.title = QLabel(objectName="inspector_title")
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 2, objectName="inspector_table")
        self.table.setHorizontalHeaderLabels(["property", "value"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # a narrow dock elides long values (the tooltip has them) instead of scrolling sideways
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.values = QPlainTextEdit(objectName="inspector_values", readOnly=True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.values.setFont(font)
        self.values.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.values)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(split)
        self._showing: tuple[str, Any] = ("tensor", "")
        model.selectionChanged.connect(self.show_tensor)
        model.changed.connect(self._on_changed)
        self.show_tensor(model.selected)

    def value_of(self, prop: str) -> str | None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == prop:
                return self.table.item(row, 1).text()
        return None

    def _fill(self, title: str, rows: list[tuple[str, str, str]], values: str = "") -> None:
        self.title.setText(title)
        self.table.setRowCount(len(rows))
        for r, (prop, value, tip) in enumerate(rows):
            key, val = QTableWidgetItem(prop), QTableWidgetItem(value)
            key.setToolTip(tip)
            val.setToolTip(f"{value}\n\n{tip}" if tip else value)
            self.table.setItem(r, 0, key)
            self.table.setItem(r, 1, val)
        self.values.setPlainText(values)

    def _on_changed(self, event: Event) -> None:
        kind, _what = self._showing
        # after undo or open, a function or edge value shown before belongs to a graph
        # that no longer exists: go back to the selected tensor
        if kind == "tensor" or event.kind == "reset":
            self.show_tensor(self.model.selected)

    def show_tensor(self, name: str) -> None:
        self._showing = ("tensor", name)
        tensors = self.model.workspace.tensors
        if not name or name not in tensors:
            self._fill("Nothing selected", [], EMPTY_HINT)
            return
        t = tensors[name]
        info = describe(name, tensors)
        text = _values_text(t)
        grad = readable_grad(t)
        if grad is not None:
            text += f"\n\n.grad =\n{_values_text(grad)}"
        self._fill(f"tensor {name}", info.rows(), text)

    def show_function(self, fn: Any) -> None:
        """A backward function node: its class, inputs and saved tensors (``_saved_*``)."""
        self._showing = ("function", fn)
        try:
            from gradviz.core.graph import function_details
        except ImportError:  # the graph module is optional for the inspector
            function_details = None
        rows: list[tuple[str, str, str]] = [("class", type(fn).__name__, "backward function")]
        if function_details is not None:
            details = function_details(fn)
            for key, value in details.items():
                if key == "class":
                    continue
                rows.append((str(key), _short(value), ""))
        else:
            nexts = [type(f).__name__ if f is not None else "None" for f, _ in fn.next_functions]
            rows.append(("next_functions", ", ".join(nexts), "where the gradient goes next"))
        self._fill(f"function {type(fn).__name__}", rows)

    def show_value(self, title: str, tensor: torch.Tensor | None) -> None:
        """Any tensor, e.g. the gradient carried by a graph edge."""
        self._showing = ("value", title)
        if tensor is None:
            self._fill(title, [("value", "None", "")])
            return
        t = tensor.detach()
        rows = [
            ("shape", str(tuple(t.shape)), ""),
            ("dtype", str(t.dtype).replace("torch.", ""), ""),
            ("device", str(t.device), ""),
        ]
        if t.is_floating_point() and t.numel():
            rows.append(("norm", f"{t.float().norm().item():.6g}", "L2 norm"))
        self._fill(title, rows, _values_text(t))


def _short(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor {tuple(value.shape)}"
    text = str(value)
    return text if len(text) < 200 else text[:197] + "…"


def _values_text(t: torch.Tensor) -> str:
    with torch.no_grad():
        return (
            str(t.detach().cpu()) if t.numel() <= 10_000 else f"{t.numel():,} elements (not shown)"
        )
