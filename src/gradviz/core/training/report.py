"""What the training loop reports: plain floats and NumPy arrays, safe to hand to another thread."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradviz.core.i18n import _
from gradviz.core.training.config import UNTIL_PAUSED
from gradviz.core.training.metrics import ActivationStats, Histogram

STATUSES = ("running", "paused", "finished", "stopped", "nan", "error")


@dataclass
class Report:
    """A snapshot of a run. Cheap fields come ~20 times a second; ``detail`` fields less often."""

    step: int
    total_steps: int
    steps_per_epoch: int
    status: str = "running"
    message: str = ""
    nonfinite_layer: str | None = None  # status "nan": the layer the diagnosis names
    elapsed: float = 0.0  # seconds spent training in this run (pauses excluded)
    steps_per_second: float | None = None
    eta_seconds: float | None = None
    train_loss: float | None = None  # mean mini-batch loss since the previous report
    grad_norms: dict[str, float] | None = None
    params: dict[str, float] | None = None  # linreg: w1, w2, b
    update_ratios: dict[str, float] | None = None  # ‖Δw‖/‖w‖ of one step per layer
    scalars: dict[str, float] | None = None  # extra values a watched script logged
    # detail: evaluated on the data, histograms and activations
    full_train_loss: float | None = None
    train_accuracy: float | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None
    weight_hists: dict[str, Histogram] | None = None
    grad_hists: dict[str, Histogram] | None = None
    act_stats: dict[str, ActivationStats] | None = None
    boundary: np.ndarray | None = None  # probabilities on the decision grid
    boundary_window: tuple[float, float, float, float] | None = None
    prediction: np.ndarray | None = None  # twolayer: the model's output for all 64 inputs
    has_detail: bool = False

    @property
    def epoch(self) -> float:
        return self.step / self.steps_per_epoch

    @property
    def total_epochs(self) -> float:
        return self.total_steps / self.steps_per_epoch

    @property
    def progress(self) -> float:
        return min(1.0, self.step / self.total_steps) if self.total_steps else 1.0


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_text(r: Report) -> str:
    """``epoch 2.4 / 3 · step 240 / 300 · 812 steps/s · ETA 0:03``."""
    if r.total_steps >= UNTIL_PAUSED:  # an open-ended run has no total and no ETA
        parts = [
            _("epoch {epoch}").format(epoch=_num(r.epoch)),
            _("step {step} (runs until paused)").format(step=f"{r.step:,}"),
        ]
        if r.steps_per_second:
            parts.append(_("{rate} steps/s").format(rate=f"{r.steps_per_second:,.0f}"))
        return " · ".join(parts)
    parts = [
        _("epoch {epoch} / {total}").format(epoch=_num(r.epoch), total=_num(r.total_epochs)),
        _("step {step} / {total}").format(step=f"{r.step:,}", total=f"{r.total_steps:,}"),
    ]
    if r.steps_per_second:
        parts.append(_("{rate} steps/s").format(rate=f"{r.steps_per_second:,.0f}"))
    if r.status == "running" and r.eta_seconds is not None:
        parts.append(_("ETA {time}").format(time=format_duration(r.eta_seconds)))
    return " · ".join(parts)


def _num(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.1f}"
