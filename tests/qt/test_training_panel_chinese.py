"""The Training panel in Chinese: before a run, after a short run, with a finding and an
error. Every visible word, every plot title, axis label, legend and note is translated."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from tests.qt.chinese import english_leftovers, english_prose

from gradviz.qt.plots import Plot
from gradviz.qt.training_panel import TrainingPanel

pytestmark = pytest.mark.usefixtures("one_torch_thread", "chinese")
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def panel(qtbot):
    p = TrainingPanel()
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()
    return p


def plot_texts(plot: Plot) -> list[str]:
    """What a plot shows in words: its title, axis labels, legend entries and note."""
    item = plot.getPlotItem()
    texts = [item.titleLabel.text, plot.note()]
    texts += [item.getAxis(side).labelText for side in ("left", "bottom")]
    texts += [label.text for _sample, label in plot.legend.items]
    return [t for t in texts if t]


def leftovers(panel: TrainingPanel) -> list[str]:
    """english_leftovers, less the device names: core/devices.py's words (e.g. "cuda — not
    available") belong to another catalog, tested with it."""
    return [t for t in english_leftovers(panel) if not t.startswith("QComboBox(device)")]


def untranslated(panel: TrainingPanel) -> list[str]:
    """English left anywhere a user can look: each tab in turn, its plots, the lists."""
    found = []
    tabs = panel.tabs
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)
        panel._redraw(force=True)
        found += leftovers(panel)
        for plot in getattr(tabs.widget(i), "plots", []):
            found += [f"{plot.key}: {t!r}" for t in plot_texts(plot) if english_prose(t)]
    lists = (panel.run_list.list, panel.diagnosis_view.list)
    items = [w.item(i).text() for w in lists for i in range(w.count())]
    found += [f"list item: {t!r}" for t in items if english_prose(t)]
    tabs.setCurrentIndex(0)
    return sorted(set(found))


def pick(panel: TrainingPanel, demo: str, steps: int) -> None:
    form = panel.form
    form.demo.setCurrentIndex(form.demo.findData(demo))
    panel.speed.set_pace(None)
    form.unit.setCurrentIndex(form.unit.findData("steps"))  # its text is Chinese now
    form.length.setValue(steps)


def run_to_end(qtbot, panel: TrainingPanel) -> None:
    with qtbot.waitSignal(panel.runFinished, timeout=60_000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)


def test_the_panel_speaks_chinese_before_and_after_a_short_run(qtbot, panel):
    assert panel.start_button.text() == "开始" and panel.controls.title() == "训练"
    assert panel.tabs.tabText(0) == "概览"
    assert panel.tabs.overview.loss_plot.getPlotItem().titleLabel.text == "损失"
    assert panel.form.demo.itemText(panel.form.demo.findData("moons")) == "双月"
    assert untranslated(panel) == []

    pick(panel, "moons", 60)
    run_to_end(qtbot, panel)
    assert panel.session.step == 60
    assert panel.message.text().startswith("已完成 60 步")
    assert "迭代周期" in panel.progress_label.text() and "60 / 60" in panel.progress_label.text()
    assert panel.run_list.list.item(0).text().startswith("双月 #1")
    header = panel.diagnosis_view.header.text()
    assert HAN.search(header) and ("60" in header or "发现" in header), header
    # after a run the plots have curves, legends (per layer) and Chinese axis titles
    grads = panel.tabs.overview.grad_plot
    assert plot_texts(grads)[:1] == ["各层梯度范数"]
    assert panel.tabs.overview.third_plot.getPlotItem().getAxis("bottom").labelText == "步"
    assert untranslated(panel) == []


def test_a_finding_reads_in_chinese_with_its_numbers(qtbot, panel):
    form = panel.form
    pick(panel, "spiral", 150)
    form.hidden.setText(", ".join(["32"] * 9))
    form.activation.setCurrentText("sigmoid")  # a torch name: the same in any language
    run_to_end(qtbot, panel)
    view = panel.diagnosis_view
    texts = [view.list.item(i).text() for i in range(view.list.count())]
    assert any(t.startswith("fc1 中的梯度消失（自第 ") for t in texts), texts
    first = next(t for t in texts if t.startswith("fc1 中的梯度消失"))
    assert "到达 'fc1' 的梯度只有最后一层" in first
    assert "阈值：范数 < 0.001 × 最后一层的范数" in first
    assert re.search(r"\d\.\de-\d\d", first)  # the measured ratio is still there
    tab = panel.tabs.indexOf(view)
    assert panel.tabs.tabText(tab) == f"诊断（{len(texts)}）"
    assert view.header.text() == f"{len(texts)} 项发现：点击一项可选中对应的层"
    assert untranslated(panel) == []


def test_a_bad_setting_is_said_in_chinese_and_marks_its_field(qtbot, panel):
    panel.form.lr.setText("500")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.session is None or not panel.is_running()
    said = panel.message.text()
    assert said == "无法开始：学习率必须是 (0, 100] 内的数，实际为 500.0", said
    assert panel.form.lr.property("invalid") is True  # found by its Chinese name
    assert leftovers(panel) == []


def test_paused_stopped_and_a_missing_checkpoint_are_said_in_chinese(qtbot, panel, tmp_path):
    pick(panel, "spiral", 1_000_000)  # a run that ends only when the test ends it
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.history.last is not None and panel.history.last.step >= 5)
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.is_paused() and panel.run.state.waiting, timeout=20_000)
    assert panel.message.text() == "已暂停：“单步”训练一个批量，“继续”接着训练"
    assert panel.pause_button.text() == "继续" and panel.pause_button.toolTip() == "继续训练"
    assert "迭代周期" in panel.progress_label.text()
    assert untranslated(panel) == []
    with qtbot.waitSignal(panel.runFinished, timeout=20_000):
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    step = panel.session.step
    assert panel.message.text() == f"停在第 {step:,} 步：“继续”接着训练，“保存”保留模型"
    gone = tmp_path / "gone.pt"
    assert not panel.load_checkpoint(gone)
    assert panel.message.text() == f"无法读取 {gone}：文件不存在"
    assert panel.session.step == step  # a failed load changes nothing


def test_a_data_file_lists_its_columns_in_chinese(qtbot, panel, tmp_path):
    table = tmp_path / "houses.csv"
    table.write_text("area,rooms,price\n50,2,100\n80,3,160\n120,4,250\n", encoding="utf-8")
    panel.form.demo.setCurrentIndex(panel.form.demo.findData("custom"))
    box = panel.form.your_model
    assert box.title() == "你的模型" and box.set_data_file(str(table))
    assert box.note.text() == "houses.csv：3 行，3 列"
    assert [box.features.item(i).text() for i in range(box.features.count())] == [
        "area",
        "rooms",
        "price",
    ]
    assert leftovers(panel) == []
