"""The training panel's plot tabs: Overview, Weights & gradients, Activations.

Each tab reads a :class:`~gradviz.core.training.history.RunHistory` in
``refresh()``, which the panel calls from its redraw timer; nothing here runs
per training step.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.training.config import UNTIL_PAUSED
from gradviz.core.training.datasets import TRUE_B, TRUE_W, Dataset, bounds
from gradviz.core.training.history import RunHistory
from gradviz.core.training.metrics import activation_curve
from gradviz.qt.plots import (
    COLORS,
    BoundaryView,
    HistogramHeatmap,
    LiveCurves,
    MatrixView,
    Plot,
    export_png,
    theme_colors,
)

STEP_PLOTS = {
    "loss",
    "accuracy",
    "grad_norm",
    "weight_hist",
    "grad_hist",
    "activation_stats",
    "dead_units",
    "activation_hist",
}
DASH = Qt.PenStyle.DashLine
SUMMARY_S = 0.25  # the overview's summary line changes at most this often while training
DOT = Qt.PenStyle.DotLine


def _layer_color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def _head_over_grid(tab: QWidget, head: QHBoxLayout, plots: tuple[QWidget, ...]) -> None:
    """A tab's layout: a row of controls over its plots, two per row."""
    grid = QGridLayout()
    grid.setSpacing(6)
    for i, plot in enumerate(plots):
        grid.addWidget(plot, i // 2, i % 2)
    lay = QVBoxLayout(tab)
    lay.setContentsMargins(4, 4, 4, 4)
    lay.addLayout(head)
    lay.addLayout(grid, 1)


class OverviewTab(QWidget):
    """Data (or decision boundary), loss, accuracy (or w, b / fit), gradient norms."""

    def __init__(self) -> None:
        super().__init__()
        self.data_plot = Plot(self.tr("Data"), "", "", key="data")
        self.loss_plot = Plot(self.tr("Loss"), self.tr("loss"), key="loss")
        self.third_plot = Plot(self.tr("Accuracy"), self.tr("accuracy"), key="accuracy")
        self.grad_plot = Plot(
            self.tr("Gradient norm per layer"), self.tr("‖∇‖ (log)"), key="grad_norm"
        )
        self.grad_plot.set_log_y(True)
        self.log_loss = QCheckBox(self.tr("Log scale"), objectName="log_loss")
        self.log_loss.setToolTip(self.tr("Plot the loss on a logarithmic axis"))
        self.log_loss.toggled.connect(self._log_toggled)
        self.summary = QLabel(objectName="hint")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(self.log_loss)
        _head_over_grid(
            self, head, (self.data_plot, self.loss_plot, self.third_plot, self.grad_plot)
        )

        self.loss = LiveCurves(self.loss_plot)
        self.third = LiveCurves(self.third_plot)
        self.grads = LiveCurves(self.grad_plot, positive_only=True)
        self.kind = ""
        self.boundary: BoundaryView | None = None
        self.matrix: MatrixView | None = None
        self._fit_items: list = []
        self._detail_id = None
        self._waiting: list[Plot] = []  # plots showing "curves appear when training starts"
        self._summary_at = -math.inf

    @property
    def plots(self) -> list[Plot]:
        return [self.data_plot, self.loss_plot, self.third_plot, self.grad_plot]

    def _log_toggled(self, on: bool) -> None:
        self.loss.positive_only = on
        self.loss._versions.clear()  # redraw with or without the non-positive points
        self.loss_plot.set_log_y(on)

    # -- a new demo or run ---------------------------------------------------------
    def setup(self, demo: str, data: Dataset | None) -> None:
        """Prepare the plots for ``demo`` and draw its data (before any training).

        ``data`` is None for "your model" before Start (its data comes from running it).
        """
        if demo in ("linreg", "twolayer"):
            self.kind = demo
        elif demo in ("custom", "watched"):  # your model; a run from a script or folder
            self.kind = "2d" if data is not None and data.is_2d else "table"
        else:
            self.kind = "2d"
        for live in (self.loss, self.third, self.grads):
            live.reset()
        self.data_plot.clear_items()
        self.data_plot.set_note("")
        self.third_plot.set_note("")
        self.boundary = None
        self.matrix = None
        self._fit_items = []
        self._detail_id = None
        for plot in (self.data_plot, self.third_plot):
            plot.getPlotItem().setAspectLocked(False)
            plot.enableAutoRange()
        # twolayer relabels these (ŷ against y, no legend): every demo sets them back
        self.third_plot.getPlotItem().setLabel("bottom", self.tr("step"))
        self.data_plot.legend.show()
        # regression losses fall by decades (linreg: 30 -> 1e-4): start on a log axis
        self.log_loss.setChecked(self.kind != "2d")
        self._log_toggled(self.log_loss.isChecked())
        self.loss.curve("train_loss", self.tr("train (batch mean)"), COLORS[0], width=1.5)
        self.loss.curve("full_train_loss", self.tr("train (all data)"), COLORS[0], DASH)
        if data is not None and data.n_test:
            self.loss.curve("test_loss", self.tr("test"), COLORS[1])
        if self.kind == "table":
            self._setup_table(data, watched=demo == "watched")
        elif self.kind == "2d":
            self._setup_2d(data)
        elif self.kind == "linreg":
            self._setup_linreg(data)
        else:
            self._setup_twolayer(data)
        self.summary.setText("")
        self._summary_at = -math.inf
        self._waiting = [self.loss_plot, self.grad_plot]
        if self.kind == "table" and (data is None or data.task == "regression"):
            pass  # the accuracy plot says why it stays empty
        elif self.kind != "twolayer":
            self._waiting.append(self.third_plot)
        for plot in self._waiting:
            plot.set_note(self.tr("curves appear when training starts"))

    def _setup_table(self, data: Dataset | None, watched: bool = False) -> None:
        """Your model on data that is not 2-D: a look at the first feature, and accuracy."""
        item = self.data_plot.getPlotItem()
        third = self.third_plot.getPlotItem()
        third.setTitle(self.tr("Accuracy"))
        third.setLabel("left", self.tr("accuracy"))
        if watched:  # a script's run: its data stays in the script
            item.setTitle(self.tr("Data"))
            item.setLabel("left", "")
            item.setLabel("bottom", "")
            self.data_plot.set_note(self.tr("this run's data lives in its script"))
            self.third.curve("train_accuracy", self.tr("logged accuracy"), COLORS[0])
            return
        if data is None:
            item.setTitle(self.tr("Your data"))
            self.data_plot.set_note(self.tr("Start runs your model file; its data shows here"))
            self.third_plot.set_note("")
            return
        self.data_plot.set_note("")
        n, f = data.x_train.shape[0], data.x_train.reshape(data.n_train, -1).shape[1]
        item.setTitle(
            self.tr("Your data: {0} training samples × {1} features (feature 1 shown)").format(
                f"{n:,}", f
            )
        )
        x1 = data.x_train.reshape(n, -1)[:, 0].numpy()
        if data.task == "regression":
            y = data.y_train.reshape(n, -1)[:, 0].numpy()
            item.setLabel("left", self.tr("target"))
            brushes = pg.mkBrush(COLORS[0] + "90")
        else:
            labels = data.class_labels(data.y_train).numpy()
            y = labels + np.random.default_rng(0).uniform(-0.2, 0.2, n)  # jitter: see overlaps
            item.setLabel("left", self.tr("class"))
            brushes = [pg.mkBrush(COLORS[int(c) % len(COLORS)] + "90") for c in labels]
        item.setLabel("bottom", self.tr("feature 1"))
        self.data_plot.addItem(pg.ScatterPlotItem(x1, y, size=4, pen=None, brush=brushes))
        if data.task == "regression":
            self.third_plot.set_note(self.tr("regression: no accuracy (see the loss)"))
        else:
            self.third_plot.set_note("")
            self.third.curve("train_accuracy", self.tr("train"), COLORS[0])
            self.third.curve("test_accuracy", self.tr("test"), COLORS[1])
            self.third_plot.setYRange(0.0, 1.02)

    def _setup_2d(self, data: Dataset) -> None:
        self.data_plot.getPlotItem().setTitle(self.tr("Decision boundary: train ● and test ○"))
        self.data_plot.getPlotItem().setLabel("left", "x₂")
        self.data_plot.getPlotItem().setLabel("bottom", "x₁")
        self.boundary = BoundaryView(self.data_plot)
        self.show_points(data)
        xmin, xmax, ymin, ymax = bounds(data.x_train)
        self.data_plot.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        self.third_plot.getPlotItem().setTitle(self.tr("Accuracy"))
        self.third_plot.getPlotItem().setLabel("left", self.tr("accuracy"))
        self.third.curve("train_accuracy", self.tr("train"), COLORS[0])
        self.third.curve("test_accuracy", self.tr("test"), COLORS[1])
        self.third_plot.setYRange(0.0, 1.02)

    def show_points(self, data: Dataset) -> None:
        if self.boundary is None:
            return
        self.boundary.set_points(
            data.x_train.numpy(),
            data.class_labels(data.y_train).numpy(),
            data.x_test.numpy(),
            data.class_labels(data.y_test).numpy(),
        )

    def _setup_linreg(self, data: Dataset) -> None:
        item = self.data_plot.getPlotItem()
        item.setTitle(self.tr("Data: y against x₂ (d2l 3.3), fit at x₁ = 0"))
        item.setLabel("left", "y")
        item.setLabel("bottom", "x₂")
        x2 = data.x_train[:, 1].numpy()
        y = data.y_train[:, 0].numpy()
        scatter = pg.ScatterPlotItem(
            x2, y, size=4, pen=None, brush=pg.mkBrush(COLORS[0] + "90"), name=self.tr("samples")
        )
        self.data_plot.addItem(scatter)
        xs = np.array([x2.min(), x2.max()])
        truth = self.data_plot.plot(
            xs,
            TRUE_W[1] * xs + TRUE_B,
            pen=pg.mkPen(COLORS[2], width=2, style=DASH),
            name=self.tr("truth"),
        )
        fit = self.data_plot.plot(
            xs, 0 * xs, pen=pg.mkPen(COLORS[3], width=2), name=self.tr("learned")
        )
        self._fit_items = [truth, fit, xs]
        item = self.third_plot.getPlotItem()
        item.setTitle(self.tr("Learned w and b against the truth"))
        item.setLabel("left", self.tr("value"))
        names = [
            ("param/w1", "w₁", TRUE_W[0]),
            ("param/w2", "w₂", TRUE_W[1]),
            ("param/b", "b", TRUE_B),
        ]
        for i, (key, label, truth_value) in enumerate(names):
            self.third.curve(key, label, COLORS[i])
            line = pg.InfiniteLine(
                truth_value, angle=0, pen=pg.mkPen(COLORS[i], width=1, style=DOT)
            )
            self.third_plot.addItem(line)
        self.third_plot.enableAutoRange()

    def _setup_twolayer(self, data: Dataset) -> None:
        item = self.data_plot.getPlotItem()
        item.setTitle(self.tr("Targets y (top) and prediction ŷ (bottom), 64 samples × 10"))
        item.setLabel("left", self.tr("output"))
        item.setLabel("bottom", self.tr("sample"))
        self.data_plot.legend.hide()
        self.matrix = MatrixView(self.data_plot)
        self._targets = data.y_train.numpy().T  # (10, 64)
        self._limit = float(np.abs(self._targets).max())
        self._show_matrix(None)
        item = self.third_plot.getPlotItem()
        item.setTitle(self.tr("Prediction against target (all 640 outputs)"))
        item.setLabel("left", "ŷ")
        item.setLabel("bottom", "y")
        lim = self._limit
        self.third_plot.plot(
            [-lim, lim], [-lim, lim], pen=pg.mkPen(COLORS[2], width=1.5, style=DASH), name="ŷ = y"
        )
        self._pred_scatter = pg.ScatterPlotItem(
            size=4, pen=None, brush=pg.mkBrush(COLORS[0] + "a0"), name=self.tr("outputs")
        )
        self.third_plot.addItem(self._pred_scatter)
        self.third_plot.setRange(xRange=(-lim, lim), yRange=(-lim, lim))

    def _show_matrix(self, prediction: np.ndarray | None) -> None:
        gap = np.full((1, self._targets.shape[1]), np.nan, dtype=np.float32)
        bottom = np.zeros_like(self._targets) if prediction is None else prediction.T
        # row-major image, row 0 drawn at the bottom: prediction below, targets on top
        stacked = np.vstack([bottom, gap, self._targets]).astype(np.float32)
        self.matrix.show(np.nan_to_num(stacked, nan=0.0), self._limit)

    # -- live -----------------------------------------------------------------------
    def refresh(self, h: RunHistory, phase: int | None = None) -> None:
        """Redraw what changed; ``phase`` 0 or 1 draws half of the plots (see PlotTabs)."""
        if self._waiting and h.last is not None:
            for plot in self._waiting:
                plot.set_note("")
            self._waiting = []
        if phase != 1:
            for key in ("train_loss", "full_train_loss", "test_loss"):
                self.loss.update(key, h.series.get(key))
        if phase != 0:
            for key in list(self.third.curves):
                self.third.update(key, h.series.get(key))
            for i, name in enumerate(h.layers("grad_norm")):
                self.grads.curve(name, name, _layer_color(i))
                self.grads.update(name, h.series.get(f"grad_norm/{name}"))
            last = h.last
            if self.kind == "linreg" and last is not None and last.params:
                truth, fit, xs = self._fit_items
                fit.setData(xs, last.params["w2"] * xs + last.params["b"])
        if phase == 1:
            return
        d = h.last_detail
        if d is None or id(d) == self._detail_id:
            return
        self._detail_id = id(d)
        if self.boundary is not None and d.boundary is not None:
            self.boundary.set_boundary(d.boundary, d.boundary_window)
        if self.kind == "twolayer" and d.prediction is not None:
            self._show_matrix(d.prediction)
            self._pred_scatter.setData(self._targets.T.reshape(-1), d.prediction.reshape(-1))
        now = time.monotonic()
        if phase is None or now - self._summary_at >= SUMMARY_S:  # a text: a few a second
            self._summary_at = now
            self.summary.setText(summary_text(h))


def summary_text(h: RunHistory) -> str:
    d, last = h.last_detail, h.last
    parts = []

    if last is not None and last.train_loss is not None:
        parts.append(
            QCoreApplication.translate("OverviewTab", "batch loss {0}").format(
                f"{last.train_loss:.4g}"
            )
        )
    if d is not None:
        if d.test_loss is not None:
            parts.append(
                QCoreApplication.translate("OverviewTab", "test loss {0}").format(
                    f"{d.test_loss:.4g}"
                )
            )
        if d.train_accuracy is not None:
            parts.append(
                QCoreApplication.translate("OverviewTab", "train accuracy {0} %").format(
                    f"{100 * d.train_accuracy:.1f}"
                )
            )
        if d.test_accuracy is not None:
            parts.append(
                QCoreApplication.translate("OverviewTab", "test accuracy {0} %").format(
                    f"{100 * d.test_accuracy:.1f}"
                )
            )
    if last is not None and last.params:
        w = ", ".join(f"{last.params[k]:.4f}" for k in last.params if k.startswith("w"))
        parts.append(
            QCoreApplication.translate(
                "OverviewTab", "w = [{0}], b = {1}  (truth [2, -3.4], 4.2)"
            ).format(w, f"{last.params['b']:.4f}")
        )
    return "   ·   ".join(parts)


class _LayerPicker(QComboBox):
    wanted: str | None = None  # a layer asked for (by the Diagnosis view) before it had data

    def want(self, name: str) -> None:
        self.wanted = name
        if self.findText(name) >= 0:
            self.setCurrentText(name)

    def sync(self, names: list[str]) -> None:
        if [self.itemText(i) for i in range(self.count())] == names:
            return
        current = self.wanted if self.wanted in names else self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItems(names)
        if current in names:
            self.setCurrentText(current)
        self.blockSignals(False)


class WeightsTab(QWidget):
    """Weight and gradient distributions of one layer over time, as heatmaps."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = _LayerPicker(objectName="weights_layer")
        self.layer.setToolTip(self.tr("Which layer's distributions to show"))
        self.weight_plot = Plot(
            self.tr("Weight distribution over time"),
            self.tr("weight"),
            legend=False,
            key="weight_hist",
        )
        self.grad_plot = Plot(
            self.tr("Gradient distribution over time"),
            self.tr("gradient"),
            legend=False,
            key="grad_hist",
        )
        self.weight_map = HistogramHeatmap(self.weight_plot)
        self.grad_map = HistogramHeatmap(self.grad_plot)
        head = QHBoxLayout()
        head.addWidget(QLabel(self.tr("Layer")))
        head.addWidget(self.layer)
        note = QLabel(self.tr("brighter = more values (√count), like TensorBoard's distributions"))
        note.setObjectName("hint")
        head.addWidget(note, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(head)
        lay.addWidget(self.weight_plot, 1)
        lay.addWidget(self.grad_plot, 1)

    @property
    def plots(self) -> list[Plot]:
        return [self.weight_plot, self.grad_plot]

    def reset(self) -> None:
        self.layer.sync([])
        self.weight_map.reset()
        self.grad_map.reset()

    def refresh(self, h: RunHistory, phase: int | None = None) -> None:
        if phase == 1:
            return
        self.layer.sync(h.layers("weight"))
        name = self.layer.currentText()
        self.weight_map.show(h.rows.get(f"weight/{name}"))
        self.grad_map.show(h.rows.get(f"grad/{name}"))


NO_ACTIVATIONS = QT_TRANSLATE_NOOP(
    "ActivationsTab", "this model has no activation layer\n(linreg is one nn.Linear: y = Xw + b)"
)


class ActivationsTab(QWidget):
    """f(x) and f'(x) of the activation, per-layer statistics, and one layer's histogram."""

    def __init__(self) -> None:
        super().__init__()
        self.curve_plot = Plot(
            self.tr("Activation f(x) and f′(x) (autograd)"), "", "x", key="activation_curve"
        )
        self.curve_plot.show_grid()  # static: drawn once
        self.stats_plot = Plot(
            self.tr("Activation mean ± std per layer"), self.tr("value"), key="activation_stats"
        )
        self.dead_plot = Plot(
            self.tr("Dead units (ReLU: 0 for every probe sample)"),
            self.tr("fraction"),
            key="dead_units",
        )
        self.dead_plot.setYRange(0, 1.02)
        self.hist_plot = Plot(
            self.tr("Activation distribution over time"),
            self.tr("activation"),
            legend=False,
            key="activation_hist",
        )
        self.hist_map = HistogramHeatmap(self.hist_plot)
        self.layer = _LayerPicker(objectName="act_layer")
        head = QHBoxLayout()
        head.addWidget(QLabel(self.tr("Layer for the distribution")))
        head.addWidget(self.layer)
        head.addStretch(1)
        _head_over_grid(
            self, head, (self.curve_plot, self.stats_plot, self.dead_plot, self.hist_plot)
        )
        self.stats = LiveCurves(self.stats_plot)
        self.dead = LiveCurves(self.dead_plot)
        self.show_activation("relu")

    @property
    def plots(self) -> list[Plot]:
        return [self.curve_plot, self.stats_plot, self.dead_plot, self.hist_plot]

    def show_activation(self, name: str) -> None:
        x, f, df = activation_curve(name)
        self.curve_plot.clear_items()
        self.curve_plot.plot(x, f, pen=pg.mkPen(COLORS[0], width=2.5), name=f"{name}(x)")
        self.curve_plot.plot(
            x, df, pen=pg.mkPen(COLORS[1], width=2, style=DASH), name=f"d {name}/dx"
        )
        self.curve_plot.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen(theme_colors()[2])))
        self.curve_plot.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen(theme_colors()[2])))

    def reset(self, demo: str = "") -> None:
        self.stats.reset()
        self.dead.reset()
        self.layer.sync([])
        self.hist_map.reset()
        self._say_why_empty(demo == "linreg", waiting=True)

    def _say_why_empty(self, no_layers: bool, waiting: bool = False) -> None:
        """An empty plot says why: no activation layer at all, or no run yet."""
        self.layer.setEnabled(not no_layers)
        no_act = self.tr(NO_ACTIVATIONS)
        self.layer.setToolTip(no_act if no_layers else self.tr("Which layer's histogram to show"))
        for plot in (self.stats_plot, self.dead_plot, self.hist_plot):
            if no_layers:
                plot.set_note(no_act)
            else:
                plot.set_note(self.tr("curves appear when training starts") if waiting else "")

    def refresh(self, h: RunHistory, phase: int | None = None) -> None:
        names = h.layers("act")
        has_dead = any(h.series.get(f"act_dead/{n}") is not None for n in names)
        if h.last is not None:
            self._say_why_empty(not names)
        if names and not has_dead:
            self.dead_plot.set_note(self.tr("only ReLU layers have dead units"))
        for i, name in enumerate(names):
            color = _layer_color(i)
            if phase != 1:
                self.stats.curve(f"mean/{name}", self.tr("{0} mean").format(name), color)
                self.stats.curve(f"std/{name}", self.tr("{0} std").format(name), color, DASH, 1.2)
                self.stats.update(f"mean/{name}", h.series.get(f"act_mean/{name}"))
                self.stats.update(f"std/{name}", h.series.get(f"act_std/{name}"))
            dead = h.series.get(f"act_dead/{name}")
            if dead is not None and phase != 0:
                self.dead.curve(name, name, color)
                self.dead.update(name, dead)
        self.layer.sync(names)
        if phase != 0:
            self.hist_map.show(h.rows.get(f"act/{self.layer.currentText()}"))


class PlotTabs(QTabWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setDocumentMode(True)
        self.overview = OverviewTab()
        self.weights = WeightsTab()
        self.activations = ActivationsTab()
        self.addTab(self.overview, self.tr("Overview"))
        self.addTab(self.weights, self.tr("Weights && gradients"))
        self.addTab(self.activations, self.tr("Activations"))

    @property
    def plots(self) -> list[Plot]:
        """Every tab's plots (tabs added by the panel, like Compare, included)."""
        return [p for i in range(self.count()) for p in getattr(self.widget(i), "plots", [])]

    def setup(self, demo: str, data: Dataset | None) -> None:
        self.overview.setup(demo, data)
        self.weights.reset()
        self.activations.reset(demo)

    def refresh(self, h: RunHistory, phase: int | None = None) -> None:
        """Redraw the visible tab only; hidden tabs catch up when shown.

        The panel's timer alternates ``phase`` 0 and 1, so each plot repaints at
        most every other tick: painting, not training, is what costs the GUI thread.
        """
        tab = self.currentWidget()
        if tab is not None:
            tab.refresh(h, phase)

    def refresh_all(self, h: RunHistory) -> None:
        for tab in (self.overview, self.weights, self.activations):
            tab.refresh(h)

    def follow_layer(self, name: str) -> None:
        """Show ``name`` in the layer pickers that have it (a verdict was clicked)."""
        for picker in (self.weights.layer, self.activations.layer):
            picker.want(name)

    def set_span(self, total_steps: int) -> None:
        """Fix the step axis to the whole run: axes stay put, and the run fills the plot."""
        for plot in self.plots:
            if plot.key == "accuracy" and self.overview.kind == "twolayer":
                continue  # there it plots prediction against target, not against steps
            if plot.key in STEP_PLOTS and total_steps >= UNTIL_PAUSED:
                plot.getPlotItem().enableAutoRange(x=True)  # open-ended: follow the run
            elif plot.key in STEP_PLOTS:
                plot.getPlotItem().enableAutoRange(x=False)
                plot.setXRange(0, max(1, total_steps), padding=0.02)

    def export(self, folder: Path, h: RunHistory) -> list[Path]:
        """One PNG per plot in ``folder``; returns the files written."""
        self.refresh_all(h)
        written = []
        current = self.currentIndex()
        for i in range(self.count()):
            self.setCurrentIndex(i)  # lay the tab out so its plots have a real size
            tab = self.widget(i)
            for plot in tab.plots:
                path = folder / f"{plot.key}.png"
                if export_png(plot, str(path)):
                    written.append(path)
        self.setCurrentIndex(current)
        return written
