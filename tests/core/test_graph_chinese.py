"""The graph's and the backward stepper's own words in Chinese, their values kept."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import torch

from gradviz.core import i18n
from gradviz.core.backward import Replay, edge_text, trace_backward
from gradviz.core.devices import DeviceError, resolve_device
from gradviz.core.graph import capture_graph, tensor_node_id

PROSE = re.compile(r"[A-Za-z]{2,}(?:[ \-'][A-Za-z]{2,})+")
CODE = re.compile(r"`[^`]*`|[\w.]*[._(\[][\w.()\[\]=,: ]*|\b\w*\d\w*\b")


def english_prose(text: str) -> list[str]:
    return PROSE.findall(CODE.sub(" ", text))


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh_CN")
    try:
        yield
    finally:
        i18n.set_language("en")


def _detached() -> dict[str, torch.Tensor]:
    x = torch.arange(3.0, requires_grad=True)
    y = x * x
    u = y.detach()
    z = u * x
    c = torch.ones(3)
    out = z * c
    return {"x": x, "y": y, "u": u, "z": z, "c": c, "out": out}


def test_cut_off_notes_read_chinese_and_still_mark_the_cut(chinese):
    t = _detached()
    graph = capture_graph(t["out"], t["y"], names=t)
    u = graph.node(tensor_node_id(t["u"]))
    assert u.note == "已切断，与 y 分离：detach() 共享它的数值，但不共享它的历史"
    assert u.cut  # Node.cut reads the note: it knows the Chinese words too
    c = graph.node(tensor_node_id(t["c"]))
    assert c.note == "常量：没有历史，所以自动微分把它当作一个固定的数" and not c.cut


def test_a_cut_note_made_in_english_is_still_a_cut_in_chinese():
    t = _detached()
    graph = capture_graph(t["out"], t["y"], names=t)  # e.g. a live script's, in English
    u = graph.node(tensor_node_id(t["u"]))
    assert u.note.startswith("cut off from y")
    i18n.set_language("zh_CN")
    try:
        assert u.cut
    finally:
        i18n.set_language("en")


def test_an_edge_tooltip_reads_chinese_and_keeps_the_numbers(chinese):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    replay = Replay(trace_backward((x * x).sum(), names={"x": x}))
    replay.run_to_end()
    flows = list(replay.edges().values())
    twice = next(f for f in flows if len(f.parts) == 2)  # x * x: the edge to x, crossed twice
    text, tip = edge_text(twice)
    assert tip.startswith("沿这条边传回的梯度：\n")
    assert tip.endswith("\n（点击查看完整的张量）")
    assert "第 1 部分：" in tip and "第 2 部分：" in tip and "[1, 2]" in tip
    assert english_prose(tip) == [] and english_prose(text) == [], (text, tip)


def test_device_errors_read_chinese_and_name_the_device(chinese):
    with pytest.raises(DeviceError) as error:
        resolve_device("tpu")
    assert str(error.value) == "未知设备 'tpu'：请使用 cpu、cuda、cuda:N 或 mps"
