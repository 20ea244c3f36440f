"""Bridge the Qt-free Workspace to Qt: its events become a Qt signal, and the
current selection lives here so every panel follows the same tensor."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from gradviz.core.workspace import Event, Workspace


class WorkspaceModel(QObject):
    """Owns the Workspace for the GUI and re-emits its events on the GUI thread."""

    changed = Signal(object)  # gradviz.core.workspace.Event
    selectionChanged = Signal(str)  # tensor name, "" for none
    objectSelected = Signal(str)  # a module/optimizer/array picked in the object list
    message = Signal(str)  # for the status bar

    def __init__(self, workspace: Workspace | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace or Workspace()
        self._selected = ""
        self.workspace.subscribe(self._on_event)

    def close(self) -> None:
        self.workspace.unsubscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        if self._selected and self._selected not in self.workspace.tensors:
            self._selected = ""
            self.selectionChanged.emit("")
        if event.kind == "added" and event.names:
            self.select(event.names[-1])
        elif event.kind == "reset" and not self._selected and event.names:
            self.select(event.names[-1])  # e.g. undoing a delete brings its tensor back selected
        self.changed.emit(event)
        if event.message:
            self.message.emit(event.message)

    @property
    def selected(self) -> str:
        return self._selected

    def select_object(self, name: str) -> None:
        """Pick a console object: one selection across both lists, so the tensor goes."""
        if name not in self.workspace.objects:
            return
        self.select("")
        self.objectSelected.emit(name)

    def select(self, name: str) -> None:
        name = name if name in self.workspace.tensors else ""
        if name != self._selected:
            self._selected = name
            self.selectionChanged.emit(name)
