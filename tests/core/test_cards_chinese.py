"""Formula cards in Chinese: the words translated, the formulas and numbers untouched.

The English card of the same step is the oracle: under ``set_language("zh_CN")`` a card
must show the same formulas, symbols and values, and no English sentence around them.
"""

from __future__ import annotations

import re

import pytest
import torch

from gradviz.core import i18n
from gradviz.core.backward import ACCUMULATE, trace_backward
from gradviz.core.backward_rules import RULES, Card, _card_lines, card_for
from gradviz.core.card_names import name_operands
from gradviz.core.gradcheck import check_gradient

KEEP = {"PyTorch", "gradviz", "None", "CDF"}
PROSE = re.compile(r"[A-Za-z]{2,}(?:[ \-'][A-Za-z]{2,})+")
# code and maths: dotted names, calls, indexing, grad_x symbols, numbers
CODE = re.compile(r"`[^`]*`|[\w.]*[._(\[][\w.()\[\]=,: ]*|\b\w*\d\w*\b|\b[A-Z]\w*Backward\d\b")


def english_prose(text: str) -> list[str]:
    stripped = CODE.sub(" ", text)
    stripped = " ".join(w if w not in KEEP else " | " for w in stripped.split(" "))
    return PROSE.findall(stripped)


def has_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def formula(line: str) -> str:
    """The maths of an English card line: what comes before its words (``, copied …``)."""
    words = r"\s(?=(?:incoming|on the|copied|summed|with|at the|sent|converted|cut)\b)"
    return re.split(r",\s(?=[a-z]{3,})|\s\s\(|" + words, line)[0].strip()


def _steps(root: torch.Tensor, names: dict[str, torch.Tensor]) -> dict[str, object]:
    trace = trace_backward(root, names=names, keep_saved=True)
    return {s.label: s for s in trace.steps}


def _cases() -> dict[str, tuple[object, list[str | None]]]:
    """label -> (step, tensor names of its inputs) for mul, matmul, sum and relu."""
    a = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = torch.tensor([0.5, 4.0, -1.0], requires_grad=True)
    A = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    B = torch.tensor([[0.5, -1.0], [2.0, 1.0]], requires_grad=True)
    steps = {}
    steps.update(_steps((a * b).sum(), {"a": a, "b": b}))
    steps.update(_steps((A @ B).sum(), {"A": A, "B": B}))
    steps.update(_steps(torch.relu(a).sum(), {"a": a}))
    return {
        "MulBackward0": (steps["MulBackward0"], ["a", "b"]),
        "MmBackward0": (steps["MmBackward0"], ["A", "B"]),
        "SumBackward0": (steps["SumBackward0"], [None]),
        "ReluBackward0": (steps["ReluBackward0"], [None]),
        ACCUMULATE: (steps[ACCUMULATE], ["a"]),
    }


CASES = _cases()


def _both(label: str) -> tuple[Card, Card, str]:
    """The step's card in English, in Chinese, and the Chinese card's text."""
    step, _names = CASES[label]
    english = card_for(step)
    i18n.set_language("zh_CN")
    try:
        chinese = card_for(step)
        text = chinese.text()
    finally:
        i18n.set_language("en")
    return english, chinese, text


@pytest.mark.parametrize("label", list(CASES))
def test_a_card_in_chinese_keeps_its_formulas_and_numbers(label):
    english, chinese, _text = _both(label)
    assert chinese.label == english.label  # MulBackward0 is PyTorch's name, never translated
    assert len(chinese.lines) == len(english.lines)
    for en, zh in zip(english.lines, chinese.lines, strict=True):
        assert zh.startswith(formula(en)), (en, zh)
    if not re.search(r"[a-z]{3,} [a-z]{3,}", english.forward):
        assert chinese.forward == english.forward  # pure maths: the very same text
    # every value shown is the same ("scalar" is the one word among them)
    assert [(k, v.replace("标量", "scalar")) for k, v in chinese.numbers] == english.numbers
    assert chinese.check.state == english.check.state


@pytest.mark.parametrize("label", list(CASES))
def test_the_whole_card_reads_chinese(label):
    english, chinese, text = _both(label)
    assert english_prose(text) == [], text
    assert "的反向传播" in text and "这一步：" in text
    if english.check.state == "agrees":
        assert "✓ 手工套用规则，结果与 PyTorch 传出的完全一致" in text
    if english.note:
        assert has_chinese(chinese.note) and english_prose(chinese.note) == []
    assert english_prose(english.text())  # the check can fail: English is seen as English


def test_the_cards_the_learner_meets_first(chinese):
    mul = card_for(CASES["MulBackward0"][0])
    assert mul.forward == "out = a ⊙ b"
    assert mul.lines == ["grad_a = grad ⊙ b", "grad_b = grad ⊙ a"]
    assert mul.note == "前向计算中被广播的形状，在这里求和还原为各输入自己的形状"
    mm = card_for(CASES["MmBackward0"][0])
    assert mm.lines == ["grad_A = grad @ Bᵀ", "grad_B = Aᵀ @ grad"]
    total = card_for(CASES["SumBackward0"][0])
    assert total.lines == ["grad_a = grad，复制到每个元素"]
    assert total.note == "每个元素都以权重 1 参与求和"
    relu = card_for(CASES["ReluBackward0"][0])
    assert relu.forward == "out = max(a, 0)" and relu.lines == ["grad_a = grad ⊙ [out > 0]"]
    assert relu.note == "负的输入得不到梯度（“死亡”单元）"


def test_a_card_named_after_its_tensors_stays_chinese(chinese):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    step = _steps((x * x).sum(), {"x": x})["MulBackward0"]
    card = name_operands(card_for(step), ["x", "x"])
    assert card.note.startswith("a 和 b 都是 x：每个梯度都流向 x，它得到这些梯度之和；")
    assert english_prose(card.note) == []


def test_every_card_keeps_one_line_per_formula_in_chinese(chinese):
    """A translated rule keeps its lines (split at ';'), and a line of pure maths is kept."""
    for name, rule in RULES.items():
        shown = _card_lines(rule.lines)
        assert len(shown) == len(rule.lines), name
        for en, zh in zip(rule.lines, shown, strict=True):
            if not re.search(r"[a-z]{3,} [a-z]{3,}", en):
                assert zh.startswith(formula(en).split(" ")[0]), (name, en, zh)


def test_a_card_without_a_rule_and_its_missing_values_read_chinese(chinese):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    step = _steps(torch.special.erfcx(x).sum(), {"x": x})
    unknown = next(s for label, s in step.items() if label not in RULES)
    card = card_for(unknown)
    assert not card.known
    assert card.lines[0] == f"PyTorch 用它内置的公式计算 {unknown.label} 的梯度；"
    assert english_prose(card.text()) == [], card.text()


def test_a_gradient_check_explains_a_kink_in_chinese(chinese):
    x = torch.tensor([0.0], dtype=torch.float64)
    result = check_gradient(torch.relu, x)
    reason = result.reason()
    assert reason.startswith("一个折点：函数在 ")
    assert "左侧斜率 0，右侧斜率 1" in reason
    assert english_prose(reason) == [], reason
    assert [row[0] for row in result.rows()][:3] == [
        "检查的元素",
        "最大 |自动微分 − 数值|",
        "最大相对误差",
    ]
