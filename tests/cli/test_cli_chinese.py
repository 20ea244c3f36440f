"""``GRADVIZ_LANG=zh_CN gradviz ...``: help, usage errors and command errors in Chinese.

Each test runs the real ``cli.main`` with the variable set, so the language is chosen
exactly as a user's shell would choose it, and argparse's own words (usage, section
titles, its error messages) come through gradviz's catalogs too.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from gradviz.cli import main
from gradviz.core import i18n

# Names that stay as they are in Chinese text: products, formats, devices.
KEEP = {"gradviz", "PyTorch", "Python", "JSON", "Graphviz", "GiB", "Apple", "macOS", "Qt"}
PROSE = re.compile(r"[A-Za-z]{2,}(?:[ \-'][A-Za-z]{2,})+")
CODE = re.compile(
    r"`[^`]*`"  # code spans
    r"|--?[\w-]+"  # option names
    r"|\b[A-Z][A-Z0-9_]*(?:\.py)?\b"  # metavars: NAME, FILE, SCRIPT.py, COMMAND
    r"|\bgradviz(?: \w+)?"  # the program and its sub-command, as argparse prints them
    r"|[\w.]*[._(\[][\w.()\[\]=,: ]*"  # dotted names, calls, file suffixes
    r"|\b\w*\d\w*\b"
)


def english_prose(text: str) -> list[str]:
    """The runs of English words in ``text`` that a translation should have replaced."""
    stripped = CODE.sub(" ", text)
    stripped = " ".join(w if w not in KEEP else " | " for w in stripped.split(" "))
    return PROSE.findall(stripped)


def has_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("GRADVIZ_LANG", "zh_CN")
    yield
    i18n.set_language("en")


def help_text(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_the_checker_sees_english_and_passes_code():
    assert english_prose("show this help message and exit")
    assert english_prose("打开 the desktop app")
    assert not english_prose("用法: gradviz graph [-h] --tensor NAME SCRIPT.py")
    assert not english_prose("示例：`gradviz graph train.py --tensor loss --out loss.svg`")


@pytest.mark.parametrize("command", [None, "gui", "graph", "backward", "devices"])
def test_help_has_no_english_prose_left(chinese, capsys, command):
    text = help_text(capsys, *([command] if command else []))
    # gradviz train's one-line summary belongs to commands/train.py, translated with it
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("train ")]
    text = "\n".join(lines)
    assert english_prose(text) == [], text
    assert "用法" in text and "选项" in text and "显示此帮助信息并退出" in text
    if command is None:
        assert "显示程序的版本号并退出" in text and "PyTorch 自动微分的可视化探索工具" in text


def test_help_stays_english_with_gradviz_lang_en(monkeypatch, capsys):
    monkeypatch.setenv("GRADVIZ_LANG", "en")
    text = help_text(capsys, "graph")
    assert text.startswith("usage: gradviz graph")
    assert "show this help message and exit" in text
    assert "the Python script to run" in text
    assert not has_chinese(text)


def test_a_usage_error_is_one_chinese_line(chinese, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["graph"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("gradviz graph：错误：缺少以下必需参数：")
    assert "SCRIPT.py" in err and "--tensor" in err and "gradviz graph --help" in err
    assert english_prose(err) == [], err


def test_an_invalid_choice_keeps_the_values(chinese, capsys):
    with pytest.raises(SystemExit):
        main(["bogus"])
    err = capsys.readouterr().err
    assert "无效的选择：'bogus'" in err and "'devices'" in err
    assert english_prose(err) == [], err


def test_a_command_error_comes_out_in_chinese(chinese, capsys, tmp_path):
    script = tmp_path / "s.py"
    script.write_text("x = 1\n")
    assert main(["graph", str(script), "--tensor", "x", "--out", str(tmp_path / "g.xyz")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gradviz graph：错误：")
    assert "'.xyz'" in err and "g.xyz" in err and ".json, .dot, .svg, .png" in err
    assert english_prose(err) == [], err


def test_backward_prints_its_steps_in_chinese(chinese, capsys, tmp_path):
    script = tmp_path / "s.py"
    script.write_text(
        textwrap.dedent(
            """
            import torch
            x = torch.tensor([1.0, 2.0], requires_grad=True)
            y = (x * x).sum()
            """
        )
    )
    assert main(["backward", str(script), "--tensor", "y"]) == 0
    out = capsys.readouterr().out
    assert "从 y（标量）开始反向传播，起始梯度 1" in out
    assert "第 1/3 步  SumBackward0" in out and "x.grad += 传入的梯度" in out
    assert "x  2  [2, 4]" in out  # the values are the real ones, untouched
    # "in" / "out" tag the arrows' columns; every sentence around them is Chinese
    assert english_prose(out) == [], out


def test_a_command_error_from_backward_keeps_its_values(chinese, capsys, tmp_path):
    script = tmp_path / "s.py"
    script.write_text("import torch\nv = torch.ones(3, requires_grad=True) * 2\n")
    assert main(["backward", str(script), "--tensor", "v"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gradviz backward：错误：v 的形状是 (3,)，不是标量")
    assert "sum(v * v)" in err
    assert english_prose(err) == [], err
