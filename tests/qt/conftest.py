"""Qt fixtures: isolated settings, and a check that no QThread outlives its test."""

from __future__ import annotations

# PySide6 is a hard dependency: a broken install must fail here, never turn into skips
import PySide6  # noqa: F401
import pytest


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
