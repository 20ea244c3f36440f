"""Buttons carry style icons and plain words, never symbol glyphs (fault 15 of issue 10:
"⏸" rendered as an empty box with common Linux fonts)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton

from gradviz.qt.main_window import MainWindow

# Symbols outside the fonts every Linux desktop has (media controls, arrows, dingbats).
RISKY = [chr(c) for c in range(0x2190, 0x2800)] + [chr(c) for c in range(0x2900, 0x2BFF)]


def test_no_button_uses_a_glyph_and_playing_shows_a_pause_icon(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    buttons = window.findChildren(QAbstractButton)
    glyphs = {b.objectName() or b.text(): b.text() for b in buttons if set(b.text()) & set(RISKY)}
    assert not glyphs, f"buttons with glyphs that may render as boxes: {glyphs}"

    panel = window.backward_panel
    for button in (panel.play_button, panel.step_button, panel.back_button, panel.end_button):
        assert not button.icon().isNull(), button.objectName()
    play_icon = panel.play_button.icon().cacheKey()
    window.model.workspace.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    window.model.workspace.apply("sum", "s", {"input": "x"})
    panel.set_root("s")
    panel.run_button.click()
    panel.play_button.click()
    assert panel.play_button.text() == "Pause"
    assert panel.play_button.icon().cacheKey() != play_icon  # the icon changed to pause
    panel.stop()
    assert panel.play_button.text() == "Play"
    window.close()
