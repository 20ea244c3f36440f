"""Cyclic garbage is freed on the GUI thread, never in a worker thread (a full-suite run
hung when the training thread's allocations set off a collection that freed an earlier
test's widgets: ~QObject ran in the worker, holding Qt's lock, waiting for the GIL)."""

from __future__ import annotations

import gc
import threading


def _churn(kept: list) -> None:
    # kept alive: the collector counts live containers, and these are well past its 700
    kept.extend([i] for i in range(20_000))


def test_cyclic_garbage_is_freed_on_the_gui_thread_not_in_a_worker(qtbot):
    freed_in: list[int] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self  # only the cyclic collector can free it

        def __del__(self) -> None:
            freed_in.append(threading.get_ident())

    Cycle()
    kept: list = []
    worker = threading.Thread(target=_churn, args=(kept,))
    worker.start()
    worker.join()
    assert freed_in == []  # the worker's allocations collected nothing
    qtbot.waitUntil(lambda: bool(freed_in), timeout=5000)  # the GUI thread's timer did
    assert freed_in == [threading.get_ident()]
    kept.clear()


def test_the_app_turns_automatic_collection_off_and_collects_on_a_timer(qapp):
    from gradviz.qt.app import make_app

    app = make_app([])
    assert not gc.isenabled()
    collector = app._gradviz_gc
    assert collector.timer.isActive()
    assert make_app([])._gradviz_gc is collector  # once per app
