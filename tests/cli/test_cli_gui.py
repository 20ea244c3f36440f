"""Launching the app: it starts and stays up; without a display it says so plainly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def test_gui_starts_and_keeps_running(tmp_path):
    env = _env(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path))
    example = ROOT / "resources" / "examples" / "chain_rule.gradviz"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradviz", "gui", str(example)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(6)
        assert proc.poll() is None, proc.communicate()[1]
    finally:
        proc.terminate()
        proc.wait(10)


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
