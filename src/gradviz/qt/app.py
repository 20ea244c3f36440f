"""Start the desktop app."""

from __future__ import annotations

import sys

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from gradviz import __version__
from gradviz.qt import theme
from gradviz.resources import resource_path


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setOrganizationName("gradviz")
    app.setApplicationName("gradviz")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(resource_path("icons", "gradviz.svg"))))
    chosen = str(QSettings().value("theme", "system"))
    theme.apply_theme(app, chosen)
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):  # keep following the desktop when "system"
        hints.colorSchemeChanged.connect(
            lambda *_: (
                theme.apply_theme(app, "system")
                if QSettings().value("theme", "system") == "system"
                else None
            )
        )
    return app


def run_app(session: str | None = None) -> int:
    app = make_app()
    from gradviz.qt.main_window import MainWindow

    window = MainWindow()
    if session and not window.open_session(session):  # the window shows it too
        print(f"gradviz gui: could not open: {window.open_error}", file=sys.stderr)
    window.show()
    return app.exec()
