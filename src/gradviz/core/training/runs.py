"""The run list: demo runs, your-model runs, attached and opened runs, side by side.

A plain model the Training panel's views share: which run the plots show
(``current``), which runs the Compare tab overlays (``checked``), and the smoothing
of those overlays. Views subscribe and send actions; nothing here knows about Qt.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gradviz.core.i18n import N_, _
from gradviz.core.training.doctor import Doctor
from gradviz.core.training.history import RunHistory
from gradviz.core.training.report import Report

log = logging.getLogger(__name__)
KINDS = (N_("demo"), N_("your model"), N_("attached"), N_("opened"))  # shown translated


@dataclass
class RunEntry:
    key: str
    name: str
    kind: str  # one of KINDS
    history: RunHistory = field(default_factory=RunHistory)
    doctor: Doctor = field(default_factory=Doctor)
    folder: str = ""
    live: bool = False
    checked: bool = False
    last_step: int = -1  # the newest step seen: a record re-sent by a stream is skipped

    @property
    def label(self) -> str:
        state = _(" ● live") if self.live else ""
        return f"{self.name}  ({_(self.kind)}){state}"


class RunList:
    def __init__(self) -> None:
        self.entries: dict[str, RunEntry] = {}
        self.current: str | None = None  # None: the panel's own run
        self.smoothing = 0.0  # 0 .. 0.99, TensorBoard-style exponential moving average
        self._listeners: list[Callable[[str, str], None]] = []
        self._count = 0

    def subscribe(self, listener: Callable[[str, str], None]) -> None:
        """``listener(event, key)``: "added", "changed", "current", "checked", "smoothing"."""
        self._listeners.append(listener)

    def _emit(self, event: str, key: str = "") -> None:
        for fn in list(self._listeners):
            fn(event, key)

    def new_key(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}-{self._count}"

    # -- actions ---------------------------------------------------------------------
    def add(self, entry: RunEntry) -> RunEntry:
        self.entries[entry.key] = entry
        self._emit("added", entry.key)
        return entry

    def add_reports(self, key: str, reports: list[Report]) -> int:
        """Append ``reports`` (skipping steps already seen); returns how many were new."""
        entry = self.entries.get(key)
        if entry is None:
            return 0
        new = 0
        for r in reports:
            if r.step <= entry.last_step and r.status == "running":
                continue
            entry.last_step = max(entry.last_step, r.step)
            try:
                entry.history.add(r)
            except ValueError as exc:  # e.g. histograms whose bin count changed mid-run
                log.warning("run %s: dropped a record at step %d (%s)", entry.name, r.step, exc)
                continue
            entry.doctor.observe(r)
            new += 1
        if new:
            self._emit("changed", key)
        return new

    def set_live(self, key: str, live: bool) -> None:
        entry = self.entries.get(key)
        if entry is not None and entry.live != live:
            entry.live = live
            self._emit("changed", key)

    def set_current(self, key: str | None) -> None:
        if key is not None and key not in self.entries:
            return
        if key != self.current:
            self.current = key
            self._emit("current", key or "")

    def set_checked(self, key: str, checked: bool) -> None:
        entry = self.entries.get(key)
        if entry is not None and entry.checked != checked:
            entry.checked = checked
            self._emit("checked", key)

    def set_smoothing(self, value: float) -> None:
        value = min(max(float(value), 0.0), 0.99)
        if value != self.smoothing:
            self.smoothing = value
            self._emit("smoothing")

    def checked(self) -> list[RunEntry]:
        return [e for e in self.entries.values() if e.checked]


def smooth(y: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: a debiased exponential moving average (nan kept as gaps)."""
    if weight <= 0 or len(y) == 0:
        return np.asarray(y, dtype=float)
    out = np.empty(len(y))
    last, n = 0.0, 0
    for i, v in enumerate(np.asarray(y, dtype=float)):
        if not math.isfinite(v):
            out[i] = v
            continue
        last = last * weight + (1 - weight) * v
        n += 1
        out[i] = last / (1 - weight**n)
    return out
