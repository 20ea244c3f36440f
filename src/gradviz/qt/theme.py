"""Light and dark themes: the Fusion style, a palette, and a small stylesheet.

"system" follows the desktop's colour scheme (Qt 6.5+) and keeps following it
when it changes.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from gradviz.core.graph_walk import gc_paused
from gradviz.resources import resource_path

THEMES = ("system", "light", "dark")
# what View → Theme shows for each (the setting itself stays the English key)
LABELS = {
    "system": QT_TRANSLATE_NOOP("Theme", "System"),
    "light": QT_TRANSLATE_NOOP("Theme", "Light"),
    "dark": QT_TRANSLATE_NOOP("Theme", "Dark"),
}


def label(theme: str) -> str:
    """The theme's name as the menu shows it, in the interface language."""
    return QCoreApplication.translate("Theme", LABELS.get(theme, theme.capitalize()))


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def _dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#23262d",
        QPalette.ColorRole.WindowText: "#e5e7eb",
        QPalette.ColorRole.Base: "#1b1d22",
        QPalette.ColorRole.AlternateBase: "#262a31",
        QPalette.ColorRole.ToolTipBase: "#2b2f36",
        QPalette.ColorRole.ToolTipText: "#e5e7eb",
        QPalette.ColorRole.Text: "#e5e7eb",
        QPalette.ColorRole.Button: "#2b2f36",
        QPalette.ColorRole.ButtonText: "#e5e7eb",
        QPalette.ColorRole.Highlight: "#3b82f6",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: "#8b93a1",
        QPalette.ColorRole.Link: "#93c5fd",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b7280"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b7280"))
    # disabled buttons must look disabled: dim text on a flatter face
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#6b7280"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor("#25282e"))
    return p


def resolve(theme: str) -> str:
    """'light' or 'dark' for a theme setting (system resolved now)."""
    if theme == "system":
        return "dark" if system_is_dark() else "light"
    return theme if theme in ("light", "dark") else "light"


def apply_theme(app: QApplication, theme: str) -> str:
    """Apply ``theme`` (system | light | dark) to the whole app; returns light or dark."""
    effective = resolve(theme)
    qss = resource_path("themes", f"{effective}.qss")
    sheet = qss.read_text(encoding="utf-8") if qss.exists() else ""
    app.setProperty("gradviz_theme", effective)  # first: widgets read it on PaletteChange
    # Restyling walks every widget. A widget that is only garbage in a reference cycle
    # can be freed by the collector in the middle of that walk, and Qt then touches
    # freed memory (a segfault seen in CI): free such garbage first, and pause the
    # collector while Qt walks.
    gc.collect()
    with gc_paused():
        if app.style().name().lower() != "fusion":  # a new style object re-polishes all
            app.setStyle("Fusion")
        palette = _dark_palette() if effective == "dark" else app.style().standardPalette()
        app.setPalette(palette)
        app.setStyleSheet(sheet)
    return effective


def is_dark(app: QApplication | None = None) -> bool:
    app = app or QApplication.instance()
    return bool(app) and app.property("gradviz_theme") == "dark"
