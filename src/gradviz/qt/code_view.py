"""The Code panel: every workspace action as the PyTorch line that does the same.

The lines of the newest action are highlighted, so each click in the app can
be matched with the code it stands for.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.workspace import Event
from gradviz.qt.workspace_model import WorkspaceModel


class CodeView(QWidget):
    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.text = QPlainTextEdit(objectName="code", readOnly=True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.text.setFont(font)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.export_button = QPushButton(self.tr("Export .py…"), objectName="export_code")
        self.export_button.setToolTip(self.tr("Write this code to a runnable .py file (Ctrl+E)"))
        self.copy_button = QPushButton(self.tr("Copy"), objectName="copy_code")
        self.copy_button.setToolTip(self.tr("Copy all of the code to the clipboard"))
        row = QHBoxLayout()
        hint = QLabel(self.tr("The session as PyTorch code"), objectName="hint")
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # beside
        row.addWidget(hint)  # the Console, the label gives way before the buttons do
        row.addStretch(1)
        row.addWidget(self.copy_button)
        row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.text)
        self.copy_button.clicked.connect(self._copy)
        model.changed.connect(self.refresh)
        self.refresh()

    def code(self) -> str:
        return self.text.toPlainText()

    def newest_lines(self) -> list[str]:
        """The highlighted lines: the code of the newest action."""
        out = []
        for sel in self.text.extraSelections():
            out.append(sel.cursor.block().text())
        return out

    def refresh(self, _event: Event | None = None) -> None:
        ws = self.model.workspace
        self.text.setPlainText(ws.export_code())
        self.text.moveCursor(QTextCursor.MoveOperation.End)
        self._highlight(self._newest_count())
        self.text.ensureCursorVisible()

    def _newest_count(self) -> int:
        ws = self.model.workspace
        return len(ws.code_for(ws.history[-1]).splitlines()) if ws.history else 0

    def _highlight(self, count: int) -> None:
        """Mark the last ``count`` lines (the newest action) with a soft background."""
        dark = self.text.palette().base().color().lightness() < 128
        colour = QColor("#4a4622") if dark else QColor("#fff4c2")
        selections = []
        doc = self.text.document()
        last = doc.lastBlock()
        if not last.text():  # the text ends with a newline: skip the empty last block
            last = last.previous()
        block = last
        for _ in range(count):
            if not block.isValid():
                break
            sel = QTextEdit.ExtraSelection()
            sel.format.setBackground(colour)
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            sel.cursor = QTextCursor(block)
            selections.append(sel)
            block = block.previous()
        self.text.setExtraSelections(list(reversed(selections)))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._highlight(self._newest_count())  # a theme switch: recolour the mark

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code())
        self.model.message.emit(self.tr("Code copied to the clipboard"))
