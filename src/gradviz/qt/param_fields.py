"""Form fields for catalog parameters, shared by the op palette and the tensor form.

Every field returns typed *text*; parsing and validation stay in the core, so
the GUI, the session file and the tests all go through the same parser.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from gradviz.core.ops import REQUIRED, Param, render_value

_HINTS = {
    "shape": "e.g. 2, 3",
    "dims": "e.g. 0 or 0, 1",
    "index": "e.g. 0, 1:3 or ..., -1",
    "tensors": "names, e.g. a, b",
    "literal": "e.g. [[1., 2.], [3., 4.]]",
    "number": "a number",
    "float": "a number",
    "int": "a whole number",
    "str": "text",
}


class ParamField:
    """A widget plus a way to read its value as text."""

    def __init__(self, param: Param, widget: QWidget) -> None:
        self.param = param
        self.widget = widget
        widget.setObjectName(f"param_{param.name}")
        if param.help:
            widget.setToolTip(param.help)

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

    def on_change(self, slot) -> None:
        """Call ``slot`` whenever the user changes the value."""
        w = self.widget
        if isinstance(w, QCheckBox):
            w.toggled.connect(slot)
        elif isinstance(w, QComboBox):
            w.currentTextChanged.connect(slot)
        else:
            w.textChanged.connect(slot)

    def set_tensor_names(self, names: list[str]) -> None:
        """Refresh the choices of a tensor field, keeping the current pick when it still exists."""
        w = self.widget
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


def make_field(param: Param, tensor_names: list[str]) -> ParamField:
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
            combo.lineEdit().setPlaceholderText("a tensor or a number")
        return ParamField(param, combo)
    edit = QLineEdit()
    hint = _HINTS.get(kind, "")
    if param.default is not REQUIRED:
        default = "None" if param.default is None else render_value(param.default)
        hint = f"default {default}" + (f" ({hint})" if hint else "")
    edit.setPlaceholderText(hint)
    return ParamField(param, edit)
