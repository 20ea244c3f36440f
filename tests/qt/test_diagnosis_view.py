"""The Diagnosis tab lists the doctor's verdicts of a real run; a click selects the layer."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gradviz.qt.training_panel import TrainingPanel

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def panel(qtbot):
    p = TrainingPanel()
    qtbot.addWidget(p)
    p.resize(1400, 850)
    p.show()
    return p


def run_to_end(qtbot, panel) -> None:
    with qtbot.waitSignal(panel.runFinished, timeout=60_000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)


def test_sigmoid_stack_shows_vanishing_and_a_click_selects_the_layer(qtbot, panel, tmp_path):
    form = panel.form
    form.demo.setCurrentIndex(form.demo.findData("spiral"))
    form.hidden.setText(", ".join(["32"] * 9))
    form.activation.setCurrentText("sigmoid")
    form.unit.setCurrentText("steps")
    form.length.setValue(150)
    run_to_end(qtbot, panel)
    view = panel.diagnosis_view
    texts = [view.list.item(i).text() for i in range(view.list.count())]
    assert any(t.startswith("vanishing gradients in fc1") for t in texts), texts
    assert "threshold: norm < 0.001 × the last layer's" in texts[0]
    tab = panel.tabs.indexOf(view)
    assert panel.tabs.tabText(tab) == f"Diagnosis ({len(texts)})"
    panel.tabs.setCurrentIndex(tab)
    view.grab().save(str(tmp_path / "diagnosis.png"))

    row = next(i for i, t in enumerate(texts) if t.startswith("vanishing gradients in fc2"))
    item = view.list.item(row)
    with qtbot.waitSignal(panel.layerSelected) as picked:
        rect = view.list.visualItemRect(item)
        qtbot.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert picked.args == ["fc2"] and panel.diagnosis.selected == "fc2"
    # the weights tab, drawn from the same model, now shows fc2's distributions
    panel.tabs.setCurrentWidget(panel.tabs.weights)
    panel._redraw(force=True)
    assert panel.tabs.weights.layer.currentText() == "fc2"


def test_default_spiral_run_has_no_findings(qtbot, panel):
    form = panel.form
    form.demo.setCurrentIndex(form.demo.findData("moons"))
    run_to_end(qtbot, panel)
    view = panel.diagnosis_view
    assert view.list.count() == 0
    assert view.header.text().startswith("No problems found up to step")
    # a new run starts with a clean slate
    form.seed.setValue(3)
    assert view.header.text() == "The gradient doctor speaks up once training runs"
