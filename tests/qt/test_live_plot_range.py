"""Live plots auto-range to round numbers, and hold that range while the curves grow
inside it (a range that moves with every point makes pyqtgraph rebuild the axis on
every frame: the largest part of a live frame's cost, issue 14)."""

from __future__ import annotations

import math

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
    rlo, rhi = round_out(lo, hi)
    slack = 1e-6 * (hi - lo)  # float noise on a multiple of the step: not a pixel
    assert rlo <= lo + slack and rhi >= hi - slack
    if hi - lo < 1e-6 * max(1.0, abs(lo), abs(hi)):
        return  # a sliver far from zero: its round ends need more digits than 3
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


def test_a_loss_falling_to_zero_starts_its_axis_at_zero_not_a_step_below(qtbot, qapp):
    """pyqtgraph also widens an auto-range by each pen's pixel padding; rounding that
    sliver out would put a loss axis at -200..600 (the Compare tab showed it)."""
    plot = Plot("Loss", "loss")
    qtbot.addWidget(plot)
    plot.resize(900, 300)
    plot.show()
    curves = LiveCurves(plot)
    curves.curve("loss", "loss", "#4e79a7")
    series = Series()
    for step in range(1500):
        series.append(float(step), 550.0 * np.exp(-step / 40) + 1e-4)
    curves.update("loss", series)
    qapp.processEvents()
    lo, hi = plot.getPlotItem().getViewBox().viewRange()[1]
    assert lo == 0.0 and hi == 600.0
