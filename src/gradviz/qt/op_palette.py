"""The op palette: a searchable tree of the catalog and a form to apply the chosen op.

The tree, the form fields, the doc line and the formula all come from
``gradviz.core.ops.OPS``. When the chosen inputs have different shapes, the
form says how they broadcast before anything is applied.
"""

from __future__ import annotations

import torch
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.broadcast import BroadcastError, explain_broadcast
from gradviz.core.ops import OPS, groups, search
from gradviz.core.workspace import Event, WorkspaceError
from gradviz.qt.param_fields import ParamField, make_field
from gradviz.qt.workspace_model import WorkspaceModel


class OpPalette(QWidget):
    applied = Signal(str)  # the op name

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.fields: list[ParamField] = []
        self.search_box = QLineEdit(
            objectName="op_search", placeholderText="Search ops…  (e.g. soft)"
        )
        self.search_box.setClearButtonEnabled(True)
        self.tree = QTreeWidget(objectName="op_tree")
        self.tree.setHeaderHidden(True)
        self.title = QLabel(objectName="op_title")
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt")
        self.doc = QLabel(objectName="hint", wordWrap=True)
        self.formula = QLabel(objectName="formula", wordWrap=True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form = QFormLayout()
        self.out_name = QLineEdit(objectName="out_name")
        self.no_grad = QCheckBox("under torch.no_grad()", objectName="no_grad")
        self.no_grad.setToolTip("Run the op with autograd off: the result has no grad_fn.")
        self.broadcast = QLabel(objectName="hint", wordWrap=True)
        self.error = QLabel(objectName="error", wordWrap=True)
        self.apply_button = QPushButton("Apply", objectName="apply")
        self.apply_button.setDefault(True)

        form_box = QWidget()
        box = QVBoxLayout(form_box)
        box.setContentsMargins(4, 4, 4, 4)
        for w in (self.title, self.doc, self.formula):
            box.addWidget(w)
        box.addLayout(self.form)
        out_row = QFormLayout()
        out_row.addRow("result name", self.out_name)
        box.addLayout(out_row)
        box.addWidget(self.no_grad)
        box.addWidget(self.broadcast)
        box.addWidget(self.error)
        box.addWidget(self.apply_button)
        box.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical)
        tree_box = QWidget()
        tree_layout = QVBoxLayout(tree_box)
        tree_layout.setContentsMargins(0, 0, 0, 0)
        tree_layout.addWidget(self.search_box)
        tree_layout.addWidget(self.tree)
        split.addWidget(tree_box)
        split.addWidget(form_box)
        split.setSizes([220, 260])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

        self._fill_tree()
        self.search_box.textChanged.connect(self._filter)
        self.tree.currentItemChanged.connect(self._picked)
        self.apply_button.clicked.connect(self.apply)
        self.out_name.returnPressed.connect(self.apply)
        model.changed.connect(self._workspace_changed)
        self.select_op("add")

    # ----------------------------------------------------------------- tree
    def _fill_tree(self) -> None:
        self.tree.clear()
        for group, specs in groups().items():
            parent = QTreeWidgetItem(self.tree, [group])
            parent.setFlags(parent.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            for spec in specs:
                item = QTreeWidgetItem(parent, [spec.label])
                item.setData(0, Qt.ItemDataRole.UserRole, spec.name)
                item.setToolTip(0, f"{spec.doc}\n{spec.formula}")
        self.tree.expandAll()

    def visible_ops(self) -> list[str]:
        out = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            for i in range(group.childCount()):
                if not group.child(i).isHidden():
                    out.append(group.child(i).data(0, Qt.ItemDataRole.UserRole))
        return out

    def _filter(self, text: str) -> None:
        found = search(text)
        keep = {s.name for s in found}
        # the best match: an op whose name starts with the text, else the first found
        words = text.lower().split()
        best = next((s.name for s in found if words and s.name.startswith(words[0])), None)
        first = chosen = None
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            shown = 0
            for i in range(group.childCount()):
                item = group.child(i)
                hidden = item.data(0, Qt.ItemDataRole.UserRole) not in keep
                item.setHidden(hidden)
                if not hidden:
                    shown += 1
                    first = first or item
                    if item.data(0, Qt.ItemDataRole.UserRole) == best:
                        first = chosen = item
            group.setHidden(shown == 0)
        if text and (chosen or first) is not None:
            self.tree.setCurrentItem(chosen or first)

    def select_op(self, name: str) -> None:
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            for i in range(group.childCount()):
                if group.child(i).data(0, Qt.ItemDataRole.UserRole) == name:
                    self.tree.setCurrentItem(group.child(i))
                    return
        raise KeyError(name)

    @property
    def current_op(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    # ----------------------------------------------------------------- form
    def field(self, name: str) -> ParamField:
        return next(f for f in self.fields if f.param.name == name)

    def _picked(self, item: QTreeWidgetItem | None, _prev: object = None) -> None:
        name = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if name is None:
            return
        spec = OPS[name]
        self.title.setText(f"{spec.label}    ·  {spec.group}")
        self.doc.setText(spec.doc)
        self.formula.setText(spec.formula)
        while self.form.rowCount():
            self.form.removeRow(0)
        names = self.model.workspace.names()
        self.fields = [make_field(p, names) for p in spec.params]
        for i, f in enumerate(self.fields):
            if f.param.kind == "tensor" and isinstance(f.widget, QComboBox) and names:
                # pick different tensors for a, b when there are several
                f.widget.setCurrentIndex(max(len(names) - 1 - i, 0))
            self.form.addRow(f.param.name, f.widget)
            f.on_change(self._preview)
        if spec.inplace:
            self.out_name.setEnabled(False)
            self.out_name.setText("")
            self.out_name.setPlaceholderText(f"in place: changes {spec.inplace}")
        else:
            self.out_name.setEnabled(True)
            self.out_name.setPlaceholderText("")
            self.out_name.setText(self.model.workspace.new_name("y"))
        self.error.clear()
        self._preview()

    def _workspace_changed(self, _event: Event) -> None:
        names = self.model.workspace.names()
        for f in self.fields:
            f.set_tensor_names(names)
        spec = OPS.get(self.current_op or "")
        if (
            spec is not None
            and not spec.inplace
            and (not self.out_name.text() or self.out_name.text() in self.model.workspace.tensors)
        ):
            self.out_name.setText(self.model.workspace.new_name("y"))
        self._preview()

    def _preview(self, *_args: object) -> None:
        """Say how the chosen inputs broadcast, before applying."""
        spec = OPS.get(self.current_op or "")
        self.broadcast.clear()
        if spec is None or len(spec.broadcasts) < 2:
            return
        tensors = self.model.workspace.tensors
        shapes = {}
        for f in self.fields:
            if f.param.name in spec.broadcasts and isinstance(tensors.get(f.text()), torch.Tensor):
                shapes[f.text() or f.param.name] = tuple(tensors[f.text()].shape)
        if len(shapes) < 2:
            return
        try:
            note = explain_broadcast(shapes)
        except BroadcastError as exc:
            self.broadcast.setText(f"⚠ {exc}")
            return
        self.broadcast.setText(note or "")

    def apply(self) -> bool:
        spec = OPS.get(self.current_op or "")
        if spec is None:
            return False
        args = {f.param.name: f.text() for f in self.fields}
        out = self.out_name.text().strip() or None
        try:
            result = self.model.workspace.apply(
                spec.name, out, args, no_grad=self.no_grad.isChecked()
            )
        except WorkspaceError as exc:
            self.error.setText(str(exc))
            self.model.message.emit(f"{spec.label}: {exc}")
            return False
        self.error.clear()
        done = f"{spec.label} applied" + (f" → {out}" if out and not spec.inplace else "")
        self.model.message.emit(f"{done}. {result.message}" if result.message else done)
        self.applied.emit(spec.name)
        return True
