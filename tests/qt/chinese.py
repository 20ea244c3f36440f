"""What a Chinese-speaking user would read: every visible text of a widget tree, and
the English prose left in it (words that were never translated)."""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTabWidget,
    QWidget,
)

# Names that stay as they are in Chinese text: products, formats, and PyTorch's own words.
KEEP = {
    "gradviz",
    "PyTorch",
    "torch",
    "CUDA",
    "CPU",
    "GPU",
    "CSV",
    "NPZ",
    "JSON",
    "PNG",
    "SVG",
    "DOT",
    "Python",
    "NumPy",
    "MLP",
    "ReLU",
    "Adam",
    "SGD",
    "MSE",
    "Graphviz",
    "TensorBoard",
    "Ctrl",
    "Shift",
    "Alt",
    "Esc",
    "Enter",
    "OK",
    "d2l",
}
# Two or more English words in a row (after code and the names above are removed) is prose.
PROSE = re.compile(r"[A-Za-z]{2,}(?:[ \-'][A-Za-z]{2,})+")
CODE = re.compile(r"`[^`]*`|<[^>]+>|&\w+;|[\w.]*[._(\[][\w.()\[\]=,: ]*|\b\w*\d\w*\b")


def english_prose(text: str) -> list[str]:
    """The runs of English words in ``text`` that a translation should have replaced."""
    stripped = CODE.sub(" ", text.replace("&", ""))
    stripped = " ".join(w if w not in KEEP else " | " for w in stripped.split(" "))
    return PROSE.findall(stripped)


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for what ``root`` shows: labels, buttons, tabs, titles, menus, tips."""
    found: list[tuple[str, str]] = []

    def add(where: str, text: str | None) -> None:
        if text and text.strip():
            found.append((where, text))

    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if not w.isVisibleTo(root) and w is not root and not isinstance(w, QMenu):
            continue
        name = f"{type(w).__name__}({w.objectName()})"
        add(name + ".toolTip", w.toolTip())
        if isinstance(w, (QLabel, QAbstractButton)):
            add(name, w.text())
        elif isinstance(w, QGroupBox):
            add(name, w.title())
        elif isinstance(w, QDockWidget):
            add(name, w.windowTitle())
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                add(f"{name}.tab{i}", w.tabText(i))
                add(f"{name}.tab{i}.toolTip", w.tabToolTip(i))
        elif isinstance(w, QLineEdit):
            add(name + ".placeholder", w.placeholderText())
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                add(f"{name}.item{i}", w.itemText(i))
        elif isinstance(w, QMenu):
            add(name, w.title())
            for a in w.actions():
                add(f"{name}.action", a.text())
                add(f"{name}.action.toolTip", a.toolTip() if a.toolTip() != a.text() else "")
    return found


def english_leftovers(root: QWidget) -> list[str]:
    """Every visible text of ``root`` that still holds English prose, with where it is."""
    return [f"{where}: {text!r}" for where, text in visible_texts(root) if english_prose(text)]
