"""The Training panel: pick a demo, a device and hyperparameters, train in the background.

The core loop runs on a QThread (:mod:`gradviz.qt.training_worker`) and reports
plain floats and NumPy arrays about 20 times a second. Reports go into a
bounded :class:`~gradviz.core.training.history.RunHistory`; a 25 Hz timer
redraws the visible plots from it. The GUI thread never waits for a step.

Start begins a new run from the settings; Pause / Resume and Step (one batch)
steer it; Stop ends it and keeps the model, so it can be saved, inspected or
resumed. Closing the panel (or calling :meth:`shutdown`) stops the thread
within one step.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from gradviz.core import i18n
from gradviz.core.devices import DeviceError
from gradviz.core.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gradviz.core.training.config import (
    CUSTOM,
    UNTIL_PAUSED,
    ConfigError,
    default_config,
    demo_name,
)
from gradviz.core.training.datasets import Dataset, make_dataset
from gradviz.core.training.doctor import Diagnosis, Doctor
from gradviz.core.training.export import TensorBoardLogger, tensorboard_available
from gradviz.core.training.history import RunHistory
from gradviz.core.training.loop import MetricOptions, RunResult, TrainState, snapshot
from gradviz.core.training.report import Report, progress_text
from gradviz.core.training.runs import RunEntry, RunList
from gradviz.core.training.session import TrainSession
from gradviz.core.training.watch.record import RecordError, RunReader
from gradviz.qt import workers
from gradviz.qt.compare_tab import CompareTab
from gradviz.qt.diagnosis_view import DiagnosisView
from gradviz.qt.run_list import RunListView
from gradviz.qt.run_server import RunServer
from gradviz.qt.session_builder import SessionBuilder
from gradviz.qt.training_form import SpeedControl, TrainingForm, default_pace
from gradviz.qt.training_plots import PlotTabs
from gradviz.qt.training_worker import TrainingRun, TrainingThread

# 22 Hz ticks; each plot gets every other one (11 a second, at least 10 as the plots
# promise): painting holds the GIL the training thread needs (bench/train_bench.py)
REDRAW_MS = 45
TEXT_TICKS = 5  # the progress text every 5th tick (4.4 Hz): a wrapped label's relayout costs
FOLLOW_MS = 500  # an opened run folder is re-read this often (only the bytes appended)
CHECKPOINT_FILTER = QT_TRANSLATE_NOOP(
    "TrainingPanel", "gradviz checkpoints (*.pt *.ckpt);;All files (*)"
)
HISTORY_NOTE = QT_TRANSLATE_NOOP(
    "TrainingPanel", "loaded from a checkpoint:\nit keeps the model, not the history"
)


def _t(text: str) -> str:
    """A string marked with QT_TRANSLATE_NOOP above, in the interface language."""
    return QCoreApplication.translate("TrainingPanel", text)


class TrainingPanel(QWidget):
    statusMessage = Signal(str)
    inspectRequested = Signal(object)  # a gradviz.core.graph.Graph of one batch's loss
    # a live script's step: its loss Graph, its backward's DataTrace and a label
    traceReceived = Signal(object, object, str)
    runFinished = Signal(object)  # RunResult
    layerSelected = Signal(str)  # the Diagnosis view picked a layer (for the graph view)

    def __init__(self, parent: QWidget | None = None, live_attach: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("training_panel")
        self.session: TrainSession | None = None
        self.run: TrainingRun | None = None
        self._worker_thread: TrainingThread | None = None  # started on the first run
        self.history = RunHistory()
        self.options = MetricOptions()
        self._tb: TensorBoardLogger | None = None
        self._last_report: Report | None = None
        self._closing = False
        self._history_notes: list = []  # plots that say a checkpoint brought no history

        self.form = TrainingForm()
        self.tabs = PlotTabs()
        self.diagnosis = Diagnosis()
        self._own_doctor = self.diagnosis.doctor
        self.diagnosis_view = DiagnosisView(self.diagnosis)
        self.tabs.addTab(self.diagnosis_view, self.tr("Diagnosis"))
        self.diagnosis.subscribe(self._on_diagnosis)
        # the run list: this panel's runs, scripts attached live, run folders opened
        self.runs = RunList()
        self._own_key: str | None = None  # the entry of this panel's current run
        self.run_list = RunListView(self.runs)
        self.run_list.openRequested.connect(self._open_run_clicked)
        self.compare = CompareTab(self.runs)
        self.tabs.addTab(self.compare, self.tr("Compare"))
        self.runs.subscribe(self._on_runs)
        self.server: RunServer | None = None
        self._builder: SessionBuilder | None = None  # builds a "Your model" session
        self._builder_steps = 0  # what the built session is for: Step (1) or Start (0)
        self._builder_purpose = "start"  # or "load" (a checkpoint of "Your model")
        self._builder_path = Path()
        self._build_controls()

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(6, 6, 6, 6)
        lv.addWidget(self.controls)
        lv.addWidget(self.run_list)
        lv.addWidget(self.form)
        lv.addWidget(self.files)
        lv.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(250)
        scroll.setMaximumWidth(380)
        # the plots scroll rather than force a wide window on small screens
        plots = QScrollArea()
        plots.setWidget(self.tabs)
        plots.setWidgetResizable(True)
        plots.setFrameShape(QScrollArea.Shape.NoFrame)
        plots.setMinimumWidth(150)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(plots)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

        self.form.demoChanged.connect(lambda _d: self._preview())
        self.form.demoChanged.connect(lambda demo: self.speed.set_pace(default_pace(demo)))
        self.form.dataChanged.connect(self._preview)
        self.form.problem.connect(lambda text: self._say(text, error=True))
        self.form.activationChanged.connect(self.tabs.activations.show_activation)
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self._redraw)  # runs only while a run does: idle = no wake-ups
        # opened run folders that a script may still be writing: read what it appends
        self._followed: dict[str, RunReader] = {}
        self._follow_timer = QTimer(self)
        self._follow_timer.setInterval(FOLLOW_MS)
        self._follow_timer.timeout.connect(self._follow)
        self.tabs.currentChanged.connect(lambda _i: self._redraw(force=True))
        self.tabs.activations.show_activation(self.form.activation.currentText())
        self._preview()
        self._sync_buttons()
        if live_attach:
            self.start_live_attach()

    # -- building -----------------------------------------------------------------------
    def _button(
        self, name: str, text: str, icon: QStyle.StandardPixmap, slot, tip: str
    ) -> QPushButton:
        b = QPushButton(self.style().standardIcon(icon), text)
        b.setObjectName(name)  # English, whatever the language: tests and styles use it
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    def _build_controls(self) -> None:
        sp = QStyle.StandardPixmap
        self.start_button = self._button(
            "start",
            self.tr("Start"),
            sp.SP_MediaPlay,
            self.start,
            self.tr("Start a new run with these settings"),
        )
        self.pause_button = self._button(
            "pause",
            self.tr("Pause"),
            sp.SP_MediaPause,
            self._pause_or_resume,
            self.tr("Pause after this step"),
        )
        self.stop_button = self._button(
            "stop",
            self.tr("Stop"),
            sp.SP_MediaStop,
            self.stop,
            self.tr("End the run; the model is kept"),
        )
        self.step_button = self._button(
            "step",
            self.tr("Step"),
            sp.SP_MediaSkipForward,
            self.step,
            self.tr("Train on one batch, then pause"),
        )
        self.progress = QProgressBar(objectName="progress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p %")
        self.progress_label = QLabel(self.tr("not started"), objectName="progress_label")
        self.progress_label.setWordWrap(True)
        self.speed = SpeedControl()
        self.speed.set_pace(default_pace(self.form.demo.currentData()))
        self.speed.paceChanged.connect(self._pace_changed)
        self.message = QLabel(objectName="hint")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.controls = QGroupBox(self.tr("Training"))
        grid = QGridLayout(self.controls)
        grid.addWidget(self.start_button, 0, 0)
        grid.addWidget(self.pause_button, 0, 1)
        grid.addWidget(self.stop_button, 1, 0)
        grid.addWidget(self.step_button, 1, 1)
        grid.addWidget(QLabel(self.tr("Speed")), 2, 0)
        grid.addWidget(self.speed, 2, 1)
        grid.addWidget(self.progress, 3, 0, 1, 2)
        grid.addWidget(self.progress_label, 4, 0, 1, 2)
        grid.addWidget(self.message, 5, 0, 1, 2)

        sp_save, sp_open = sp.SP_DialogSaveButton, sp.SP_DialogOpenButton
        self.save_button = self._button(
            "save",
            self.tr("Save model…"),
            sp_save,
            self._save_clicked,
            self.tr("Save weights and settings"),
        )
        self.load_button = self._button(
            "load",
            self.tr("Load model…"),
            sp_open,
            self._load_clicked,
            self.tr("Load a saved checkpoint (safe: no code runs)"),
        )
        self.csv_button = self._button(
            "export",
            self.tr("Export CSV…"),
            sp_save,
            self._csv_clicked,
            self.tr("Save every recorded metric as CSV"),
        )
        self.png_button = self._button(
            "export",
            self.tr("Export plots…"),
            sp_save,
            self._png_clicked,
            self.tr("Save each plot as a PNG in a folder"),
        )
        self.inspect_button = self._button(
            "inspect",
            self.tr("Inspect this step"),
            sp.SP_FileDialogContentsView,
            self.inspect,
            self.tr("Show the graph of the next batch's loss, grouped by module"),
        )
        self.tensorboard = QCheckBox(self.tr("Write TensorBoard logs"), objectName="tensorboard")
        if tensorboard_available():
            self.tensorboard.setToolTip(self.tr("Event files go to ~/gradviz-runs/<demo>-<time>"))
        else:
            self.tensorboard.setEnabled(False)
            self.tensorboard.setToolTip(
                self.tr("Needs the optional tensorboard package: pip install tensorboard")
            )
        self.files = QGroupBox(self.tr("Model and results"))
        g = QGridLayout(self.files)
        g.addWidget(self.save_button, 0, 0)
        g.addWidget(self.load_button, 0, 1)
        g.addWidget(self.csv_button, 1, 0)
        g.addWidget(self.png_button, 1, 1)
        g.addWidget(self.inspect_button, 2, 0, 1, 2)
        g.addWidget(self.tensorboard, 3, 0, 1, 2)

    # -- state -------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.run is not None and self.run.is_running()

    def is_paused(self) -> bool:
        return self.is_running() and self.run.state.paused

    def _model_is_quiet(self) -> bool:
        """No step can touch the model now: idle, or paused and waiting between steps."""
        return not self.is_running() or self.run.state.waiting

    def _sync_buttons(self) -> None:
        running = self.is_running()
        paused = self.is_paused()
        resumable = not running and self.session is not None and not self.session.finished
        building = self._builder is not None  # a "Your model" file is running
        self.start_button.setEnabled(not running and not building)
        self.pause_button.setEnabled(running or resumable)
        resume = paused or resumable
        self.pause_button.setText(self.tr("Resume") if resume else self.tr("Pause"))
        icon = QStyle.StandardPixmap.SP_MediaPlay if resume else QStyle.StandardPixmap.SP_MediaPause
        self.pause_button.setIcon(self.style().standardIcon(icon))
        self.pause_button.setToolTip(
            self.tr("Go on training") if resume else self.tr("Pause after this step")
        )
        self.stop_button.setEnabled(running)
        self.step_button.setEnabled(not building and (running or self.session is None or resumable))
        quiet_with_model = self.session is not None and (not running or paused)
        self.save_button.setEnabled(quiet_with_model)
        self.inspect_button.setEnabled(quiet_with_model or self._live_key() is not None)
        self.load_button.setEnabled(not running and not building)
        self.form.set_running(running or building)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setObjectName("error" if error else "hint")
        self.message.setStyleSheet("color: #dc2626;" if error else "")
        self.message.setText(text)
        self.statusMessage.emit(text)

    # -- data preview --------------------------------------------------------------------
    def _preview(self) -> None:
        """Show the data of the current settings (a new demo or data change ends the old run)."""
        if self.is_running():
            return
        demo = self.form.demo.currentData()
        if demo == CUSTOM:  # its data comes from running the file: wait for Start
            self._preview_your_model()
            return
        base = default_config(demo)
        config = base.replace(
            seed=self.form.seed.value(),
            noise=round(self.form.noise.value(), 6),
            test_fraction=round(self.form.test_split.value(), 6),
            samples=self.form.samples.value(),
            classes=self.form.classes.value() if demo in ("spiral", "gauss") else 2,
        )
        try:
            data = make_dataset(config.validate())
        except (ConfigError, ValueError) as exc:
            self._say(str(exc), error=True)
            return
        self.session = None
        self._new_history()
        self._setup_plots(demo, data)
        self.progress.setValue(0)
        self.progress_label.setText(self.tr("not started: press Start, or Step for one batch"))
        self._sync_buttons()

    def _preview_your_model(self) -> None:
        self.session = None
        self._new_history()
        self.tabs.setup(CUSTOM, None)
        self._redraw(force=True)
        self.progress.setValue(0)
        self.progress_label.setText(
            self.tr("not started: Start runs your model file, then trains it")
        )
        self._sync_buttons()

    def _is_custom(self) -> bool:
        return self.form.demo.currentData() == CUSTOM

    def _new_history(self) -> None:
        self.history = RunHistory()
        self._last_report = None
        self._own_doctor = Doctor()
        self._own_key = None  # the previous run stays in the run list
        if self.runs.current is not None:
            self.runs.set_current(None)
        self.diagnosis.use(self._own_doctor)

    def _on_diagnosis(self, event: str) -> None:
        if event == "verdicts":
            n = len(self.diagnosis.verdicts())
            i = self.tabs.indexOf(self.diagnosis_view)
            self.tabs.setTabText(
                i, self.tr("Diagnosis ({0})").format(n) if n else self.tr("Diagnosis")
            )
        elif event == "selection" and self.diagnosis.selected:
            self.tabs.follow_layer(self.diagnosis.selected)
            self.layerSelected.emit(self.diagnosis.selected)

    def _setup_plots(self, demo: str, data: Dataset) -> None:
        self._clear_history_notes()
        self.tabs.setup(demo, data)
        self._redraw(force=True)

    # -- run control ---------------------------------------------------------------------
    def start(self) -> None:
        """A new run from the settings (the old model is replaced)."""
        if self.is_running() or self._builder is not None:
            return
        self._new_session()

    def _new_session(self, single_steps: int = 0) -> None:
        """Build a session from the settings and launch it. A "Your model" file is code
        that may take long: it runs on a background thread, and the launch follows."""
        try:
            config = self.form.config()
            if not config.is_custom:
                session = TrainSession(config)
        except (ConfigError, DeviceError, ValueError) as exc:
            self._refuse(str(exc))
            return
        if not config.is_custom:
            self._adopt(session, single_steps)
            return
        self._say(self.tr("running {0} (Python code)…").format(Path(config.model_file).name))
        self._builder_steps = single_steps
        self._in_background(lambda: TrainSession(config), "start")

    def _in_background(self, make, purpose: str) -> None:
        """Build a session with ``make`` on a SessionBuilder thread (a "Your model" file is
        code that may take long); ``purpose`` says what to do with it ("start", "load")."""
        builder = SessionBuilder(make)  # no parent: closing the panel parks, never kills it
        builder.built.connect(self._session_built)
        builder.failed.connect(self._build_failed)
        builder.finished.connect(self._builder_done)
        self._builder, self._builder_purpose = builder, purpose
        builder.start()
        self._sync_buttons()

    def _refuse(self, why: str) -> None:
        self.form.mark_error(why)  # the field turns red, and gets the focus
        self._say(self.tr("cannot start: {0}").format(why), error=True)

    def _build_failed(self, why: str) -> None:
        if self._closing:
            return
        if self._builder_purpose == "load":
            self._say(why, error=True)
        else:
            self._refuse(why)

    def _session_built(self, session: TrainSession) -> None:
        if self._closing:
            return
        if self._builder_purpose == "load":
            self._adopt_loaded(session, self._builder_path)
        else:
            self._adopt(session, self._builder_steps)

    def _builder_done(self) -> None:
        builder, self._builder = self._builder, None
        if builder is not None:
            builder.wait()  # finished was emitted: returns at once; then it can be dropped
        if not self._closing:
            self._sync_buttons()

    def _adopt(self, session: TrainSession, single_steps: int) -> None:
        self.form.mark_error("")
        self.session = session
        self._new_history()
        self._setup_plots(session.config.demo, session.data_cpu)
        self.tabs.set_span(session.total_steps)
        self._launch(session, single_steps)

    def _launch(self, session: TrainSession, single_steps: int = 0) -> None:
        state = TrainState(options=self.options, cpu_threads=1, pace=self.speed.pace())
        if single_steps:
            state.step(single_steps)
        self.run = TrainingRun(session, state)
        self.run.reported.connect(self._on_report)
        self.run.finished.connect(self._on_finished)
        self._open_tensorboard(session)
        if self._worker_thread is None:
            self._worker_thread = TrainingThread()
        self.run.start(self._worker_thread)
        self._clear_history_notes()  # resumed: the curves go on from the loaded step
        self._register_own_run(session)
        self.timer.start()
        c = session.config
        name = (
            self.tr("{0} (your code)").format(Path(c.model_file).name)
            if c.is_custom
            else demo_name(c.demo)
        )
        what = (
            self.tr("stepping {0} on {1} with {2}, lr {3}")
            if single_steps
            else self.tr("training {0} on {1} with {2}, lr {3}")
        )
        self._say(what.format(name, session.device, c.optimizer, f"{c.lr:g}"))
        self._sync_buttons()

    def _pace_changed(self, pace: float | None) -> None:
        if self.is_running():
            self.run.state.set_pace(pace)  # takes effect at the next step

    def pause(self) -> None:
        if self.is_running():
            self.run.state.pause()
            self._say(self.tr("paused: Step trains one batch, Resume goes on"))
            self._sync_buttons()

    def resume(self) -> None:
        if self.is_running():
            self.run.state.resume()
            self._say(self.tr("training"))
            self._sync_buttons()
        elif self.session is not None and not self.session.finished:
            self._launch(self.session)

    def _pause_or_resume(self) -> None:
        if self.is_paused() or not self.is_running():
            self.resume()
        else:
            self.pause()

    def step(self) -> None:
        """Train one batch, then pause (starting a run first if there is none)."""
        if self.is_running():
            self.run.state.step(1)
            self._sync_buttons()
            return
        if self._builder is not None:
            return
        if self.session is None:
            self._new_session(single_steps=1)
            return
        if self.session.finished:
            self._say(self.tr("this run is finished: Start begins a new one"))
            return
        self._launch(self.session, single_steps=1)

    def stop(self) -> None:
        if self.run is not None:
            self.run.state.cancel()
            self._sync_buttons()

    def shutdown(self) -> None:
        """Stop the worker and wait for it (within one step). Call before closing the app."""
        self._closing = True
        self.timer.stop()
        self._follow_timer.stop()
        if self._builder is not None:  # the user's model() may still run: the app waits for it
            workers.park(self._builder, self._builder)
        if self.server is not None:
            self.server.stop()
        if self._worker_thread is not None and not self._worker_thread.shutdown():
            # parked, not dropped: dropping a running QThread would abort the app
            self.statusMessage.emit(
                self.tr("training stops after the current layer; exit waits for it")
            )
        self._worker_thread = None
        self._close_tensorboard()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- reports -------------------------------------------------------------------------
    def _on_report(self, r: Report) -> None:
        if self.sender() is not self.run or self._closing:
            return  # a late report of a run that was replaced
        self.history.add(r)
        self.diagnosis.observe(r)
        self._last_report = r
        if self._tb is not None:
            self._tb.add(r)
        # while running, the redraw timer shows progress (25 Hz): a word-wrapped label's
        # relayout on every report (up to 60 a second) costs the GUI thread, and the GIL
        if r.status != "running" or not self.timer.isActive():
            self._show_progress(r)
        if r.status == "nan":
            self._say(self.tr("paused: {0}").format(r.message), error=True)
            self._sync_buttons()
        elif r.status == "paused" and self.is_paused():
            self._sync_buttons()

    def _on_finished(self, result: RunResult) -> None:
        if self.sender() is not self.run:
            return
        self._close_tensorboard()
        if self._own_key is not None:
            self.runs.set_live(self._own_key, False)
        self._sync_timer()
        self.runFinished.emit(result)
        if self._closing:
            return
        self._redraw(force=True)
        if result.status == "finished":
            from gradviz.qt.training_plots import summary_text

            text = summary_text(self.history)
            done = self.tr("finished {0} steps").format(f"{result.step:,}")
            self._say(self.tr("{0}: {1}").format(done, text) if text else done)
        elif result.status == "stopped":
            self._say(
                self.tr("stopped at step {0}: Resume goes on, Save keeps the model").format(
                    f"{result.step:,}"
                )
            )
        else:
            self._say(result.message, error=True)
        self._sync_buttons()

    def _show_progress(self, r: Report) -> None:
        self._progress_shown = r
        open_ended = r.total_steps >= UNTIL_PAUSED  # "until paused": no total, no percent
        self.progress.setFormat(self.tr("until paused") if open_ended else "%p %")
        self.progress.setValue(0 if open_ended else int(1000 * r.progress))
        # keep "1,032 steps/s" on one line when the label wraps
        self.progress_label.setText(progress_text(r).replace(" steps/s", "\u00a0steps/s"))

    def _redraw(self, force: bool = False) -> None:
        self._tick = getattr(self, "_tick", 0) + 1
        r = self._last_report
        shown = getattr(self, "_progress_shown", None)
        # a few times a second is plenty for a text; a new status (a run that just
        # started) shows at the next tick
        due = force or self._tick % TEXT_TICKS == 1
        if r is not None and r is not shown and (due or shown is None or shown.status != r.status):
            self._show_progress(r)
        if not force and not self.isVisible():
            return
        h = self.shown_history()
        if force:
            self.tabs.refresh(h)
        else:
            # two phases: each plot gets a new frame at most every other tick, and each
            # phase draws every version of the history it has not drawn yet (whichever
            # tick a report lands before, both halves show it within two ticks)
            phase, key = self._tick % 2, (id(h), h.version)
            drawn = self.__dict__.setdefault("_drawn", [None, None])
            if drawn[phase] != key:
                drawn[phase] = key
                self.tabs.refresh(h, phase)

    # -- TensorBoard -----------------------------------------------------------------------
    def _open_tensorboard(self, session: TrainSession) -> None:
        if not self.tensorboard.isChecked() or self._tb is not None:
            return
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = Path.home() / "gradviz-runs" / f"{session.config.demo}-{stamp}"
        try:
            self._tb = TensorBoardLogger(folder)
            self._say(self.tr("TensorBoard logs: {0}").format(folder))
        except Exception as exc:  # the optional extra is broken: say so, train anyway
            self._say(self.tr("TensorBoard logging is off: {0}").format(exc), error=True)

    def _close_tensorboard(self) -> None:
        if self._tb is not None:
            self._tb.close()
            self._tb = None

    # -- files -------------------------------------------------------------------------------
    def save_checkpoint(self, path: str | Path) -> bool:
        if self.session is None:
            self._say(self.tr("nothing to save yet: train first"), error=True)
            return False
        if not self._model_is_quiet():
            self._say(self.tr("pause or stop training to save the model"), error=True)
            return False
        try:
            save_checkpoint(self.session, path)
        except CheckpointError as exc:
            self._say(str(exc), error=True)
            return False
        self._say(
            self.tr("saved the model at step {0} to {1}").format(f"{self.session.step:,}", path)
        )
        return True

    def load_checkpoint(self, path: str | Path) -> bool:
        """Replace the model with a checkpoint's; on any failure nothing changes."""
        if self.is_running():
            self._say(self.tr("stop training before loading a model"), error=True)
            return False
        if self._builder is not None:
            return False
        device = self.form.device.currentData() or "cpu"
        mine = self.form.your_model.model_file.text().strip() if self._is_custom() else None
        if mine:  # rebuilding the model runs the user's file: in the background
            text = self.tr("loading {name}: running {file} (Python code)…")
            self._say(text.format(name=Path(path).name, file=Path(mine).name))
            self._builder_path = Path(path)
            self._in_background(
                lambda: load_checkpoint(path, device=device, trusted_model_file=mine), "load"
            )
            return True
        try:
            session = load_checkpoint(path, device=device, trusted_model_file=None)
        except (CheckpointError, DeviceError) as exc:
            self._say(str(exc), error=True)
            return False
        self._adopt_loaded(session, Path(path))
        return True

    def _adopt_loaded(self, session: TrainSession, path: Path) -> None:
        self.form.set_config(session.config)
        self.tabs.activations.show_activation(session.config.activation)
        self.session = session
        self._new_history()
        self._setup_plots(session.config.demo, session.data_cpu)
        self.tabs.set_span(session.total_steps)
        self._show_model_state(session)
        self.progress.setValue(int(1000 * min(1.0, session.step / session.total_steps)))
        self.progress_label.setText(
            self.tr("loaded at step {0} of {1}").format(
                f"{session.step:,}", f"{session.total_steps:,}"
            )
        )
        self._note_no_history()
        name, step = Path(path).name, session.step
        if session.finished:  # Resume is disabled: say what can be done instead
            self._say(
                self.tr(
                    "loaded {0}: a finished run ({1} steps). Start trains anew; Save and "
                    "Inspect this step use this model. Checkpoints keep no history: no curves."
                ).format(name, f"{step:,}")
            )
        else:
            self._say(
                self.tr(
                    "loaded {0} at step {1}: Resume goes on training. Checkpoints keep "
                    "no history: the curves start here."
                ).format(name, f"{step:,}")
            )
        self._sync_buttons()

    def _note_no_history(self) -> None:
        """Say in the plots themselves why the curves are empty after a load."""
        ov = self.tabs.overview
        self._history_notes = [ov.loss_plot, ov.grad_plot]
        if ov.kind == "2d":
            self._history_notes.append(ov.third_plot)
        for plot in self._history_notes:
            plot.set_note(_t(HISTORY_NOTE))

    def _clear_history_notes(self) -> None:
        for plot in self._history_notes:
            plot.set_note("")
        self._history_notes = []

    def _show_model_state(self, session: TrainSession) -> None:
        """A one-off report of a loaded model, so the plots show what it does."""
        report = snapshot(session, self.options)
        self.history.add(report)
        self.diagnosis.observe(report)
        self._redraw(force=True)

    def export_csv(self, path: str | Path) -> bool:
        history = self.shown_history()  # the run the plots show, attached runs too
        if not history.series:
            self._say(self.tr("no metrics to export yet: train first"), error=True)
            return False
        try:
            history.write_csv(path)
        except (CheckpointError, OSError) as exc:
            self._say(self.tr("cannot export CSV: {0}").format(exc), error=True)
            return False
        self._say(self.tr("metrics written to {0}").format(path))
        return True

    def export_plots(self, folder: str | Path) -> list[Path]:
        folder = Path(folder)
        if not folder.is_dir():
            self._say(
                self.tr("cannot export plots: {0} is not a folder").format(folder), error=True
            )
            return []
        written = self.tabs.export(folder, self.history)
        if len(written) < len(self.tabs.plots):
            self._say(
                self.tr("could only write {0} of {1} plots").format(
                    len(written), len(self.tabs.plots)
                ),
                True,
            )
        else:
            self._say(self.tr("{0} plots saved as PNG in {1}").format(len(written), folder))
        return written

    def _save_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save model"), "model.pt", _t(CHECKPOINT_FILTER)
        )
        if path:
            self.save_checkpoint(path)

    def _load_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Load model"), "", _t(CHECKPOINT_FILTER)
        )
        if path:
            self.load_checkpoint(path)

    def _csv_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export metrics"), "metrics.csv", "CSV (*.csv)"
        )
        if path:
            self.export_csv(path)

    def _png_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the plot images"))
        if folder:
            self.export_plots(folder)

    # -- inspect -------------------------------------------------------------------------------
    def _live_key(self) -> str | None:
        """The run list's pick when it is a script attached live (it can send a graph)."""
        key = self.runs.current
        entry = self.runs.entries.get(key) if key else None
        if entry is None or entry.kind != "attached" or not entry.live or self.server is None:
            return None
        return key

    def inspect(self) -> object | None:
        """Capture the graph of the next batch's loss and emit ``inspectRequested``; for a
        script attached live, ask it for its next step's (``_live_graph`` gets the reply)."""
        live = self._live_key()
        if live is not None:
            name = self.runs.entries[live].name
            if self.server.request_inspect(live):
                self._say(self.tr("asked {0} for its next step's loss graph").format(name))
            else:
                self._say(self.tr("{0} is no longer connected").format(name), error=True)
            return None
        if self.session is None or not self._model_is_quiet():
            self._say(self.tr("pause or stop training to inspect a step"), error=True)
            return None
        try:
            from gradviz.core.graph import capture_module
        except ImportError:
            self._say(self.tr("the graph view is not available in this build"), error=True)
            return None
        s = self.session
        x, y = s.peek_batch()
        try:
            # a snapshot of the model: training on must not change (or race with) the
            # weights this graph saved for backward
            frozen = copy.deepcopy(s.model)
            graph = capture_module(
                frozen, x, name="net", loss=lambda out: s.loss_fn(out, y), names={"target": y}
            )
        except Exception as exc:  # never let a capture problem take the panel down
            from gradviz.core.errors import explain

            self._say(self.tr("cannot capture this step: {0}").format(explain(exc)), error=True)
            return None
        self.inspectRequested.emit(graph)
        self._say(
            self.tr("graph of step {0}'s loss ({1} samples) sent to the graph view").format(
                f"{s.step + 1:,}", len(x)
            )
        )
        return graph

    # for the lead's main window: a plain summary of what this panel holds
    def model_summary(self) -> str:
        if self.session is None:
            return self.tr("no model yet")
        n = sum(p.numel() for p in self.session.model.parameters())
        return self.tr("{0}: {1} parameters at step {2}").format(
            demo_name(self.session.config.demo), f"{n:,}", f"{self.session.step:,}"
        )

    # -- the run list, live attach and run folders -------------------------------------------
    def shown_history(self) -> RunHistory:
        """The history the plots draw: this panel's run, or the one picked in the run list."""
        key = self.runs.current
        if key is None or key == self._own_key:
            return self.history
        return self.runs.entries[key].history

    def _register_own_run(self, session: TrainSession) -> None:
        own = self.runs.entries.get(self._own_key) if self._own_key else None
        if own is not None and own.history is self.history:
            self.runs.set_live(own.key, True)  # resumed or stepped: the same run
            return
        c = session.config
        kind = "your model" if c.is_custom else "demo"
        name = Path(c.model_file).name if c.is_custom else demo_name(c.demo)
        key = self.runs.new_key("own")
        entry = RunEntry(key, f"{name} #{key.split('-')[1]}", kind, self.history, live=True)
        entry.doctor = self._own_doctor
        self._own_key = key
        self.runs.add(entry)
        self.runs.set_current(key)

    def _sync_timer(self) -> None:
        key = self.runs.current
        watching_live = key is not None and key != self._own_key and self.runs.entries[key].live
        if self.is_running() or watching_live:
            self.timer.start()
        else:
            self.timer.stop()

    def _on_runs(self, event: str, key: str) -> None:
        if self._closing:
            return
        if event == "current":
            self._show_run(key or None)
        elif event == "changed" and key and key == self.runs.current and key != self._own_key:
            entry = self.runs.entries[key]
            if entry.doctor.version != getattr(self, "_doctor_seen", None):
                self._doctor_seen = entry.doctor.version
                self.diagnosis.notify()
            if not entry.live and self.timer.isActive():
                self._redraw(force=True)  # its end: every plot gets its last frame
            self._sync_timer()

    def _show_run(self, key: str | None) -> None:
        """Point the plots and the Diagnosis tab at another run."""
        shown = None if key == self._own_key else key  # None: this panel's own run
        if shown == getattr(self, "_shown_key", None):
            return
        self._shown_key = shown
        if shown is None:
            self.diagnosis.use(self._own_doctor)
            if self._last_report is not None:
                self.progress_label.setText(progress_text(self._last_report))
            if self.session is not None:
                self.tabs.setup(self.session.config.demo, self.session.data_cpu)
                self.tabs.set_span(self.session.total_steps)
        else:
            entry = self.runs.entries[key]
            self.tabs.setup("watched", None)
            self.diagnosis.use(entry.doctor)
            self._say(self.tr("showing {0} ({1})").format(entry.name, i18n._(entry.kind)))
            last = max(entry.last_step, 0)
            self.progress_label.setText(
                self.tr("{0}: {1} run, step {2}").format(
                    entry.name, i18n._(entry.kind), f"{last:,}"
                )
            )
        self._redraw(force=True)
        self._sync_timer()
        self._sync_buttons()

    def start_live_attach(self) -> bool:
        """Listen for scripts that call gradviz.watch (127.0.0.1 only, with a token)."""
        if self.server is None:
            self.server = RunServer(self)
            self.server.runStarted.connect(self._attached)
            self.server.runReport.connect(lambda key, r: self.runs.add_reports(key, [r]))
            self.server.runEnded.connect(self._detached)
            self.server.runGraph.connect(self._live_graph)
            self.server.runGraphFailed.connect(
                lambda key, why: self._say(
                    self.tr("cannot inspect {0}: {1}").format(self._run_name(key), i18n._(why)),
                    True,
                )
            )
            self.server.runNote.connect(
                lambda key, text: self._say(f"{self._run_name(key)}: {text}", True)
            )
        ok = self.server.start()
        if ok:
            self.run_list.set_hint(
                self.tr("scripts calling gradviz.watch() appear here live (port {0})").format(
                    self.server.port
                )
            )
        return ok

    def _run_name(self, key: str) -> str:
        entry = self.runs.entries.get(key)
        return entry.name if entry is not None else key

    def _detached(self, key: str) -> None:
        self.runs.set_live(key, False)
        self._sync_buttons()

    def _live_graph(self, key: str, step: int, graph: object, trace: object = None) -> None:
        """A live script's loss graph, with the steps of its backward when it recorded them
        (the Backward panel steps through those; without, the graph only shows)."""
        name = self._run_name(key)
        if trace is None:
            self.inspectRequested.emit(graph)
            self._say(
                self.tr("graph of {0}'s step {1} loss sent to the graph view").format(
                    name, f"{step:,}"
                )
            )
            return
        label = self.tr("{name} step {step} loss").format(name=name, step=f"{step:,}")
        self.traceReceived.emit(graph, trace, label)
        text = self.tr("{name}'s step {step}: its backward ({n} nodes) is in the Backward panel")
        self._say(text.format(name=name, step=f"{step:,}", n=len(trace.steps)))

    def _attached(self, key: str, name: str, folder: str) -> None:
        entry = self.runs.add(RunEntry(key, name, "attached", folder=folder, live=True))
        if folder:  # joined midway: the folder has the history from the start
            try:
                self.runs.add_reports(key, RunReader(folder).read_new())
            except RecordError as exc:
                self._say(
                    self.tr("{0}: cannot read its folder ({1}); showing what streams in").format(
                        name, exc
                    )
                )
        self._say(self.tr("{0} attached live").format(entry.name))

    def open_run(self, folder: str | Path) -> RunEntry | None:
        """Add a run folder written by gradviz.watch to the run list, and show it."""
        try:
            reader = RunReader(folder)
            reports = reader.read_new()
        except RecordError as exc:
            self._say(str(exc), error=True)
            return None
        entry = self.runs.add(
            RunEntry(self.runs.new_key("opened"), reader.name, "opened", folder=str(folder))
        )
        self.runs.add_reports(entry.key, reports)
        if not any(r.status == "finished" for r in reports):
            # a script may still be writing it (with no app to stream to): follow it
            self._followed[entry.key] = reader
            self.runs.set_live(entry.key, True)
            self._follow_timer.start()
        self.runs.set_current(entry.key)
        said = self.tr("opened {0}: {1} records").format(reader.name, f"{len(reports):,}")
        if reader.skipped:
            said += self.tr(" ({0} unreadable lines skipped)").format(reader.skipped)
        self._say(said)
        return entry

    def _follow(self) -> None:
        """Read what the scripts appended to the opened folders since the last look."""
        for key, reader in list(self._followed.items()):
            try:
                reports = reader.read_new()
            except RecordError as exc:
                self._say(
                    self.tr("stopped following {name}: {exc}").format(name=reader.name, exc=exc),
                    True,
                )
                reports = []
                self._unfollow(key)
            if reports:
                self.runs.add_reports(key, reports)
            if any(r.status == "finished" for r in reports):
                self._unfollow(key)

    def _unfollow(self, key: str) -> None:
        self._followed.pop(key, None)
        self.runs.set_live(key, False)
        if not self._followed:
            self._follow_timer.stop()

    def _open_run_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a run folder (runs/<name>)"))
        if folder:
            self.open_run(folder)
