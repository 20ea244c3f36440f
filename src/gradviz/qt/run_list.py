"""The Training panel's run list: every run, the one the plots show, and ticks to compare.

It draws a :class:`~gradviz.core.training.runs.RunList`; a click is
``runs.set_current(key)`` and a tick ``runs.set_checked(key, on)``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.training.runs import RunList

KEY = Qt.ItemDataRole.UserRole


class RunListView(QGroupBox):
    openRequested = Signal()  # "Open run…": the panel asks for a folder

    def __init__(self, runs: RunList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Runs"))
        self.setObjectName("run_list")
        self.runs = runs
        self.list = QListWidget(objectName="runs")
        self.list.setMaximumHeight(120)
        self.list.setToolTip(
            self.tr("Click a run to show it; tick runs to overlay them in Compare")
        )
        self.list.itemClicked.connect(self._clicked)
        self.list.itemChanged.connect(self._ticked)
        self.open_button = QPushButton(self.tr("Open run…"), objectName="open_run")
        self.open_button.setToolTip(
            self.tr("Open a run folder written by gradviz.watch (runs/<name>)")
        )
        self.open_button.clicked.connect(self.openRequested)
        self.hint = QLabel(objectName="hint")
        self.hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.list)
        lay.addLayout(row)
        lay.addWidget(self.hint)
        runs.subscribe(self._on_event)
        self.set_hint("")

    def set_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def _item(self, key: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(KEY) == key:
                return item
        return None

    def _on_event(self, event: str, key: str) -> None:
        self.list.blockSignals(True)
        try:
            if event == "added":
                entry = self.runs.entries[key]
                item = QListWidgetItem(entry.label)
                item.setData(KEY, key)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.list.addItem(item)
            elif event in ("changed", "checked"):
                item, entry = self._item(key), self.runs.entries.get(key)
                if item is not None and entry is not None:
                    item.setText(entry.label)
                    want = Qt.CheckState.Checked if entry.checked else Qt.CheckState.Unchecked
                    if item.checkState() != want:
                        item.setCheckState(want)
            if event in ("added", "current"):
                for i in range(self.list.count()):
                    item = self.list.item(i)
                    item.setSelected(item.data(KEY) == self.runs.current)
        finally:
            self.list.blockSignals(False)

    def _clicked(self, item: QListWidgetItem) -> None:
        self.runs.set_current(item.data(KEY))

    def _ticked(self, item: QListWidgetItem) -> None:
        self.runs.set_checked(item.data(KEY), item.checkState() == Qt.CheckState.Checked)
