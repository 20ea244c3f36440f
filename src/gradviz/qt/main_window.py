"""The main window: dockable Workspace, Op palette, Inspector and Code panels
around a central area for the graph (and training), with menus, shortcuts,
a status bar, themes and a layout that is remembered between runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from gradviz import __version__
from gradviz.core.workspace import Event, WorkspaceError
from gradviz.qt import theme
from gradviz.qt.code_view import CodeView
from gradviz.qt.inspector import Inspector
from gradviz.qt.op_palette import OpPalette
from gradviz.qt.tensor_editor import WorkspacePanel
from gradviz.qt.tensor_form import NewTensorDialog
from gradviz.qt.workspace_model import WorkspaceModel
from gradviz.resources import resource_path

SESSION_FILTER = "gradviz sessions (*.gradviz *.json);;All files (*)"


class MainWindow(QMainWindow):
    def __init__(self, model: WorkspaceModel | None = None) -> None:
        super().__init__()
        self.model = model or WorkspaceModel(parent=self)
        self.session_path: Path | None = None
        self._saved_length = 0  # history length at the last save, for the "modified" mark
        self.setWindowTitle("gradviz")
        self.setWindowIcon(QIcon(str(resource_path("icons", "gradviz.svg"))))
        self.setDockNestingEnabled(True)

        self.workspace_panel = WorkspacePanel(self.model)
        self.palette = OpPalette(self.model)
        self.inspector = Inspector(self.model)
        self.code_view = CodeView(self.model)
        self.tabs = QTabWidget(objectName="center_tabs")
        self.tabs.setDocumentMode(True)
        self.graph_view = self._make_graph_view()
        self.tabs.addTab(self.graph_view, "Graph")
        self.setCentralWidget(self.tabs)

        self.docks: dict[str, QDockWidget] = {}
        self._dock("Workspace", self.workspace_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Op palette", self.palette, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Code", self.code_view, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(
            self.docks["Op palette"], self.docks["Inspector"], Qt.Orientation.Vertical
        )
        # the side columns run full height; the Code panel sits under the graph only
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks(
            [self.docks["Workspace"], self.docks["Op palette"]],
            [340, 380],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks([self.docks["Code"]], [170], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.docks["Op palette"], self.docks["Inspector"]], [430, 330], Qt.Orientation.Vertical
        )

        self._build_actions()
        self._build_menus()
        self.statusBar().showMessage(
            "Ready: create a tensor with Ctrl+N, then apply ops from the palette"
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
                "The computation graph appears here.", alignment=Qt.AlignmentFlag.AlignCenter
            )
            label.setObjectName("hint")
            return label
        view = GraphView(self.model.workspace)
        view.nodeClicked.connect(self._node_clicked)
        self.model.selectionChanged.connect(view.select_name)  # selection shows in the graph
        return view

    def _node_clicked(self, node: object) -> None:
        ref = getattr(node, "ref", None)
        name = getattr(node, "name", None)
        if name and name in self.model.workspace.tensors:
            self.model.select(name)
            self.inspector.show_tensor(name)
        elif ref is not None and hasattr(ref, "next_functions"):
            self.inspector.show_function(ref)
        elif ref is not None:
            self.inspector.show_value(getattr(node, "label", "tensor"), ref)
        self.docks["Inspector"].raise_()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
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
        self.act_new_tensor = self._action("&New tensor…", self.new_tensor, "Ctrl+N")
        self.act_new_session = self._action("New &session", self.new_session, "Ctrl+Shift+N")
        self.act_open = self._action("&Open session…", self.open_session, K.Open)
        self.act_save = self._action("&Save session", self.save_session, K.Save)
        self.act_save_as = self._action("Save session &as…", self.save_session_as, "Ctrl+Shift+S")
        self.act_export = self._action("&Export code…", self.export_code, "Ctrl+E")
        self.act_quit = self._action("&Quit", self.close, K.Quit)
        self.act_undo = self._action("&Undo", self.undo, K.Undo)
        self.act_redo = self._action("&Redo", self.redo, "Ctrl+Shift+Z")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.act_delete = self._action(
            "&Delete tensor", self.workspace_panel.delete_selected, K.Delete
        )
        self.act_example = self._action("Open &example session", self.open_example)
        self.act_about = self._action("&About gradviz", self.about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for a in (self.act_new_session, self.act_open, self.act_save, self.act_save_as):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.act_export)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit = bar.addMenu("&Edit")
        for a in (self.act_undo, self.act_redo):
            edit.addAction(a)
        edit.addSeparator()
        edit.addAction(self.act_new_tensor)
        edit.addAction(self.act_delete)
        self.view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self._view_separator = self.view_menu.addSeparator()
        theme_menu = self.view_menu.addMenu("&Theme")
        self.theme_actions = QActionGroup(self)
        for name in theme.THEMES:
            act = QAction(name.capitalize(), self, checkable=True)
            act.setData(name)
            act.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            self.theme_actions.addAction(act)
            theme_menu.addAction(act)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.act_example)
        help_menu.addAction(self.act_about)

    # ------------------------------------------------------------- state
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    def _on_changed(self, _event: Event) -> None:
        ws = self.model.workspace
        self.act_undo.setEnabled(ws.can_undo)
        self.act_redo.setEnabled(ws.can_redo)
        self.act_undo.setText(f"&Undo {ws.describe(ws.history[-1])}" if ws.can_undo else "&Undo")
        modified = len(ws.history) != self._saved_length
        name = self.session_path.name if self.session_path else "untitled"
        self.setWindowTitle(f"{name}{' •' if modified else ''} — gradviz")

    def undo(self) -> None:
        try:
            self.model.workspace.undo()
        except WorkspaceError as exc:
            self.show_message(str(exc))

    def redo(self) -> None:
        try:
            self.model.workspace.redo()
        except WorkspaceError as exc:
            self.show_message(str(exc))

    def new_tensor(self) -> NewTensorDialog:
        dialog = NewTensorDialog(self.model, self)
        dialog.setModal(False)
        dialog.show()
        self._dialog = dialog  # keep a reference; tests reach it here too
        return dialog

    def new_session(self) -> None:
        self.model.workspace.clear()
        self.session_path, self._saved_length = None, 0
        self._on_changed(Event("reset"))

    # ---------------------------------------------------------- sessions
    def open_session(self, path: str | Path | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Open session", "", SESSION_FILTER)
            if not path:
                return False
        try:
            self.model.workspace.load(path)
        except WorkspaceError as exc:
            self.show_message(f"Could not open: {exc}")
            return False
        self.session_path, self._saved_length = Path(path), len(self.model.workspace.history)
        self._on_changed(Event("reset"))
        return True

    def open_example(self) -> None:
        self.open_session(resource_path("examples", "chain_rule.gradviz"))
        self.session_path = None  # never overwrite the shipped example

    def save_session(self) -> bool:
        if self.session_path is None:
            return self.save_session_as()
        return self._save_to(self.session_path)

    def save_session_as(self, path: str | Path | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save session", "session.gradviz", SESSION_FILTER
            )
            if not path:
                return False
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            self.model.workspace.save(path)
        except WorkspaceError as exc:
            self.show_message(f"Could not save: {exc}")
            return False
        self.session_path, self._saved_length = path, len(self.model.workspace.history)
        self.show_message(f"Saved {path}")
        self._on_changed(Event("changed"))
        return True

    def export_code(self, path: str | Path | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export code", "session.py", "Python (*.py)"
            )
            if not path:
                return False
        target = Path(path)
        try:
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_text(self.model.workspace.export_code(), encoding="utf-8")
            tmp.replace(target)
        except OSError as exc:
            self.show_message(f"Could not export code: {exc.strerror or exc}")
            return False
        self.show_message(f"Exported {target}")
        return True

    # ------------------------------------------------------------- theme
    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        effective = theme.apply_theme(app, name)
        QSettings().setValue("theme", name)
        for act in self.theme_actions.actions():
            act.setChecked(act.data() == name)
        self.show_message(f"Theme: {name} ({effective})")

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About gradviz",
            f"<b>gradviz {__version__}</b><p>See PyTorch's autograd at work: build tensors, "
            "apply ops, watch the graph grow, step through backward, train small nets.</p>",
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
        if state is not None:
            self.restoreState(state)
        current = str(settings.value("theme", "system"))
        for act in self.theme_actions.actions():
            act.setChecked(act.data() == current)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for widget in self.findChildren(QWidget):
            shutdown = getattr(widget, "shutdown", None)
            if callable(shutdown):
                shutdown()  # stop background workers within one step
        settings = QSettings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("windowState", self.saveState())
        self.model.close()
        super().closeEvent(event)
