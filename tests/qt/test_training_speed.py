"""Training you can watch: a speed control with a watchable default for the 2-D demos, a
pace that can change mid-run, and "until paused" runs (issue 10)."""

from __future__ import annotations

import pytest

from gradviz.core.training.config import UNTIL_PAUSED
from gradviz.qt.training_form import UNTIL, WATCHABLE_PACE
from gradviz.qt.training_panel import TrainingPanel

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def panel(qtbot):
    p = TrainingPanel()
    qtbot.addWidget(p)
    p.resize(1280, 700)
    p.show()
    yield p
    p.shutdown()


def pick(panel, demo):
    panel.form.demo.setCurrentIndex(panel.form.demo.findData(demo))


def until_item(panel):
    unit = panel.form.unit
    return unit.model().item(unit.findText(UNTIL))


def test_2d_demos_default_to_a_watchable_pace_and_the_numbers_demos_to_full_speed(panel):
    pick(panel, "moons")
    assert panel.speed.pace() == WATCHABLE_PACE and until_item(panel).isEnabled()
    pick(panel, "linreg")
    assert panel.speed.pace() is None and not until_item(panel).isEnabled()
    pick(panel, "spiral")
    assert panel.speed.pace() == WATCHABLE_PACE


def test_run_until_paused_at_a_pace_then_speed_up_mid_run(qtbot, panel):
    pick(panel, "spiral")
    panel.form.unit.setCurrentText(UNTIL)
    assert not panel.form.length.isEnabled()
    assert panel.form.config().steps == UNTIL_PAUSED
    panel.speed.set_pace(5.0)
    panel.start_button.click()
    assert panel.run.state.pace == 5.0
    qtbot.waitUntil(lambda: panel.history.last is not None and panel.history.last.step >= 1)
    assert "until paused" in panel.progress_label.text()
    panel.speed.set_pace(None)  # as fast as possible, without restarting
    assert panel.run.state.pace is None
    qtbot.waitUntil(lambda: panel.history.last.step >= 50, timeout=30_000)
    panel.pause_button.click()
    qtbot.waitUntil(lambda: panel.run.state.waiting)
    assert panel.pause_button.text() == "Resume" and panel.is_running()  # it never ends alone
    with qtbot.waitSignal(panel.runFinished, timeout=10_000):
        panel.stop_button.click()
