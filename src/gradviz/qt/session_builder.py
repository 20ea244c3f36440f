"""Build a training session off the GUI thread.

A "Your model" session runs the user's file: ``model()`` and ``data()`` may take as long
as they like (downloading a dataset, building a big net), so :class:`SessionBuilder`
runs :class:`~gradviz.core.training.session.TrainSession` on its own QThread and hands
back the session, or the same one plain line the panel would show, through queued
signals. User code cannot be interrupted: a builder still running when the app closes
is parked (:func:`gradviz.qt.workers.park`) and the app waits for it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal

from gradviz.core.devices import DeviceError
from gradviz.core.errors import explain
from gradviz.core.training.checkpoint import CheckpointError
from gradviz.core.training.config import ConfigError
from gradviz.core.training.session import TrainSession
from gradviz.qt import workers

EXPECTED = (ConfigError, DeviceError, CheckpointError, ValueError)  # their text is the line


class SessionBuilder(QThread):
    """Runs ``make()`` (``TrainSession(config)``, or loading a checkpoint) on its thread."""

    built = Signal(object)  # the TrainSession
    failed = Signal(str)  # one plain line: why it could not be built

    def __init__(self, make: Callable[[], TrainSession], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.make = make
        workers.track(self)

    def run(self) -> None:  # on the builder's thread
        try:
            session = self.make()
        except EXPECTED as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # noqa: BLE001  the user's code may raise anything
            self.failed.emit(explain(exc))
            return
        self.built.emit(session)
