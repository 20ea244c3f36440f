"""The Chinese interface's catalogs: complete, in step with the code, and one word per term."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.core import i18n

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("translations", ROOT / "tools" / "translations.py")
translations = importlib.util.module_from_spec(spec)
spec.loader.exec_module(translations)

LANG = "zh_CN"
FOLDER = ROOT / "resources" / "translations" / LANG
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sdrf]|%[sdrf]")
HAS_LUPDATE = Path(translations.tool("pyside6-lupdate")).exists()


def all_pairs() -> list[tuple[str, str, str]]:
    """(file, English, Chinese) for every message of every catalog."""
    pairs = []
    for po in sorted(FOLDER.glob("*.po")):
        entries = i18n.read_po(po.read_text(encoding="utf-8"))
        pairs += [(po.name, k, v) for k, v in entries.items()]
    for ts in sorted(FOLDER.glob("*.ts")):
        pairs += [(ts.name, s, v) for (_c, s), v in translations.ts_messages(ts).items()]
    return pairs


# ------------------------------------------------------------------ choosing the language
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GRADVIZ_LANG": "zh_CN"}, "zh_CN"),
        ({"GRADVIZ_LANG": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"GRADVIZ_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LC_ALL": "zh_SG", "LANG": "en_GB"}, "zh_CN"),
        ({"LANGUAGE": "fr:zh_CN", "LANG": "fr_FR"}, "zh_CN"),
        ({"LANG": "zh_TW.UTF-8"}, "en"),  # Traditional script: not offered yet
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_language_follows_gradviz_lang_then_the_locale(env, expected):
    assert i18n.language_from_environment(env) == expected


def test_messages_follow_the_chosen_language():
    english = "The gradient is zero here"
    i18n._catalogs[LANG] = {english: "这里的梯度为零"}  # a catalog of its own
    try:
        assert i18n.set_language("zh_CN.UTF-8") == LANG
        assert i18n._(english) == "这里的梯度为零"
        assert i18n._("not in any catalog") == "not in any catalog"
        i18n.set_language("en")
        assert i18n._(english) == english
    finally:
        i18n.set_language("en")
        i18n.clear_cache()


@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=8))
def test_po_files_read_back_what_was_written(entries):
    entries = {k: v for k, v in entries.items() if "\x00" not in k + v}
    assert i18n.read_po(i18n.write_po(entries, "# header\n")) == entries


def test_a_broken_line_in_a_catalog_loses_only_its_own_message():
    text = (
        'msgid "Step"\nmsgstr "单步"\n\n'
        'msgid "Back"\nmsgstr "后退\n\n'  # the closing quote is missing
        'msgid "End"\nmsgstr "到末尾"\n'
    )
    assert i18n.read_po(text) == {"Step": "单步", "End": "到末尾"}  # no crash, the rest kept


# ------------------------------------------------------------------ catalogs complete
def test_every_marked_core_message_has_a_translation():
    missing = []
    for path in translations.core_modules():
        messages = translations.marked_messages(path)
        if not messages:
            continue
        po = translations.po_path(LANG, translations.module_name(path))
        have = i18n.read_po(po.read_text(encoding="utf-8")) if po.exists() else {}
        missing += [f"{po.name}: {m!r}" for m in messages if not have.get(m)]
    assert not missing, "untranslated (run tools/translations.py update):\n" + "\n".join(
        missing[:40]
    )


@pytest.mark.skipif(not HAS_LUPDATE, reason="pyside6-lupdate not installed")
def test_every_tr_string_in_the_widgets_is_in_a_ts_file_and_translated(tmp_path):
    problems = []
    for path in translations.qt_modules():
        if not translations.uses_tr(path):
            continue
        module = translations.module_name(path)
        fresh = tmp_path / f"{module}.ts"
        translations.lupdate(path, fresh)
        committed = translations.ts_messages(translations.ts_path(LANG, module))
        for key in translations.ts_messages(fresh):
            if not committed.get(key):
                problems.append(f"{module}: {key[0]}: {key[1]!r}")
    assert not problems, "untranslated (run tools/translations.py update):\n" + "\n".join(
        problems[:40]
    )


@pytest.mark.skipif(not HAS_LUPDATE, reason="pyside6-lrelease not installed")
def test_the_shipped_qm_is_built_from_the_ts_files(tmp_path):
    if not list(FOLDER.glob("*.ts")):
        pytest.skip("no .ts files yet")
    fresh = translations.build(LANG, tmp_path / "fresh.qm")
    assert fresh.read_bytes() == translations.qm_path(LANG).read_bytes(), (
        "run tools/translations.py build"
    )


def test_placeholders_survive_translation():
    wrong = [
        f"{f}: {en!r} → {zh!r}"
        for f, en, zh in all_pairs()
        if zh and sorted(PLACEHOLDER.findall(en)) != sorted(PLACEHOLDER.findall(zh))
    ]
    assert not wrong, "\n".join(wrong)


# ------------------------------------------------------------------ the glossary
def glossary() -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in (
        (ROOT / "resources" / "translations" / "glossary.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
    ):
        if line.strip() and not line.startswith("#"):
            english, chinese, *rest = line.split("\t")
            avoid = [w for w in (rest[0] if rest else "").split(",") if w]
            rows.append((english, chinese, avoid))
    return rows


def prose(text: str) -> str:
    """``text`` without code: `spans`, {placeholders}, dotted names and calls keep PyTorch's
    own words."""
    text = re.sub(r"`[^`]*`|\{[^{}]*\}", " ", text)  # code spans and {placeholders}
    return re.sub(r"[\w.]*[._(][\w.()]*", " ", text)


def test_the_glossary_holds_the_terms_the_issue_names():
    chinese = {row[1] for row in glossary()}
    named = "张量 梯度 反向传播 计算图 叶子节点 广播 自动微分 损失 优化器 学习率 激活函数 批量"
    for term in named.split():  # noqa: SIM905 - the issue's list, as written
        assert term in chinese


def glossary_faults(english: str, chinese: str) -> list[str]:
    """The glossary terms in ``english`` that ``chinese`` does not translate as agreed."""
    faults = []
    for term, word, avoid in glossary():
        used = re.search(rf"(?<![\w-]){re.escape(term)}s?(?![\w-])", prose(english), re.I)
        if used and (word not in chinese or any(bad in chinese for bad in avoid)):
            faults.append(f"{term!r} should be {word}")
    return faults


def test_each_glossary_term_has_one_translation_everywhere():
    wrong = [
        f"{file}: {', '.join(faults)}: {english!r} → {chinese!r}"
        for file, english, chinese in all_pairs()
        if chinese and (faults := glossary_faults(english, chinese))
    ]
    assert not wrong, "\n".join(wrong[:40])


def test_the_glossary_check_catches_a_second_translation():
    # the check itself can fail: "learning rate" as 学习速率, or code words mistaken for prose
    assert glossary_faults("Set the learning rate", "设置学习速率")
    assert glossary_faults("The gradient is zero", "斜率为零")
    assert not glossary_faults("Set the learning rate", "设置学习率")
    assert not glossary_faults("Call `loss.backward()` first", "请先调用 `loss.backward()`")
    assert not glossary_faults("got {shape}", "得到 {shape}")  # a placeholder is not prose
