"""The interface language: which one, Qt's translators, and a font that can draw it.

Order of choice: ``GRADVIZ_LANG``, then View → Language (saved in QSettings),
then the system locale. A change from the menu applies at the next start: the
widgets build their words when they are made, and a restart is the only way to
never show a window half in one language and half in the other.
"""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, Qt, QTranslator
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from gradviz.core import i18n
from gradviz.resources import resource_path

SETTING = "language"  # "system", "en" or "zh_CN"
FOLLOW_SYSTEM = "system"
NO_CJK_FONT = (
    "No Chinese font was found, so gradviz is shown in English. "
    "Install one (for example: sudo apt install fonts-noto-cjk) and restart gradviz."
)


def system_language() -> str:
    """The desktop's language as gradviz knows it (English when not offered)."""
    return i18n.normalise(QLocale.system().name()) or i18n.language_from_environment()


def chosen_language(settings: QSettings | None = None) -> str:
    """The language to start in: GRADVIZ_LANG, the saved choice, else the system's."""
    forced = i18n.forced_language()
    if forced:
        return forced
    saved = str((settings or QSettings()).value(SETTING, FOLLOW_SYSTEM))
    if saved != FOLLOW_SYSTEM and saved in i18n.LANGUAGES:
        return saved
    return system_language()


def has_cjk_font() -> bool:
    return bool(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))


def qt_translation_files(language: str) -> list[str]:
    """gradviz's own .qm, then Qt's shipped one for its dialogs (file dialogs, buttons)."""
    if language == i18n.ENGLISH:
        return []
    files = [str(resource_path("translations", f"gradviz_{language}.qm"))]
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    files.append(f"{qt_dir}/qtbase_{language}.qm")
    return files


def install(app: QApplication, language: str, *, need_font: bool = True) -> str:
    """Use ``language`` for core's words and Qt's; returns the language in use.

    Chinese without a font to draw it falls back to English (boxes teach nothing),
    and :data:`NO_CJK_FONT` says which package to install.
    """
    for old in getattr(app, "_gradviz_translators", []):
        app.removeTranslator(old)
    app._gradviz_translators = []  # kept here so Python does not free them
    if need_font and language == i18n.CHINESE and not has_cjk_font():
        language = i18n.ENGLISH
        app.setProperty("gradviz_font_missing", True)
    used = i18n.set_language(language)
    for path in qt_translation_files(used):
        translator = QTranslator(app)
        if translator.load(path):
            app.installTranslator(translator)
            app._gradviz_translators.append(translator)
    app.setProperty("gradviz_language", used)
    app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    return used


def font_missing(app: QApplication | None = None) -> bool:
    app = app or QApplication.instance()
    return bool(app) and bool(app.property("gradviz_font_missing"))
