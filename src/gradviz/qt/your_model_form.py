"""The "Your model" settings: a .py file, and optionally a CSV/NPZ file with a column picker.

Choosing files runs nothing: the model file runs when training starts (the box says
so), and a data file is plain data, read here only to list its columns.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QToolButton,
    QWidget,
)

from gradviz.core.training.config import TrainConfig
from gradviz.core.training.tabular import TableError, read_table

CODE_WARNING = QT_TRANSLATE_NOOP(
    "YourModelBox",
    "⚠ The model file is Python code: gradviz runs it (model(), and data() and loss() "
    "if it has them) when you press Start or Step. Only open files you trust.",
)


class YourModelBox(QGroupBox):
    """Fields of a "Your model" run; ``values()`` gives the config fields they set."""

    problem = Signal(str)  # one line about a file that cannot be used (nothing changed)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Your model"))
        self.setObjectName("your_model")
        self.warning = QLabel(
            QCoreApplication.translate("YourModelBox", CODE_WARNING), objectName="code_warning"
        )
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b45309;")
        self.model_file = QLineEdit(objectName="model_file")
        self.model_file.setPlaceholderText(self.tr("a .py file defining model()"))
        self.data_file = QLineEdit(objectName="data_file", readOnly=True)
        self.data_file.setPlaceholderText(self.tr("none: the file's data()"))
        self.target = QComboBox(objectName="target")
        self.target.setToolTip(self.tr("The column to predict"))
        self.features = QListWidget(objectName="features")
        self.features.setToolTip(self.tr("Ticked columns are the model's inputs"))
        self.features.setMaximumHeight(90)
        self.task = QComboBox(objectName="task")
        for label, value in (
            (self.tr("auto (whole numbers: classes)"), "auto"),
            (self.tr("regression"), "regression"),
            (self.tr("classification"), "classification"),
        ):
            self.task.addItem(label, value)
        self.n_classes = QSpinBox(objectName="n_classes")
        self.n_classes.setRange(0, 1000)
        self.n_classes.setSpecialValueText(self.tr("from the labels"))
        self.note = QLabel(objectName="hint")
        self.note.setWordWrap(True)

        browse_model = QToolButton(objectName="browse_model", text="…")
        browse_model.setToolTip(self.tr("Choose a .py file that defines model()"))
        browse_model.clicked.connect(self._browse_model)
        browse_data = QToolButton(objectName="browse_data", text="…")
        browse_data.setToolTip(self.tr("Choose a .csv or .npz file"))
        browse_data.clicked.connect(self._browse_data)
        clear_data = QToolButton(objectName="clear_data", text=self.tr("Clear"))
        clear_data.setToolTip(self.tr("Use the model file's data() instead of a data file"))
        clear_data.clicked.connect(lambda: self.set_data_file(""))
        row_model = QHBoxLayout()
        row_model.addWidget(self.model_file, 1)
        row_model.addWidget(browse_model)
        row_data = QHBoxLayout()
        row_data.addWidget(self.data_file, 1)
        row_data.addWidget(browse_data)
        row_data.addWidget(clear_data)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self.warning)
        form.addRow(self.tr("Model file"), row_model)
        form.addRow(self.tr("Data file"), row_data)
        form.addRow(self.tr("Target"), self.target)
        form.addRow(self.tr("Features"), self.features)
        form.addRow(self.tr("Task"), self.task)
        form.addRow(self.tr("Classes"), self.n_classes)
        form.addRow(self.note)
        self.target.currentTextChanged.connect(self._target_picked)
        self._sync_enabled()

    # -- files ---------------------------------------------------------------------
    def _browse_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Your model"), "", "Python (*.py)")
        if path:
            self.model_file.setText(path)

    def _browse_data(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Your data"), "", self.tr("Tables (*.csv *.npz)")
        )
        if path:
            self.set_data_file(path)

    def set_data_file(self, path: str, target: str = "", features=()) -> bool:
        """Show ``path``'s columns; on a bad file say why and keep what was there."""
        if not path:
            self.data_file.setText("")
            self.target.clear()
            self.features.clear()
            self.note.setText("")
            self._sync_enabled()
            return True
        try:
            table = read_table(path)
        except TableError as exc:
            self.problem.emit(str(exc))
            return False
        self.data_file.setText(path)
        names = table.names
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItems(names)
        self.target.setCurrentText(target if target in names else names[-1])
        self.target.blockSignals(False)
        self.features.clear()
        for name in names:
            width = table.columns[name].shape[1]
            item = QListWidgetItem(
                name if width == 1 else self.tr("{0}  ({1} columns)").format(name, width)
            )
            item.setData(Qt.ItemDataRole.UserRole, name)
            ticked = name in features if features else name != self.target.currentText()
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            self.features.addItem(item)
        self.note.setText(
            self.tr("{0}: {1} rows, {2} columns").format(
                Path(path).name, f"{table.rows:,}", len(names)
            )
        )
        self._sync_enabled()
        return True

    def _target_picked(self, name: str) -> None:
        for i in range(self.features.count()):  # the target is never also an input
            item = self.features.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setCheckState(Qt.CheckState.Unchecked)

    def _sync_enabled(self) -> None:
        has_table = bool(self.data_file.text())
        self.target.setEnabled(has_table)
        self.features.setEnabled(has_table)

    # -- values --------------------------------------------------------------------
    def picked_features(self) -> tuple[str, ...]:
        out = []
        for i in range(self.features.count()):
            item = self.features.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return tuple(out)

    def values(self) -> dict:
        table = bool(self.data_file.text())
        return {
            "model_file": self.model_file.text().strip(),
            "data_file": self.data_file.text() if table else "",
            "target": self.target.currentText() if table else "",
            "features": self.picked_features() if table else (),
            "task": self.task.currentData(),
            "n_classes": self.n_classes.value(),
        }

    def show_config(self, c: TrainConfig) -> None:
        self.model_file.setText(c.model_file)
        if c.data_file != self.data_file.text() and not self.set_data_file(
            c.data_file, c.target, c.features
        ):
            self.set_data_file("")
        self.task.setCurrentIndex(max(0, self.task.findData(c.task)))
        self.n_classes.setValue(c.n_classes)
