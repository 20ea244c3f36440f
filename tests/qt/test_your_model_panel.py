"""The Training panel's "Your model": a .py file (and a CSV) train like a demo, errors say why."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from gradviz.qt.training_panel import TrainingPanel

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MODEL = """
import torch
from torch import nn

def model():
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))

def data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(300, 2, generator=g)
    return x, (x[:, 0] * x[:, 1] > 0).long()
"""


@pytest.fixture
def panel(qtbot):
    p = TrainingPanel()
    qtbot.addWidget(p)
    p.resize(1400, 850)
    p.show()
    return p


def choose_your_model(panel, path) -> None:
    form = panel.form
    form.demo.setCurrentIndex(form.demo.findData("custom"))
    form.your_model.model_file.setText(str(path))


def test_your_model_trains_with_plots_inspect_checkpoint_and_csv(qtbot, panel, tmp_path):
    path = tmp_path / "net.py"
    path.write_text(MODEL)
    choose_your_model(panel, path)
    box = panel.form.your_model
    assert box.isVisible() and "runs it" in box.warning.text()
    panel.form.unit.setCurrentText("steps")
    panel.form.length.setValue(120)
    with qtbot.waitSignal(panel.runFinished, timeout=60_000) as done:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
        assert "running net.py (Python code)" in panel.message.text()
        qtbot.waitUntil(lambda: "net.py (your code)" in panel.message.text(), timeout=30_000)
    assert done.args[0].status == "finished"
    h = panel.history
    for key in ("train_loss", "test_accuracy", "grad_norm/0", "update_ratio/2"):
        assert len(h.series[key]) > 0, key
    assert "weight/0" in h.rows and "act/1" in h.rows
    # a 2-D classifier: the decision boundary is drawn as for the demos
    assert panel.tabs.overview.kind == "2d" and h.last_detail.boundary is not None
    graph = panel.inspect()
    assert graph is not None
    assert panel.save_checkpoint(tmp_path / "m.pt")
    panel.session.step = 0
    assert panel.load_checkpoint(tmp_path / "m.pt")  # the chosen file rebuilds the model
    assert "running net.py (Python code)" in panel.message.text()  # in the background
    qtbot.waitUntil(lambda: panel.session.step == 120, timeout=30_000)
    assert (
        "loaded m.pt at step 120" in panel.message.text() or "loaded m.pt" in panel.message.text()
    )
    assert panel.export_csv(tmp_path / "m.csv")
    assert "test_accuracy" in (tmp_path / "m.csv").read_text().splitlines()[0]
    panel.tabs.setCurrentIndex(0)
    panel.grab().save(str(tmp_path / "your_model.png"))


def test_csv_columns_fill_the_picker_and_train(qtbot, panel, tmp_path):
    g = np.random.default_rng(0)
    x = g.normal(size=(200, 3))
    np.savetxt(tmp_path / "d.csv", np.c_[x, x.sum(axis=1)], delimiter=",", header="a,b,c,y")
    (tmp_path / "d.csv").write_text((tmp_path / "d.csv").read_text().lstrip("# "))
    (tmp_path / "reg.py").write_text(
        "from torch import nn\ndef model():\n    return nn.Linear(3, 1)\n"
    )
    choose_your_model(panel, tmp_path / "reg.py")
    box = panel.form.your_model
    assert box.set_data_file(str(tmp_path / "d.csv"))
    assert [box.target.itemText(i) for i in range(box.target.count())] == ["a", "b", "c", "y"]
    assert box.target.currentText() == "y" and box.picked_features() == ("a", "b", "c")
    panel.form.unit.setCurrentText("steps")
    panel.form.length.setValue(30)
    with qtbot.waitSignal(panel.runFinished, timeout=60_000):
        panel.start()
    assert panel.session.task == "regression" and panel.tabs.overview.kind == "table"
    assert torch.equal(panel.session.data_cpu.x_train[:0], torch.zeros(0, 3))


def test_bad_files_say_one_line_and_change_nothing(qtbot, panel, tmp_path):
    (tmp_path / "empty.py").write_text("x = 1\n")
    choose_your_model(panel, tmp_path / "empty.py")
    panel.start()
    qtbot.waitUntil(lambda: "cannot start" in panel.message.text(), timeout=30_000)
    assert panel.session is None and not panel.is_running()
    assert panel.message.text() == "cannot start: empty.py does not define model()"
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,x\n")
    box = panel.form.your_model
    assert not box.set_data_file(str(bad))
    assert box.data_file.text() == "" and box.target.count() == 0
    assert panel.message.text() == "bad.csv row 2, column 'b': 'x' is not a number"


SLOW = """
import threading, time
from pathlib import Path
import torch
from torch import nn

def model():
    Path(r"{ran}").write_text(threading.current_thread().name)
    deadline = time.monotonic() + 30
    while not Path(r"{go}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # a slow model(): a download, a big net
    if Path(r"{go}").read_text() == "raise":
        raise RuntimeError("no weights found")
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))

def data():
    x = torch.linspace(-1, 1, 200).reshape(100, 2)
    return x, (x[:, 0] > 0).long()
"""


@pytest.mark.parametrize("outcome", ["trains", "raises"])
def test_a_slow_model_file_runs_in_the_background(qtbot, panel, tmp_path, outcome):
    """While model() runs, the window goes on drawing and answering; then the run starts,
    or the file's error is the same one line as ever."""
    ran, go = tmp_path / "ran.txt", tmp_path / "go.txt"
    (tmp_path / "slow.py").write_text(SLOW.format(ran=ran, go=go))
    choose_your_model(panel, tmp_path / "slow.py")
    panel.form.unit.setCurrentText("steps")
    panel.form.length.setValue(20)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(ran.exists, timeout=30_000)
    assert ran.read_text() != "MainThread"
    # model() is blocked, and the GUI thread is free: a timer fires, a click is answered
    ticks = []
    from PySide6.QtCore import QTimer

    timer = QTimer(panel)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=5_000)
    timer.stop()
    assert "running slow.py (Python code)" in panel.message.text()
    assert not panel.start_button.isEnabled() and not panel.step_button.isEnabled()
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)  # refused: no second run
    assert panel.session is None
    if outcome == "raises":
        go.write_text("raise")
        qtbot.waitUntil(lambda: "cannot start" in panel.message.text(), timeout=30_000)
        want = "cannot start: model() in slow.py raised RuntimeError: no weights found"
        assert panel.message.text() == want
        assert panel.session is None and panel.start_button.isEnabled()
        return
    with qtbot.waitSignal(panel.runFinished, timeout=60_000) as done:
        go.write_text("go")
    assert done.args[0].status == "finished" and panel.session.step == 20
    assert panel.start_button.isEnabled()
