"""The gradient doctor: plain-sentence verdicts on a run's gradients, layer by layer.

It reads the same :class:`~gradviz.core.training.report.Report` stream as the plots
(demo runs, your-model runs and watched scripts alike) and keeps a short window of
recent observations. Every rule, and the number that makes it fire, is in this one
table; each verdict quotes its rule, so a user can see why it fired.

==================  =====================  ============================================
rule                threshold              fires when (median over the window)
==================  =====================  ============================================
vanishing           ``VANISHING_RATIO``    a layer's gradient norm is below 1e-3 × the
                    = 1e-3                 last layer's (backward reaches it last, so
                                           gradients shrink on the way there)
exploding           ``EXPLODING_GROWTH``   a layer's gradient norm grew more than 100×
                    = 100                  above its median over the first observations,
                                           or exceeds ``EXPLODING_NORM`` = 1e6
dead                ``DEAD_FRACTION``      more than half of a ReLU layer's units were
                    = 0.5                  never active on any probe sample
saturated           ``SATURATED_FRACTION`` more than 95 % of a tanh / sigmoid layer's
                    = 0.95                 outputs lie within 0.01 of an asymptote
                                           (slope below ~0.02: little gradient passes)
update ratio        ``UPDATE_RATIO_LOW``   a step moves a layer by less than 1e-5 or
                    = 1e-5, ``HIGH`` = 0.1 more than 0.1 of its size (rule of thumb:
                                           ~1e-3). "Too small" is not said once the loss
                                           fell below ``CONVERGED`` = 1e-3 of its start:
                                           there, small steps are what converging means
non-finite          (any nan / inf)        the first layer, in backward order, whose
                                           gradient went nan or inf
==================  =====================  ============================================

The default demos with their default settings raise none of these
(tests/core/test_doctor.py checks both ways). Measured on them: the smallest
gradient-norm ratio is 0.02 (spiral), the largest saturation 0.86 (spiral's tanh2),
and update ratios have medians from 1e-4 to 1e-2.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from gradviz.core.i18n import N_, _
from gradviz.core.training.report import Report

VANISHING_RATIO = 1e-3
EXPLODING_GROWTH = 100.0
EXPLODING_NORM = 1e6
DEAD_FRACTION = 0.5
SATURATED_FRACTION = 0.95
UPDATE_RATIO_LOW = 1e-5
UPDATE_RATIO_HIGH = 0.1
CONVERGED = 1e-3
WINDOW = 8  # observations the rules look at (reports carry ~20 a second, fewer with detail)
MIN_OBSERVATIONS = 3  # no verdict (but non-finite) from fewer than this
BASELINE = 3  # observations that set a layer's starting gradient norm

# kind -> (short title, the threshold as a user reads it); rule() gives them translated
_RULE_TEXTS: dict[str, tuple[str, str]] = {
    "nonfinite": (N_("non-finite gradient"), N_("any nan or inf")),
    "exploding": (N_("exploding gradients"), N_("norm > {growth}× its start, or > {norm}")),
    "vanishing": (N_("vanishing gradients"), N_("norm < {ratio} × the last layer's")),
    "dead": (N_("dead ReLUs"), N_("> {dead} of units never active")),
    "saturated": (N_("saturated activations"), N_("> {saturated} of outputs flat")),
    "update_high": (N_("updates too large"), N_("update/weight > {high} (aim ~1e-3)")),
    "update_low": (N_("updates too small"), N_("update/weight < {low} (aim ~1e-3)")),
}
_LIMITS = dict(
    growth=f"{EXPLODING_GROWTH:g}",
    norm=f"{EXPLODING_NORM:g}",
    ratio=f"{VANISHING_RATIO:g}",
    dead=f"{DEAD_FRACTION:.0%}",
    saturated=f"{SATURATED_FRACTION:.0%}",
    high=f"{UPDATE_RATIO_HIGH:g}",
    low=f"{UPDATE_RATIO_LOW:g}",
)
RULES: dict[str, tuple[str, str]] = {  # in English, numbers in
    kind: (title, threshold.format(**_LIMITS)) for kind, (title, threshold) in _RULE_TEXTS.items()
}


def rule(kind: str) -> tuple[str, str]:
    """(title, threshold) of a rule, with its numbers, in the interface language."""
    title, threshold = _RULE_TEXTS[kind]
    return _(title), _(threshold).format(**_LIMITS)


ORDER = list(RULES)  # most urgent first


@dataclass(frozen=True)
class Verdict:
    kind: str  # a key of RULES
    layer: str
    sentence: str  # one plain sentence, with the measured value
    threshold: str  # the rule that fired, as in RULES
    since_step: int  # first step of the current streak
    value: float

    @property
    def title(self) -> str:
        return rule(self.kind)[0]


def _median(values) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return statistics.median(finite) if finite else math.nan


def _finite_values(d: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in d.items() if not math.isnan(v)}


class Doctor:
    """Feed it reports with :meth:`observe`; :meth:`verdicts` says what is wrong now."""

    def __init__(self, window: int = WINDOW) -> None:
        self.window = window
        self._norms: deque[dict[str, float]] = deque(maxlen=window)
        self._ratios: deque[dict[str, float]] = deque(maxlen=window)
        self._dead: deque[dict[str, float]] = deque(maxlen=window)
        self._saturated: deque[dict[str, float]] = deque(maxlen=window)
        self._losses: deque[float] = deque(maxlen=window)
        self._first_losses: list[float] = []
        self._baseline: dict[str, list[float]] = {}
        self._nonfinite: Verdict | None = None
        self._since: dict[tuple[str, str], int] = {}
        self._verdicts: list[Verdict] = []
        self.step = 0
        self.version = 0  # bumps when the verdicts change

    def reset(self) -> None:
        self.__init__(self.window)  # type: ignore[misc]

    # -- input ---------------------------------------------------------------------
    def observe(self, r: Report) -> bool:
        """Take one report in; True when the verdicts changed."""
        self.step = r.step
        if r.grad_norms:
            norms = dict(r.grad_norms)
            self._norms.append(norms)
            for name, v in norms.items():
                base = self._baseline.setdefault(name, [])
                if len(base) < BASELINE and math.isfinite(v) and v > 0:
                    base.append(v)
            if self._nonfinite is None:
                self._check_nonfinite(r, norms)
        elif r.status == "nan" and r.nonfinite_layer and self._nonfinite is None:
            self._set_nonfinite(r.nonfinite_layer, r.step, math.nan)
        if r.update_ratios:
            self._ratios.append(dict(r.update_ratios))
        if r.act_stats:
            stats = r.act_stats
            self._dead.append(_finite_values({n: s.dead_fraction for n, s in stats.items()}))
            self._saturated.append(
                _finite_values({n: s.saturated_fraction for n, s in stats.items()})
            )
        loss = r.train_loss
        if loss is not None and math.isfinite(loss):
            self._losses.append(loss)
            if len(self._first_losses) < BASELINE:
                self._first_losses.append(loss)
        return self._update()

    def _check_nonfinite(self, r: Report, norms: dict[str, float]) -> None:
        bad = [n for n, v in norms.items() if not math.isfinite(v)]
        if bad:  # backward reaches the last layer first
            name = r.nonfinite_layer if r.nonfinite_layer in bad else bad[-1]
            self._set_nonfinite(name, r.step, norms[name])

    def _set_nonfinite(self, layer: str, step: int, value: float) -> None:
        self._nonfinite = Verdict(
            "nonfinite",
            layer,
            _(
                "Layer '{layer}' was the first (in backward order) whose gradient went "
                "non-finite, at step {step}: lower the learning rate or clip gradients."
            ).format(layer=layer, step=f"{step:,}"),
            rule("nonfinite")[1],
            step,
            value,
        )

    # -- rules -----------------------------------------------------------------------
    def _update(self) -> bool:
        found: list[tuple[str, str, float, str]] = []  # kind, layer, value, sentence
        if len(self._norms) >= MIN_OBSERVATIONS:
            found += self._gradient_rules()
        if len(self._dead) >= min(MIN_OBSERVATIONS, self.window):
            found += self._activation_rules()
        if len(self._ratios) >= MIN_OBSERVATIONS:
            found += self._update_rules()
        verdicts = [self._nonfinite] if self._nonfinite is not None else []
        live = set()
        for kind, layer, value, sentence in found:
            key = (kind, layer)
            live.add(key)
            since = self._since.setdefault(key, self.step)
            verdicts.append(Verdict(kind, layer, sentence, rule(kind)[1], since, value))
        for key in list(self._since):
            if key not in live:
                del self._since[key]  # the streak ended; a new one starts afresh
        verdicts.sort(key=lambda v: ORDER.index(v.kind))
        changed = [(v.kind, v.layer) for v in verdicts] != [
            (v.kind, v.layer) for v in self._verdicts
        ]
        self._verdicts = verdicts
        if changed:
            self.version += 1
        return changed

    def _series(self, rows, name: str) -> float:
        return _median(row[name] for row in rows if name in row)

    def _gradient_rules(self) -> list[tuple[str, str, float, str]]:
        out = []
        names = list(self._norms[-1])
        medians = {n: self._series(self._norms, n) for n in names}
        for name in names:
            med = medians[name]
            base = self._baseline.get(name)
            start = _median(base) if base else math.nan
            if math.isfinite(med) and (
                med > EXPLODING_NORM or (start > 0 and med > EXPLODING_GROWTH * start)
            ):
                grew = med / start if start > 0 else math.inf
                out.append(
                    (
                        "exploding",
                        name,
                        med,
                        _(
                            "The gradient of '{name}' grew {grew}× since the start of the run "
                            "(norm {norm}): lower the learning rate or clip gradients."
                        ).format(name=name, grew=f"{grew:,.0f}", norm=f"{med:.3g}"),
                    )
                )
        last = names[-1] if names else None
        top = medians.get(last, math.nan) if last else math.nan
        if math.isfinite(top) and top > 0:
            for name in names[:-1]:
                ratio = medians[name] / top
                if math.isfinite(ratio) and ratio < VANISHING_RATIO:
                    out.append(
                        (
                            "vanishing",
                            name,
                            ratio,
                            _(
                                "The gradient reaching '{name}' is {ratio} of the last "
                                "layer's ('{last}'): it hardly learns. Try ReLU-like "
                                "activations, better initialisation or normalisation."
                            ).format(name=name, ratio=f"{ratio:.1e}", last=last),
                        )
                    )
        return out

    def _activation_rules(self) -> list[tuple[str, str, float, str]]:
        out = []
        for name in self._dead[-1] if self._dead else []:
            # "never active over the window": a unit alive in any observation is not dead
            frac = min(row[name] for row in self._dead if name in row)
            if frac > DEAD_FRACTION:
                out.append(
                    (
                        "dead",
                        name,
                        frac,
                        _(
                            "{fraction} of the units of '{name}' never fire on any probe "
                            "sample: they pass no gradient. Lower the learning rate, check "
                            "the biases, or try LeakyReLU."
                        ).format(fraction=f"{frac:.0%}", name=name),
                    )
                )
        for name in self._saturated[-1] if self._saturated else []:
            frac = self._series(self._saturated, name)
            if frac > SATURATED_FRACTION:
                out.append(
                    (
                        "saturated",
                        name,
                        frac,
                        _(
                            "{fraction} of the outputs of '{name}' sit on the flat tails of "
                            "the curve, where almost no gradient passes. Scale the inputs or "
                            "initial weights down."
                        ).format(fraction=f"{frac:.0%}", name=name),
                    )
                )
        return out

    def _converged(self) -> bool:
        if not self._first_losses or not self._losses:
            return False
        start, now = _median(self._first_losses), _median(self._losses)
        return math.isfinite(start) and start > 0 and now < CONVERGED * start

    def _update_rules(self) -> list[tuple[str, str, float, str]]:
        out = []
        converged = self._converged()
        for name in self._ratios[-1]:
            med = self._series(self._ratios, name)
            if not math.isfinite(med):
                continue
            if med > UPDATE_RATIO_HIGH:
                out.append(
                    (
                        "update_high",
                        name,
                        med,
                        _(
                            "Each step moves '{name}' by {ratio} of its size (about 1e-3 is "
                            "healthy): the learning rate is too high for this layer."
                        ).format(name=name, ratio=f"{med:.1e}"),
                    )
                )
            elif med < UPDATE_RATIO_LOW and not converged:
                out.append(
                    (
                        "update_low",
                        name,
                        med,
                        _(
                            "Each step moves '{name}' by only {ratio} of its size (about "
                            "1e-3 is healthy): it barely learns. Raise the learning rate, or "
                            "look for vanishing gradients."
                        ).format(name=name, ratio=f"{med:.1e}"),
                    )
                )
        return out

    # -- output -------------------------------------------------------------------------
    def verdicts(self) -> list[Verdict]:
        return list(self._verdicts)


class Diagnosis:
    """The Diagnosis view's model: the doctor's verdicts and which layer is selected.

    Views subscribe with :meth:`subscribe`; a click becomes :meth:`select`, and every
    view that shows layers (plots, graph) follows the same selection.
    """

    def __init__(self) -> None:
        self.doctor = Doctor()
        self.selected: str | None = None
        self._listeners: list[Callable[[str], None]] = []

    def subscribe(self, listener: Callable[[str], None]) -> None:
        """``listener(event)``: "verdicts" (changed), "observed" (same verdicts) or "selection"."""
        self._listeners.append(listener)

    def _emit(self, event: str) -> None:
        for fn in list(self._listeners):
            fn(event)

    def observe(self, r: Report) -> None:
        self._emit("verdicts" if self.doctor.observe(r) else "observed")

    def observe_all(self, reports) -> None:
        changed = False
        for r in reports:
            changed |= self.doctor.observe(r)
        self._emit("verdicts" if changed else "observed")

    def reset(self) -> None:
        self.use(Doctor())

    def use(self, doctor: Doctor) -> None:
        """Show another run's doctor (the run list switched runs); the old one is kept."""
        self.doctor = doctor
        self.selected = None
        self._emit("verdicts")

    def notify(self) -> None:
        """The doctor was fed elsewhere (an attached run): tell the views."""
        self._emit("verdicts")

    def verdicts(self) -> list[Verdict]:
        return self.doctor.verdicts()

    def select(self, layer: str | None) -> None:
        if layer != self.selected:
            self.selected = layer
            self._emit("selection")
