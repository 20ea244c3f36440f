"""The graph's and the backward stepper's own words in Chinese, their values kept."""

from __future__ import annotations

import re

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
    assert u.cut  # a flag set with the note, whatever language the note is in
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


def test_the_backward_stepper_speaks_chinese(chinese):
    from gradviz.core.backward_session import BackwardSession
    from gradviz.core.graph import function_node_id
    from gradviz.core.graph_document import GraphDocument
    from gradviz.core.workspace import Workspace

    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    doc = GraphDocument(ws)
    session = BackwardSession(ws, doc)
    messages: list[str] = []
    errors: list[str] = []
    session.subscribe(lambda e: messages.append(e.data["text"]) if e.kind == "message" else None)
    session.subscribe(lambda e: errors.append(e.data["text"]) if e.kind == "error" else None)
    assert session.run() is None
    assert errors[-1] == "请先选择作为起点的张量。"
    session.set_root("y")
    session.v_text = ""
    assert session.run() is None
    assert errors[-1] == "y 不是标量：请输入形状为 (3,) 的梯度 v。"
    session.v_text = "[1., 1., 1.]"
    assert session.run() is not None
    assert messages[-1] == "从 y 开始反向传播：记录了 2 个节点；请逐步查看"
    session.replay.run_to_end()
    title, _grad = session.edge_gradient(tensor_node_id(ws["x"]), function_node_id(ws["y"].grad_fn))
    assert title == "梯度 MulBackward0 → x"
    assert session.zero_grads()
    assert messages[-1] == "现在每个 .grad 都是零（x.grad.zero_()）：下一次反向传播从零开始"
    n = len(doc.graph.nodes)
    assert doc.status_text() == f"{n} 个节点 · 深度 {doc.graph.depth()}"
