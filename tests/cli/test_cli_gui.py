"""Launching the app: it shows its window with the session; without a display it says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


# Runs `gradviz gui FILE` through the real entry point, in a child process that made the
# QApplication first (the app reuses it) and watches for the main window being shown: it
# then writes what the window shows to a file and quits from the event loop. No sleeping:
# a start that fails exits early, a start that hangs runs into the timeout, and both fail.
_WATCH = """
import json, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])
marker, session = sys.argv[1], sys.argv[2]

class Shown(QObject):
    def eventFilter(self, obj, event):
        # the loading window shows first (torch loads behind it); wait for the workbench
        shown = event.type() == QEvent.Type.Show and isinstance(obj, QMainWindow)
        if shown and hasattr(obj, "model"):
            app.removeEventFilter(self)
            QTimer.singleShot(0, lambda: report(obj))  # after the events the show queued
        return False

def report(window):
    info = {"title": window.windowTitle(), "visible": window.isVisible(),
            "tensors": sorted(window.model.workspace.tensors)}
    with open(marker, "w") as f:
        json.dump(info, f)
    app.quit()

watcher = Shown()
app.installEventFilter(watcher)
from gradviz.cli import main
sys.exit(main(["gui", session]))
"""
READY_WITHIN_S = 120  # generous for a loaded machine; a hang still fails


def test_gui_starts_shows_its_window_and_opens_the_session(tmp_path):
    env = _env(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path))
    example = ROOT / "resources" / "examples" / "chain_rule.gradviz"
    marker = tmp_path / "shown.json"
    try:
        out = subprocess.run(
            [sys.executable, "-c", _WATCH, str(marker), str(example)],
            env=env, capture_output=True, text=True, timeout=READY_WITHIN_S,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the window was not shown within {READY_WITHIN_S} s") from None
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    shown = json.loads(marker.read_text())
    assert shown["visible"] and shown["title"].startswith("chain_rule")
    assert shown["title"].endswith("— gradviz")
    session = json.loads(example.read_text())
    made = {a["target"] for a in session["actions"] if a.get("kind") in ("create", "apply")}
    assert made and made <= set(shown["tensors"])


def test_gui_without_display_fails_with_one_clear_line():
    env = _env()
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(key, None)
    if not sys.platform.startswith("linux"):
        return
    out = subprocess.run([sys.executable, "-m", "gradviz"], env=env, capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip().startswith("gradviz gui: error: no display found")
    assert "Traceback" not in out.stderr
