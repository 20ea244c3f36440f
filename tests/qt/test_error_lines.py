"""Errors as one plain line with the raw message on demand, and the bad field marked
(fault 21 of issue 10)."""

from __future__ import annotations

import pytest

from gradviz.core.errors import split_explanation
from gradviz.qt.main_window import MainWindow
from gradviz.qt.training_panel import TrainingPanel


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    return w


def marked(widget) -> bool:
    return bool(widget.property("invalid"))


def test_a_pytorch_refusal_is_one_plain_line_with_details_on_demand(qtbot, window):
    ws = window.model.workspace
    ws.create("a", "ones", {"size": "2, 3"})
    ws.create("b", "ones", {"size": "4, 5"})
    palette = window.palette
    window.docks["Op palette"].raise_()
    palette.select_op("mm")
    names = [f.param.name for f in palette.fields]
    palette.field(names[0]).set_text("a")
    palette.field(names[1]).set_text("b")
    assert not palette.apply()
    error = palette.error
    line = error.text()
    assert line and "\n" not in line and "PyTorch" not in line and "mat1" not in line
    assert "mat1 and mat2 shapes cannot be multiplied" in error.details()  # the raw words
    assert not error.raw.isVisible()
    error.toggle.linkActivated.emit("#")  # the "details" link
    assert error.raw.isVisible()
    # one line high (plus the details), and fully in sight: not clipped by the form's scroll
    qtbot.waitUntil(lambda: error.visibleRegion().boundingRect().height() == error.height())
    assert all(marked(f.widget) for f in palette.fields if f.param.is_tensor)
    assert ws.names() == ["a", "b"]


def test_a_bad_shape_parameter_marks_that_field(qtbot, window):
    ws = window.model.workspace
    ws.create("a", "ones", {"size": "2, 3"})
    palette = window.palette
    palette.select_op("reshape")
    palette.field("input").set_text("a")
    palette.field("shape").set_text("4, 4")
    assert not palette.apply()
    assert marked(palette.field("shape").widget) and not marked(palette.field("input").widget)


def test_a_bad_learning_rate_is_plain_and_its_field_marked(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.form.lr.setText("0.0.1")
    panel.start()
    text = panel.message.text()
    assert "'0.0.1' is not a number" in text
    assert "syntax" not in text
    assert marked(panel.form.lr) and not marked(panel.form.weight_decay)
    assert not panel.is_running()
    panel.form.lr.setText("0.03")
    panel.form.unit.setCurrentText("steps")
    panel.form.length.setValue(1)
    panel.speed.set_pace(None)
    with qtbot.waitSignal(panel.runFinished, timeout=30_000):
        panel.start()
    assert not marked(panel.form.lr)  # fixed: the mark goes


def test_split_explanation_keeps_the_raw_text_apart():
    plain, raw = split_explanation("Shapes differ. (PyTorch: The size of tensor a (3) must match)")
    assert plain == "Shapes differ." and raw.startswith("The size of tensor a (3)")
    assert split_explanation("x: a value is required") == ("x: a value is required", "")
