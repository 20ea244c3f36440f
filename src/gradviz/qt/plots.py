"""pyqtgraph views over the bounded buffers of :mod:`gradviz.core.training.history`.

Views never redraw on their own: the owner calls ``refresh()`` from one GUI
timer (20-30 Hz), and a view only touches pyqtgraph when its buffer's
``version`` moved. Curves get ``x[:n], y[:n]`` slices of preallocated arrays,
with peak downsampling and clip-to-view once they are long, so a long run costs
about the same to draw as a short one, and auto-ranges end on round numbers, so
an axis is rebuilt only when the data outgrow it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPen, QTransform
from PySide6.QtWidgets import QApplication, QGraphicsItem

from gradviz.core.training.history import HistogramRows, Series

# colour-blind-friendly (Tableau 10)
COLORS = [
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]
# the two classes as TensorFlow Playground draws them: orange and blue
CLASS_COLORS = ["#f59322", "#0877bd", "#59a14f", "#e15759", "#b07aa1", "#9c755f"]


def _dark() -> bool:
    app = QApplication.instance()
    return bool(app) and app.property("gradviz_theme") == "dark"


def theme_colors() -> tuple[str, str, str]:
    """(background, foreground, grid) for the current theme."""
    return ("#1b1d22", "#d1d5db", "#3a3f47") if _dark() else ("#ffffff", "#374151", "#d9dce1")


class TidyAxis(pg.AxisItem):
    """An axis whose tick labels never crowd: on a log axis inside one decade only the
    1-2-5 values are labelled, and a label that would touch a kept one is dropped."""

    GAP = 4  # px kept between two labels

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's name)
        levels = super().tickValues(minVal, maxVal, size)
        if not self.logMode:
            return levels
        tidy = []
        for spacing, values in levels:
            keep = [v for v in values if _one_two_five(v)]
            tidy.append((spacing, keep))
        return tidy

    def generateDrawSpecs(self, p):  # noqa: N802
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis, ticks, texts = specs
        kept: list = []
        for spec in texts:  # majors come first, so they win
            rect = spec[0].adjusted(-self.GAP, -self.GAP, self.GAP, self.GAP)
            if not any(rect.intersects(k[0]) for k in kept):
                kept.append(spec)
        return axis, ticks, kept


def _one_two_five(log_value: float) -> bool:
    """True for 10**log_value in 1, 2, 5 times a power of ten."""
    mantissa = 10 ** (log_value - math.floor(log_value + 1e-9))
    return any(abs(mantissa - m) < 1e-6 * m for m in (1.0, 2.0, 5.0, 10.0))


class LegendRow(pg.GraphicsWidget):
    """A row under the plot that holds its legend, so the legend never covers a curve."""

    def __init__(self, legend: pg.LegendItem) -> None:
        super().__init__()
        self.legend = legend
        legend.setParentItem(self)
        legend.setPos(0, 0)
        self.fit()

    def fit(self) -> None:
        height = self.legend.height() if self.legend.isVisible() and self.legend.items else 0.0
        self.setMinimumHeight(height)
        self.setMaximumHeight(height)
        self.setPreferredHeight(height)


class RowLegend(pg.LegendItem):
    """A legend laid out in columns that tells its row when its size changes."""

    row: LegendRow | None = None

    def updateSize(self) -> None:  # noqa: N802
        super().updateSize()
        if self.row is not None:
            self.row.fit()

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (also what hide()/show() call)
        super().setVisible(visible)
        if self.row is not None:
            self.row.fit()


def round_out(lo: float, hi: float, intervals: int = 5) -> tuple[float, float]:
    """``lo..hi`` widened to the nearest multiples of a 1-2-2.5-5 step giving about
    ``intervals`` steps (0.016..0.69 -> 0..0.8). Non-finite or empty spans come back as
    they are."""
    span = hi - lo
    if not (math.isfinite(lo) and math.isfinite(hi)) or span <= 0:
        return lo, hi
    raw = span / intervals
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw * (1 - 1e-9))
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step


def round_out_log(lo: float, hi: float) -> tuple[float, float]:
    """The same for a log axis, whose range is in decades (log10 of the values): widened
    to the nearest 1, 2 or 5 times a power of ten (10^-2.6..10^0.08 -> 0.002..2)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return lo, hi

    def nearest(v: float, up: bool) -> float:
        d = math.floor(v)
        marks = [d + math.log10(m) for m in (1.0, 2.0, 5.0, 10.0)]
        if up:
            return next(m for m in marks if m >= v - 1e-9)
        return next(m for m in reversed(marks) if m <= v + 1e-9)

    # a hair wider, so that the ticks at both ends count as inside and get labels
    return nearest(lo, up=False) - 1e-6, nearest(hi, up=True) + 1e-6


PEN_SLACK_PX = 4  # pyqtgraph's pixel padding for a curve's pen, at most about this


class TidyViewBox(pg.ViewBox):
    """A view box whose vertical auto-range ends on round numbers.

    Besides reading better, round ends keep a live plot's range still while its
    curves grow inside it: pyqtgraph rebuilds an axis (tick values, label text
    layout) whenever its range moves, which was the largest part of a live frame's
    cost on the GUI thread when the range followed every new point
    (bench/train_bench.py). The step axis is left alone (the panel sets it to the
    run's span), as are a range the user set (zoom, pan) and an aspect-locked view
    (the decision boundary keeps its data window).
    """

    _snapping = False

    def updateAutoRange(self) -> None:  # noqa: N802 (pyqtgraph's name)
        self._snapping = not self.state["aspectLocked"]
        try:
            super().updateAutoRange()
        finally:
            self._snapping = False

    def setRange(self, rect=None, xRange=None, yRange=None, *args, **kwargs) -> None:  # noqa: N802, N803
        if self._snapping and yRange is not None:
            # auto-range padded the data by a fraction on each side, and then by each
            # pen's few pixels: round the data's own bounds out instead (a loss from
            # 0.016 starts at 0, not at -0.2; one from 550 to 0 at 0, not at -200)
            lo, hi = yRange
            pad = self.suggestPadding(1)
            inset = (hi - lo) * pad / (1 + 2 * pad)
            if self.height() > 0:
                inset += (hi - lo) * PEN_SLACK_PX / self.height()
            lo, hi = lo + inset, hi - inset
            log = self.state["logMode"][1]
            yRange = round_out_log(lo, hi) if log else round_out(lo, hi)
        super().setRange(rect, xRange, yRange, *args, **kwargs)


class Plot(pg.PlotWidget):
    """A titled plot with a legend, styled for the theme, exportable as PNG."""

    def __init__(
        self,
        title: str,
        left: str = "",
        bottom: str | None = None,
        legend: bool = True,
        key: str = "",
    ):
        bg, fg, _grid = theme_colors()
        super().__init__(
            background=bg,
            axisItems={"left": TidyAxis("left"), "bottom": TidyAxis("bottom")},
            viewBox=TidyViewBox(),
        )
        self.key = key or "".join(c if c.isalnum() else "_" for c in title.lower()).strip("_")
        self.setObjectName(f"plot_{self.key}")
        self.title = title
        item = self.getPlotItem()
        item.setTitle(title, color=fg, size="10pt")
        font = QFont()
        font.setPointSize(8)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setTextPen(fg)
            axis.setPen(fg)
            axis.setTickFont(font)
            axis.enableAutoSIPrefix(False)  # "loss (x0.001)" over 700 reads as a loss of 700
        item.setLabel("left", left, color=fg)
        if bottom is None:  # most plots run against the step
            bottom = QCoreApplication.translate("Plot", "step")
        item.setLabel("bottom", bottom, color=fg)
        # no grid on live plots: repainting grid lines on every frame costs the GUI thread
        # more than the curves do (bench/train_bench.py); static plots can call show_grid()
        for name in ("left", "bottom"):
            item.getAxis(name).setStyle(maxTickLevel=0)
        item.setMenuEnabled(True)
        self.setMinimumSize(220, 170)
        # the legend sits in a row under the axis, never on top of the curves
        self.legend = RowLegend(offset=None, labelTextColor=fg, labelTextSize="8pt", colCount=3)
        item.legend = self.legend  # named curves and items join it by themselves
        self.legend.row = LegendRow(self.legend)
        item.layout.addItem(self.legend.row, 4, 1)
        if not legend:
            self.legend.hide()
        # the legend rarely changes: repaint it from a cached pixmap, not item by item
        self.legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_note(self, text: str) -> None:
        """A grey note in the middle of the plot (e.g. why it is empty); "" removes it."""
        note = getattr(self, "_note", None)
        if note is None:
            note = self._note = pg.TextItem(anchor=(0.5, 0.5), color=theme_colors()[1])
            note.setParentItem(self.getPlotItem().getViewBox())
            self.getPlotItem().getViewBox().sigResized.connect(self._place_note)
        note.setText(text)
        note.setVisible(bool(text))
        self._place_note()

    def note(self) -> str:
        """The note shown now ("" when none)."""
        note = getattr(self, "_note", None)
        return note.textItem.toPlainText() if note is not None and note.isVisible() else ""

    def _place_note(self) -> None:
        note = getattr(self, "_note", None)
        if note is not None:
            rect = self.getPlotItem().getViewBox().rect()
            note.setPos(rect.center())

    def show_grid(self) -> None:
        self.getPlotItem().showGrid(x=True, y=True, alpha=0.3)

    def set_log_y(self, on: bool) -> None:
        item = self.getPlotItem()
        item.setLogMode(y=on)
        if on and not item.listDataItems():
            # an empty log axis would span 1..10 and label 2, 3, ... 9: show three decades
            item.setYRange(-3, 0, padding=0)
            item.enableAutoRange(axis="y")

    def clear_items(self) -> None:
        self.getPlotItem().clear()
        self.legend.clear()


class HairlineCurve(pg.PlotCurveItem):
    """A curve whose antialiased solid pen wider than 1 px is drawn as two 1-px hairlines.

    Qt strokes a wider antialiased pen by building its outline and filling it; for a
    noisy curve of a few hundred points (gradient norms) that takes 20-500 ms a frame,
    and pyqtgraph paints from a Python override, so the GIL is held all along and the
    training thread stalls. Two cosmetic hairlines (Qt's fast path) offset by
    ±(w - 1)/2 px on both axes cover the same pixels: a 1.5 px curve differs from
    Qt's own by under 1 % per pixel on average, at about 1/300 of the cost.
    """

    def paint(self, p, opt, widget) -> None:
        pen = self.opts["pen"]
        width = pen.widthF()
        if (
            width <= 1.0
            or not self.opts["antialias"]
            or not pen.isCosmetic()
            or self.opts["fillLevel"] is not None
            or self.opts["shadowPen"] is not None
            # dashes: Qt's square caps lengthen each dash by the pen width, which
            # hairlines do not reproduce exactly; a dashed line is cheap to stroke anyway
            or pen.style() != Qt.PenStyle.SolidLine
        ):
            super().paint(p, opt, widget)
            return
        if self.xData is None or len(self.xData) == 0:
            return
        # PlotCurveItem.paint once per hairline would redo its Python set-up twice; the
        # fast path needs only the cached path and two strokes
        thin = QPen(pen)
        thin.setWidthF(1.0)
        path = self.getPath()
        off = (width - 1.0) / 2
        base = p.transform()
        export = self._exportOpts  # False, or an export's options (it may turn antialias off)
        antialias = export.get("antialias", True) if export else True
        p.setRenderHint(p.RenderHint.Antialiasing, antialias)
        p.setPen(thin)
        try:
            for d in (-off, off):
                # an offset in device pixels, whatever the data-to-screen scale
                p.setTransform(base * QTransform.fromTranslate(d, d))
                p.drawPath(path)
        finally:
            p.setTransform(base)


class LiveCurveItem(pg.PlotDataItem):
    """A PlotDataItem that draws its line with :class:`HairlineCurve`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()
        old = self.curve
        old.sigClicked.disconnect(self.sigClicked)
        old.setParentItem(None)
        self.curve = HairlineCurve()
        self.curve.setParentItem(self)
        self.curve.sigClicked.connect(self.sigClicked)
        self.setData(*args, **kwargs)


LONG_SERIES = 1000  # points


class LiveCurves:
    """Curves of one :class:`Plot`, each following a :class:`Series` by name."""

    def __init__(self, plot: Plot, positive_only: bool = False) -> None:
        self.plot = plot
        self.positive_only = positive_only  # log-scale plots cannot show <= 0
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._versions: dict[str, int] = {}

    def curve(self, key: str, label: str, color: str, style=Qt.PenStyle.SolidLine, width=1.5):
        c = self.curves.get(key)
        if c is None:
            pen = pg.mkPen(color, width=width, style=style)
            c = LiveCurveItem([], [], pen=pen, name=label, antialias=True)
            self.plot.addItem(c)
            self.curves[key] = c
        return c

    def update(self, key: str, series: Series | None) -> bool:
        """Push ``series`` into curve ``key`` if it changed; True when something was drawn."""
        c = self.curves.get(key)
        if c is None or series is None or self._versions.get(key) == series.version:
            return False
        self._versions[key] = series.version
        x, y = series.data()
        if self.positive_only:
            keep = y > 0
            if not keep.all():
                x, y = x[keep], y[keep]
        # peak downsampling and clip-to-view pay off on long series only; on a short one
        # they cost every frame more than drawing all the points
        long = len(x) > LONG_SERIES
        if long != c.opts["autoDownsample"]:
            c.setDownsampling(auto=long, method="peak")
            c.setClipToView(long)
        c.setData(x, y)
        return True

    def reset(self) -> None:
        self.plot.clear_items()
        self.curves.clear()
        self._versions.clear()


def density_lut(name: str = "viridis") -> np.ndarray:
    return pg.colormap.get(name).getLookupTable(0.0, 1.0, 256)


class HistogramHeatmap:
    """Histograms over time as an image: x = step, y = value, colour = how many (sqrt)."""

    def __init__(self, plot: Plot, bins: int = 64) -> None:
        self.plot = plot
        self.bins = bins
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(density_lut())
        plot.addItem(self.image)
        self._rows: HistogramRows | None = None
        self._version = -1

    def show(self, rows: HistogramRows | None) -> bool:
        if rows is self._rows and (rows is None or rows.version == self._version):
            return False
        self._rows = rows
        if rows is None or not len(rows):
            self.image.clear()
            self._version = -1
            return True
        self._version = rows.version
        # a layer of a few values (linreg: 2 weights) would light 2 of 64 bins, thin lines
        # that are nearly invisible: give each value a band a few bins tall instead
        per_row = int(rows.counts[: rows.n].sum(axis=1).max())
        img, lo, hi = rows.image(int(min(self.bins, max(8, 4 * per_row))))
        # rows are snapshots in time: transpose to (value, time) for a row-major image
        data = np.sqrt(img.T)
        self.image.setImage(data, autoLevels=False, levels=(0.0, float(data.max() or 1.0)))
        steps = rows.steps[: rows.n]
        x0 = float(steps[0])
        width = float(steps[-1] - steps[0]) if rows.n > 1 else 1.0
        self.image.setRect(QRectF(x0, lo, max(width, 1e-9), hi - lo))
        return True

    def reset(self) -> None:
        self._rows = None
        self._version = -1
        self.image.clear()


def _rgb(hex_color: str) -> np.ndarray:
    c = QColor(hex_color)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.float32)


class BoundaryView:
    """Decision-boundary heatmap under the train (filled) and test (ringed) points."""

    def __init__(self, plot: Plot) -> None:
        self.plot = plot
        plot.getPlotItem().setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        plot.addItem(self.image)
        self.train = pg.ScatterPlotItem(
            size=6,
            pen=pg.mkPen("#ffffff", width=0.8),
            name=QCoreApplication.translate("BoundaryView", "train"),
        )
        self.test = pg.ScatterPlotItem(
            size=7,
            brush=pg.mkBrush(0, 0, 0, 0),
            name=QCoreApplication.translate("BoundaryView", "test"),
        )
        plot.addItem(self.train)  # named items join the legend by themselves
        plot.addItem(self.test)
        self._boundary_id = None

    def set_points(self, x_train, c_train, x_test, c_test) -> None:
        colors = [pg.mkBrush(CLASS_COLORS[i % len(CLASS_COLORS)]) for i in range(10)]
        self.train.setData(x_train[:, 0], x_train[:, 1], brush=[colors[int(c)] for c in c_train])
        pens = [pg.mkPen(CLASS_COLORS[int(c) % len(CLASS_COLORS)], width=2) for c in c_test]
        self.test.setData(x_test[:, 0], x_test[:, 1], pen=pens)

    def set_boundary(self, probs: np.ndarray | None, window) -> None:
        if probs is None:
            self.image.clear()
            return
        if id(probs) == self._boundary_id:
            return
        self._boundary_id = id(probs)
        bg = _rgb(theme_colors()[0])
        probs = upsample2(probs)  # smooth edges: bilinear, so the grid does not show as blocks
        if probs.ndim == 2:  # p(class 1): orange <-> blue through the background
            p = probs[..., None]
            c0, c1 = _rgb(CLASS_COLORS[0]), _rgb(CLASS_COLORS[1])
            strength = np.abs(2 * p - 1) * 0.55
            colour = np.where(p > 0.5, c1, c0)
        else:
            cols = np.stack(
                [_rgb(CLASS_COLORS[i % len(CLASS_COLORS)]) for i in range(probs.shape[2])]
            )
            colour = probs @ cols
            strength = (probs.max(axis=2, keepdims=True) - 1 / probs.shape[2]) * 0.7
        rgb = bg * (1 - strength) + colour * strength
        self.image.setImage(rgb.astype(np.uint8), autoLevels=False, levels=(0, 255))
        xmin, xmax, ymin, ymax = window
        self.image.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))

    def clear(self) -> None:
        self.image.clear()
        self._boundary_id = None


class MatrixView:
    """A matrix as a heatmap (twolayer: the targets y next to the prediction)."""

    def __init__(self, plot: Plot, cmap: str = "CET-D1") -> None:
        self.plot = plot
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(pg.colormap.get(cmap).getLookupTable(0.0, 1.0, 256))
        plot.addItem(self.image)

    def show(self, matrix: np.ndarray | None, limit: float) -> None:
        if matrix is None:
            self.image.clear()
            return
        self.image.setImage(np.asarray(matrix, dtype=np.float32), autoLevels=False)
        self.image.setLevels((-limit, limit))


def upsample2(a: np.ndarray) -> np.ndarray:
    """Bilinear 2x upsampling of the first two axes (cell centres kept in place)."""
    for axis in (0, 1):
        n = a.shape[axis]
        pos = np.clip((np.arange(2 * n) + 0.5) / 2 - 0.5, 0, n - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        w = (pos - lo).reshape([-1 if i == axis else 1 for i in range(a.ndim)])
        a = np.take(a, lo, axis=axis) * (1 - w) + np.take(a, hi, axis=axis) * w
    return a


def finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def export_png(widget, path: str) -> bool:
    """Render ``widget`` to ``path``; a hidden tab is laid out first so the image is not empty."""
    image = widget.grab()
    return bool(image.save(path, "PNG"))


Refresher = Callable[[], bool]
