"""The training loop as a plain function, steered through a small thread-safe state object.

``train(session, state)`` runs steps until the session's step budget is used up or
``state.cancel()`` is called. Between steps it honours ``pause``/``resume`` and
single ``step`` requests, and it reports :class:`Report` snapshots through
``state.on_report`` at a bounded rate (about 20 a second for scalars, a few a second
for histograms, activations and the decision boundary) — never once per step.

On CUDA the running loss stays on the device and is fetched only with a report,
so steps never wait for the GPU. On the CPU reading values is free, so the loss and the
gradients are checked every step: a non-finite loss, or a non-finite gradient behind a
finite loss, is caught before the optimizer applies it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from gradviz.core.i18n import _
from gradviz.core.training import metrics as M
from gradviz.core.training.report import Report
from gradviz.core.training.session import TrainSession

log = logging.getLogger(__name__)

PROBE_SAMPLES = 2048  # activation statistics and periodic evaluation use at most this many
# a step at least this long keeps the per-layer cancel hooks on (bench/step_guards_bench.py)
GUARDED_STEP_S = 0.01


@dataclass
class MetricOptions:
    report_interval: float = 0.05  # seconds between scalar reports (loss, grad norms)
    detail_interval: float = 0.1  # seconds between evaluations (loss and accuracy on the data)
    histogram_interval: float = 0.25  # seconds between histograms, activations and boundaries
    grad_norms: bool = True
    histograms: bool = True
    activations: bool = True
    boundary: bool = True
    bins: int = 48
    grid: int = 48  # decision-boundary grid (the view smooths it to twice this)
    evaluate: bool = True
    every_epoch: bool = False  # also a detail report at the end of each epoch (headless CSV)
    # A short run (linreg: 300 steps in a tenth of a second) would get only a couple of
    # timed reports; on the cpu, where reading values is free, also report every
    # 1/min_reports of the run (no closer than min_gap seconds apart).
    min_reports: int = 50
    min_details: int = 20
    min_histograms: int = 8
    min_gap: float = 0.002


@dataclass
class RunResult:
    status: str  # finished | stopped | nan | error
    message: str
    step: int
    steps_run: int
    elapsed: float
    last: Report | None = None
    report_seconds: float = 0.0  # of elapsed: building reports (metrics, evaluation)

    @property
    def train_seconds(self) -> float:
        """Time spent in training steps alone."""
        return max(0.0, self.elapsed - self.report_seconds)

    @property
    def steps_per_second(self) -> float:
        """Training steps per second of training-step time (reports not counted)."""
        t = self.train_seconds
        return self.steps_run / t if t > 0 else 0.0


@dataclass
class TrainState:
    """Control flags the GUI (or a test) sets from any thread, and the report callback.

    ``on_nonfinite`` is "pause" (the app: the user decides) or "stop" (headless runs).
    """

    on_report: Callable[[Report], None] = lambda r: None
    options: MetricOptions = field(default_factory=MetricOptions)
    on_nonfinite: str = "pause"
    device_metrics: bool | None = None  # keep running metrics on the device (default: not cpu)
    # intra-op threads for a cpu run (None: leave torch's setting). The demo nets are tiny:
    # one thread is as fast, and immune to OpenMP workers spinning on a busy machine,
    # which can make a 2-thread run 30x slower (bench/train_bench.py)
    cpu_threads: int | None = None
    # steps per second, or None for as fast as possible (see set_pace)
    pace: float | None = None
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._last_paced = -math.inf
        self._cancel = False
        self._quick = False
        self._paused = False
        self._granted = 0
        self._waiting = False

    # -- control, callable from any thread --------------------------------------
    def cancel(self, quick: bool = False) -> None:
        """Stop within the current layer's forward (or parameter's backward); the step
        in flight is dropped, so the weights stay as after the last whole step. ``quick``
        also skips the final evaluation (the window is closing: nobody will see it)."""
        with self._cond:
            self._cancel = True
            self._quick = self._quick or quick
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._granted = 0
            self._cond.notify_all()

    def step(self, n: int = 1) -> None:
        """Run ``n`` more steps, then (stay) paused."""
        with self._cond:
            self._paused = True
            self._granted += n
            self._cond.notify_all()

    def set_pace(self, steps_per_second: float | None) -> None:
        """Hold the run to ``steps_per_second`` (None or <= 0: as fast as possible)."""
        with self._cond:
            self.pace = steps_per_second if steps_per_second and steps_per_second > 0 else None
            self._cond.notify_all()  # a waiting step re-reads the new pace at once

    @property
    def cancelled(self) -> bool:
        return self._cancel

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def waiting(self) -> bool:
        """True while the loop is blocked between steps (paused): the model is safe to read."""
        return self._waiting

    # -- used by the loop -------------------------------------------------------
    def _wait_for_pace(self) -> bool:
        """Block until the next step is due at the pace; False when a pause or cancel came.

        It sleeps on the condition with a timeout (never polls), so a slow-paced run
        uses next to no CPU, and pause, cancel or a new pace wake it at once.
        """
        with self._cond:
            while self.pace and not (self._cancel or self._paused):
                wait = self._last_paced + 1.0 / self.pace - self.clock()
                if wait <= 0:
                    break
                self._cond.wait(wait)
            if self._cancel or self._paused:
                return False
            self._last_paced = self.clock()  # no credit for time lost: steps never burst
            return True

    def _turn(self, on_block: Callable[[], None]) -> str:
        """ "run", "single" (one granted step while paused) or "" (cancelled)."""
        with self._cond:
            if self._cancel:
                return ""
            if not self._paused:
                return "run"
            if self._granted:
                self._granted -= 1
                return "single"
        on_block()
        with self._cond:
            self._waiting = True
            try:
                while not self._cancel and self._paused and not self._granted:
                    self._cond.wait()
            finally:
                self._waiting = False
            if self._cancel:
                return ""
            if self._paused:
                self._granted -= 1
                return "single"
            return "run"


class _Cancelled(Exception):
    """Raised by the cancel hooks inside a step; the loop catches it and drops the step."""


class _Clock:
    """Active training time (pauses excluded) and a windowed steps-per-second."""

    def __init__(self, step: int) -> None:
        self.active = 0.0
        self._since = time.perf_counter()
        self._win_t = self._since
        self._win_step = step
        self.rate: float | None = None

    def stop(self) -> None:
        now = time.perf_counter()
        self.active += now - self._since
        self._since = now

    def start(self) -> None:
        self._since = time.perf_counter()
        self._win_t = self._since

    def elapsed(self) -> float:
        return self.active + (time.perf_counter() - self._since)

    def sample(self, step: int) -> float | None:
        now = time.perf_counter()
        dt = now - self._win_t
        if dt >= 0.25 and step > self._win_step:
            rate = (step - self._win_step) / dt
            # smooth, so the label does not jitter
            self.rate = rate if self.rate is None else 0.7 * self.rate + 0.3 * rate
            self._win_t, self._win_step = now, step
        return self.rate


def train(session: TrainSession, state: TrainState) -> RunResult:
    """Train ``session`` until its steps are done, ``state`` cancels, or something goes wrong.

    Never raises for a training failure: the status and message of the result (and
    of the last report) say what happened, and the model stays usable.
    """
    # Denormal floats (tiny values as a loss nears 0, e.g. twolayer with Adam) make x86
    # CPUs ~50x slower; flushing them to zero changes no result that matters here.
    # The flag belongs to the calling thread and is put back afterwards.
    on_cpu = session.device.type == "cpu"
    flushed = on_cpu and torch.set_flush_denormal(True)
    threads = torch.get_num_threads()
    if on_cpu and state.cpu_threads and state.cpu_threads != threads:
        torch.set_num_threads(state.cpu_threads)
    try:
        return _Run(session, state).run()
    finally:
        if flushed:
            torch.set_flush_denormal(False)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


class _Run:
    def __init__(self, session: TrainSession, state: TrainState) -> None:
        self.s = session
        self.state = state
        self.opt = state.options
        dm = state.device_metrics
        self.on_device = session.device.type != "cpu" if dm is None else dm
        self.loss_sum: float | torch.Tensor = self._zero()
        self.loss_n = 0
        self.start_step = session.step
        self.clock = _Clock(session.step)
        self.last_report = 0.0
        self.last_detail = 0.0
        self.last_heavy = 0.0
        self.report_step = self.detail_step = self.heavy_step = session.step
        total = max(1, session.total_steps - session.step)
        by_steps = not self.on_device  # on a GPU every report is a sync: time decides alone
        big = 1 << 62
        self.report_every = max(1, total // self.opt.min_reports) if by_steps else big
        self.detail_every = max(1, total // self.opt.min_details) if by_steps else big
        self.heavy_every = max(1, total // self.opt.min_histograms) if by_steps else big
        self.last: Report | None = None
        self.report_seconds = 0.0  # active time spent in emit(), not in steps
        # a fixed probe of the training data: activation stats and periodic evaluation
        n = min(session.data.n_train, PROBE_SAMPLES)
        self.probe_x = session.data.x_train[:n]
        self.probe_y = session.data.y_train[:n]
        self.is_linreg = session.config.demo == "linreg"
        self.is_twolayer = session.config.demo == "twolayer"
        self.pause_note = ""  # why the loop paused itself (a non-finite loss)
        self.bad_layer: str | None = None  # the layer that diagnosis named
        self._resumed = False
        self._in_step = False  # the cancel hooks act only inside a training step
        self._hooks: list = []
        self._short_steps = 0
        # the parameters, listed once: model.parameters() walks the modules (6 % of a step)
        self._params = list(session.model.parameters())
        # the fused finiteness check's flag and scale (see _grads_finite)
        self._found: torch.Tensor | None = torch.zeros(1, device=session.device)
        self._one = torch.ones(1, device=session.device)

    def _zero(self) -> float | torch.Tensor:
        if self.on_device:
            return torch.zeros((), dtype=torch.float32, device=self.s.device)
        return 0.0

    # -- the loop -------------------------------------------------------------
    def run(self) -> RunResult:
        self._guard_steps(install=True)
        try:
            return self._run()
        finally:
            self._guard_steps(install=False)

    def _guard_steps(self, install: bool) -> None:
        """Put on (or take off) the cancel hooks: a forward pre-hook on every module and a
        gradient hook on every parameter, so that a cancel lands within one layer even
        when one step takes minutes (a huge batch, a slow device). They raise only inside
        a training step on this thread: evaluations, and a deepcopy made for "Inspect
        this step", are left alone. Short steps do not need them (the loop checks between
        steps) and they cost a few microseconds per layer, so :meth:`_timed` takes them
        off once steps prove short and puts them back if one is long."""
        for h in self._hooks:
            h.remove()
        if self._hooks:
            for p in self.s.model.parameters():
                # an emptied hook dict still makes autograd call into Python for this
                # leaf on every backward (+10 % a step for moons); None drops that too
                if p._backward_hooks is not None and not p._backward_hooks:
                    p._backward_hooks = None
        self._hooks = []
        if not install:
            return
        state, owner = self.state, threading.get_ident()

        def check(*_args: object) -> None:
            if state._cancel and self._in_step and threading.get_ident() == owner:
                raise _Cancelled
            return None

        model = self.s.model
        self._hooks = [m.register_forward_pre_hook(check) for m in model.modules()]
        self._hooks += [p.register_hook(check) for p in model.parameters() if p.requires_grad]

    def _timed(self, seconds: float) -> None:
        """Keep the cancel hooks only while steps are long enough to need them."""
        if seconds >= GUARDED_STEP_S:
            self._short_steps = 0
            if not self._hooks:
                self._guard_steps(install=True)
        else:
            self._short_steps += 1
            if self._hooks and self._short_steps >= 3:
                self._guard_steps(install=False)

    def _run(self) -> RunResult:
        s, state, opt = self.s, self.state, self.opt
        self.emit("running", detail=True)
        status, message = "finished", ""
        while s.step < s.total_steps:
            # fast path: reading two flags needs no lock; the lock is for pausing
            turn = "run" if not (state._paused or state._cancel) else state._turn(self._on_block)
            if not turn:
                status, message = "stopped", _("stopped at step {step}").format(step=f"{s.step:,}")
                break
            if turn == "run" and state.pace and not state._wait_for_pace():
                continue  # paused or cancelled while waiting for the pace: ask again
            bad = self._one_step()
            if bad is None:
                now = time.perf_counter()
                if turn == "single":
                    self.emit("paused", detail=True)
                elif opt.every_epoch and s.step % s.steps_per_epoch == 0:
                    bad = self.emit("running", detail=True)
                elif self._due(
                    now, self.last_report, opt.report_interval, self.report_step, self.report_every
                ):
                    detail = self._due(
                        now,
                        self.last_detail,
                        opt.detail_interval,
                        self.detail_step,
                        self.detail_every,
                    )
                    bad = self.emit("running", detail=detail)
            if bad is not None:
                if bad[0] == "nan" and state.on_nonfinite == "pause" and not state.cancelled:
                    self.pause_note = bad[1]  # the paused report carries the diagnosis
                    state.pause()
                    continue
                status, message = bad
                break
        else:
            message = _("finished {steps} steps").format(steps=f"{s.step:,}")
        self.clock.stop()
        self.emit(status, message, detail=not state._quick, final=True)
        return RunResult(
            status,
            message,
            s.step,
            s.step - self.start_step,
            self.clock.active,
            self.last,
            min(self.report_seconds, self.clock.active),
        )

    def _due(self, now: float, last: float, interval: float, last_step: int, every: int) -> bool:
        """Time for the next report of a kind: by the clock, or (cpu) by progress."""
        if now - last >= interval:
            return True
        return self.s.step - last_step >= every and now - last >= self.opt.min_gap

    def _on_block(self) -> None:
        """The loop is about to wait while paused: stop the clock and show where it stands."""
        self.clock.stop()
        self._resumed = True
        note, self.pause_note = self.pause_note, ""
        last = self.last
        if note or last is None or last.status != "paused" or last.step != self.s.step:
            self.emit("nan" if note else "paused", note, detail=True)

    def _one_step(self) -> tuple[str, str] | None:
        s = self.s
        if self._resumed:
            self.clock.start()
            self._resumed = False
        mark = s.batch_mark()
        started = time.perf_counter()
        self._in_step = True
        try:
            x, y = s.next_batch()
            out = s.model(x)
            loss = s.loss_fn(out, y)
            s.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if self.on_device:
                self.loss_sum += loss.detach()
            else:
                value = loss.item()  # free on the cpu: no device to wait for
                if not math.isfinite(value) or not self._grads_finite():
                    # a nan gradient can come with a finite loss: neither is applied
                    return "nan", self._nonfinite_message(value, s.step + 1)
                self.loss_sum += value
            s.optimizer.step()
        except _Cancelled:  # the step is dropped: this batch comes again on Resume
            s.optimizer.zero_grad(set_to_none=True)
            s.back_to(mark)
            return "stopped", _("stopped at step {step}").format(step=f"{s.step:,}")
        except torch.OutOfMemoryError as exc:
            return "error", self._recover_oom(exc)
        except Exception as exc:  # a failed step must not kill the app's thread
            log.exception("training step failed")
            from gradviz.core.errors import explain

            s.optimizer.zero_grad(set_to_none=True)
            return "error", _("training failed at step {step}: {error}").format(
                step=f"{s.step + 1:,}", error=explain(exc)
            )
        finally:
            self._in_step = False
        self._timed(time.perf_counter() - started)
        s.step += 1
        self.loss_n += 1
        return None

    def _grads_finite(self) -> bool:
        """Every gradient finite? One fused op over all of them: PyTorch's own check for
        GradScaler, which scans each gradient element by element (no sum that could
        overflow) and multiplies it by 1.0 in place (bit-identical). About 4 us a step
        for the demo nets, against 25-30 for a sum per tensor (bench/step_guards_bench.py).
        Should the private op be missing or refuse these gradients, a sum per tensor is
        the fallback."""
        grads = [p.grad for p in self._params if p.grad is not None]
        if not grads:
            return True
        if self._found is not None:
            try:
                torch._amp_foreach_non_finite_check_and_unscale_(grads, self._found, self._one)
            except (AttributeError, RuntimeError, TypeError):
                self._found = None  # e.g. sparse gradients: sums from now on
            else:
                if not self._found.item():
                    return True
                self._found.zero_()  # ready for the step after the user resumes
                return False
        return _finite_by_sums(grads)

    def _recover_oom(self, exc: BaseException) -> str:
        s = self.s
        s.optimizer.zero_grad(set_to_none=True)
        if s.device.type == "cuda":
            torch.cuda.empty_cache()
        first = str(exc).splitlines()[0] if str(exc) else "out of memory"
        return _(
            "out of memory on {device} at step {step}; training stopped and the "
            "model is unchanged. Try a smaller batch size or model. ({error})"
        ).format(device=s.device, step=f"{s.step + 1:,}", error=first)

    def _nonfinite_message(self, loss_value: float, step: int) -> str:
        layer, how = M.diagnose_nonfinite(self.s.layers)
        self.bad_layer = layer
        what = (
            _("the loss became {value}").format(value=loss_value)
            if not math.isfinite(loss_value)
            else _("a gradient became non-finite while the loss was finite")
        )
        return _("{what} at step {step}; {how}. Try a lower learning rate.").format(
            what=what, step=f"{step:,}", how=how
        )

    # -- reporting ----------------------------------------------------------------
    def emit(
        self, status: str, message: str = "", *, detail: bool = False, final: bool = False
    ) -> tuple[str, str] | None:
        """Build a report, hand it to ``on_report``; returns ("nan", msg) if the loss went bad."""
        s = self.s
        now = time.perf_counter()
        self.last_report = now
        self.report_step = s.step
        rate = self.clock.sample(s.step)
        elapsed = self.clock.elapsed() if not final else self.clock.active
        if rate is None and elapsed > 0 and s.step > self.start_step:
            rate = (s.step - self.start_step) / elapsed
        remaining = s.total_steps - s.step
        report = Report(
            step=s.step,
            total_steps=s.total_steps,
            steps_per_epoch=s.steps_per_epoch,
            status=status,
            message=message,
            elapsed=elapsed,
            steps_per_second=rate,
            eta_seconds=remaining / rate if rate else None,
            nonfinite_layer=self.bad_layer if status == "nan" else None,
        )
        # scalars: one host transfer for the loss, the grad norms and linreg's w and b
        tensors: list[torch.Tensor] = []
        if self.on_device:
            tensors.append(self.loss_sum.reshape(1).double())
        has_grads = any(p.grad is not None for p in s.model.parameters())
        norms = M.layer_grad_norms(s.layers) if self.opt.grad_norms and has_grads else []
        tensors += [n.reshape(1).to(s.device) for n in norms]
        probe = getattr(s, "update_probe", None)  # the doctor's update-to-weight ratios
        ratios = probe.take() if probe is not None else None
        if ratios is not None:
            tensors.append(ratios.to(s.device))
        if self.is_linreg:
            tensors += s.linreg_params()
        values = M.to_host(tensors).tolist()
        pos = 0
        if self.on_device:
            loss_sum, pos = values[0], 1
        else:
            loss_sum = self.loss_sum
        if self.loss_n:
            report.train_loss = loss_sum / self.loss_n
        self.loss_sum, self.loss_n = self._zero(), 0
        if norms:
            report.grad_norms = {name: values[pos + i] for i, (name, _m) in enumerate(s.layers)}
            pos += len(norms)
        if ratios is not None:
            report.update_ratios = dict(
                zip(probe.names, values[pos : pos + len(ratios)], strict=True)
            )
            pos += len(ratios)
        if self.is_linreg:
            w = values[pos : pos + s.model[0].weight.numel()]
            report.params = {f"w{i + 1}": v for i, v in enumerate(w)}
            report.params["b"] = values[pos + len(w)]
        bad = None
        if status != "running":
            pass
        elif report.train_loss is not None and not math.isfinite(report.train_loss):
            bad = ("nan", self._nonfinite_message(report.train_loss, s.step))
        elif report.grad_norms and not all(map(math.isfinite, report.grad_norms.values())):
            bad = ("nan", self._nonfinite_message(report.train_loss or 0.0, s.step))
        if detail:
            try:
                heavy = status != "running" or self._due(
                    now,
                    self.last_heavy,
                    self.opt.histogram_interval,
                    self.heavy_step,
                    self.heavy_every,
                )
                self._add_detail(report, heavy)
            except Exception:  # a plot input failing must not stop training
                log.exception("computing detail metrics failed")
                report.has_detail = False
        self.last = report
        self.state.on_report(report)
        if status in ("running", "nan"):  # time the clock counts (not while paused)
            self.report_seconds += time.perf_counter() - now
        return bad  # the caller pauses (or stops) and reports the diagnosis

    def _add_detail(self, report: Report, heavy: bool = True) -> None:
        """Evaluation and boundary; with ``heavy`` also histograms and activation statistics."""
        s, opt = self.s, self.opt
        self.last_detail = time.perf_counter()
        self.detail_step = s.step
        if heavy:
            self.last_heavy = self.last_detail
            self.heavy_step = s.step
        report.has_detail = True
        model = s.model
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                if heavy and opt.activations and s.act_layers:
                    stats, out = M.activation_stats(model, self.probe_x, s.act_layers, opt.bins)
                    report.act_stats = stats
                else:
                    stats, out = {}, model(self.probe_x)
                scalars = []
                if opt.evaluate:
                    scalars += M.loss_and_accuracy(out, self.probe_y, s.loss_fn, s.task)
                    if s.data.n_test:
                        n = min(s.data.n_test, PROBE_SAMPLES)
                        test_out = model(s.data.x_test[:n])
                        scalars += M.loss_and_accuracy(
                            test_out, s.data.y_test[:n], s.loss_fn, s.task
                        )
                values = M.to_host(scalars).tolist()
                if values:
                    per = 1 if s.task == "regression" else 2
                    report.full_train_loss = values[0]
                    if per == 2:
                        report.train_accuracy = values[1]
                    if len(values) > per:
                        report.test_loss = values[per]
                        if per == 2:
                            report.test_accuracy = values[per + 1]
                if heavy and opt.histograms:
                    report.weight_hists = M.histograms(
                        {n: m.weight for n, m in s.layers if hasattr(m, "weight")}, opt.bins
                    )
                    grads = {
                        n: m.weight.grad
                        for n, m in s.layers
                        if getattr(m, "weight", None) is not None and m.weight.grad is not None
                    }
                    report.grad_hists = M.histograms(grads, opt.bins)
                if heavy and opt.boundary and s.window is not None:
                    report.boundary = M.decision_grid(model, s.window, opt.grid, s.task, s.device)
                    report.boundary_window = s.window
                if self.is_twolayer:
                    report.prediction = out.detach().cpu().numpy().astype("float32")
        finally:
            model.train(was_training)


def _finite_by_sums(grads: list[torch.Tensor]) -> bool:
    """One sum per tensor: a nan or inf anywhere makes its sum non-finite. Only a sum that
    overflowed from finite values is looked at element by element."""
    if bool(torch.isfinite(torch.stack([g.sum() for g in grads])).all()):
        return True
    return all(bool(torch.isfinite(g).all()) for g in grads)


def snapshot(
    session: TrainSession, options: MetricOptions | None = None, status: str = "stopped"
) -> Report:
    """A full report of the session as it stands, without training (e.g. a loaded model)."""
    reports: list[Report] = []
    state = TrainState(on_report=reports.append, options=options or MetricOptions())
    _Run(session, state).emit(status, detail=True)
    return reports[-1]


def evaluate(session: TrainSession) -> dict[str, float | None]:
    """Loss and accuracy on the whole train and test sets (for final results)."""
    s = session
    s.model.eval()
    try:
        with torch.no_grad():
            parts = M.loss_and_accuracy(s.model(s.data.x_train), s.data.y_train, s.loss_fn, s.task)
            if s.data.n_test:
                parts += M.loss_and_accuracy(
                    s.model(s.data.x_test), s.data.y_test, s.loss_fn, s.task
                )
    finally:
        s.model.train()
    values = M.to_host(parts).tolist()
    per = 1 if s.task == "regression" else 2
    out: dict[str, float | None] = {
        "train_loss": values[0],
        "train_accuracy": values[1] if per == 2 else None,
        "test_loss": None,
        "test_accuracy": None,
    }
    if len(values) > per:
        out["test_loss"] = values[per]
        out["test_accuracy"] = values[per + 1] if per == 2 else None
    return out
