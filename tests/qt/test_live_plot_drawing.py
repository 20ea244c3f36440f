"""How live plots draw (issue 14): auto-ranges end on round numbers and hold while the
curves grow inside them (a range that moves with every point makes pyqtgraph rebuild
the axis each frame), and Qt paints a live curve without running Python (PySide holds
the GIL in any Qt call made from Python, which stalled the training thread)."""

from __future__ import annotations

import math
import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gradviz.core.training.history import Series
from gradviz.qt.plots import LiveCurves, Plot, round_out, round_out_log

finite = st.floats(-1e6, 1e6, allow_nan=False)


def is_round(v: float) -> bool:
    """Two significant digits at most (0, 0.8, 1.25, 2500, -0.2 ...)."""
    return v == 0 or math.isclose(float(f"{v:.3g}"), v, rel_tol=1e-9, abs_tol=1e-12)


@given(finite, finite)
def test_round_out_contains_the_data_and_ends_on_round_numbers(a, b):
    lo, hi = min(a, b), max(a, b)
    if hi - lo < 1e-6 * max(1.0, abs(lo), abs(hi)):
        assert round_out(lo, hi) == (lo, hi) or hi > lo
        return
    rlo, rhi = round_out(lo, hi)
    slack = 1e-6 * (hi - lo)  # float noise on a multiple of the step: not a pixel
    assert rlo <= lo + slack and rhi >= hi - slack
    assert is_round(rlo) and is_round(rhi), (rlo, rhi)
    assert rhi - rlo <= 2 * (hi - lo) * (1 + 1e-9)  # widened by at most one step each side


def test_round_out_examples():
    assert round_out(0.016, 0.69) == (0.0, 0.8)
    assert round_out(0.47, 0.99) == (0.4, 1.0)
    assert round_out(5.0, 5.0) == (5.0, 5.0)  # nothing to round: pyqtgraph pads it
    assert round_out(math.nan, 1.0)[0] != round_out(math.nan, 1.0)[0]  # nan passes through


@given(st.floats(1e-12, 1e12), st.floats(1.0001, 1e6))
def test_round_out_log_ends_on_one_two_five(value, ratio):
    lo, hi = math.log10(value), math.log10(value * ratio)
    rlo, rhi = round_out_log(lo, hi)
    assert rlo <= lo + 1e-9 and rhi >= hi - 1e-9
    for end in (rlo, rhi):
        mantissa = 10 ** (end - math.floor(end + 1e-9))
        assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-4, end
    assert rhi - rlo <= (hi - lo) + 2 * math.log10(5 / 2) + 1e-9  # at most 2-to-5 each side


def test_live_curve_range_is_round_and_holds_while_the_curve_grows(qtbot, qapp):
    plot = Plot("Loss", "loss")
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    curves = LiveCurves(plot)
    curves.curve("loss", "loss", "#4e79a7")
    series = Series()
    rng = np.random.default_rng(0)
    losses = 0.7 * np.exp(-np.arange(300) / 120) + 0.05 * rng.random(300)
    ranges = []
    for step, loss in enumerate(losses, 1):
        series.append(float(step), float(loss))
        curves.update("loss", series)
        qapp.processEvents()
        ranges.append(tuple(plot.getPlotItem().getViewBox().viewRange()[1]))
    lo, hi = ranges[-1]
    assert lo <= losses.min() and hi >= losses.max()
    assert is_round(lo) and is_round(hi) and lo == 0.0
    # the range moved a handful of times, not with every new point
    assert len(set(ranges[50:])) <= 6, sorted(set(ranges))


def test_a_zoom_by_the_user_is_not_rounded(qtbot, qapp):
    plot = Plot("Loss", "loss")
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    plot.plot(np.arange(10.0), np.linspace(0.013, 0.71, 10))
    qapp.processEvents()
    plot.setYRange(0.123, 0.456, padding=0)  # what a mouse zoom does
    qapp.processEvents()
    lo, hi = plot.getPlotItem().getViewBox().viewRange()[1]
    assert math.isclose(lo, 0.123) and math.isclose(hi, 0.456)


def _live_plot(qtbot, qapp, n: int = 300):
    plot = Plot("Loss", "loss")
    qtbot.addWidget(plot)
    plot.resize(500, 320)
    plot.show()
    curves = LiveCurves(plot)
    curves.curve("loss", "loss", "#4e79a7")
    series = Series()
    rng = np.random.default_rng(1)
    for step in range(n):
        series.append(float(step), float(0.7 * np.exp(-step / 90) + 0.1 * rng.random()))
    curves.update("loss", series)
    qapp.processEvents()
    return plot, curves, series


def test_a_live_curve_repaints_without_running_python(qtbot, qapp):
    plot, curves, series = _live_plot(qtbot, qapp)
    series.append(301.0, 0.2)
    curves.update("loss", series)  # Python builds the path here, once per new data
    called: list[tuple[str, str]] = []

    def profile(frame, event, _arg):
        if event == "call":
            called.append((frame.f_code.co_filename, frame.f_code.co_name))

    sys.setprofile(profile)
    try:
        plot.viewport().repaint()  # the paint itself
    finally:
        sys.setprofile(None)
    names = {name for _file, name in called}
    assert "paintEvent" not in names, sorted(names)
    curve_code = ("plots.py", "PlotCurveItem.py", "PlotDataItem.py")
    painted = [(f, n) for f, n in called if n == "paint" and f.endswith(curve_code)]
    assert not painted, painted


def _ink(plot) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    vb = plot.getPlotItem().getViewBox().sceneBoundingRect().toRect().adjusted(2, 2, -2, -2)
    return 255.0 - a[vb.top() : vb.bottom(), vb.left() : vb.right(), :3].astype(float)


def test_native_live_curve_looks_like_pyqtgraphs_own_stroke(qtbot, qapp):
    """The Qt path items must cover the pixels pyqtgraph's 1.5 px antialiased stroke
    does (the oracle: a plain PlotDataItem with the same pen, in the same view)."""
    import pyqtgraph as pg

    plot, curves, series = _live_plot(qtbot, qapp)
    plot.getPlotItem().getViewBox().setRange(xRange=(0, 300), yRange=(0, 0.8), padding=0)
    qapp.processEvents()
    ours = _ink(plot)
    curves.curves["loss"].hide()
    x, y = series.data()
    plot.getPlotItem().getViewBox().addItem(
        pg.PlotDataItem(x, y, pen=pg.mkPen("#4e79a7", width=1.5), antialias=True)
    )
    qapp.processEvents()
    theirs = _ink(plot)
    assert theirs.mean() > 1.0  # the oracle drew something
    assert abs(ours.mean() - theirs.mean()) < 0.1 * theirs.mean()  # as dark overall
    assert np.abs(ours - theirs).mean() < 0.25 * theirs.mean()  # in the same places
