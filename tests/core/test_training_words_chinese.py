"""Training's words in Chinese: the doctor, config errors, the loop's messages, progress,
checkpoint errors and ``gradviz train``. Each keeps its numbers and names."""

from __future__ import annotations

import math
import re

import pytest
import torch

from gradviz.cli import main
from gradviz.core import i18n
from gradviz.core.training import doctor as D
from gradviz.core.training.checkpoint import CheckpointError, load_checkpoint
from gradviz.core.training.config import ConfigError, TrainConfig, default_config, demo_name
from gradviz.core.training.loop import TrainState, train
from gradviz.core.training.report import Report, progress_text
from gradviz.core.training.session import TrainSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")
HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"\b[a-z]{3,}(?: [a-z]{3,})+\b")  # two English words in a row


def plain_chinese(text: str) -> bool:
    """Chinese, and no English prose left (names in quotes are the user's own)."""
    prose = re.sub(r"'[^']*'|`[^`]*`", " ", text)
    return bool(HAN.search(text)) and not ENGLISH_WORDS.search(prose)


def feed(doctor: D.Doctor, norms: dict[str, float], times: int = D.MIN_OBSERVATIONS) -> None:
    for step in range(1, times + 1):
        doctor.observe(Report(step=step, total_steps=100, steps_per_epoch=10, grad_norms=norms))


def test_a_vanishing_gradient_verdict_reads_in_chinese_with_its_ratio(chinese):
    doctor = D.Doctor()
    feed(doctor, {"fc1": 3e-7, "fc2": 0.5, "out": 1.5})
    (v,) = doctor.verdicts()
    assert (v.kind, v.layer) == ("vanishing", "fc1")
    ratio = 3e-7 / 1.5  # the oracle: the numbers fed in
    assert v.title == "梯度消失"
    assert v.sentence == (
        f"到达 'fc1' 的梯度只有最后一层（'out'）的 {ratio:.1e}：它几乎学不到东西。"
        "试试 ReLU 一类的激活、更好的初始化或归一化。"
    )
    assert v.threshold == f"范数 < {D.VANISHING_RATIO:g} × 最后一层的范数"
    assert D.rule("update_high") == (
        "更新过大",
        f"更新量/权重 > {D.UPDATE_RATIO_HIGH:g}（宜在 ~1e-3）",
    )


def test_an_exploding_verdict_keeps_its_growth_and_norm(chinese):
    doctor = D.Doctor()
    feed(doctor, {"fc1": 1.0, "out": 1.0})
    feed(doctor, {"fc1": 5e4, "out": 1.0}, times=D.WINDOW)
    v = next(v for v in doctor.verdicts() if v.kind == "exploding")
    assert v.layer == "fc1" and plain_chinese(v.sentence), v.sentence
    assert "50,000×" in v.sentence and "范数 5e+04" in v.sentence and "学习率" in v.sentence


def test_english_is_unchanged_when_chinese_is_not_asked_for():
    doctor = D.Doctor()
    feed(doctor, {"fc1": 3e-7, "out": 1.5})
    (v,) = doctor.verdicts()
    assert v.title == "vanishing gradients" and v.sentence.startswith("The gradient reaching")
    assert v.threshold == D.RULES["vanishing"][1] == "norm < 0.001 × the last layer's"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"lr": 500.0}, "学习率必须是 (0, 100] 内的数，实际为 500.0"),
        ({"batch_size": 0}, "批量大小必须是 1 到 1,000,000 之间的整数，实际为 0"),
        ({"weight_decay": math.inf}, "权重衰减必须是 [0, 10] 内的数，实际为 inf"),
        ({"test_fraction": 0.95}, "测试集比例必须在 0.05 到 0.9 之间，实际为 0.95"),
        (
            {"optimizer": "lion"},
            "未知的优化器 'lion'：请从 sgd, sgd_momentum, adam, adamw, rmsprop 中选一个",
        ),
        ({"classes": 3}, "只有螺旋（spiral）和高斯簇（gauss）可以多于两个类别，moons 不行"),
    ],
)
def test_config_errors_are_chinese_and_keep_their_values(chinese, change, expected):
    with pytest.raises(ConfigError) as caught:
        default_config("moons", **change).validate()
    assert str(caught.value) == expected


def test_a_config_from_a_file_says_what_is_wrong_in_chinese(chinese):
    with pytest.raises(ConfigError, match=r"^配置：未知的设置项 colour, size$"):
        TrainConfig.from_dict({"colour": 1, "size": 2})


def test_progress_and_demo_names_are_chinese(chinese):
    r = Report(step=240, total_steps=300, steps_per_epoch=100, steps_per_second=812.4)
    r.eta_seconds = 3.0
    assert progress_text(r) == "迭代周期 2.4 / 3 · 步 240 / 300 · 812\u00a0步/秒 · 剩余 0:03"
    assert demo_name("spiral") == "螺旋" and demo_name("linreg") == "线性回归"


def test_a_nonfinite_loss_message_is_chinese_and_names_the_layer(chinese):
    session = TrainSession(default_config("spiral", epochs=5))

    def hook(_module, grad_input, _grad_output):
        if session.step == 10:
            return (torch.full_like(grad_input[0], math.nan),)
        return None

    session.model.fc2.register_full_backward_hook(hook)
    result = train(session, TrainState(on_nonfinite="stop"))
    assert result.status == "nan"
    assert result.message.startswith("第 11 步时损失仍是有限值，但有梯度变成了非有限值；")
    assert "层 'fc1'（Linear）" in result.message and result.message.endswith(
        "请试试更小的学习率。"
    )


def test_a_missing_checkpoint_is_said_in_chinese(chinese, tmp_path):
    path = tmp_path / "gone.pt"
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    assert str(caught.value) == f"无法读取 {path}：文件不存在"


def test_gradviz_train_speaks_chinese_with_gradviz_lang(monkeypatch, capsys):
    monkeypatch.setenv("GRADVIZ_LANG", "zh_CN")
    try:
        with pytest.raises(SystemExit):
            main(["train", "--help"])
        helped = capsys.readouterr().out
        assert "不打开图形界面，训练一个演示网络" in helped and "遍历训练数据的次数" in helped
        assert main(["train", "--demo", "moons", "--lr", "500", "-q"]) == 2
        said = capsys.readouterr().err.strip().splitlines()[-1]
        assert said.endswith("学习率必须是 (0, 100] 内的数，实际为 500.0"), said
        assert main(["train", "--demo", "linreg", "--steps", "30", "-q"]) == 0
        line = capsys.readouterr().out
        assert line.startswith("linreg（设备 cpu）：30 步（") and "最终损失" in line, line
    finally:
        i18n.set_language("en")
