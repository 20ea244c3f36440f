"""The "New tensor" form: pick a factory, fill its fields, choose dtype/device/grad/seed.

The keyboard starts in the factory's first field; Enter creates, Esc closes.
A refused input keeps the dialog open, says why, and marks the field at fault.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.devices import list_devices
from gradviz.core.factories import DTYPES, FACTORIES
from gradviz.core.i18n import _
from gradviz.core.workspace import WorkspaceError
from gradviz.qt.param_fields import ParamField, add_to_form, make_field, mark_invalid
from gradviz.qt.workspace_model import WorkspaceModel

# torch.manual_seed takes any 64-bit value; keep to the unsigned range users expect
SEED_MAX = 2**64 - 1


# the parsers name some errors by the kind of value rather than by the field
class TensorForm(QWidget):
    """Creates a named tensor in the workspace; errors show inline and change nothing."""

    created = Signal(str)

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.fields: list[ParamField] = []

        self.factory = QComboBox(objectName="factory")
        for name, spec in FACTORIES.items():
            self.factory.addItem(f"torch.{name}", name)
            self.factory.setItemData(
                self.factory.count() - 1, _(spec.doc), Qt.ItemDataRole.ToolTipRole
            )
        self.factory.setMaxVisibleItems(len(FACTORIES))
        self.doc = QLabel(objectName="hint", wordWrap=True)
        # room for two lines: a wrapped label in a form does not ask for its height itself
        self.doc.setMinimumHeight(2 * self.doc.fontMetrics().lineSpacing() + 2)
        self.name = QLineEdit(objectName="name")
        self.name.setToolTip(self.tr("a Python name: it is the variable in the exported code"))
        self.dtype = QComboBox(objectName="dtype")
        self.dtype.addItem(self.tr("default"), "")
        for dtype in DTYPES:
            self.dtype.addItem(dtype, dtype)
        self.dtype.setToolTip(self.tr("default: float32 for floats, int64 for whole numbers"))
        self.device = QComboBox(objectName="device")
        for dev in list_devices():
            self.device.addItem(dev.label, dev.name)
            item = self.device.model().item(self.device.count() - 1)
            if not dev.available:
                item.setEnabled(False)
                item.setToolTip(dev.reason)
        self.requires_grad = QCheckBox("requires_grad", objectName="requires_grad")
        self.requires_grad.setToolTip(
            self.tr("autograd records ops on it and backward() fills its .grad (float dtypes only)")
        )
        self.seed = QLineEdit(objectName="seed", placeholderText=self.tr("random (recorded)"))
        self.seed.setToolTip(
            self.tr("torch.manual_seed before the call, so the values can be rebuilt")
        )
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # one form, so every label and field lines up; factory fields go after "Name"
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow(self.tr("Factory"), self.factory)
        self.form.addRow("", self.doc)
        self.form.addRow(self.tr("Name"), self.name)
        self._param_rows_start = self.form.rowCount()
        self.form.addRow("dtype", self.dtype)
        self.form.addRow(self.tr("device"), self.device)
        self.form.addRow("", self.requires_grad)
        self.form.addRow(self.tr("seed"), self.seed)
        self.options = self.form  # kept for callers that reach the option rows
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        self.setMinimumWidth(400)
        layout.addWidget(self.error)
        self.factory.currentIndexChanged.connect(self._rebuild_fields)
        for w in (self.name, self.seed):
            w.textChanged.connect(self._clear_marks)
        self._rebuild_fields()
        self._suggested = model.workspace.new_name("x")
        self.name.setText(self._suggested)
        # the dialog is not modal: keep its tensor choices and its suggested name current
        self.follow_workspace(True)

    def follow_workspace(self, on: bool) -> None:
        """Listen to workspace changes (while shown); a closed dialog costs nothing."""
        if on == getattr(self, "_following", False):
            return
        self._following = on
        if on:
            self.model.changed.connect(self._workspace_changed)
            self._workspace_changed()
        else:
            self.model.changed.disconnect(self._workspace_changed)

    def _workspace_changed(self, _event: object = None) -> None:
        names = self.model.workspace.names()
        for f in self.fields:
            f.set_tensor_names(names)
        if self.name.text().strip() in ("", self._suggested) and self._suggested in names:
            self._suggested = self.model.workspace.new_name("x")
            self.name.setText(self._suggested)

    def set_factory(self, name: str) -> None:
        self.factory.setCurrentIndex(self.factory.findData(name))

    def field(self, name: str) -> ParamField:
        return next(f for f in self.fields if f.param.name == name)

    def first_input(self) -> QWidget:
        """Where typing starts: the factory's first field, else the name."""
        return self.fields[0].widget if self.fields else self.name

    def _rebuild_fields(self) -> None:
        for _field in self.fields:  # (not `_`: that is the translator)
            self.form.removeRow(self._param_rows_start)
        spec = FACTORIES[self.factory.currentData()]
        self.doc.setText(_(spec.doc))  # core marks the docs (N_); shown translated
        names = self.model.workspace.names()
        example = dict(spec.example)
        self.fields = [
            make_field(p, names, None if spec.like else example.get(p.name)) for p in spec.params
        ]
        for i, f in enumerate(self.fields):
            if f.param.kind == "tensor" and self.model.selected in names:
                f.set_text(self.model.selected)  # *_like: the tensor the user is looking at
            add_to_form(self.form, f, self._param_rows_start + i)
            f.on_change(self._clear_marks)
        self.seed.setEnabled(spec.random)
        self.seed.setPlaceholderText(
            self.tr("random (recorded)") if spec.random else self.tr("not random")
        )
        chain = [self.factory, self.name, *(f.widget for f in self.fields)]
        chain += [self.dtype, self.device, self.requires_grad, self.seed]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self._clear_marks()

    def _clear_marks(self, *_args: object) -> None:
        self.error.clear()
        for f in self.fields:
            f.set_invalid(False)
        for w in (self.name, self.seed):
            mark_invalid(w, False)

    def _fail(self, message: str, status: str | None = None, field: str | None = None) -> bool:
        """Show ``message`` and mark the input it is about: ``field`` (a parameter, "name"
        or "seed"), else the parameter the message starts with ("size: …")."""
        self.error.setText(message)
        if field is None:
            lowered = message.lower()
            field = next(
                (f.param.name for f in self.fields if lowered.startswith(f"{f.param.name}:")),
                None,
            )
        for f in self.fields:
            f.set_invalid(f.param.name == field)
        mark_invalid(self.name, field == "name")
        mark_invalid(self.seed, field == "seed")
        if status:
            self.model.message.emit(status)
        return False

    def create(self) -> bool:
        """Create the tensor; returns False (and shows why) when the input is wrong."""
        spec = FACTORIES[self.factory.currentData()]
        seed_text = self.seed.text().strip() if spec.random else ""
        try:
            seed = int(seed_text) if seed_text else None
        except ValueError:
            return self._fail(
                self.tr("seed: expected a whole number, got {0!r}").format(seed_text), field="seed"
            )
        if seed is not None and not 0 <= seed <= SEED_MAX:
            return self._fail(
                self.tr("seed: use a whole number from 0 to {0}").format(SEED_MAX), field="seed"
            )
        name = self.name.text().strip()
        if not name:
            return self._fail(self.tr("Name: type a name for the new tensor, e.g. x"), field="name")
        try:
            t = self.model.workspace.create(
                name,
                spec.name,
                {f.param.name: f.text() for f in self.fields},
                dtype=self.dtype.currentData() or None,
                device=self.device.currentData() or "cpu",
                requires_grad=self.requires_grad.isChecked(),
                seed=seed,
            )
        except WorkspaceError as exc:
            return self._fail(
                str(exc),
                self.tr("Could not create {0}: {1}").format(name or self.tr("tensor"), exc),
                exc.field,
            )
        self._clear_marks()
        dtype = str(t.dtype).replace("torch.", "")
        grad = ", requires_grad" if t.requires_grad else ""
        self.model.message.emit(
            self.tr("Created {0}: shape {1}, {2}{3}").format(name, tuple(t.shape), dtype, grad)
        )
        self.created.emit(name)
        self._suggested = self.model.workspace.new_name("x")
        self.name.setText(self._suggested)
        return True


class NewTensorDialog(QDialog):
    """A non-blocking dialog around :class:`TensorForm`; stays open on bad input."""

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New tensor"))
        self.form = TensorForm(model, self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Create"))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip(
            self.tr("Create the tensor (Enter)")
        )
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip(self.tr("Close (Esc)"))
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        # grow when an error line appears instead of squeezing the other rows
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.form.factory.currentIndexChanged.connect(lambda *_: self.adjustSize())
        self.finished.connect(lambda *_: self.form.follow_workspace(False))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.form.follow_workspace(True)
        target = self.form.first_input()
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _create(self) -> None:
        if self.form.create():
            self.accept()
