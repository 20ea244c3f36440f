"""The first-run layout at laptop sizes (issue 10): mid-backward, the current formula card in
full, the Leaves table and the Inspector's storage rows are on screen without scrolling, at
1280×720 and at 1600×900; and in Chinese at 1280×720 (issue 12), whose words have other
widths, with no button cut short."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QPushButton, QToolButton

from gradviz.core.i18n import _
from gradviz.qt.main_window import MainWindow

STORAGE_ROWS = ("view", "._base", "shares storage with", "version")


def fully_visible(window: MainWindow, widget) -> bool:
    """Shown, not clipped by a scroll area or a dock, and inside the window."""
    if not widget.isVisible() or widget.height() <= 0:
        return False
    if widget.visibleRegion().boundingRect() != widget.rect():
        return False
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return window.rect().contains(QRect(top_left, widget.size()))


def rows_in_sight(table, names) -> dict[str, bool]:
    viewport = table.viewport().rect()
    out = {}
    for r in range(table.rowCount()):
        item = table.item(r, 0)
        if item is not None and item.text() in names:
            out[item.text()] = viewport.contains(table.visualItemRect(item))
    return out


def cut_buttons(window: MainWindow) -> list[str]:
    """Visible buttons narrower than their text needs (their words would be cut)."""
    return [
        f"{b.objectName() or type(b).__name__}: {b.text()!r} {b.width()} < {b.sizeHint().width()}"
        for kind in (QPushButton, QToolButton)
        for b in window.findChildren(kind)
        if b.isVisible() and b.text() and b.width() + 1 < b.sizeHint().width()
    ]


@pytest.fixture(params=["en", "zh_CN"])
def language(request, qapp):
    if request.param == "zh_CN":
        request.getfixturevalue("chinese")
    return request.param


@pytest.mark.parametrize("size", [(1280, 720), (1600, 900)], ids=["1280x720", "1600x900"])
def test_the_answers_fit_mid_backward(qtbot, size, language):
    if language != "en" and size != (1280, 720):
        pytest.skip("Chinese is checked at the smaller size")
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.create("w", "tensor", {"data": "[0.5, -1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    ws.apply("sigmoid", "s", {"input": "x"})
    ws.apply("add", "z", {"a": "y", "b": "s"})
    ws.apply("sum", "loss", {"input": "z"})
    ws.apply("reshape", "v", {"input": "x", "shape": "3, 1"})
    window.model.select("loss")
    panel = window.backward_panel
    window.docks["Backward"].raise_()
    panel.set_root("loss")
    panel.run_button.click()
    total = len(panel.replay)
    for _step in range(total):  # every step of the pass, the middle ones included
        assert panel.step()
        qtbot.wait(1)
        step = panel.replay.current().label
        assert fully_visible(window, panel.card), (size, step, panel.card.visibleRegion())
        assert fully_visible(window, panel.leaves), (size, step)
        assert not cut_buttons(window), (size, step, cut_buttons(window))
    window.inspector.show_tensor("v")  # a view: its storage rows are what we look for
    qtbot.wait(1)
    table = window.inspector.table
    assert fully_visible(window, table)
    names = [_(row) for row in STORAGE_ROWS]  # what the Inspector calls them in this language
    seen = rows_in_sight(table, names)
    assert seen == dict.fromkeys(names, True), seen
    # the graph keeps a usable share of the window
    graph = window.graph_view
    assert graph.width() >= 0.4 * size[0] and graph.height() >= 0.5 * size[1]
