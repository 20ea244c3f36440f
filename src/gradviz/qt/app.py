"""Start the desktop app: a window at once, PyTorch loaded behind it.

``import torch`` takes about a second, more than everything else the window
needs. So the :class:`LoadingWindow` (the window's frame, its panels greyed
out and a "loading PyTorch…" note) is shown first, torch is imported on a
plain Python thread, and the real :class:`~gradviz.qt.main_window.MainWindow`
takes its place once torch is in. bench/startup_bench.py times it under Xvfb.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QGroupBox,
    QLabel,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gradviz import __version__
from gradviz.qt import i18n, theme
from gradviz.qt.gui_thread_gc import collect_on_gui_thread
from gradviz.resources import resource_path


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setOrganizationName("gradviz")
    app.setApplicationName("gradviz")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(resource_path("icons", "gradviz.svg"))))
    collect_on_gui_thread(app)  # never in the training thread: Qt objects die in the GUI's
    if app.property("gradviz_language") is None:  # once: windows build their words from it
        i18n.install(app, i18n.chosen_language())
        if i18n.font_missing(app):
            print(f"gradviz: {i18n.NO_CJK_FONT}", file=sys.stderr)
    chosen = str(QSettings().value("theme", "system"))
    theme.apply_theme(app, chosen)
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):  # keep following the desktop when "system"
        hints.colorSchemeChanged.connect(
            lambda *_: (
                theme.apply_theme(app, "system")
                if QSettings().value("theme", "system") == "system"
                else None
            )
        )
    return app


def run_app(session: str | None = None) -> int:
    app = make_app()
    launcher = Launcher(session)
    launcher.start()
    code = app.exec()
    launcher.join()
    return code


# English here (tests and logs compare with it); the window shows its translation
LOADING_NOTE = QT_TRANSLATE_NOOP("LoadingWindow", "loading PyTorch…")


class LoadingWindow(QMainWindow):
    """The window as it first appears: menus and panels greyed out, and a short note."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("loading_window")
        self.setWindowTitle("gradviz")
        for title in (self.tr("&File"), self.tr("&Edit"), self.tr("&View"), self.tr("&Help")):
            self.menuBar().addMenu(title).setEnabled(False)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.panels: list[QGroupBox] = []
        for title in (self.tr("Workspace"), self.tr("Graph"), self.tr("Backward")):
            box = QGroupBox(title)
            box.setEnabled(False)  # nothing works until torch is in
            self.panels.append(box)
            split.addWidget(box)
        split.setSizes([290, 580, 410])  # the workbench's own first-run columns
        # the note stays readable: it sits above the greyed-out panels, not inside one
        self.note = QLabel(self.tr(LOADING_NOTE), objectName="loading_note")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setStyleSheet("font-size: 12pt; padding: 6px")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage(self.tr(LOADING_NOTE))
        geometry = QSettings().value("geometry")
        if geometry is not None:  # where the real window will be
            self.restoreGeometry(geometry)
        else:  # the MainWindow's own first-run size
            screen = QGuiApplication.primaryScreen()
            size = screen.availableGeometry().size() if screen else None
            self.resize(
                min(1500, size.width()) if size else 1400, min(900, size.height()) if size else 900
            )

    def failed(self, message: str) -> None:
        self.note.setText(self.tr("PyTorch could not be loaded:\n{0}").format(message))
        self.note.setStyleSheet("font-size: 12pt; padding: 6px; color: #b91c1c")
        self.statusBar().showMessage(self.tr("PyTorch could not be loaded"))


def _import_torch() -> None:
    importlib.import_module("torch")


class _Done(QObject):
    finished = Signal(str)  # "" on success, else the error


class Launcher:
    """Shows the LoadingWindow, imports torch on a thread, then opens the MainWindow."""

    def __init__(
        self, session: str | None = None, load: Callable[[], None] = _import_torch
    ) -> None:
        self.session = session
        self._load = load
        self.loading: LoadingWindow | None = LoadingWindow()
        self.window = None  # the MainWindow, once torch is in
        self._done = _Done()
        self._done.finished.connect(self._loaded)  # queued: the thread is not the GUI's
        self._thread = threading.Thread(target=self._run, name="gradviz-load-torch", daemon=True)

    def start(self) -> None:
        self.loading.show()
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self._load()
        except Exception as exc:  # noqa: BLE001 - any import failure becomes the note
            self._done.finished.emit(f"{type(exc).__name__}: {exc}")
            return
        self._done.finished.emit("")

    def _loaded(self, error: str) -> None:
        if error:
            self.loading.failed(error)
            return
        from gradviz.qt.main_window import MainWindow

        window = MainWindow()
        if not QSettings().contains("geometry"):
            window.setGeometry(self.loading.geometry())  # appear where the first one was
        if self.session and not window.open_session(self.session):  # the window shows it too
            why = QCoreApplication.translate("Launcher", "gradviz gui: could not open: {0}")
            print(why.format(window.open_error), file=sys.stderr)
        window.show()
        self.window = window
        self.loading.close()
        self.loading.deleteLater()
        self.loading = None  # its job is done
