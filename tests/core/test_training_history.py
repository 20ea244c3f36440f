"""History buffers stay bounded however long a run is, and keep the whole run visible."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from gradviz.core.training.history import HistogramRows, RunHistory, Series
from gradviz.core.training.metrics import Histogram
from gradviz.core.training.report import Report, format_duration, progress_text


def test_series_grows_by_doubling_then_downsamples_within_capacity():
    s = Series(capacity=64, initial=8)
    sizes = set()
    for i in range(100_000):
        s.append(float(i), float(2 * i))
        sizes.add(len(s.x))
        assert len(s) <= 64
    assert sizes == {8, 16, 32, 64}
    x, y = s.data()
    assert x[0] < 2000 and x[-1] > 97_000  # the whole run is still covered
    assert np.allclose(y, 2 * x)  # merging keeps points on the line
    assert np.all(np.diff(x) > 0)
    assert s.nbytes == 2 * 64 * 8


def test_series_merges_neighbours_by_their_mean():
    s = Series(capacity=4, initial=4)
    for v in [1.0, 3.0, 5.0, 7.0, 9.0]:
        s.append(0.0, v)
    # full at 9: [1, 3, 5, 7] -> [2, 6], then 9 is stored and later points come in pairs
    assert s.data()[1].tolist() == [2.0, 6.0, 9.0]
    s.append(0.0, 11.0)
    assert s.data()[1].tolist() == [2.0, 6.0, 9.0]  # waiting for its pair
    s.append(0.0, 13.0)
    assert s.data()[1].tolist() == [2.0, 6.0, 9.0, 12.0]
    assert s.stride == 2


def _hist(lo, hi, bins=8):
    return Histogram(lo, hi, np.arange(bins, dtype=float))


def test_histogram_rows_are_bounded_and_evenly_spaced():
    rows = HistogramRows(capacity=16, initial=4)
    for i in range(10_000):
        rows.append(float(i), _hist(-1.0 - i * 1e-4, 1.0))
        assert len(rows) <= 16
    steps = rows.steps[: rows.n]
    assert steps[-1] > 9000 and steps[0] < 1500
    gaps = np.diff(steps)
    assert np.allclose(gaps, gaps[0])
    img, lo, hi = rows.image(bins=20)
    assert img.shape == (rows.n, 20)
    assert np.allclose(img.sum(axis=1), 1.0)  # each row is a distribution
    assert lo == pytest.approx(float(rows.lo[: rows.n].min())) and hi == 1.0
    with pytest.raises(ValueError, match="same bin count"):
        rows.append(0.0, _hist(0, 1, bins=5))


def test_run_history_memory_is_bounded_over_a_long_run():
    h = RunHistory(series_capacity=256, rows_capacity=32)
    for step in range(0, 200_000, 10):
        h.add(
            Report(
                step=step,
                total_steps=200_000,
                steps_per_epoch=10,
                train_loss=1.0 / (1 + step),
                grad_norms={"fc1": 0.5, "out": 0.25},
                has_detail=step % 50 == 0,
                test_loss=0.5,
                weight_hists={"fc1": _hist(-1, 1)},
            )
        )
    assert len(h.series["train_loss"]) <= 256
    assert len(h.rows["weight/fc1"]) <= 32
    assert h.nbytes < 64 * 1024
    assert h.layers("grad_norm") == ["fc1", "out"]


def test_csv_has_a_column_per_series_and_a_row_per_step():
    h = RunHistory()
    h.add(Report(step=0, total_steps=10, steps_per_epoch=5, has_detail=True, test_loss=0.9))
    h.add(Report(step=5, total_steps=10, steps_per_epoch=5, train_loss=0.5, grad_norms={"a": 2}))
    rows = list(csv.reader(io.StringIO(h.to_csv())))
    assert rows[0] == ["step", "train_loss", "test_loss", "grad_norm/a"]
    assert rows[1] == ["0", "", "0.9", ""]
    assert rows[2] == ["5", "0.5", "", "2"]


def test_progress_text_and_durations():
    r = Report(step=240, total_steps=300, steps_per_epoch=100, steps_per_second=812.4)
    r.eta_seconds = 3.2
    assert progress_text(r) == "epoch 2.4 / 3 · step 240 / 300 · 812 steps/s · ETA 0:03"
    assert format_duration(3725) == "1:02:05"
    assert format_duration(None) == "–"


def test_resampling_many_rows_at_once_matches_one_at_a_time():
    from gradviz.core.training.history import resample_rows
    from gradviz.core.training.metrics import resample_histogram

    rng = np.random.default_rng(0)
    lo = rng.uniform(-2, 0, 30)
    hi = lo + rng.uniform(0.1, 3, 30)
    hi[3] = lo[3]  # a constant tensor's histogram
    counts = rng.integers(0, 50, (30, 12)).astype(float)
    edges = np.linspace(-2.5, 3.5, 21)
    many = resample_rows(lo, hi, counts, edges)
    for i in range(30):
        one = resample_histogram(Histogram(lo[i], hi[i], counts[i]), edges)
        assert np.allclose(many[i], one)


def test_tensorboard_logging_is_optional(tmp_path):
    from gradviz.core.training.export import TensorBoardLogger, tensorboard_available

    report = Report(
        step=3,
        total_steps=10,
        steps_per_epoch=5,
        train_loss=0.5,
        grad_norms={"fc1": 0.1},
        weight_hists={"fc1": _hist(-1.0, 1.0)},
        has_detail=True,
    )
    if not tensorboard_available():
        with pytest.raises(RuntimeError, match="tensorboard"):
            TensorBoardLogger(tmp_path)
        return
    logger = TensorBoardLogger(tmp_path)
    logger.add(report)
    logger.close()
    assert any(p.name.startswith("events.out.tfevents") for p in tmp_path.rglob("*"))
