"""The recorded backward calls of console code, as a picker above the Backward panel.

It draws :class:`gradviz.core.recorded_calls.RecordedCalls` (Qt-free): every call
listed with its source line, root and number of steps; the newest is picked after
each console input, and picking another shows that one in the Backward panel.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from gradviz.core.recorded_calls import RecordedCalls
from gradviz.core.recording import RecordedCall
from gradviz.qt.workspace_model import WorkspaceModel


class RecordedCallsBar(QWidget):
    callPicked = Signal(object)  # the RecordedCall to step through

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.calls = RecordedCalls(lambda: model.workspace.backward_calls)
        self.combo = QComboBox(objectName="recorded_calls")
        self.combo.setToolTip(
            self.tr(
                "Every backward() / autograd.grad() the console code called, in order. Steps are "
                "kept for the first and last call of each input and the most recent ones."
            )
        )
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(20)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(QLabel(self.tr("Console calls")))
        layout.addWidget(self.combo, 1)
        self.combo.activated.connect(self._activated)
        model.changed.connect(lambda _e: self.refresh())
        self.refresh()

    def labels(self) -> list[str]:
        return [self.combo.itemText(i) for i in range(self.combo.count())]

    def refresh(self) -> None:
        """Re-list the calls (keeping the pick); hidden while there are none."""
        labels = self.calls.labels()
        kept = [c.kept for c in self.calls.calls]
        self.combo.blockSignals(True)
        self.combo.clear()
        for label, full in zip(labels, kept, strict=True):
            self.combo.addItem(label if full else self.tr("{0} (steps not kept)").format(label))
        if self.calls.index is not None:
            self.combo.setCurrentIndex(self.calls.index)
        self.combo.blockSignals(False)
        self.setVisible(bool(labels))

    def show_newest(self) -> RecordedCall | None:
        """After a console input: pick the newest call and show it."""
        self.calls.pick(None)
        self.refresh()
        call = self.calls.current
        if call is not None:
            self.callPicked.emit(call)
        return call

    def show_picked(self) -> None:
        call = self.calls.current
        if call is not None:
            self.callPicked.emit(call)

    def pick(self, index: int) -> None:
        self.combo.setCurrentIndex(index)
        self._activated(index)

    def _activated(self, index: int) -> None:
        self.calls.pick(index)
        call = self.calls.current
        if call is not None:
            self.callPicked.emit(call)
