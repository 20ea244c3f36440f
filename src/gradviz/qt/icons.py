"""Button icons from the Qt style, never text glyphs.

Glyphs such as "⏸" or "▶▶" render as empty boxes with many Linux fonts, so
buttons carry a QStyle standard icon and a plain word instead."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle, QWidget

_SP = QStyle.StandardPixmap
ICONS: dict[str, QStyle.StandardPixmap] = {
    "play": _SP.SP_MediaPlay,
    "pause": _SP.SP_MediaPause,
    "back": _SP.SP_MediaSeekBackward,
    "step": _SP.SP_MediaSeekForward,
    "end": _SP.SP_MediaSkipForward,
    "reset": _SP.SP_MediaSkipBackward,
    "stop": _SP.SP_MediaStop,
}


def icon(name: str, widget: QWidget | None = None) -> QIcon:
    """The standard icon called ``name`` (see ICONS) in the widget's (or the app's) style."""
    style = widget.style() if widget is not None else QApplication.style()
    return style.standardIcon(ICONS[name])
