"""Bounded history of a run: series and histogram rows that downsample when full.

Buffers are preallocated NumPy arrays that grow by doubling up to a capacity.
When a buffer is full, neighbouring pairs are merged (halving it) and from then
on every stored point stands for twice as many samples. Memory therefore stays
bounded however long a run is, while the whole run stays visible.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from gradviz.core.training.metrics import Histogram
from gradviz.core.training.report import Report


class Series:
    """(x, y) points; ``x[:n]``, ``y[:n]`` are ready for ``setData`` without copying."""

    def __init__(self, capacity: int = 4096, initial: int = 256) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number >= 4")
        self.capacity = capacity
        self.x = np.empty(min(initial, capacity))
        self.y = np.empty(min(initial, capacity))
        self.n = 0
        self.stride = 1  # samples merged into each stored point
        self._pending = 0
        self._sx = 0.0
        self._sy = 0.0
        self.version = 0  # bumps whenever the visible data changes

    def __len__(self) -> int:
        return self.n

    def append(self, x: float, y: float) -> None:
        self._pending += 1
        self._sx += x
        self._sy += y
        if self._pending < self.stride:
            return
        self._store(self._sx / self._pending, self._sy / self._pending)
        self._pending, self._sx, self._sy = 0, 0.0, 0.0

    def _store(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            if len(self.x) < self.capacity:
                self._grow()
            else:
                self._halve()
        self.x[self.n] = x
        self.y[self.n] = y
        self.n += 1
        self.version += 1

    def _grow(self) -> None:
        size = min(2 * len(self.x), self.capacity)
        for name in ("x", "y"):
            old = getattr(self, name)
            new = np.empty(size)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def _halve(self) -> None:
        half = self.n // 2
        # mean of neighbouring pairs keeps the trend; the plot's 'peak' mode keeps spikes
        self.x[:half] = self.x[: 2 * half].reshape(half, 2).mean(axis=1)
        self.y[:half] = self.y[: 2 * half].reshape(half, 2).mean(axis=1)
        self.n = half
        self.stride *= 2

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.n], self.y[: self.n]

    def last(self) -> float | None:
        return float(self.y[self.n - 1]) if self.n else None

    @property
    def nbytes(self) -> int:
        return self.x.nbytes + self.y.nbytes


class HistogramRows:
    """Histograms over time (one row per snapshot), for heatmaps like TensorBoard's.

    Snapshot k is kept while k is a multiple of ``stride``; when the buffer is full
    the stride doubles and every other row goes, so rows stay evenly spaced in time.
    """

    _FIELDS = ("index", "steps", "lo", "hi", "counts")

    def __init__(self, capacity: int = 512, initial: int = 64) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number >= 4")
        self.capacity = capacity
        self._initial = initial
        self.index = np.empty(0, dtype=np.int64)  # which snapshot each row is
        self.steps = np.empty(0)
        self.lo = np.empty(0)
        self.hi = np.empty(0)
        self.counts = np.empty((0, 0))
        self.n = 0
        self.stride = 1
        self._seen = 0
        self.version = 0

    def append(self, step: float, hist: Histogram) -> None:
        bins = len(hist.counts)
        if self.counts.shape[1] != bins:
            if self._seen:
                raise ValueError("all histograms in one history must have the same bin count")
            size = min(self._initial, self.capacity)
            self.index = np.empty(size, dtype=np.int64)
            self.steps, self.lo, self.hi = np.empty(size), np.empty(size), np.empty(size)
            self.counts = np.empty((size, bins))
        k = self._seen
        self._seen += 1
        if k % self.stride:
            return
        if self.n == len(self.steps):
            if len(self.steps) < self.capacity:
                self._grow()
            else:
                self._halve()
                if k % self.stride:
                    return
        i = self.n
        self.index[i], self.steps[i], self.lo[i], self.hi[i] = k, step, hist.lo, hist.hi
        self.counts[i] = hist.counts
        self.n += 1
        self.version += 1

    def _grow(self) -> None:
        size = min(2 * len(self.steps), self.capacity)
        for name in self._FIELDS:
            old = getattr(self, name)
            new = np.empty((size, *old.shape[1:]), dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def _halve(self) -> None:
        self.stride *= 2
        keep = np.flatnonzero(self.index[: self.n] % self.stride == 0)
        for name in self._FIELDS:
            arr = getattr(self, name)
            arr[: len(keep)] = arr[keep]
        self.n = len(keep)
        self.version += 1

    def __len__(self) -> int:
        return self.n

    def image(self, bins: int = 64) -> tuple[np.ndarray, float, float]:
        """(rows x bins) density on one common value range, plus that range (lo, hi)."""
        if not self.n:
            return np.zeros((0, bins)), 0.0, 1.0
        lo = float(np.min(self.lo[: self.n]))
        hi = float(np.max(self.hi[: self.n]))
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
            lo, hi = (lo - 0.5, lo + 0.5) if math.isfinite(lo) else (0.0, 1.0)
        edges = np.linspace(lo, hi, bins + 1)
        img = resample_rows(self.lo[: self.n], self.hi[: self.n], self.counts[: self.n], edges)
        totals = img.sum(axis=1, keepdims=True)
        return np.divide(img, totals, out=np.zeros_like(img), where=totals > 0), lo, hi

    def latest(self) -> Histogram | None:
        if not self.n:
            return None
        i = self.n - 1
        return Histogram(float(self.lo[i]), float(self.hi[i]), self.counts[i].copy())

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self._FIELDS)


def resample_rows(lo: np.ndarray, hi: np.ndarray, counts: np.ndarray, edges: np.ndarray):
    """:func:`resample_histogram` for many rows at once (one NumPy pass, no Python loop)."""
    n, bins = counts.shape
    cdf = np.concatenate([np.zeros((n, 1)), np.cumsum(counts, axis=1)], axis=1)
    span = np.where(hi > lo, hi - lo, 1.0)[:, None]
    # where each new edge falls, in units of each row's own bins
    u = np.clip((edges[None, :] - lo[:, None]) / span * bins, 0.0, bins)
    k = np.minimum(np.floor(u).astype(int), bins - 1)
    frac = u - k
    rows = np.arange(n)[:, None]
    at = cdf[rows, k] + frac * (cdf[rows, k + 1] - cdf[rows, k])
    out = np.diff(at, axis=1)
    flat = hi <= lo  # a constant row: all its counts sit in the bin holding its value
    for i in np.flatnonzero(flat):
        out[i] = 0.0
        j = np.searchsorted(edges, lo[i], side="right") - 1
        if 0 <= j < len(edges) - 1:
            out[i, j] = counts[i].sum()
    return out


class RunHistory:
    """Everything a run reported, bounded: what the plots draw and the CSV export writes."""

    def __init__(self, series_capacity: int = 4096, rows_capacity: int = 256) -> None:
        self.series: dict[str, Series] = {}
        self.rows: dict[str, HistogramRows] = {}
        self._series_capacity = series_capacity
        self._rows_capacity = rows_capacity
        self.last: Report | None = None
        self.last_detail: Report | None = None
        self.version = 0

    def _s(self, key: str) -> Series:
        s = self.series.get(key)
        if s is None:
            s = self.series[key] = Series(self._series_capacity)
        return s

    def _r(self, key: str) -> HistogramRows:
        r = self.rows.get(key)
        if r is None:
            r = self.rows[key] = HistogramRows(self._rows_capacity)
        return r

    def add(self, r: Report) -> None:
        self.last = r
        self.version += 1
        step = float(r.step)
        if r.train_loss is not None and math.isfinite(r.train_loss):
            self._s("train_loss").append(step, r.train_loss)
        for name, value in (r.grad_norms or {}).items():
            self._s(f"grad_norm/{name}").append(step, value)
        for name, value in (r.params or {}).items():
            self._s(f"param/{name}").append(step, value)
        for name, value in (r.update_ratios or {}).items():
            if math.isfinite(value):
                self._s(f"update_ratio/{name}").append(step, value)
        for name, value in (r.scalars or {}).items():
            if math.isfinite(value):
                self._s(f"scalar/{name}").append(step, value)
        if not r.has_detail:
            return
        self.last_detail = r
        for key in ("full_train_loss", "test_loss", "train_accuracy", "test_accuracy"):
            value = getattr(r, key)
            if value is not None and math.isfinite(value):
                self._s(key).append(step, value)
        for name, hist in (r.weight_hists or {}).items():
            self._r(f"weight/{name}").append(step, hist)
        for name, hist in (r.grad_hists or {}).items():
            self._r(f"grad/{name}").append(step, hist)
        for name, st in (r.act_stats or {}).items():
            self._s(f"act_mean/{name}").append(step, st.mean)
            self._s(f"act_std/{name}").append(step, st.std)
            if math.isfinite(st.dead_fraction):
                self._s(f"act_dead/{name}").append(step, st.dead_fraction)
            if math.isfinite(st.saturated_fraction):
                self._s(f"act_saturated/{name}").append(step, st.saturated_fraction)
            if st.histogram is not None:  # a watched run sends them only now and then
                self._r(f"act/{name}").append(step, st.histogram)

    def extend(self, reports: Iterable[Report]) -> None:
        for r in reports:
            self.add(r)

    def layers(self, prefix: str) -> list[str]:
        """Layer names that have series or rows under ``prefix/``, in first-seen order."""
        keys = list(self.series) + list(self.rows)
        return [k.split("/", 1)[1] for k in keys if k.startswith(prefix + "/")]

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.series.values()) + sum(
            r.nbytes for r in self.rows.values()
        )

    def to_csv(self) -> str:
        """One row per recorded step, one column per series (blank where not sampled)."""
        keys = sorted(self.series, key=_column_order)
        table: dict[float, dict[str, float]] = {}
        for key in keys:
            xs, ys = self.series[key].data()
            for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
                table.setdefault(round(x, 3), {})[key] = y
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["step", *keys])
        for step in sorted(table):
            row = table[step]
            step_text = str(int(step)) if float(step).is_integer() else f"{step:.3f}"
            writer.writerow([step_text, *(_fmt(row.get(k)) for k in keys)])
        return out.getvalue()

    def write_csv(self, path: str | Path) -> None:
        from gradviz.core.training.checkpoint import atomic_write_bytes

        atomic_write_bytes(Path(path), self.to_csv().encode("utf-8"))


_ORDER = ("train_loss", "full_train_loss", "test_loss", "train_accuracy", "test_accuracy")


def _column_order(key: str) -> tuple[int, str]:
    return (_ORDER.index(key), key) if key in _ORDER else (len(_ORDER), key)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"
