"""Closing the main window during a long training step never aborts (issue 13 fault 4).

Before the fix, a step longer than the close wait left a running QThread to be
destroyed: "QThread: Destroyed while thread is still running", exit 134. Each case
runs the real app in a subprocess with a deliberately slow model and closes the
window while the worker is inside a step.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys, threading, time
    from torch import nn
    import gradviz.core.training.session as S
    from gradviz.qt import training_worker

    LAYERS, SLEEP, WAIT = {layers}, {sleep}, {wait}
    training_worker.CLOSE_WAIT_S = WAIT
    entered = threading.Event()

    class Slow(nn.Module):
        def forward(self, x):
            if self.training:  # evaluations run in eval mode: only steps are slow
                entered.set()
                time.sleep(SLEEP)
            return x

    real = S.build_model
    S.build_model = lambda config, data: nn.Sequential(
        *[Slow() for _ in range(LAYERS)], real(config, data)
    )

    from PySide6.QtCore import QTimer
    import gradviz.qt.main_window as mw
    from gradviz.qt.app import make_app

    mw.ask_discard = lambda parent: True
    app = make_app([])
    w = mw.MainWindow()
    w.show()
    panel = w.training_panel
    panel.form.demo.setCurrentIndex(panel.form.demo.findData("moons"))

    def close_when_inside_a_step():
        if entered.is_set():
            print("closing", flush=True)
            w.close()
        else:
            QTimer.singleShot(20, close_when_inside_a_step)

    QTimer.singleShot(0, panel.start)
    QTimer.singleShot(0, close_when_inside_a_step)
    rc = app.exec()
    print("exec returned", rc, flush=True)
    sys.exit(rc)
    """
)


@pytest.mark.parametrize(
    ("layers", "sleep", "wait"),
    [
        (400, 0.05, 10.0),  # a 20 s step of short layers: cancel lands between layers
        (1, 3.0, 0.2),  # one 3 s layer, longer than the wait: the thread is parked
    ],
    ids=["many-short-layers", "one-layer-longer-than-the-wait"],
)
def test_closing_the_window_inside_a_long_step_exits_cleanly(tmp_path, layers, sleep, wait):
    script = tmp_path / "close_during_step.py"
    script.write_text(SCRIPT.format(layers=layers, sleep=sleep, wait=wait))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "OMP_NUM_THREADS": "1",
        "XDG_CONFIG_HOME": str(tmp_path),  # QSettings go here, not the user's config
        "HOME": str(tmp_path),
    }
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env
    )
    assert "Destroyed while thread" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "closing" in proc.stdout and "exec returned 0" in proc.stdout
