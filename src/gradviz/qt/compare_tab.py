"""Compare: the loss and accuracy of every ticked run, overlaid, with optional smoothing."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from gradviz.core.training.runs import RunList, smooth
from gradviz.qt.plots import COLORS, Plot

ACCURACY_KEYS = ("test_accuracy", "train_accuracy")
LOSS_KEYS = ("train_loss", "full_train_loss")


class CompareTab(QWidget):
    def __init__(self, runs: RunList) -> None:
        super().__init__()
        self.setObjectName("compare_tab")
        self.runs = runs
        self.loss_plot = Plot(
            self.tr("Loss of the ticked runs"), self.tr("loss"), key="compare_loss"
        )
        self.acc_plot = Plot(
            self.tr("Accuracy of the ticked runs"), self.tr("accuracy"), key="compare_accuracy"
        )
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="smoothing")
        self.slider.setRange(0, 99)
        self.slider.setToolTip(self.tr("Exponential moving average, as TensorBoard's smoothing"))
        self.slider.valueChanged.connect(lambda v: runs.set_smoothing(v / 100))
        self.value = QLabel("0.00")
        head = QHBoxLayout()
        head.addWidget(QLabel(self.tr("Smoothing")))
        head.addWidget(self.slider, 1)
        head.addWidget(self.value)
        head.addStretch(1)
        self.note = QLabel(
            self.tr("Tick runs in the run list (left) to overlay them here"), objectName="hint"
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(head)
        lay.addWidget(self.note)
        lay.addWidget(self.loss_plot, 1)
        lay.addWidget(self.acc_plot, 1)
        self._drawn: tuple | None = None
        runs.subscribe(lambda event, key: self.refresh() if event != "changed" else None)

    @property
    def plots(self) -> list[Plot]:
        return [self.loss_plot, self.acc_plot]

    def _state(self) -> tuple:
        return (
            self.runs.smoothing,
            tuple((e.key, e.history.version) for e in self.runs.checked()),
        )

    def refresh(self, _history=None, _phase=None) -> None:
        """Redraw when the ticks, smoothing or a ticked run's data changed."""
        state = self._state()
        if state == self._drawn:
            return
        self._drawn = state
        self.value.setText(f"{self.runs.smoothing:.2f}")
        weight = self.runs.smoothing
        for plot in (self.loss_plot, self.acc_plot):
            plot.clear_items()
        self.acc_plot.setYRange(0.0, 1.02)
        checked = self.runs.checked()
        self.note.setVisible(not checked)
        for i, entry in enumerate(checked):
            color = COLORS[i % len(COLORS)]
            for plot, keys in ((self.loss_plot, LOSS_KEYS), (self.acc_plot, ACCURACY_KEYS)):
                series = next(
                    (entry.history.series[k] for k in keys if k in entry.history.series), None
                )
                if series is None or not len(series):
                    continue
                x, y = series.data()
                if weight > 0:  # the raw curve stays, faint, under the smoothed one
                    plot.plot(x, y, pen=pg.mkPen(color + "40", width=1))
                plot.plot(
                    np.asarray(x), smooth(y, weight), pen=pg.mkPen(color, width=2), name=entry.name
                )
