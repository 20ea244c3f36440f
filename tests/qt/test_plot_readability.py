"""Plots a learner can read: axes keep their labels between demos, legends stay off the
curves, and tick labels never crowd (faults 10 and 11 of issue 10)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from gradviz.core.training.datasets import classification, twolayer
from gradviz.qt.plots import Plot
from gradviz.qt.training_plots import OverviewTab


def tick_labels(qapp, plot: Plot, axis: str = "left") -> list[tuple[str, object]]:
    """The (text, rect) of each tick label the axis would draw now."""
    qapp.processEvents()
    image = QImage(600, 600, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = plot.getPlotItem().getAxis(axis).generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(text, rect) for rect, _flags, text in specs[2]]


def assert_not_crowded(labels) -> None:
    rects = [rect for _text, rect in labels]
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not a.intersects(b), [t for t, _ in labels]


@pytest.fixture
def shown(qtbot):
    def show(widget, w=320, h=240):
        qtbot.addWidget(widget)
        widget.resize(w, h)
        widget.show()
        return widget

    return show


def test_accuracy_plot_gets_its_step_axis_back_after_twolayer(qtbot, shown):
    tab = shown(OverviewTab(), 900, 600)
    tab.setup("twolayer", twolayer())
    assert tab.third_plot.getPlotItem().getAxis("bottom").labelText == "y"
    tab.setup("moons", classification("moons"))
    assert tab.third_plot.getPlotItem().getAxis("bottom").labelText == "step"
    assert tab.data_plot.legend.isVisible()  # twolayer hid it


def test_legend_sits_beside_the_curves_not_on_them(qapp, shown):
    plot = shown(Plot("Loss", "loss"))
    x = np.arange(100.0)
    plot.plot(x, np.exp(-x / 20), name="train (batch mean)")
    plot.plot(x, np.exp(-x / 30), name="test")
    qapp.processEvents()
    legend = plot.legend.sceneBoundingRect()
    view = plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert legend.height() > 0 and legend.width() > 0
    assert not legend.intersects(view), (legend, view)
    assert plot.rect().contains(plot.mapFromScene(legend.bottomRight()))  # not clipped


def test_log_axis_labels_within_one_decade_do_not_crowd(qapp, shown):
    plot = shown(Plot("Loss", "loss"))
    plot.set_log_y(True)
    x = np.arange(100.0)
    plot.plot(x, 0.002 + 0.007 * np.exp(-x / 30))
    labels = tick_labels(qapp, plot)
    assert 2 <= len(labels) <= 5, [t for t, _ in labels]
    assert_not_crowded(labels)


def test_an_empty_log_plot_shows_decades_not_two_to_nine(qapp, shown):
    plot = shown(Plot("Gradient norm", "‖∇‖ (log)"))
    plot.set_log_y(True)
    texts = [t for t, _ in tick_labels(qapp, plot)]
    assert not {"2", "3", "4", "5", "6", "7", "8", "9"} & set(texts), texts
    assert 2 <= len(texts) <= 5
    assert_not_crowded(tick_labels(qapp, plot, "bottom"))


@pytest.mark.usefixtures("one_torch_thread")
def test_linreg_activations_say_why_they_are_empty_and_weights_are_visible(qtbot, shown):
    from gradviz.qt.training_panel import TrainingPanel

    panel = shown(TrainingPanel(), 1280, 700)
    panel.form.demo.setCurrentIndex(panel.form.demo.findData("linreg"))
    acts = panel.tabs.activations
    for plot in (acts.stats_plot, acts.hist_plot):
        assert "no activation layer" in plot.note()
    assert not acts.layer.isEnabled()
    with qtbot.waitSignal(panel.runFinished, timeout=60_000):
        panel.start_button.click()
    panel.tabs.refresh_all(panel.history)
    assert "no activation layer" in acts.stats_plot.note()
    assert "no activation layer" in acts.hist_plot.note()
    # the two weights of nn.Linear(2, 1) light a visible share of the heatmap
    image = panel.tabs.weights.weight_map.image.image
    assert image is not None
    assert (image > 0.2 * image.max()).mean() > 0.1
    # a model with activations clears the notes once it trains
    panel.form.demo.setCurrentIndex(panel.form.demo.findData("moons"))
    assert acts.layer.isEnabled() and "no activation" not in acts.stats_plot.note()
