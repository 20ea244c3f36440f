"""Qt fixtures: isolated settings, and a check that no QThread outlives its test."""

from __future__ import annotations

# PySide6 is a hard dependency: a broken install must fail here, never turn into skips
import PySide6  # noqa: F401
import pytest


@pytest.fixture(autouse=True, scope="session")
def _gc_on_gui_thread(qapp):
    """As the app does (``make_app``): cyclic garbage, such as the widgets of earlier
    tests, is collected on the GUI thread, never in a training thread."""
    from gradviz.qt.gui_thread_gc import collect_on_gui_thread

    collect_on_gui_thread(qapp)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """QSettings write into the test's temp folder, never the user's real config."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    yield


@pytest.fixture(autouse=True)
def _no_leftover_threads(qapp):
    """Fail any test that leaves a QThread running (a worker not stopped on close)."""
    from PySide6.QtCore import QThread

    yield
    qapp.processEvents()
    running = [t for t in qapp.findChildren(QThread) if t.isRunning()]
    from gradviz.qt import workers

    running += [t for t in workers.live_threads() if t.isRunning()]
    assert not running, f"test left {len(running)} QThread(s) running"


@pytest.fixture(autouse=True)
def _never_block_on_discard(monkeypatch):
    """Closing a window with unsaved work asks first; tests answer "discard" unless they care."""
    monkeypatch.setattr("gradviz.qt.main_window.ask_discard", lambda parent: True)
    monkeypatch.setattr("gradviz.qt.main_window.ask_restart", lambda parent, text: False)


@pytest.fixture
def restore_theme(qapp):
    """Put the app's look back as it was after a test that switches the theme.

    Restyling walks every live widget; cyclic garbage freed by the collector during that
    walk crashed CI (exit 139). So collect first and keep the collector off meanwhile, as
    ``theme.apply_theme`` does."""
    import gc

    from PySide6.QtGui import QPalette

    from gradviz.core.graph_walk import gc_paused

    sheet, palette = qapp.styleSheet(), QPalette(qapp.palette())
    style, prop = qapp.style().name(), qapp.property("gradviz_theme")
    yield
    gc.collect()
    with gc_paused():
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)
        if qapp.style().name() != style:
            qapp.setStyle(style)
        qapp.setProperty("gradviz_theme", prop)


@pytest.fixture
def chinese(qapp):
    """The interface in Chinese for this test (build widgets after asking for it), then
    English again. need_font=False: CI may have no CJK font; the words are what is tested."""
    from gradviz.qt import i18n

    i18n.install(qapp, "zh_CN", need_font=False)
    yield
    i18n.install(qapp, "en")
