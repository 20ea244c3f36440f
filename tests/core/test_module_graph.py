"""capture_module tags nodes with the module path that created them."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gradviz.core.graph import capture_graph, capture_module, tensor_node_id


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def test_sequential_mlp_is_grouped_by_module_path():
    net = _mlp()
    x = torch.randn(5, 4)
    graph = capture_module(net, x)
    by_module: dict[str | None, list[str]] = {}
    for n in graph.nodes:
        by_module.setdefault(n.module, []).append(n.label)
    assert sorted(by_module["net.0"]) == sorted(
        ["AddmmBackward0", "TBackward0", "net.0.weight", "net.0.bias"]
    )
    assert by_module["net.1"] == ["ReluBackward0"]
    assert sorted(by_module["net.2"]) == sorted(
        ["AddmmBackward0", "TBackward0", "net.2.weight", "net.2.bias"]
    )
    assert graph.modules() == ["net", "net.0", "net.1", "net.2"]
    # parameters are the leaves, under their full names
    leaves = {n.name: n for n in graph.nodes if n.kind == "leaf"}
    assert set(leaves) == {f"net.{i}.{p}" for i in (0, 2) for p in ("weight", "bias")}
    assert leaves["net.0.weight"].id == tensor_node_id(net[0].weight)
    # the input takes part as a constant feeding the first layer
    inputs = [n for n in graph.nodes if n.name == "input"]
    assert len(inputs) == 1 and inputs[0].kind == "constant"


def test_module_graph_has_the_same_functions_as_a_plain_capture():
    net = _mlp()
    x = torch.randn(3, 4)
    graph = capture_module(net, x)
    out = graph.node(graph.roots[0]).ref
    plain = capture_graph(out)
    assert {n.id for n in graph.nodes if n.kind == "function"} == {
        n.id for n in plain.nodes if n.kind == "function"
    }


def test_loss_on_top_has_no_module_and_backward_agrees():
    net = _mlp()
    x, target = torch.randn(5, 4), torch.randn(5, 2)
    graph = capture_module(net, x, loss=lambda out: F.mse_loss(out, target))
    root = graph.node(graph.roots[0])
    assert root.name == "loss" and root.kind == "output"
    mse = [n for n in graph.nodes if n.label == "MseLossBackward0"]
    assert len(mse) == 1 and mse[0].module is None
    root.ref.backward()
    reference = _mlp()
    F.mse_loss(reference(x), target).backward()
    assert torch.allclose(net[0].weight.grad, reference[0].weight.grad)


def test_nested_modules_innermost_wins_and_outer_ops_belong_to_outer():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return x + torch.tanh(self.fc(x))  # the residual add is the block's own op

    net = nn.Sequential(Block(), Block())
    x = torch.randn(2, 3, requires_grad=True)
    graph = capture_module(net, x, name="model")
    labels = {(n.label, n.module) for n in graph.nodes if n.kind == "function"}
    assert ("TanhBackward0", "model.0") in labels and ("AddBackward0", "model.1") in labels
    assert ("AddmmBackward0", "model.0.fc") in labels
    assert graph.modules() == [
        "model", "model.0", "model.1", "model.0.fc", "model.1.fc",
    ]  # fmt: skip
    x_node = graph.node(tensor_node_id(x))
    assert x_node.kind == "leaf" and x_node.name == "input" and x_node.module is None
    assert "cluster_model.0.fc" in graph.to_dot()


def test_tag_modules_tags_only_the_chosen_modules_and_leaves_no_hook() -> None:
    from gradviz.core.graph import MODULE_KEY, tag_modules

    chosen, other = nn.Linear(3, 3), nn.Linear(3, 3)
    x = torch.randn(2, 3)
    with tag_modules([chosen]):
        a = chosen(x)
        b = other(x)
    assert a.grad_fn.metadata.get(MODULE_KEY) is chosen
    assert MODULE_KEY not in b.grad_fn.metadata  # a module outside the set stays untagged
    c = chosen(x)  # after the block: no hook left behind
    assert MODULE_KEY not in c.grad_fn.metadata


def test_capture_leaves_garbage_collection_as_it_was() -> None:
    import gc

    net = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
    assert gc.isenabled()
    capture_module(net, torch.randn(2, 3))
    assert gc.isenabled()
    gc.disable()
    try:
        capture_module(net, torch.randn(2, 3))
        assert not gc.isenabled()  # a caller's own pause is not ended for it
    finally:
        gc.enable()
