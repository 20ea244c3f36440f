"""A window before torch (issue 10): the loading window shows at once with its panels
disabled and a note, torch is imported on another thread, then the main window takes over."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from gradviz.qt.app import LOADING_NOTE, Launcher

ROOT = Path(__file__).resolve().parents[2]


def test_the_loading_window_comes_first_then_the_main_window(qtbot):
    release = threading.Event()
    launcher = Launcher(load=lambda: release.wait(30))
    launcher.start()
    qtbot.waitExposed(launcher.loading)
    assert launcher.loading.isVisible() and launcher.window is None
    assert launcher.loading.note.text() == LOADING_NOTE
    assert launcher.loading.panels and not any(p.isEnabled() for p in launcher.loading.panels)
    assert not any(a.isEnabled() for a in launcher.loading.menuBar().actions())
    qtbot.wait(50)
    assert launcher.window is None  # still loading: no main window yet
    release.set()
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=10_000)
    qtbot.addWidget(launcher.window)
    assert launcher.window.isVisible() and launcher.loading is None  # closed and let go
    assert launcher.window.backward_panel.isEnabled()
    launcher.join(10)


def test_a_failed_import_is_said_in_the_window(qtbot):
    def broken() -> None:
        raise ImportError("libtorch_cpu.so: cannot open shared object file")

    launcher = Launcher(load=broken)
    launcher.start()
    qtbot.waitUntil(lambda: "could not be loaded" in launcher.loading.note.text())
    assert "libtorch_cpu.so" in launcher.loading.note.text() and launcher.window is None
    launcher.join(10)
    launcher.loading.close()


def test_gradviz_gui_shows_its_window_before_torch_is_imported(tmp_path):
    code = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "import gradviz.qt.app as A\n"
        "seen = []\n"
        "show = A.LoadingWindow.showEvent\n"
        "def spy(self, event):\n"
        "    seen.append('torch' in sys.modules)\n"
        "    show(self, event)\n"
        "A.LoadingWindow.showEvent = spy\n"
        "app = A.make_app([])\n"
        "launcher = A.Launcher()\n"
        "def done():\n"
        "    if launcher.window is None:\n"
        "        return QTimer.singleShot(20, done)\n"
        "    print('TORCH_AT_FIRST_SHOW', seen[0], 'MAIN', launcher.window.isVisible())\n"
        "    launcher.window._saved_history = list(launcher.window.model.workspace.history)\n"
        "    app.quit()\n"
        "launcher.start()\n"
        "QTimer.singleShot(20, done)\n"
        "app.exec()\n"
        "launcher.join(30)\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # never the user's settings
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert "TORCH_AT_FIRST_SHOW False MAIN True" in out.stdout, out.stdout + out.stderr
