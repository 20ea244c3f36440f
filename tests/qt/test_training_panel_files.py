"""The Training panel with bad files and bad numbers: one line, and the model stays.

Issue 13 faults 8 and 12, issue 10 fault 13.
"""

from __future__ import annotations

import pytest
import torch

from gradviz.core.training.checkpoint import save_checkpoint
from gradviz.core.training.config import default_config
from gradviz.core.training.loop import TrainState, train
from gradviz.core.training.session import TrainSession
from gradviz.qt.training_panel import HISTORY_NOTE, TrainingPanel

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def panel(qtbot):
    p = TrainingPanel()
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()
    return p


def _saved(tmp_path, steps: int, finish: bool = False, name: str = "run.pt"):
    """A moons checkpoint after ``steps`` steps, of a run of ``steps`` (finish) or 500."""
    total = steps if finish else 500
    session = TrainSession(default_config("moons", steps=total))
    session.total_steps = steps
    train(session, TrainState())
    session.total_steps = total
    path = tmp_path / name
    save_checkpoint(session, path)
    return path, session


def _trained_panel(qtbot, panel, tmp_path):
    """A panel holding a loaded model (what must survive every bad load below)."""
    path, _ = _saved(tmp_path, 20, name="current.pt")
    assert panel.load_checkpoint(path)
    return panel.session, [p.detach().clone() for p in panel.session.model.parameters()]


def _crafted(tmp_path, good, change, name):
    payload = torch.load(good, weights_only=True)
    change(payload)
    path = tmp_path / name
    torch.save(payload, path)
    return path


def _perm_out_of_range(p):
    p["loader"]["perm"][0] = len(p["loader"]["perm"])


def _expanded(p):
    p["optimizer"]["state"][0]["exp_avg"] = torch.zeros(1, dtype=torch.float64).expand(10**7)


CRAFTED = {
    "lr-400-digits": lambda p: p["config"].__setitem__("lr", 10**400),
    "optimizer-x": lambda p: p.__setitem__("optimizer", "x"),
    "perm-out-of-range": _perm_out_of_range,
    "step-true": lambda p: p.__setitem__("step", True),
    "step-10-30": lambda p: p.__setitem__("step", 10**30),
    "expanded-tensor": _expanded,
}


@pytest.mark.parametrize("case", [*CRAFTED, "single-0x80-byte"])
def test_a_crafted_checkpoint_shows_one_line_and_keeps_the_model(qtbot, panel, tmp_path, case):
    session, weights = _trained_panel(qtbot, panel, tmp_path)
    good, _ = _saved(tmp_path, 10, name="good.pt")
    if case == "single-0x80-byte":
        bad = tmp_path / "x80.pt"
        bad.write_bytes(b"\x80")
    else:
        bad = _crafted(tmp_path, good, CRAFTED[case], f"{case}.pt")
    messages = []
    panel.statusMessage.connect(messages.append)
    assert not panel.load_checkpoint(bad)
    text = panel.message.text()
    assert text.startswith(f"cannot read {bad.name}: "), text
    assert "\n" not in text and len(text) < 300
    assert panel.message.objectName() == "error"
    assert messages == [text]  # the status bar gets the same line
    assert panel.session is session
    for a, b in zip(weights, panel.session.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_400_digit_learning_rate_is_an_error_line_not_an_overflow(qtbot, panel):
    panel.form.lr.setText("1" + "0" * 399)
    panel.start_button.click()  # an exception escaping the slot would fail this test
    text = panel.message.text()
    assert "learning rate" in text and "too large for a float" in text
    assert panel.message.objectName() == "error"
    assert panel.session is None and not panel.is_running()


def test_loading_a_finished_run_offers_start_not_resume_and_says_history_is_not_kept(
    qtbot, panel, tmp_path
):
    path, _ = _saved(tmp_path, 40, finish=True, name="done.pt")
    assert panel.load_checkpoint(path)
    assert panel.session.finished
    text = panel.message.text()
    assert "Resume" not in text and "finished run" in text and "Start" in text
    assert not panel.pause_button.isEnabled()
    assert "no history" in text
    ov = panel.tabs.overview
    for plot in (ov.loss_plot, ov.grad_plot, ov.third_plot):
        assert plot._note.isVisible() and plot._note.toPlainText() == HISTORY_NOTE


def test_loading_an_unfinished_run_says_resume_and_the_note_goes_when_it_resumes(
    qtbot, panel, tmp_path
):
    path, _ = _saved(tmp_path, 20, name="half.pt")
    assert panel.load_checkpoint(path)
    assert "Resume goes on training" in panel.message.text()
    assert panel.pause_button.isEnabled() and panel.pause_button.text() == "Resume"
    note = panel.tabs.overview.loss_plot._note
    assert note.isVisible()
    with qtbot.waitSignal(panel.runFinished, timeout=60_000):
        panel.pause_button.click()  # Resume: runs to the end (500 steps)
    assert not note.isVisible()
