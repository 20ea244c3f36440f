"""The "New tensor" form: pick a factory, fill its fields, choose dtype/device/grad/seed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.devices import list_devices
from gradviz.core.factories import DTYPES, FACTORIES
from gradviz.core.workspace import WorkspaceError
from gradviz.qt.param_fields import ParamField, make_field
from gradviz.qt.workspace_model import WorkspaceModel


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
                self.factory.count() - 1, spec.doc, Qt.ItemDataRole.ToolTipRole
            )
        self.doc = QLabel(objectName="hint", wordWrap=True)
        self.name = QLineEdit(objectName="name")
        self.dtype = QComboBox(objectName="dtype")
        self.dtype.addItem("default", "")
        for dtype in DTYPES:
            self.dtype.addItem(dtype, dtype)
        self.device = QComboBox(objectName="device")
        for dev in list_devices():
            self.device.addItem(dev.label, dev.name)
            item = self.device.model().item(self.device.count() - 1)
            if not dev.available:
                item.setEnabled(False)
                item.setToolTip(dev.reason)
        self.requires_grad = QCheckBox("requires_grad", objectName="requires_grad")
        self.seed = QLineEdit(objectName="seed", placeholderText="random (recorded)")
        self.error = QLabel(objectName="error", wordWrap=True)

        self.form = QFormLayout()
        self.form.addRow("Factory", self.factory)
        self.form.addRow("", self.doc)
        self.form.addRow("Name", self.name)
        self._param_rows_start = self.form.rowCount()
        self.options = QFormLayout()
        self.options.addRow("dtype", self.dtype)
        self.options.addRow("device", self.device)
        self.options.addRow("", self.requires_grad)
        self.options.addRow("seed", self.seed)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(self.options)
        layout.addWidget(self.error)
        self.factory.currentIndexChanged.connect(self._rebuild_fields)
        self._rebuild_fields()
        self.name.setText(model.workspace.new_name("x"))

    def set_factory(self, name: str) -> None:
        self.factory.setCurrentIndex(self.factory.findData(name))

    def field(self, name: str) -> ParamField:
        return next(f for f in self.fields if f.param.name == name)

    def _rebuild_fields(self) -> None:
        while self.form.rowCount() > self._param_rows_start:
            self.form.removeRow(self._param_rows_start)
        spec = FACTORIES[self.factory.currentData()]
        self.doc.setText(spec.doc)
        names = self.model.workspace.names()
        self.fields = [make_field(p, names) for p in spec.params]
        for f in self.fields:
            self.form.addRow(f.param.name, f.widget)
        self.seed.setEnabled(spec.random)
        self.error.clear()

    def create(self) -> bool:
        """Create the tensor; returns False (and shows why) when the input is wrong."""
        seed_text = self.seed.text().strip()
        try:
            seed = int(seed_text) if seed_text else None
        except ValueError:
            self.error.setText(f"seed: expected a whole number, got {seed_text!r}")
            return False
        name = self.name.text().strip()
        try:
            self.model.workspace.create(
                name,
                self.factory.currentData(),
                {f.param.name: f.text() for f in self.fields},
                dtype=self.dtype.currentData() or None,
                device=self.device.currentData() or "cpu",
                requires_grad=self.requires_grad.isChecked(),
                seed=seed,
            )
        except WorkspaceError as exc:
            self.error.setText(str(exc))
            self.model.message.emit(f"Could not create {name or 'tensor'}: {exc}")
            return False
        self.error.clear()
        self.created.emit(name)
        self.name.setText(self.model.workspace.new_name("x"))
        return True


class NewTensorDialog(QDialog):
    """A non-blocking dialog around :class:`TensorForm`; stays open on bad input."""

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New tensor")
        self.form = TensorForm(model, self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)

    def _create(self) -> None:
        if self.form.create():
            self.accept()
