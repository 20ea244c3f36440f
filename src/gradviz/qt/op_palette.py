"""The op palette: a searchable tree of the catalog and a form to apply the chosen op.

The tree, the form fields, the doc line and the formula all come from
``gradviz.core.ops.OPS``. When the chosen inputs have different shapes, the
form says how they broadcast before anything is applied, and it shows the
line of PyTorch code that Apply will run.

Keyboard: type in the search box, Down moves into the list, Enter jumps to the
op's first field, and Enter in any field applies the op.
"""

from __future__ import annotations

import torch
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.broadcast import BroadcastError, explain_broadcast
from gradviz.core.i18n import _
from gradviz.core.literals import LiteralError
from gradviz.core.op_inputs import propose_inputs
from gradviz.core.ops import OPS, OpSpec, groups, search
from gradviz.core.storage_notes import also_changed
from gradviz.core.workspace import Action, Event, WorkspaceError
from gradviz.qt.param_fields import (
    EnterFilter,
    ErrorLine,
    ParamField,
    add_to_form,
    make_field,
    mark_invalid,
)
from gradviz.qt.workspace_model import WorkspaceModel

NO_TENSORS_HINT = QT_TRANSLATE_NOOP(
    "OpPalette", "No tensors yet: create one with Ctrl+N, then pick it here."
)  # shown through tr(): the language is chosen after import


class OpPalette(QWidget):
    applied = Signal(str)  # the op name

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.fields: list[ParamField] = []
        self._picks_are_defaults = True
        self.search_box = QLineEdit(
            objectName="op_search", placeholderText=self.tr("Search ops…  (e.g. soft)")
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setToolTip(
            self.tr("Type to filter; Down to browse, Enter to fill in the op")
        )
        self.search_box.installEventFilter(self)
        self.tree = QTreeWidget(objectName="op_tree")
        self.tree.setHeaderHidden(True)
        self.title = QLabel(objectName="op_title", wordWrap=True)
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt")
        self.doc = QLabel(objectName="hint", wordWrap=True)
        self.formula = QLabel(objectName="formula", wordWrap=True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula.setToolTip(self.tr("the maths this op computes"))
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.out_name = QLineEdit(objectName="out_name")
        self.out_name.setToolTip(self.tr("name of the new tensor; Enter applies"))
        self.form.addRow(self.tr("result name"), self.out_name)
        self.no_grad = QCheckBox(self.tr("under torch.no_grad()"), objectName="no_grad")
        self.no_grad.setToolTip(self.tr("Run the op with autograd off: the result has no grad_fn."))
        self.code_preview = QLabel(objectName="code_preview", wordWrap=True)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.code_preview.setFont(mono)
        self.code_preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_preview.setToolTip(
            self.tr("the PyTorch code Apply runs (it goes into the Code panel)")
        )
        self.broadcast = QLabel(objectName="hint", wordWrap=True)
        self.error = ErrorLine()
        self.apply_button = QPushButton(self.tr("Apply"), objectName="apply")
        self.apply_button.setDefault(True)
        self.apply_button.setToolTip(self.tr("Apply the op (Enter in any field)"))

        form_box = QWidget()
        box = QVBoxLayout(form_box)
        box.setContentsMargins(4, 4, 4, 4)
        for w in (self.title, self.doc, self.formula):
            box.addWidget(w)
        box.addLayout(self.form)
        box.addWidget(self.no_grad)
        box.addWidget(self.code_preview)
        box.addWidget(self.broadcast)
        box.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical)
        tree_box = QWidget()
        tree_layout = QVBoxLayout(tree_box)
        tree_layout.setContentsMargins(0, 0, 0, 0)
        tree_layout.addWidget(self.search_box)
        tree_layout.addWidget(self.tree)
        # the form scrolls rather than squeezing its fields when an op has many parameters
        scroll = QScrollArea(objectName="op_form_scroll")
        scroll.setWidget(form_box)
        self._form_box = form_box
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(scroll)
        bottom_layout.addWidget(self.error)  # outside the scroll: never clipped at the bottom
        bottom_layout.addWidget(self.apply_button)  # always in sight, however long the form
        split.addWidget(tree_box)
        split.addWidget(bottom)
        split.setSizes([200, 280])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

        self._fill_tree()
        self.search_box.textChanged.connect(self._filter)
        self.search_box.returnPressed.connect(self.focus_form)
        self.tree.currentItemChanged.connect(self._picked)
        self.tree.itemActivated.connect(lambda *_: self.focus_form())
        self.apply_button.clicked.connect(self.apply)
        self.out_name.returnPressed.connect(self.apply)
        self.out_name.textChanged.connect(self._edited)
        self.no_grad.toggled.connect(self._edited)
        self.no_grad.installEventFilter(EnterFilter(self.apply, self.no_grad))
        model.changed.connect(self._workspace_changed)
        model.selectionChanged.connect(self._selection_changed)
        self.select_op("add")

    # ----------------------------------------------------------------- tree
    def _fill_tree(self) -> None:
        self.tree.clear()
        for group, specs in groups().items():
            parent = QTreeWidgetItem(self.tree, [_(group)])
            parent.setFlags(parent.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            for spec in specs:
                item = QTreeWidgetItem(parent, [spec.label])
                item.setData(0, Qt.ItemDataRole.UserRole, spec.name)
                item.setToolTip(0, f"{spec.label}\n{_(spec.doc)}\n{_(spec.formula)}")
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
        if text and not keep:
            self._no_match = self.tr("No op matches {text}").format(text=repr(text))
            self.error.setText(self._no_match)
        elif self.error.text() and self.error.text() == getattr(self, "_no_match", None):
            self.error.clear()

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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Down/Up in the search box move through the (filtered) op list."""
        if (
            watched is self.search_box
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up)
        ):
            self.tree.setFocus()
            current = self.tree.currentItem()
            if current is None or current.isHidden():
                visible = self.visible_ops()
                if visible:
                    self.select_op(visible[0])
            return True
        return super().eventFilter(watched, event)

    def focus_form(self) -> None:
        """Move the keyboard to the op's first field (or Apply when it has none)."""
        target: QWidget = self.fields[0].widget if self.fields else self.apply_button
        if not self.fields and self.out_name.isEnabled():
            target = self.out_name
        if not target.isVisible() and self.isVisible():
            target.show()  # fields made a moment ago are shown by a queued call; focus needs it now
        target.setFocus(Qt.FocusReason.TabFocusReason)
        if isinstance(target, QLineEdit):
            target.selectAll()

    # ----------------------------------------------------------------- form
    def field(self, name: str) -> ParamField:
        return next(f for f in self.fields if f.param.name == name)

    def _apply_default_picks(self, names: list[str]) -> None:
        """Tensor inputs start as: the selected tensor, then the newest others, in the first
        combination the op accepts (so a fresh scalar is not proposed to ``dot``)."""
        selected = self.model.selected
        preferred = ([selected] if selected in names else []) + [
            n for n in reversed(names) if n != selected
        ]
        tensor_fields = [f for f in self.fields if f.param.kind in ("tensor", "tensor_or_number")]
        spec = OPS.get(self.current_op or "")
        if spec is None or not tensor_fields:
            return
        others = {f.param.name: f.text() for f in self.fields if f not in tensor_fields}
        picks = propose_inputs(
            spec,
            [f.param.name for f in tensor_fields],
            preferred,
            self.model.workspace.tensors,
            others,
        )
        for f, pick in zip(tensor_fields, picks, strict=False):
            f.widget.blockSignals(True)
            f.set_text(pick)
            f.widget.blockSignals(False)

    def _stale_inputs(self) -> bool:
        """A tensor input still names a tensor that was deleted (or renamed away)."""
        inputs = set(self.model.workspace.input_names())
        for f in self.fields:
            text = f.text().strip()
            if f.param.kind == "tensor" and text and text not in inputs:
                return True
            if f.param.kind == "tensor_or_number" and text.isidentifier() and text not in inputs:
                return True
        return False

    def _picked(self, item: QTreeWidgetItem | None, _prev: object = None) -> None:
        name = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if name is None:
            return
        spec = OPS[name]
        self.title.setText(f"{spec.label}   ·  {_(spec.group)}")
        self.doc.setText(_(spec.doc))
        self.formula.setText(_(spec.formula))
        while self.form.rowCount() > 1:  # keep the last row: the result name
            self.form.removeRow(0)
        names = self.model.workspace.names()
        inputs = self.model.workspace.input_names()  # with x.grad: a gradient is a value too
        self.fields = [make_field(p, inputs, spec.example.get(p.name)) for p in spec.params]
        self._apply_default_picks(names)
        self._picks_are_defaults = True  # until the user picks: follow new tensors
        for row, f in enumerate(self.fields):
            add_to_form(self.form, f, row)
            f.on_change(self._field_edited)
            f.on_submit(self.apply)
        if spec.inplace:
            self.out_name.setEnabled(False)
            self.out_name.setText("")
            self.out_name.setPlaceholderText(
                self.tr("in place: changes {name}").format(name=spec.inplace)
            )
        else:
            self.out_name.setEnabled(True)
            self.out_name.setPlaceholderText("")
            self.out_name.setText(self.model.workspace.new_name("y"))
        chain = [self.search_box, self.tree, *(f.widget for f in self.fields)]
        chain += [self.out_name, self.no_grad, self.apply_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self._clear_error()
        self._preview()
        # lay the new fields out now, at their full height: a layout left to a later event
        # can be painted squeezed (rows 1 px high) when the event loop is busy
        box = self._form_box
        box.layout().activate()
        if box.height() < box.minimumSizeHint().height():
            box.resize(box.width(), box.minimumSizeHint().height())
            box.layout().activate()

    def _workspace_changed(self, _event: Event) -> None:
        names = self.model.workspace.names()
        inputs = self.model.workspace.input_names()  # with x.grad: a gradient is a value too
        for f in self.fields:
            f.set_tensor_names(inputs)
            if f.param.kind == "tensors":  # a typed list: drop the names that are gone
                typed = [n.strip() for n in f.text().replace(";", ",").split(",") if n.strip()]
                if any(n not in inputs for n in typed):
                    f.set_text(", ".join(n for n in typed if n in inputs))
        if self._stale_inputs():
            self._picks_are_defaults = True  # the user's pick is gone: propose afresh
        if self._picks_are_defaults:
            self._apply_default_picks(names)
        spec = OPS.get(self.current_op or "")
        if (
            spec is not None
            and not spec.inplace
            and (not self.out_name.text() or self.out_name.text() in self.model.workspace.tensors)
        ):
            self.out_name.setText(self.model.workspace.new_name("y"))
        self._preview()

    def _selection_changed(self, _name: str) -> None:
        if self._picks_are_defaults:  # inputs the user has not touched follow the selection
            self._apply_default_picks(self.model.workspace.names())
            self._preview()

    def _field_edited(self, *_args: object) -> None:
        self._picks_are_defaults = False  # the user chose: keep their picks from now on
        self._edited()

    def _edited(self, *_args: object) -> None:
        """Any change to the form: the last error no longer applies."""
        self._clear_error()
        self._preview()

    def _clear_error(self) -> None:
        self.error.clear()
        for f in self.fields:
            f.set_invalid(False)
        mark_invalid(self.out_name, False)

    def _action(self, spec: OpSpec) -> Action:
        args = {f.param.name: f.text() for f in self.fields}
        target = args.get(spec.inplace, "") if spec.inplace else self.out_name.text().strip()
        return Action(
            "apply", target, spec.name, args, {"no_grad": True} if self.no_grad.isChecked() else {}
        )

    def _preview(self, *_args: object) -> None:
        """Say how the chosen inputs broadcast, and show the code, before applying."""
        spec = OPS.get(self.current_op or "")
        self.broadcast.clear()
        self.code_preview.clear()
        self.code_preview.hide()
        if spec is None:
            return
        if not self.model.workspace.tensors and spec.tensor_params:
            self.broadcast.setText(QCoreApplication.translate("OpPalette", NO_TENSORS_HINT))
            return
        action = self._action(spec)
        code = ""  # until every required field has something in it: Apply will say what's missing
        if all(action.args.get(p.name) for p in spec.params if p.required):
            try:
                code = self.model.workspace.code_for(action)
            except (LiteralError, WorkspaceError, KeyError, ValueError, TypeError):
                code = ""
        self.code_preview.setText(code)
        self.code_preview.setVisible(bool(code))
        if len(spec.broadcasts) < 2:
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

    def _numbers_only(self, spec: OpSpec) -> bool:
        """True when every input is a plain number (``2 + 3``): no tensor to make."""
        inputs = [f for f in self.fields if f.param.is_tensor]
        return bool(inputs) and all(
            f.param.kind == "tensor_or_number" and f.text() not in self.model.workspace.tensors
            for f in inputs
        )

    def _show_error(self, spec: OpSpec, message: str, field: str | None = None) -> None:
        self.error.setText(message)
        if self.error.text() in self.broadcast.text():
            self.broadcast.clear()  # the same words once are enough
        for f, bad in zip(self.fields, self._blamed(message, field), strict=True):
            f.set_invalid(bad)
        mark_invalid(self.out_name, field == "name" and not spec.inplace)
        self.model.message.emit(f"{spec.label}: {message}")

    def _blamed(self, message: str, field: str | None = None) -> list[bool]:
        """Which fields the error is about: the one the workspace or the message names, else
        the typed values it quotes, else (PyTorch refused the inputs) every tensor input."""
        named = [
            f.param.name == field or message.startswith(f"{f.param.name}:") for f in self.fields
        ]
        if any(named):
            return named
        compact = message.replace(" ", "")
        quoted = [
            not f.param.is_tensor
            and bool(f.text().strip())
            and f.text().replace(" ", "") in compact
            for f in self.fields
        ]
        if any(quoted):
            return quoted
        out = self.out_name.text().strip()
        if out and f"{out!r}" in message:
            return [False] * len(self.fields)  # about the result's name, marked apart
        return [f.param.is_tensor for f in self.fields]

    def apply(self) -> bool:
        spec = OPS.get(self.current_op or "")
        if spec is None:
            return False
        if self._numbers_only(spec):
            self._show_error(
                spec,
                self.tr(
                    "pick a workspace tensor for at least one input: numbers alone make no tensor"
                ),
            )
            return False
        args = {f.param.name: f.text() for f in self.fields}
        out = self.out_name.text().strip() or None
        try:
            result = self.model.workspace.apply(
                spec.name, out, args, no_grad=self.no_grad.isChecked()
            )
        except WorkspaceError as exc:
            self._show_error(spec, str(exc), exc.field)
            return False
        self._clear_error()
        made = result.tensor
        what = ""
        if isinstance(made, torch.Tensor):
            what = self.tr(": shape {shape}, {dtype}").format(
                shape=tuple(made.shape), dtype=str(made.dtype).replace("torch.", "")
            )
        if spec.inplace:
            target = args.get(spec.inplace, "")
            done = self.tr("{op} applied: {target} changed in place").format(
                op=spec.label, target=target
            )
            shared = also_changed(target, self.model.workspace.tensors)
            done += f"; {shared}" if shared else ""
        else:
            done = self.tr("{op} applied → {out}{what}").format(op=spec.label, out=out, what=what)
        self.model.message.emit(f"{done}. {result.message}" if result.message else done)
        self.applied.emit(spec.name)
        return True
