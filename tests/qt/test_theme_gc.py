"""Switching the theme while closed windows wait for the garbage collector.

Restyling walks every widget and calls back into Python, and those calls allocate.
Before the fix the collector could run inside that walk and free a widget that only a
reference cycle kept alive: Qt then touched freed memory (exit 139, seen in CI).
The scenario runs in a subprocess, so a crash fails this test instead of the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc
    from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget
    from gradviz.qt.theme import apply_theme

    app = QApplication([])

    class Panel(QWidget):
        def __init__(self):
            super().__init__()
            self.me = self  # a cycle, as signal lambdas and back references make
            layout = QVBoxLayout(self)
            for i in range(20):
                layout.addWidget(QPushButton(f"b{i}"))
                layout.addWidget(QLabel("x"))

        def changeEvent(self, event):
            [[i] for i in range(200)]  # Python work that allocates, so may collect
            super().changeEvent(event)

    gc.set_threshold(50, 2, 2)  # collect often: what a long session does eventually
    for turn in range(40):
        panels = [Panel() for _ in range(10)]
        for p in panels:
            p.show()
        del panels, p  # closed windows, now only garbage in cycles
        apply_theme(app, "dark" if turn % 2 else "light")
    print("ok")
    """
)


def test_switching_theme_with_cyclic_garbage_widgets_never_crashes():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
