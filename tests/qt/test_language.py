"""Choosing the interface language: View → Language, GRADVIZ_LANG, Qt's translators."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QSettings

from gradviz.core import i18n as core_i18n
from gradviz.qt import i18n
from gradviz.qt import main_window as mw


@pytest.fixture
def english_again(qapp):
    """Each test leaves the app in English, as the rest of the suite expects."""
    yield
    i18n.install(qapp, "en")
    qapp.setProperty("gradviz_font_missing", False)


@pytest.fixture
def window(qtbot):
    w = mw.MainWindow()
    qtbot.addWidget(w)
    yield w
    w.model.close()


def test_chinese_installs_qts_own_translations_for_its_dialogs(qapp, english_again):
    assert i18n.install(qapp, "zh_CN", need_font=False) == "zh_CN"
    assert core_i18n.current_language() == "zh_CN"
    # the buttons of Qt's message boxes and file dialogs come from qtbase_zh_CN
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    i18n.install(qapp, "en")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
    assert core_i18n.current_language() == "en"


def test_without_a_chinese_font_the_app_stays_english_and_names_the_package(
    qapp, monkeypatch, english_again
):
    monkeypatch.setattr(i18n, "has_cjk_font", lambda: False)
    assert i18n.install(qapp, "zh_CN") == "en"
    assert i18n.font_missing(qapp)
    assert "fonts-noto-cjk" in i18n.NO_CJK_FONT


def test_gradviz_lang_wins_over_the_saved_choice(monkeypatch):
    QSettings().setValue(i18n.SETTING, "en")
    monkeypatch.setenv("GRADVIZ_LANG", "zh_CN")
    assert i18n.chosen_language() == "zh_CN"
    monkeypatch.delenv("GRADVIZ_LANG")
    assert i18n.chosen_language() == "en"
    QSettings().setValue(i18n.SETTING, "zh_CN")
    assert i18n.chosen_language() == "zh_CN"


def test_view_language_saves_the_choice_and_offers_a_restart(window, monkeypatch):
    monkeypatch.delenv("GRADVIZ_LANG")
    asked: list[str] = []
    monkeypatch.setattr(mw, "ask_restart", lambda parent, text: asked.append(text) or False)
    window.show()
    menu = next(a.menu() for a in window.view_menu.actions() if a.text() == "&Language")
    chinese = next(a for a in menu.actions() if a.data() == "zh_CN")
    assert chinese.text() == "简体中文"  # each language named in its own words
    chinese.trigger()
    assert QSettings().value(i18n.SETTING) == "zh_CN"
    assert chinese.isChecked()
    # said in both languages: the one running now and the one chosen
    assert asked and "restarts" in asked[0] and "简体中文" in asked[0]
    assert window.isVisible()  # "Later" keeps the window open


def test_restart_now_closes_the_window_and_starts_a_new_app(window, monkeypatch, qtbot):
    monkeypatch.delenv("GRADVIZ_LANG")
    started: list[bool] = []
    monkeypatch.setattr(mw, "ask_restart", lambda parent, text: True)
    monkeypatch.setattr(mw, "restart_app", lambda: started.append(True) or True)
    window.show()
    window.set_language("zh_CN")
    assert started == [True]
    assert not window.isVisible()


def test_a_forced_language_is_explained_instead_of_a_restart(window, monkeypatch):
    monkeypatch.setenv("GRADVIZ_LANG", "en")
    monkeypatch.setattr(mw, "ask_restart", lambda parent, text: pytest.fail("no restart"))
    window.set_language("zh_CN")
    assert "GRADVIZ_LANG=en" in window.statusBar().currentMessage()


def test_the_leftover_check_finds_english_prose_but_not_code():
    from tests.qt.chinese import english_prose

    assert english_prose("Step through backward")
    assert english_prose("梯度 is zero here")
    assert not english_prose("反向传播：loss.backward() 计算 x.grad")
    assert not english_prose("在 CUDA 上训练 MLP")
    assert not english_prose("MulBackward0")
