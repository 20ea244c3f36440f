"""Form fields for catalog parameters, shared by the op palette and the tensor form.

Every field returns typed *text*; parsing and validation stay in the core, so
the GUI, the session file and the tests all go through the same parser.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.i18n import _
from gradviz.core.ops import REQUIRED, Param, render_value

# English here, translated where shown (_tr)
_HINTS = {
    "shape": QT_TRANSLATE_NOOP("ParamFields", "e.g. 2, 3"),
    "dims": QT_TRANSLATE_NOOP("ParamFields", "e.g. 0 or 0, 1"),
    "index": QT_TRANSLATE_NOOP("ParamFields", "e.g. 0, 1:3 or ..., -1"),
    "tensors": QT_TRANSLATE_NOOP("ParamFields", "names, e.g. a, b"),
    "literal": QT_TRANSLATE_NOOP("ParamFields", "e.g. [[1., 2.], [3., 4.]]"),
    "number": QT_TRANSLATE_NOOP("ParamFields", "a number"),
    "float": QT_TRANSLATE_NOOP("ParamFields", "a number"),
    "int": QT_TRANSLATE_NOOP("ParamFields", "a whole number"),
    "str": QT_TRANSLATE_NOOP("ParamFields", "text"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ParamFields", text) if text else text


class ParamField:
    """A widget plus a way to read its value as text."""

    def __init__(self, param: Param, widget: QWidget) -> None:
        self.param = param
        self.widget = widget
        widget.setObjectName(f"param_{param.name}")
        if param.help:
            widget.setToolTip(_(param.help))  # core marks the help texts (N_)

    def text(self) -> str:
        w = self.widget
        if isinstance(w, QCheckBox):
            return "True" if w.isChecked() else "False"
        if isinstance(w, QComboBox):
            return w.currentText().strip()
        return w.text().strip()

    def set_text(self, text: str) -> None:
        w = self.widget
        if isinstance(w, QCheckBox):
            w.setChecked(text.lower() == "true")
        elif isinstance(w, QComboBox):
            w.setCurrentText(text)
        else:
            w.setText(text)

    def on_change(self, slot: Callable[..., object]) -> None:
        """Call ``slot`` whenever the user changes the value."""
        w = self.widget
        if isinstance(w, QCheckBox):
            w.toggled.connect(slot)
        elif isinstance(w, QComboBox):
            w.currentTextChanged.connect(slot)
        else:
            w.textChanged.connect(slot)

    def on_submit(self, slot: Callable[[], object]) -> None:
        """Call ``slot`` when the user presses Enter in the field, whatever its kind."""
        w = self.widget
        if isinstance(w, QLineEdit):
            w.returnPressed.connect(slot)
        elif isinstance(w, QComboBox) and w.isEditable():
            w.lineEdit().returnPressed.connect(slot)
        else:  # a plain combo box or check box has no returnPressed
            w.installEventFilter(EnterFilter(slot, w))

    def set_invalid(self, invalid: bool) -> None:
        """Mark the field (red frame, see the themes) as the one the last error is about."""
        mark_invalid(self.widget, invalid)

    def set_tensor_names(self, names: list[str]) -> None:
        """Refresh the choices of a tensor field, keeping the current pick when it still exists."""
        w = self.widget
        if isinstance(w, QLineEdit) and self.param.kind == "tensors":
            w.setPlaceholderText(_tensors_hint(names))
            return
        if not isinstance(w, QComboBox) or self.param.kind not in ("tensor", "tensor_or_number"):
            return
        current = w.currentText()
        w.blockSignals(True)
        w.clear()
        w.addItems(names)
        if current and (current in names or self.param.kind == "tensor_or_number"):
            w.setCurrentText(current)
        elif names:
            w.setCurrentIndex(len(names) - 1)  # the newest tensor is the likeliest input
        w.blockSignals(False)


class EnterFilter(QObject):
    """Turns Enter/Return on the watched widget into a call of ``slot``."""

    def __init__(self, slot: Callable[[], object], parent: QObject) -> None:
        super().__init__(parent)
        self._slot = slot

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        ):
            self._slot()
            return True
        return super().eventFilter(watched, event)


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Set the ``invalid`` property the themes draw as a red frame, and restyle."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


def _tensors_hint(names: list[str]) -> str:
    if not names:
        return QCoreApplication.translate("ParamFields", "names, e.g. a, b (create tensors first)")
    shown = ", ".join(names[-2:]) + (", …" if len(names) > 2 else "")
    return QCoreApplication.translate("ParamFields", "names, e.g. {0}").format(shown)


def make_field(param: Param, tensor_names: list[str], example: str | None = None) -> ParamField:
    """A widget for ``param``; ``example`` (valid typed text) becomes the placeholder."""
    kind = param.kind
    if kind == "bool":
        box = QCheckBox(param.name)
        box.setChecked(bool(param.default) if param.default is not REQUIRED else False)
        return ParamField(param, box)
    if kind == "choice":
        combo = QComboBox()
        combo.addItems(list(param.choices))
        if param.default is not REQUIRED:
            combo.setCurrentText(str(param.default))
        return ParamField(param, combo)
    if kind in ("tensor", "tensor_or_number"):
        combo = QComboBox()
        combo.setEditable(kind == "tensor_or_number")
        combo.addItems(tensor_names)
        if kind == "tensor_or_number":
            combo.lineEdit().setPlaceholderText(
                QCoreApplication.translate("ParamFields", "a tensor or a number")
            )
        else:
            combo.setPlaceholderText(QCoreApplication.translate("ParamFields", "no tensors yet"))
        return ParamField(param, combo)
    edit = QLineEdit()
    hint = _tr(_HINTS.get(kind, ""))
    if kind == "tensors":
        hint = _tensors_hint(tensor_names)
    elif param.default is not REQUIRED:
        default = "None" if param.default is None else render_value(param.default)
        hint = QCoreApplication.translate("ParamFields", "default {0}").format(default) + (
            QCoreApplication.translate("ParamFields", " ({0})").format(hint) if hint else ""
        )
    elif example and kind not in ("literal",):
        hint = QCoreApplication.translate("ParamFields", "e.g. {0}").format(example)
    edit.setPlaceholderText(hint)
    return ParamField(param, edit)


def add_to_form(form: QFormLayout, field: ParamField, row: int = -1) -> None:
    """Add ``field`` as a form row; a check box carries its own label, so its label is empty."""
    if isinstance(field.widget, QCheckBox):
        form.insertRow(row, "", field.widget)
        return
    label = QLabel(field.param.name)
    label.setBuddy(field.widget)
    if field.param.help:
        label.setToolTip(_(field.param.help))
    form.insertRow(row, label, field.widget)


class ErrorLine(QWidget):
    """An error as one plain red line; PyTorch's raw message behind a "details" link.

    ``setText`` takes any message (e.g. from :func:`gradviz.core.errors.explain`);
    ``text()`` is the plain line the user sees, ``details()`` the raw text.
    """

    def __init__(self, object_name: str = "error", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = QLabel(objectName=object_name, wordWrap=True)
        self.line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.toggle = QLabel(objectName="error_details_link")
        self.toggle.setTextFormat(Qt.TextFormat.RichText)
        self.toggle.setText('<a href="#">' + self.tr("details") + "</a>")
        self.toggle.setToolTip(self.tr("Show PyTorch's own message (the text to search for)"))
        self.toggle.linkActivated.connect(lambda _href: self.show_details(not self.raw.isVisible()))
        self.raw = QLabel(objectName="error_details", wordWrap=True)
        self.raw.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.raw.setStyleSheet("color: palette(mid); font-family: monospace")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.line, 1)
        top.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addWidget(self.raw)
        self.clear()

    def setText(self, message: str) -> None:  # noqa: N802 (QLabel's name, used by callers)
        from gradviz.core.errors import split_explanation

        plain, raw = split_explanation(message) if message else ("", "")
        self.line.setText(plain)
        self.raw.setText(raw)
        self.toggle.setVisible(bool(raw))
        self.raw.hide()
        self.setVisible(bool(plain))

    def clear(self) -> None:
        self.setText("")

    def text(self) -> str:
        return self.line.text()

    def details(self) -> str:
        return self.raw.text()

    def show_details(self, on: bool = True) -> None:
        self.raw.setVisible(on and bool(self.raw.text()))
