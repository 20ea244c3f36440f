"""A watched run's records, and its folder: ``meta.json`` plus ``events.jsonl``.

A record is a plain dict (what one sample of the script measured); in the folder each
is one JSON line, on the wire one msgpack frame. :func:`to_report` turns a record into
the same :class:`~gradviz.core.training.report.Report` a demo run produces, so every
plot, the doctor and the CSV export work on watched runs unchanged. Readers check
every field: a record from a file or a socket is untrusted input.

The folder is append-only, so the app can open it while the script still writes:
a half-written last line is skipped, and read again next time.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from gradviz.core.i18n import _
from gradviz.core.training.metrics import ActivationStats, Histogram
from gradviz.core.training.report import Report

FORMAT = "gradviz-run"
VERSION = 1
META = "meta.json"
EVENTS = "events.jsonl"
MAX_LAYERS = 4096
MAX_BINS = 1024
MAX_NAME = 200
ACCURACY_KEYS = ("accuracy", "acc", "train_accuracy")  # logged scalars the plots know


class RecordError(ValueError):
    """A record or run folder that cannot be read; the message says which and why."""


# -- writing -------------------------------------------------------------------------------


def hist_record(h: Histogram) -> dict:
    return {"lo": float(h.lo), "hi": float(h.hi), "counts": np.asarray(h.counts, np.float32)}


def act_record(s: ActivationStats) -> dict:
    return {
        "mean": s.mean,
        "std": s.std,
        "dead": s.dead_fraction,
        "saturated": s.saturated_fraction,
        "hist": hist_record(s.histogram) if s.histogram is not None else None,
    }


def to_json_line(record: dict) -> str:
    """One line of ``events.jsonl`` (arrays as lists; nan and inf as null)."""
    return json.dumps(_jsonable(record), separators=(",", ":"), allow_nan=False)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [None if not math.isfinite(v) else v for v in obj.astype(float).tolist()]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


# -- reading (untrusted) ----------------------------------------------------------------------


def _num(v: Any) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise RecordError(_("expected a number, got {kind}").format(kind=type(v).__name__))
    return float(v)


def _names(d: Any, what: str) -> dict:
    if d is None:
        return {}
    if not isinstance(d, dict) or len(d) > MAX_LAYERS:
        raise RecordError(
            _("{what}: expected a map of at most {MAX_LAYERS} layers").format(
                what=what, MAX_LAYERS=MAX_LAYERS
            )
        )
    for k in d:
        if not isinstance(k, str) or len(k) > MAX_NAME:
            raise RecordError(_("{what}: layer names must be short strings").format(what=what))
    return d


def _hist(d: Any) -> Histogram:
    if not isinstance(d, dict):
        raise RecordError(_("histogram: expected a map"))
    counts = d.get("counts")
    counts = np.asarray(
        [math.nan if c is None else c for c in counts] if isinstance(counts, list) else counts,
        dtype=np.float64,
    )
    if counts.ndim != 1 or not 1 <= len(counts) <= MAX_BINS:
        raise RecordError(_("histogram: 1 to {MAX_BINS} bins").format(MAX_BINS=MAX_BINS))
    lo, hi = _num(d.get("lo")), _num(d.get("hi"))
    return Histogram(lo, hi, np.nan_to_num(counts, nan=0.0))


def to_report(rec: Any, *, total_steps: int | None = None) -> Report:
    """A :class:`Report` from a record; :class:`RecordError` when a field is wrong."""
    if not isinstance(rec, dict):
        raise RecordError(_("record: expected a map"))
    step = rec.get("step")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise RecordError(_("record: step must be a whole number >= 0"))
    try:
        loss = rec.get("loss")
        scalars = {k: _num(v) for k, v in _names(rec.get("scalars"), "scalars").items()}
        r = Report(
            step=step,
            total_steps=max(step, total_steps or 0, 1),
            steps_per_epoch=1,
            status=str(rec.get("status", "running"))[:20],
            elapsed=_num(rec.get("elapsed", 0.0)),
            train_loss=None if loss is None else _num(loss),
            grad_norms={k: _num(v) for k, v in _names(rec.get("grad_norms"), "grads").items()}
            or None,
            update_ratios={
                k: _num(v) for k, v in _names(rec.get("update_ratios"), "updates").items()
            }
            or None,
            scalars=scalars or None,
        )
        wh = _names(rec.get("weight_hists"), "weight histograms")
        gh = _names(rec.get("grad_hists"), "gradient histograms")
        acts = _names(rec.get("act_stats"), "activations")
        if wh:
            r.weight_hists = {k: _hist(v) for k, v in wh.items()}
        if gh:
            r.grad_hists = {k: _hist(v) for k, v in gh.items()}
        if acts:
            r.act_stats = {}
            for k, a in acts.items():
                if not isinstance(a, dict):
                    raise RecordError(_("activations: expected maps"))
                r.act_stats[k] = ActivationStats(
                    _num(a.get("mean")),
                    _num(a.get("std")),
                    _num(a.get("dead")),
                    _hist(a["hist"]) if a.get("hist") is not None else None,
                    _num(a.get("saturated")),
                )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, RecordError):
            raise
        raise RecordError(_("record: {exc}").format(exc=exc)) from None
    for key in ACCURACY_KEYS:
        if key in scalars:
            r.train_accuracy = scalars[key]
            break
    r.has_detail = bool(r.weight_hists or r.act_stats or r.train_accuracy is not None)
    return r


def read_meta(folder: str | Path) -> dict:
    path = Path(folder) / META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordError(
            _("{folder} is not a gradviz run (no {META})").format(folder=folder, META=META)
        ) from None
    except (OSError, ValueError) as exc:
        raise RecordError(_("cannot read {path}: {exc}").format(path=path, exc=exc)) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise RecordError(_("{path} is not a gradviz run").format(path=path))
    return meta


class RunReader:
    """Reads a run folder's records, and later the ones appended since (for live folders)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.meta = read_meta(self.folder)
        self._offset = 0
        self.skipped = 0  # lines that were not valid records

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or self.folder.name)[:MAX_NAME]

    def read_new(self) -> list[Report]:
        path = self.folder / EVENTS
        try:
            with path.open("rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise RecordError(_("cannot read {path}: {exc}").format(path=path, exc=exc)) from None
        end = data.rfind(b"\n") + 1  # a half-written last line waits for the next read
        self._offset += end
        out = []
        for line in data[:end].splitlines():
            if not line.strip():
                continue
            try:
                out.append(to_report(json.loads(line)))
            except (ValueError, RecordError):
                self.skipped += 1
        return out
