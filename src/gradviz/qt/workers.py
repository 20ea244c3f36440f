"""Background work for the GUI: a registry of live threads, so that closing
the app (and every test) can check that none is left running.

Long jobs are plain functions in ``gradviz.core``; this module only hosts them
on a QThread. Cancellation is a flag the job checks between steps: a thread is
never killed.
"""

from __future__ import annotations

import weakref

import shiboken6
from PySide6.QtCore import QCoreApplication, QThread

_threads: weakref.WeakSet[QThread] = weakref.WeakSet()
# threads that were asked to stop but are still finishing their last piece of work, with
# the Python objects they use: dropping the last reference to a running QThread aborts
_parked: dict[QThread, tuple[object, ...]] = {}
_waiting_apps: weakref.WeakSet[QCoreApplication] = weakref.WeakSet()


def track(thread: QThread) -> QThread:
    """Remember ``thread`` so :func:`live_threads` can find it."""
    _threads.add(thread)
    return thread


def live_threads() -> list[QThread]:
    """Tracked threads whose C++ object still exists (a deleted parent takes it along)."""
    return [t for t in list(_threads) if t is not None and shiboken6.isValid(t)]


def park(thread: QThread, *keep: object) -> None:
    """Keep ``thread`` (already told to stop) and ``keep`` alive until it has finished,
    and make the application wait for it before it exits."""
    if thread in _parked or not thread.isRunning():
        return
    _parked[thread] = keep
    thread.finished.connect(lambda: _parked.pop(thread, None))
    app = QCoreApplication.instance()
    if app is not None and app not in _waiting_apps:
        app.aboutToQuit.connect(wait_parked)
        _waiting_apps.add(app)


def parked() -> list[QThread]:
    return list(_parked)


def wait_parked() -> None:
    """Block until every parked thread has finished (called as the application quits)."""
    for thread in list(_parked):
        thread.wait()
        _parked.pop(thread, None)
