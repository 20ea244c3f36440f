"""Exports of a run: metrics CSV (always) and TensorBoard event files (when installed)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np

from gradviz.core.i18n import _
from gradviz.core.training.history import RunHistory
from gradviz.core.training.report import Report


def write_metrics_csv(history: RunHistory, path: str | Path) -> None:
    history.write_csv(path)


def tensorboard_available() -> bool:
    """True when the optional ``tensorboard`` package is importable.

    It comes with ``pip install "gradviz-autograd[tensorboard]"``.
    """
    return importlib.util.find_spec("tensorboard") is not None


class TensorBoardLogger:
    """Writes each report as TensorBoard scalars and histograms into ``logdir``."""

    def __init__(self, logdir: str | Path) -> None:
        if not tensorboard_available():
            raise RuntimeError(_("TensorBoard logging needs the tensorboard package"))
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(logdir))

    def add(self, r: Report) -> None:
        w, step = self.writer, r.step
        scalars = {
            "loss/train": r.train_loss,
            "loss/train_full": r.full_train_loss,
            "loss/test": r.test_loss,
            "accuracy/train": r.train_accuracy,
            "accuracy/test": r.test_accuracy,
        }
        for tag, value in scalars.items():
            if value is not None and math.isfinite(value):
                w.add_scalar(tag, value, step)
        for name, value in (r.grad_norms or {}).items():
            if math.isfinite(value):
                w.add_scalar(f"grad_norm/{name}", value, step)
        for name, value in (r.params or {}).items():
            w.add_scalar(f"param/{name}", value, step)
        for prefix, hists in (("weight", r.weight_hists), ("grad", r.grad_hists)):
            for name, h in (hists or {}).items():
                self._hist(f"{prefix}/{name}", h, step)
        for name, st in (r.act_stats or {}).items():
            self._hist(f"activation/{name}", st.histogram, step)

    def _hist(self, tag: str, h, step: int) -> None:
        counts = np.asarray(h.counts, dtype=float)
        num = counts.sum()
        if num <= 0 or not (math.isfinite(h.lo) and math.isfinite(h.hi)):
            return
        edges = h.edges
        centres = (edges[:-1] + edges[1:]) / 2
        self.writer.add_histogram_raw(
            tag,
            min=h.lo,
            max=h.hi,
            num=int(num),
            sum=float((centres * counts).sum()),
            sum_squares=float((centres**2 * counts).sum()),
            bucket_limits=edges[1:].tolist(),
            bucket_counts=counts.tolist(),
            global_step=step,
        )

    def close(self) -> None:
        self.writer.close()
