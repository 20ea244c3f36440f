"""The main window: dockable Workspace, Op palette, Inspector and Code panels
around a central area for the graph (and training), with menus, shortcuts,
a status bar, themes and a layout that is remembered between runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QByteArray, QCoreApplication, QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gradviz import __version__
from gradviz.core import i18n as core_i18n
from gradviz.core import limits
from gradviz.core.backward_session import BackwardSession
from gradviz.core.files import atomic_write
from gradviz.core.graph_document import GraphDocument
from gradviz.core.workspace import Event, WorkspaceError, session_has_code
from gradviz.qt import i18n, theme
from gradviz.qt.code_view import CodeView
from gradviz.qt.inspector import Inspector
from gradviz.qt.op_palette import OpPalette
from gradviz.qt.tensor_editor import WorkspacePanel
from gradviz.qt.tensor_form import NewTensorDialog
from gradviz.qt.workspace_model import WorkspaceModel
from gradviz.resources import resource_path

SESSION_FILTER = QT_TRANSLATE_NOOP(
    "MainWindow", "gradviz sessions (*.gradviz *.json);;All files (*)"
)
# the docks' English titles are their keys in ``window.docks`` and their objectNames (saved
# layouts); the title shown is translated (marked here for lupdate)
DOCK_TITLES = (
    QT_TRANSLATE_NOOP("MainWindow", "Workspace"),
    QT_TRANSLATE_NOOP("MainWindow", "Op palette"),
    QT_TRANSLATE_NOOP("MainWindow", "Inspector"),
    QT_TRANSLATE_NOOP("MainWindow", "Code"),
    QT_TRANSLATE_NOOP("MainWindow", "Backward"),
    QT_TRANSLATE_NOOP("MainWindow", "Console"),
)


def ask_discard(parent: QWidget) -> bool:
    """Ask before unsaved work is thrown away; True means go ahead."""
    answer = QMessageBox.question(
        parent,
        QCoreApplication.translate("MainWindow", "Discard unsaved changes?"),
        QCoreApplication.translate(
            "MainWindow", "This session has changes that are not saved. Discard them?"
        ),
        QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Discard


def ask_run_code(parent: QWidget, path: Path) -> bool | None:
    """A session with console code is code: show it and ask. True runs it, False opens
    it without running, None cancels."""
    from gradviz.core.workspace import read_session

    code = "\n\n".join(a.args.get("source", "") for a in read_session(path) if a.kind == "code")
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("MainWindow", "Run the code in this session?"))
    box.setText(
        QCoreApplication.translate(
            "MainWindow",
            "{0} contains console code. Running it runs Python on this computer. "
            "Run it only if you trust where the file came from.",
        ).format(path.name)
    )
    box.setDetailedText(code)
    run = box.addButton(
        QCoreApplication.translate("MainWindow", "Run the code"), QMessageBox.ButtonRole.AcceptRole
    )
    keep = box.addButton(
        QCoreApplication.translate("MainWindow", "Open without running"),
        QMessageBox.ButtonRole.ActionRole,
    )
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return True if clicked is run else False if clicked is keep else None


def ask_restart(parent: QWidget, text: str) -> bool:
    """Say that a new language needs a restart; True means restart now."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(QApplication.translate("MainWindow", "Language"))
    box.setText(text)
    now = box.addButton(
        QApplication.translate("MainWindow", "Restart now"), QMessageBox.ButtonRole.AcceptRole
    )
    box.addButton(QApplication.translate("MainWindow", "Later"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is now


def restart_app() -> bool:
    """Start a new gradviz, detached from this one (after this window has closed)."""
    import sys

    from PySide6.QtCore import QProcess

    return QProcess.startDetached(sys.executable, ["-m", "gradviz", "gui"])[0]


# What a language switch says, in the language being switched to: the user who picked
# it by mistake can still read it, and so can the one who picked it on purpose.
AFTER_RESTART = {
    "en": "gradviz will be in English after it restarts.",
    "zh_CN": "重启 gradviz 后，界面将切换为简体中文。",
}


class MainWindow(QMainWindow):
    def __init__(self, model: WorkspaceModel | None = None) -> None:
        super().__init__()
        self.model = model or WorkspaceModel(parent=self)
        self.session_path: Path | None = None
        self.example_name: str | None = None  # a shipped example is open: read-only
        self.open_error = ""  # why the last open_session failed, for the command line
        self._saved_history: list = []  # the history as last saved or opened
        self._dialog: NewTensorDialog | None = None
        self.setWindowTitle("gradviz")
        self.setWindowIcon(QIcon(str(resource_path("icons", "gradviz.svg"))))
        self.setDockNestingEnabled(True)

        self.workspace_panel = WorkspacePanel(self.model)
        self.palette = OpPalette(self.model)
        self.inspector = Inspector(self.model)
        self.code_view = CodeView(self.model)
        self.tabs = QTabWidget(objectName="center_tabs")
        self.tabs.setDocumentMode(True)
        # the two core documents the graph and backward panels draw (they meet only there)
        self.graph_document = GraphDocument(self.model.workspace)
        self.backward_session = BackwardSession(self.model.workspace, self.graph_document)
        self.graph_view = self._make_graph_view()
        self.tabs.addTab(self.graph_view, self.tr("Graph"))
        self.setCentralWidget(self.tabs)

        self.docks: dict[str, QDockWidget] = {}
        # First-run layout, designed for a 1280×720 laptop: the left column holds what you
        # have (tensors, and the Inspector under them), the right column what you do (the
        # palette, and the Backward stepper as a tab beside it, each full height), so the
        # formula card, the Leaves table and the Inspector's storage rows fit without
        # scrolling (tests/qt/test_laptop_layout.py).
        self._dock("Workspace", self.workspace_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Op palette", self.palette, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Inspector", self.inspector, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Code", self.code_view, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(
            self.docks["Workspace"], self.docks["Inspector"], Qt.Orientation.Vertical
        )
        # the side columns run full height; the Code panel sits under the graph only
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

        self._add_feature_panels()
        self._build_actions()
        self._build_menus()
        self.statusBar().showMessage(
            self.tr("Ready: create a tensor with Ctrl+N, then apply ops from the palette")
        )
        self.model.message.connect(self.show_message)
        self.model.changed.connect(self._on_changed)
        self.workspace_panel.newTensorRequested.connect(self.new_tensor)
        self.code_view.export_button.clicked.connect(self.export_code)
        self._restore_settings()
        self._on_changed(Event("reset"))

    # ------------------------------------------------------------ layout
    def _make_graph_view(self) -> QWidget:
        try:
            from gradviz.qt.graph_view import GraphView
        except ImportError:
            label = QLabel(
                self.tr("The computation graph appears here."),
                alignment=Qt.AlignmentFlag.AlignCenter,
            )
            label.setObjectName("hint")
            return label
        view = GraphView(self.graph_document)
        view.nodeClicked.connect(self._node_clicked)
        view.edgeClicked.connect(self._edge_clicked)
        self.model.selectionChanged.connect(self.graph_document.select_name)
        return view

    def _add_feature_panels(self) -> None:
        """The backward stepper (a dock beside the palette) and the trainer (a central tab)."""
        from gradviz.qt.backward_panel import BackwardPanel
        from gradviz.qt.training_panel import TrainingPanel

        self.backward_panel = BackwardPanel(self.backward_session)
        self.backward_panel.statusMessage.connect(self.show_message)
        self.backward_panel.tensorRequested.connect(self._show_tensor_value)
        from gradviz.qt.console_calls import RecordedCallsBar

        self.calls_bar = RecordedCallsBar(self.model)  # the console's recorded calls
        self.calls_bar.callPicked.connect(self._show_recorded_call)
        backward_box = QWidget()
        box_layout = QVBoxLayout(backward_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.setSpacing(0)
        box_layout.addWidget(self.calls_bar)
        box_layout.addWidget(self.backward_panel, 1)
        dock = self._dock("Backward", backward_box, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["Op palette"], dock)
        self.docks["Op palette"].raise_()

        self.training_panel = TrainingPanel(live_attach=True)  # scripts can attach
        self.training_panel.statusMessage.connect(self.show_message)
        self.training_panel.inspectRequested.connect(self.inspect_graph)
        self.training_panel.traceReceived.connect(self.inspect_trace)
        # a verdict clicked in Diagnosis: its layer's box in the inspected graph ("net" is
        # the root both a demo's Inspect and a live script's graph use)
        self.training_panel.layerSelected.connect(
            lambda layer: self.graph_document.select_module(f"net.{layer}")
        )
        self.tabs.addTab(self.training_panel, self.tr("Training"))
        self._add_console()
        self._workbench_state: QByteArray | None = None
        self.tabs.currentChanged.connect(self._tab_changed)

    def _add_console(self) -> None:
        """The Python console: a dock beside the Code panel. On a small screen the two share
        the space as tabs, since side by side they would widen the window's minimum."""
        from gradviz.qt.console import ConsolePanel

        self.console = ConsolePanel(self.model)
        self.console.inputFinished.connect(self._console_input_done)
        self.console.sessionOpened.connect(self._session_opened)
        self.console.openFailed.connect(self._open_failed)
        dock = self._dock("Console", self.console, Qt.DockWidgetArea.BottomDockWidgetArea)
        screen = QGuiApplication.primaryScreen()
        if screen is not None and screen.availableGeometry().width() >= 1200:
            self.splitDockWidget(self.docks["Code"], dock, Qt.Orientation.Horizontal)
        else:
            self.tabifyDockWidget(self.docks["Code"], dock)
            dock.raise_()

    def _console_input_done(self, _ok: bool) -> None:
        """New backward calls from the console: the Backward panel shows the newest."""
        calls = self.model.workspace.backward_calls
        if calls and calls[-1] is not self._last_call_shown:
            self.calls_bar.show_newest()  # new calls: the newest
        elif calls:
            self.calls_bar.show_picked()  # the input's events reset the panel: show it again

    _last_call_shown: object = None

    def _show_recorded_call(self, call: object) -> None:
        self._last_call_shown = call
        if self.backward_panel.show_recorded(call):
            self.docks["Backward"].raise_()

    def _tab_changed(self, index: int) -> None:
        """Training gets the whole window; the workbench panels come back with the graph."""
        training = self.tabs.widget(index) is self.training_panel
        if training and self._workbench_state is None:
            self._workbench_state = self.saveState()
            for dock in self.docks.values():
                dock.hide()
        elif not training and self._workbench_state is not None:
            self.restoreState(self._workbench_state)
            self._workbench_state = None

    def _show_tensor_value(self, title: str, tensor: object) -> None:
        self.inspector.show_value(title, tensor)
        self.docks["Inspector"].raise_()

    def inspect_graph(self, graph: object) -> None:
        """Show a graph that is not the workspace's (e.g. one training batch's loss); the
        graph view keeps a banner with a way back to the workspace while it is shown."""
        label = self.tr("training batch loss")
        self.graph_document.show_external(graph, label)
        self.tabs.setCurrentIndex(0)
        # the Backward panel steps through this batch's loss (not a workspace tensor)
        output = next((n for n in getattr(graph, "nodes", ()) if n.kind == "output"), None)
        if output is not None and output.ref is not None:
            self.backward_session.set_external_root(output.ref, label, graph)
            self.docks["Backward"].raise_()
        self.show_message(self.tr("Showing one training batch's loss graph, grouped by module"))

    def inspect_trace(self, graph: object, trace: object, label: str) -> None:
        """A live script's step: its graph, and the backward it recorded, to step through."""
        self.backward_panel.stop()
        self.backward_session.replay_data(trace, graph, label)
        self.tabs.setCurrentIndex(0)
        self.docks["Backward"].raise_()

    def _edge_clicked(self, source: str, target: str) -> None:
        """An edge a gradient crossed: its full gradient goes to the Inspector."""
        found = self.backward_session.edge_gradient(source, target)
        if found is not None:
            self._show_tensor_value(*found)

    def _node_clicked(self, node: object) -> None:
        if getattr(node, "kind", None) == "group":
            return  # a collapsed module: the click opens it in the graph
        ref = getattr(node, "ref", None)
        name = getattr(node, "name", None)
        if name and name in self.model.workspace.tensors:
            self.model.select(name)
            self.inspector.show_tensor(name)
        elif ref is not None and hasattr(ref, "next_functions"):
            self.inspector.show_function(ref, self.graph_document.tensor_names())
        elif ref is not None:
            self.inspector.show_value(getattr(node, "label", self.tr("tensor")), ref)
        self.docks["Inspector"].raise_()

    def _default_dock_sizes(self) -> None:
        """First run: sizes that fit the window (later runs restore the user's own layout)."""
        width, height = self.width(), self.height()
        laptop = height < 1000
        left = 290 if width < 1500 else 340
        right = 410 if width < 1500 else 470
        self.resizeDocks(
            [self.docks["Workspace"], self.docks["Op palette"]],
            [left, right],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks([self.docks["Code"]], [150 if laptop else 230], Qt.Orientation.Vertical)
        if "Console" in self.docks:
            self.resizeDocks(
                [self.docks["Code"], self.docks["Console"]], [260, 520], Qt.Orientation.Horizontal
            )
        column = height - 80  # minus the menu and status bars and the dock titles
        # the Inspector gets the larger share: its storage rows must stay in sight, also in
        # Chinese, whose CJK font has taller lines (tests/qt/test_laptop_layout.py)
        tensors = max(150, int(column * 0.36))
        self.resizeDocks(
            [self.docks["Workspace"], self.docks["Inspector"]],
            [tensors, column - tensors],
            Qt.Orientation.Vertical,
        )
        # the Inspector shows the values too: the editable grid waits behind "Values"
        self.workspace_panel.show_grid(not laptop)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._needs_default_layout:  # sizes only make sense once the window has its own
            self._needs_default_layout = False
            self._default_dock_sizes()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(QCoreApplication.translate("MainWindow", title), self)
        dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    def add_panel(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """Add a dockable panel after construction (used by the feature panels)."""
        dock = self._dock(title, widget, area)
        self.view_menu.insertAction(self._view_separator, dock.toggleViewAction())
        return dock

    # ----------------------------------------------------------- actions
    def _action(self, text: str, slot, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.act_new_tensor = self._action(self.tr("&New tensor…"), self.new_tensor, "Ctrl+N")
        self.act_new_session = self._action(
            self.tr("New &session"), self.new_session, "Ctrl+Shift+N"
        )
        self.act_open = self._action(self.tr("&Open session…"), self.open_session, K.Open)
        self.act_save = self._action(self.tr("&Save session"), self.save_session, K.Save)
        self.act_save_as = self._action(
            self.tr("Save session &as…"), self.save_session_as, "Ctrl+Shift+S"
        )
        self.act_export = self._action(self.tr("&Export code…"), self.export_code, "Ctrl+E")
        self.act_quit = self._action(self.tr("&Quit"), self.close, K.Quit)
        self.act_undo = self._action(self.tr("&Undo"), self.undo, K.Undo)
        self.act_redo = self._action(self.tr("&Redo"), self.redo, "Ctrl+Shift+Z")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.act_delete = self._action(
            self.tr("&Delete tensor"), self.workspace_panel.delete_selected
        )
        # Del deletes only while the tensor list has focus, never while typing elsewhere
        delete_key = QAction(self.act_delete.text(), self.workspace_panel.list)
        delete_key.setShortcut(QKeySequence(K.Delete))
        delete_key.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        delete_key.triggered.connect(self.workspace_panel.delete_selected)
        self.workspace_panel.list.addAction(delete_key)
        self.act_delete.setShortcut(QKeySequence(K.Delete))
        self.act_delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # shown in the menu
        self.act_size_limit = self._action(self.tr("Size &limit…"), self.ask_size_limit)
        self.act_example = self._action(self.tr("Open &example session"), self.open_example)
        self.act_about = self._action(self.tr("&About gradviz"), self.about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        for a in (self.act_new_session, self.act_open, self.act_save, self.act_save_as):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.act_export)
        file_menu.addAction(
            self.tr("Open &run…"), self.open_run
        )  # a folder written by gradviz.watch
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit = bar.addMenu(self.tr("&Edit"))
        for a in (self.act_undo, self.act_redo):
            edit.addAction(a)
        edit.addSeparator()
        edit.addAction(self.act_new_tensor)
        edit.addAction(self.act_delete)
        edit.addSeparator()
        edit.addAction(self.act_size_limit)
        self.view_menu = bar.addMenu(self.tr("&View"))
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self._view_separator = self.view_menu.addSeparator()
        theme_menu = self.view_menu.addMenu(self.tr("&Theme"))
        self.theme_actions = QActionGroup(self)
        for name in theme.THEMES:
            act = QAction(theme.label(name), self, checkable=True)
            act.setData(name)
            act.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            self.theme_actions.addAction(act)
            theme_menu.addAction(act)
        language_menu = self.view_menu.addMenu(self.tr("&Language"))
        self.language_actions = QActionGroup(self)
        choices = [(i18n.FOLLOW_SYSTEM, self.tr("Follow the system"))]
        choices += list(core_i18n.LANGUAGES.items())  # each in its own language
        for code, label in choices:
            act = QAction(label, self, checkable=True)
            act.setData(code)
            act.triggered.connect(lambda _=False, c=code: self.set_language(c))
            self.language_actions.addAction(act)
            language_menu.addAction(act)
        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.addAction(self.act_example)
        self.lessons_menu = help_menu.addMenu(self.tr("&Lessons"))
        self._fill_lessons_menu()
        help_menu.addAction(self.act_about)

    def _fill_lessons_menu(self) -> None:
        from gradviz.core.lessons import lesson_files, load_lesson

        for path in lesson_files(resource_path("lessons")):
            lesson = load_lesson(path)
            act = self.lessons_menu.addAction(lesson.title[:1].upper() + lesson.title[1:])
            act.setToolTip(lesson.intro)
            act.triggered.connect(lambda _=False, p=path: self.open_lesson(p))

    def open_lesson(self, path: str | Path) -> None:
        """Open a lesson in the console: each step waits in the input, Enter runs it."""
        from gradviz.core.lessons import load_lesson

        lesson = load_lesson(Path(path))
        self.docks["Console"].show()
        self.docks["Console"].raise_()
        self.console.start_lesson(lesson)
        self.show_message(
            self.tr("Lesson: {0} — press Enter in the console to run each step").format(
                lesson.title
            )
        )

    # ------------------------------------------------------------- state
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    def _on_changed(self, _event: Event) -> None:
        ws = self.model.workspace
        self.act_undo.setEnabled(ws.can_undo)
        self.act_redo.setEnabled(ws.can_redo)
        self.act_undo.setText(
            self.tr("&Undo {0}").format(ws.describe(ws.history[-1]))
            if ws.can_undo
            else self.tr("&Undo")
        )
        modified = self.is_modified
        if self.example_name:  # say so: Save asks where to put a copy
            name = self.tr("{0} (example, read-only)").format(self.example_name)
        else:
            name = self.session_path.name if self.session_path else self.tr("untitled")
        self.setWindowTitle(f"{name}{' •' if modified else ''} — gradviz")

    def undo(self) -> None:
        ws = self.model.workspace
        if ws.has_code and ws.running is None:  # a replay may run long loops: off the GUI
            self.console.run_undo()
            return
        try:
            ws.undo()
        except WorkspaceError as exc:
            self.show_message(str(exc))

    def redo(self) -> None:
        ws = self.model.workspace
        if ws.can_redo and ws._redo[-1].kind == "code" and ws.running is None:
            self.console.run_undo(redo=True)  # console code may loop long: off the GUI
            return
        try:
            self.model.workspace.redo()
        except WorkspaceError as exc:
            self.show_message(str(exc))

    def new_tensor(self) -> NewTensorDialog:
        if self._dialog is not None and self._dialog.isVisible():
            self._dialog.raise_()
            self._dialog.activateWindow()
            return self._dialog
        if self._dialog is not None:
            self._dialog.deleteLater()
        dialog = NewTensorDialog(self.model, self)
        dialog.setModal(False)
        dialog.show()
        self._dialog = dialog  # keep a reference; tests reach it here too
        return dialog

    @property
    def is_modified(self) -> bool:
        return self.model.workspace.history != self._saved_history

    def _may_discard(self) -> bool:
        return not self.is_modified or ask_discard(self)

    def new_session(self) -> bool:
        if not self._may_discard():
            return False
        self.model.workspace.clear()
        self.session_path, self._saved_history, self.example_name = None, [], None
        self._on_changed(Event("reset"))
        return True

    # ---------------------------------------------------------- sessions
    def open_session(self, path: str | Path | None = None) -> bool:
        if not self._may_discard():
            return False
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, self.tr("Open session"), "", self.tr(SESSION_FILTER)
            )
            if not path:
                return False
        try:
            run_code = False
            if session_has_code(path):
                choice = ask_run_code(self, Path(path))
                if choice is None:
                    return False
                run_code = choice
            if run_code:  # its code may loop for long: the console's worker runs it
                if self.console.busy:
                    self.show_message(self.tr("The console is still running: wait, or press Stop"))
                    return False
                job = self.model.workspace.start_load(path, run_code=True)
                return self.console.run_load(job)  # _session_opened or _open_failed follows
            note = self.model.workspace.load(path, run_code=False)
        except WorkspaceError as exc:  # the file is checked whole: every fault lands here
            self._open_failed(str(exc))
            return False
        self._session_opened(Path(path), note or "")
        return True

    def _open_failed(self, why: str) -> None:
        self.open_error = why
        self.show_message(self.tr("Could not open: {0}").format(why))

    def _session_opened(self, path: Path, note: str) -> None:
        self.open_error = ""
        self.session_path, self.example_name = Path(path), None
        if note:
            self.show_message(note)
        self._saved_history = list(self.model.workspace.history)
        self._on_changed(Event("reset"))

    def open_run(self) -> None:
        """File → Open run…: show the Training tab and ask it for a run folder."""
        panel = getattr(self, "training_panel", None)
        if panel is not None:
            self.tabs.setCurrentWidget(panel)
            panel._open_run_clicked()

    def open_example(self) -> bool:
        example = resource_path("examples", "chain_rule.gradviz")
        if not self.open_session(example):
            return False
        # never overwrite the shipped example: the title says so, and Save asks for a place
        self.session_path, self.example_name = None, example.name
        self._on_changed(Event("reset"))
        self.show_message(
            self.tr("Opened the example {0}; saving makes your own copy").format(example.name)
        )
        return True

    def save_session(self) -> bool:
        if self.session_path is None:
            return self.save_session_as()
        return self._save_to(self.session_path)

    def save_session_as(self, path: str | Path | None = None) -> bool:
        if not path:
            caption, suggested = self.tr("Save session"), "session.gradviz"
            if self.example_name:
                caption = self.tr("Save a copy of the example (examples are read-only)")
                suggested = str(Path.home() / self.example_name)
                self.show_message(self.tr("Examples are read-only: choose where to save your copy"))
            path, _ = QFileDialog.getSaveFileName(self, caption, suggested, self.tr(SESSION_FILTER))
            if not path:
                return False
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            self.model.workspace.save(path)
        except WorkspaceError as exc:
            self.show_message(self.tr("Could not save: {0}").format(exc))
            return False
        self.session_path, self.example_name = path, None
        self._saved_history = list(self.model.workspace.history)
        self.show_message(self.tr("Saved {0}").format(path))
        self._on_changed(Event("changed"))
        return True

    def export_code(self, path: str | Path | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, self.tr("Export code"), "session.py", self.tr("Python (*.py)")
            )
            if not path:
                return False
        target = Path(path)
        try:
            atomic_write(target, self.model.workspace.export_code(printout=True))
        except OSError as exc:
            self.show_message(self.tr("Could not export code: {0}").format(exc.strerror or exc))
            return False
        self.show_message(self.tr("Exported {0}").format(target))
        return True

    def ask_size_limit(self) -> None:
        """Edit → Size limit…: the most elements one tensor may have (remembered)."""
        value, ok = QInputDialog.getInt(
            self,
            self.tr("Size limit"),
            self.tr(
                "Most elements one tensor may have (results over it are refused before they are "
                "computed):"
            ),
            min(limits.max_elements(), 2**31 - 1),
            1,
            2**31 - 1,
            1_000_000,
        )
        if ok:
            self.set_size_limit(value)

    def set_size_limit(self, count: int) -> None:
        limits.set_max_elements(count)
        QSettings().setValue("max_elements", count)
        self.show_message(self.tr("Size limit: {0:,} elements per tensor").format(count))

    # ------------------------------------------------------------- theme
    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        effective = theme.apply_theme(app, name)
        QSettings().setValue("theme", name)
        for act in self.theme_actions.actions():
            act.setChecked(act.data() == name)
        self.show_message(
            self.tr("Theme: {0} ({1})").format(theme.label(name), theme.label(effective))
        )

    # ---------------------------------------------------------- language
    def set_language(self, code: str) -> None:
        """Save the choice; it applies at the next start (see gradviz.qt.i18n)."""
        QSettings().setValue(i18n.SETTING, code)
        for act in self.language_actions.actions():
            act.setChecked(act.data() == code)
        running = core_i18n.current_language()
        forced = core_i18n.forced_language()
        if forced:
            self.show_message(
                self.tr(
                    "GRADVIZ_LANG={0} is set: gradviz starts in that language until it is unset."
                ).format(forced)
            )
            return
        wanted = i18n.chosen_language()
        if wanted == running:
            self.show_message(self.tr("The interface is already in this language."))
            return
        text = self.tr("The language changes when gradviz restarts.")
        text += "\n" + AFTER_RESTART.get(wanted, "")
        if ask_restart(self, text) and self.close():
            restart_app()

    def about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About gradviz"),
            self.tr(
                "<b>gradviz {0}</b><p>See PyTorch's autograd at work: build tensors, "
                "apply ops, watch the graph grow, step through backward, train small nets.</p>"
            ).format(__version__),
        )

    # ---------------------------------------------------------- settings
    def _restore_settings(self) -> None:
        settings = QSettings()
        geometry = settings.value("geometry")
        state = settings.value("windowState")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = QGuiApplication.primaryScreen()
            size = screen.availableGeometry().size() if screen else None
            self.resize(
                min(1500, size.width()) if size else 1400, min(900, size.height()) if size else 900
            )
        self._needs_default_layout = state is None
        if state is not None:
            self.restoreState(state)
        try:  # a hand-edited settings file must not stop the app from starting
            limits.set_max_elements(
                int(settings.value("max_elements", limits.DEFAULT_MAX_ELEMENTS))
            )
        except (TypeError, ValueError):
            limits.set_max_elements(limits.DEFAULT_MAX_ELEMENTS)
        current = str(settings.value("theme", "system"))
        for act in self.theme_actions.actions():
            act.setChecked(act.data() == current)
        language = str(settings.value(i18n.SETTING, i18n.FOLLOW_SYSTEM))
        for act in self.language_actions.actions():
            act.setChecked(act.data() == language)
        if i18n.font_missing():
            self.show_message(i18n.NO_CJK_FONT)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._may_discard():
            event.ignore()
            return
        for widget in self.findChildren(QWidget):
            shutdown = getattr(widget, "shutdown", None)
            if callable(shutdown):
                shutdown()  # stop background workers within one step
        settings = QSettings()
        settings.setValue("geometry", self.saveGeometry())
        # remember the workbench layout, not the docks hidden while training
        settings.setValue("windowState", self._workbench_state or self.saveState())
        self.model.close()
        super().closeEvent(event)
