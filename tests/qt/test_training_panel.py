"""The Training panel trains real demo nets offscreen: start, pause, step, stop, close."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from gradviz.core.training.datasets import TRUE_B, TRUE_W
from gradviz.core.training.metrics import activation_curve
from gradviz.qt import workers
from gradviz.qt.training_panel import TrainingPanel

LONG = 1_000_000  # steps: a run that only ends when the test ends it


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def panel(qtbot):
    p = TrainingPanel()
    qtbot.addWidget(p)
    p.resize(1400, 850)
    p.show()
    return p


def pick(panel: TrainingPanel, demo: str, steps: int | None = None) -> None:
    panel.form.demo.setCurrentIndex(panel.form.demo.findData(demo))
    panel.speed.set_pace(None)  # tests run as fast as possible, not at a watchable pace
    if steps is not None:
        panel.form.unit.setCurrentText("steps")
        panel.form.length.setValue(steps)


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_step(qtbot, panel, at_least: int, timeout: int = 20_000) -> None:
    qtbot.waitUntil(
        lambda: panel.history.last is not None and panel.history.last.step >= at_least,
        timeout=timeout,
    )


def test_start_trains_to_the_end_and_every_plot_gets_data(qtbot, panel):
    pick(panel, "moons")
    assert panel.progress.value() == 0
    with qtbot.waitSignal(panel.runFinished, timeout=60_000) as done:
        click(qtbot, panel.start_button)
        assert panel.is_running() and not panel.start_button.isEnabled()
    result = done.args[0]
    assert result.status == "finished" and result.step == panel.session.total_steps
    assert panel.progress.value() == 1000
    assert f"step {result.step:,} / {result.step:,}" in panel.progress_label.text()
    assert "finished" in panel.message.text() and "test accuracy" in panel.message.text()
    # every plot of every tab received data
    panel.tabs.refresh_all(panel.history)
    ov = panel.tabs.overview
    x, y = ov.loss.curves["train_loss"].getData()
    assert len(x) > 1 and np.all(np.isfinite(y))
    assert len(ov.third.curves["test_accuracy"].getData()[0]) > 1
    assert set(ov.grads.curves) == {"fc1", "fc2", "out"}
    img = ov.boundary.image.image.astype(int)  # the 48 x 48 grid, smoothed to 96 x 96
    assert img.shape == (96, 96, 3)
    assert (img[..., 2] > img[..., 0] + 40).any() and (img[..., 0] > img[..., 2] + 40).any()
    assert panel.tabs.weights.weight_map.image.image is not None
    assert panel.tabs.weights.grad_map.image.image is not None
    acts = panel.tabs.activations
    assert len(acts.stats.curves["mean/tanh1"].getData()[0]) > 0
    assert acts.hist_map.image.image is not None
    # the thread is gone once the run is over
    qtbot.waitUntil(lambda: not panel.run.is_running())
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()


def test_pause_step_and_stop_a_real_run(qtbot, panel):
    pick(panel, "spiral", LONG)
    click(qtbot, panel.start_button)
    wait_step(qtbot, panel, 1)
    click(qtbot, panel.pause_button)
    qtbot.waitUntil(lambda: panel.run.state.waiting)
    assert panel.pause_button.text() == "Resume"
    held = panel.session.step
    qtbot.wait(100)
    assert panel.session.step == held  # paused: no step runs
    for n in (1, 2):
        click(qtbot, panel.step_button)
        qtbot.waitUntil(lambda n=n: panel.history.last.step == held + n and panel.run.state.waiting)
    assert panel.history.last.status == "paused"
    assert panel.save_button.isEnabled() and panel.inspect_button.isEnabled()
    with qtbot.waitSignal(panel.runFinished, timeout=10_000) as done:
        click(qtbot, panel.stop_button)
    assert done.args[0].status == "stopped" and done.args[0].step == held + 2
    assert not panel.run.is_running()
    # the model is kept: Resume goes on from where it stopped
    assert panel.pause_button.text() == "Resume" and panel.pause_button.isEnabled()
    click(qtbot, panel.pause_button)
    wait_step(qtbot, panel, held + 10)
    with qtbot.waitSignal(panel.runFinished, timeout=10_000):
        click(qtbot, panel.stop_button)


def test_step_from_idle_trains_exactly_one_batch(qtbot, panel):
    pick(panel, "gauss")
    click(qtbot, panel.step_button)
    qtbot.waitUntil(lambda: panel.run.state.waiting and panel.history.last.step == 1)
    assert panel.session.step == 1 and panel.progress.value() > 0
    with qtbot.waitSignal(panel.runFinished, timeout=10_000):
        click(qtbot, panel.stop_button)


def test_closing_the_panel_stops_the_worker_within_a_step(qtbot, panel):
    pick(panel, "spiral", LONG)
    click(qtbot, panel.start_button)
    wait_step(qtbot, panel, 1)
    thread = panel.run.thread
    assert thread.isRunning()
    panel.close()  # closeEvent -> shutdown(): cancel, then wait for the current step
    assert not thread.isRunning()
    assert not [t for t in workers.live_threads() if t.isRunning()]


def test_shutdown_while_paused_returns(qtbot, panel):
    pick(panel, "spiral", LONG)
    click(qtbot, panel.start_button)
    wait_step(qtbot, panel, 1)
    panel.pause()
    qtbot.waitUntil(lambda: panel.run.state.waiting)
    panel.shutdown()
    assert not panel.run.is_running()


def test_bad_input_is_explained_and_nothing_is_lost(qtbot, panel):
    pick(panel, "moons")
    panel.form.lr.setText("0.0.1")
    panel.form.hidden.setText("8, 8")
    with qtbot.waitSignal(panel.statusMessage) as msg:
        click(qtbot, panel.start_button)
    assert "learning rate" in msg.args[0]
    assert "learning rate" in panel.message.text()
    assert panel.run is None and panel.session is None
    assert panel.form.lr.text() == "0.0.1" and panel.form.hidden.text() == "8, 8"
    panel.form.lr.setText("0.03")
    panel.form.hidden.setText("8, -1")
    click(qtbot, panel.start_button)
    assert "hidden size" in panel.message.text() and panel.run is None


def test_devices_that_are_not_available_are_disabled_with_the_reason(panel):
    combo = panel.form.device
    model = combo.model()
    names = [combo.itemData(i) for i in range(combo.count())]
    assert names[0] == "cpu" and model.item(0).isEnabled()
    assert "mps" in names
    if not torch.cuda.is_available():
        i = names.index("cuda")
        assert not model.item(i).isEnabled()
        assert "not available" in model.item(i).toolTip()
    else:
        assert model.item(names.index("cuda:0")).isEnabled()


def test_each_demo_shows_its_data_before_training(qtbot, panel):
    pick(panel, "linreg")
    ov = panel.tabs.overview
    scatter = [i for i in ov.data_plot.getPlotItem().items if hasattr(i, "points")]
    assert scatter and len(scatter[0].points()) == 1000
    assert not panel.form.hidden.isEnabled()  # linreg is nn.Linear(2, 1)
    pick(panel, "moons")
    assert len(ov.boundary.train.points()) == 350 and len(ov.boundary.test.points()) == 150
    panel.form.test_split.setValue(0.5)
    assert len(ov.boundary.test.points()) == 250
    pick(panel, "twolayer")
    assert ov.matrix.image.image.shape == (21, 64)  # y and ŷ stacked with a gap row
    assert not panel.form.noise.isEnabled()


def test_linreg_learns_the_truth_and_shows_w_and_b(qtbot, panel):
    pick(panel, "linreg")
    with qtbot.waitSignal(panel.runFinished, timeout=60_000):
        click(qtbot, panel.start_button)
    params = panel.history.last.params
    assert abs(params["w1"] - TRUE_W[0]) < 0.01 and abs(params["w2"] - TRUE_W[1]) < 0.01
    assert abs(params["b"] - TRUE_B) < 0.01
    panel.tabs.refresh_all(panel.history)
    ws = panel.tabs.overview.third.curves["param/w1"].getData()[1]
    assert ws[-1] == pytest.approx(params["w1"], abs=0.01)
    assert "truth" in panel.tabs.overview.summary.text()


def test_activation_curve_is_autograd_derivative(qtbot, panel):
    panel.form.activation.setCurrentText("sigmoid")
    items = panel.tabs.activations.curve_plot.getPlotItem().listDataItems()
    (x, f), (_x, df) = items[0].getData(), items[1].getData()
    xt = torch.tensor(x, requires_grad=True)
    (grad,) = torch.autograd.grad(torch.sigmoid(xt).sum(), xt)
    assert np.allclose(df, grad.numpy()) and np.allclose(f, torch.sigmoid(xt).detach().numpy())
    assert np.allclose(activation_curve("sigmoid")[2], df)


def test_nan_pauses_and_names_the_layer(qtbot, panel):
    pick(panel, "linreg")
    panel.form.lr.setText("5")
    with qtbot.waitSignal(
        panel.statusMessage, timeout=20_000, check_params_cb=lambda m: "inf" in m
    ):
        click(qtbot, panel.start_button)
    qtbot.waitUntil(lambda: panel.run.state.waiting)
    assert panel.is_paused() and "'linear'" in panel.message.text()
    assert torch.isfinite(panel.session.model[0].weight).all()  # the bad step was held back
    with qtbot.waitSignal(panel.runFinished, timeout=10_000):
        click(qtbot, panel.stop_button)


def test_checkpoints_round_trip_through_the_panel(qtbot, panel, tmp_path):
    pick(panel, "moons", LONG)
    click(qtbot, panel.start_button)
    wait_step(qtbot, panel, 30)
    with qtbot.waitSignal(panel.runFinished, timeout=10_000):
        click(qtbot, panel.stop_button)
    path = tmp_path / "moons.pt"
    assert panel.save_checkpoint(path) and path.exists()
    weights = [p.detach().clone() for p in panel.session.model.parameters()]

    other = TrainingPanel()
    qtbot.addWidget(other)
    assert other.load_checkpoint(path)
    assert other.form.demo.currentData() == "moons"
    assert other.form.unit.currentText() == "steps" and other.form.length.value() == LONG
    for a, b in zip(weights, other.session.model.parameters(), strict=True):
        assert torch.equal(a, b)
    assert other.pause_button.text() == "Resume" and other.pause_button.isEnabled()
    assert "loaded" in other.message.text()
    assert other.history.last_detail.boundary is not None  # the loaded model's boundary shows


def test_a_malicious_checkpoint_is_refused_and_nothing_changes(qtbot, panel, tmp_path):
    import os

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo hacked",))

    pick(panel, "moons")
    with qtbot.waitSignal(panel.runFinished, timeout=60_000):
        click(qtbot, panel.start_button)
    session, lr = panel.session, panel.form.lr.text()
    bad = tmp_path / "evil.pt"
    torch.save({"format": "gradviz-checkpoint", "x": Evil()}, bad)
    assert not panel.load_checkpoint(bad)
    assert "refused" in panel.message.text()
    assert panel.session is session and panel.form.lr.text() == lr


def test_export_csv_and_every_plot_as_png(qtbot, panel, tmp_path):
    pick(panel, "gauss")
    with qtbot.waitSignal(panel.runFinished, timeout=60_000):
        click(qtbot, panel.start_button)
    csv_path = tmp_path / "m.csv"
    assert panel.export_csv(csv_path)
    rows = list(csv.reader(csv_path.open()))
    assert rows[0][0] == "step" and "test_accuracy" in rows[0] and len(rows) > 2
    written = panel.export_plots(tmp_path)
    assert len(written) == len(panel.tabs.plots) == 12  # Compare adds loss and accuracy
    for path in written:
        image = QImage(str(path))
        assert not image.isNull() and image.width() > 100 and image.height() > 100
    assert not panel.export_plots(tmp_path / "missing")
    assert "not a folder" in panel.message.text()


def test_inspect_this_step_sends_the_loss_graph(qtbot, panel):
    pick(panel, "moons")
    click(qtbot, panel.step_button)
    qtbot.waitUntil(lambda: panel.run is not None and panel.run.state.waiting)
    with qtbot.waitSignal(panel.inspectRequested) as sent:
        click(qtbot, panel.inspect_button)
    graph = sent.args[0]
    assert len(graph) > 0
    assert any("fc1" in m for m in graph.modules())
    with qtbot.waitSignal(panel.runFinished, timeout=10_000):
        click(qtbot, panel.stop_button)


def test_a_report_is_drawn_by_the_timer_not_when_it_arrives(qtbot, panel, monkeypatch):
    pick(panel, "moons")
    click(qtbot, panel.step_button)
    qtbot.waitUntil(lambda: panel.run is not None and panel.run.state.waiting)
    qtbot.wait(100)
    calls = []
    original = panel.tabs.refresh
    monkeypatch.setattr(panel.tabs, "refresh", lambda *a, **k: (calls.append(1), original(*a, **k)))
    report = panel.history.last
    panel.run.reported.emit(report)  # as if the worker sent one more report
    assert panel.history.last is report and calls == []  # stored, not drawn yet
    assert panel.timer.isActive() and panel.timer.interval() <= 50  # 20-30 Hz while running
    qtbot.waitUntil(lambda: len(calls) > 0, timeout=1000)
    with qtbot.waitSignal(panel.runFinished, timeout=10_000):
        click(qtbot, panel.stop_button)
    assert not panel.timer.isActive()  # an idle panel does not wake the event loop


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cuda_run_from_the_panel(qtbot, panel):
    pick(panel, "moons")
    panel.form.device.setCurrentIndex(panel.form.device.findData("cuda:0"))
    with qtbot.waitSignal(panel.runFinished, timeout=60_000) as done:
        click(qtbot, panel.start_button)
    assert done.args[0].status == "finished"
    assert panel.session.device.type == "cuda"
    assert panel.history.last_detail.test_accuracy > 0.9


def test_boundary_upsampling_keeps_values_and_interpolates():
    from gradviz.qt.plots import upsample2

    a = np.array([[0.0, 1.0], [2.0, 3.0]])
    up = upsample2(a)
    assert up.shape == (4, 4)
    assert up[0, 0] == 0.0 and up[-1, -1] == 3.0  # the corners stay
    assert np.allclose(up[1, 1], 0.75)  # a quarter of the way towards each neighbour
    assert np.all(np.diff(up, axis=1) >= 0) and np.all(np.diff(up, axis=0) >= 0)


def _render(item_cls, pen, antialias=True):
    """A noisy 300-point curve drawn by ``item_cls`` into an image; its pixels as floats."""
    from PySide6.QtGui import QPainter

    rng = np.random.default_rng(0)
    x = np.linspace(10, 390, 300)
    y = 150 + 100 * np.clip(rng.standard_normal(300), -1.3, 1.3)
    item = item_cls(x, y, pen=pen, antialias=antialias)
    img = QImage(400, 300, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0xFFFFFFFF)
    p = QPainter(img)
    item.paint(p, None, None)
    p.end()
    a = np.frombuffer(img.constBits(), np.uint8).reshape(300, img.bytesPerLine() // 4, 4)
    return a[:, :400, :3].astype(float)


@pytest.mark.parametrize("style", [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine])
def test_wide_live_curves_look_like_qts_own_stroke(style):
    """The hairline pair must cover the pixels Qt's 1.5 px stroke does (the oracle)."""
    import pyqtgraph as pg

    from gradviz.qt.plots import HairlineCurve

    pen = pg.mkPen("#4e79a7", width=1.5, style=style)
    ours, qts = _render(HairlineCurve, pen), _render(pg.PlotCurveItem, pen)
    ink_ours, ink_qt = (255 - ours).mean(), (255 - qts).mean()
    # as dark overall (a 1 px line is ~30 % lighter), and in the same places
    assert abs(ink_ours - ink_qt) < 0.05 * ink_qt
    assert abs(ours - qts).mean() < 0.02 * 255
    thin = pg.mkPen("#4e79a7", width=1.0, style=style)  # 1 px pens: drawn exactly as Qt does
    assert (_render(HairlineCurve, thin) == _render(pg.PlotCurveItem, thin)).all()


def test_every_plot_of_the_visible_tab_gets_each_new_report_within_two_ticks(qtbot, panel):
    """Each plot redraws every other tick of the timer: at least 10 frames a second."""
    import copy

    pick(panel, "moons", steps=300)
    with qtbot.waitSignal(panel.runFinished, timeout=20_000):
        click(qtbot, panel.start_button)
    assert 2 * panel.timer.interval() <= 100
    ov = panel.tabs.overview
    h = panel.history
    for extra in (1, 2, 3, 4):
        if extra == 3:
            panel._redraw()  # reports also land before the other tick of the pair
        report = copy.copy(h.last)
        report.step = h.last.step + 1
        report.train_loss = 10.0 * extra  # new values, as a running report brings
        report.grad_norms = {name: float(extra) for name in report.grad_norms}
        h.add(report)
        panel._redraw()
        panel._redraw()
        x, y = ov.loss.curves["train_loss"].getData()
        assert (x[-1], y[-1]) == (report.step, 10.0 * extra)
        for name, curve in ov.grads.curves.items():
            x, y = curve.getData()  # a log axis: pyqtgraph holds log10 of the values
            assert x[-1] == report.step and 10 ** y[-1] == pytest.approx(extra), name
