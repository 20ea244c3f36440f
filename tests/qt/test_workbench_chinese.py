"""The workbench in Chinese (issue 12): the whole MainWindow built after Chinese is installed,
every menu action, every dock title, and the Workspace, Inspector, Code and Console panels
driven to the states a learner sees (empty, tensors made, an edit refused, after backward,
console code run) — with no English left that the learner would have to read.

``english_prose`` (tests/qt/chinese.py) finds runs of two or more English words; a menu entry
or a button is often one word ("Stop", "Graph"), so :func:`untranslated` also flags a text with
no Chinese at all that still holds an English word after code and kept names are removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMenu, QTableWidget, QTreeWidget
from tests.qt.chinese import CODE, KEEP, english_leftovers, english_prose, visible_texts

from gradviz.qt.main_window import MainWindow

CJK = re.compile(r"[\u3400-\u9fff]")
# core's catalogs (other modules' translators): checked here too once they are in the tree
CATALOGS = Path(__file__).resolve().parents[2] / "resources" / "translations" / "zh_CN"
# stay as they are in the Chinese interface: dtype is a PyTorch word (a form label and a
# column), KeyboardInterrupt is Python's, and each language is named in its own words
STAY = {"dtype", "KeyboardInterrupt", "English"}


def untranslated(text: str) -> bool:
    """English a Chinese reader would have to read: prose, or words with no Chinese beside them."""
    if english_prose(text):
        return True
    if CJK.search(text):
        return False
    stripped = CODE.sub(" ", text.replace("&", ""))
    words = re.findall(r"[A-Za-z]{2,}", stripped)
    return any(w not in KEEP and w not in STAY for w in words)


def leftovers(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{where}: {text!r}" for where, text in pairs if text.strip() and untranslated(text)]


def menu_texts(menu: QMenu, where: str, skip: set[str] = frozenset()) -> list[tuple[str, str]]:
    """The menu's title and every action in it and in its submenus (tooltips too)."""
    found = [(where, menu.title())]
    for action in menu.actions():
        if action.isSeparator():
            continue
        sub = action.menu()
        if sub is not None:
            if sub.objectName() not in skip:
                found += menu_texts(sub, f"{where} > {action.text()}", skip)
            else:
                found.append((where, sub.title()))
            continue
        found.append((where, action.text()))
        if action.toolTip() and action.toolTip().replace("&", "") != action.text().replace("&", ""):
            found.append((f"{where} tip", action.toolTip()))
    return found


def header_texts(view: QTableWidget | QTreeWidget, where: str) -> list[tuple[str, str]]:
    if isinstance(view, QTreeWidget):
        head = view.headerItem()
        return [(f"{where} header", head.text(c)) for c in range(view.columnCount())]
    model = view.model()
    return [
        (f"{where} header", str(model.headerData(c, Qt.Orientation.Horizontal)))
        for c in range(model.columnCount())
    ]


def column_texts(table: QTableWidget, column: int, where: str) -> list[tuple[str, str]]:
    return [
        (f"{where}[{r}]", table.item(r, column).text())
        for r in range(table.rowCount())
        if table.item(r, column) is not None
    ]


def status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


@pytest.fixture
def window(chinese, qtbot):
    """The main window, built after Chinese is installed (the `chinese` fixture comes first)."""
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    yield w
    w.console.shutdown()


def wait_idle(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.console.busy, timeout=30000)


# --------------------------------------------------------------------- menus and docks
def test_every_menu_action_and_dock_title_is_chinese(window):
    # Help → Lessons lists the lessons by their titles, which core translates (lessons.po):
    # until that catalog exists only the submenu's own title is checked
    window.lessons_menu.setObjectName("lessons_menu")
    skip = set() if (CATALOGS / "lessons.po").exists() else {"lessons_menu"}
    texts = []
    for action in window.menuBar().actions():
        texts += menu_texts(action.menu(), action.text(), skip=skip)
    assert len(texts) > 30  # every menu was walked, not just the bar
    assert leftovers(texts) == []
    # the View menu toggles the docks by their (Chinese) titles
    titles = {k: d.windowTitle() for k, d in window.docks.items()}
    assert titles["Workspace"] == "工作区" and titles["Console"] == "控制台"
    assert leftovers([(k, t) for k, t in titles.items()]) == []
    # the keys and objectNames stay English: saved layouts and code find the docks by them
    assert window.docks["Op palette"].objectName() == "dock_op_palette"
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs == ["计算图", "训练"]
    assert leftovers([("window title", window.windowTitle())]) == []
    assert leftovers([("status", status(window))]) == []


def test_theme_names_and_the_theme_message_are_chinese(window, restore_theme):
    names = [a.text() for a in window.theme_actions.actions()]
    assert names == ["跟随系统", "浅色", "深色"]
    dark = next(a for a in window.theme_actions.actions() if a.data() == "dark")
    dark.trigger()
    assert status(window) == "主题：深色（深色）"


# --------------------------------------------------------------------- the four panels
def test_empty_workbench_panels_are_chinese(window):
    panels = {
        "Workspace": window.workspace_panel,
        "Inspector": window.inspector,
        "Code": window.code_view,
        "Console": window.console,
    }
    for name, panel in panels.items():
        assert english_leftovers(panel) == [], name
        assert leftovers(visible_texts(panel)) == [], name
    assert window.inspector.title.text() == "未选中任何对象"
    assert CJK.search(window.inspector.values.toPlainText())  # the "select something" hint
    assert leftovers(header_texts(window.workspace_panel.list, "tensor list")) == []
    assert leftovers(header_texts(window.inspector.table, "inspector")) == []
    assert leftovers(header_texts(window.inspector.saved_table, "saved")) == []
    # painted hints and the console's words
    hint = QCoreApplication.translate(
        "TensorEditor", "Select a tensor above to see and edit its values."
    )
    assert CJK.search(hint)
    assert window.workspace_panel.grid.hint == hint
    welcome = window.console.text()
    assert CJK.search(welcome) and "torch" in welcome  # names stay, the words are Chinese
    assert CJK.search(window.console.input.placeholderText())


def test_new_tensor_dialog_and_its_errors_are_chinese(window, qtbot):
    dialog = window.new_tensor()
    form = dialog.form
    # the factory's doc line and the device names come from core (gradviz.core.factories,
    # gradviz.core.devices) and are translated in core's catalogs; the rest is this form's
    from_core = ("QComboBox(device)",)
    if not (CATALOGS / "core.factories.po").exists():
        from_core += ("QLabel(hint)",)
    shown = [(w, t) for w, t in visible_texts(dialog) if not w.startswith(from_core)]
    assert [f"{w}: {t!r}" for w, t in shown if english_prose(t)] == []
    # dtype names (bool, float32) and the factory's parameter names (data, size) are PyTorch's
    params = {f.param.name for f in form.fields}
    words = [(w, t) for w, t in shown if "(factory)" not in w and "(dtype).item" not in w]
    assert leftovers([(w, t) for w, t in words if t not in params]) == []
    form.set_factory("randn")
    form.seed.setText("-1")
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # refused: the dialog stays, with the reason in Chinese
    assert form.error.text() == f"随机种子：请使用 0 到 {2**64 - 1} 之间的整数"
    assert form.seed.property("invalid")  # the translated message still marks its field
    form.seed.clear()
    form.name.clear()
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert form.error.text().startswith("名称：")
    assert form.name.property("invalid")
    # a name core refuses (its message may be Chinese) still marks the name field
    window.model.workspace.create("x", "zeros", {"size": "2"})
    form.set_factory("zeros")
    form.field("size").set_text("2")
    form.name.setText("x")
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and form.name.property("invalid")
    assert status(window).startswith("无法创建 x：")
    # a ragged literal and a negative size are marked too, though their words are Chinese
    form.name.setText("t")
    form.set_factory("tensor")
    form.field("data").set_text("[[1, 2], [3]]")
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert form.error.text().startswith("张量字面量")
    assert form.field("data").widget.property("invalid") and not form.name.property("invalid")
    form.set_factory("zeros")
    form.field("size").set_text("2, -3")
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert form.field("size").widget.property("invalid")
    assert "t" not in window.model.workspace.tensors  # nothing was made
    dialog.close()


def test_workbench_after_tensors_an_edit_and_backward_is_chinese(window, qtbot):
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    ws.apply("sum", "s", {"input": "y"})
    panel = window.workspace_panel
    panel.show_grid(True)
    window.model.select("x")
    # the tensor list: its headers, the leaf flag and the grid's words
    assert leftovers(header_texts(panel.list, "tensor list")) == []
    assert panel.list.item(0, 3).text() == "叶子 ✓grad"
    grid = panel.grid_model
    assert grid.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == (
        "沿第 0 维的索引"
    )
    tip = grid.data(grid.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert "双击" in tip and not english_prose(tip)
    # an edit refused: the reason, in the status bar
    assert not grid.setData(grid.index(0, 1), "", Qt.ItemDataRole.EditRole)
    assert status(window) == "编辑被拒绝：输入一个数（或 True/False）来修改这个值"
    # .grad before backward: the grid says why it is empty
    panel.show_grad.setChecked(True)
    assert panel.grid.hint.startswith("x.grad 为 None：请先运行反向传播")
    assert english_leftovers(panel) == [] and leftovers(visible_texts(panel)) == []

    # backward from the console: the console's state, the recorded calls and the objects
    window.console.run_source("s.backward()\nnet = torch.nn.Linear(2, 1)\n")
    wait_idle(qtbot, window)
    assert torch.equal(ws["x"].grad, 2 * ws["x"].detach())  # backward did run
    assert window.console.state.text() == "就绪"
    for name, view in (("Console", window.console), ("Code", window.code_view)):
        assert english_leftovers(view) == [], name
        assert leftovers(visible_texts(view)) == [], name
    objects = panel.objects
    assert objects.isVisible()
    assert leftovers(header_texts(objects, "objects")) == []
    assert objects.topLevelItem(0).text(1) == "Linear · 3 个参数"
    assert leftovers([("objects tip", objects.toolTip())]) == []
    bar = window.calls_bar  # above the Backward panel: its label and tip are this module's
    assert bar.isVisible()
    assert (
        leftovers([(w, t) for w, t in visible_texts(bar) if "recorded_calls).item" not in w]) == []
    )

    # the Inspector: a tensor's title, a backward function, an edge's gradient
    insp = window.inspector
    window.model.select("y")
    assert insp.title.text() == "张量 y"
    if (CATALOGS / "core.tensor_info.po").exists():  # the rows are core's (tensor_info)
        rows = column_texts(insp.table, 0, "rows") + column_texts(insp.table, 1, "values")
        assert [f"{w}: {t!r}" for w, t in rows if english_prose(t)] == []
    insp.show_function(ws["y"].grad_fn)
    assert insp.title.text() == "函数 MulBackward0"
    assert leftovers(column_texts(insp.table, 0, "function rows")) == []
    assert leftovers(header_texts(insp.saved_table, "saved")) == []
    assert leftovers(column_texts(insp.saved_table, 3, "saved state")) == []
    assert leftovers([("saved tip", insp.saved_table.toolTip())]) == []
    insp.show_value("grad_y", ws["x"].grad)
    assert leftovers(column_texts(insp.table, 0, "value rows")) == []
    assert english_leftovers(insp) == [] and leftovers(visible_texts(insp)) == []

    # deleting says so in Chinese
    window.model.select("s")
    panel.delete_selected()
    assert status(window) == "已删除 s（Ctrl+Z 可以恢复）"


def test_the_loading_window_is_chinese(chinese, qtbot):
    from gradviz.qt.app import LoadingWindow

    loading = LoadingWindow()
    qtbot.addWidget(loading)
    assert loading.note.text() == "正在加载 PyTorch…"
    texts = [(f"menu {a.text()}", a.text()) for a in loading.menuBar().actions()]
    texts += [(f"panel {b.title()}", b.title()) for b in loading.panels]
    assert leftovers(texts) == [] and english_leftovers(loading) == []
    loading.failed("ModuleNotFoundError: No module named 'torch'")
    assert loading.note.text().startswith("无法加载 PyTorch：")


def test_untranslated_catches_single_english_words_but_not_code():
    assert untranslated("Stop") and untranslated("&Graph") and untranslated("Step through")
    assert not untranslated("停止") and not untranslated("dtype") and not untranslated("CPU")
    assert not untranslated("requires_grad") and not untranslated("x.grad")
    assert not untranslated("MulBackward0") and not untranslated("(2, 3)")


def test_english_is_unchanged_without_the_chinese_fixture(qtbot):
    """The same window in English reads as before (the other tests read English)."""
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.docks["Workspace"].windowTitle() == "Workspace"
    assert w.tabs.tabText(0) == "Graph"
    assert [a.text() for a in w.theme_actions.actions()] == ["System", "Light", "Dark"]
    assert w.inspector.title.text() == "Nothing selected"
    w.model.close()
