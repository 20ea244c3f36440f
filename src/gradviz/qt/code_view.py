"""The Code panel: every workspace action as the PyTorch line that does the same."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

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
        self.export_button = QPushButton("Export .py…", objectName="export_code")
        self.copy_button = QPushButton("Copy", objectName="copy_code")
        row = QHBoxLayout()
        row.addWidget(QLabel("The session as PyTorch code", objectName="hint"))
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

    def refresh(self, _event: Event | None = None) -> None:
        self.text.setPlainText(self.model.workspace.export_code())
        self.text.moveCursor(QTextCursor.MoveOperation.End)

    def _copy(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self.code())
        self.model.message.emit("Code copied to the clipboard")
