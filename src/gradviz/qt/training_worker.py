"""Host the core training loop on a QThread: a thin wrapper, no training logic here.

A :class:`TrainingThread` is one QThread with a worker object moved onto it; it
is started once and runs one :class:`TrainingRun` after another (a thread per
run would pay its start-up on every Start and Step). The loop
(:func:`gradviz.core.training.loop.train`) reports through a callback, which
here emits the run's ``reported`` signal from the worker thread, so reports
arrive queued on the GUI thread as plain floats and NumPy arrays.

Stopping sets the loop's cancel flag, which the loop checks between steps and, through
hooks, before every layer's forward and every parameter's backward; the thread is never
killed. ``TrainingRun.stop()`` returns once the loop has let go of the model. A layer
that runs longer than the wait on close does not abort the app ("QThread: Destroyed while
thread is still running"): the thread is handed to :func:`workers.park`, which keeps it
alive and lets the application wait for it on the way out.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from gradviz.core.training.loop import RunResult, TrainState, train
from gradviz.core.training.session import TrainSession
from gradviz.qt import workers

log = logging.getLogger(__name__)

CLOSE_WAIT_S = 5.0  # how long closing waits for a run to let go before parking its thread


class TrainingRun(QObject):
    """One call of ``train(session, state)``; its signals arrive on the GUI thread."""

    reported = Signal(object)  # a Report
    finished = Signal(object)  # a RunResult, after the worker has let go of the session
    _done = Signal(object)  # emitted by the worker thread

    def __init__(self, session: TrainSession, state: TrainState) -> None:
        super().__init__()
        self.session = session
        self.state = state
        state.on_report = self.reported.emit  # called on the worker thread: queued to the GUI
        self.result: RunResult | None = None
        self.thread: QThread | None = None
        self._started = False
        self._ended = threading.Event()
        self._done.connect(self._on_done)

    def start(self, on: TrainingThread) -> None:
        self._started = True
        self.thread = on.thread
        on.submit(self)

    def is_running(self) -> bool:
        """True from start() until the loop has returned."""
        return self._started and not self._ended.is_set()

    def stop(self, timeout_s: float = 10.0, quick: bool = False) -> bool:
        """Cancel and wait (at most one layer) for the loop to return; True when it did."""
        self.state.cancel(quick=quick)
        return not self._started or self._ended.wait(timeout_s)

    def _execute(self) -> None:  # on the worker thread
        try:
            result = train(self.session, self.state)
        except BaseException as exc:  # the loop reports its own failures; this is a bug
            log.exception("training thread failed")
            said = self.tr("training failed: {0}").format(exc)
            result = RunResult("error", said, self.session.step, 0, 0.0)
        finally:
            self._ended.set()
        self._done.emit(result)

    def _on_done(self, result: RunResult) -> None:
        self.result = result
        self.finished.emit(result)


class _Executor(QObject):
    """Lives on the worker thread; runs what it is handed, one run at a time."""

    @Slot(object)
    def execute(self, run: TrainingRun) -> None:
        run._execute()


class TrainingThread(QObject):
    """A QThread that stays up between runs; ``shutdown()`` ends it (call it on close)."""

    _submit = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        # no Qt parent: Python owns the thread, so closing a window can never delete
        # it while it runs; shutdown() (called on close) ends it first
        self.thread = workers.track(QThread())
        self.thread.setObjectName("gradviz-training")
        self._executor = _Executor()
        self._executor.moveToThread(self.thread)
        self._submit.connect(self._executor.execute)  # queued: runs on the worker thread
        self._current: TrainingRun | None = None

    def submit(self, run: TrainingRun) -> None:
        if self._current is not None and self._current.is_running():
            raise RuntimeError("a training run is already going on")
        if not self.thread.isRunning():
            self.thread.start()
        self._current = run
        self._submit.emit(run)

    def shutdown(self, timeout_s: float | None = None) -> bool:
        """Stop the current run and end the thread; True when it ended in time. If not (one
        layer is slower than ``timeout_s``), the thread is parked: it finishes that layer
        on its own, and the application waits for it before exiting."""
        timeout_s = CLOSE_WAIT_S if timeout_s is None else timeout_s
        ok = True
        if self._current is not None:
            ok = self._current.stop(timeout_s, quick=True)
        self.thread.quit()  # queued: the event loop ends once the run has returned
        ended = self.thread.wait(int(timeout_s * 1000)) if ok else False
        if not ended:
            workers.park(self.thread, self, self._current)
        return ended
