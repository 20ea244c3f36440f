"""Background work for the GUI: a registry of live threads, so that closing
the app (and every test) can check that none is left running.

Long jobs are plain functions in ``gradviz.core``; this module only hosts them
on a QThread. Cancellation is a flag the job checks between steps: a thread is
never killed.
"""

from __future__ import annotations

import weakref

import shiboken6
from PySide6.QtCore import QThread

_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


def track(thread: QThread) -> QThread:
    """Remember ``thread`` so :func:`live_threads` can find it."""
    _threads.add(thread)
    return thread


def live_threads() -> list[QThread]:
    """Tracked threads whose C++ object still exists (a deleted parent takes it along)."""
    return [t for t in list(_threads) if t is not None and shiboken6.isValid(t)]
