"""The Diagnosis tab: the gradient doctor's verdicts, one plain sentence each.

It draws a :class:`~gradviz.core.training.doctor.Diagnosis` and turns a click into
``diagnosis.select(layer)``; whoever shows layers (the plot tabs, the graph view)
follows that model, never this widget.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from gradviz.core.training import doctor as D
from gradviz.core.training.doctor import Diagnosis

LAYER_ROLE = Qt.ItemDataRole.UserRole
SEVERE = {"nonfinite", "exploding"}


class DiagnosisView(QWidget):
    plots: list = []  # the plot tabs' export skips this tab

    def __init__(self, diagnosis: Diagnosis, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosis_view")
        self.diagnosis = diagnosis
        self.header = QLabel(objectName="diagnosis_header")
        self.header.setWordWrap(True)
        bold = QFont(self.header.font())
        bold.setBold(True)
        self.header.setFont(bold)
        self.list = QListWidget(objectName="verdicts")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
        self.list.itemClicked.connect(self._clicked)
        self.list.currentItemChanged.connect(lambda item, _old: self._clicked(item))
        rules = "  ·  ".join(self.tr("{0}: {1}").format(*D.rule(kind)) for kind in D.RULES)
        self.footer = QLabel(
            self.tr(
                "Checked over the last {0} reports. Thresholds "
                "(gradviz/core/training/doctor.py): {1}"
            ).format(D.WINDOW, rules),
            objectName="hint",
        )
        self.footer.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.header)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.footer)
        diagnosis.subscribe(self._on_event)
        self._show()

    def refresh(self, _history=None, _phase=None) -> None:
        """The plot tabs call this on their timer; the list follows model events instead."""

    def _on_event(self, event: str) -> None:
        if event == "verdicts":
            self._show()
        elif event == "observed":
            self._say()
        elif event == "selection":
            self._highlight()

    def _show(self) -> None:
        verdicts = self.diagnosis.verdicts()
        self.list.blockSignals(True)
        self.list.clear()
        for v in verdicts:
            text = self.tr("{0} in {1}  (since step {2})\n{3}\nthreshold: {4}").format(
                v.title, v.layer, f"{v.since_step:,}", v.sentence, v.threshold
            )
            item = QListWidgetItem(text)
            item.setData(LAYER_ROLE, v.layer)
            item.setToolTip(
                self.tr("Click to select layer '{0}' in the plots and the graph").format(v.layer)
            )
            if v.kind in SEVERE:
                item.setForeground(QColor("#dc2626"))
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._highlight()
        self._say()

    def _say(self) -> None:
        n = self.list.count()
        if n:
            one = self.tr("{0} finding: click one to select its layer")
            many = self.tr("{0} findings: click one to select its layer")
            self.header.setText((one if n == 1 else many).format(n))
        elif self.diagnosis.doctor.step:
            self.header.setText(
                self.tr("No problems found up to step {0}").format(
                    f"{self.diagnosis.doctor.step:,}"
                )
            )
        else:
            self.header.setText(self.tr("The gradient doctor speaks up once training runs"))

    def _highlight(self) -> None:
        self.list.blockSignals(True)
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setSelected(item.data(LAYER_ROLE) == self.diagnosis.selected)
        self.list.blockSignals(False)

    def _clicked(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.diagnosis.select(item.data(LAYER_ROLE))
