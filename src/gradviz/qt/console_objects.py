"""The Workspace list's second part: modules, optimizers and NumPy arrays bound by console code.

A module is listed with its parameters and buffers (``state_dict`` keys, shapes, element
counts); an array that shares memory with a tensor (``from_numpy``, ``.numpy()``) says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from gradviz.core.workspace import Event
from gradviz.qt.workspace_model import WorkspaceModel


def describe_object(value: Any, sharing: list[str]) -> str:
    if isinstance(value, torch.nn.Module):
        n = sum(p.numel() for p in value.parameters())
        return QCoreApplication.translate("ObjectList", "{0} · {1:,} parameters").format(
            type(value).__name__, n
        )
    if isinstance(value, torch.optim.Optimizer):
        lr = value.param_groups[0].get("lr") if value.param_groups else None
        count = sum(len(g["params"]) for g in value.param_groups)
        return (
            QCoreApplication.translate("ObjectList", "{0} · lr={1:g} · {2} tensors").format(
                type(value).__name__, lr, count
            )
            if lr is not None
            else QCoreApplication.translate("ObjectList", "{0} · {1} tensors").format(
                type(value).__name__, count
            )
        )
    if isinstance(value, np.ndarray):
        text = f"ndarray {value.dtype} {tuple(value.shape)}"
        if sharing:
            text += QCoreApplication.translate("ObjectList", " · shares memory with {0}").format(
                ", ".join(sharing)
            )
        return text
    return type(value).__name__


class ObjectList(QTreeWidget):
    """Filled from ``workspace.objects`` after every event; hidden while there are none."""

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("object_list")
        self.setColumnCount(2)
        self.setHeaderLabels([self.tr("module / optimizer / array"), self.tr("what")])
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.setToolTip(
            self.tr(
                "Bound by console code: nn.Modules (expand for their state_dict), optimizers and "
                "NumPy arrays"
            )
        )
        model.changed.connect(self.refresh)
        self.itemSelectionChanged.connect(self._picked)
        model.selectionChanged.connect(self._tensor_picked)
        self.refresh()

    def _picked(self) -> None:
        items = self.selectedItems()
        if items:
            item = items[0]
            while item.parent() is not None:  # a state_dict row: its module
                item = item.parent()
            self.model.select_object(item.text(0))

    def _tensor_picked(self, name: str) -> None:
        if name:  # a tensor was picked in the other list: this one lets go
            self.blockSignals(True)
            self.clearSelection()
            self.blockSignals(False)

    def names(self) -> list[str]:
        return [self.topLevelItem(i).text(0) for i in range(self.topLevelItemCount())]

    def refresh(self, _event: Event | None = None) -> None:
        ws = self.model.workspace
        self.blockSignals(True)  # refilling is not the user picking something
        self.clear()
        for name, value in ws.objects.items():
            item = QTreeWidgetItem([name, describe_object(value, ws.sharing(name))])
            item.setToolTip(1, item.text(1))
            if isinstance(value, torch.nn.Module):
                for key, t in value.state_dict().items():
                    shape = "×".join(map(str, t.shape)) or self.tr("scalar")
                    QTreeWidgetItem(
                        item, [key, self.tr("{0} · {1:,} elements").format(shape, t.numel())]
                    )
            self.addTopLevelItem(item)
        self.blockSignals(False)
        self.setVisible(bool(ws.objects))
