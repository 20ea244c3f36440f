"""Live attach: a script's gradviz.watch streams into a running Training panel (offscreen)."""

from __future__ import annotations

import socket
import threading

import numpy as np
import pytest
import torch
from torch import nn

from gradviz.core.training.runs import smooth
from gradviz.core.training.watch import protocol as P
from gradviz.core.training.watch import run as W
from gradviz.core.training.watch.record import RunReader
from gradviz.qt.training_panel import TrainingPanel

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def panel(qtbot):
    p = TrainingPanel(live_attach=True)
    qtbot.addWidget(p)
    p.resize(1400, 850)
    p.show()
    yield p
    p.shutdown()


@pytest.fixture(autouse=True)
def quick_reconnect(monkeypatch):
    monkeypatch.setattr(W, "RECONNECT_S", 0.05)
    monkeypatch.setattr(W, "DRAIN_S", 0.02)


class Script:
    """A training script on its own thread; ``go(n)`` trains n more steps."""

    def __init__(self, tmp_path, name: str) -> None:
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
        self.opt = torch.optim.SGD(self.net.parameters(), lr=0.05)
        self.x = torch.randn(16, 2)
        self.y = self.x.sum(dim=1, keepdim=True)
        self.run = W.watch(self.net, self.opt, name=name, logdir=tmp_path, every=1)
        self.folder = tmp_path / name
        self.losses: list[float] = []
        self.error: BaseException | None = None

    def _train(self, n: int) -> None:
        try:
            for _ in range(n):
                loss = nn.functional.mse_loss(self.net(self.x), self.y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                self.run.log(loss=loss, accuracy=0.5)
                self.losses.append(loss.item())
        except BaseException as exc:  # the test fails on it below
            self.error = exc

    def go(self, n: int) -> None:
        t = threading.Thread(target=self._train, args=(n,))
        t.start()
        t.join(60)
        assert self.error is None, self.error


def attached(panel):
    return [e for e in panel.runs.entries.values() if e.kind == "attached"]


def test_a_script_streams_into_the_panel_live(qtbot, panel, tmp_path):
    assert panel.server.listening and P.read_live()["port"] == panel.server.port
    script = Script(tmp_path, "live")
    script.go(12)
    qtbot.waitUntil(
        lambda: bool(attached(panel)) and attached(panel)[0].last_step >= 12, timeout=20_000
    )
    entry = attached(panel)[0]
    assert entry.name == "live" and entry.live
    loss = entry.history.series["train_loss"].data()[1]
    np.testing.assert_allclose(loss[:12], script.losses[:12], rtol=1e-6)
    assert "grad_norm/0" in entry.history.series and "update_ratio/2" in entry.history.series
    # shown like a demo run: the plots and Diagnosis follow the picked run
    panel.runs.set_current(entry.key)
    assert panel.shown_history() is entry.history
    assert panel.tabs.overview.kind == "table"
    script.run.close()
    qtbot.waitUntil(lambda: not entry.live, timeout=20_000)
    panel.grab().save(str(tmp_path / "attached.png"))


def test_joining_midway_keeps_the_history_from_the_start(qtbot, panel, tmp_path):
    panel.server.stop()  # no app yet: the script writes its folder only
    script = Script(tmp_path, "midway")
    script.go(5)
    assert panel.start_live_attach()  # the app starts; the script finds it
    script.go(5)
    qtbot.waitUntil(
        lambda: bool(attached(panel)) and attached(panel)[0].last_step >= 10, timeout=20_000
    )
    steps = attached(panel)[0].history.series["train_loss"].data()[0]
    assert steps.tolist() == list(range(1, 11))  # from the start, once each
    script.run.close()


def test_torn_connection_script_keeps_training_into_its_folder(qtbot, panel, tmp_path):
    script = Script(tmp_path, "torn")
    script.go(3)
    qtbot.waitUntil(
        lambda: bool(attached(panel)) and attached(panel)[0].last_step >= 3, timeout=20_000
    )
    panel.server.stop()  # the app goes away mid-run
    qtbot.waitUntil(lambda: not attached(panel)[0].live, timeout=20_000)
    script.go(20)  # no exception: training goes on
    script.run.close()
    reports = RunReader(script.folder).read_new()
    assert [r.step for r in reports[:23]] == list(range(1, 24))[:23]
    assert len(script.losses) == 23


def raw_client(port: int) -> socket.socket:
    return socket.create_connection((P.HOST, port), timeout=5)


def test_unauthenticated_client_is_refused(qtbot, panel):
    sock = raw_client(panel.server.port)
    sock.sendall(P.encode({"type": "hello", "token": "guess", "run": "evil", "folder": ""}))
    sock.sendall(P.encode({"type": "record", "step": 1, "loss": 1.0}))
    qtbot.waitUntil(lambda: panel.server.refused == 1, timeout=10_000)
    assert attached(panel) == []
    sock.settimeout(5)
    assert sock.recv(1) == b""  # the app closed the connection
    sock.close()


def test_malformed_messages_are_dropped_and_the_run_goes_on(qtbot, panel, caplog):
    info = P.read_live()
    sock = raw_client(panel.server.port)
    sock.sendall(P.encode({"type": "hello", "token": info["token"], "run": "raw", "folder": ""}))
    body = b"\xc1\xc1 not msgpack"
    sock.sendall(P.HEADER.pack(len(body)) + body)  # garbage
    sock.sendall(P.encode({"type": "record", "step": "x"}))  # wrong field
    sock.sendall(P.encode({"type": "record", "step": 2, "loss": 0.5}))  # fine
    qtbot.waitUntil(
        lambda: bool(attached(panel)) and attached(panel)[0].last_step == 2, timeout=10_000
    )
    assert panel.server.dropped == 2
    assert "dropped a malformed" in caplog.text
    # an oversized frame closes that connection, and nothing else
    sock.sendall(P.HEADER.pack(P.MAX_FRAME + 1))
    qtbot.waitUntil(lambda: not attached(panel)[0].live, timeout=10_000)
    assert attached(panel)[0].history.series["train_loss"].data()[1].tolist() == [0.5]
    sock.close()


def test_open_a_run_folder_and_compare_it_with_smoothing(qtbot, panel, tmp_path):
    panel.server.stop()
    a = Script(tmp_path, "first")
    a.go(30)
    a.run.close()
    b = Script(tmp_path, "second")
    b.opt.param_groups[0]["lr"] = 0.2
    b.go(30)
    b.run.close()
    first = panel.open_run(tmp_path / "first")
    second = panel.open_run(tmp_path / "second")
    assert panel.shown_history() is second.history
    assert panel.open_run(tmp_path) is None  # not a run folder: one line, nothing added
    assert "is not a gradviz run" in panel.message.text() and len(panel.runs.entries) == 2
    csv_path = tmp_path / "second.csv"
    assert panel.export_csv(csv_path) and "grad_norm/0" in csv_path.read_text()

    items = panel.run_list.list
    from PySide6.QtCore import Qt

    for i in range(items.count()):
        items.item(i).setCheckState(Qt.CheckState.Checked)
    assert first.checked and second.checked
    panel.tabs.setCurrentWidget(panel.compare)
    panel.compare.slider.setValue(60)
    curves = [c for c in panel.compare.loss_plot.listDataItems() if c.name()]
    assert [c.name() for c in curves] == ["first", "second"]
    x, y = first.history.series["train_loss"].data()
    # TensorBoard's debiased EMA, by hand
    expected, last = [], 0.0
    for n, v in enumerate(y, start=1):
        last = 0.6 * last + 0.4 * v
        expected.append(last / (1 - 0.6**n))
    np.testing.assert_allclose(curves[0].getData()[1], expected, rtol=1e-9)
    np.testing.assert_allclose(smooth(y, 0.0), y)
    panel.grab().save(str(tmp_path / "compare.png"))


def test_an_opened_folder_is_followed_while_its_script_writes_it(qtbot, panel, tmp_path):
    """No app to stream to: the script only writes its folder. Opened midway, the folder is
    followed: what the script appends shows up, and its end ends the following."""
    panel.server.stop()
    script = Script(tmp_path, "solo")
    script.go(10)
    qtbot.waitUntil(lambda: len(RunReader(script.folder).read_new()) >= 10, timeout=10_000)
    panel.timer.setInterval(10**6)  # no redraw ticks: only the run's end may draw its last frame
    entry = panel.open_run(script.folder)
    assert entry.live and "● live" in panel.run_list.list.item(0).text()
    series = entry.history.series["train_loss"]
    assert len(series.data()[1]) == 10
    script.go(15)  # the script goes on writing; the panel reads only what it appends
    qtbot.waitUntil(lambda: len(series.data()[1]) == 25, timeout=10_000)
    np.testing.assert_allclose(series.data()[1], script.losses, rtol=1e-6)
    assert entry.live
    events = script.folder / "events.jsonl"
    assert panel._followed[entry.key]._offset == events.stat().st_size  # all read, once
    script.run.close()  # its last record says "finished": following stops
    qtbot.waitUntil(lambda: not entry.live, timeout=10_000)
    assert "● live" not in panel.run_list.list.item(0).text()
    assert not panel._follow_timer.isActive()
    norms = panel.tabs.overview.grad_plot.listDataItems()[0].getData()[0]
    assert len(norms) == 25  # every plot drew the end of the run, not only the loss
    panel.grab().save(str(tmp_path / "followed.png"))
