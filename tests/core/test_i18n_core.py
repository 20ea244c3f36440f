"""Core's messages in Chinese: made for real (PyTorch raises, the workspace refuses, a
session file is damaged) under zh_CN, with their values intact; English as it was."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from gradviz.core import i18n, limits
from gradviz.core.broadcast import BroadcastError, explain_broadcast
from gradviz.core.errors import explain, split_explanation
from gradviz.core.lessons import lesson_files, lesson_texts, load_lesson, parse_lesson
from gradviz.core.object_info import object_rows
from gradviz.core.session_schema import SessionFileError, read_session_file
from gradviz.core.storage_notes import also_changed
from gradviz.core.tensor_info import describe
from gradviz.core.workspace import Workspace, WorkspaceError
from gradviz.resources import resource_path

CJK = re.compile(r"[\u4e00-\u9fff]")
# English words that stay in Chinese text: PyTorch's and Python's own names, and products
KEEP = {"PyTorch", "NumPy", "Python", "Unicode", "NFKC", "JSON", "UTF", "None", "True", "False"}
PROSE = re.compile(r"[A-Za-z]{2,}(?:[ \-'][A-Za-z]{2,})+")
CODE = re.compile(r"`[^`]*`|'[^']*'|[\w.]*[._(\[][\w.()\[\]=,: ]*|\b\w*\d\w*\b")


def english_prose(text: str) -> list[str]:
    """Runs of English words left in ``text`` (code, quoted names and KEEP removed)."""
    text = text.split(" (PyTorch: ")[0]  # PyTorch's own words are kept on purpose
    stripped = CODE.sub(" ", text)
    stripped = " ".join(w if w not in KEEP else " | " for w in stripped.split(" "))
    return PROSE.findall(stripped)


def assert_chinese(text: str, *values: str) -> None:
    assert CJK.search(text), f"no Chinese in {text!r}"
    assert english_prose(text) == [], f"English left in {text!r}"
    for value in values:
        assert value in text, f"{value!r} lost from {text!r}"


def _raised(fn) -> BaseException:
    with pytest.raises(Exception) as info:
        fn()
    return info.value


# ------------------------------------------------------------------ error explanations
def test_a_shape_mismatch_is_explained_in_chinese_with_its_sizes(chinese):
    exc = _raised(lambda: torch.ones(2, 3) + torch.ones(4))
    text = explain(exc)
    plain, raw = split_explanation(text)
    assert_chinese(plain, "3", "4")
    assert "形状" in plain and "广播" in plain
    # PyTorch's own words stay after the explanation: they are what a user searches for
    assert raw == str(exc).splitlines()[0]


def test_a_matrix_product_mismatch_keeps_all_four_sizes(chinese):
    text = explain(_raised(lambda: torch.ones(2, 3) @ torch.ones(4, 5)))
    assert_chinese(split_explanation(text)[0], "(2×3) @ (4×5)", "3 ≠ 4")


def test_a_callable_explanation_translates_too(chinese):
    text = explain(RuntimeError("can't allocate memory: you tried to allocate 8000000000 bytes"))
    assert_chinese(split_explanation(text)[0], "8.0 GB")


def test_english_explanations_are_unchanged():
    text = explain(_raised(lambda: torch.ones(2, 3) + torch.ones(4)))
    assert text.startswith(
        "The shapes do not broadcast: a size 3 cannot line up with a size 4 "
        "(sizes must match or one of them must be 1). (PyTorch: "
    )


# ------------------------------------------------------------------ broadcasting
def test_the_broadcast_explanation_is_chinese_with_names_and_shapes(chinese):
    text = explain_broadcast({"a": (2, 1, 3), "b": (3,)})
    assert text == "广播：b (3,) 被看作 (1, 1, 3)，并沿第 0 轴扩展 → 结果 (2, 1, 3)"
    text = explain_broadcast({"a": (4, 3), "b": (4, 1), "c": ()})
    assert_chinese(text, "b (4, 1)", "c ()", "0, 1", "(4, 3)")
    with pytest.raises(BroadcastError) as info:
        explain_broadcast({"a": (2, 3), "b": (4,)})
    assert_chinese(str(info.value), "(2, 3)", "(4,)")


def test_the_broadcast_explanation_in_english_is_unchanged():
    assert explain_broadcast({"a": (2, 1, 3), "b": (3,)}) == (
        "Broadcasting: b (3,) is read as (1, 1, 3) and expanded along axis 0 → result (2, 1, 3)"
    )


# ------------------------------------------------------------------ the Inspector
def _view_workspace() -> dict[str, torch.Tensor]:
    base = torch.arange(6.0)
    return {"base": base, "v": base.view(2, 3), "w": base[1:4]}


def test_the_inspector_storage_rows_are_chinese(chinese):
    tensors = _view_workspace()
    rows = {prop: (value, tip) for prop, value, tip in describe("v", tensors).rows()}
    assert rows["视图"][0] == "是"
    assert_chinese(rows["视图"][1])
    assert rows["._base"][0] == "base"  # the name stays as it is
    assert_chinese(rows["._base"][1])
    shares, tip = rows["与之共享存储"]
    assert shares == "base, w"
    assert_chinese(tip)
    # PyTorch's own property names are not translated; their explanations are
    assert_chinese(rows["requires_grad"][1])
    assert_chinese(rows[".grad"][0])  # "None: requires_grad is False, …"


def test_the_in_place_note_names_the_other_tensors_in_chinese(chinese):
    tensors = _view_workspace()
    assert_chinese(also_changed("base", tensors), "v, w")
    assert_chinese(also_changed("v", tensors), "base", "w")


def test_module_and_array_rows_are_chinese(chinese):
    net = torch.nn.Linear(3, 2)
    rows = {prop: (value, tip) for prop, value, tip in object_rows(net, [])}
    assert rows["参数"][0] == "8"
    assert rows["模式"][0] == "训练"
    assert rows["weight"][0] == "2×3 · 6 个元素"
    rows = {prop: (value, tip) for prop, value, tip in object_rows(np.zeros(2), ["t"])}
    assert rows["与之共享内存"][0] == "t"
    assert_chinese(rows["与之共享内存"][1])


def test_the_inspector_in_english_is_unchanged():
    rows = {p: (v, t) for p, v, t in describe("v", _view_workspace()).rows()}
    assert rows["view"] == ("yes", "a view shares its base's memory")
    assert rows["shares storage with"] == ("base, w", "changing one changes the others")
    assert also_changed("base", _view_workspace()) == "its views v, w changed too (same memory)"


# ------------------------------------------------------------------ the size limit
@pytest.fixture
def small_limit():
    before = limits.max_elements()
    limits.set_max_elements(1000)
    yield
    limits.set_max_elements(before)


def test_the_size_limit_message_is_chinese_with_both_numbers(chinese, small_limit):
    ws = Workspace()
    with pytest.raises(WorkspaceError) as info:
        ws.create("big", "zeros", {"size": "100, 100"})
    assert_chinese(str(info.value), "10,000", "1,000")
    assert "形状" in str(info.value) or "结果" in str(info.value)
    assert ws.names() == []  # nothing was made
    with pytest.raises(limits.SizeLimitError) as info:
        limits.check_elements(5000)
    assert_chinese(str(info.value), "5,000", "1,000", "编辑 → 大小上限…")


def test_the_size_limit_message_in_english_is_unchanged(small_limit):
    with pytest.raises(limits.SizeLimitError) as info:
        limits.check_elements(5000)
    assert str(info.value) == (
        "the result would have 5,000 elements, more than the size limit of 1,000 elements "
        "(Edit → Size limit… changes it)"
    )


# ------------------------------------------------------------------ session files
def _session(tmp_path, actions) -> object:
    path = tmp_path / "s.gradviz"
    doc = {"format": "gradviz-session", "version": 1, "actions": actions}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_session_file_errors_are_chinese_with_the_file_and_values(chinese, tmp_path):
    bad = tmp_path / "broken.gradviz"
    bad.write_text('{"format": "gradviz-session",\n "version": 1,,}', encoding="utf-8")
    with pytest.raises(SessionFileError) as info:
        read_session_file(bad)
    # Python's JSON reason stays as it is (like PyTorch's words); the sentence is Chinese
    assert str(info.value).startswith("broken.gradviz：不是 gradviz 会话（第 2 行 JSON 有误：")

    path = _session(tmp_path, [])
    path.write_text(json.dumps({"format": "gradviz-session", "version": 7, "actions": []}))
    with pytest.raises(SessionFileError) as info:
        read_session_file(path)
    assert_chinese(str(info.value), "s.gradviz", "7")

    path = _session(tmp_path, [{"kind": "create", "target": "x", "op": "zeros"}, {"kind": "fly"}])
    with pytest.raises(SessionFileError) as info:
        read_session_file(path)
    assert_chinese(str(info.value), "s.gradviz", "'fly'", "2")

    path = _session(tmp_path, [{"kind": "create", "options": {"seed": "3"}}])
    ws = Workspace()
    with pytest.raises(WorkspaceError) as info:
        ws.load(path)
    assert_chinese(str(info.value), "'seed'")


def test_session_file_errors_in_english_are_unchanged(tmp_path):
    path = _session(tmp_path, [{"kind": "fly"}])
    with pytest.raises(SessionFileError) as info:
        read_session_file(path)
    assert str(info.value) == (
        "s.gradviz: action 1 has an unknown kind 'fly' (known: create, apply, edit, delete, "
        "backward, zero_grad, retain_grad, code)"
    )


# ------------------------------------------------------------------ workspace refusals
def test_a_refused_op_keeps_the_field_name_first_for_the_palette(chinese):
    ws = Workspace()
    ws.create("x", "zeros", {"size": "2"})
    with pytest.raises(WorkspaceError) as info:
        ws.apply("mul", "y", {"a": "x", "b": "nope"})
    # the palette marks the field whose name starts the message: "b: …"
    assert str(info.value).startswith("b: ")
    assert_chinese(str(info.value), "'nope'")


# ------------------------------------------------------------------ lessons
LESSONS = lesson_files(resource_path("lessons"))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lessons_explain_in_chinese_and_run_the_same_code(chinese, path):
    zh = load_lesson(path)
    i18n.set_language("en")
    en = load_lesson(path)
    assert (en.title, en.intro) == (
        parse_lesson(path.read_text(encoding="utf-8")).title,
        parse_lesson(path.read_text(encoding="utf-8")).intro,
    )
    assert not CJK.search(en.title + en.intro + "".join(s.explanation for s in en.steps))
    assert [s.code for s in zh.steps] == [s.code for s in en.steps]
    for text in [zh.title, zh.intro, *(s.explanation for s in zh.steps)]:
        assert CJK.search(text), text


def test_every_lesson_line_is_in_the_catalog():
    po = i18n.translations_dir("zh_CN") / "lessons.po"
    have = i18n.read_po(po.read_text(encoding="utf-8"))
    missing = [
        text
        for path in LESSONS
        for text in lesson_texts(parse_lesson(path.read_text(encoding="utf-8"), path))
        if not have.get(text)
    ]
    assert not missing, "run tools/translations.py update, then translate:\n" + "\n".join(missing)
