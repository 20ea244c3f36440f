"""Training benchmark: what the app's training path costs, all in one process.

Prints, as medians of several alternating runs:

1. Throughput ratio: the in-app path (core loop on a QThread, every plot's metrics on,
   reports consumed through Qt signals into a RunHistory, offscreen) against a bare
   PyTorch loop of the same model, data, batches and device. Target >= 0.95.
   Also the same with the whole TrainingPanel redrawing its live plots.
2. GUI event-loop lateness of a 10 ms QTimer while the panel trains at full speed.
   Target: p99 <= 16 ms, max <= 50 ms.
3. RSS growth over 100 000 steps with the panel's live plots. Target <= 20 MB.
4. ``gradviz train`` (headless, in this process) against the same bare loop:
   its reported steps/s (training steps alone) and its whole training call
   (steps plus the metrics it computes). Target >= 0.95.
5. What a separate training process would give (issue 14 asks for it before one is
   proposed): the same loop in a child process (bench/train_child.py, no Qt), its
   reports framed with the live-attach wire into the real TrainingPanel, which draws
   them at its normal rate; the child's training steps/s against the bare loop in this
   process, next to the thread path in the same rounds. Also each side's CPU per step
   and the child's start-up (spawn, imports, building a session). Linux and macOS.

The ratios end the output, one per line, as ``name value`` for scripts:
``spiral_no_plots_ratio``, ``spiral_live_plots_ratio``, ``twolayer_no_plots_ratio``,
``twolayer_live_plots_ratio`` (targets 0.97, 0.90, 0.97, 0.90), then
``cli_spiral_ratio`` and ``cli_spiral_wall_ratio``, then the process section's
``spiral_process_live_plots_ratio`` and ``twolayer_process_live_plots_ratio``.

    python bench/train_bench.py                 # everything (a few minutes)
    python bench/train_bench.py --quick         # fewer steps, a quick look
    python bench/train_bench.py --device cuda   # on a GPU, where there is one
    python bench/train_bench.py --only process  # the separate-process measurement alone
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: E402
from PySide6.QtCore import (  # noqa: E402
    QElapsedTimer,
    QEventLoop,
    QObject,
    QSocketNotifier,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QApplication  # noqa: E402
from train_child import report_from_wire  # noqa: E402  (bench/, next to this file)

from gradviz.core.training.config import default_config  # noqa: E402
from gradviz.core.training.history import RunHistory  # noqa: E402
from gradviz.core.training.loop import MetricOptions, RunResult, TrainState  # noqa: E402
from gradviz.core.training.session import TrainSession  # noqa: E402
from gradviz.core.training.watch import protocol as P  # noqa: E402
from gradviz.qt.training_worker import TrainingRun, TrainingThread  # noqa: E402


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bare_loop(config, steps: int) -> float:
    """Steps per second of the plainest loop over the same session (model, data, batches)."""
    s = TrainSession(config)
    model, loss_fn, opt = s.model, s.loss_fn, s.optimizer
    flushed = s.device.type == "cpu" and torch.set_flush_denormal(True)  # as the app does
    try:
        _sync(s.device)
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(steps):
            x, y = s.next_batch()
            loss = loss_fn(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        _sync(s.device)
        CPU_RATE[0] = steps / (time.process_time() - c0)
        return steps / (time.perf_counter() - t0)
    finally:
        if flushed:
            torch.set_flush_denormal(False)


def wait_until(app: QApplication, done, timeout: float = 600.0, signal=None) -> None:
    """Run the event loop until ``done()``; wake on ``signal`` rather than polling often
    (a polling GUI thread would itself take the GIL from the training thread)."""
    end = time.monotonic() + timeout
    loop = QEventLoop()
    if signal is not None:
        signal.connect(loop.quit)
    try:
        while not done() and time.monotonic() < end:
            QTimer.singleShot(100 if signal is not None else 20, loop.quit)
            loop.exec()
    finally:
        if signal is not None:
            signal.disconnect(loop.quit)


_THREAD: TrainingThread | None = None
# steps per cpu-second of the whole process (every thread) in the last timed run: on a
# busy machine wall time counts the neighbours; cpu time counts what this process spends
CPU_RATE = [0.0]


def app_path(app: QApplication, config, steps: int) -> float:
    """Steps per second of the app's path: QThread, all metrics, reports over Qt signals."""
    s = TrainSession(config.replace(steps=steps, epochs=None))
    history = RunHistory()
    run = TrainingRun(s, TrainState(options=MetricOptions(), cpu_threads=1))
    run.reported.connect(history.add)
    results = []
    run.finished.connect(results.append)
    global _THREAD
    _THREAD = _THREAD or TrainingThread()  # one worker thread for all runs, as the panel has
    c0, t0 = time.process_time(), time.perf_counter()
    run.start(_THREAD)
    wait_until(app, lambda: bool(results), signal=run.finished)
    elapsed = time.perf_counter() - t0
    CPU_RATE[0] = steps / (time.process_time() - c0)
    run.stop()
    assert results[0].status == "finished", results[0].message
    assert history.last is not None and history.last_detail is not None
    return steps / elapsed


def panel_path(app: QApplication, panel, demo: str, device: str, steps: int) -> float:
    """Steps per second with the whole panel shown and its plots redrawing."""
    _configure(panel, demo, device, steps)
    c0, t0 = time.process_time(), time.perf_counter()
    finished = []
    panel.runFinished.connect(finished.append)
    panel.start()
    wait_until(app, lambda: bool(finished), signal=panel.runFinished)
    panel.runFinished.disconnect(finished.append)
    elapsed = time.perf_counter() - t0
    CPU_RATE[0] = steps / (time.process_time() - c0)
    return steps / elapsed


def _configure(panel, demo: str, device: str, steps: int) -> None:
    form = panel.form
    form.demo.setCurrentIndex(form.demo.findData(demo))
    i = form.device.findData(device)
    if i >= 0:
        form.device.setCurrentIndex(i)
    form.unit.setCurrentText("steps")
    form.length.setValue(steps)
    panel.speed.set_pace(None)  # as fast as possible: the 2-D demos default to a watchable pace


def throughput(app, panel, demo: str, device: str, steps: int, repeats: int) -> None:
    """Alternate bare / app / app-with-plots runs; a ratio is taken within each round,
    so a noisy machine slows both sides of it alike. Medians over the rounds."""
    config = default_config(demo, device=device)
    bare_loop(config, min(steps, 200))  # warm up allocator, kernels, caches
    app_path(app, config, min(steps, 200))
    bare, inapp, withplots = [], [], []
    cpu: list[tuple[float, float, float]] = []
    for _ in range(repeats):
        bare.append(bare_loop(config, steps))
        c_bare = CPU_RATE[0]
        inapp.append(app_path(app, config, steps))
        c_app = CPU_RATE[0]
        withplots.append(panel_path(app, panel, demo, device, steps))
        cpu.append((c_bare, c_app, CPU_RATE[0]))
    med = statistics.median
    r_app = [a / b for a, b in zip(inapp, bare, strict=True)]
    r_plots = [p / b for p, b in zip(withplots, bare, strict=True)]
    print(
        f"  {demo:9s} bare {med(bare):7.0f} steps/s | app {med(inapp):7.0f} steps/s, "
        f"ratio {med(r_app):.3f} | app + live plots {med(withplots):7.0f} steps/s, "
        f"ratio {med(r_plots):.3f} | load {os.getloadavg()[0]:.2f}"
    )
    print(f"            app ratios per round: {', '.join(f'{r:.3f}' for r in r_app)}")
    print(f"            live-plot ratios per round: {', '.join(f'{r:.3f}' for r in r_plots)}")
    print(
        "            steps per cpu-second (all threads), ratio to bare: app "
        f"{med(a / b for b, a, _ in cpu):.3f}, app + live plots {med(p / b for b, _, p in cpu):.3f}"
    )
    return med(r_app), med(r_plots)


CLI_ARGS = "--demo spiral --hidden 16,16 --activation tanh --optimizer adam --lr 0.01 "
CLI_ARGS += "--batch-size 64 --steps 4000"


def cli_run(device: str, out: str) -> dict:
    """``gradviz train`` in this process (no start-up cost); its JSON summary."""
    from gradviz.cli import main as cli_main

    argv = ["train", *CLI_ARGS.split(), "--device", device, "--json", out, "-q"]
    with contextlib.redirect_stdout(io.StringIO()):  # its summary line
        assert cli_main(argv) == 0
    with open(out) as f:
        return json.load(f)


def cli_throughput(device: str, repeats: int) -> tuple[float, float]:
    """The headless trainer against the bare loop on the same workload, alternating."""
    config = default_config(
        "spiral",
        device=device,
        hidden=(16, 16),
        activation="tanh",
        optimizer="adam",
        lr=0.01,
        batch_size=64,
        steps=4000,
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run.json")
        bare_loop(config, 200)
        cli_run(device, out)
        bare, reported, whole, evals = [], [], [], []
        for _ in range(repeats):
            bare.append(bare_loop(config, 4000))
            j = cli_run(device, out)
            reported.append(j["steps_per_second"])
            if "train_seconds" in j:
                whole.append(j["steps"] / (j["train_seconds"] + j["metrics_seconds"]))
                evals.append(j["metrics_seconds"] + j["eval_seconds"])
            else:  # an older gradviz: its steps/s counted the metrics too
                whole.append(j["steps_per_second"])
                evals.append(float("nan"))
    med = statistics.median
    r_rep = med([a / b for a, b in zip(reported, bare, strict=True)])
    r_whole = med([a / b for a, b in zip(whole, bare, strict=True)])
    print(
        f"  gradviz train {CLI_ARGS}\n"
        f"    bare {med(bare):7.0f} steps/s | reported {med(reported):7.0f} steps/s, "
        f"ratio {r_rep:.3f} | steps + metrics {med(whole):7.0f} steps/s, ratio {r_whole:.3f} "
        f"| metrics and evaluation {1e3 * med(evals):.1f} ms a run | load {os.getloadavg()[0]:.2f}"
    )
    return r_rep, r_whole


def lateness(app, panel, device: str, seconds: float) -> None:
    """How late a 10 ms timer fires on the GUI thread while training runs flat out."""
    _configure(panel, "spiral", device, 10_000_000)
    panel.start()
    wait_until(app, lambda: panel.history.last is not None)
    late: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)

    def tick() -> None:
        ms = clock.nsecsElapsed() / 1e6
        clock.restart()
        late.append(max(0.0, ms - 10.0))

    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    end = time.monotonic() + seconds
    wait_until(app, lambda: time.monotonic() > end)
    timer.stop()
    steps = panel.history.last.step
    panel.stop()
    wait_until(app, lambda: not panel.is_running())
    late = sorted(late[5:])
    p50 = late[len(late) // 2]
    p99 = late[int(len(late) * 0.99) - 1]
    print(
        f"  10 ms timer over {seconds:.0f} s ({len(late)} ticks, {steps / seconds:.0f} steps/s): "
        f"lateness p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {late[-1]:.2f} ms "
        f"(target p99 <= 16, max <= 50)"
    )


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory(app, panel, device: str, steps: int) -> None:
    _configure(panel, "spiral", device, steps)
    panel.start()
    wait_until(app, lambda: panel.history.last is not None and panel.history.last.step >= 2000)
    start = rss_bytes()
    start_step = panel.history.last.step
    wait_until(app, lambda: not panel.is_running(), timeout=3600)
    app.processEvents()
    end = rss_bytes()
    print(
        f"  RSS over {steps - start_step:,} steps with live plots: {start / 2**20:.1f} -> "
        f"{end / 2**20:.1f} MiB, growth {(end - start) / 2**20:+.1f} MiB (target <= 20); "
        f"history holds {panel.history.nbytes / 1024:.0f} KiB"
    )


# -- 5. a separate training process ---------------------------------------------------------

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train_child.py")


class TrainingChild(QObject):
    """bench/train_child.py, started once and reused run after run (as the panel keeps one
    TrainingThread). Its frames are read on the GUI thread when a QSocketNotifier says the
    pipe has bytes: nothing polls, and no reader thread takes this process's GIL."""

    message = Signal(object)  # a decoded frame (dict)

    def __init__(self) -> None:
        super().__init__()
        self.t_spawn = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )
        self.fd = self.proc.stdout.fileno()
        if sys.platform == "linux":
            import fcntl

            # 1 MiB of pipe (Linux's default cap): the child's write never waits for a
            # GUI thread that is busy painting, as the thread's queued signal never waits
            fcntl.fcntl(self.fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        os.set_blocking(self.fd, False)
        self.reader = P.FrameReader()
        self.ready: dict | None = None
        self.startup_s = float("nan")  # spawn to "ready" (interpreter, torch, gradviz)
        self.notifier = QSocketNotifier(self.fd, QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._read)

    def _read(self) -> None:
        try:
            data = os.read(self.fd, 1 << 20)
        except BlockingIOError:
            return
        if not data:  # the child is gone
            self.notifier.setEnabled(False)
            return
        for body in self.reader.feed(data):
            msg = P.decode(body)
            if msg["type"] == "ready":
                self.ready, self.startup_s = msg, time.perf_counter() - self.t_spawn
            self.message.emit(msg)

    def send(self, message: dict) -> None:
        self.proc.stdin.write(P.encode(message))

    def close(self) -> None:
        self.notifier.setEnabled(False)
        with contextlib.suppress(OSError):
            self.send({"type": "quit"})
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _RemoteState:
    """What the panel reads and calls on ``run.state``: here each call crosses the pipe."""

    def __init__(self, child: TrainingChild) -> None:
        self.child = child
        self.paused = False
        self.waiting = False  # the model is in the child: never "quiet" here to read

    def _say(self, kind: str) -> None:
        self.child.send({"type": kind})

    def pause(self) -> None:
        self.paused = True
        self._say("pause")

    def resume(self) -> None:
        self.paused = False
        self._say("resume")

    def step(self, n: int = 1) -> None:
        self.paused = True
        for _ in range(n):
            self._say("step")

    def cancel(self, quick: bool = False) -> None:
        self._say("cancel")

    def set_pace(self, pace: float | None) -> None:  # the bench trains as fast as possible
        pass


class ProcessRun(QObject):
    """A TrainingRun's face (``reported``, ``finished``, ``state``, ``is_running``) for a run
    in the child, so the panel's own report and finish handlers take it unchanged."""

    reported = Signal(object)  # a Report
    finished = Signal(object)  # a RunResult

    def __init__(self, child: TrainingChild, job: dict) -> None:
        super().__init__()
        self.child, self.job = child, job
        self.state = _RemoteState(child)
        self.received = 0
        self.built: tuple[dict, float, float] | None = None  # message, wall, this cpu
        self.done: tuple[dict, float, float] | None = None
        self._running = False
        child.message.connect(self._on_message)

    def start(self) -> None:
        self._running = True
        self.child.send({"type": "run", **self.job})

    def is_running(self) -> bool:
        return self._running

    def stop(self, timeout_s: float = 10.0, quick: bool = False) -> bool:
        self.state.cancel(quick)
        return True

    def _on_message(self, msg: dict) -> None:
        kind = msg["type"]
        if kind == "built":
            self.built = (msg, time.perf_counter(), time.process_time())
        elif kind == "report":
            self.received += 1
            self.reported.emit(report_from_wire(msg["report"]))
        elif kind == "done":
            self.done = (msg, time.perf_counter(), time.process_time())
            self._running = False
            self.child.message.disconnect(self._on_message)
            self.finished.emit(
                RunResult(
                    msg["status"],
                    msg["message"],
                    msg["step"],
                    msg["steps_run"],
                    msg["elapsed"],
                    report_seconds=msg["report_seconds"],
                )
            )


class _RefreshCounter:
    """Counts the panel's plot refreshes (its tabs' refresh calls), to show they happen."""

    def __init__(self, panel) -> None:
        self.panel, self.calls = panel, 0
        self._inner = panel.tabs.refresh
        panel.tabs.refresh = self  # _redraw looks the method up on every tick

    def __call__(self, *args, **kwargs) -> None:
        self.calls += 1
        self._inner(*args, **kwargs)

    def close(self) -> None:
        del self.panel.tabs.refresh


def _start_process_run(panel, child: TrainingChild, demo: str, device: str, steps: int):
    """Start a run in the child, shown by the panel as its own run (the plots of ``demo``,
    its data, the Diagnosis tab, the progress line, the buttons). The panel's ``_adopt``
    and ``_launch`` are followed step by step, with a ProcessRun where a TrainingRun
    starts on the worker thread (a bench reaching into the panel: no src change)."""
    _configure(panel, demo, device, steps)
    config = panel.form.config()  # what Start would train; the child builds the same
    assert config == default_config(demo, device=device).replace(steps=steps, epochs=None)
    session = TrainSession(config)  # here for the data the plots draw; the child trains
    panel.form.mark_error("")
    panel.session = session
    panel._new_history()
    panel._setup_plots(demo, session.data_cpu)
    panel.tabs.set_span(session.total_steps)
    run = ProcessRun(child, {"demo": demo, "device": device, "steps": steps})
    run.reported.connect(panel._on_report)
    run.finished.connect(panel._on_finished)
    panel.run = run
    run.start()
    panel._register_own_run(session)
    panel.timer.start()
    panel._sync_buttons()
    return run


def process_panel_path(app, panel, child: TrainingChild, demo: str, device: str, steps: int):
    """One run in the child with the panel drawing it at its normal rate.
    Returns (the child's steps/s over its train() call, the run's figures)."""
    counter = _RefreshCounter(panel)
    try:
        run = _start_process_run(panel, child, demo, device, steps)
        wait_until(app, lambda: run.done is not None, signal=run.finished)
    finally:
        counter.close()
    (built, t_built, c_built), (done, t_done, c_done) = run.built, run.done
    assert done["status"] == "finished" and done["steps_run"] == steps, done
    assert run.received == done["reports"] == panel.history.version, (run.received, done)
    assert panel.history.last.train_loss == done["last_loss"]
    return steps / done["wall_s"], {
        "build_s": built["build_s"],
        "child_cpu_step": done["cpu_s"] / steps,
        "gui_cpu_step": (c_done - c_built) / steps,
        "reports": done["reports"],
        "reports_per_s": done["reports"] / done["wall_s"],
        "send_share": done["send_s"] / done["wall_s"],
        "refresh_per_s": counter.calls / (t_done - t_built),
        "loss_points": len(panel.history.series["train_loss"]),
    }


def process_controls(app, panel, child: TrainingChild, demo: str, device: str) -> str:
    """The panel's own Pause, Step and Stop on a run in the child (each crosses the pipe
    to the child's TrainState); how long each took to show in the panel."""
    run = _start_process_run(panel, child, demo, device, 10_000_000)

    def h():  # the panel's history (a new one each run)
        return panel.history

    wait_until(app, lambda: h().last is not None and h().last.step >= 200, timeout=60)
    t0 = time.perf_counter()
    panel.pause()
    wait_until(app, lambda: h().last.status == "paused", timeout=10)
    t_pause, at = time.perf_counter() - t0, h().last.step
    t0 = time.perf_counter()
    panel.step()
    wait_until(app, lambda: h().last.step == at + 1, timeout=10)
    t_step = time.perf_counter() - t0
    t0 = time.perf_counter()
    panel.stop()
    wait_until(app, lambda: run.done is not None, timeout=10, signal=run.finished)
    t_stop = time.perf_counter() - t0
    done = run.done[0] if run.done else {"status": "still running", "step": -1}
    ok = h().last.status == "stopped" and done["status"] == "stopped" and not panel.is_running()
    return (
        f"Pause showed 'paused' at step {at:,} after {1e3 * t_pause:.0f} ms, Step showed step "
        f"{at + 1:,} after {1e3 * t_step:.0f} ms, Stop ended it ({done['status']} at step "
        f"{done['step']:,}) after {1e3 * t_stop:.0f} ms{'' if ok else ' -- NOT AS EXPECTED'}"
    )


def process_history_path(app, child: TrainingChild, demo: str, device: str, steps: int):
    """A run in the child whose reports only go into a RunHistory (no panel, no plots):
    what the loop's own metrics cost in a process, the ceiling of the path with plots."""
    history = RunHistory()
    run = ProcessRun(child, {"demo": demo, "device": device, "steps": steps})
    run.reported.connect(history.add)
    run.start()
    wait_until(app, lambda: run.done is not None, signal=run.finished)
    done = run.done[0]
    assert done["status"] == "finished" and run.received == done["reports"] == history.version
    return steps / done["wall_s"], {"child_cpu_step": done["cpu_s"] / steps}


def thread_panel_path(app, panel, demo: str, device: str, steps: int):
    """panel_path, counting the reports the panel took and its plot refreshes."""
    counter = _RefreshCounter(panel)
    try:
        t0 = time.perf_counter()
        rate = panel_path(app, panel, demo, device, steps)
        wall = time.perf_counter() - t0
    finally:
        counter.close()
    return rate, {
        "cpu_step": 1 / CPU_RATE[0],
        "reports": panel.history.version,
        "reports_per_s": panel.history.version / wall,
        "refresh_per_s": counter.calls / wall,
        "loss_points": len(panel.history.series["train_loss"]),
    }


def _rss_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # no /proc (macOS)
        return float("nan")


def process_throughput(
    app, panel, demo: str, device: str, steps: int, repeats: int, shot: str | None = None
) -> float:
    """Alternate bare loop / panel with the thread / panel with the child; medians."""
    config = default_config(demo, device=device)
    child = TrainingChild()
    wait_until(app, lambda: child.ready is not None, timeout=120, signal=child.message)
    assert child.ready is not None, "the training child did not start"
    try:
        bare_loop(config, min(steps, 200))  # warm-ups, as throughput() does
        process_panel_path(app, panel, child, demo, device, min(steps, 200))
        bare, thread, proc, alone, cpu_bare, tinfo, pinfo, ainfo = ([] for _ in range(8))
        inapp = []
        for _ in range(repeats):
            bare.append(bare_loop(config, steps))
            cpu_bare.append(1 / CPU_RATE[0])
            inapp.append(app_path(app, config, steps))
            rate, info = thread_panel_path(app, panel, demo, device, steps)
            thread.append(rate)
            tinfo.append(info)
            rate, info = process_panel_path(app, panel, child, demo, device, steps)
            proc.append(rate)
            pinfo.append(info)
            rate, info = process_history_path(app, child, demo, device, steps)
            alone.append(rate)
            ainfo.append(info)
        child_rss = _rss_of(child.proc.pid)
        if shot:  # the panel as the last timed run left it
            panel.grab().save(shot)
        controls = process_controls(app, panel, child, demo, device)
    finally:
        child.close()
    med = statistics.median
    r_thread = [t / b for t, b in zip(thread, bare, strict=True)]
    r_proc = [p / b for p, b in zip(proc, bare, strict=True)]
    r_alone = [a / b for a, b in zip(alone, bare, strict=True)]
    r_inapp = [a / b for a, b in zip(inapp, bare, strict=True)]

    def m(rows, key, scale=1.0):
        return med(row[key] for row in rows) * scale

    print(
        f"  {demo:9s} bare {med(bare):7.0f} steps/s | thread + live plots {med(thread):7.0f} "
        f"steps/s, ratio {med(r_thread):.3f} | child process + live plots {med(proc):7.0f} "
        f"steps/s, ratio {med(r_proc):.3f} | load {os.getloadavg()[0]:.2f}"
    )
    print(f"            thread ratios per round: {', '.join(f'{r:.3f}' for r in r_thread)}")
    print(f"            process ratios per round: {', '.join(f'{r:.3f}' for r in r_proc)}")
    print(
        f"            child process, reports into a history, no panel: {med(alone):.0f} steps/s, "
        f"ratio {med(r_alone):.3f} (the loop's own metrics: the ceiling with plots) | "
        f"thread, no panel {med(r_inapp):.3f}"
    )
    # a busy machine takes the child's core: its share of one core while it trained
    share = [p * i["child_cpu_step"] for p, i in zip(proc, pinfo, strict=True)]
    bshare = [b * c for b, c in zip(bare, cpu_bare, strict=True)]
    print(
        f"            cpu per step: bare {1e6 * med(cpu_bare):.0f} us | thread path "
        f"{m(tinfo, 'cpu_step', 1e6):.0f} us (both threads) | process path: child "
        f"{m(pinfo, 'child_cpu_step', 1e6):.0f} us + GUI {m(pinfo, 'gui_cpu_step', 1e6):.0f} us"
    )
    cpu_ratio = [b / (i["child_cpu_step"]) for b, i in zip(cpu_bare, pinfo, strict=True)]
    print(
        f"            steps per cpu-second, ratio to bare: thread path (both threads) "
        f"{med(b / i['cpu_step'] for b, i in zip(cpu_bare, tinfo, strict=True)):.3f}, "
        f"child with the panel {med(cpu_ratio):.3f}, child with no panel "
        f"{med(b / i['child_cpu_step'] for b, i in zip(cpu_bare, ainfo, strict=True)):.3f} | "
        f"share of a core: bare loop {100 * med(bshare):.0f} %, child {100 * med(share):.0f} %"
    )
    print(
        f"            reports a run into the panel: thread {m(tinfo, 'reports'):.0f} "
        f"({m(tinfo, 'reports_per_s'):.1f}/s), child {m(pinfo, 'reports'):.0f} "
        f"({m(pinfo, 'reports_per_s'):.1f}/s; all it sent) | loss curve points thread "
        f"{m(tinfo, 'loss_points'):.0f}, process {m(pinfo, 'loss_points'):.0f} | tab refreshes/s "
        f"thread {m(tinfo, 'refresh_per_s'):.1f}, process {m(pinfo, 'refresh_per_s'):.1f} | "
        f"child's time spent encoding and writing reports {m(pinfo, 'send_share', 100):.1f} %"
    )
    print(
        f"            child start-up: spawn to ready {child.startup_s:.2f} s (imports "
        f"{child.ready['import_s']:.2f} s of it) | building the session "
        f"{m(pinfo, 'build_s', 1e3):.1f} ms a run | child RSS {child_rss / 2**20:.0f} MiB "
        f"(this process {rss_bytes() / 2**20:.0f} MiB)"
    )
    print(f"            controls over the pipe: {controls}")
    return med(r_proc)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--device", default="cpu")
    p.add_argument("--quick", action="store_true", help="fewer steps and runs")
    p.add_argument("--steps", type=int, help="steps per throughput run")
    p.add_argument("--repeats", type=int, help="alternating runs per side")
    p.add_argument("--memory-steps", type=int, default=100_000)
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="intra-op threads of the bare loop (default 1: what the app uses on cpu)",
    )
    p.add_argument("--only", choices=("throughput", "cli", "lateness", "memory", "process"))
    p.add_argument("--shot", help="process section: save the panel as PATH-<demo>.png")
    p.add_argument("--demos", default="spiral,twolayer", help="throughput demos, comma separated")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    steps = args.steps or (1000 if args.quick else 3000)
    repeats = args.repeats or (3 if args.quick else 9)
    mem_steps = 10_000 if args.quick and args.memory_steps == 100_000 else args.memory_steps

    app = QApplication.instance() or QApplication(sys.argv)
    from gradviz.qt.training_panel import TrainingPanel

    panel = TrainingPanel()
    panel.resize(1500, 900)
    panel.show()
    print(
        f"gradviz training bench: torch {torch.__version__}, device {args.device}, "
        f"{torch.get_num_threads()} intra-op threads, {os.cpu_count()} CPUs"
    )
    ratios: dict[str, float] = {}
    if args.only in (None, "throughput"):
        print(f"throughput ({steps} steps per run, median of {repeats}; target ratio >= 0.95)")
        for demo in args.demos.split(","):
            ratios[f"{demo}_no_plots_ratio"], ratios[f"{demo}_live_plots_ratio"] = throughput(
                app, panel, demo, args.device, steps, repeats
            )
    if args.only in (None, "cli"):
        print(f"headless trainer (median of {repeats}; target ratio >= 0.95)")
        ratios["cli_spiral_ratio"], ratios["cli_spiral_wall_ratio"] = cli_throughput(
            args.device, repeats
        )
    if args.only in (None, "lateness"):
        print("GUI event loop")
        lateness(app, panel, args.device, 5.0 if args.quick else 15.0)
    if args.only in (None, "memory"):
        print("memory")
        memory(app, panel, args.device, mem_steps)
    if args.only in (None, "process") and sys.platform == "win32":
        print("a separate training process: not measured on Windows (a pipe is no socket there)")
    elif args.only in (None, "process"):
        print(
            f"a separate training process ({steps} steps per run, median of {repeats}; "
            "target ratio >= 0.90 with live plots)"
        )
        for demo in args.demos.split(","):
            root, ext = os.path.splitext(args.shot or "")
            ratios[f"{demo}_process_live_plots_ratio"] = process_throughput(
                app,
                panel,
                demo,
                args.device,
                steps,
                repeats,
                args.shot and f"{root}-{demo}{ext or '.png'}",
            )
    panel.shutdown()
    if _THREAD is not None:
        _THREAD.shutdown()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, value in ratios.items():  # machine-readable, one per line
        print(f"{name} {value:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
