"""Cyclic garbage is collected on the GUI thread only.

Python runs its cyclic collector in whichever thread happens to allocate when a
threshold is crossed. The training worker allocates all the time, so it would be the
one to free a closed dialog, menu or panel that only a reference cycle kept alive:
Qt objects then die outside the GUI thread. A full-suite run hung that way, the
worker inside ``~QObject`` holding Qt's lock and waiting for the GIL while the GUI
thread, holding the GIL, waited for that lock.

pyqtgraph's :class:`GarbageCollector` turns automatic collection off and collects on
a GUI-thread timer instead (its documented purpose). Core code that pauses the
collector (``gc_paused``, ``trace_backward``) puts back the state it found, so it
stays off.
"""

from __future__ import annotations

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QCoreApplication

INTERVAL_S = 0.5  # how often the GUI thread looks at the collector's counts


def collect_on_gui_thread(app: QCoreApplication) -> GarbageCollector:
    """Install the GUI-thread collector for ``app`` (once; later calls return it)."""
    collector = getattr(app, "_gradviz_gc", None)
    if collector is None:
        collector = GarbageCollector(interval=INTERVAL_S)
        app._gradviz_gc = collector  # type: ignore[attr-defined]  # its timer lives with the app
    return collector
