"""The Inspector: everything about the selected tensor, a backward function, or
a gradient flowing along an edge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
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

from gradviz.core.fn_info import function_details
from gradviz.core.i18n import _
from gradviz.core.layout import format_bytes
from gradviz.core.object_info import SHARE_TIP, arrays_sharing, object_rows
from gradviz.core.tensor_info import describe, readable_grad
from gradviz.core.workspace import Event
from gradviz.qt.workspace_model import WorkspaceModel

EMPTY_HINT = QT_TRANSLATE_NOOP(
    "Inspector", "Select a tensor in the Workspace or a node in the graph to see its details here."
)


class Inspector(QWidget):
    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.title = QLabel(objectName="inspector_title")
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 2, objectName="inspector_table")
        self.table.setHorizontalHeaderLabels([self.tr("property"), self.tr("value")])
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
        # a function node's saved tensors, one row each (name, shape, dtype, kept or freed)
        self.saved_table = QTableWidget(0, 5, objectName="inspector_saved")
        self.saved_table.setHorizontalHeaderLabels(
            [self.tr("saved"), self.tr("shape"), "dtype", self.tr("state"), self.tr("size")]
        )
        self.saved_table.verticalHeader().hide()
        self.saved_table.verticalHeader().setDefaultSectionSize(22)
        saved_header = self.saved_table.horizontalHeader()
        for col in range(5):
            saved_header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        saved_header.setStretchLastSection(True)
        self.saved_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.saved_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.saved_table.setToolTip(
            self.tr(
                "What this function saved during the forward pass to compute its gradients; "
                "a backward without retain_graph frees them"
            )
        )
        self.saved_table.hide()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.saved_table)
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
        model.objectSelected.connect(self.show_object)
        self.show_tensor(model.selected)

    def value_of(self, prop: str) -> str | None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == prop:
                return self.table.item(row, 1).text()
        return None

    def _fill(self, title: str, rows: list[tuple[str, str, str]], values: str = "") -> None:
        self.title.setText(title)
        self.saved_table.hide()
        # the empty-state hint wraps; tensor values keep their columns (and scroll sideways)
        wrap = not rows and values == self.tr(EMPTY_HINT)
        self.values.setLineWrapMode(
            QPlainTextEdit.LineWrapMode.WidgetWidth if wrap else QPlainTextEdit.LineWrapMode.NoWrap
        )
        self.table.setRowCount(len(rows))
        for r, (prop, value, tip) in enumerate(rows):
            key, val = QTableWidgetItem(prop), QTableWidgetItem(value)
            key.setToolTip(tip)
            val.setToolTip(f"{value}\n\n{tip}" if tip else value)
            self.table.setItem(r, 0, key)
            self.table.setItem(r, 1, val)
        self.values.setPlainText(values)
        self.values.setVisible(bool(values) or not rows)  # a function has no values to show

    def _on_changed(self, event: Event) -> None:
        kind, _what = self._showing
        # after undo or open, a function or edge value shown before belongs to a graph
        # that no longer exists: go back to the selected tensor
        if kind == "object" and _what in self.model.workspace.objects:
            self.show_object(_what)  # e.g. an optimizer step changed its parameters
        elif kind in ("tensor", "object") or event.kind == "reset":
            self.show_tensor(self.model.selected)

    def show_tensor(self, name: str) -> None:
        self._showing = ("tensor", name)
        tensors = self.model.workspace.tensors
        if not name or name not in tensors:
            self._fill(self.tr("Nothing selected"), [], self.tr(EMPTY_HINT))
            return
        t = tensors[name]
        info = describe(name, tensors)
        text = _values_text(t)
        grad = readable_grad(t)
        if grad is not None:
            text += f"\n\n.grad =\n{_values_text(grad)}"
        rows = info.rows()
        ws = self.model.workspace
        arrays = arrays_sharing(ws.objects, ws.sharing, name)
        if arrays:
            rows.append((self.tr("shares memory with array"), ", ".join(arrays), _(SHARE_TIP)))
        self._fill(self.tr("tensor {0}").format(name), rows, text)

    def show_object(self, name: str) -> None:
        """A module, optimizer or NumPy array bound by console code."""
        ws = self.model.workspace
        value = ws.objects.get(name)
        if value is None:
            self.show_tensor(self.model.selected)
            return
        self._showing = ("object", name)
        values = str(value) if not hasattr(value, "size") or value.size <= 10_000 else ""
        self._fill(f"{type(value).__name__} {name}", object_rows(value, ws.sharing(name)), values)

    def show_function(self, fn: Any, graph_names: Mapping[int, str] | None = None) -> None:
        """A backward function node as tables: what it is, where its gradients go, its
        attributes, and the tensors it saved for backward (name, shape, dtype, kept/freed).

        ``graph_names``: what the graph shown calls its tensors (``id`` -> name), so the
        leaves of an external graph (a training batch's) are named by parameter path,
        ``input`` or ``target`` rather than unknown."""
        self._showing = ("function", fn)
        details = function_details(fn)
        names = dict(graph_names or {})
        names.update({id(t): n for n, t in self.model.workspace.tensors.items()})
        label = details["label"]
        rows: list[tuple[str, str, str]] = [
            (self.tr("class"), label, self.tr("the backward function"))
        ]
        if details.get("formula"):
            rows.append(
                (
                    self.tr("forward op"),
                    f"{details['op']}: {details['formula']}",
                    self.tr("from the catalog"),
                )
            )
        goes = []
        for nf, _index in getattr(fn, "next_functions", ()):
            if nf is None:
                goes.append(self.tr("— (needs no gradient)"))
            elif hasattr(nf, "variable"):
                goes.append(f"{names.get(id(nf.variable), self.tr('a leaf'))}.grad")
            else:
                goes.append(type(nf).__name__)
        rows.append(
            (
                self.tr("sends gradients to"),
                ", ".join(goes) or self.tr("nothing"),
                self.tr("one per forward input"),
            )
        )
        for attr, info in details["attributes"].items():
            rows.append(
                (attr.removeprefix("_saved_"), _plain(info), self.tr("a value saved for backward"))
            )
        self._fill(self.tr("function {0}").format(label), rows)
        saved = []
        for attr, info in details["saved_tensors"].items():
            items = info["items"] if info["type"] == "tensors" else [info]
            for i, item in enumerate(items):
                name = attr.removeprefix("_saved_") + (f"[{i}]" if len(items) > 1 else "")
                saved.append((name, item))
        self._fill_saved(fn, saved, names)

    def _fill_saved(self, fn: Any, saved: list[tuple[str, dict]], names: dict[int, str]) -> None:
        table = self.saved_table
        table.setRowCount(len(saved))
        for r, (name, item) in enumerate(saved):
            if item["type"] == "freed":
                cells = [name, "—", "—", self.tr("freed"), "—"]
                tip = self.tr("freed by a backward without retain_graph=True")
            else:
                value = getattr(fn, f"_saved_{name.split('[')[0]}", None)
                if isinstance(value, (tuple, list)):
                    value = value[int(name.split("[")[1].rstrip("]"))]
                tensor = value if isinstance(value, torch.Tensor) else None
                owner = _owner_name(tensor, names, self.model.workspace.tensors)
                nbytes = tensor.numel() * tensor.element_size() if tensor is not None else None
                cells = [
                    f"{name} = {owner}" if owner else name,
                    str(tuple(item["shape"])),
                    item["dtype"],
                    self.tr("kept"),
                    format_bytes(nbytes) if nbytes is not None else "?",
                ]
                tip = self.tr("kept for backward")
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(tip)
                table.setItem(r, c, cell)
        table.setVisible(bool(saved))

    def show_value(self, title: str, tensor: torch.Tensor | None) -> None:
        """Any tensor, e.g. the gradient carried by a graph edge."""
        self._showing = ("value", title)
        if tensor is None:
            self._fill(title, [(self.tr("value"), "None", "")])
            return
        t = tensor.detach()
        rows = [
            (self.tr("shape"), str(tuple(t.shape)), ""),
            ("dtype", str(t.dtype).replace("torch.", ""), ""),
            (self.tr("device"), str(t.device), ""),
        ]
        if t.is_floating_point() and t.numel():
            rows.append((self.tr("norm"), f"{t.float().norm().item():.6g}", self.tr("L2 norm")))
        self._fill(title, rows, _values_text(t))


def _owner_name(t: torch.Tensor | None, names: dict[int, str], tensors: dict) -> str | None:
    """The workspace name of a saved tensor: the same object, or the same numbers in place."""
    if t is None:
        return None
    if id(t) in names:
        return names[id(t)]
    for name, other in tensors.items():
        same = other.shape == t.shape and other.dtype == t.dtype
        if same and other.numel() and other.data_ptr() == t.data_ptr():
            return name
    return None


def _plain(info: dict) -> str:
    """An attribute's value as a person writes it: 1, [0, 1], True (no type dicts)."""
    value = info.get("value")
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    text = str(value)
    return text if len(text) < 200 else text[:197] + "…"


def _values_text(t: torch.Tensor) -> str:
    with torch.no_grad():
        return (
            str(t.detach().cpu())
            if t.numel() <= 10_000
            else QCoreApplication.translate("Inspector", "{0:,} elements (not shown)").format(
                t.numel()
            )
        )
